"""Overdue and upcoming deadlines per agency, from the deadline engine (core.deadlines.compute_deadlines).

The report lists exactly the engine's items as of ``as_of``: overdue ones (not fulfilled, due date passed) and
upcoming ones (not fulfilled, due within ``upcoming_days``), grouped by the responsible agency (agencies in
alphabetical order by core.text.fold, "no agency recorded" last), each group by due date. Obligations of classified
instruments are left out unless ``include_classified``; the report then carries the highest classification.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import select as sa_select
from sqlmodel import Session

from core.enums import Classification
from core.models import Instrument
from core.text import fold, nfc
from reports.annual import (FAMILY_NOUN, Col, DeadlineItem, DocModel, Group, Heading, Para, Signature, TableBlock,
                            deadline_item, engine_deadlines, render_docx)
from reports.docx_frame import FrameSettings, format_dmy

NO_AGENCY = "Chưa xác định cơ quan"


@dataclass
class AgencyLine:
    agency: str
    overdue: int
    upcoming: int


@dataclass
class DeadlinesData:
    as_of: date
    family: str | None
    upcoming_days: int
    include_classified: bool
    overdue: list[DeadlineItem]
    upcoming: list[DeadlineItem]
    highest_classification: str = "none"

    @property
    def secrecy(self) -> str | None:
        return self.highest_classification if self.highest_classification != "none" else None

    def by_agency(self) -> list[AgencyLine]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for d in self.overdue:
            counts[agency_label(d)][0] += 1
        for d in self.upcoming:
            counts[agency_label(d)][1] += 1
        return [AgencyLine(a, o, u) for a, (o, u) in sorted(counts.items(), key=lambda kv: agency_order(kv[0]))]


def agency_label(d: DeadlineItem) -> str:
    return nfc(d.agency) or NO_AGENCY


def agency_order(label: str) -> tuple:
    return (label == NO_AGENCY, fold(label), label)


def build_deadlines(session: Session, as_of: date, *, family: str | None = None, upcoming_days: int = 30,
                    include_classified: bool = False) -> DeadlinesData:
    """Raises ImportError / RuntimeError when the deadline engine or a family's rules are not available."""
    if family is not None and family not in FAMILY_NOUN:
        raise ValueError(f"family must be 'treaty' or 'agreement', not {family!r}")
    if upcoming_days < 0:
        raise ValueError("upcoming_days must be >= 0")
    # the engine's reminder view: overdue ones and those due within upcoming_days (its horizon also brings in the
    # annual obligations falling inside the window)
    items = engine_deadlines(session, as_of, family=family, overdue=True, upcoming_days=upcoming_days)
    ids = {d.instrument_id for d in items if d.instrument_id is not None}
    cls: dict[int, str] = {}
    if ids:
        t = Instrument.__table__
        for iid, c in session.connection().execute(sa_select(t.c.id, t.c.classification)):
            if iid in ids:
                cls[iid] = c or "none"
    overdue: list[DeadlineItem] = []
    upcoming: list[DeadlineItem] = []
    highest = Classification.none
    for d in items:
        c = cls.get(d.instrument_id, "none") if d.instrument_id is not None else "none"
        if c != "none" and not include_classified:
            continue
        is_upcoming = d.days_left is not None and 0 <= d.days_left <= upcoming_days
        if not (d.overdue or is_upcoming):
            continue
        (overdue if d.overdue else upcoming).append(deadline_item(d, c))
        if Classification(c).rank > highest.rank:
            highest = Classification(c)
    key = lambda x: (agency_order(agency_label(x)), x.due_date, x.instrument_id or 0, x.rule_id)  # noqa: E731
    overdue.sort(key=key)
    upcoming.sort(key=key)
    return DeadlinesData(as_of=as_of, family=family, upcoming_days=upcoming_days,
                         include_classified=include_classified, overdue=overdue, upcoming=upcoming,
                         highest_classification=highest.value)


# ---------------------------------------------------------------- document
def _item_rows(items: Sequence[DeadlineItem], overdue: bool) -> list[Any]:
    rows: list[Any] = []
    current = None
    n = 0
    for d in items:
        label = agency_label(d)
        if label != current:
            rows.append(Group(label))
            current, n = label, 0
        n += 1
        rows.append([n, d.obligation, d.title, d.article, d.due_date,
                     d.days_overdue if overdue else d.days_left])
    return rows


def _columns(overdue: bool) -> list[Col]:
    return [Col("stt", "STT", 11, "center", "int"), Col("obligation", "Nghĩa vụ", 40),
            Col("title", "Văn kiện", 42), Col("article", "Căn cứ", 29),
            Col("due_date", "Hạn", 24, "center", "date"),
            Col("days_overdue" if overdue else "days_left", "Số ngày quá hạn" if overdue else "Còn (ngày)", 19,
                "center", "int")]


def deadlines_model(data: DeadlinesData, *, issued: date | None = None,
                    number: int | str | None = None) -> DocModel:
    noun = FAMILY_NOUN[data.family] if data.family else "điều ước quốc tế, thỏa thuận quốc tế"
    when = format_dmy(data.as_of)
    summary = f"Tình hình thực hiện các thời hạn về {noun} tính đến ngày {when}"
    model = DocModel(summary=summary, title=summary, issued=issued or date.today(), number=number,
                     secrecy=data.secrecy)
    add = model.add
    add(Para(f"Tính đến ngày {when}, có {len(data.overdue)} nghĩa vụ đã quá hạn chưa thực hiện và "
             f"{len(data.upcoming)} nghĩa vụ sẽ đến hạn trong {data.upcoming_days} ngày tới, cụ thể như sau:"))
    add(Heading("I. TỔNG HỢP THEO CƠ QUAN", 1))
    lines = data.by_agency()
    if lines:
        rows: list[Any] = [[i, a.agency, a.overdue, a.upcoming, a.overdue + a.upcoming]
                           for i, a in enumerate(lines, start=1)]
        rows.append(["", "Tổng cộng", len(data.overdue), len(data.upcoming), len(data.overdue) + len(data.upcoming)])
        add(TableBlock("deadlines:by_agency", "Tổng hợp theo cơ quan",
                       [Col("stt", "STT", 12, "center", "int"), Col("agency", "Cơ quan", 83),
                        Col("overdue", "Quá hạn", 23, "center", "int"),
                        Col("upcoming", "Sắp đến hạn", 23, "center", "int"),
                        Col("total", "Tổng số", 24, "center", "int")], rows, total_row=True))
    else:
        add(Para("Không có."))
    add(Heading("II. NGHĨA VỤ ĐÃ QUÁ HẠN", 1))
    if data.overdue:
        add(TableBlock("deadlines:overdue", "Nghĩa vụ đã quá hạn", _columns(True), _item_rows(data.overdue, True),
                       group_header="Cơ quan", size=11))
    else:
        add(Para("Không có."))
    add(Heading(f"III. NGHĨA VỤ SẮP ĐẾN HẠN (TRONG {data.upcoming_days} NGÀY)", 1))
    if data.upcoming:
        add(TableBlock("deadlines:upcoming", "Nghĩa vụ sắp đến hạn", _columns(False),
                       _item_rows(data.upcoming, False), group_header="Cơ quan", size=11))
    else:
        add(Para("Không có."))
    add(Signature(["Lãnh đạo Bộ (để b/c)", "Các cơ quan liên quan"]))
    model.properties = {"keywords": f"deadlines; {data.as_of.isoformat()}"}
    return model


def _frame(settings: Any) -> FrameSettings:
    return settings if isinstance(settings, FrameSettings) else FrameSettings.from_settings(settings)


def render_deadlines_docx(data: DeadlinesData, out_path: str | Path, *, settings: Any, issued: date | None = None,
                          number: int | str | None = None) -> Path:
    return render_docx(deadlines_model(data, issued=issued, number=number), out_path, _frame(settings))


def render_deadlines_xlsx(data: DeadlinesData, out_path: str | Path, *, issued: date | None = None) -> Path:
    from reports.xlsx import render_xlsx

    return render_xlsx(deadlines_model(data, issued=issued), out_path)
