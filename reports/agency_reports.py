"""Summary of the agencies' own annual reports to MOFA (Law 2016 Art. 79(6), Law 2020 Art. 46(3): by 15 November of
the reported year), from AgencyReport rows.

* On time: received on or before 15/11 of the year; late: received after it (days late shown); missing: an agency
  that has instruments of the family and no report (or a report row without a received date).
* Responsible agency of an instrument, as in the deadline engine (core.deadlines): treaties — the proposing agency;
  agreements — the Vietnamese signatory agency, else the proposing agency; an agency that had ceased by the due
  date is replaced by its successor (successor links of the agency table).
* An agency "has instruments" when a confirmed instrument of the family was signed (or otherwise dated) on or
  before the due date. Classified instruments count only with ``include_classified``; the summary then carries the
  highest classification among the instruments counted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session

from core.enums import Classification
from core.models import Agency, AgencyReport, AgencySuccession, Instrument, InstrumentEvent
from core.text import fold, nfc
from reports.annual import FAMILY_NOUN, Col, DocModel, Heading, Para, Signature, TableBlock, render_docx
from reports.docx_frame import FrameSettings, format_dmy

DUE_MONTH, DUE_DAY = 11, 15


@dataclass
class AgencyReportLine:
    agency_id: int
    agency: str
    instruments: int                   # instruments of the family it answers for
    received_date: date | None = None
    document_ref: str | None = None
    days_late: int | None = None
    state: str = "missing"             # on_time | late | missing
    reported_by: list[str] = field(default_factory=list)  # predecessor agencies whose reports count for it


@dataclass
class AgencyReportsData:
    family: str
    year: int
    due_date: date
    include_classified: bool
    on_time: list[AgencyReportLine]
    late: list[AgencyReportLine]
    missing: list[AgencyReportLine]
    highest_classification: str = "none"

    @property
    def secrecy(self) -> str | None:
        return self.highest_classification if self.highest_classification != "none" else None

    @property
    def expected(self) -> int:
        return len(self.on_time) + len(self.late) + len(self.missing)


def _sort(lines: list[AgencyReportLine]) -> list[AgencyReportLine]:
    return sorted(lines, key=lambda x: (fold(x.agency), x.agency, x.agency_id))


def build_agency_reports(session: Session, year: int, family: str, *,
                         include_classified: bool = False) -> AgencyReportsData:
    if family not in FAMILY_NOUN:
        raise ValueError(f"family must be 'treaty' or 'agreement', not {family!r}")
    due = date(year, DUE_MONTH, DUE_DAY)
    conn = session.connection()
    names: dict[int, str] = {}
    valid_to: dict[int, date | None] = {}
    for a in conn.execute(sa_select(Agency.__table__.c.id, Agency.__table__.c.name, Agency.__table__.c.valid_to)):
        names[a.id], valid_to[a.id] = nfc(a.name), a.valid_to
    successors: dict[int, list[int]] = defaultdict(list)
    st = AgencySuccession.__table__
    for pred, succ, eff in sorted(conn.execute(sa_select(st.c.predecessor_id, st.c.successor_id, st.c.effective)),
                                  key=lambda r: (r[2] or date.min, r[1])):
        successors[pred].append(succ)

    def responsible(aid: int) -> int:
        cur, seen = aid, set()
        while cur not in seen:
            vt = valid_to.get(cur)
            if vt is None or vt >= due or not successors.get(cur):
                break
            seen.add(cur)
            cur = successors[cur][0]
        return cur

    t = Instrument.__table__
    et = InstrumentEvent.__table__
    first_event = (sa_select(et.c.instrument_id, func.min(et.c.date).label("d")).group_by(et.c.instrument_id)
                   .subquery())
    q = (sa_select(t.c.id, t.c.signed_date, t.c.classification, t.c.proposing_agency_id, t.c.vn_agency_id,
                   first_event.c.d)
         .outerjoin(first_event, first_event.c.instrument_id == t.c.id)
         .where(t.c.family == family, t.c.record_state == "confirmed"))
    if not include_classified:
        q = q.where(t.c.classification == Classification.none.value)
    count: dict[int, int] = defaultdict(int)
    highest = Classification.none
    for iid, signed, cls, prop, vn, first in conn.execute(q):
        aid = (vn or prop) if family == "agreement" else prop
        when = signed or first
        if aid is None or when is None or when > due:
            continue
        count[responsible(aid)] += 1
        c = Classification(cls or "none")
        if c.rank > highest.rank:
            highest = c

    reports: dict[int, AgencyReportLine] = {}
    rt = AgencyReport.__table__
    for r in conn.execute(sa_select(rt).where(rt.c.family == family, rt.c.year == year).order_by(rt.c.id)):
        resp = responsible(r.agency_id)
        line = reports.get(resp)
        if line is None:
            line = reports[resp] = AgencyReportLine(resp, names.get(resp, str(resp)), count.get(resp, 0))
        if r.agency_id != resp:
            line.reported_by.append(names.get(r.agency_id, str(r.agency_id)))
        if r.received_date is not None and (line.received_date is None or r.received_date < line.received_date):
            line.received_date, line.document_ref = r.received_date, r.document_ref
    on_time, late, missing = [], [], []
    for resp, line in reports.items():
        if line.received_date is None:
            line.state = "missing"
            missing.append(line)
        elif line.received_date <= due:
            line.state = "on_time"
            on_time.append(line)
        else:
            line.state, line.days_late = "late", (line.received_date - due).days
            late.append(line)
    for aid, n in count.items():
        if aid not in reports:
            missing.append(AgencyReportLine(aid, names.get(aid, str(aid)), n))
    return AgencyReportsData(family=family, year=year, due_date=due, include_classified=include_classified,
                             on_time=_sort(on_time), late=_sort(late), missing=_sort(missing),
                             highest_classification=highest.value)


# ---------------------------------------------------------------- document
def agency_reports_model(data: AgencyReportsData, *, issued: date | None = None,
                         number: int | str | None = None) -> DocModel:
    noun = FAMILY_NOUN[data.family]
    due = format_dmy(data.due_date)
    summary = f"Tình hình gửi báo cáo về ký kết và thực hiện {noun} năm {data.year} của các cơ quan"
    model = DocModel(summary=summary, title=summary, issued=issued or date.today(), number=number,
                     secrecy=data.secrecy)
    add = model.add
    basis = "Điều 79 Luật Điều ước quốc tế năm 2016" if data.family == "treaty" else \
        "Điều 46 Luật Thỏa thuận quốc tế năm 2020"
    add(Para(f"Theo quy định tại {basis}, các cơ quan gửi Bộ Ngoại giao báo cáo hằng năm về tình hình ký kết và "
             f"thực hiện {noun} trước ngày {due}. Tình hình tiếp nhận báo cáo năm {data.year}: "
             f"{len(data.on_time)} cơ quan gửi đúng hạn, {len(data.late)} cơ quan gửi muộn, "
             f"{len(data.missing)} cơ quan chưa gửi."))
    add(Heading("I. TỔNG HỢP", 1))
    rows: list[Any] = [[1, "Gửi đúng hạn", len(data.on_time)], [2, "Gửi muộn", len(data.late)],
                       [3, "Chưa gửi", len(data.missing)], ["", "Tổng cộng", data.expected]]
    add(TableBlock("agency_reports:summary", "Tổng hợp", [Col("stt", "STT", 12, "center", "int"),
                                                           Col("label", "Tình hình", 110),
                                                           Col("count", "Số cơ quan", 43, "center", "int")],
                   rows, total_row=True))
    add(Heading("II. CƠ QUAN GỬI BÁO CÁO ĐÚNG HẠN", 1))
    if data.on_time:
        add(TableBlock("agency_reports:on_time", "Gửi đúng hạn", [
            Col("stt", "STT", 12, "center", "int"), Col("agency", "Cơ quan", 85),
            Col("received_date", "Ngày nhận", 28, "center", "date"), Col("document_ref", "Số, ký hiệu", 40)],
            [[i, x.agency, x.received_date, x.document_ref or ""] for i, x in enumerate(data.on_time, start=1)]))
    else:
        add(Para("Không có."))
    add(Heading("III. CƠ QUAN GỬI BÁO CÁO MUỘN", 1))
    if data.late:
        add(TableBlock("agency_reports:late", "Gửi muộn", [
            Col("stt", "STT", 12, "center", "int"), Col("agency", "Cơ quan", 70),
            Col("received_date", "Ngày nhận", 28, "center", "date"), Col("document_ref", "Số, ký hiệu", 35),
            Col("days_late", "Số ngày muộn", 20, "center", "int")],
            [[i, x.agency, x.received_date, x.document_ref or "", x.days_late]
             for i, x in enumerate(data.late, start=1)]))
    else:
        add(Para("Không có."))
    add(Heading("IV. CƠ QUAN CHƯA GỬI BÁO CÁO", 1))
    if data.missing:
        add(TableBlock("agency_reports:missing", "Chưa gửi", [
            Col("stt", "STT", 12, "center", "int"), Col("agency", "Cơ quan", 118),
            Col("instruments", f"Số {noun}", 35, "center", "int")],
            [[i, x.agency, x.instruments] for i, x in enumerate(data.missing, start=1)]))
    else:
        add(Para("Không có."))
    add(Signature(["Lãnh đạo Bộ (để b/c)"]))
    model.properties = {"keywords": f"agency_reports; {data.family}; {data.year}"}
    return model


def _frame(settings: Any) -> FrameSettings:
    return settings if isinstance(settings, FrameSettings) else FrameSettings.from_settings(settings)


def render_agency_reports_docx(data: AgencyReportsData, out_path: str | Path, *, settings: Any,
                               issued: date | None = None, number: int | str | None = None) -> Path:
    return render_docx(agency_reports_model(data, issued=issued, number=number), out_path, _frame(settings))


def render_agency_reports_xlsx(data: AgencyReportsData, out_path: str | Path, *, issued: date | None = None) -> Path:
    from reports.xlsx import render_xlsx

    return render_xlsx(agency_reports_model(data, issued=issued), out_path)
