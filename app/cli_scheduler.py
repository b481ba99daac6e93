"""``treatydb scheduler``: the scheduler process (wired into app.cli by ``cli.command("scheduler")(scheduler)``)."""
from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from typing import Optional

import typer
from rich.console import Console

console = Console(stderr=True)
log = logging.getLogger("treatydb.scheduler")


def _schema_ready(engine) -> bool:
    from sqlalchemy import inspect

    try:
        return inspect(engine).has_table("job_run")
    except Exception:  # noqa: BLE001
        return False


def scheduler(
    once: Optional[str] = typer.Option(None, "--once", metavar="JOB_ID",
                                       help="Run this job now (under the exactly-once lock) and exit"),
    force: bool = typer.Option(False, "--force", help="With --once: run even if the job already ran this period"),
    list_jobs: bool = typer.Option(False, "--list", help="Print the jobs, their next run and last result, and exit"),
    as_json: bool = typer.Option(False, "--json", help="With --list or --once: print JSON"),
) -> None:
    """Run the scheduled jobs (annual report drafts, weekly deadline reminders, nightly index check) until SIGTERM
    or Ctrl-C. Run it in ONE service (docker-compose `scheduler`), never inside the API workers; a second
    scheduler is harmless: a job runs once per scheduled time (database lock)."""
    from core.db import get_engine
    from core.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.INFO)
    import agreements.rules  # noqa: F401  (registers the rules of Law 2020)
    import treaties.rules  # noqa: F401  (registers the rules of Law 2016)
    from app import scheduler as sch

    settings = get_settings()
    engine = get_engine()

    if list_jobs:
        rows = sch.describe_jobs(settings, engine if _schema_ready(engine) else None)
        if as_json:
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            return
        typer.echo(f"# time zone {sch.scheduler_timezone(settings)}")
        for r in rows:
            lr = r["last_run"]
            last = f"{lr['run_key']} {lr['status']} by {lr['owner']}" if lr else "-"
            typer.echo(f"{r['id']}\t{r['trigger']}\tnext {r['next_run'] or '-'}\tlast {last}\t{r['description']}")
        return

    if not _schema_ready(engine):
        console.print("[red]error:[/red] the database schema is missing: run `treatydb init` first")
        raise typer.Exit(2)

    if once is not None:
        if once not in sch.JOBS:
            console.print(f"[red]error:[/red] unknown job {once!r}; jobs: {', '.join(sch.JOBS)}")
            raise typer.Exit(2)
        try:
            out = sch.run_job_now(once, engine=engine, force=force)
        except Exception as exc:  # the JobRun row says failed
            console.print(f"[red]failed:[/red] {once}: {type(exc).__name__}: {exc}")
            raise typer.Exit(1)
        if as_json:
            sys.stdout.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")
        elif out["ran"]:
            console.print(f"[green]ok[/green] {once} [{out['run_key']}]: "
                          f"{json.dumps(out['result'], ensure_ascii=False, default=str)}")
        else:
            h = out.get("holder") or {}
            console.print(f"[yellow]skipped[/yellow] {once} [{out['run_key']}]: already {h.get('status')} by "
                          f"{h.get('owner')} (started {h.get('started_at')}); --force runs it again")
        return

    sched = sch.make_scheduler(engine=engine, settings=settings, name="scheduler")
    stopping = threading.Event()

    def _stop(signum, _frame):
        if stopping.is_set():  # second signal: give up waiting for running jobs
            raise SystemExit(128 + signum)
        stopping.set()
        log.info("signal %s: stopping the scheduler (waiting for running jobs)", signum)
        # not from inside the handler: shutdown() takes the scheduler's locks, which the main loop may hold
        threading.Thread(target=sched.shutdown, kwargs={"wait": True}, name="scheduler-stop").start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for r in sch.describe_jobs(settings):
        log.info("job %s: %s; next %s", r["id"], r["trigger"], r["next_run"])
    try:
        sched.start()  # blocks until shutdown
    finally:
        for t in threading.enumerate():
            if t.name == "scheduler-stop":
                t.join(timeout=60)
        engine.dispose()
    log.info("scheduler stopped")
