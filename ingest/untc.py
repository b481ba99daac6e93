"""Per-party actions on a multilateral treaty from a UN Treaty Collection status table (``treatydb import-status``).

The table has one row per participant and one column per kind of action, the header naming the markers used
in the cells, e.g. (``untc-status-unclos-21-6.csv``)::

    Participant,"Signature, Succession to signature(d)",
        "Formal confirmation(c), Accession(a), Succession(d), Ratification"      (one line in the file)
    Viet Nam,10 Dec 1982,25 Jul 1994
    Albania,,23 Jun 2003 a

Each dated cell becomes a per-party event (``party_code`` = the participant's code) on the instrument:

=====================================  ==============================================
cell                                   event
=====================================  ==============================================
date in a Signature column             ``signed``
… with (d) "succession to signature"   ``signed`` (note: succession to signature)
date, no marker, consent column        the column's unmarked kind (``ratified``)
``a`` accession                        ``acceded``
``d`` succession                       ``succeeded``
``A`` acceptance                       ``accepted``
``AA`` approval                        ``approved``
``c`` formal confirmation              ``ratified`` (note: formal confirmation — the act of an
                                       international organisation that corresponds to ratification)
=====================================  ==============================================

Footnote numbers after a participant's name ("Viet Nam 12", "Germany2, 3") are removed before the name is
resolved with :func:`core.parties.resolve_party`; an unknown name is an error naming the value.  Importing the
same table again adds nothing; a cell whose date differs from the event already recorded for that party is
reported as an error and changes nothing (events are history: correct them by hand).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import update as sa_update
from sqlmodel import Session, select

import agreements.rules  # noqa: F401
import treaties.rules  # noqa: F401
from core import audit
from core.dates import DateParseError, parse_date
from core.exceptions import TreatyDBError, VersionConflict
from core.lifecycle import EventView, check_new_event
from core.models import Instrument, InstrumentEvent, utcnow
from core.service import enqueue_sync
from core.parties import party_info
from core.schemas import EventIn
from core.text import fold
from ingest.importer import ImportUsageError, RowOutcome, SourceTable, lookup_party, read_table

__all__ = ["StatusColumn", "parse_status_header", "clean_participant", "import_status", "iter_import_status",
           "StatusReport", "list_party_status", "LABEL_EVENTS", "MARKER_EVENTS"]

# action named in a column header → (event type, note)
LABEL_EVENTS: dict[str, tuple[str, str | None]] = {
    "signature": ("signed", None),
    "succession to signature": ("signed", "succession to signature"),
    "definitive signature": ("signed", "definitive signature"),
    "ratification": ("ratified", None),
    "accession": ("acceded", None),
    "succession": ("succeeded", None),
    "acceptance": ("accepted", None),
    "approval": ("approved", None),
    "formal confirmation": ("ratified", "formal confirmation"),
    "denunciation": ("denounced", None),
    "withdrawal": ("withdrawn", None),
}
# the usual UNTC markers, used when a header does not name a marker the cells carry
MARKER_EVENTS: dict[str, tuple[str, str | None]] = {
    "a": ("acceded", None), "d": ("succeeded", None), "A": ("accepted", None), "AA": ("approved", None),
    "c": ("ratified", "formal confirmation"),
}
_ITEM_RE = re.compile(r"^\s*(.+?)\s*(?:\(\s*([A-Za-z]{1,2})\s*\))?\s*$")
_CELL_RE = re.compile(r"^(.*?\d{4})\s*([A-Za-z]{1,2})?\s*$")
_FOOTNOTE_RE = re.compile(r"(?:[\s,*]*(?:\d{1,3}|[\u00b9\u00b2\u00b3\u2070-\u2079]+))+[\s,*]*$")


@dataclass
class StatusColumn:
    header: str
    default: tuple[str, str | None] | None                     # the unmarked action
    markers: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def _label_event(label: str) -> tuple[str, str | None] | None:
    f = fold(label).strip(" .")
    f = re.sub(r"\s+", " ", f)
    return LABEL_EVENTS.get(f)


def parse_status_header(headers: list[str]) -> tuple[str, list[StatusColumn], list[str]]:
    """(participant column, action columns, ignored columns)."""
    participant = next((h for h in headers if "participant" in fold(h)), None)
    if participant is None:
        raise ImportUsageError("no 'Participant' column: this is not a UN Treaty Collection status table "
                               f"(columns: {', '.join(repr(h) for h in headers)})")
    cols, ignored = [], []
    for h in headers:
        if h == participant:
            continue
        default, markers = None, {}
        for item in h.split(","):
            m = _ITEM_RE.match(item)
            if not m:
                continue
            ev = _label_event(m.group(1))
            if ev is None:
                continue
            if m.group(2):
                markers[m.group(2)] = ev
            elif default is None:
                default = ev
        if default is None and not markers:
            ignored.append(h)
        else:
            cols.append(StatusColumn(h, default, markers))
    if not cols:
        raise ImportUsageError("no action column (Signature, Ratification, Accession(a) …) found in the header: "
                               + ", ".join(repr(h) for h in headers))
    return participant, cols, ignored


def clean_participant(name: str) -> str:
    """'Viet Nam 12' → 'Viet Nam'; 'Germany2, 3' → 'Germany'; whitespace tidied."""
    s = re.sub(r"\s+", " ", (name or "").replace("\u00a0", " ")).strip()
    s = _FOOTNOTE_RE.sub("", s).strip()
    return s


def _parse_cell(col: StatusColumn, raw: str) -> tuple[str, date, str | None]:
    s = re.sub(r"\s+", " ", raw.replace("\u00a0", " ")).strip()
    m = _CELL_RE.match(s)
    if not m:
        raise DateParseError(raw, "not a date with an optional UNTC marker")
    marker = m.group(2)
    d = parse_date(m.group(1), "dmy")
    if d is None:
        raise DateParseError(raw)
    if marker:
        ev = col.markers.get(marker) or MARKER_EVENTS.get(marker)
        if ev is None:
            raise DateParseError(raw, f"unknown marker {marker!r} (the header names "
                                      f"{', '.join(sorted(col.markers)) or 'none'})")
    else:
        if col.default is None:
            raise DateParseError(raw, f"no marker, and column {col.header!r} has no unmarked action")
        ev = col.default
    return ev[0], d, ev[1]


@dataclass
class StatusReport:
    source: str
    instrument_id: int
    dry_run: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)
    file_warnings: list[dict[str, Any]] = field(default_factory=list)
    events_added: int = 0

    def summary(self) -> dict[str, Any]:
        imported = sum(1 for o in self.outcomes if o.status == "imported")
        return {
            "rows": len(self.outcomes), "imported": imported, "updated": 0,
            "skipped": sum(1 for o in self.outcomes if o.status in ("unchanged", "error")),
            "errors": [e for o in self.outcomes for e in o.errors],
            "unchanged": sum(1 for o in self.outcomes if o.status == "unchanged"),
            "events_added": self.events_added,
            "warnings": self.file_warnings + [w for o in self.outcomes for w in o.warnings],
            "instrument_id": self.instrument_id, "source": self.source, "dry_run": self.dry_run,
        }


def iter_import_status(session: Session, table: SourceTable, instrument_id: int, *, actor: str = "import",
                       source: str | None = None, dry_run: bool = False,
                       report: StatusReport | None = None) -> Iterator[RowOutcome]:
    """One outcome per participant row; each row's new events are written in one transaction."""
    from core.service import events_of, get_instrument

    try:
        inst = get_instrument(session, instrument_id)
    except TreatyDBError as exc:
        raise ImportUsageError(exc.message) from None
    if inst.bilateral:
        raise ImportUsageError(f"instrument {instrument_id} ({inst.title[:80]!r}) is bilateral; a status table of "
                               "parties belongs to a multilateral treaty")
    participant, cols, ignored = parse_status_header(table.headers)
    source = source or table.path.stem
    if report is not None:
        report.source, report.dry_run = source, dry_run
        report.file_warnings.extend(table.warnings)
        for h in ignored:
            report.file_warnings.append({"row": table.header_row, "field": h,
                                         "message": f"column {h!r} names no known action; ignored"})
    # plain views: a commit does not expire (and reload) them
    by_party: dict[str, list[EventView]] = {}
    for e in events_of(session, instrument_id):
        if e.party_code:
            by_party.setdefault(e.party_code, []).append(EventView(type=e.type, date=e.date, id=e.id,
                                                                   party_code=e.party_code))
    seen_codes: dict[str, int] = {}
    for row in table.rows:
        if row.is_blank():
            continue
        out = RowOutcome(row.number, "error", warnings=list(row.warnings))
        raw_name = str(row.cells.get(participant) or "").strip()
        name = clean_participant(raw_name)
        out.title = name
        errors: list[dict[str, Any]] = []
        m = lookup_party(name) if name else None
        if not name:
            errors.append({"row": row.number, "field": participant, "message": "empty participant name"})
        elif m is None:
            errors.append({"row": row.number, "field": participant,
                           "message": f"unknown participant {raw_name!r}: no country or organisation matches "
                                      "this name"})
        elif m.code in seen_codes:
            errors.append({"row": row.number, "field": participant,
                           "message": f"participant {raw_name!r} ({m.code}) already given in row {seen_codes[m.code]}"})
        planned: list[tuple[str, date, str | None, str]] = []
        for col in cols:
            raw = row.cells.get(col.header)
            if raw is None or not str(raw).strip():
                continue
            try:
                t, d, note = _parse_cell(col, str(raw))
                planned.append((t, d, note, col.header))
            except DateParseError as exc:
                errors.append({"row": row.number, "field": col.header, "message": str(exc)})
        if errors:
            out.errors = errors
            yield _record(report, out)
            continue
        code = m.code
        seen_codes[code] = row.number
        out.external_ref = code
        mine = by_party.get(code, [])
        new: list[tuple[str, date, str | None, str]] = []
        for t, d, note, hdr in planned:
            same = [e for e in mine if e.type == t]
            if any(e.date == d for e in same):
                continue
            if same:
                errors.append({"row": row.number, "field": hdr,
                               "message": f"{name} ({code}) already has '{t}' on {same[0].date.isoformat()}; the "
                                          f"file says {d.isoformat()}: not changed"})
                continue
            new.append((t, d, note, hdr))
        # the whole row must make sense before anything is written
        done: list[Any] = list(mine)
        for t, d, note, hdr in sorted(new, key=lambda x: (x[0] != "signed", x[1])):
            try:
                check_new_event(done, t, d, code)
                done.append(EventView(type=t, date=d, party_code=code))
            except TreatyDBError as exc:
                errors.append({"row": row.number, "field": hdr, "message": f"{name} ({code}): {exc.message}"})
        if errors:
            out.errors = errors
            yield _record(report, out)
            continue
        if not new:
            out.status = "unchanged"
            yield _record(report, out)
            continue
        out.changed = [f"{t}@{d.isoformat()}" for t, d, _, _ in new]
        out.status = "imported"
        if not dry_run:
            try:
                rows = _write_row(session, instrument_id, code, new, source=source, actor=actor)
                mine.extend(rows)
                by_party[code] = mine
                if report is not None:
                    report.events_added += len(rows)
            except TreatyDBError as exc:
                session.rollback()
                out.status = "error"
                out.errors = [{"row": row.number, "field": "row", "message": f"{name} ({code}): {exc.message}"}]
            except Exception as exc:  # a database error on this row must not stop the others
                session.rollback()
                out.status = "error"
                out.errors = [{"row": row.number, "field": "row",
                               "message": f"{name} ({code}): {type(exc).__name__}: {exc}"[:500]}]
        elif report is not None:
            report.events_added += len(new)
        out.record_id = instrument_id
        yield _record(report, out)


def _write_row(session: Session, instrument_id: int, code: str, new: list[tuple[str, date, str | None, str]], *,
               source: str, actor: str) -> list[EventView]:
    """One participant's new events in one transaction: the events, their audit rows, the guarded version
    increment of the instrument and the search outbox row (what :func:`core.service.add_event` writes for a
    single event)."""
    rows = []
    for t, d, note, _ in sorted(new, key=lambda x: (x[0] != "signed", x[1])):
        ev = EventIn(type=t, date=d, party_code=code, note=source + (f": {note}" if note else ""))
        row = InstrumentEvent(instrument_id=instrument_id, created_by=actor, **ev.model_dump())
        session.add(row)
        rows.append((row, ev))
    session.flush()
    for row, ev in rows:
        audit.record(session, actor=actor, action="event", entity="instrument", entity_id=instrument_id,
                     after={"event": {"id": row.id, **ev.model_dump()}})
    current = session.exec(select(Instrument.version).where(Instrument.id == instrument_id)).one()
    res = session.execute(sa_update(Instrument).where(Instrument.id == instrument_id, Instrument.version == current)
                          .values(version=current + 1, updated_at=utcnow(), updated_by=actor)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise VersionConflict(f"instrument {instrument_id} was changed by someone else meanwhile; import again")
    enqueue_sync(session, instrument_id)
    views = [EventView(type=r.type, date=r.date, id=r.id, party_code=code) for r, _ in rows]
    session.commit()
    return views


def _record(report: StatusReport | None, out: RowOutcome) -> RowOutcome:
    if report is not None:
        report.outcomes.append(out)
    return out


def import_status(session: Session, path: Path | str, instrument_id: int, *, actor: str = "import",
                  source: str | None = None, dry_run: bool = False) -> StatusReport:
    """Read a UNTC status CSV/XLSX and add its per-party events to instrument ``instrument_id``."""
    table = read_table(path, wanted=["Participant"])
    report = StatusReport(source=source or Path(path).stem, instrument_id=instrument_id, dry_run=dry_run)
    for _ in iter_import_status(session, table, instrument_id, actor=actor, source=source, dry_run=dry_run,
                                report=report):
        pass
    return report


def list_party_status(session: Session, instrument_id: int, as_of: date | None = None) -> list[dict[str, Any]]:
    """Per-party status on ``as_of`` (:func:`core.service.party_status`) with each party's names."""
    from core.service import party_status

    out = []
    for r in party_status(session, instrument_id, as_of):
        info = party_info(r["party"])
        out.append({**r, "name_en": info.name_en if info else None, "name_vi": info.name_vi if info else None})
    return out
