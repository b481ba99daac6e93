"""Annual report on the signing and implementation of treaties (Law 2016 Art. 77(3)) or international agreements
(Law 2020 Art. 44(1)): figures gathered from the database, rendered into a Decree 30/2020 document (DOCX) and an
XLSX annex with the same tables.

Outline (domain.md §6, DERIVED): I. signing — overview, tables by danh nghĩa / level, partner, name form, region,
field, charts, lists of signatures, accessions, amendments/extensions, suspensions, terminations/withdrawals;
II. validity and implementation — entries into force, implementation plans, implementing documents, overdue
obligations (deadline engine, as of the period end); III. state management — originals received on time or late,
sao lục / Công báo / portal / UN registration, statistics of what is in force at the period end; IV. the legal
officer's recommendations (placeholder text from the configuration); appendices: lists, and the register of every
instrument with the domain.md §2.7 columns (landscape, repeated header row).

Only confirmed records count. Classified instruments (mật, tối mật, tuyệt mật) are left out unless
``include_classified``; a report that includes them carries the highest classification of the instruments that
contribute to any of its figures (ô 10a).

The report is first built as a small document model (headings, paragraphs, tables, charts …) which
:func:`render_docx` writes with the Decree 30 frame and :func:`reports.xlsx.render_xlsx` writes as a workbook, so
both carry the same figures. Large tables are written straight as WordprocessingML (python-docx's cell API costs
~40 µs a cell; the register appendix of a big register has 10^5 cells).
"""
from __future__ import annotations

import io
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import select as sa_select
from sqlmodel import Session

from core.enums import DANH_NGHIA, LEGACY_DANH_NGHIA, SIGNATORY_LEVELS, Classification, Status
from core.lifecycle import ENDING, EVENT_TYPES, EventView, derive_status
from core.models import Agency, Instrument, InstrumentEvent, InstrumentParty, InstrumentRelation
from core.text import fold, nfc
from reports.config import LIST_NAMES, deep_merge, load_config, pick
from reports.docx_frame import FONT, DecreeDocument, FrameSettings, enforce_fonts, format_dmy

VN = "VNM"
# list name → event types (None: signed in the period, from Instrument.signed_date)
LIST_EVENTS: dict[str, tuple[str, ...] | None] = {
    "signed": None,
    "acceded": ("acceded",),
    "entered_into_force": ("entered_into_force",),
    "amended": ("amended", "extended"),
    "suspended": ("suspended",),
    "terminated": ("terminated", "withdrawn", "denounced", "expired"),
}
assert tuple(LIST_EVENTS) == LIST_NAMES
# the section of the outline each list belongs to (configurable per list with ``section:``)
LIST_SECTION = {"signed": "signing", "acceded": "signing", "amended": "signing", "suspended": "signing",
                "terminated": "signing", "entered_into_force": "implementation"}
FAMILY_NOUN = {"treaty": "điều ước quốc tế", "agreement": "thỏa thuận quốc tế"}
FAMILY_SHORT = {"treaty": "ĐƯQT", "agreement": "TTQT"}
# publication and registration (Law 2016 Arts. 56, 59, 60, 69; Law 2020 Art. 42(3)): event type → row label
PUBLICATION_EVENTS: tuple[tuple[str, str], ...] = (
    ("eif_notified", "Thông báo hiệu lực"),
    ("sao_luc", "Sao lục"),
    ("published_cong_bao", "Đăng Công báo"),
    ("published_portal", "Đăng Cổng thông tin điện tử"),
    ("un_registered", "Đăng ký tại Ban Thư ký Liên hợp quốc"),
)
ORIGINAL_STATES: tuple[tuple[str, str], ...] = (
    ("on_time", "Nhận đúng hạn"),
    ("late", "Nhận muộn"),
    ("missing", "Chưa nhận, đã quá hạn"),
    ("pending", "Chưa nhận, chưa đến hạn"),
)
STATUS_ORDER = (Status.in_force, Status.provisionally_applied, Status.suspended, Status.consent_given,
                Status.signed, Status.pending, Status.terminated)
CONSENT_LABELS = {"definitive_signature": "Ký không cần phê chuẩn/phê duyệt", "ratification": "Phê chuẩn",
                  "approval": "Phê duyệt", "accession": "Gia nhập", "acceptance": "Chấp nhận",
                  "succession": "Kế thừa", "exchange_of_instruments": "Trao đổi văn kiện", "other": "Khác"}
CUSTODY_LABELS = {"luu_tru": "Lưu trữ", "luu_chieu": "Lưu chiểu"}
CLASSIFICATION_LABELS = {"none": "", "mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}


# ================================================================ data
@dataclass
class CountRow:
    key: str
    label: str
    bilateral: int = 0
    multilateral: int = 0

    @property
    def total(self) -> int:
        return self.bilateral + self.multilateral


@dataclass
class ListItem:
    instrument_id: int
    title: str
    instrument_type: str
    level: str                       # danh nghĩa (treaty) or signatory level label (agreement)
    parties: list[str]               # Vietnamese names of the parties other than Viet Nam
    party_codes: list[str]
    bilateral: bool
    signed_date: date | None
    signed_place: str | None
    field: str | None
    eif_date: date | None
    number: str | None
    classification: str
    status: str                      # derived status label on the period end
    event_type: str | None = None
    event_label: str | None = None
    event_date: date | None = None
    event_ref: str | None = None     # the event's document reference (UN registration number, plan decision …)
    related_title: str | None = None  # implementing documents: the instrument implemented
    agency: str | None = None


@dataclass
class OriginalItem:
    """An obligation to send the original / certified copy to MOFA (deadline engine rules fulfilled by
    ``original_received``) whose trigger falls in the period, and its state on the period end."""
    instrument_id: int
    title: str
    bilateral: bool
    trigger_date: date
    due_date: date
    received_date: date | None
    state: str                       # on_time | late | missing | pending
    days_late: int | None
    article: str
    agency: str | None


@dataclass
class DeadlineItem:
    """One obligation of the deadline engine (core.deadlines.Deadline), as shown in reports."""
    rule_id: str
    family: str
    instrument_id: int | None
    title: str                       # instrument title (or the annual obligation)
    obligation: str                  # what must be done
    agency: str | None
    article: str
    trigger_date: date | None
    due_date: date
    days_overdue: int | None
    days_left: int | None
    classification: str = "none"


@dataclass
class AnnualReportData:
    family: str
    start: date
    end: date
    include_classified: bool
    total_signed: int
    bilateral: int
    multilateral: int
    by_level: list[CountRow]
    by_partner: list[CountRow]
    by_type: list[CountRow]
    by_region: list[CountRow]
    by_field: list[CountRow]
    lists: dict[str, list[ListItem]]
    highest_classification: str = "none"
    build_seconds: float = 0.0
    instrument_ids: set[int] = field(default_factory=set)
    # ---- added sections
    overview: list[CountRow] = field(default_factory=list)          # signed / acceded / … × bilateral, multi
    signed_per_year: list[CountRow] = field(default_factory=list)   # last 10 years up to the period end
    implementation_plans: list[ListItem] = field(default_factory=list)
    implementing_docs: list[ListItem] = field(default_factory=list)
    overdue: list[DeadlineItem] | None = None                        # None: deadline engine not available
    deadline_engine_error: str | None = None
    originals: list[OriginalItem] = field(default_factory=list)
    originals_table: list[CountRow] = field(default_factory=list)
    publication: list[CountRow] = field(default_factory=list)
    un_registered: list[ListItem] = field(default_factory=list)
    in_force_by_level: list[CountRow] = field(default_factory=list)
    by_status: list[CountRow] = field(default_factory=list)
    register: list[dict[str, Any]] = field(default_factory=list)     # every instrument of the period (§2.7)
    register_in_force: list[dict[str, Any]] = field(default_factory=list)  # in force at the end, not in the period
    register_ids: list[int] = field(default_factory=list)

    @property
    def is_calendar_year(self) -> bool:
        return self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31)

    @property
    def period_text(self) -> str:
        """'năm 2024' for a calendar year, else 'từ ngày 01/01/2024 đến ngày 30/06/2024'."""
        if self.is_calendar_year:
            return f"năm {self.start.year}"
        return f"từ ngày {format_dmy(self.start)} đến ngày {format_dmy(self.end)}"

    @property
    def secrecy(self) -> str | None:
        return self.highest_classification if self.highest_classification != "none" else None

    @property
    def top_partners(self) -> list[CountRow]:
        return self.by_partner[:10]

    def table(self, name: str) -> list[CountRow]:
        return getattr(self, name)


# ---------------------------------------------------------------- labels
@lru_cache(maxsize=4096)
def party_label(code: str | None, written: str) -> str:
    """Vietnamese name of a party (core.parties), else the name as written in the record."""
    if code:
        try:
            from core.parties import party_info

            info = party_info(code)
        except Exception:  # pragma: no cover - reference data unavailable
            info = None
        if info is not None:
            return nfc(info.name_vi or info.name_en or written)
    return nfc(written)


@lru_cache(maxsize=4096)
def party_short_label(code: str | None, written: str) -> str:
    """Common Vietnamese short name ("Pháp", "Lào") for lists sorted by partner; else the name as written."""
    if code:
        try:
            from core.parties import short_name_vi

            s = short_name_vi(code)
        except Exception:  # pragma: no cover
            s = None
        if s:
            return nfc(s)
    return nfc(written)


@lru_cache(maxsize=1024)
def region_label(code: str | None) -> str | None:
    if not code:
        return None
    try:
        from core.parties import region_of

        return region_of(code)
    except Exception:  # pragma: no cover
        return None


def level_key(inst: Any) -> str | None:
    return inst.danh_nghia if inst.family == "treaty" else inst.signatory_level


def level_label(family: str, key: str | None) -> str:
    if key is None:
        return ""
    return key if family == "treaty" else SIGNATORY_LEVELS.get(key, key)


def _type_label(t: str) -> str:
    t = (nfc(t) or "").strip()
    return t[:1].upper() + t[1:] if t else t


def level_order(family: str) -> list[str]:
    return list(DANH_NGHIA) + list(LEGACY_DANH_NGHIA) if family == "treaty" else list(SIGNATORY_LEVELS)


# ---------------------------------------------------------------- Viet Nam's status
def vn_events(events: Iterable[Any]) -> list[Any]:
    """Viet Nam's timeline as whole-instrument events. Events without a party code are "the instrument as a whole /
    Viet Nam"; when Viet Nam's own actions are recorded with the code VNM (multilateral instruments), those make the
    timeline, plus the endings of the instrument as a whole."""
    events = list(events)
    own = [e for e in events if e.party_code == VN]
    if not any(EVENT_TYPES.get(e.type, (None,))[0] for e in own):
        # the usual case: the events without a party code, as they are (already whole-instrument events)
        return sorted((e for e in events if e.party_code is None), key=lambda e: (e.date, e.id or 0))
    chosen = own + [e for e in events if e.party_code is None and e.type in ENDING]
    return sorted((EventView(type=e.type, date=e.date, id=e.id, party_code=None) for e in chosen),
                  key=lambda e: (e.date, e.id or 0))


def vn_status(events: Iterable[Any], as_of: date) -> Status:
    """Status for Viet Nam on ``as_of`` (core.lifecycle.derive_status over :func:`vn_events`)."""
    return derive_status(vn_events(events), as_of)


def vn_eif_date(events: Iterable[Any], as_of: date | None = None) -> date | None:
    d = [e.date for e in vn_events(events) if e.type == "entered_into_force" and (as_of is None or e.date <= as_of)]
    return min(d) if d else None


# ---------------------------------------------------------------- bulk loading
# columns every report reads; the rest of the record (JSON titles, decisions, signers …) is read only for the rows
# of the register appendix (Register.full)
LIGHT_COLUMNS = ("id", "family", "title", "instrument_type", "number", "danh_nghia", "signatory_level", "vn_agency",
                 "bilateral", "field", "signed_date", "signed_place", "classification", "depositary",
                 "proposing_agency_id", "implementing_agency_id", "vn_agency_id", "publish")


class Register:
    """Confirmed instruments (light Core rows with attribute access like the model) with their parties, events,
    agencies and relations, read in a handful of bulk queries (fetchall, no ORM objects)."""

    def __init__(self, conn, insts: dict[int, Any], parties: dict[int, list[Any]], events: dict[int, list[Any]],
                 agencies: dict[int, str], relations: list[Any], include_classified: bool) -> None:
        self.conn, self.insts, self.parties, self.events = conn, insts, parties, events
        self.agencies, self.relations, self.include_classified = agencies, relations, include_classified
        self._full: dict[int, Any] = {}
        self._timeline: dict[int, list[Any]] = {}
        self._foreign: dict[int, list[Any]] = {}

    def foreign(self, iid: int) -> list[Any]:
        """Parties other than Viet Nam (computed once per instrument)."""
        got = self._foreign.get(iid)
        if got is None:
            got = self._foreign[iid] = [p for p in self.parties.get(iid, ()) if p.code != VN]
        return got

    def timeline(self, iid: int) -> list[Any]:
        """Viet Nam's events of the instrument (vn_events), computed once."""
        tl = self._timeline.get(iid)
        if tl is None:
            tl = self._timeline[iid] = vn_events(self.events.get(iid, ()))
        return tl

    def prefetch(self, ids: Iterable[int]) -> None:
        """Read the full rows of ``ids`` (all columns) in chunks."""
        t = Instrument.__table__
        todo = [i for i in ids if i not in self._full]
        for k in range(0, len(todo), 900):
            for r in self.conn.execute(sa_select(t).where(t.c.id.in_(todo[k:k + 900]))).all():
                self._full[r.id] = r

    def full(self, iid: int) -> Any:
        if iid not in self._full:
            self.prefetch([iid])
        return self._full[iid]

    def add(self, ids: Iterable[int]) -> None:
        """Load further instruments (visible ones only) with their parties and events, e.g. the implementing
        documents of another family."""
        todo = sorted(set(ids) - set(self.insts))
        t = Instrument.__table__
        for k in range(0, len(todo), 900):
            chunk = todo[k:k + 900]
            cond = [t.c.id.in_(chunk), t.c.record_state == "confirmed"]
            if not self.include_classified:
                cond.append(t.c.classification == Classification.none.value)
            insts, parties, events = _load(self.conn, cond)
            self.insts.update(insts)
            for d_, src in ((self.parties, parties), (self.events, events)):
                for iid, rows in src.items():
                    d_[iid] = rows


def _visible(t, families: Sequence[str], include_classified: bool) -> list:
    cond = [t.c.record_state == "confirmed", t.c.family.in_(list(families))]
    if not include_classified:
        cond.append(t.c.classification == Classification.none.value)
    return cond


def _load(conn, cond: list) -> tuple[dict[int, Any], dict[int, list[Any]], dict[int, list[Any]]]:
    t = Instrument.__table__
    insts = {r.id: r for r in conn.execute(sa_select(*(t.c[c] for c in LIGHT_COLUMNS)).where(*cond)).all()}
    pt = InstrumentParty.__table__
    parties: dict[int, list[Any]] = defaultdict(list)
    for p in conn.execute(sa_select(pt.c.instrument_id, pt.c.position, pt.c.code, pt.c.name, pt.c.kind)
                          .join(t, t.c.id == pt.c.instrument_id).where(*cond)
                          .order_by(pt.c.instrument_id, pt.c.position, pt.c.id)).all():
        parties[p.instrument_id].append(p)
    et = InstrumentEvent.__table__
    events: dict[int, list[Any]] = defaultdict(list)
    for e in conn.execute(sa_select(et.c.id, et.c.instrument_id, et.c.type, et.c.date, et.c.party_code,
                                    et.c.document_ref)
                          .join(t, t.c.id == et.c.instrument_id).where(*cond)
                          .order_by(et.c.date, et.c.id)).all():
        events[e.instrument_id].append(e)
    return insts, parties, events


def load_register(session: Session, *, families: Sequence[str] = ("treaty", "agreement"),
                  include_classified: bool = False, with_relations: bool = True) -> Register:
    conn = session.connection()
    insts, parties, events = _load(conn, _visible(Instrument.__table__, families, include_classified))
    at = Agency.__table__
    agencies = {a.id: a.name for a in conn.execute(sa_select(at.c.id, at.c.name)).all()}
    relations: list[Any] = []
    if with_relations:
        rt = InstrumentRelation.__table__
        relations = conn.execute(sa_select(rt.c.id, rt.c.from_id, rt.c.to_id, rt.c.type, rt.c.created_at)
                                 .order_by(rt.c.id)).all()
    return Register(conn, insts, parties, events, agencies, relations, include_classified)


# ---------------------------------------------------------------- deadline engine
def load_deadline_engine():
    """core.deadlines with both families' rules registered, or raise ImportError."""
    import core.deadlines as engine

    for mod in ("treaties.deadlines", "agreements.deadlines"):
        try:
            __import__(mod)
        except ImportError:
            pass
    return engine


def engine_deadlines(session: Session, as_of: date, *, family: str | None = None, **filters: Any) -> list[Any]:
    """Deadlines of the engine as of ``as_of`` (``filters``: overdue=, upcoming_days=, … of
    core.deadlines.compute_deadlines); raises ImportError / RuntimeError when the engine or the rules are
    unavailable."""
    engine = load_deadline_engine()
    return engine.compute_deadlines(session, as_of, family=family, **filters)


def deadline_item(d: Any, classification: str = "none") -> DeadlineItem:
    return DeadlineItem(rule_id=d.rule_id, family=d.family, instrument_id=d.instrument_id, title=nfc(d.title) or "",
                        obligation=nfc(d.description) or d.rule_id, agency=nfc(d.agency) if d.agency else None,
                        article=d.article, trigger_date=d.trigger_date, due_date=d.due_date,
                        days_overdue=d.days_overdue, days_left=d.days_left, classification=classification)


def original_rule_ids() -> set[str]:
    """Rules of the engine fulfilled by the original (bản chính / bản sao) reaching MOFA."""
    try:
        engine = load_deadline_engine()
    except ImportError:
        return set()
    return {r.id for r in engine.deadline_rules() if "original_received" in r.fulfilled_by}


# ---------------------------------------------------------------- building the figures
def _base_query(family: str, include_classified: bool):  # kept for callers of the first version
    from sqlmodel import select

    q = select(Instrument).where(Instrument.family == family, Instrument.record_state == "confirmed")
    if not include_classified:
        q = q.where(Instrument.classification == Classification.none.value)
    return q


def _bump(table: dict[str, CountRow], key: str, label: str, bilateral: bool) -> None:
    row = table.setdefault(key, CountRow(key=key, label=label))
    if bilateral:
        row.bilateral += 1
    else:
        row.multilateral += 1


def build_annual_data(session: Session, family: str, start: date, end: date, *,
                      include_classified: bool = False, unknown_label: str = "Chưa xác định",
                      deadlines: bool = True, appendix_scope: str = "period",
                      register: Register | None = None) -> AnnualReportData:
    """Every figure of the annual report, from the database (confirmed records only).

    ``deadlines``: ask the deadline engine for the obligations overdue on ``end``; ``appendix_scope``: which
    instruments the register appendix lists — ``period`` (signed or with an event in the period), ``in_force``
    (those plus every instrument in force for Viet Nam on ``end``) or ``all``."""
    if family not in FAMILY_NOUN:
        raise ValueError(f"family must be 'treaty' or 'agreement', not {family!r}")
    if end < start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if appendix_scope not in ("period", "in_force", "all"):
        raise ValueError("appendix_scope must be period, in_force or all")
    t0 = time.perf_counter()
    reg = register or load_register(session, families=(family,), include_classified=include_classified)
    fam = {i: r for i, r in reg.insts.items() if r.family == family}
    events = reg.events

    # ---- one pass over every instrument of the family and its events
    list_types = {t: name for name, ts in LIST_EVENTS.items() if ts for t in ts}
    pub_types = {t for t, _ in PUBLICATION_EVENTS}
    statuses: dict[int, Status] = {}
    eif_dates: dict[int, date | None] = {}
    ev_rows: list[tuple[Any, Any]] = []
    plans: list[tuple[Any, Any]] = []
    pub_hits: dict[str, list[Any]] = defaultdict(list)
    un_events: list[tuple[Any, Any]] = []
    period_ids: set[int] = set()
    started_ids: set[int] = set()            # something happened on or before the period end
    for iid, inst in fam.items():
        tl = reg.timeline(iid)
        statuses[iid] = derive_status(tl, end)
        eif = [e.date for e in tl if e.type == "entered_into_force"]
        eif_dates[iid] = min(eif) if eif else None
        if inst.signed_date and inst.signed_date <= end:
            started_ids.add(iid)
            if inst.signed_date >= start:
                period_ids.add(iid)
        seen_pub: set[str] = set()
        for e in events.get(iid, ()):
            if e.party_code is not None and e.party_code != VN or e.date > end:
                continue
            started_ids.add(iid)
            if e.date < start:
                continue
            period_ids.add(iid)
            if e.type in list_types:
                ev_rows.append((e, inst))
            elif e.type == "implementation_plan":
                plans.append((e, inst))
            if e.type in pub_types:
                if e.type not in seen_pub:
                    seen_pub.add(e.type)
                    pub_hits[e.type].append(inst)
                if e.type == "un_registered":
                    un_events.append((e, inst))
    ev_rows.sort(key=lambda x: (x[0].date, x[0].id))
    plans.sort(key=lambda x: (x[0].date, x[0].id))
    signed = sorted((r for r in fam.values() if r.signed_date and start <= r.signed_date <= end),
                    key=lambda r: (r.signed_date, r.id))
    contributing: set[int] = {i.id for i in signed} | {inst.id for _, inst in ev_rows}

    static: dict[int, dict[str, Any]] = {}

    def item(inst: Any, ev: Any = None, **extra: Any) -> ListItem:
        base = static.get(inst.id)
        if base is None:
            fp = reg.foreign(inst.id)
            st = statuses.get(inst.id)
            if st is None:
                st = derive_status(reg.timeline(inst.id), end)
            eif = eif_dates.get(inst.id, ...)
            if eif is ...:
                d_ = [e.date for e in reg.timeline(inst.id) if e.type == "entered_into_force"]
                eif = min(d_) if d_ else None
            base = static[inst.id] = dict(
                instrument_id=inst.id, title=nfc(inst.title), instrument_type=_type_label(inst.instrument_type),
                level=level_label(inst.family, level_key(inst)), bilateral=inst.bilateral,
                parties=[party_label(p.code, p.name) for p in fp], party_codes=[p.code for p in fp if p.code],
                signed_date=inst.signed_date, signed_place=inst.signed_place, field=inst.field, eif_date=eif,
                number=inst.number, classification=inst.classification, status=st.label_vi)
        if ev is None:
            return ListItem(**base, **extra)
        return ListItem(**base, event_type=ev.type, event_label=EVENT_TYPES.get(ev.type, (None, ev.type))[1],
                        event_date=ev.date, event_ref=getattr(ev, "document_ref", None), **extra)

    lists: dict[str, list[ListItem]] = {"signed": [item(i) for i in signed]}
    for name in LIST_EVENTS:
        if name != "signed":
            lists[name] = []
    for ev, inst in ev_rows:
        lists[list_types[ev.type]].append(item(inst, ev))

    # ---- I. count tables (instruments signed in the period)
    by_level: dict[str, CountRow] = {}
    if family == "treaty":
        for k in DANH_NGHIA:                      # always shown, even with 0
            by_level[k] = CountRow(key=k, label=k)
    for inst in signed:
        k = level_key(inst)
        _bump(by_level, k or "", level_label(family, k) if k else unknown_label, inst.bilateral)
    order = level_order(family)
    level_rows = sorted(by_level.values(), key=lambda r: (order.index(r.key) if r.key in order else len(order),
                                                          r.label))
    by_partner: dict[str, CountRow] = {}
    by_region: dict[str, CountRow] = {}
    by_type: dict[str, CountRow] = {}
    by_field: dict[str, CountRow] = {}
    for inst in signed:
        seen_p: set[str] = set()
        seen_r: set[str] = set()
        for p in reg.foreign(inst.id):
            key = p.code or f"?{fold(p.name)}"
            if key in seen_p:
                continue
            seen_p.add(key)
            _bump(by_partner, key, party_label(p.code, p.name), inst.bilateral)
            reg_name = region_label(p.code) or unknown_label
            if reg_name not in seen_r:
                seen_r.add(reg_name)
                _bump(by_region, reg_name, reg_name, inst.bilateral)
        _bump(by_type, fold(inst.instrument_type), _type_label(inst.instrument_type), inst.bilateral)
        fk = fold(inst.field) if inst.field else ""
        _bump(by_field, fk, (nfc(inst.field) or "").strip() if inst.field else unknown_label, inst.bilateral)

    def ranked(t: dict[str, CountRow]) -> list[CountRow]:
        return sorted(t.values(), key=lambda r: (r.label == unknown_label, -r.total, fold(r.label)))

    # overview: every kind of action in the period, bilateral vs multilateral (instruments, not events)
    overview: list[CountRow] = []
    labels = {"signed": "Ký kết", "acceded": "Gia nhập", "entered_into_force": "Có hiệu lực",
              "amended": "Sửa đổi, bổ sung, gia hạn", "suspended": "Tạm đình chỉ thực hiện",
              "terminated": "Chấm dứt hiệu lực, rút khỏi"}
    for name in LIST_EVENTS:
        row = CountRow(key=name, label=labels[name])
        seen: set[int] = set()
        for it in lists[name]:
            if it.instrument_id in seen:
                continue
            seen.add(it.instrument_id)
            if it.bilateral:
                row.bilateral += 1
            else:
                row.multilateral += 1
        overview.append(row)

    # signed per year: the ten calendar years up to the period end (the last one cut at the period end)
    per_year: dict[int, CountRow] = {y: CountRow(key=str(y), label=str(y)) for y in range(end.year - 9, end.year + 1)}
    for inst in fam.values():
        sd = inst.signed_date
        if sd and sd <= end and sd.year in per_year:
            r = per_year[sd.year]
            if inst.bilateral:
                r.bilateral += 1
            else:
                r.multilateral += 1
            contributing.add(inst.id)

    # ---- II. implementation
    implementation_plans = [item(inst, ev) for ev, inst in plans]
    contributing |= {inst.id for _, inst in plans}
    implementing_docs: list[ListItem] = []
    impl_rel = [r for r in reg.relations if r.type == "implements" and r.to_id in fam]
    reg.add(r.from_id for r in impl_rel)                  # implementing documents of the other family
    impl_rel = sorted((r for r in impl_rel if r.from_id in reg.insts), key=lambda r: r.id)
    for r in impl_rel:
        doc = reg.insts[r.from_id]
        when = doc.signed_date or (r.created_at.date() if r.created_at else None)
        if when is None or not (start <= when <= end):
            continue
        implementing_docs.append(item(doc, related_title=nfc(fam[r.to_id].title)))
        contributing |= {r.from_id, r.to_id}
    implementing_docs.sort(key=lambda it: (it.signed_date or date.max, it.instrument_id))

    overdue: list[DeadlineItem] | None = None
    engine_error: str | None = None
    originals: list[OriginalItem] = []
    if deadlines:
        try:
            items = engine_deadlines(session, end, family=family)
        except (ImportError, RuntimeError) as exc:
            items, engine_error = None, str(exc)
        if items is not None:
            overdue = []
            orig_rules = original_rule_ids()
            for d in items:
                if d.instrument_id is not None and d.instrument_id not in fam:
                    continue                              # draft, classified or another family
                cls = fam[d.instrument_id].classification if d.instrument_id is not None else "none"
                if d.overdue:
                    overdue.append(deadline_item(d, cls))
                    if d.instrument_id is not None:
                        contributing.add(d.instrument_id)
                if (d.rule_id in orig_rules and d.instrument_id is not None and d.trigger_date is not None
                        and start <= d.trigger_date <= end):
                    inst = fam[d.instrument_id]
                    if d.fulfilled:
                        state = "late" if d.late else "on_time"
                        late_days = d.days_late
                    elif d.overdue:
                        state, late_days = "missing", d.days_overdue
                    else:
                        state, late_days = "pending", None
                    originals.append(OriginalItem(
                        instrument_id=inst.id, title=nfc(inst.title), bilateral=inst.bilateral,
                        trigger_date=d.trigger_date, due_date=d.due_date, received_date=d.fulfilled_date,
                        state=state, days_late=late_days, article=d.article, agency=d.agency))
                    contributing.add(inst.id)
            overdue.sort(key=lambda x: (x.due_date, x.agency or "", x.instrument_id or 0, x.rule_id))
            originals.sort(key=lambda o: (o.trigger_date, o.instrument_id, o.due_date))

    # ---- III. state management
    originals_table = []
    for key, label in ORIGINAL_STATES:
        row = CountRow(key=key, label=label)
        for o in originals:
            if o.state == key:
                if o.bilateral:
                    row.bilateral += 1
                else:
                    row.multilateral += 1
        originals_table.append(row)
    publication: list[CountRow] = []
    for typ, label in PUBLICATION_EVENTS:
        row = CountRow(key=typ, label=label)
        for inst in pub_hits.get(typ, ()):
            contributing.add(inst.id)
            if inst.bilateral:
                row.bilateral += 1
            else:
                row.multilateral += 1
        publication.append(row)
    un_events.sort(key=lambda x: (x[0].date, x[1].id))
    un_registered = [item(inst, e) for e, inst in un_events]

    in_force_level: dict[str, CountRow] = {}
    if family == "treaty":
        for k in DANH_NGHIA:
            in_force_level[k] = CountRow(key=k, label=k)
    status_rows = {s: CountRow(key=s.value, label=s.label_vi) for s in STATUS_ORDER}
    in_force_ids: set[int] = set()
    for iid in started_ids:                           # nothing happened yet on the period end: not counted
        inst = fam[iid]
        st = statuses[iid]
        r = status_rows.setdefault(st, CountRow(key=st.value, label=st.label_vi))
        if inst.bilateral:
            r.bilateral += 1
        else:
            r.multilateral += 1
        if st == Status.in_force:
            in_force_ids.add(iid)
            k = level_key(inst)
            _bump(in_force_level, k or "", level_label(family, k) if k else unknown_label, inst.bilateral)
    contributing |= started_ids
    in_force_rows = sorted(in_force_level.values(),
                           key=lambda r: (order.index(r.key) if r.key in order else len(order), r.label))

    # ---- appendix: the register (§2.7) of the instruments of the period
    period_ids |= {o.instrument_id for o in originals}
    if appendix_scope == "all":
        period_ids = set(fam)
    elif appendix_scope == "in_force":
        period_ids |= in_force_ids
    impl_by_target: dict[int, list[str]] = defaultdict(list)
    for r in impl_rel:
        impl_by_target[r.to_id].append(nfc(reg.insts[r.from_id].title))

    def sort_key(iid: int):
        inst = fam[iid]
        first = inst.signed_date or next((e.date for e in events.get(iid, ())), None)
        return (first or date.max, iid)

    register_ids = sorted(period_ids, key=sort_key)
    reg.prefetch(register_ids)
    register_rows = [register_row(reg, reg.full(iid), end, statuses[iid], impl_by_target.get(iid, []))
                     for iid in register_ids]

    included = [reg.insts[i] for i in contributing if i in reg.insts]
    highest = max((Classification(i.classification) for i in included), key=lambda c: c.rank,
                  default=Classification.none)
    bil = sum(1 for i in signed if i.bilateral)
    return AnnualReportData(
        family=family, start=start, end=end, include_classified=include_classified, total_signed=len(signed),
        bilateral=bil, multilateral=len(signed) - bil, by_level=level_rows, by_partner=ranked(by_partner),
        by_type=ranked(by_type), by_region=ranked(by_region), by_field=ranked(by_field), lists=lists,
        highest_classification=highest.value, build_seconds=time.perf_counter() - t0,
        instrument_ids={i.id for i in signed} | {inst.id for _, inst in ev_rows},
        overview=overview, signed_per_year=[per_year[y] for y in sorted(per_year)],
        implementation_plans=implementation_plans, implementing_docs=implementing_docs, overdue=overdue,
        deadline_engine_error=engine_error, originals=originals, originals_table=originals_table,
        publication=publication, un_registered=un_registered, in_force_by_level=in_force_rows,
        by_status=list(status_rows.values()), register=register_rows, register_ids=register_ids)


_HISTORY_TYPES = frozenset(("amended", "extended", "suspended", "resumed", "terminated", "withdrawn", "denounced",
                            "expired", "reinstated"))
_RESERVATION_TYPES = frozenset(("reservation", "declaration", "objection"))


def register_row(reg: Register, inst: Any, as_of: date, status: Status | None = None,
                 implementing: Sequence[str] = ()) -> dict[str, Any]:
    """The domain.md §2.7 columns of one instrument, typed (dates stay dates), as known on ``as_of``."""
    firsts: dict[str, Any] = {}
    history: list[str] = []
    reservations: list[str] = []
    for e in reg.events.get(inst.id, ()):        # ordered by date: the first of each type wins
        if e.date > as_of or (e.party_code is not None and e.party_code != VN):
            continue
        firsts.setdefault(e.type, e)
        if e.type in _HISTORY_TYPES:
            history.append(f"{EVENT_TYPES[e.type][1]} {format_dmy(e.date)}")
        elif e.type in _RESERVATION_TYPES:
            reservations.append(f"{EVENT_TYPES[e.type][1]} {format_dmy(e.date)}")
    first = firsts.get
    fp = reg.foreign(inst.id)
    st = status or derive_status(reg.timeline(inst.id), as_of)
    orig, sl, cb, portal = first("original_received"), first("sao_luc"), first("published_cong_bao"), \
        first("published_portal")
    un, plan, prov = first("un_registered"), first("implementation_plan"), first("provisionally_applied")
    ag = reg.agencies

    def agency(aid):
        return ag.get(aid) if aid else None

    titles = inst.titles or {}
    foreign_titles = "; ".join(f"[{k}] {v}" for k, v in titles.items() if v)
    publication = "\n".join(x for x in (
        f"Sao lục: {format_dmy(sl.date)}" if sl else "",
        f"Công báo: {format_dmy(cb.date)}" + (f" ({cb.document_ref})" if cb.document_ref else "") if cb else "",
        f"Cổng TTĐT: {format_dmy(portal.date)}" if portal else "",
        f"LHQ: {format_dmy(un.date)}" + (f" ({un.document_ref})" if un.document_ref else "") if un else "") if x)
    kind = "Song phương" if inst.bilateral else "Đa phương"
    parties_text = "; ".join(party_label(p.code, p.name) for p in fp)
    agencies_text = "\n".join(x for x in (
        f"Đề xuất: {agency(inst.proposing_agency_id)}" if inst.proposing_agency_id else "",
        f"Ký: {inst.vn_agency}" if inst.family == "agreement" and inst.vn_agency else "",
        f"Chủ trì: {agency(inst.implementing_agency_id)}" if inst.implementing_agency_id else "") if x)
    impl_text = "\n".join(x for x in (
        f"Kế hoạch: {format_dmy(plan.date)}" + (f" ({plan.document_ref})" if plan.document_ref else "")
        if plan else "",
        *(f"Văn bản: {t}" for t in implementing)) if x)
    return {
        "id": inst.id, "family": FAMILY_SHORT.get(inst.family, inst.family), "title": nfc(inst.title),
        "titles_foreign": foreign_titles, "instrument_type": _type_label(inst.instrument_type),
        "level": level_label(inst.family, level_key(inst)),
        "kind": kind, "parties": parties_text, "field": nfc(inst.field) or "",
        "kind_parties": f"{parties_text}\n({kind.lower()})" if parties_text else f"({kind.lower()})",
        "signed": "\n".join(x for x in (format_dmy(inst.signed_date), nfc(inst.signed_place) or "") if x),
        "content": nfc(inst.content_summary) or "", "agencies": agencies_text,
        "proposing_agency": agency(inst.proposing_agency_id) or "", "vn_agency": nfc(inst.vn_agency) or "",
        "implementing_agency": agency(inst.implementing_agency_id) or "",
        "signed_date": inst.signed_date, "signed_place": nfc(inst.signed_place) or "",
        "vn_signer": nfc(inst.vn_signer) or "", "foreign_signer": nfc(inst.foreign_signer) or "",
        "consent_mode": CONSENT_LABELS.get(inst.consent_mode or "", inst.consent_mode or ""),
        "consent_body": inst.consent_body or "", "consent_decision_number": inst.consent_decision_number or "",
        "consent_decision_date": inst.consent_decision_date,
        "eif_date": min((e.date for e in reg.timeline(inst.id) if e.type == "entered_into_force"
                         and e.date <= as_of), default=None),
        "provisional_date": prov.date if prov else None,
        "duration_years": inst.duration_years, "expiry_date": inst.expiry_date,
        "reservations": "; ".join(reservations), "status": st.label_vi, "history": "; ".join(history),
        "original_date": orig.date if orig else None,
        "custody": CUSTODY_LABELS.get(inst.custody_type or "", inst.custody_type or ""),
        "sao_luc_date": sl.date if sl else None, "cong_bao_date": cb.date if cb else None,
        "cong_bao_ref": (cb.document_ref or "") if cb else "", "portal_date": portal.date if portal else None,
        "publication": publication,
        "publish": {True: "Đăng tải", False: "Không đăng tải", None: ""}[inst.publish],
        "un_date": un.date if un else None, "un_ref": (un.document_ref or "") if un else "",
        "un_registration": (format_dmy(un.date) + (f"\n{un.document_ref}" if un.document_ref else "")) if un else "",
        "plan_date": plan.date if plan else None, "implementing_docs": "; ".join(implementing),
        "implementation": impl_text,
        "classification": CLASSIFICATION_LABELS.get(inst.classification, inst.classification),
        "classification_date": inst.classification_date, "protection_until": inst.protection_until,
        "notes": nfc(inst.notes) or "", "number": inst.number or "",
    }


# ================================================================ document model
@dataclass
class Col:
    key: str
    header: str
    width_mm: float = 25.0
    align: str = "left"              # left | center | right
    kind: str = "text"               # text | int | date


@dataclass
class Group:
    """A group label row inside a table (DOCX: one merged bold row; XLSX: a leading column)."""
    label: str


@dataclass
class TableBlock:
    key: str                         # DOCX table caption (w:tblCaption) and XLSX index key
    title: str                       # heading of the table (XLSX sheet title)
    columns: list[Col]
    rows: list[Any]                  # lists of typed values, or Group
    total_row: bool = False          # last row is a total (bold)
    size: float = 12
    group_header: str | None = None  # XLSX header of the group column
    sheet: str | None = None         # XLSX sheet name (default: from the title)
    docx: bool = True
    xlsx: bool = True


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    italic: bool = False
    bold: bool = False
    align: str = "justify"
    indent: bool = True


@dataclass
class Chart:
    key: str
    png: bytes
    caption: str
    alt: str
    width_mm: float = 160
    data: TableBlock | None = None


@dataclass
class AppendixStart:
    label: str
    title: str
    note: str | None = None
    new_section: bool = True         # a landscape section; False: page break inside the current one


@dataclass
class Signature:
    recipients: list[str]
    archive: str | None = None


@dataclass
class DocModel:
    summary: str
    title: str
    issued: date
    doc_type: str = "BÁO CÁO"
    number: int | str | None = None
    secrecy: str | None = None
    kinh_gui: list[str] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    def add(self, block: Any) -> Any:
        self.blocks.append(block)
        return block

    def tables(self) -> list[TableBlock]:
        out = []
        for b in self.blocks:
            if isinstance(b, TableBlock):
                out.append(b)
            elif isinstance(b, Chart) and b.data is not None:
                out.append(b.data)
        return out


# ---------------------------------------------------------------- DOCX: tables written as XML
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TWIPS_PER_MM = 1440 / 25.4
_BORDERS = "".join(f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
_RFONTS = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
_JC = {"left": "left", "center": "center", "right": "right"}


def _esc(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _BAD_XML.sub("", s) if _BAD_XML.search(s) else s


def docx_text(v: Any) -> str:
    """A typed value as shown in a DOCX cell."""
    if v is None:
        return ""
    if isinstance(v, date):
        return format_dmy(v)
    if isinstance(v, bool):
        return "Có" if v else "Không"
    if isinstance(v, (list, tuple)):
        return "; ".join(docx_text(x) for x in v)
    return nfc(str(v)) or ""


def table_xml(block: TableBlock, *, avail_mm: float, style_id: str, grid_style: str | None,
              namespace: bool = True) -> str:
    """WordprocessingML of ``block``: a bordered, fixed-layout table with a repeated header row — the structure
    DecreeDocument.table() makes (Table Grid, centred, caption, cantSplit rows, VB Compact paragraphs — centred, no
    spacing — Times New Roman runs with their size) — built as one string: ~20x faster than python-docx's cell
    API. Cell widths come from the table grid (fixed layout)."""
    cols = block.columns
    total = sum(c.width_mm for c in cols) or 1
    scale = min(1.0, avail_mm / total)
    widths = [int(round(c.width_mm * scale * _TWIPS_PER_MM)) for c in cols]
    sz = int(round(block.size * 2))
    heads = {a: f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/><w:jc w:val="{a}"/></w:pPr>' for a in ("left", "right")}
    heads["center"] = f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'      # the style's own alignment
    run = f'<w:r><w:rPr>{_RFONTS}<w:sz w:val="{sz}"/></w:rPr><w:t xml:space="preserve">'
    run_b = f'<w:r><w:rPr>{_RFONTS}<w:b/><w:sz w:val="{sz}"/></w:rPr><w:t xml:space="preserve">'
    end_run = "</w:t></w:r></w:p>"

    def paras(text: str, align: str, bold: bool) -> str:
        head = heads[align]
        if not text:
            return head + "</w:p>"
        r = run_b if bold else run
        if "\n" not in text:
            return head + r + _esc(text) + end_run
        return "".join(head + r + _esc(line) + end_run if line else head + "</w:p>" for line in text.split("\n"))

    tc_open = ["<w:tc>"] * len(widths)
    aligns = [_JC.get(c.align, "left") for c in cols]
    out = [f'<w:tbl xmlns:w="{_W_NS}"><w:tblPr>' if namespace else "<w:tbl><w:tblPr>",
           f'<w:tblStyle w:val="{grid_style}"/>' if grid_style else "",
           f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>',
           f"<w:tblBorders>{_BORDERS}</w:tblBorders>", '<w:tblLayout w:type="fixed"/>',
           ('<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
            if block.size <= 10 else ""),
           '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
           'w:noHBand="0" w:noVBand="1"/>',
           f'<w:tblCaption w:val="{_esc(block.key)}"/></w:tblPr><w:tblGrid>',
           "".join(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>",
           '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>']
    for j, c in enumerate(cols):   # the header row keeps explicit cell widths
        out.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[j]}" w:type="dxa"/></w:tcPr>'
                   + paras(nfc(c.header) or "", "center", True) + "</w:tc>")
    out.append("</w:tr>")
    n = len(block.rows)
    ncols = len(cols)
    span_open = f'<w:tc><w:tcPr><w:tcW w:w="{sum(widths)}" w:type="dxa"/><w:gridSpan w:val="{ncols}"/></w:tcPr>'
    row_open = "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
    for i, row in enumerate(block.rows):
        if isinstance(row, Group):
            out.append(row_open + span_open + paras(docx_text(row.label), "left", True) + "</w:tc></w:tr>")
            continue
        bold = block.total_row and i == n - 1
        out.append(row_open)
        for j in range(ncols):
            v = row[j] if j < len(row) else ""
            out.append(tc_open[j] + paras(v if type(v) is str else docx_text(v), aligns[j], bold) + "</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _grid_style(ddoc: DecreeDocument) -> str | None:
    try:
        return ddoc.doc.styles["Table Grid"].style_id
    except KeyError:  # pragma: no cover
        return None


def _spacer_xml(style_id: str, namespace: bool = True) -> str:
    """The paragraph DecreeDocument.table() adds after a table (6 pt after)."""
    ns = f' xmlns:w="{_W_NS}"' if namespace else ""
    return f'<w:p{ns}><w:pPr><w:pStyle w:val="{style_id}"/><w:spacing w:after="120"/></w:pPr></w:p>'


def add_xml_table(ddoc: DecreeDocument, block: TableBlock) -> Any:
    """Append ``block`` to the document now (see :func:`table_xml`)."""
    from docx.oxml import parse_xml

    tbl = parse_xml(table_xml(block, avail_mm=ddoc.text_width_mm, style_id=ddoc._compact_id,
                              grid_style=_grid_style(ddoc)))
    body = ddoc.doc.element.body
    sect = body.find(f"{{{_W_NS}}}sectPr")
    if sect is not None:
        sect.addprevious(tbl)
    else:  # pragma: no cover
        body.append(tbl)
    tbl.addnext(parse_xml(_spacer_xml(ddoc._compact_id)))
    return tbl


class _Styles:
    """Style ids looked up once (python-docx resolves a style name on every add_paragraph(style=…): ~5 ms)."""

    def __init__(self, ddoc: DecreeDocument) -> None:
        st = ddoc.doc.styles
        self.normal = st["Normal"].style_id
        self.heading = {lvl: st[f"Heading {lvl}"].style_id for lvl in (1, 2, 3)}


def _paragraph(ddoc: DecreeDocument, styles: _Styles, text: str, *, italic: bool = False, bold: bool = False,
               indent: bool = True, align: str = "justify"):
    """DecreeDocument.paragraph() without the style-name lookup."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    p = ddoc.doc.add_paragraph()
    p._p.style = styles.normal
    if not indent:
        p.paragraph_format.first_line_indent = Mm(0)
    if align != "justify":
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    if text:
        ddoc.run(p, text, bold=bold or None, italic=italic or None)
    return p


def _heading(ddoc: DecreeDocument, styles: _Styles, text: str, level: int):
    """DecreeDocument.heading() (level 1 in capitals) without the style-name lookup."""
    text = nfc(text) or ""
    if level == 1:
        text = text.upper()
    p = ddoc.doc.add_paragraph()
    p._p.style = styles.heading[level]
    ddoc.run(p, text)
    return p


def _add_chart(ddoc: DecreeDocument, styles: _Styles, ch: Chart) -> None:
    from docx.shared import Mm

    width = min(ch.width_mm, ddoc.text_width_mm)
    p = _paragraph(ddoc, styles, "", indent=False, align="center")
    p.paragraph_format.keep_with_next = True
    shape = p.add_run().add_picture(io.BytesIO(ch.png), width=Mm(width))
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", ch.alt)
    doc_pr.set("title", ch.key)
    _paragraph(ddoc, styles, ch.caption, italic=True, indent=False, align="center")


def render_docx(model: DocModel, out_path: str | Path, frame: FrameSettings) -> Path:
    """Write a document model in the Decree 30/2020 frame."""
    ddoc = DecreeDocument(frame, summary=model.summary, issued=model.issued, doc_type=model.doc_type,
                          number=model.number, secrecy=model.secrecy, kinh_gui=model.kinh_gui, title=model.title)
    styles = _Styles(ddoc)
    grid = _grid_style(ddoc)
    pending: list[tuple[TableBlock, float]] = []
    for b in model.blocks:
        if isinstance(b, Heading):
            _heading(ddoc, styles, b.text, b.level)
        elif isinstance(b, Para):
            _paragraph(ddoc, styles, b.text, italic=b.italic, bold=b.bold, indent=b.indent, align=b.align)
        elif isinstance(b, TableBlock):
            if b.docx:   # a marker paragraph now; the table XML replaces it when the part is written
                ddoc.doc.add_paragraph()._p.style = _MARK.format(len(pending))
                pending.append((b, ddoc.text_width_mm))
        elif isinstance(b, Chart):
            _add_chart(ddoc, styles, b)
        elif isinstance(b, AppendixStart):
            ddoc.appendix(b.label, b.title, b.note, landscape=b.new_section)
        elif isinstance(b, Signature):
            ddoc.signature(b.recipients, archive=b.archive)
        else:  # pragma: no cover
            raise TypeError(f"unknown block {b!r}")
    cp = ddoc.doc.core_properties
    for k, v in model.properties.items():
        setattr(cp, k, v)
    # DecreeDocument.save() = enforce_fonts() + save. The font pass visits every run; the tables' runs are written
    # with Times New Roman on all four font slots and no theme font, so the tables are spliced in after it, as
    # text, when document.xml is serialised (parsing and re-serialising 10^5 cells costs seconds).
    enforce_fonts(ddoc.doc)
    tables = [(table_xml(b, avail_mm=avail, style_id=ddoc._compact_id, grid_style=grid, namespace=False)
               + _spacer_xml(ddoc._compact_id, namespace=False)).encode("utf-8") for b, avail in pending]
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_spliced(ddoc.doc, tables, path)
    return path


_MARK = "__treatydb_table_{}__"
_MARK_RE = re.compile(rb'<w:p><w:pPr><w:pStyle w:val="__treatydb_table_(\d+)__"/></w:pPr></w:p>')


def _save_spliced(document: Any, tables: list[bytes], path: Path) -> None:
    """Save ``document`` with each marker paragraph of document.xml replaced by its table."""
    part = document.part
    base = type(part)

    class _Spliced(base):  # type: ignore[misc, valid-type]
        @property
        def blob(self) -> bytes:
            xml = super().blob
            hits: set[int] = set()

            def sub(m: re.Match) -> bytes:
                i = int(m.group(1))
                hits.add(i)
                return tables[i]
            xml = _MARK_RE.sub(sub, xml)
            if len(hits) != len(tables):
                raise RuntimeError(f"table markers lost in document.xml: {sorted(set(range(len(tables))) - hits)}")
            return xml

    part.__class__ = _Spliced
    try:
        document.save(str(path))
    finally:
        part.__class__ = base


# ================================================================ the annual outline
# Sections added to the outline of reports/config.py; reports/templates/annual.yaml (and a user file) override.
ANNUAL_DEFAULTS: dict[str, Any] = {
    "auto_number": True,
    "sections": {
        "signing": {
            "overview_table": {"enabled": True, "label_header": "Nội dung", "total_row": False,
                               "note": "Một văn kiện được tính một lần trong mỗi dòng."},
            "charts": {"enabled": True, "heading": "Biểu đồ", "width_mm": 155,
                       "per_year": {"enabled": True,
                                    "caption": "Biểu đồ {n}. Số {family_noun} ký kết qua các năm {first_year}–"
                                               "{last_year}",
                                    "title": "Số {family_noun} ký kết theo năm"},
                       "top_partners": {"enabled": True, "top": 10,
                                        "caption": "Biểu đồ {n}. Các đối tác có nhiều {family_noun} ký kết nhất "
                                                   "{period}",
                                        "title": "Đối tác ký kết nhiều nhất"}},
        },
        "implementation": {
            "plans": {"enabled": True, "heading": "Kế hoạch thực hiện {family_noun}",
                      "columns": [
                          {"key": "stt", "header": "STT", "width_mm": 12},
                          {"key": "title", "header": "Tên văn kiện", "width_mm": 73},
                          {"key": "eif_date", "header": "Ngày có hiệu lực", "width_mm": 27},
                          {"key": "event_date", "header": "Ngày ban hành kế hoạch", "width_mm": 27},
                          {"key": "event_ref", "header": "Số, ký hiệu", "width_mm": 26}]},
            "implementing_docs": {"enabled": True, "heading": "Văn bản thực hiện {family_noun}",
                                  "columns": [
                                      {"key": "stt", "header": "STT", "width_mm": 12},
                                      {"key": "related_title", "header": "Văn kiện được thực hiện", "width_mm": 60},
                                      {"key": "title", "header": "Văn bản thực hiện", "width_mm": 66},
                                      {"key": "signed_date", "header": "Ngày ký", "width_mm": 27}]},
            "overdue": {"enabled": True,
                        "heading": "Nghĩa vụ quá hạn chưa thực hiện (tính đến ngày {end})",
                        "unavailable": "Chưa có số liệu từ hệ thống theo dõi thời hạn.",
                        "columns": [
                            {"key": "stt", "header": "STT", "width_mm": 12},
                            {"key": "obligation", "header": "Nghĩa vụ", "width_mm": 42},
                            {"key": "title", "header": "Văn kiện", "width_mm": 43},
                            {"key": "agency", "header": "Cơ quan", "width_mm": 23},
                            {"key": "due_date", "header": "Hạn", "width_mm": 26},
                            {"key": "days_overdue", "header": "Số ngày quá hạn", "width_mm": 19}]},
        },
        "state_management": {
            "heading": "III. CÔNG TÁC QUẢN LÝ NHÀ NƯỚC",
            "originals": {"enabled": True, "heading": "Tiếp nhận bản chính, bản sao văn kiện",
                          "intro": "Việc gửi bản chính, bản sao {family_noun} ký kết trong kỳ về Bộ Ngoại giao "
                                   "(thời hạn 10 ngày, 15 ngày theo quy định), tình hình đến ngày {end}:",
                          "label_header": "Tình hình", "late_heading": "Danh sách văn kiện nhận muộn, chưa nhận",
                          "late_columns": [
                              {"key": "stt", "header": "STT", "width_mm": 12},
                              {"key": "title", "header": "Tên văn kiện", "width_mm": 55},
                              {"key": "trigger_date", "header": "Ngày ký, gia nhập", "width_mm": 26},
                              {"key": "due_date", "header": "Hạn", "width_mm": 26},
                              {"key": "received_date", "header": "Ngày nhận", "width_mm": 26},
                              {"key": "days_late", "header": "Số ngày chậm", "width_mm": 20}]},
            "publication": {"enabled": True, "heading": "Sao lục, đăng Công báo, đăng tải và đăng ký",
                            "label_header": "Công việc",
                            "note": "Số văn kiện có công việc tương ứng được thực hiện trong kỳ."},
            "un_registered": {"enabled": True, "heading": "Đăng ký tại Ban Thư ký Liên hợp quốc trong kỳ",
                              "columns": [
                                  {"key": "stt", "header": "STT", "width_mm": 12},
                                  {"key": "title", "header": "Tên văn kiện", "width_mm": 98},
                                  {"key": "event_date", "header": "Ngày đăng ký", "width_mm": 28},
                                  {"key": "event_ref", "header": "Số đăng ký", "width_mm": 27}]},
            "statistics": {"enabled": True,
                           "heading": "Thống kê {family_noun} đang có hiệu lực đến ngày {end}",
                           "label_header": {"treaty": "Danh nghĩa", "agreement": "Cấp ký kết"},
                           "status_heading": "Thống kê {family_noun} theo tình trạng hiệu lực đến ngày {end}",
                           "status_label_header": "Tình trạng"},
            "appendix_ref": "Thông tin chi tiết về từng văn kiện tại Phụ lục kèm theo Báo cáo này.",
        },
        "recommendations": {
            "enabled": True, "heading": "IV. KIẾN NGHỊ, PHƯƠNG HƯỚNG NĂM TỚI",
            "paragraphs": ["[Phần này do cán bộ pháp lý soạn thảo: đánh giá chung, khó khăn, vướng mắc, kiến nghị "
                           "và phương hướng ký kết, thực hiện {family_noun} năm tới.]"],
        },
    },
    "appendix": {
        "enabled": False, "heading": "Phụ lục", "title": "DANH MỤC {family_noun_upper} {period_upper}",
        "note": "(Kèm theo Báo cáo tình hình ký kết và thực hiện {family_noun} {period})", "scope": "period",
        "font_size": 9,
        "columns": [
            {"key": "stt", "header": "STT", "width_mm": 8},
            {"key": "id", "header": "Mã hồ sơ", "width_mm": 10},
            {"key": "title", "header": "Tên văn kiện", "width_mm": 40},
            {"key": "instrument_type", "header": "Tên gọi", "width_mm": 14},
            {"key": "level", "header": "{level_header}", "width_mm": 14},
            {"key": "kind_parties", "header": "Đối tác (song phương, đa phương)", "width_mm": 22},
            {"key": "field", "header": "Lĩnh vực", "width_mm": 14},
            {"key": "agencies", "header": "Cơ quan đề xuất, chủ trì", "width_mm": 19},
            {"key": "signed", "header": "Ngày, nơi ký", "width_mm": 18},
            {"key": "eif_date", "header": "Ngày có hiệu lực", "width_mm": 18},
            {"key": "status", "header": "Tình trạng", "width_mm": 16},
            {"key": "original_date", "header": "Nhận bản chính", "width_mm": 18},
            {"key": "publication", "header": "Sao lục, Công báo, Cổng TTĐT, đăng ký LHQ", "width_mm": 22},
            {"key": "implementation", "header": "Kế hoạch, văn bản thực hiện", "width_mm": 19},
        ],
    },
}
# the full §2.7 column set of the XLSX register sheet (key, header, kind)
REGISTER_XLSX_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("stt", "STT", "int"), ("id", "Mã hồ sơ", "int"), ("family", "Loại (ĐƯQT/TTQT)", "text"),
    ("title", "Tên văn kiện", "text"), ("titles_foreign", "Tên bằng tiếng nước ngoài", "text"),
    ("instrument_type", "Tên gọi", "text"), ("level", "Danh nghĩa / Cấp ký kết", "text"),
    ("kind", "Song phương / đa phương", "text"), ("parties", "Đối tác", "text"), ("field", "Lĩnh vực", "text"),
    ("content", "Nội dung, phương thức hợp tác", "text"), ("proposing_agency", "Cơ quan đề xuất", "text"),
    ("vn_agency", "Cơ quan ký kết", "text"), ("implementing_agency", "Cơ quan chủ trì thực hiện", "text"),
    ("signed_date", "Ngày ký", "date"), ("signed_place", "Nơi ký", "text"),
    ("vn_signer", "Người ký phía Việt Nam", "text"), ("foreign_signer", "Người ký phía nước ngoài", "text"),
    ("consent_mode", "Hình thức đồng ý ràng buộc", "text"), ("consent_body", "Cơ quan quyết định", "text"),
    ("consent_decision_number", "Số quyết định", "text"), ("consent_decision_date", "Ngày quyết định", "date"),
    ("eif_date", "Ngày có hiệu lực", "date"), ("provisional_date", "Áp dụng tạm thời từ", "date"),
    ("duration_years", "Thời hạn (năm)", "int"), ("expiry_date", "Ngày hết hạn", "date"),
    ("reservations", "Bảo lưu, tuyên bố", "text"), ("status", "Tình trạng", "text"),
    ("history", "Sửa đổi, gia hạn, tạm đình chỉ, chấm dứt", "text"),
    ("original_date", "Ngày nhận bản chính/bản sao", "date"), ("custody", "Hình thức lưu giữ", "text"),
    ("sao_luc_date", "Ngày sao lục", "date"), ("cong_bao_date", "Ngày đăng Công báo", "date"),
    ("cong_bao_ref", "Số Công báo", "text"), ("portal_date", "Ngày đăng Cổng TTĐT", "date"),
    ("publish", "Quyết định đăng tải", "text"), ("un_date", "Ngày đăng ký LHQ", "date"),
    ("un_ref", "Số đăng ký LHQ", "text"), ("plan_date", "Ngày kế hoạch thực hiện", "date"),
    ("implementing_docs", "Văn bản thực hiện", "text"), ("classification", "Độ mật", "text"),
    ("classification_date", "Ngày xác định độ mật", "date"), ("protection_until", "Thời hạn bảo vệ", "date"),
    ("notes", "Ghi chú", "text"),
)
_DATE_KEYS = {"signed_date", "eif_date", "event_date", "due_date", "received_date", "trigger_date"}
_INT_KEYS = {"stt", "id", "days_overdue", "days_late", "days_left", "bilateral", "multilateral", "total"}


class _Fmt(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_NUM_RE = re.compile(r"^\s*(?:\d+|[IVXLC]+)[.)]\s+")


def _value(obj: Any, key: str, stt: int) -> Any:
    """Typed cell value of a list item (ListItem, OriginalItem, DeadlineItem or register dict)."""
    if key == "stt":
        return stt
    if isinstance(obj, dict):
        return obj.get(key, "")
    if key == "parties":
        return "; ".join(obj.parties)
    if key == "event":
        return obj.event_label or ""
    v = getattr(obj, key, "")
    return "" if v is None else v


def _col(c: dict[str, Any], header: str) -> Col:
    key = c["key"]
    kind = "date" if (key in _DATE_KEYS or key.endswith("_date")) else "int" if key in _INT_KEYS else "text"
    align = "center" if kind in ("date", "int") or key in ("kind",) else "left"
    return Col(key=key, header=header, width_mm=float(c.get("width_mm", 25)), align=align, kind=kind)


_CONFIG_CACHE: dict[tuple, dict[str, Any]] = {}


def _loaded_config() -> dict[str, Any]:
    """reports.config.load_config(), re-read only when annual.yaml or the user file ($TREATYDB_REPORT_CONFIG)
    changes (parsing the YAML costs ~0.3 s)."""
    import copy
    import os

    from reports.config import DEFAULT_FILE, ENV_VAR

    user = os.environ.get(ENV_VAR) or ""

    def stamp(p: str | Path) -> tuple:
        try:
            st = Path(p).stat()
            return (str(p), st.st_mtime_ns, st.st_size)
        except OSError:
            return (str(p), None, None)

    key = (stamp(DEFAULT_FILE), stamp(user) if user else None)
    if key not in _CONFIG_CACHE:
        _CONFIG_CACHE.clear()
        _CONFIG_CACHE[key] = load_config()
    return copy.deepcopy(_CONFIG_CACHE[key])


def merged_config(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The outline: reports/config.py defaults ← annual.yaml ← user file, over this module's added sections."""
    return deep_merge(ANNUAL_DEFAULTS, config or _loaded_config())


def annual_model(data: AnnualReportData, *, frame: FrameSettings, config: dict[str, Any] | None = None,
                 number: int | str | None = None, issued: date | None = None, appendix: bool | None = None,
                 charts: bool = True) -> DocModel:
    """The annual report as a document model (see :func:`render_docx`, :func:`reports.xlsx.render_xlsx`).
    ``appendix``: add the register appendix (§2.7 columns, landscape); None: as configured (``appendix.enabled``)."""
    cfg = merged_config(config)
    fam = data.family
    noun = pick(cfg["family_noun"], fam)
    ctx = _Fmt(
        family_noun=noun, family_noun_cap=noun[:1].upper() + noun[1:], family_noun_upper=noun.upper(),
        period=data.period_text, period_upper=data.period_text.upper(),
        period_short=f"từ {format_dmy(data.start)} đến {format_dmy(data.end)}",
        start=format_dmy(data.start), end=format_dmy(data.end), year=str(data.start.year),
        law=pick(cfg["law"], fam), issuer=frame.issuer, issuer_name=cfg.get("issuer_name") or frame.issuer,
        count=str(data.total_signed), bilateral=str(data.bilateral), multilateral=str(data.multilateral),
        level_header=pick(cfg["sections"]["signing"]["tables"]["by_level"]["label_header"], fam),
    )

    def f(text: Any) -> str:
        return nfc(str(pick(text, fam)).format_map(ctx))

    auto = bool(cfg.get("auto_number", True))
    counter = [0]

    def h2(text: Any) -> Heading:
        t = f(text)
        if auto:
            counter[0] += 1
            t = f"{counter[0]}. {_NUM_RE.sub('', t)}"
        return Heading(t, 2)

    def h1(text: Any) -> Heading:
        counter[0] = 0
        return Heading(f(text), 1)

    empty = f(cfg.get("empty_text", "Không có."))
    model = DocModel(summary=f(cfg["summary"]), title=f(cfg["title"]), issued=issued or date.today(),
                     doc_type=cfg.get("doc_type", "BÁO CÁO"), number=number, secrecy=data.secrecy,
                     kinh_gui=[f(k) for k in cfg.get("kinh_gui") or []])
    add = model.add
    if cfg.get("intro"):
        add(Para(f(cfg["intro"])))

    sig = cfg["sections"]["signing"]
    sections = cfg["sections"]

    def count_table(key: str, title: str, rows: list[CountRow], label_header: str, total: bool) -> TableBlock:
        cols = []
        for c in sig["count_columns"]:
            header = f(c["header"]).replace("{label_header}", label_header)
            cols.append(Col(c["key"], header, float(c.get("width_mm", 25)),
                            "left" if c["key"] == "label" else "center",
                            "text" if c["key"] == "label" else "int"))
        body: list[Any] = []
        for i, r in enumerate(rows, start=1):
            vals = {"stt": i, "label": r.label, "bilateral": r.bilateral, "multilateral": r.multilateral,
                    "total": r.total}
            body.append([vals[c["key"]] for c in sig["count_columns"]])
        if total:
            tot = {"stt": "", "label": f(sig.get("total_label", "Tổng cộng")),
                   "bilateral": sum(r.bilateral for r in rows), "multilateral": sum(r.multilateral for r in rows),
                   "total": sum(r.total for r in rows)}
            body.append([tot[c["key"]] for c in sig["count_columns"]])
        return TableBlock(key=key, title=title, columns=cols, rows=body, total_row=total)

    def item_table(key: str, title: str, columns: list[dict[str, Any]], items: Sequence[Any],
                   size: float = 12) -> TableBlock:
        cols = [_col(c, f(c["header"])) for c in columns]
        body = [[_value(it, c.key, i) for c in cols] for i, it in enumerate(items, start=1)]
        return TableBlock(key=key, title=title, columns=cols, rows=body, size=size)

    # ------------------------------------------------ I. signing
    add(h1(sig["heading"]))
    if sig.get("overview_heading"):
        add(h2(sig["overview_heading"]))
    if sig.get("overview"):
        add(Para(f(sig["overview"])))
    ov = sig.get("overview_table") or {}
    if ov.get("enabled", True):
        add(count_table("overview", f(sig.get("overview_heading") or "Tổng quan"), data.overview,
                        f(ov.get("label_header", "Nội dung")), bool(ov.get("total_row", False))))
        if ov.get("note"):
            add(Para(f(ov["note"]), italic=True))
    for name, spec in sig["tables"].items():
        if not spec.get("enabled", True):
            continue
        head = h2(spec["heading"])
        add(head)
        rows = data.table(name)
        if not rows:
            add(Para(empty))
            continue
        with_total = spec.get("total_row", True)
        add(count_table(name, head.text, rows, str(pick(spec.get("label_header", ""), fam)), with_total))
        if spec.get("note"):
            add(Para(f(spec["note"]), italic=True))

    ch = sig.get("charts") or {}
    if charts and ch.get("enabled", True):
        from reports import charts as charts_mod

        py, tp = ch.get("per_year") or {}, ch.get("top_partners") or {}
        want = [k for k, s in (("per_year", py), ("top_partners", tp)) if s.get("enabled", True)]
        if want:
            add(h2(ch.get("heading", "Biểu đồ")))
        n = 0
        width = float(ch.get("width_mm", 155))
        bil_lbl, mul_lbl = "Song phương", "Đa phương"
        if "per_year" in want:
            n += 1
            rows = data.signed_per_year
            ctx.update(n=str(n), first_year=rows[0].label, last_year=rows[-1].label)
            png = charts_mod.signed_per_year_png([r.label for r in rows], [r.bilateral for r in rows],
                                                 [r.multilateral for r in rows], title=f(py.get("title", "")),
                                                 labels=(bil_lbl, mul_lbl))
            alt = "; ".join(f"{r.label}: {r.bilateral} {bil_lbl.lower()}, {r.multilateral} {mul_lbl.lower()}"
                            for r in rows)
            table = count_table("chart:per_year", f(py["caption"]), rows, "Năm", False)
            table.docx = False
            add(Chart("chart:per_year", png, f(py["caption"]), alt, width, table))
        if "top_partners" in want and data.by_partner:
            n += 1
            rows = data.by_partner[: int(tp.get("top", 10))]
            ctx.update(n=str(n))
            png = charts_mod.top_partners_png([r.label for r in rows], [r.bilateral for r in rows],
                                              [r.multilateral for r in rows], title=f(tp.get("title", "")),
                                              labels=(bil_lbl, mul_lbl))
            alt = "; ".join(f"{r.label}: {r.bilateral} {bil_lbl.lower()}, {r.multilateral} {mul_lbl.lower()}"
                            for r in rows)
            table = count_table("chart:top_partners", f(tp["caption"]), rows, "Đối tác", False)
            table.docx = False
            add(Chart("chart:top_partners", png, f(tp["caption"]), alt, width, table))

    ls = cfg["sections"]["lists"]
    enabled = [(n_, s) for n_, s in ls["lists"].items() if s.get("enabled", True)]
    in_appendix = bool(ls.get("in_appendix"))

    def list_blocks(section: str | None, numbered: bool = True) -> None:
        for name, spec in enabled:
            if section is not None and spec.get("section", LIST_SECTION.get(name)) != section:
                continue
            head = h2(spec["heading"]) if numbered else Heading(f(spec["heading"]), 2)
            add(head)
            items = data.lists.get(name, [])
            if not items:
                add(Para(empty))
                continue
            add(item_table(f"list:{name}", head.text, spec["columns"], items))

    if in_appendix:
        add(Para(f(ls.get("appendix_ref", "Danh mục chi tiết tại Phụ lục kèm theo."))))
    else:
        list_blocks("signing")

    # ------------------------------------------------ II. validity and implementation
    add(h1(ls["heading"]))
    if not in_appendix:
        list_blocks("implementation")
    impl = sections.get("implementation") or {}
    spec = impl.get("plans") or {}
    if spec.get("enabled", True):
        head = add(h2(spec["heading"]))
        if data.implementation_plans:
            add(item_table("implementation_plans", head.text, spec["columns"], data.implementation_plans))
        else:
            add(Para(empty))
    spec = impl.get("implementing_docs") or {}
    if spec.get("enabled", True):
        head = add(h2(spec["heading"]))
        if data.implementing_docs:
            add(item_table("implementing_docs", head.text, spec["columns"], data.implementing_docs))
        else:
            add(Para(empty))
    spec = impl.get("overdue") or {}
    if spec.get("enabled", True):
        head = add(h2(spec["heading"]))
        if data.overdue is None:
            add(Para(f(spec.get("unavailable", "Chưa có số liệu."))))
        elif not data.overdue:
            add(Para(empty))
        else:
            add(item_table("overdue", head.text, spec["columns"], data.overdue))

    # ------------------------------------------------ III. state management
    sm = sections.get("state_management") or {}
    add(h1(sm.get("heading", "III. CÔNG TÁC QUẢN LÝ NHÀ NƯỚC")))
    spec = sm.get("originals") or {}
    if spec.get("enabled", True):
        head = add(h2(spec["heading"]))
        if data.overdue is None:
            add(Para(f((impl.get("overdue") or {}).get("unavailable", "Chưa có số liệu."))))
        else:
            if spec.get("intro"):
                add(Para(f(spec["intro"])))
            add(count_table("originals", head.text, data.originals_table, f(spec.get("label_header", "")), True))
            bad = [o for o in data.originals if o.state in ("late", "missing")]
            if bad:
                add(Para(f(spec.get("late_heading", "")), italic=True))
                add(item_table("originals_late", f(spec.get("late_heading", "")), spec["late_columns"], bad))
    spec = sm.get("publication") or {}
    if spec.get("enabled", True):
        head = add(h2(spec["heading"]))
        add(count_table("publication", head.text, data.publication, f(spec.get("label_header", "")), False))
        if spec.get("note"):
            add(Para(f(spec["note"]), italic=True))
        un = sm.get("un_registered") or {}
        if un.get("enabled", True) and data.un_registered:
            add(Para(f(un["heading"]), italic=True))
            add(item_table("list:un_registered", f(un["heading"]), un["columns"], data.un_registered))
    spec = sm.get("statistics") or {}
    if spec.get("enabled", True):
        head = add(h2(spec["heading"]))
        add(count_table("in_force_by_level", head.text, data.in_force_by_level, f(spec.get("label_header", "")),
                        True))
        if spec.get("status_heading"):
            add(Para(f(spec["status_heading"]), italic=True))
            add(count_table("by_status", f(spec["status_heading"]), data.by_status,
                            f(spec.get("status_label_header", "Tình trạng")), True))
    ap = cfg.get("appendix") or {}
    with_appendix = ap.get("enabled", False) if appendix is None else appendix
    if with_appendix and sm.get("appendix_ref"):
        add(Para(f(sm["appendix_ref"])))

    # ------------------------------------------------ IV. recommendations, free sections
    rec = sections.get("recommendations") or {}
    if rec.get("enabled", True):
        add(h1(rec["heading"]))
        for para in rec.get("paragraphs") or []:
            add(Para(f(para)))
    for extra in sections.get("extra") or []:
        if not extra.get("enabled"):
            continue
        add(h1(extra["heading"]))
        for para in extra.get("paragraphs") or []:
            add(Para(f(para)))

    if cfg.get("closing"):
        add(Para(f(cfg["closing"])))
    add(Signature([f(r) for r in cfg.get("recipients") or []], archive=cfg.get("unit_abbrev")))

    # ------------------------------------------------ appendices
    labels: list[str] = []
    base_label = f(ls.get("appendix_heading", "Phụ lục"))
    if in_appendix and with_appendix:
        labels = [f"{base_label} I", f"{f(ap.get('heading', 'Phụ lục'))} II"]
    elif in_appendix:
        labels = [base_label]
    elif with_appendix:
        labels = [f(ap.get("heading", "Phụ lục"))]
    new_section = True
    if in_appendix:
        add(AppendixStart(labels.pop(0), f(ls["appendix_title"]), None, new_section=True))
        new_section = False
        list_blocks(None, numbered=False)
    if with_appendix:
        add(AppendixStart(labels.pop(0), f(ap["title"]), f(ap["note"]) if ap.get("note") else None,
                          new_section=new_section))
        cols = [dict(c) for c in ap["columns"] if c["key"] != "classification" or data.include_classified]
        if data.include_classified and not any(c["key"] == "classification" for c in cols):
            cols.append({"key": "classification", "header": "Độ mật", "width_mm": 11})
            for c in cols:                            # room for it taken from the title, not from the dates
                if c["key"] == "title":
                    c["width_mm"] = max(25.0, float(c.get("width_mm", 40)) - 11)
        table = item_table("appendix:register", f(ap["title"]), cols, data.register,
                           size=float(ap.get("font_size", 9)))
        table.xlsx = False
        add(table)
        full = [Col(k, h, 30 if kind == "text" else 14, "left" if kind == "text" else "center", kind)
                for k, h, kind in REGISTER_XLSX_COLUMNS
                if data.include_classified or k not in ("classification", "classification_date",
                                                        "protection_until")]
        rows = [[_value(r, c.key, i) for c in full] for i, r in enumerate(data.register, start=1)]
        add(TableBlock("register", f(ap["title"]), full, rows, docx=False, sheet="Phụ lục - Danh mục"))
    model.properties = {"keywords": f"{fam}; {data.start.isoformat()}..{data.end.isoformat()}"}
    return model


# ---------------------------------------------------------------- rendering entry points
def _frame(settings: Any, cfg: dict[str, Any]) -> FrameSettings:
    return settings if isinstance(settings, FrameSettings) else FrameSettings.from_settings(
        settings, unit_abbrev=cfg.get("unit_abbrev", "LPQT"))


def render_annual_docx(data: AnnualReportData, out_path: str | Path, *, settings: Any,
                       config: dict[str, Any] | None = None, number: int | str | None = None,
                       issued: date | None = None, appendix: bool | None = None, charts: bool = True) -> Path:
    """The annual report as a Decree 30/2020 DOCX. ``settings``: core.settings.Settings (report_* fields) or a
    FrameSettings; ``config``: the outline (reports.config.load_config()); ``number``: the document number
    (blank when not yet issued; classified reports take it from the separate secret series, Decree 30 Art. 15(2));
    ``appendix``: add the register appendix (None: ``appendix.enabled`` of the configuration)."""
    cfg = merged_config(config)
    model = annual_model(data, frame=_frame(settings, cfg), config=cfg, number=number, issued=issued,
                         appendix=appendix, charts=charts)
    return render_docx(model, out_path, _frame(settings, cfg))


def render_annual_xlsx(data: AnnualReportData, out_path: str | Path, *, settings: Any,
                       config: dict[str, Any] | None = None, issued: date | None = None,
                       appendix: bool | None = True, charts: bool = True) -> Path:
    """The XLSX annex: the same tables as the DOCX (one sheet each) and the register with every §2.7 column."""
    from reports.xlsx import render_xlsx

    cfg = merged_config(config)
    model = annual_model(data, frame=_frame(settings, cfg), config=cfg, issued=issued, appendix=appendix,
                         charts=charts)
    return render_xlsx(model, out_path)


def generate_annual_report(session: Session, family: str, year: int, out_path: str | Path, *, settings: Any,
                           include_classified: bool = False, **kw: Any) -> Path:
    """Convenience: calendar year ``year`` → DOCX."""
    data = build_annual_data(session, family, date(year, 1, 1), date(year, 12, 31),
                             include_classified=include_classified)
    return render_annual_docx(data, out_path, settings=settings, **kw)
