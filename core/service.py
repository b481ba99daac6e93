"""Rules shared by both registers: create, update, confirm, events, status, and who may see what."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from core import audit
from core.enums import Classification, Family, RecordState, Status
from core.exceptions import NotFound, ValidationFailed, VersionConflict
from core.lifecycle import EVENT_TYPES, check_new_event, derive_status
from core.models import Instrument, InstrumentEvent, InstrumentParty, SearchOutbox, StoredDocument, utcnow
from core.registry import check_family_rules
from core.schemas import EventIn, EventOut, InstrumentCreate, InstrumentOut, InstrumentUpdate, PartyIn, PartyOut

SCALAR_FIELDS = ("title", "titles", "instrument_type", "number", "danh_nghia", "signatory_level", "vn_agency",
                 "bilateral", "field", "signed_date", "signed_place", "language", "authentic_languages", "eif_rule",
                 "eif_days", "classification", "publish", "publish_basis", "notes")

EIF_RULES = ("on_signature", "on_date", "on_last_notification", "n_days_after_last_notification",
             "n_days_after_deposit", "on_exchange_of_ratification", "other")


# ---------------------------------------------------------------- parties
def resolve_parties(parties: list[PartyIn], *, allow_unknown: bool = False) -> list[dict[str, Any]]:
    """Give every party its code; an unknown name is an error (kept without a code only in drafts)."""
    from core import parties as party_table

    out = []
    for i, p in enumerate(parties):
        code, kind = (p.code.upper() if p.code else None), p.kind
        if code:
            info = party_table.party_info(code)
            if info is None:
                raise ValidationFailed(f"unknown party code {p.code!r} for party {p.name!r} "
                                       "(use ISO 3166-1 alpha-3 or an organisation code such as EU, ASEAN, UN)",
                                       field=f"parties[{i}].code")
            code, kind = info.code, kind or info.kind
        else:
            m = party_table.resolve_party(p.name)
            if m is None and allow_unknown:
                out.append({"position": i, "code": None, "name": p.name, "kind": kind})
                continue
            if m is None:
                raise ValidationFailed(f"unknown party {p.name!r}: no country or organisation matches this name; "
                                       "give its code (ISO 3166-1 alpha-3 or organisation code)",
                                       field=f"parties[{i}].name")
            code, kind = m.code, kind or m.kind
        out.append({"position": i, "code": code, "name": p.name, "kind": kind})
    return out


def _set_parties(session: Session, inst: Instrument, parties: list[dict[str, Any]]) -> None:
    for old in session.exec(select(InstrumentParty).where(InstrumentParty.instrument_id == inst.id)):
        session.delete(old)
    session.flush()
    for p in parties:
        session.add(InstrumentParty(instrument_id=inst.id, **p))


def parties_of(session: Session, instrument_id: int) -> list[InstrumentParty]:
    return list(session.exec(select(InstrumentParty).where(InstrumentParty.instrument_id == instrument_id)
                             .order_by(InstrumentParty.position)))


def events_of(session: Session, instrument_id: int) -> list[InstrumentEvent]:
    return list(session.exec(select(InstrumentEvent).where(InstrumentEvent.instrument_id == instrument_id)
                             .order_by(InstrumentEvent.date, InstrumentEvent.id)))


def documents_of(session: Session, instrument_id: int) -> list[StoredDocument]:
    return list(session.exec(select(StoredDocument).where(StoredDocument.instrument_id == instrument_id)
                             .order_by(StoredDocument.id)))


# ---------------------------------------------------------------- snapshot / validation
def snapshot(inst: Instrument, parties: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    d = {f: getattr(inst, f) for f in ("family", "record_state", *SCALAR_FIELDS)}
    if parties is not None:
        d["parties"] = [{"name": p["name"], "code": p["code"]} for p in parties]
    return d


def _validate(record: dict[str, Any]) -> None:
    fam = record.get("family")
    if fam not in (Family.treaty.value, Family.agreement.value):
        raise ValidationFailed(f"family must be 'treaty' or 'agreement', not {fam!r}", field="family")
    if record.get("classification") not in {c.value for c in Classification}:
        raise ValidationFailed("classification must be one of none, mat, toi_mat, tuyet_mat", field="classification")
    if record.get("eif_rule") and record["eif_rule"] not in EIF_RULES:
        raise ValidationFailed(f"eif_rule must be one of {', '.join(EIF_RULES)}", field="eif_rule")
    sd = record.get("signed_date")
    if sd and sd > date.today():
        raise ValidationFailed(f"signing date {sd.isoformat()} is in the future", field="signed_date")
    check_family_rules(fam, record)


def enqueue_sync(session: Session, instrument_id: int) -> None:
    """Outbox row in the same transaction as the change: the search worker re-evaluates the record."""
    session.add(SearchOutbox(instrument_id=instrument_id, op="sync"))


# ---------------------------------------------------------------- create / update
def create_instrument(session: Session, data: InstrumentCreate, *, actor: str, record_state: str = "confirmed",
                      source: str = "manual", is_draft_text: bool = False, commit: bool = True) -> Instrument:
    parties = resolve_parties(data.parties or [], allow_unknown=record_state == RecordState.draft.value)
    fields = data.model_dump(exclude={"parties", "events"}, exclude_unset=False)
    fields["titles"] = fields.get("titles") or {}
    fields["authentic_languages"] = fields.get("authentic_languages") or []
    if fields.get("bilateral") is None:
        fields["bilateral"] = len({p["code"] for p in parties if p["code"] != "VNM"}) <= 1
    record = {**fields, "record_state": record_state, "parties": parties}
    _validate(record)
    inst = Instrument(**fields, record_state=record_state, source=source, is_draft_text=is_draft_text,
                      created_by=actor, updated_by=actor)
    session.add(inst)
    session.flush()
    _set_parties(session, inst, parties)
    if data.signed_date and not any(e.type == "signed" for e in data.events):
        data.events.insert(0, EventIn(type="signed", date=data.signed_date))
    added: list[InstrumentEvent] = []
    for ev in data.events:
        check_new_event(added, ev.type, ev.date, ev.party_code)
        row = InstrumentEvent(instrument_id=inst.id, created_by=actor, **ev.model_dump())
        session.add(row)
        added.append(row)
    audit.record(session, actor=actor, action="create", entity="instrument", entity_id=inst.id,
                 after={**snapshot(inst, parties), "events": [e.type + "@" + e.date.isoformat() for e in added]})
    enqueue_sync(session, inst.id)
    if commit:
        session.commit()
        session.refresh(inst)
    return inst


def get_instrument(session: Session, instrument_id: int) -> Instrument:
    inst = session.get(Instrument, instrument_id)
    if inst is None:
        raise NotFound(f"instrument {instrument_id} does not exist")
    return inst


def _bump_version(session: Session, inst: Instrument, expected: int | None, actor: str) -> None:
    """Guarded version increment: an update made against an old version gets 409 and changes nothing."""
    current = inst.version
    if expected is not None and expected != current:
        raise VersionConflict(f"instrument {inst.id} is at version {current}, the change was made against version "
                              f"{expected}; reload and apply it again")
    res = session.execute(sa_update(Instrument).where(Instrument.id == inst.id, Instrument.version == current)
                          .values(version=current + 1, updated_at=utcnow(), updated_by=actor)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        session.rollback()
        raise VersionConflict(f"instrument {inst.id} was changed by someone else meanwhile; reload and apply again")
    session.expire(inst, ["version", "updated_at", "updated_by"])


def update_instrument(session: Session, instrument_id: int, data: InstrumentUpdate, *, actor: str) -> Instrument:
    inst = get_instrument(session, instrument_id)
    before_parties = [{"name": p.name, "code": p.code, "kind": p.kind, "position": p.position}
                      for p in parties_of(session, inst.id)]
    before = snapshot(inst, before_parties)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "parties"})
    new_parties = (resolve_parties(data.parties, allow_unknown=inst.record_state == RecordState.draft.value)
                   if data.parties is not None else before_parties)
    record = {**before, **changes, "parties": new_parties}
    _validate(record)
    _bump_version(session, inst, data.version, actor)
    for k, v in changes.items():
        if k in ("titles",) and v is None:
            v = {}
        if k == "authentic_languages" and v is None:
            v = []
        if k == "bilateral" and v is None:
            continue
        setattr(inst, k, v)
    if data.parties is not None:
        _set_parties(session, inst, new_parties)
    after = snapshot(inst, new_parties)
    audit.record(session, actor=actor, action="update", entity="instrument", entity_id=inst.id,
                 before=before, after=after)
    enqueue_sync(session, inst.id)
    session.commit()
    session.refresh(inst)
    return inst


def confirm_instrument(session: Session, instrument_id: int, *, actor: str, version: int | None = None,
                       changes: InstrumentUpdate | None = None) -> Instrument:
    """A legal officer confirms an extracted draft (optionally correcting fields in the same step)."""
    if changes is not None and changes.model_dump(exclude_unset=True, exclude={"version"}):
        update_instrument(session, instrument_id, changes, actor=actor)
        version = None
    inst = get_instrument(session, instrument_id)
    if inst.record_state == RecordState.confirmed.value:
        raise ValidationFailed(f"instrument {instrument_id} is already confirmed", field="record_state")
    parties = parties_of(session, inst.id)
    unknown = [p.name for p in parties if not p.code]
    if unknown:
        raise ValidationFailed(f"cannot confirm: parties without a code: {', '.join(unknown)}; correct them first",
                               field="parties")
    _validate({**snapshot(inst, [{"name": p.name, "code": p.code} for p in parties]), "record_state": "confirmed"})
    _bump_version(session, inst, version, actor)
    inst.record_state = RecordState.confirmed.value
    audit.record(session, actor=actor, action="confirm", entity="instrument", entity_id=inst.id,
                 before={"record_state": "draft"}, after={"record_state": "confirmed"})
    enqueue_sync(session, inst.id)
    session.commit()
    session.refresh(inst)
    return inst


def add_event(session: Session, instrument_id: int, ev: EventIn, *, actor: str) -> InstrumentEvent:
    inst = get_instrument(session, instrument_id)
    existing = events_of(session, inst.id)
    check_new_event(existing, ev.type, ev.date, ev.party_code)
    _bump_version(session, inst, None, actor)
    row = InstrumentEvent(instrument_id=inst.id, created_by=actor, **ev.model_dump())
    session.add(row)
    if ev.type == "signed" and ev.party_code is None and inst.signed_date is None:
        inst.signed_date = ev.date
    session.flush()
    audit.record(session, actor=actor, action="event", entity="instrument", entity_id=inst.id,
                 after={"event": {"id": row.id, **ev.model_dump()}})
    enqueue_sync(session, inst.id)
    session.commit()
    session.refresh(row)
    return row


# ---------------------------------------------------------------- reading
def status_of(session: Session, inst: Instrument, as_of: date | None = None) -> Status:
    return derive_status(events_of(session, inst.id), as_of)


def entry_into_force_date(events: list[InstrumentEvent]) -> date | None:
    d = [e.date for e in events if e.type == "entered_into_force" and e.party_code is None]
    return min(d) if d else None


def is_public(inst: Instrument, events: list[InstrumentEvent], as_of: date | None = None) -> bool:
    """May this record reach a public surface (search, public API, open data)? Only when it is confirmed,
    unclassified, has a decision to publish, is not a draft text, and is in force (Law 2016 Arts. 60-62,
    Law 2020 Art. 42(3), Law on State Secrets)."""
    return (inst.record_state == RecordState.confirmed.value
            and inst.classification == Classification.none.value
            and inst.publish is True
            and not inst.is_draft_text
            and derive_status(events, as_of) == Status.in_force)


def instrument_out(session: Session, inst: Instrument, as_of: date | None = None) -> InstrumentOut:
    as_of = as_of or date.today()
    events = events_of(session, inst.id)
    st = derive_status(events, as_of)
    return InstrumentOut(
        id=inst.id, family=inst.family, title=inst.title, titles=inst.titles or {},
        instrument_type=inst.instrument_type, number=inst.number, danh_nghia=inst.danh_nghia,
        signatory_level=inst.signatory_level, vn_agency=inst.vn_agency, bilateral=inst.bilateral,
        field=inst.field,
        parties=[PartyOut(name=p.name, code=p.code, kind=p.kind) for p in parties_of(session, inst.id)],
        signed_date=inst.signed_date, signed_place=inst.signed_place, language=inst.language,
        authentic_languages=inst.authentic_languages or [], eif_rule=inst.eif_rule, eif_days=inst.eif_days,
        classification=inst.classification, publish=inst.publish, publish_basis=inst.publish_basis,
        is_draft_text=inst.is_draft_text, record_state=inst.record_state, source=inst.source, notes=inst.notes,
        status=st.value, status_label_vi=st.label_vi, status_as_of=as_of,
        entry_into_force_date=entry_into_force_date([e for e in events if e.date <= as_of]),
        events=[EventOut(id=e.id, type=e.type, label_vi=EVENT_TYPES.get(e.type, (None, e.type))[1], date=e.date,
                         party_code=e.party_code, legal_basis=e.legal_basis, document_ref=e.document_ref,
                         note=e.note) for e in events],
        documents=[{"id": d.id, "filename": d.filename, "sha256": d.sha256, "part": d.part, "media_type": d.media_type,
                    "pages": d.pages, "chars": d.chars, "ocr": d.ocr} for d in documents_of(session, inst.id)],
        public=is_public(inst, events), version=inst.version, created_at=inst.created_at, updated_at=inst.updated_at,
    )


PUBLIC_FIELDS = ("id", "family", "title", "titles", "instrument_type", "number", "danh_nghia", "signatory_level",
                 "vn_agency", "bilateral", "field", "parties", "signed_date", "signed_place", "authentic_languages",
                 "status", "status_label_vi", "status_as_of", "entry_into_force_date", "events")


def public_view(out: InstrumentOut) -> dict[str, Any]:
    """Only the publishable fields (no classification details, notes, decisions or documents)."""
    d = out.model_dump(mode="json")
    return {k: d[k] for k in PUBLIC_FIELDS}


def list_instruments(session: Session, *, family: str | None = None, record_state: str | None = None,
                     limit: int = 50, offset: int = 0) -> tuple[list[Instrument], int]:
    from sqlalchemy import func

    q = select(Instrument)
    cq = select(func.count()).select_from(Instrument)
    if family:
        q, cq = q.where(Instrument.family == family), cq.where(Instrument.family == family)
    if record_state:
        q, cq = q.where(Instrument.record_state == record_state), cq.where(Instrument.record_state == record_state)
    total = session.exec(cq).one()
    rows = list(session.exec(q.order_by(Instrument.id).offset(offset).limit(limit)))
    return rows, int(total)
