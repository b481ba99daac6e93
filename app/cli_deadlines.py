"""`treatydb deadlines`: obligations computed from the recorded events (wired in app/cli.py with
``cli.command("deadlines")(deadlines)``)."""
from __future__ import annotations

import json
import sys
from datetime import date
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

import agreements.deadlines  # noqa: F401  (registers the deadline rules of Law 2020 / Decree 64)
import treaties.deadlines  # noqa: F401  (registers the deadline rules of Law 2016)


def deadlines(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Judge on this day, YYYY-MM-DD (default today)"),
    overdue: bool = typer.Option(False, "--overdue", help="Only obligations past their due date, not fulfilled"),
    family: Optional[str] = typer.Option(None, "--family", help="treaty | agreement"),
    agency: Optional[str] = typer.Option(None, "--agency", help="Agency id or part of its name"),
    upcoming_days: Optional[int] = typer.Option(None, "--upcoming-days", min=0, max=3660,
                                                help="Only open obligations due within N days "
                                                     "(with --overdue: overdue ones as well)"),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON list"),
) -> None:
    """Deadlines from the events (Law 2016 Arts. 9-79, Law 2020 Arts. 9-46, Decree 64), sorted by due date."""
    err = Console(stderr=True)
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        err.print(f"[red]error:[/red] --as-of must be YYYY-MM-DD, not {as_of!r}")
        raise typer.Exit(2)
    if not (date(1900, 1, 1) <= day <= date(2200, 12, 31)):
        err.print(f"[red]error:[/red] --as-of {day.isoformat()} is outside 1900-2200")
        raise typer.Exit(2)
    if family is not None and family not in ("treaty", "agreement"):
        err.print("[red]error:[/red] --family must be 'treaty' or 'agreement'")
        raise typer.Exit(2)

    from core.db import init_db, session_scope
    from core.deadlines import compute_deadlines

    init_db()
    with session_scope() as session:
        items = [d.to_dict() for d in compute_deadlines(session, day, family=family, agency=agency,
                                                        overdue=overdue, upcoming_days=upcoming_days)]
    if as_json:
        sys.stdout.write(json.dumps(items, ensure_ascii=False, indent=1) + "\n")
        return
    t = Table(title=f"{len(items)} deadline(s) as of {day.isoformat()}")
    for col in ("due", "state", "article", "obligation", "instrument / agency"):
        t.add_column(col)
    for d in items:
        if d["fulfilled"]:
            state = f"[green]done {d['fulfilled_date']}[/green]" + (" (late)" if d["late"] else "")
        elif d["overdue"]:
            state = f"[red]{d['days_overdue']} day(s) overdue[/red]"
        else:
            state = f"{d['days_left']} day(s) left"
        who = f"#{d['instrument_id']} {d['title'][:70]}" if d["instrument_id"] else (d["agency"] or "")
        t.add_row(d["due_date"], state, d["article"], d["description"][:70], who)
    Console().print(t)
