"""`treatydb import` and `treatydb import-status` (and `treatydb party-status`): Typer command functions.

Wire them into app/cli.py with::

    from app.cli_import import import_file, import_status, party_status_command
    cli.command("import")(import_file)
    cli.command("import-status")(import_status)
    cli.command("party-status")(party_status_command)

stdout carries JSON only: with ``--json`` one line per row, then always ONE summary line
``{"rows", "imported", "updated", "skipped", "errors": [{"row", "field", "message"}], …}``.  Messages for
people go to stderr.  Exit code 0 unless the command was misused (unknown ``--map`` field, unreadable file,
missing column, unknown instrument …): then 2, with a clear message and nothing written.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

import agreements.rules  # noqa: F401  (registers the rules of Law 2020)
import treaties.rules  # noqa: F401  (registers the rules of Law 2016)

__all__ = ["import_file", "import_status", "party_status_command"]


def _console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(msg: str, code: int = 2) -> None:
    _console().print(f"[red]error:[/red] {msg}", markup=True)
    raise typer.Exit(code)


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _session(dry_run: bool):
    from sqlmodel import Session

    from core.db import get_engine, init_db

    if not dry_run:
        init_db()
    return Session(get_engine())


def _say_row(con: Console, o) -> None:
    for e in o.errors:
        con.print(f"[red]row {e['row']}[/red] {e['field']}: {e['message']}", markup=True)
    for w in o.warnings:
        con.print(f"[yellow]row {w.get('row')}[/yellow] {w.get('field') or ''}: {w['message']}", markup=True)


def import_file(
    file: Path = typer.Argument(..., help="CSV or XLSX file; the header row names the columns"),
    family: Optional[str] = typer.Option(None, "--family", help="treaty | agreement (or --map family=COLUMN)"),
    mapping: Optional[list[str]] = typer.Option(
        None, "--map", help="FIELD=COLUMN, repeatable. FIELD: an instrument field (title, instrument_type, number, "
        "danh_nghia, signatory_level, signed_place, publish, …), titles.<lang>, or parties (free-text list), "
        "signed_date, eif_date (entry into force), end_date (31.12.9999 = no end), status (text, checked "
        "against the dates), key (the column identifying a row; default: hash of title + signature date), "
        "family"),
    constants: Optional[list[str]] = typer.Option(None, "--set", help="FIELD=VALUE for every row, e.g. "
                                                  "--set 'danh_nghia=Chính phủ'"),
    date_order: str = typer.Option("dmy", "--date-order", help="dmy (25/05/2024) | mdy (05/25/2024) | ymd"),
    source: Optional[str] = typer.Option(None, "--source", help="Name of the source (external_ref prefix); "
                                         "default: the file name without extension"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="XLSX sheet (default: the first)"),
    draft: bool = typer.Option(False, "--draft", help="Import as drafts (default: confirmed)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count only; write nothing"),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per row before the summary"),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Only the first N data rows"),
    where: Optional[list[str]] = typer.Option(None, "--where", help="COLUMN~TEXT, repeatable: only rows whose "
                                              "cell contains TEXT (ignoring case and marks), e.g. a world list's "
                                              "rows naming Viet Nam: --where Membership~Vietnam"),
    actor: str = typer.Option("import", "--actor", help="Who imports (for the audit log)"),
) -> None:
    """Import treaties or agreements from a CSV/XLSX list: one record per row, re-import changes nothing,
    a changed row updates its record (audited). Imported records have classification 'none' and no publish
    decision, so they are NOT public until a legal officer decides to publish them. A row naming an
    unknown party is imported as a draft (the name kept, a warning given)."""
    from ingest.importer import ImportOptions, ImportReport, ImportUsageError, iter_import, parse_assignments, \
        parse_where, read_table

    con = _console()
    try:
        opts = ImportOptions(family=family, mapping=parse_assignments(mapping, "--map"),
                             constants=parse_assignments(constants, "--set"), date_order=date_order,
                             source=source, sheet=sheet, draft=draft, dry_run=dry_run, limit=limit, actor=actor,
                             where=parse_where(where))
        opts.check()
        table = read_table(file, sheet=sheet, wanted=list(opts.mapping.values()))
    except ImportUsageError as exc:
        _fail(str(exc))
    report = ImportReport(source=source or file.stem, dry_run=dry_run)
    try:
        session = _session(dry_run)
    except Exception as exc:  # pragma: no cover - database down
        _fail(f"database not available: {type(exc).__name__}: {exc}")
    with session:
        try:
            for o in iter_import(session, table, opts, report):
                if as_json:
                    _emit(o.to_dict())
                _say_row(con, o)
        except ImportUsageError as exc:
            _fail(str(exc))
    summary = report.summary()
    con.print(f"{'dry run: ' if dry_run else ''}{summary['rows']} row(s): {summary['imported']} imported, "
              f"{summary['updated']} updated, {summary['skipped']} skipped ({summary['unchanged']} unchanged, "
              f"{len(summary['errors'])} error(s)); {summary['drafts']} draft(s); encoding {table.encoding}"
              + (f"; {summary['filtered_out']} row(s) left out by --where" if where else ""))
    for w in report.file_warnings:
        con.print(f"[yellow]warning:[/yellow] {w['message']}", markup=True)
    _emit(summary)


def import_status(
    file: Path = typer.Argument(..., help="UN Treaty Collection status table (CSV or XLSX): Participant, "
                                "Signature, Ratification/Accession(a)/Succession(d) …"),
    instrument: int = typer.Option(..., "--instrument", help="Id of the multilateral treaty record"),
    source: Optional[str] = typer.Option(None, "--source", help="Name of the source, kept in each event's note"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count only; write nothing"),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per participant before the summary"),
    actor: str = typer.Option("import", "--actor", help="Who imports (for the audit log)"),
) -> None:
    """Add each participant's actions (signed, ratified, acceded, succeeded, accepted, approved …) to a
    multilateral treaty as per-party events. Importing the same table again adds nothing."""
    from ingest.importer import ImportUsageError, read_table
    from ingest.untc import StatusReport, iter_import_status

    con = _console()
    try:
        table = read_table(file, wanted=["Participant"])
    except ImportUsageError as exc:
        _fail(str(exc))
    report = StatusReport(source=source or file.stem, instrument_id=instrument, dry_run=dry_run)
    with _session(dry_run) as session:
        try:
            for o in iter_import_status(session, table, instrument, actor=actor, source=source, dry_run=dry_run,
                                        report=report):
                if as_json:
                    _emit(o.to_dict())
                _say_row(con, o)
        except ImportUsageError as exc:
            _fail(str(exc))
    s = report.summary()
    con.print(f"{'dry run: ' if dry_run else ''}{s['rows']} participant(s): {s['imported']} with new actions "
              f"({s['events_added']} event(s)), {s['unchanged']} unchanged, {len(s['errors'])} error(s)")
    _emit(s)


def party_status_command(
    instrument: int = typer.Argument(..., help="Id of the multilateral treaty record"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Date YYYY-MM-DD (default: today)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines instead of a table"),
) -> None:
    """Each party's signature, consent and status on a date."""
    from rich.table import Table

    from core.exceptions import NotFound
    from ingest.untc import list_party_status

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail(f"--as-of must be YYYY-MM-DD, not {as_of!r}")
    with _session(True) as session:
        try:
            rows = list_party_status(session, instrument, day)
        except NotFound as exc:
            _fail(exc.message)
    if as_json:
        for r in rows:
            _emit(r)
        return
    t = Table(title=f"instrument {instrument}: {len(rows)} part(ies) on {(day or date.today()).isoformat()}")
    for col in ("party", "name", "signature", "consent", "in force", "status"):
        t.add_column(col)
    for r in rows:
        c = r["consent"]
        eif = (r.get("entry_into_force") or "") + (" *" if r.get("entry_into_force_derived") else "")
        t.add_row(r["party"], r.get("name_en") or "", r["signature"] or "",
                  f"{c['type']} {c['date']}" if c else "", eif, r["status_label_vi"])
    Console().print(t)
    if any(r.get("entry_into_force_derived") for r in rows):
        Console().print("* derived from the instrument's entry into force and the party's consent "
                        "(no date recorded for that party)")
