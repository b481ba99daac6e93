"""Annual report on the signing and implementation of treaties (Law 2016 Art. 77(3)) or international agreements
(Law 2020 Art. 44(1)): figures gathered from the database, rendered into a Decree 30/2020 document.

Only confirmed records count. Classified instruments (mật, tối mật, tuyệt mật) are left out unless
``include_classified``; a report that includes them carries the highest classification mark (ô 10a).
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from core.enums import DANH_NGHIA, LEGACY_DANH_NGHIA, SIGNATORY_LEVELS, Classification
from core.lifecycle import EVENT_TYPES, derive_status
from core.models import Instrument, InstrumentEvent, InstrumentParty
from core.text import fold, nfc
from reports.config import LIST_NAMES, load_config, pick
from reports.docx_frame import Column, DecreeDocument, FrameSettings, format_dmy

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
FAMILY_NOUN = {"treaty": "điều ước quốc tế", "agreement": "thỏa thuận quốc tế"}


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

    def table(self, name: str) -> list[CountRow]:
        return getattr(self, name)


# ---------------------------------------------------------------- labels
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


def region_label(code: str | None) -> str | None:
    if not code:
        return None
    try:
        from core.parties import region_of

        return region_of(code)
    except Exception:  # pragma: no cover
        return None


def level_key(inst: Instrument) -> str | None:
    return inst.danh_nghia if inst.family == "treaty" else inst.signatory_level


def level_label(family: str, key: str | None) -> str:
    if key is None:
        return ""
    return key if family == "treaty" else SIGNATORY_LEVELS.get(key, key)


def _type_label(t: str) -> str:
    t = (nfc(t) or "").strip()
    return t[:1].upper() + t[1:] if t else t


# ---------------------------------------------------------------- data gathering
def _base_query(family: str, include_classified: bool):
    q = select(Instrument).where(Instrument.family == family, Instrument.record_state == "confirmed")
    if not include_classified:
        q = q.where(Instrument.classification == Classification.none.value)
    return q


def build_annual_data(session: Session, family: str, start: date, end: date, *,
                      include_classified: bool = False, unknown_label: str = "Chưa xác định") -> AnnualReportData:
    """Every figure of the annual report, from the database (confirmed records only)."""
    if family not in FAMILY_NOUN:
        raise ValueError(f"family must be 'treaty' or 'agreement', not {family!r}")
    if end < start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    t0 = time.perf_counter()
    base = _base_query(family, include_classified)

    signed = list(session.exec(base.where(Instrument.signed_date >= start, Instrument.signed_date <= end)
                               .order_by(Instrument.signed_date, Instrument.id)))
    # events of Viet Nam / the instrument as a whole in the period
    all_types = sorted({t for ts in LIST_EVENTS.values() if ts for t in ts})
    ev_q = (select(InstrumentEvent, Instrument).join(Instrument, Instrument.id == InstrumentEvent.instrument_id)
            .where(Instrument.family == family, Instrument.record_state == "confirmed",
                   InstrumentEvent.type.in_(all_types), InstrumentEvent.date >= start, InstrumentEvent.date <= end,
                   or_(InstrumentEvent.party_code.is_(None), InstrumentEvent.party_code == VN))
            .order_by(InstrumentEvent.date, InstrumentEvent.id))
    if not include_classified:
        ev_q = ev_q.where(Instrument.classification == Classification.none.value)
    ev_rows = list(session.exec(ev_q))

    insts: dict[int, Instrument] = {i.id: i for i in signed}
    for _, inst in ev_rows:
        insts.setdefault(inst.id, inst)
    ids = list(insts)
    parties: dict[int, list[InstrumentParty]] = defaultdict(list)
    events: dict[int, list[InstrumentEvent]] = defaultdict(list)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for p in session.exec(select(InstrumentParty).where(InstrumentParty.instrument_id.in_(chunk))
                              .order_by(InstrumentParty.instrument_id, InstrumentParty.position)):
            parties[p.instrument_id].append(p)
        for e in session.exec(select(InstrumentEvent).where(InstrumentEvent.instrument_id.in_(chunk))
                              .order_by(InstrumentEvent.date, InstrumentEvent.id)):
            events[e.instrument_id].append(e)

    def foreign(iid: int) -> list[InstrumentParty]:
        return [p for p in parties[iid] if p.code != VN]

    def item(inst: Instrument, ev: InstrumentEvent | None = None) -> ListItem:
        fp = foreign(inst.id)
        eif = [e.date for e in events[inst.id] if e.type == "entered_into_force" and e.party_code in (None, VN)]
        return ListItem(
            instrument_id=inst.id, title=nfc(inst.title), instrument_type=_type_label(inst.instrument_type),
            level=level_label(family, level_key(inst)), parties=[party_label(p.code, p.name) for p in fp],
            party_codes=[p.code for p in fp if p.code], bilateral=inst.bilateral, signed_date=inst.signed_date,
            signed_place=inst.signed_place, field=inst.field, eif_date=min(eif) if eif else None,
            number=inst.number, classification=inst.classification,
            status=derive_status(events[inst.id], end).label_vi,
            event_type=ev.type if ev else None,
            event_label=EVENT_TYPES.get(ev.type, (None, ev.type))[1] if ev else None,
            event_date=ev.date if ev else None)

    lists: dict[str, list[ListItem]] = {"signed": [item(i) for i in signed]}
    for name, types in LIST_EVENTS.items():
        if types is None:
            continue
        lists[name] = [item(inst, ev) for ev, inst in ev_rows if ev.type in types]

    # ---- count tables (instruments signed in the period)
    def bump(table: dict[str, CountRow], key: str, label: str, inst: Instrument) -> None:
        row = table.setdefault(key, CountRow(key=key, label=label))
        if inst.bilateral:
            row.bilateral += 1
        else:
            row.multilateral += 1

    by_level: dict[str, CountRow] = {}
    if family == "treaty":
        for k in DANH_NGHIA:                      # always shown, even with 0
            by_level[k] = CountRow(key=k, label=k)
    for inst in signed:
        k = level_key(inst)
        bump(by_level, k or "", level_label(family, k) if k else unknown_label, inst)
    order = list(DANH_NGHIA) + list(LEGACY_DANH_NGHIA) if family == "treaty" else list(SIGNATORY_LEVELS)
    level_rows = sorted(by_level.values(), key=lambda r: (order.index(r.key) if r.key in order else len(order),
                                                          r.label))

    by_partner: dict[str, CountRow] = {}
    by_region: dict[str, CountRow] = {}
    by_type: dict[str, CountRow] = {}
    by_field: dict[str, CountRow] = {}
    for inst in signed:
        seen_p: set[str] = set()
        seen_r: set[str] = set()
        for p in foreign(inst.id):
            key = p.code or f"?{fold(p.name)}"
            if key in seen_p:
                continue
            seen_p.add(key)
            bump(by_partner, key, party_label(p.code, p.name), inst)
            reg = region_label(p.code) or unknown_label
            if reg not in seen_r:
                seen_r.add(reg)
                bump(by_region, reg, reg, inst)
        bump(by_type, fold(inst.instrument_type), _type_label(inst.instrument_type), inst)
        fk = fold(inst.field) if inst.field else ""
        bump(by_field, fk, (nfc(inst.field) or "").strip() if inst.field else unknown_label, inst)

    def ranked(t: dict[str, CountRow]) -> list[CountRow]:
        return sorted(t.values(), key=lambda r: (r.label == unknown_label, -r.total, fold(r.label)))

    included = list(insts.values())
    highest = max((Classification(i.classification) for i in included), key=lambda c: c.rank,
                  default=Classification.none)
    bil = sum(1 for i in signed if i.bilateral)
    return AnnualReportData(
        family=family, start=start, end=end, include_classified=include_classified, total_signed=len(signed),
        bilateral=bil, multilateral=len(signed) - bil, by_level=level_rows, by_partner=ranked(by_partner),
        by_type=ranked(by_type), by_region=ranked(by_region), by_field=ranked(by_field), lists=lists,
        highest_classification=highest.value, build_seconds=time.perf_counter() - t0, instrument_ids=set(insts))


# ---------------------------------------------------------------- rendering
class _Fmt(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _cell(item: ListItem, key: str, stt: int) -> str:
    v: Any
    if key == "stt":
        return str(stt)
    if key in ("signed_date", "eif_date", "event_date"):
        return format_dmy(getattr(item, key))
    if key == "parties":
        return "; ".join(item.parties)
    if key == "event":
        return item.event_label or ""
    v = getattr(item, key, "")
    return "" if v is None else str(v)


def render_annual_docx(data: AnnualReportData, out_path: str | Path, *, settings: Any,
                       config: dict[str, Any] | None = None, number: int | str | None = None,
                       issued: date | None = None) -> Path:
    """The annual report as a Decree 30/2020 DOCX. ``settings``: core.settings.Settings (report_* fields) or a
    FrameSettings; ``config``: the outline (reports.config.load_config()); ``number``: the document number
    (blank when not yet issued; classified reports take it from the separate secret series, Decree 30 Art. 15(2))."""
    cfg = config or load_config()
    fam = data.family
    frame = settings if isinstance(settings, FrameSettings) else FrameSettings.from_settings(
        settings, unit_abbrev=cfg.get("unit_abbrev", "LPQT"))
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

    doc = DecreeDocument(frame, summary=f(cfg["summary"]), issued=issued or date.today(),
                         doc_type=cfg.get("doc_type", "BÁO CÁO"), number=number, secrecy=data.secrecy,
                         kinh_gui=[f(k) for k in cfg.get("kinh_gui") or []], title=f(cfg["title"]))
    if cfg.get("intro"):
        doc.paragraph(f(cfg["intro"]))

    # I. signing
    sig = cfg["sections"]["signing"]
    doc.heading(f(sig["heading"]), 1)
    if sig.get("overview_heading"):
        doc.heading(f(sig["overview_heading"]), 2)
    if sig.get("overview"):
        doc.paragraph(f(sig["overview"]))
    for name, spec in sig["tables"].items():
        if not spec.get("enabled", True):
            continue
        doc.heading(f(spec["heading"]), 2)
        rows = data.table(name)
        if not rows:
            doc.paragraph(f(cfg.get("empty_text", "Không có.")))
            continue
        cols = []
        for c in sig["count_columns"]:
            header = f(c["header"]).replace("{label_header}", str(pick(spec.get("label_header", ""), fam)))
            cols.append(Column(header, float(c.get("width_mm", 25)),
                               "left" if c["key"] == "label" else "center"))
        body = []
        for i, r in enumerate(rows, start=1):
            vals = {"stt": str(i), "label": r.label, "bilateral": str(r.bilateral),
                    "multilateral": str(r.multilateral), "total": str(r.total)}
            body.append([vals[c["key"]] for c in sig["count_columns"]])
        tot = {"stt": "", "label": f(sig.get("total_label", "Tổng cộng")),
               "bilateral": str(sum(r.bilateral for r in rows)),
               "multilateral": str(sum(r.multilateral for r in rows)), "total": str(sum(r.total for r in rows))}
        with_total = spec.get("total_row", True)
        if with_total:
            body.append([tot[c["key"]] for c in sig["count_columns"]])
        doc.table(cols, body, caption=name, bold_last_row=with_total)
        if spec.get("note"):
            doc.paragraph(f(spec["note"]), italic=True)

    # II. lists
    ls = cfg["sections"]["lists"]
    enabled = [(n, s) for n, s in ls["lists"].items() if s.get("enabled", True)]

    def write_lists() -> None:
        for name, spec in enabled:
            doc.heading(f(spec["heading"]), 2)
            items = data.lists.get(name, [])
            if not items:
                doc.paragraph(f(cfg.get("empty_text", "Không có.")))
                continue
            cols = [Column(f(c["header"]), float(c.get("width_mm", 25)),
                           "center" if c["key"] in ("stt", "signed_date", "eif_date", "event_date") else "left")
                    for c in spec["columns"]]
            body = [[_cell(it, c["key"], i) for c in spec["columns"]] for i, it in enumerate(items, start=1)]
            doc.table(cols, body, caption=f"list:{name}")

    if ls.get("in_appendix"):
        doc.heading(f(ls["heading"]), 1)
        doc.paragraph(f(ls.get("appendix_ref", "Danh mục chi tiết tại Phụ lục kèm theo.")))
    else:
        doc.heading(f(ls["heading"]), 1)
        write_lists()

    for extra in cfg["sections"].get("extra") or []:
        if not extra.get("enabled"):
            continue
        doc.heading(f(extra["heading"]), 1)
        for para in extra.get("paragraphs") or []:
            doc.paragraph(f(para))

    if cfg.get("closing"):
        doc.paragraph(f(cfg["closing"]))
    doc.signature([f(r) for r in cfg.get("recipients") or []], archive=cfg.get("unit_abbrev"))

    if ls.get("in_appendix"):
        doc.appendix(f(ls.get("appendix_heading", "Phụ lục")), f(ls["appendix_title"]), landscape=True)
        write_lists()
    return doc.save(out_path)


def generate_annual_report(session: Session, family: str, year: int, out_path: str | Path, *, settings: Any,
                           include_classified: bool = False, **kw: Any) -> Path:
    """Convenience: calendar year ``year`` → DOCX."""
    data = build_annual_data(session, family, date(year, 1, 1), date(year, 12, 31),
                             include_classified=include_classified)
    return render_annual_docx(data, out_path, settings=settings, **kw)
