"""The agency table in the database: seeded from core/refdata/agencies.csv (today's ministries, ministerial-level
and Government agencies, provinces, and the bodies merged or abolished in 2025 with their successor links)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from core.exceptions import ValidationFailed
from core.models import Agency, AgencySuccession


def seed_agencies(session: Session) -> int:
    """Insert the reference agencies that are missing (idempotent). Returns the number added."""
    from core.agencies import all_agencies

    rows = all_agencies(include_implicit=True)
    existing = {a.name: a for a in session.exec(select(Agency))}
    added = 0
    for r in rows:
        if r.name_vi not in existing:
            a = Agency(name=r.name_vi, kind=r.kind or "khác", valid_from=r.valid_from, valid_to=r.valid_to,
                       basis=r.basis or None, source=r.source or None)
            session.add(a)
            existing[r.name_vi] = a
            added += 1
    session.flush()
    links = {(s.predecessor_id, s.successor_id) for s in session.exec(select(AgencySuccession))}
    for r in rows:
        succ = existing[r.name_vi]
        for pred_name in r.successor_of:
            pred = existing.get(pred_name)
            if pred is None or pred.id == succ.id or (pred.id, succ.id) in links:
                continue
            session.add(AgencySuccession(predecessor_id=pred.id, successor_id=succ.id, effective=r.valid_from,
                                         basis=(r.basis or "")[:500] or None))
            links.add((pred.id, succ.id))
    session.commit()
    return added


def resolve_agency_id(session: Session, name: str | None, *, field: str = "agency") -> int | None:
    """Any spelling of an agency → its row id (the row valid at the time, e.g. 'Bộ Kế hoạch và Đầu tư' keeps
    its own row); an unknown name is an error naming the value."""
    if not name:
        return None
    from core.agencies import resolve_agency

    ref = resolve_agency(name)
    row = None
    if ref is not None:
        row = session.exec(select(Agency).where(Agency.name == ref.name_vi)).first()
    if row is None:
        row = session.exec(select(Agency).where(Agency.name == name.strip())).first()
    if row is None:
        raise ValidationFailed(f"unknown agency {name!r}: not in the agency table (ministries, ministerial-level "
                               "and Government agencies, provinces); add it first", field=field)
    return row.id


def current_successor(session: Session, agency_id: int, on: date | None = None) -> Agency:
    """Follow successor links to the body responsible on ``on`` (default today)."""
    on = on or date.today()
    a = session.get(Agency, agency_id)
    seen = set()
    while a is not None and a.valid_to is not None and a.valid_to < on and a.id not in seen:
        seen.add(a.id)
        nxt = session.exec(select(Agency).join(AgencySuccession, AgencySuccession.successor_id == Agency.id)
                           .where(AgencySuccession.predecessor_id == a.id)).all()
        if not nxt:
            break
        a = sorted(nxt, key=lambda x: x.valid_from or date.min)[0]
    return a


def agency_view(session: Session, agency_id: int | None) -> dict[str, Any] | None:
    if agency_id is None:
        return None
    a = session.get(Agency, agency_id)
    if a is None:
        return None
    cur = current_successor(session, a.id)
    d = {"id": a.id, "name": a.name, "kind": a.kind, "valid_to": a.valid_to.isoformat() if a.valid_to else None}
    if cur is not None and cur.id != a.id:
        d["current_successor"] = {"id": cur.id, "name": cur.name}
    return d
