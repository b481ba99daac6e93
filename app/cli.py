"""The `treatydb` command line (Typer + Rich)."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

import agreements.rules  # noqa: F401  (registers the rules of Law 2020)
import treaties.rules  # noqa: F401  (registers the rules of Law 2016)

cli = typer.Typer(help="treatydb: Viet Nam's register of treaties and international agreements.",
                  no_args_is_help=True, add_completion=False)
demo_cli = typer.Typer(help="Demo data written for treatydb (not real records).", no_args_is_help=True)
cli.add_typer(demo_cli, name="demo")
console = Console(stderr=True)


def _fail(msg: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(code)


def _init() -> None:
    from core.db import init_db

    init_db()


@cli.command()
def init() -> None:
    """Create the data directory and bring the database schema up to date."""
    from core.settings import get_settings

    _init()
    s = get_settings()
    console.print(f"data dir {s.data_dir.resolve()} ready; database {s.db_url.split('@')[-1]}")


@cli.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
          port: int = typer.Option(8000, help="Port"),
          workers: int = typer.Option(1, help="Worker processes (the search worker runs in each; keep 1 with tantivy)")) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    import uvicorn

    _init()
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_level="info")


@cli.command()
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders (PDF, DOCX, DOC, RTF)"),
           dry_run: bool = typer.Option(False, "--dry-run", help="Extract only; write nothing"),
           as_json: bool = typer.Option(False, "--json", help="Print one JSON object per instrument (JSON Lines)"),
           workers: int = typer.Option(0, help="Extraction processes (0: every core)"),
           actor: str = typer.Option("cli", help="Who ingests (for the audit log)")) -> None:
    """Extract metadata from signed texts; store originals and create draft records to confirm.
    Files already stored (same sha256) are skipped, so an interrupted batch resumes where it stopped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.service import ingest_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    if not dry_run:
        _init()
    problems: list[tuple[str, str, str]] = []
    progress = Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=console, transient=as_json)
    with progress:
        task = progress.add_task("", total=None)
        last_file = None
        for line in ingest_paths(paths, dry_run=dry_run, actor=actor, workers=workers or None,
                                 on_total=lambda n: progress.update(task, total=n)):
            if line["file"] != last_file:  # a file holding several instruments yields one line per part
                progress.update(task, advance=1, description=Path(line["file"]).name[:40])
                last_file = line["file"]
            if line.get("status") == "error":
                problems.append((line["file"], "error", line.get("error") or ""))
            for w in line.get("warnings") or []:
                if not w.startswith("already ingested"):
                    problems.append((line["file"], "warning", w))
            if as_json:
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                rec = f" → draft #{line['record_id']}" if line.get("record_id") else ""
                skipped = any(w.startswith("already ingested") for w in line.get("warnings") or [])
                if skipped:
                    rec = f" (already ingested{', record #' + str(line['record_id']) if line.get('record_id') else ''}; skipped)"
                progress.console.print(f"[{'red' if line['status'] == 'error' else 'green'}]{line['status']}[/] "
                                       f"{line['file']}: {line.get('family')} / {line.get('instrument_type')} / "
                                       f"{(line.get('title') or '')[:120]}{rec}")
    if problems:
        t = Table(title="per-file report: errors and warnings")
        for col in ("file", "kind", "message"):
            t.add_column(col)
        for f, kind, msg in problems:
            t.add_row(Path(f).name, kind, msg[:300])
        console.print(t)
    n_err = sum(1 for _, k, _ in problems if k == "error")
    console.print(f"done: {n_err} file(s) with errors")


@cli.command()
def search(q: str = typer.Argument("", help="Query: forgiving of diacritics, typos and transliterations"),
           family: Optional[list[str]] = typer.Option(None, help="treaty | agreement"),
           party: Optional[list[str]] = typer.Option(None, help="Party code or name (AND across several)"),
           instrument_type: Optional[list[str]] = typer.Option(None, "--type", help="Instrument type"),
           year: Optional[list[int]] = typer.Option(None, help="Year of signature"),
           page: int = typer.Option(1, min=1), per_page: int = typer.Option(20, min=1, max=100),
           as_json: bool = typer.Option(False, "--json", help="Print the JSON result")) -> None:
    """Search the public index (in force, unclassified, published records only)."""
    from core.parties import resolve_party
    from search.protocol import SearchQuery
    from search.service import drain_all, public_search

    _init()
    drain_all()
    filters: dict = {}
    if family:
        filters["family"] = family
    if instrument_type:
        filters["instrument_type"] = instrument_type
    if year:
        filters["year"] = [str(y) for y in year]
    if party:
        codes = []
        for p in party:
            m = resolve_party(p)
            if m is None:
                _fail(f"unknown party {p!r}")
            codes.append(m.code)
        filters["party"] = codes
    res = public_search(SearchQuery(q=q, filters=filters, page=page, per_page=per_page)).to_dict()
    if as_json:
        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=1) + "\n")
        return
    t = Table(title=f"{res['total']} result(s) for {q!r}")
    for col in ("id", "title", "type", "parties", "signed"):
        t.add_column(col)
    for h in res["hits"]:
        t.add_row(str(h["instrument_id"]), h["title"][:110], h.get("instrument_type") or "",
                  ",".join(h.get("parties") or []), h.get("signed_date") or "")
    Console().print(t)


@cli.command()
def reindex() -> None:
    """Rebuild the search index from the database (into a new index, then swap it in)."""
    from search.service import reindex as do_reindex

    _init()
    n = do_reindex()
    console.print(f"index rebuilt: {n} public record(s)")


@cli.command("search-sync")
def search_sync(check: bool = typer.Option(False, help="Also compare the index with the database and repair")) -> None:
    """Drain the search outbox once (the API process does this continuously)."""
    from search.service import check_consistency, drain_all

    _init()
    r = drain_all()
    console.print(f"outbox: {r.rows} row(s), {r.upserted} upserted, {r.deleted} removed" +
                  (f"; error: {r.error}" if r.error else ""))
    if check:
        console.print(check_consistency())
    if r.error:
        raise typer.Exit(1)


@cli.command("search-keys")
def search_keys() -> None:
    """Create the scoped Meilisearch keys: the app's key (documents, settings, tasks, swap on the treatydb
    indexes) and a search-only key for the public side. Reads MEILI_MASTER_KEY and TREATYDB_MEILI_URL; the
    master key is used for nothing else."""
    import os

    from core.settings import get_settings
    from search.meili_backend import setup_keys

    s = get_settings()
    master = os.environ.get("MEILI_MASTER_KEY")
    if not s.meili_url or not master:
        _fail("set TREATYDB_MEILI_URL and MEILI_MASTER_KEY")
    keys = setup_keys(s.meili_url, master, s.meili_index)
    sys.stdout.write(json.dumps({"MEILI_APP_KEY": keys["app_key"], "MEILI_SEARCH_KEY": keys["search_key"]}) + "\n")


@cli.command("search-worker")
def search_worker(interval: float = typer.Option(0.5, help="Seconds between outbox drains")) -> None:
    """Run the outbox worker in the foreground (when the API runs with TREATYDB_SEARCH_WORKER=false)."""
    import signal

    from search.service import SearchWorker, close_backend, get_backend

    _init()
    get_backend()
    w = SearchWorker(interval=interval)
    signal.signal(signal.SIGTERM, lambda *_: w.stop())
    w.start()
    try:
        while w.is_alive():
            w.join(0.5)
    except KeyboardInterrupt:
        w.stop()
        w.join(5)
    finally:
        close_backend()


@demo_cli.command("load")
def demo_load(force: bool = typer.Option(False, help="Load again even if already loaded")) -> None:
    """Load the demo instruments once (marker in the data dir), then index them."""
    from app.demo import load_demo

    _init()
    n = load_demo(force=force)
    console.print(f"demo: {n} instrument(s) loaded" if n else "demo data already loaded")


@cli.command("eval")
def evaluate(directory: Path = typer.Argument(..., help="Folder with labels.jsonl and the labelled files")) -> None:
    """Measure extraction accuracy per field against DIR/labels.jsonl; last line is JSON."""
    from ingest.evaluate import evaluate as run_eval

    if not (directory / "labels.jsonl").exists():
        _fail(f"{directory}/labels.jsonl not found")
    res = run_eval(directory)
    t = Table(title=f"extraction accuracy on {res['files']} file(s)")
    t.add_column("field")
    t.add_column("accuracy", justify="right")
    for k, v in res["fields"].items():
        t.add_row(k, f"{v:.2f}")
    Console(stderr=True).print(t)
    sys.stdout.write(json.dumps({"fields": res["fields"], "overall": res["overall"], "files": res["files"]}) + "\n")


from app.cli_deadlines import deadlines  # noqa: E402

from app.cli_registry import registry_cli  # noqa: E402
from app.cli_reports import report_cli  # noqa: E402
from app.cli_import import import_file, import_status, party_status_command  # noqa: E402
from app.cli_scheduler import scheduler as _scheduler  # noqa: E402

cli.command("deadlines")(deadlines)
cli.command("scheduler")(_scheduler)
cli.add_typer(report_cli, name="report")
cli.add_typer(registry_cli, name="record")
cli.command("import")(import_file)
cli.command("import-status")(import_status)
cli.command("party-status")(party_status_command)


def main() -> None:  # console script entry point
    cli()


if __name__ == "__main__":
    main()
