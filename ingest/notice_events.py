"""The Ministry's entry-into-force notices (Số: NN/YYYY/TB-LPQT) become dated events of the instruments they name."""
from __future__ import annotations

from datetime import date
from difflib import SequenceMatcher
from typing import Any

from sqlmodel import Session, select

from core.models import Instrument, InstrumentEvent
from core.schemas import EventIn
from core.service import add_event
from core.text import fold

MATCH_THRESHOLD = 0.86


def _d(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        return None


def match_instrument(session: Session, title: str, signed: date | None) -> tuple[Instrument | None, float]:
    """The confirmed or draft record whose folded title is closest to ``title`` (the signing date must agree
    when both are known). Returns (record, similarity)."""
    want = fold(title)
    best, score = None, 0.0
    q = select(Instrument)
    if signed is not None:
        q = q.where((Instrument.signed_date == signed) | (Instrument.signed_date.is_(None)))
    for inst in session.exec(q):
        got = fold(inst.title)
        if not got:
            continue
        s = 1.0 if got == want else SequenceMatcher(None, want, got, autojunk=False).ratio()
        if want and (want in got or got in want):
            s = max(s, 0.9)
        if s > score:
            best, score = inst, s
    return (best, score) if score >= MATCH_THRESHOLD else (None, score)


def apply_notice(session: Session, notice: dict[str, Any], *, actor: str) -> list[dict[str, Any]]:
    """Add the notice's events (entry into force / termination, plus 'eif_notified' on the notice date, which
    fulfils Law 2016 Art. 56(1)) to the matching records; idempotent by (type, document_ref)."""
    number = notice.get("notice_number")
    ref = f"Thông báo {number}" if number else "Thông báo hiệu lực"
    notice_date = _d(notice.get("notice_date"))
    results = []
    for item in notice.get("instruments") or []:
        title = item.get("title") or ""
        inst, score = match_instrument(session, title, _d(item.get("signed_date")))
        if inst is None:
            results.append({"title": title, "status": "unmatched",
                            "message": f"no record matches {title[:120]!r} (best similarity {score:.2f}); "
                                       "register the instrument, then ingest the notice again"})
            continue
        done = []
        wanted = []
        ev_type, ev_date = item.get("event") or "entered_into_force", _d(item.get("event_date"))
        if ev_date is not None:
            wanted.append((ev_type, ev_date, "Law 2016 Art. 56(1)" if ev_type == "entered_into_force"
                           else "Law 2016 Art. 56(3)"))
        if notice_date is not None:
            wanted.append(("eif_notified", notice_date, "Law 2016 Art. 56"))
        for t, d, basis in wanted:
            exists = session.exec(select(InstrumentEvent).where(InstrumentEvent.instrument_id == inst.id,
                                                                InstrumentEvent.type == t,
                                                                InstrumentEvent.document_ref == ref)).first()
            if exists is not None:
                continue
            try:
                add_event(session, inst.id, EventIn(type=t, date=d, legal_basis=basis, document_ref=ref), actor=actor)
                done.append(f"{t} {d.isoformat()}")
            except Exception as exc:
                session.rollback()
                results.append({"title": title, "instrument_id": inst.id, "status": "error",
                                "message": f"{t} on {d.isoformat()}: {getattr(exc, 'message', exc)}"})
        results.append({"title": title, "instrument_id": inst.id, "status": "applied" if done else "unchanged",
                        "events": done, "similarity": round(score, 3)})
    return results
