"""Append-only audit trail: who, when, which fields, before and after."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from core.models import AuditLog


def _jsonable(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def record(session: Session, *, actor: str, action: str, entity: str, entity_id: int | None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditLog:
    """Add an audit row to the current transaction (it commits or rolls back with the change itself)."""
    before = before or {}
    after = after or {}
    fields = sorted(set(before) | set(after))
    changes = {f: {"before": _jsonable(before.get(f)), "after": _jsonable(after.get(f))} for f in fields
               if before.get(f) != after.get(f)}
    row = AuditLog(actor=actor, action=action, entity=entity, entity_id=entity_id, changes=changes)
    session.add(row)
    return row


def history(session: Session, entity: str, entity_id: int) -> list[AuditLog]:
    return list(session.exec(select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
                             .order_by(AuditLog.id)))
