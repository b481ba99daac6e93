"""HTTP routes of the shared instrument register (thin: the rules live in core.service)."""
from __future__ import annotations

from datetime import date
from typing import Any

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, Field

from core import audit, service
from core.auth import Registrar, is_registrar, require_registrar
from core.db import SessionDep
from core.schemas import EventIn, EventOut, InstrumentCreate, InstrumentOut, InstrumentUpdate
from core.lifecycle import EVENT_TYPES

router = APIRouter(prefix="/api/instruments", tags=["instruments"])
MAX_ID = 2**31 - 1
InstrumentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Record id")]


class ConfirmIn(BaseModel):
    version: int | None = None
    changes: InstrumentUpdate | None = None


@router.post("", status_code=201, response_model=InstrumentOut)
def create_instrument(data: InstrumentCreate, session: SessionDep, actor: Registrar) -> InstrumentOut:
    inst = service.create_instrument(session, data, actor=actor)
    return service.instrument_out(session, inst)


@router.get("", response_model=dict)
def list_instruments(session: SessionDep, actor: Registrar, family: str | None = None,
                     record_state: str | None = None, limit: int = Query(50, ge=1, le=500),
                     offset: int = Query(0, ge=0, le=MAX_ID)) -> dict[str, Any]:
    rows, total = service.list_instruments(session, family=family, record_state=record_state, limit=limit,
                                           offset=offset)
    return {"data": [service.instrument_out(session, r).model_dump(mode="json") for r in rows], "count": total}


@router.get("/{instrument_id}")
def get_instrument(instrument_id: InstrumentId, session: SessionDep, as_of: date | None = None,
                   authorization: str | None = Header(default=None)) -> dict[str, Any]:
    """Public records are readable by anyone (publishable fields only); others need the registrar token."""
    from core.exceptions import NotFound, Unauthorized

    registrar = authorization is not None and bool(require_registrar(authorization))
    try:
        inst = service.get_instrument(session, instrument_id)
    except NotFound:
        if not registrar:  # anonymous callers cannot tell a missing record from a hidden one
            raise Unauthorized("this record is not public; the registrar token is required") from None
        raise
    out = service.instrument_out(session, inst, as_of)
    if registrar:
        return out.model_dump(mode="json")
    if not out.public:
        require_registrar(authorization)  # raises 401: this record is not public
    return service.public_view(out)


@router.patch("/{instrument_id}", response_model=InstrumentOut)
def patch_instrument(instrument_id: InstrumentId, data: InstrumentUpdate, session: SessionDep,
                     actor: Registrar) -> InstrumentOut:
    inst = service.update_instrument(session, instrument_id, data, actor=actor)
    return service.instrument_out(session, inst)


@router.post("/{instrument_id}/events", status_code=201, response_model=EventOut)
def add_event(instrument_id: InstrumentId, ev: EventIn, session: SessionDep, actor: Registrar) -> EventOut:
    row = service.add_event(session, instrument_id, ev, actor=actor)
    return EventOut(id=row.id, type=row.type, label_vi=EVENT_TYPES[row.type][1], date=row.date,
                    party_code=row.party_code, legal_basis=row.legal_basis, document_ref=row.document_ref,
                    note=row.note)


@router.post("/{instrument_id}/confirm", response_model=InstrumentOut)
def confirm(instrument_id: InstrumentId, session: SessionDep, actor: Registrar, body: ConfirmIn | None = None) -> InstrumentOut:
    body = body or ConfirmIn()
    inst = service.confirm_instrument(session, instrument_id, actor=actor, version=body.version,
                                      changes=body.changes)
    return service.instrument_out(session, inst)


@router.get("/{instrument_id}/history")
def history(instrument_id: InstrumentId, session: SessionDep, actor: Registrar) -> list[dict[str, Any]]:
    service.get_instrument(session, instrument_id)
    return [{"id": a.id, "at": a.at.isoformat(), "actor": a.actor, "action": a.action, "changes": a.changes}
            for a in audit.history(session, "instrument", instrument_id)]


class RelationIn(BaseModel):
    type: str
    to_id: int = Field(ge=1, le=MAX_ID)
    note: str | None = Field(default=None, max_length=1000)


@router.post("/{instrument_id}/relations", status_code=201)
def add_relation(instrument_id: InstrumentId, body: RelationIn, session: SessionDep, actor: Registrar) -> dict[str, Any]:
    row = service.add_relation(session, instrument_id, body.to_id, body.type, actor=actor, note=body.note)
    return {"id": row.id, "from_id": row.from_id, "to_id": row.to_id, "type": row.type, "note": row.note}


@router.get("/{instrument_id}/relations")
def get_relations(instrument_id: InstrumentId, session: SessionDep, actor: Registrar) -> list[dict[str, Any]]:
    service.get_instrument(session, instrument_id)
    return service.relations_of(session, instrument_id)


@router.get("/{instrument_id}/parties")
def party_status(instrument_id: InstrumentId, session: SessionDep, as_of: date | None = None,
                 authorization: str | None = Header(default=None)) -> list[dict[str, Any]]:
    """Each party's signature, consent, entry into force, reservations and withdrawal, and its status on as_of."""
    from core.exceptions import NotFound

    try:
        inst = service.get_instrument(session, instrument_id)
    except NotFound:
        if not is_registrar(authorization):
            require_registrar(authorization if authorization else None)
            from core.exceptions import Unauthorized
            raise Unauthorized("this record is not public; the registrar token is required") from None
        raise
    if not is_registrar(authorization) and not service.is_public(inst, service.events_of(session, inst.id)):
        require_registrar(authorization)
    return service.party_status(session, instrument_id, as_of)
