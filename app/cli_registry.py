"""Registry commands for legal officers at the command line (the same services as the API)."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from core.db import session_scope

registry_cli = typer.Typer(help="Register instruments, record events and relations, read status and history.",
                           no_args_is_help=True)


def _print(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n")


def _run(fn):
    from core.exceptions import TreatyDBError

    try:
        return fn()
    except TreatyDBError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1)


@registry_cli.command("add")
def add(file: Path = typer.Argument(..., help="JSON file with the record (the body of POST /api/instruments)"),
        actor: str = typer.Option("cli", help="Who registers (audit log)")) -> None:
    """Register an instrument from a JSON file; prints the record."""
    from pydantic import ValidationError

    from core.schemas import InstrumentCreate
    from core.service import create_instrument, instrument_out

    try:
        data = InstrumentCreate.model_validate_json(file.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        typer.echo(f"error: {file}: {exc}", err=True)
        raise typer.Exit(2)
    with session_scope() as s:
        _print(_run(lambda: instrument_out(s, create_instrument(s, data, actor=actor)).model_dump(mode="json")))


@registry_cli.command("show")
def show(instrument_id: int, as_of: Optional[str] = typer.Option(None, "--as-of", help="YYYY-MM-DD")) -> None:
    """The full record with its status on a date."""
    from core.service import get_instrument, instrument_out

    d = date.fromisoformat(as_of) if as_of else None
    with session_scope() as s:
        _print(_run(lambda: instrument_out(s, get_instrument(s, instrument_id), d).model_dump(mode="json")))


@registry_cli.command("event")
def event(instrument_id: int, type: str = typer.Argument(..., help="signed, ratified, entered_into_force, …"),
          on: str = typer.Argument(..., metavar="DATE", help="YYYY-MM-DD"),
          party: Optional[str] = typer.Option(None, help="Party code, for a per-party action"),
          basis: Optional[str] = typer.Option(None, help="Legal basis"),
          ref: Optional[str] = typer.Option(None, help="Document reference"),
          note: Optional[str] = typer.Option(None), actor: str = typer.Option("cli")) -> None:
    """Record a dated lifecycle event (impossible sequences are refused with the reason)."""
    from core.schemas import EventIn
    from core.service import add_event

    try:
        ev = EventIn(type=type, date=on, party_code=party, legal_basis=basis, document_ref=ref, note=note)
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    with session_scope() as s:
        row = _run(lambda: add_event(s, instrument_id, ev, actor=actor))
        _print({"id": row.id, "instrument_id": instrument_id, "type": row.type, "date": row.date.isoformat()})


@registry_cli.command("relate")
def relate(from_id: int, type: str = typer.Argument(..., help="amends, supplements, extends, terminates, replaces, "
                                                     "implements, protocol_to"),
           to_id: int = typer.Argument(...), note: Optional[str] = typer.Option(None),
           actor: str = typer.Option("cli")) -> None:
    """Relate two instruments (the inverse shows on the other record)."""
    from core.service import add_relation

    with session_scope() as s:
        row = _run(lambda: add_relation(s, from_id, to_id, type, actor=actor, note=note))
        _print({"id": row.id, "from_id": row.from_id, "type": row.type, "to_id": row.to_id})


@registry_cli.command("confirm")
def confirm(instrument_id: int, actor: str = typer.Option("cli")) -> None:
    """Confirm an extracted draft."""
    from core.service import confirm_instrument

    with session_scope() as s:
        inst = _run(lambda: confirm_instrument(s, instrument_id, actor=actor))
        _print({"id": inst.id, "record_state": inst.record_state, "version": inst.version})


@registry_cli.command("history")
def history(instrument_id: int) -> None:
    """The audit trail of a record: who, when, which fields, before and after."""
    from core import audit
    from core.service import get_instrument

    with session_scope() as s:
        _run(lambda: get_instrument(s, instrument_id))
        _print([{"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "changes": a.changes}
                for a in audit.history(s, "instrument", instrument_id)])
