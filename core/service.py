"""Rules shared by both registers: create, update, confirm, events, status, and who may see what."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from core import audit
from core.enums import Classification, Family, RecordState, Status
from core.exceptions import NotFound, ValidationFailed, VersionConflict
from core.lifecycle import CONSENT, ENDING, EVENT_TYPES, check_new_event, derive_status
from core.models import Instrument, InstrumentEvent, InstrumentParty, SearchOutbox, StoredDocument, utcnow
from core.registry import check_family_rules
from core.schemas import EventIn, EventOut, InstrumentCreate, InstrumentOut, InstrumentUpdate, PartyIn, PartyOut

SCALAR_FIELDS = ("title", "titles", "instrument_type", "number", "danh_nghia", "signatory_level", "vn_agency",
                 "bilateral", "field", "signed_date", "signed_place", "language", "authentic_languages", "eif_rule",
                 "eif_days", "classification", "publish", "publish_basis", "notes", "content_summary", "vn_signer",
                 "foreign_signer", "depositary", "consent_mode", "consent_body", "consent_decision_number",
                 "consent_decision_date", "duration_years", "expiry_date", "auto_renewal", "renewal_years",
                 "notice_months", "custody_type", "classification_date", "protection_until", "publish_decision_ref",
                 "proposing_agency_id", "implementing_agency_id", "vn_agency_id")
AGENCY_INPUTS = {"proposing_agency": "proposing_agency_id", "implementing_agency": "implementing_agency_id"}

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
def _agency_ids(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Replace agency names by agency table ids (an unknown proposing/implementing agency is an error)."""
    from core.agency_table import resolve_agency_id

    out = dict(values)
    for name_field, id_field in AGENCY_INPUTS.items():
        if name_field in out:
            out[id_field] = resolve_agency_id(session, out.pop(name_field), field=name_field)
    if out.get("vn_agency"):
        try:
            out["vn_agency_id"] = resolve_agency_id(session, out["vn_agency"], field="vn_agency")
        except ValidationFailed:  # a Cục, Sở or organisation outside the table: kept as written
            out["vn_agency_id"] = None
    return out


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
    fields = _agency_ids(session, data.model_dump(exclude={"parties", "events"}, exclude_unset=False))
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
    for attempt in range(20):
        res = session.execute(sa_update(Instrument).where(Instrument.id == inst.id, Instrument.version == current)
                              .values(version=current + 1, updated_at=utcnow(), updated_by=actor)
                              .execution_options(synchronize_session=False))
        if res.rowcount == 1:
            break
        if expected is not None:
            session.rollback()
            raise VersionConflict(f"instrument {inst.id} was changed by someone else meanwhile; reload and apply "
                                  "it again")
        # no version given (an event, a relation): the change does not depend on the old state; take the new one
        current = session.execute(select(Instrument.version).where(Instrument.id == inst.id)).scalar_one()
    else:
        session.rollback()
        raise VersionConflict(f"instrument {inst.id} is being changed by many writers at once; try again")
    session.expire(inst, ["version", "updated_at", "updated_by"])


def update_instrument(session: Session, instrument_id: int, data: InstrumentUpdate, *, actor: str) -> Instrument:
    inst = get_instrument(session, instrument_id)
    before_parties = [{"name": p.name, "code": p.code, "kind": p.kind, "position": p.position}
                      for p in parties_of(session, inst.id)]
    before = snapshot(inst, before_parties)
    changes = _agency_ids(session, data.model_dump(exclude_unset=True, exclude={"version", "parties"}))
    new_parties = (resolve_parties(data.parties, allow_unknown=inst.record_state == RecordState.draft.value)
                   if data.parties is not None else before_parties)
    record = {**before, **changes, "parties": new_parties}
    if all(before.get(k) == v for k, v in changes.items()) and (data.parties is None or
                                                                [(p["name"], p["code"]) for p in new_parties] ==
                                                                [(p["name"], p["code"]) for p in before_parties]):
        if data.version is not None and data.version != inst.version:
            raise VersionConflict(f"instrument {inst.id} is at version {inst.version}, the change was made against "
                                  f"version {data.version}; reload and apply it again")
        return inst  # nothing changes: no new version, no audit row
    for key in ("title", "instrument_type", "family"):
        if key in changes and changes[key] is None:
            raise ValidationFailed(f"{key} cannot be removed", field=key)
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
    inst = get_instrument(session, instrument_id)
    if version is not None and version != inst.version:
        raise VersionConflict(f"instrument {instrument_id} is at version {inst.version}, the confirmation was made "
                              f"against version {version}; reload and confirm again")
    if inst.record_state == RecordState.confirmed.value:
        raise ValidationFailed(f"instrument {instrument_id} is already confirmed", field="record_state")
    if changes is not None and changes.model_dump(exclude_unset=True, exclude={"version"}):
        # validate the corrected record as confirmed before anything is written: all or nothing
        probe = {**snapshot(inst, [{"name": p.name, "code": p.code} for p in parties_of(session, inst.id)]),
                 **_agency_ids(session, changes.model_dump(exclude_unset=True, exclude={"version", "parties"}))}
        if changes.parties is not None:
            probe["parties"] = resolve_parties(changes.parties)  # unknown parties are an error here
        _validate({**probe, "record_state": "confirmed"})
        update_instrument(session, instrument_id, changes, actor=actor)
        parties = parties_of(session, inst.id)
    unknown = [p.name for p in parties if not p.code]
    if unknown:
        raise ValidationFailed(f"cannot confirm: parties without a code: {', '.join(unknown)}; correct them first",
                               field="parties")
    _validate({**snapshot(inst, [{"name": p.name, "code": p.code} for p in parties]), "record_state": "confirmed"})
    _bump_version(session, inst, None, actor)
    inst.record_state = RecordState.confirmed.value
    audit.record(session, actor=actor, action="confirm", entity="instrument", entity_id=inst.id,
                 before={"record_state": "draft"}, after={"record_state": "confirmed"})
    enqueue_sync(session, inst.id)
    session.commit()
    session.refresh(inst)
    return inst


def add_event(session: Session, instrument_id: int, ev: EventIn, *, actor: str) -> InstrumentEvent:
    inst = get_instrument(session, instrument_id)
    if ev.party_code is not None:
        from core.parties import party_info

        info = party_info(ev.party_code)
        if info is None:
            raise ValidationFailed(f"unknown party code {ev.party_code!r}", field="party_code")
        ev = ev.model_copy(update={"party_code": info.code})
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
def effective_status(inst: Instrument, events: list[InstrumentEvent], as_of: date | None = None) -> Status:
    """The status from the events, and from a fixed term: past its expiry date without automatic renewal an
    instrument has ended even when no 'expired' event was recorded."""
    as_of = as_of or date.today()
    st = derive_status(events, as_of)
    if (st in (Status.in_force, Status.suspended, Status.provisionally_applied) and inst.expiry_date is not None
            and inst.auto_renewal is not True and as_of >= inst.expiry_date):
        return Status.terminated
    return st


def status_of(session: Session, inst: Instrument, as_of: date | None = None) -> Status:
    return effective_status(inst, events_of(session, inst.id), as_of)


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
            and effective_status(inst, events, as_of) == Status.in_force)


class _Row:
    """The few columns ``effective_status`` reads, of an instrument or of one of its events."""
    __slots__ = ("id", "type", "date", "party_code", "expiry_date", "auto_renewal")

    def __init__(self, **kw: Any) -> None:
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def public_instrument_ids(session: Session, as_of: date | None = None, among: list[int] | None = None) -> set[int]:
    """The ids of every record ``is_public`` admits (of ``among`` only, when given), computed in two column
    queries (no ORM objects: at 100,000 records loading them whole would take seconds; public search asks this
    for each page of hits, the search worker for every record after midnight)."""
    as_of = as_of or date.today()
    cond = [Instrument.classification == Classification.none.value, Instrument.publish.is_(True),
            Instrument.record_state == RecordState.confirmed.value, Instrument.is_draft_text.is_(False)]
    if among is not None:
        if not among:
            return set()
        cond.append(Instrument.id.in_(among))
    conn = session.connection()
    cands = {iid: _Row(expiry_date=exp, auto_renewal=auto) for iid, exp, auto in conn.execute(
        select(Instrument.id, Instrument.expiry_date, Instrument.auto_renewal).where(*cond))}
    if not cands:
        return set()
    events: dict[int, list] = {}
    q = (select(InstrumentEvent.id, InstrumentEvent.instrument_id, InstrumentEvent.type, InstrumentEvent.date)
         .where(InstrumentEvent.party_code.is_(None),
                InstrumentEvent.instrument_id.in_(select(Instrument.id).where(*cond))))
    for eid, iid, etype, edate in conn.execute(q):
        events.setdefault(iid, []).append(_Row(id=eid, type=etype, date=edate))
    return {i for i, inst in cands.items()
            if effective_status(inst, events.get(i, ()), as_of) == Status.in_force}  # type: ignore[arg-type]


def instrument_out(session: Session, inst: Instrument, as_of: date | None = None) -> InstrumentOut:
    from core.agency_table import agency_view

    as_of = as_of or date.today()
    events = events_of(session, inst.id)
    st = effective_status(inst, events, as_of)
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
        content_summary=inst.content_summary,
        proposing_agency=agency_view(session, inst.proposing_agency_id),
        implementing_agency=agency_view(session, inst.implementing_agency_id),
        vn_signer=inst.vn_signer, foreign_signer=inst.foreign_signer, depositary=inst.depositary,
        consent_mode=inst.consent_mode, consent_body=inst.consent_body,
        consent_decision_number=inst.consent_decision_number, consent_decision_date=inst.consent_decision_date,
        duration_years=inst.duration_years, expiry_date=inst.expiry_date, auto_renewal=inst.auto_renewal,
        renewal_years=inst.renewal_years, notice_months=inst.notice_months, custody_type=inst.custody_type,
        classification_date=inst.classification_date, protection_until=inst.protection_until,
        publish_decision_ref=inst.publish_decision_ref, external_ref=inst.external_ref,
        legal_regime=legal_regime(inst.family, inst.signed_date), register_facts=register_facts(events),
        relations=relations_of(session, inst.id),
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
                 "content_summary", "depositary", "duration_years", "expiry_date", "legal_regime",
                 "status", "status_label_vi", "status_as_of", "entry_into_force_date", "events")
PUBLIC_EVENT_TYPES = {"signed", "ratified", "approved", "acceded", "accepted", "succeeded", "entered_into_force",
                      "amended", "extended", "suspended", "resumed", "terminated", "withdrawn", "denounced", "expired",
                      "reinstated", "provisionally_applied", "provisional_application_ended", "un_registered",
                      "published_cong_bao", "reservation", "declaration", "objection"}


def public_view(out: InstrumentOut) -> dict[str, Any]:
    """Only the publishable fields (no classification details, notes, decisions or documents)."""
    d = out.model_dump(mode="json")
    pub = {k: d[k] for k in PUBLIC_FIELDS}
    pub["events"] = [{"type": e["type"], "label_vi": e["label_vi"], "date": e["date"], "party_code": e["party_code"]}
                     for e in pub["events"] if e["type"] in PUBLIC_EVENT_TYPES]
    pub["relations"] = [{k: r[k] for k in ("type", "label_vi", "direction", "instrument_id", "title")}
                        for r in d["relations"] if r.get("public")]
    return pub


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


# ---------------------------------------------------------------- relations
RELATION_TYPES = {
    # type: (label on the 'from' record, label of the inverse on the 'to' record)
    "amends": ("sửa đổi", "được sửa đổi bởi"),
    "supplements": ("bổ sung", "được bổ sung bởi"),
    "extends": ("gia hạn", "được gia hạn bởi"),
    "terminates": ("chấm dứt hiệu lực của", "bị chấm dứt hiệu lực bởi"),
    "replaces": ("thay thế", "được thay thế bởi"),
    "implements": ("thực hiện", "được thực hiện bởi"),
    "protocol_to": ("là nghị định thư của", "có nghị định thư"),
}
INVERSE_NAMES = {"amends": "amended_by", "supplements": "supplemented_by", "extends": "extended_by",
                 "terminates": "terminated_by", "replaces": "replaced_by", "implements": "implemented_by",
                 "protocol_to": "has_protocol"}


def add_relation(session: Session, from_id: int, to_id: int, rel_type: str, *, actor: str,
                 note: str | None = None):
    from core.models import InstrumentRelation

    if rel_type not in RELATION_TYPES:
        raise ValidationFailed(f"relation type must be one of {', '.join(RELATION_TYPES)}", field="type")
    if from_id == to_id:
        raise ValidationFailed("an instrument cannot be related to itself", field="to_id")
    get_instrument(session, from_id)
    get_instrument(session, to_id)
    dup = session.exec(select(InstrumentRelation).where(InstrumentRelation.from_id == from_id,
                                                        InstrumentRelation.to_id == to_id,
                                                        InstrumentRelation.type == rel_type)).first()
    if dup is not None:
        raise ValidationFailed(f"instrument {from_id} already {rel_type} instrument {to_id}", field="type")
    row = InstrumentRelation(from_id=from_id, to_id=to_id, type=rel_type, note=note, created_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="relation", entity="instrument", entity_id=from_id,
                 after={"relation": {"type": rel_type, "to_id": to_id}})
    enqueue_sync(session, from_id)
    enqueue_sync(session, to_id)
    session.commit()
    session.refresh(row)
    return row


def relations_of(session: Session, instrument_id: int) -> list[dict[str, Any]]:
    """Both directions: the record's own relations and the inverse of those pointing at it."""
    from core.models import InstrumentRelation

    out = []
    for r in session.exec(select(InstrumentRelation).where(InstrumentRelation.from_id == instrument_id)):
        other = session.get(Instrument, r.to_id)
        out.append({"id": r.id, "type": r.type, "label_vi": RELATION_TYPES[r.type][0], "direction": "outgoing",
                    "instrument_id": r.to_id, "title": other.title if other else None, "note": r.note,
                    "public": bool(other and is_public(other, events_of(session, other.id)))})
    for r in session.exec(select(InstrumentRelation).where(InstrumentRelation.to_id == instrument_id)):
        other = session.get(Instrument, r.from_id)
        out.append({"id": r.id, "type": INVERSE_NAMES[r.type], "label_vi": RELATION_TYPES[r.type][1],
                    "direction": "incoming", "instrument_id": r.from_id, "title": other.title if other else None,
                    "note": r.note, "public": bool(other and is_public(other, events_of(session, other.id)))})
    return sorted(out, key=lambda d: (d["direction"], d["id"]))


# ---------------------------------------------------------------- derived register facts
REGIMES = (  # (family, in force from, name) — the law in force at signature
    ("treaty", date(1989, 10, 17), "Pháp lệnh về ký kết và thực hiện điều ước quốc tế 1989"),
    ("treaty", date(1998, 8, 20), "Pháp lệnh ký kết và thực hiện điều ước quốc tế 1998"),
    ("treaty", date(2006, 1, 1), "Luật Ký kết, gia nhập và thực hiện điều ước quốc tế 41/2005/QH11"),
    ("treaty", date(2016, 7, 1), "Luật Điều ước quốc tế 108/2016/QH13"),
    ("treaty", date(2026, 1, 1), "Luật Điều ước quốc tế 108/2016/QH13, sửa đổi bởi Luật 137/2025/QH15"),
    ("agreement", date(2002, 3, 11), "Nghị định 20/2002/NĐ-CP"),
    ("agreement", date(2007, 7, 1), "Pháp lệnh ký kết và thực hiện thỏa thuận quốc tế 33/2007/PL-UBTVQH11"),
    ("agreement", date(2021, 7, 1), "Luật Thỏa thuận quốc tế 70/2020/QH14"),
    ("agreement", date(2025, 7, 1), "Luật Thỏa thuận quốc tế 70/2020/QH14; Nghị định 64/2021/NĐ-CP sửa đổi bởi "
                                    "Nghị định 177/2025/NĐ-CP"),
)


def legal_regime(family: str, signed: date | None) -> str | None:
    if signed is None:
        return None
    best = None
    for fam, start, name in REGIMES:
        if fam == family and signed >= start:
            best = name
    return best


def register_facts(events: list[InstrumentEvent]) -> dict[str, Any]:
    """§2.7 dated columns read from the events (first occurrence)."""
    def first(t: str):
        ev = [e for e in events if e.type == t and e.party_code is None]
        return ev[0] if ev else None

    facts: dict[str, Any] = {}
    for key, t in (("original_received", "original_received"), ("eif_notified", "eif_notified"),
                   ("sao_luc", "sao_luc"), ("cong_bao", "published_cong_bao"), ("portal", "published_portal"),
                   ("un_registration", "un_registered"), ("implementation_plan", "implementation_plan")):
        e = first(t)
        facts[key] = {"date": e.date.isoformat(), "ref": e.document_ref} if e else None
    for t in ("amended", "extended", "suspended", "resumed", "terminated", "withdrawn", "denounced", "expired"):
        facts.setdefault("history", [])
        facts["history"] += [{"type": e.type, "date": e.date.isoformat(), "ref": e.document_ref}
                             for e in events if e.type == t and e.party_code is None]
    facts["history"] = sorted(facts.get("history", []), key=lambda h: h["date"])
    return facts


# ---------------------------------------------------------------- per-party status (multilateral)
_ENDS = ("terminated", "expired")  # the instrument's own end (a general withdrawal is Viet Nam's alone)


def party_entry_into_force(inst: Instrument, general_eif: date | None, consent: date | None) -> date | None:
    """When a multilateral instrument entered into force for a party whose own date is not recorded: on the
    instrument's entry into force for a party that consented before it; for a later consent, the instrument's
    rule counted from that consent (n days after deposit or notification), else the day of consent. None without
    a consent or a general entry into force. (A recorded party event always wins: treaties often set another
    period for later parties, e.g. UNCLOS Art. 308(2), thirty days. Nothing is derived on or after the party's
    withdrawal, denunciation or end, nor the instrument's own end.)"""
    from datetime import timedelta

    if consent is None or general_eif is None:
        return None
    if consent <= general_eif:
        return general_eif
    if inst.eif_rule in ("n_days_after_deposit", "n_days_after_last_notification") and inst.eif_days:
        return consent + timedelta(days=inst.eif_days)
    return consent


def party_status(session: Session, instrument_id: int, as_of: date | None = None) -> list[dict[str, Any]]:
    """Each party's actions and its status on ``as_of`` (events carrying that party's code). Where a party's entry
    into force is not recorded it is derived (``party_entry_into_force``) and flagged
    ``entry_into_force_derived``."""
    from core.lifecycle import EventView

    inst = get_instrument(session, instrument_id)
    as_of = as_of or date.today()
    by_party: dict[str, list[InstrumentEvent]] = {}
    recorded: dict[str, bool] = {}  # parties with an entry into force of their own, on any date
    general = []
    ends = []  # the instrument's own end (terminated, expired)
    for e in events_of(session, instrument_id):
        if e.party_code:  # every party with an action is listed; only actions up to the date count
            lst = by_party.setdefault(e.party_code, [])
            if e.type == "entered_into_force":
                recorded[e.party_code] = True
            if e.date <= as_of:
                lst.append(e)
        elif e.type == "entered_into_force":
            general.append(e.date)
        elif e.type in _ENDS:
            ends.append(e.date)
    general_eif = min(general) if general else None
    end = min(ends) if ends else None
    out = []
    for code, evs in sorted(by_party.items()):
        consent = [e for e in evs if e.type in CONSENT]
        views = [_as_whole(e) for e in evs]
        eif = next((e.date for e in evs if e.type == "entered_into_force"), None)
        derived = False
        if eif is None and not recorded.get(code):
            eif = party_entry_into_force(inst, general_eif, consent[0].date if consent else None)
            left = next((e.date for e in evs if e.type in ENDING), None)
            if eif is not None and eif <= as_of and (left is None or left > eif) and (end is None or end > eif):
                derived = True
                views.append(EventView(type="entered_into_force", date=eif, id=None, party_code=None))
            else:
                eif = None
        if end is not None and end <= as_of:  # the instrument itself has ended: so has it for every party
            views.append(EventView(type="terminated", date=end, id=None, party_code=None))
        st = derive_status(views, as_of)
        out.append({
            "party": code, "status": st.value, "status_label_vi": st.label_vi,
            "signature": next((e.date.isoformat() for e in evs if e.type == "signed"), None),
            "consent": ({"type": consent[0].type, "date": consent[0].date.isoformat()} if consent else None),
            "entry_into_force": eif.isoformat() if eif else None, "entry_into_force_derived": derived,
            "withdrawal": next((e.date.isoformat() for e in evs if e.type in ("withdrawn", "denounced")), None),
            "reservations": [{"type": e.type, "date": e.date.isoformat(), "text": e.note} for e in evs
                             if e.type in ("reservation", "declaration", "objection")],
        })
    return out


def _as_whole(e: InstrumentEvent):
    from core.lifecycle import EventView

    return EventView(type=e.type, date=e.date, id=e.id, party_code=None)
