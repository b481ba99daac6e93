"""Reports beyond the frame: the completed annual report (sections II–IV, charts, register appendix, XLSX annex),
the in-force list, the deadline report, the agencies' reports summary, the API and the CLI.

Every figure read back from the DOCX / XLSX is compared with an independent query on the database (or, for
deadlines, with the deadline engine itself, which the reports must list exactly)."""
from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import text
from sqlmodel import Session

import agreements.deadlines  # noqa: F401  (registers the deadline rules)
import agreements.rules  # noqa: F401  (registers the family rules)
import treaties.deadlines  # noqa: F401
import treaties.rules  # noqa: F401
from core.agency_table import resolve_agency_id, seed_agencies
from core.db import make_engine, migrate
from core.deadlines import compute_deadlines, deadline_rules
from core.enums import DANH_NGHIA, SIGNATORY_LEVELS, Status
from core.lifecycle import derive_status
from core.models import AgencyReport
from core.parties import short_name_vi
from core.schemas import EventIn, InstrumentCreate, PartyIn
from core.service import add_event, add_relation, create_instrument, party_status
from core.settings import Settings
from core.text import fold
from reports.annual import build_annual_data, render_annual_docx, render_annual_xlsx
from reports.docx_frame import format_dmy, table_caption

START, END = date(2024, 1, 1), date(2024, 12, 31)
SETTINGS = Settings(report_signer_name="Nguyễn Văn A")
VN = PartyIn(name="Việt Nam", code="VNM")
RANK = ["none", "mat", "toi_mat", "tuyet_mat"]


def P(name: str, code: str) -> PartyIn:
    return PartyIn(name=name, code=code)


def E(t: str, d: date, **kw) -> EventIn:
    return EventIn(type=t, date=d, **kw)


RECORDS = [
    # ---------------------------------------------------------------- treaties
    dict(key="T1", family="treaty", title="Hiệp định thương mại Việt Nam - Pháp", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Thương mại", parties=[VN, P("Pháp", "FRA")], signed_date=date(2024, 3, 6),
         signed_place="Pa-ri", proposing_agency="Bộ Công Thương",
         events=[E("original_received", date(2024, 3, 12)), E("entered_into_force", date(2024, 9, 1)),
                 E("eif_notified", date(2024, 9, 5)), E("sao_luc", date(2024, 9, 15)),
                 E("published_portal", date(2024, 9, 20)), E("implementation_plan", date(2024, 9, 20),
                                                              document_ref="123/QĐ-TTg"),
                 E("published_cong_bao", date(2024, 9, 25), document_ref="Công báo số 901+902"),
                 E("un_registered", date(2024, 12, 1), document_ref="I-60001")]),
    dict(key="T2", family="treaty", title="Hiệp định tương trợ tư pháp Việt Nam - Nhật Bản",
         instrument_type="Hiệp định", danh_nghia="Nhà nước", field="Tư pháp", parties=[VN, P("Nhật Bản", "JPN")],
         signed_date=date(2024, 1, 5), signed_place="Tô-ky-ô", proposing_agency="Bộ Tư pháp",
         events=[E("original_received", date(2024, 2, 1)), E("entered_into_force", date(2025, 2, 1))]),
    dict(key="T3", family="treaty", title="Công ước đa phương về hợp tác hải quan & <thuận lợi hóa> thương mại",
         instrument_type="Công ước", danh_nghia="Nhà nước", field="Hải quan", bilateral=False,
         parties=[VN, P("Pháp", "FRA"), P("Nhật Bản", "JPN"), P("Đức", "DEU")], signed_date=date(2024, 6, 10),
         proposing_agency="Bộ Tài chính"),
    dict(key="T4", family="treaty", title="Hiệp định hợp tác giáo dục Việt Nam - Lào", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Giáo dục", parties=[VN, P("Lào", "LAO")], signed_date=date(2023, 5, 10),
         proposing_agency="Bộ Giáo dục và Đào tạo", events=[E("entered_into_force", date(2023, 12, 1))],
         later=[E("terminated", date(2024, 11, 30))]),
    dict(key="T5", family="treaty", title="Hiệp định hợp tác quốc phòng Việt Nam - Trung Quốc",
         instrument_type="Hiệp định", danh_nghia="Chính phủ", field="Quốc phòng", classification="mat",
         parties=[VN, P("Trung Quốc", "CHN")], signed_date=date(2024, 8, 15), proposing_agency="Bộ Quốc phòng",
         events=[E("entered_into_force", date(2024, 10, 1))]),
    dict(key="T6", family="treaty", title="Công ước về quyền của người khuyết tật", instrument_type="Công ước",
         danh_nghia="Nhà nước", field="Xã hội", bilateral=False, parties=[P("Liên hợp quốc", "UN")],
         events=[E("acceded", date(2024, 4, 20)), E("original_received", date(2024, 5, 20)),
                 E("entered_into_force", date(2024, 7, 20))]),
    dict(key="T7", family="treaty", title="Hiệp định vận tải hàng không Việt Nam - Hàn Quốc",
         instrument_type="Hiệp định", danh_nghia="Chính phủ", field="Giao thông",
         parties=[VN, P("Hàn Quốc", "KOR")], signed_date=date(2022, 2, 2),
         events=[E("entered_into_force", date(2022, 6, 1))],
         later=[E("amended", date(2024, 5, 5)), E("suspended", date(2024, 7, 1))]),
    dict(key="T8", family="treaty", title="Hiệp định chưa được xác nhận với Ô-xtrây-li-a",
         instrument_type="Hiệp định", danh_nghia="Chính phủ", parties=[VN, P("Ô-xtrây-li-a", "AUS")],
         signed_date=date(2024, 7, 7), record_state="draft"),
    dict(key="T9", family="treaty", title="Hiệp định khuyến khích đầu tư Việt Nam - Pháp", instrument_type="hiệp định",
         danh_nghia="Chính phủ", parties=[VN, P("Pháp", "FRA")], signed_date=date(2024, 12, 31)),
    dict(key="T10", family="treaty", title="Hiệp định lao động Việt Nam - Đức", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Lao động", parties=[VN, P("Đức", "DEU")], signed_date=date(2025, 1, 1)),
    dict(key="T11", family="treaty", title="Hiệp định khung ASEAN về tạo thuận lợi vận tải",
         instrument_type="Hiệp định", danh_nghia="Chính phủ", field="Giao thông", bilateral=False,
         parties=[VN, P("Lào", "LAO"), P("Cam-pu-chia", "KHM"), P("Thái Lan", "THA")],
         signed_date=date(2018, 2, 1), events=[E("entered_into_force", date(2018, 6, 1))],
         later=[E("ratified", date(2020, 1, 10), party_code="VNM"),
                E("entered_into_force", date(2020, 3, 1), party_code="VNM")]),
    dict(key="T12", family="treaty", title="Hiệp định về hợp tác đầu tư Việt Nam - Ấn Độ",
         instrument_type="Hiệp định", danh_nghia="Chính phủ", field="Đầu tư", parties=[VN, P("Ấn Độ", "IND")],
         signed_date=date(2020, 3, 3), proposing_agency="Bộ Kế hoạch và Đầu tư",
         events=[E("entered_into_force", date(2020, 9, 9))]),
    dict(key="T13", family="treaty", title="Hiệp định văn hóa Việt Nam - Ác-hen-ti-na", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Văn hóa", parties=[VN, P("Ác-hen-ti-na", "ARG")],
         signed_date=date(2016, 6, 6), signed_place="Hà Nội", events=[E("entered_into_force", date(2016, 12, 1))]),
    # ---------------------------------------------------------------- agreements
    dict(key="A1", family="agreement", title="Bản ghi nhớ hợp tác văn hóa với Bộ Văn hóa Hàn Quốc",
         instrument_type="Bản ghi nhớ", signatory_level="bo", vn_agency="Bộ Văn hóa, Thể thao và Du lịch",
         field="Văn hóa", parties=[P("Hàn Quốc", "KOR")], signed_date=date(2024, 2, 14),
         events=[E("entered_into_force", date(2024, 2, 14)), E("original_received", date(2024, 2, 20))]),
    dict(key="A2", family="agreement", title="Thỏa thuận hợp tác giữa UBND tỉnh Điện Biên và tỉnh Phông-xa-lỳ",
         instrument_type="Thỏa thuận", signatory_level="tinh", vn_agency="UBND tỉnh Điện Biên", field="Biên giới",
         parties=[P("Lào", "LAO")], signed_date=date(2024, 9, 9), events=[E("entered_into_force", date(2024, 9, 9))]),
    dict(key="A3", family="agreement", title="Bản ghi nhớ về trao đổi thông tin an ninh", instrument_type="Bản ghi nhớ",
         signatory_level="bo", vn_agency="Bộ Công an", field="An ninh", parties=[P("Nhật Bản", "JPN")],
         classification="toi_mat", signed_date=date(2024, 3, 3), events=[E("entered_into_force", date(2024, 3, 3))]),
    dict(key="A4", family="agreement", title="Thỏa thuận khung đa phương về phòng chống thiên tai",
         instrument_type="Thỏa thuận", signatory_level="bo", vn_agency="Bộ Nông nghiệp và Môi trường",
         field="Môi trường", bilateral=False, parties=[P("Hàn Quốc", "KOR"), P("Nhật Bản", "JPN")],
         signed_date=date(2023, 10, 10), events=[E("entered_into_force", date(2023, 10, 10))],
         later=[E("expired", date(2024, 10, 10))]),
    dict(key="A5", family="agreement", title="Thỏa thuận thực hiện Hiệp định thương mại Việt Nam - Pháp",
         instrument_type="Thỏa thuận", signatory_level="bo", vn_agency="Bộ Công Thương", field="Thương mại",
         parties=[P("Pháp", "FRA")], signed_date=date(2024, 10, 10),
         events=[E("entered_into_force", date(2024, 10, 10))]),
    dict(key="A6", family="agreement", title="Bản ghi nhớ hợp tác giáo dục với Đại học Ốt-xlô",
         instrument_type="Bản ghi nhớ", signatory_level="bo", vn_agency="Bộ Giáo dục và Đào tạo",
         field="Giáo dục", parties=[P("Na Uy", "NOR")], signed_date=date(2021, 11, 11),
         events=[E("entered_into_force", date(2021, 11, 11))]),
]
AGENCY_REPORTS = [  # (agency, family, year, received)
    ("Bộ Công Thương", "treaty", 2024, date(2024, 11, 10)),
    ("Bộ Tư pháp", "treaty", 2024, date(2024, 11, 20)),
    ("Bộ Ngoại giao", "treaty", 2024, date(2024, 11, 15)),
    ("Bộ Tài chính", "treaty", 2024, None),
    ("Bộ Văn hóa, Thể thao và Du lịch", "agreement", 2024, date(2024, 11, 1)),
    ("Bộ Công Thương", "agreement", 2024, date(2024, 12, 2)),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("reports_more") / "t.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine=engine)
    ids: dict[str, int] = {}
    with Session(engine) as s:
        seed_agencies(s)
        for rec in RECORDS:
            rec = dict(rec)
            key, later = rec.pop("key"), rec.pop("later", [])
            state = rec.pop("record_state", "confirmed")
            inst = create_instrument(s, InstrumentCreate(**rec), actor="test", record_state=state)
            ids[key] = inst.id
            for ev in later:
                add_event(s, inst.id, ev, actor="test")
        add_relation(s, ids["A5"], ids["T1"], "implements", actor="test")
        for agency, fam, year, received in AGENCY_REPORTS:
            s.add(AgencyReport(agency_id=resolve_agency_id(s, agency), family=fam, year=year,
                               received_date=received, document_ref=f"BC-{agency[:6]}"))
        s.commit()
    engine.ids = ids
    yield engine
    engine.dispose()


# ================================================================ helpers
def q(engine, sql: str, **kw):
    with engine.connect() as c:
        return c.execute(text(sql), kw).all()


def d(v) -> date | None:
    return None if v is None else v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def sec(include: bool, alias: str = "i") -> str:
    return "" if include else f" AND {alias}.classification = 'none'"


def tables(doc) -> dict[str, list[list[str]]]:
    out = {}
    for t in doc.tables:
        cap = table_caption(t)
        if cap:
            out[cap] = [[c.text for c in r.cells] for r in t.rows]
    return out


def body_rows(rows: list[list[str]]) -> list[list[str]]:
    """Rows under the header, without group rows (a merged row repeats one text in every cell)."""
    return [r for r in rows[1:] if not (len(set(r)) == 1 and len(r) > 1)]


def groups_of(rows: list[list[str]]) -> list[tuple[str, list[list[str]]]]:
    out: list[tuple[str, list[list[str]]]] = []
    for r in rows[1:]:
        if len(r) > 1 and len(set(r)) == 1:
            out.append((r[0], []))
        else:
            out[-1][1].append(r)
    return out


def counts(rows: list[list[str]], label_col: int = 1) -> dict[str, tuple[int, int, int]]:
    out = {}
    for r in rows[1:]:
        if r[1] == "Tổng cộng":
            continue
        out[r[label_col]] = (int(r[2]), int(r[3]), int(r[4]))
    return out


def xl_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        v = v.date()
    if isinstance(v, date):
        return format_dmy(v)
    return str(v)


def vn_reference_status(engine, iid: int, events: list[tuple], as_of: date) -> Status:
    """Reference: core.service.party_status for VNM when Viet Nam's events carry its code, else derive_status."""
    if any(pc == "VNM" for _, _, pc, _ in events):
        with Session(engine) as s:
            st = {p["party"]: p["status"] for p in party_status(s, iid, as_of)}
        return Status(st.get("VNM", "pending"))

    class Ev:
        def __init__(self, t, dt, pc, eid):
            self.type, self.date, self.party_code, self.id = t, dt, pc, eid
    return derive_status([Ev(t, dt, pc, eid) for t, dt, pc, eid in events], as_of)


def events_by_instrument(engine, family: str | None, include: bool) -> dict[int, list[tuple]]:
    fam = "AND i.family = :f" if family else ""
    rows = q(engine, "SELECT e.instrument_id, e.type, e.date, e.party_code, e.id FROM instrument_event e "
             f"JOIN instrument i ON i.id = e.instrument_id WHERE i.record_state = 'confirmed' {fam}{sec(include)} "
             "ORDER BY e.date, e.id", f=family)
    out: dict[int, list[tuple]] = defaultdict(list)
    for iid, t, dt, pc, eid in rows:
        out[iid].append((t, d(dt), pc, eid))
    return out


def engine_items(engine, as_of: date, family: str | None, include: bool, **kw):
    cls = dict(q(engine, "SELECT id, classification FROM instrument"))
    with Session(engine) as s:
        items = compute_deadlines(s, as_of, family=family, **kw)
    return [x for x in items if include or x.instrument_id is None or cls[x.instrument_id] == "none"]


# ================================================================ annual report
@pytest.fixture(scope="module")
def annual(db, tmp_path_factory):
    """family, include → (data, docx tables, xlsx sheets, docx path, xlsx path)."""
    from reports.xlsx import read_sheets

    out = tmp_path_factory.mktemp("annual_out")
    cache = {}

    def get(family: str, include: bool):
        if (family, include) not in cache:
            t0 = time.perf_counter()
            with Session(db) as s:
                data = build_annual_data(s, family, START, END, include_classified=include)
            p_docx = render_annual_docx(data, out / f"{family}-{include}.docx", settings=SETTINGS, number=7,
                                        issued=date(2025, 1, 5), appendix=True)
            p_xlsx = render_annual_xlsx(data, out / f"{family}-{include}.xlsx", settings=SETTINGS,
                                        issued=date(2025, 1, 5))
            print(f"\n[annual {family} {include}] {time.perf_counter() - t0:.2f} s")
            doc = Document(str(p_docx))
            cache[(family, include)] = (data, doc, tables(doc), read_sheets(p_xlsx), p_docx, p_xlsx)
        return cache[(family, include)]
    return get


@pytest.mark.parametrize("include", [False, True])
@pytest.mark.parametrize("family", ["treaty", "agreement"])
def test_annual_sections_equal_database(db, annual, family, include):
    data, doc, tabs, sheets, _, _ = annual(family, include)
    paras = [p.text for p in doc.paragraphs]
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1[:4] == ["I. TÌNH HÌNH KÝ KẾT (TỪ 01/01/2024 ĐẾN 31/12/2024)", "II. TÌNH HÌNH HIỆU LỰC VÀ THỰC HIỆN",
                      "III. CÔNG TÁC QUẢN LÝ NHÀ NƯỚC", "IV. KIẾN NGHỊ, PHƯƠNG HƯỚNG NĂM TỚI"]
    assert any(p.startswith("[Phần này do cán bộ pháp lý soạn thảo") for p in paras)
    # level-2 headings numbered 1, 2, … within each section
    numbers, section = [], -1
    for p in doc.paragraphs:
        if p.style.name == "Heading 1":
            numbers.append([])
        elif p.style.name == "Heading 2" and numbers and len(numbers) <= 4:
            numbers[-1].append(int(p.text.split(".")[0]))
    for ns in numbers[:3]:
        assert ns == list(range(1, len(ns) + 1)), numbers

    # ---- overview: instruments per kind of action, bilateral vs multilateral
    types = {"acceded": ("acceded",), "entered_into_force": ("entered_into_force",),
             "amended": ("amended", "extended"), "suspended": ("suspended",),
             "terminated": ("terminated", "withdrawn", "denounced", "expired")}
    labels = {"signed": "Ký kết", "acceded": "Gia nhập", "entered_into_force": "Có hiệu lực",
              "amended": "Sửa đổi, bổ sung, gia hạn", "suspended": "Tạm đình chỉ thực hiện",
              "terminated": "Chấm dứt hiệu lực, rút khỏi"}
    exp = {}
    rows = q(db, "SELECT i.bilateral, COUNT(*) FROM instrument i WHERE i.family=:f AND i.record_state='confirmed' "
             f"AND i.signed_date BETWEEN :s AND :e{sec(include)} GROUP BY i.bilateral", f=family, s=START, e=END)
    b = {bool(k): n for k, n in rows}
    exp["Ký kết"] = (b.get(True, 0), b.get(False, 0), b.get(True, 0) + b.get(False, 0))
    for name, ts in types.items():
        names = ",".join(f"'{t}'" for t in ts)
        rows = q(db, "SELECT i.bilateral, COUNT(DISTINCT i.id) FROM instrument_event e JOIN instrument i "
                 f"ON i.id=e.instrument_id WHERE i.family=:f AND i.record_state='confirmed' AND e.type IN ({names}) "
                 f"AND e.date BETWEEN :s AND :e AND (e.party_code IS NULL OR e.party_code='VNM'){sec(include)} "
                 "GROUP BY i.bilateral", f=family, s=START, e=END)
        b = {bool(k): n for k, n in rows}
        exp[labels[name]] = (b.get(True, 0), b.get(False, 0), b.get(True, 0) + b.get(False, 0))
    assert counts(tabs["overview"]) == exp
    assert exp["Ký kết"][2] > 0 and exp["Chấm dứt hiệu lực, rút khỏi"][2] > 0

    # ---- signed per year (chart 1): DOCX alt text and the XLSX data sheet
    rows = q(db, "SELECT i.signed_date, i.bilateral FROM instrument i WHERE i.family=:f AND "
             f"i.record_state='confirmed' AND i.signed_date BETWEEN :s AND :e{sec(include)}",
             f=family, s=date(END.year - 9, 1, 1), e=END)
    per_year = {y: [0, 0] for y in range(END.year - 9, END.year + 1)}
    for sd, bil in rows:
        per_year[d(sd).year][0 if bil else 1] += 1
    descr = {dp.get("title"): dp.get("descr") for dp in doc.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")}
    assert descr["chart:per_year"] == "; ".join(f"{y}: {b_} song phương, {m} đa phương"
                                                for y, (b_, m) in per_year.items())
    assert [(r[1], r[2], r[3]) for r in sheets["chart:per_year"][1:]] == \
        [(str(y), b_, m) for y, (b_, m) in per_year.items()]
    partners = counts(tabs["by_partner"] + [["", "Tổng cộng", "0", "0", "0"]])
    top = sorted(partners.items(), key=lambda kv: (-kv[1][2], fold(kv[0])))[:10]
    assert descr["chart:top_partners"] == "; ".join(f"{k}: {v[0]} song phương, {v[1]} đa phương" for k, v in top)
    pngs = [p for p in doc.part.package.parts if p.partname.endswith(".png")]
    assert len(pngs) == 2
    from PIL import Image
    for p in pngs:
        im = Image.open(io.BytesIO(p.blob))
        assert im.info.get("dpi") and round(im.info["dpi"][0]) == 200

    # ---- II. implementation plans, implementing documents
    rows = q(db, "SELECT i.title, e.date, e.document_ref FROM instrument_event e JOIN instrument i ON "
             "i.id=e.instrument_id WHERE i.family=:f AND i.record_state='confirmed' AND e.type='implementation_plan' "
             f"AND e.date BETWEEN :s AND :e{sec(include)} ORDER BY e.date, e.id", f=family, s=START, e=END)
    got = [(r[1], r[3], r[4]) for r in body_rows(tabs.get("implementation_plans", [[]]))]
    assert got == [(t, format_dmy(d(dt)), ref or "") for t, dt, ref in rows]
    rows = q(db, "SELECT t.title, f.title, f.signed_date FROM instrument_relation r JOIN instrument f ON "
             "f.id=r.from_id JOIN instrument t ON t.id=r.to_id WHERE r.type='implements' AND t.family=:f AND "
             "t.record_state='confirmed' AND f.record_state='confirmed' AND f.signed_date BETWEEN :s AND :e"
             f"{sec(include, 't')}{sec(include, 'f')} ORDER BY f.signed_date, f.id", f=family, s=START, e=END)
    got = [tuple(r[1:4]) for r in body_rows(tabs.get("implementing_docs", [[]]))]
    assert got == [(a, b_, format_dmy(d(c))) for a, b_, c in rows]
    if family == "treaty":
        assert got, "test data must have an implementing document"

    # ---- overdue obligations: exactly the engine's, on the period end
    items = [x for x in engine_items(db, END, family, include) if x.overdue]
    got = [(r[1], r[2], r[4], int(r[5])) for r in body_rows(tabs["overdue"])]
    assert sorted(got) == sorted((x.description, x.title, format_dmy(x.due_date), x.days_overdue) for x in items)
    assert len(got) == len(items) > 0

    # ---- III. originals: the engine's rules fulfilled by original_received, triggers in the period
    orig_rules = {r.id for r in deadline_rules(family) if "original_received" in r.fulfilled_by}
    bil = dict(q(db, "SELECT id, bilateral FROM instrument"))
    exp_states = defaultdict(lambda: [0, 0])
    for x in engine_items(db, END, family, include):
        if x.rule_id in orig_rules and START <= x.trigger_date <= END:
            state = ("Nhận muộn" if x.late else "Nhận đúng hạn") if x.fulfilled else \
                "Chưa nhận, đã quá hạn" if x.overdue else "Chưa nhận, chưa đến hạn"
            exp_states[state][0 if bil[x.instrument_id] else 1] += 1
    got = counts(tabs["originals"])
    assert {k: v for k, v in got.items() if v[2]} == {k: (v[0], v[1], v[0] + v[1]) for k, v in exp_states.items()}
    received = dict(q(db, "SELECT i.title, MIN(e.date) FROM instrument_event e JOIN instrument i ON "
                          "i.id=e.instrument_id WHERE e.type='original_received' GROUP BY i.title"))
    for r in body_rows(tabs.get("originals_late", [[]])):
        assert r[4] == (format_dmy(d(received[r[1]])) if r[1] in received else "")
    if family == "treaty":
        assert got["Nhận đúng hạn"][2] >= 1 and got["Nhận muộn"][2] >= 1 and got["Chưa nhận, đã quá hạn"][2] >= 1

    # ---- publication and UN registration in the period
    exp = {}
    for typ, label in (("eif_notified", "Thông báo hiệu lực"), ("sao_luc", "Sao lục"),
                       ("published_cong_bao", "Đăng Công báo"), ("published_portal", "Đăng Cổng thông tin điện tử"),
                       ("un_registered", "Đăng ký tại Ban Thư ký Liên hợp quốc")):
        rows = q(db, "SELECT i.bilateral, COUNT(DISTINCT i.id) FROM instrument_event e JOIN instrument i ON "
                 "i.id=e.instrument_id WHERE i.family=:f AND i.record_state='confirmed' AND e.type=:t AND e.date "
                 f"BETWEEN :s AND :e AND (e.party_code IS NULL OR e.party_code='VNM'){sec(include)} "
                 "GROUP BY i.bilateral", f=family, t=typ, s=START, e=END)
        b = {bool(k): n for k, n in rows}
        exp[label] = (b.get(True, 0), b.get(False, 0), b.get(True, 0) + b.get(False, 0))
    assert counts(tabs["publication"]) == exp
    rows = q(db, "SELECT i.title, e.date, e.document_ref FROM instrument_event e JOIN instrument i ON "
             "i.id=e.instrument_id WHERE i.family=:f AND i.record_state='confirmed' AND e.type='un_registered' AND "
             f"e.date BETWEEN :s AND :e{sec(include)} ORDER BY e.date, e.id", f=family, s=START, e=END)
    got = [tuple(r[1:4]) for r in body_rows(tabs.get("list:un_registered", [[]]))]
    assert got == [(t, format_dmy(d(dt)), ref or "") for t, dt, ref in rows]

    # ---- statistics on the period end: in force by danh nghĩa / level, and by status
    insts = q(db, "SELECT i.id, i.bilateral, i.danh_nghia, i.signatory_level, i.signed_date FROM instrument i "
              f"WHERE i.family=:f AND i.record_state='confirmed'{sec(include)}", f=family)
    evs = events_by_instrument(db, family, include)
    by_level = defaultdict(lambda: [0, 0])
    by_status = defaultdict(lambda: [0, 0])
    if family == "treaty":
        for k in DANH_NGHIA:
            by_level[k]
    for iid, b_, dn, lvl, sd in insts:
        if not ((sd and d(sd) <= END) or any(dt <= END and pc in (None, "VNM") for _, dt, pc, _ in evs[iid])):
            continue
        st = vn_reference_status(db, iid, evs[iid], END)
        by_status[st.label_vi][0 if b_ else 1] += 1
        if st == Status.in_force:
            by_level[dn if family == "treaty" else SIGNATORY_LEVELS[lvl]][0 if b_ else 1] += 1
    assert counts(tabs["in_force_by_level"]) == {k: (v[0], v[1], sum(v)) for k, v in by_level.items()}
    assert {k: v for k, v in counts(tabs["by_status"]).items() if v[2]} == \
        {k: (v[0], v[1], sum(v)) for k, v in by_status.items()}
    assert tabs["by_status"][-1][1] == "Tổng cộng" and int(tabs["by_status"][-1][4]) == \
        sum(sum(v) for v in by_status.values())

    # ---- appendix: every instrument of the period, §2.7 columns
    rows = q(db, "SELECT DISTINCT i.id FROM instrument i LEFT JOIN instrument_event e ON e.instrument_id=i.id AND "
             "(e.party_code IS NULL OR e.party_code='VNM') AND e.date BETWEEN :s AND :e WHERE i.family=:f AND "
             f"i.record_state='confirmed'{sec(include)} AND (i.signed_date BETWEEN :s AND :e OR e.id IS NOT NULL)",
             f=family, s=START, e=END)
    period_ids = {r[0] for r in rows}
    app = tabs["appendix:register"]
    hdr = app[0]
    ids = [int(r[hdr.index("Mã hồ sơ")]) for r in app[1:]]
    assert set(ids) == period_ids and len(ids) == len(period_ids)
    first_dates = {}
    for iid in ids:
        sd = q(db, "SELECT signed_date FROM instrument WHERE id=:i", i=iid)[0][0]
        first_dates[iid] = d(sd) or min(dt for _, dt, _, _ in evs[iid])
    assert ids == sorted(ids, key=lambda i: (first_dates[i], i))
    assert [r[0] for r in app[1:]] == [str(i) for i in range(1, len(ids) + 1)]
    titles = dict(q(db, "SELECT id, title FROM instrument"))
    for r in app[1:]:
        iid = int(r[1])
        assert r[hdr.index("Tên văn kiện")] == titles[iid]
        eif = [dt for t, dt, pc, _ in evs[iid] if t == "entered_into_force" and dt <= END]
        vnm = [dt for t, dt, pc, _ in evs[iid] if t == "entered_into_force" and pc == "VNM" and dt <= END]
        assert r[hdr.index("Ngày có hiệu lực")] == format_dmy(min(vnm or eif) if (vnm or eif) else None)
    assert ("Độ mật" in hdr) is include
    # the XLSX register has the full §2.7 column set, real dates
    reg = sheets["register"]
    assert [row[1] for row in reg[1:]] == ids
    xhdr = reg[0]
    for col in ("Tên bằng tiếng nước ngoài", "Cơ quan đề xuất", "Hình thức đồng ý ràng buộc", "Ngày nhận bản chính/"
                "bản sao", "Ngày sao lục", "Số Công báo", "Số đăng ký LHQ", "Ngày kế hoạch thực hiện",
                "Văn bản thực hiện", "Tình trạng"):
        assert col in xhdr, col
    signed = dict(q(db, "SELECT id, signed_date FROM instrument"))
    for row in reg[1:]:
        assert row[xhdr.index("Ngày ký")] == d(signed[row[1]])

    # ---- classified: titles only when asked for; the mark = highest contributing classification
    all_text = "\n".join(paras + [c for rows_ in tabs.values() for r in rows_ for c in r])
    for (title,) in q(db, "SELECT title FROM instrument WHERE family=:f AND classification<>'none'", f=family):
        assert (title in all_text) is include
    top = q(db, "SELECT classification FROM instrument WHERE family=:f AND record_state='confirmed'", f=family)
    highest = max((r[0] for r in top), key=RANK.index) if include else "none"
    assert data.highest_classification == highest
    assert doc.core_properties.category == ({"mat": "MẬT", "toi_mat": "TỐI MẬT"}.get(highest) or "")


@pytest.mark.parametrize("family", ["treaty", "agreement"])
def test_annual_xlsx_annex_matches_docx(annual, family):
    from openpyxl import load_workbook

    data, doc, tabs, sheets, _, p_xlsx = annual(family, False)
    # every DOCX table (except the frame's and the landscape register, which has its own full sheet) is a sheet
    frame = {"header", "signature", "kinh_gui", "appendix:register"}
    assert set(tabs) - frame <= set(sheets), set(tabs) - frame - set(sheets)
    for key, rows in tabs.items():
        if key in frame:
            continue
        assert [[xl_text(v) for v in r] for r in sheets[key]] == rows, key
    wb = load_workbook(str(p_xlsx))
    assert wb.sheetnames[0] == "Mục lục"
    seen_date = False
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
        assert all((ws.column_dimensions[c.column_letter].width or 0) >= 6 for c in ws[1]), ws.title
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, datetime):
                    seen_date = True
                    assert c.number_format == "DD/MM/YYYY"
                assert not (isinstance(c.value, str) and re.fullmatch(r"\d{2}/\d{2}/\d{4}", c.value)), \
                    (ws.title, c.value)   # dates are never text
    assert seen_date
    assert wb.properties.title.startswith("Báo cáo tình hình ký kết và thực hiện")


def test_annual_partial_period_and_scope(db, tmp_path):
    with Session(db) as s:
        data = build_annual_data(s, "treaty", date(2024, 1, 1), date(2024, 6, 30))
        whole = build_annual_data(s, "treaty", date(2024, 1, 1), date(2024, 6, 30), appendix_scope="in_force")
    assert data.period_text == "từ ngày 01/01/2024 đến ngày 30/06/2024"
    rows = q(db, "SELECT COUNT(*) FROM instrument WHERE family='treaty' AND record_state='confirmed' AND "
             "classification='none' AND signed_date BETWEEN '2024-01-01' AND '2024-06-30'")
    assert data.total_signed == rows[0][0]
    assert [r.label for r in data.signed_per_year] == [str(y) for y in range(2015, 2025)]
    in_force = {iid for iid in whole.register_ids} - set(data.register_ids)
    assert in_force and all(whole.register[whole.register_ids.index(i)]["status"] == "Đang có hiệu lực"
                            for i in in_force)
    out = render_annual_docx(data, tmp_path / "h1.docx", settings=SETTINGS, appendix=False, charts=False)
    doc = Document(str(out))
    assert len(doc.sections) == 1 and "appendix:register" not in tables(doc)
    assert table_caption(doc.tables[-1]) == "signature"


# ================================================================ in force
def test_in_force_grouping_and_order(db, tmp_path):
    from reports.in_force import build_in_force, render_in_force_docx, render_in_force_xlsx
    from reports.xlsx import read_sheets

    as_of = date(2024, 12, 31)
    for include in (False, True):
        with Session(db) as s:
            data = build_in_force(s, as_of, include_classified=include)
        docx = render_in_force_docx(data, tmp_path / f"if-{include}.docx", settings=SETTINGS)
        xlsx = render_in_force_xlsx(data, tmp_path / f"if-{include}.xlsx")
        tabs, sheets = tables(Document(str(docx))), read_sheets(xlsx)
        insts = q(db, "SELECT i.id, i.family, i.bilateral, i.title, i.signed_date, i.signed_place, i.field "
                  f"FROM instrument i WHERE i.record_state='confirmed'{sec(include)}")
        evs = events_by_instrument(db, None, include)
        parties = defaultdict(list)
        for iid, code in q(db, "SELECT instrument_id, code FROM instrument_party WHERE code <> 'VNM' "
                               "ORDER BY instrument_id, position"):
            parties[iid].append(code)
        for fam in ("treaty", "agreement"):
            exp_bil, exp_multi = defaultdict(list), defaultdict(list)
            for iid, f, bil, title, sd, place, fld in insts:
                if f != fam or vn_reference_status(db, iid, evs[iid], as_of) != Status.in_force:
                    continue
                own = [dt for t, dt, pc, _ in evs[iid] if t == "entered_into_force" and pc == "VNM"]
                eif = min(own) if own else min(dt for t, dt, pc, _ in evs[iid]
                                               if t == "entered_into_force" and pc is None)
                entry = (d(sd) or eif, fold(title), [title, format_dmy(d(sd)), place or "", format_dmy(eif)])
                if bil:
                    for code in dict.fromkeys(parties[iid]):
                        exp_bil[short_name_vi(code)].append(entry)
                else:
                    exp_multi[(fld or "").strip() or "Lĩnh vực khác"].append(entry)

            def expected(groups, last):
                labels = sorted(groups, key=lambda g: (g == last, fold(g), g))
                return [(g, [[str(i)] + e[2] for i, e in enumerate(sorted(groups[g], key=lambda x: x[:2]), 1)])
                        for g in labels]

            got_b = groups_of(tabs[f"in_force:{fam}:bilateral"]) if exp_bil else []
            got_m = groups_of(tabs[f"in_force:{fam}:multilateral"]) if exp_multi else []
            assert got_b == expected(exp_bil, "Đối tác chưa xác định")
            assert got_m == expected(exp_multi, "Lĩnh vực khác")
            labels = [g for g, _ in got_b]
            assert labels == sorted(labels, key=lambda g: (fold(g), g))
            # XLSX: the same rows, the group as the first column, dates as dates
            if exp_bil:
                xs = sheets[f"in_force:{fam}:bilateral"]
                assert xs[0][:2] == ["Đối tác", "STT"]
                assert [[xl_text(v) for v in r[1:]] for r in xs[1:]] == [r for _, rows in got_b for r in rows]
                assert [r[0] for r in xs[1:]] == [g for g, rows in got_b for _ in rows]
        # the ASEAN framework agreement: in force since 2018 as a whole, for Viet Nam only from 01/03/2020
        with Session(db) as s:
            d2019 = build_in_force(s, date(2019, 6, 1), include_classified=include)
        assert db.ids["T11"] not in d2019.instrument_ids()
        assert db.ids["T11"] in data.instrument_ids()
        classified = {r[0] for r in q(db, "SELECT id FROM instrument WHERE classification<>'none'")}
        assert bool(classified & set(data.instrument_ids())) is include
        assert (data.highest_classification != "none") is include
    # terminated (T4), suspended (T7), not yet in force (T2), draft (T8): not listed
    ids = set(data.instrument_ids())
    assert not ids & {db.ids[k] for k in ("T2", "T4", "T7", "T9")}


# ================================================================ deadlines
def test_deadline_report_lists_exactly_the_engine_items(db, tmp_path):
    from reports.deadlines_report import build_deadlines, render_deadlines_docx, render_deadlines_xlsx
    from reports.xlsx import read_sheets

    as_of = date(2024, 9, 12)
    for include in (False, True):
        with Session(db) as s:
            data = build_deadlines(s, as_of, upcoming_days=30, include_classified=include)
        path = render_deadlines_docx(data, tmp_path / f"dl-{include}.docx", settings=SETTINGS)
        tabs = tables(Document(str(path)))
        overdue = engine_items(db, as_of, None, include, overdue=True)
        upcoming = [x for x in engine_items(db, as_of, None, include, upcoming_days=30) if not x.overdue]
        assert overdue and upcoming

        def rows_of(key):
            out = []
            for agency, rows in groups_of(tabs[key]):
                out += [(agency, r[1], r[2], r[4], int(r[5])) for r in rows]
            return out

        got = rows_of("deadlines:overdue")
        exp = [(x.agency or "Chưa xác định cơ quan", x.description, x.title, format_dmy(x.due_date),
                x.days_overdue) for x in overdue]
        assert sorted(got) == sorted(exp) and len(got) == len(exp)
        got = rows_of("deadlines:upcoming")
        exp = [(x.agency or "Chưa xác định cơ quan", x.description, x.title, format_dmy(x.due_date), x.days_left)
               for x in upcoming]
        assert sorted(got) == sorted(exp)
        agencies = [g for g, _ in groups_of(tabs["deadlines:overdue"])]
        assert agencies == sorted(agencies, key=lambda a: (a == "Chưa xác định cơ quan", fold(a), a))
        per_agency = {r[1]: (int(r[2]), int(r[3])) for r in tabs["deadlines:by_agency"][1:-1]}
        for a, _ in groups_of(tabs["deadlines:overdue"]):
            assert per_agency[a][0] == sum(1 for x in overdue if (x.agency or "Chưa xác định cơ quan") == a)
        titles = {r[0] for r in q(db, "SELECT title FROM instrument WHERE classification<>'none'")}
        listed = {r[2] for r in body_rows(tabs["deadlines:overdue"])}
        assert bool(titles & listed) is include
    xs = read_sheets(render_deadlines_xlsx(data, tmp_path / "dl.xlsx"))
    assert len(xs["deadlines:overdue"]) - 1 == len(overdue)


# ================================================================ agencies' own reports
def test_agency_reports_summary(db, tmp_path):
    from reports.agency_reports import build_agency_reports, render_agency_reports_docx

    for family, year in (("treaty", 2024), ("agreement", 2024), ("treaty", 2025)):
        with Session(db) as s:
            data = build_agency_reports(s, year, family)
        tabs = tables(Document(str(render_agency_reports_docx(data, tmp_path / f"ar-{family}-{year}.docx",
                                                              settings=SETTINGS))))
        due = date(year, 11, 15)
        col = "COALESCE(i.vn_agency_id, i.proposing_agency_id)" if family == "agreement" else "i.proposing_agency_id"
        agencies = dict(q(db, "SELECT id, name FROM agency"))
        succ = dict(q(db, "SELECT predecessor_id, successor_id FROM agency_succession"))
        valid_to = {k: d(v) for k, v in q(db, "SELECT id, valid_to FROM agency")}

        def resp(aid):
            while valid_to.get(aid) and valid_to[aid] < due and aid in succ:
                aid = succ[aid]
            return aid
        having = defaultdict(int)
        for (aid,) in q(db, f"SELECT {col} FROM instrument i WHERE i.family=:f AND i.record_state='confirmed' AND "
                        f"i.classification='none' AND {col} IS NOT NULL AND i.signed_date <= :due",
                        f=family, due=due):
            having[resp(aid)] += 1
        reps = {resp(a): r for a, r in q(db, "SELECT agency_id, received_date FROM agency_report WHERE family=:f AND "
                                             "year=:y", f=family, y=year)}
        exp_on = sorted(agencies[a] for a, r in reps.items() if r and d(r) <= due)
        exp_late = sorted(agencies[a] for a, r in reps.items() if r and d(r) > due)
        exp_missing = sorted([agencies[a] for a in having if a not in reps] +
                             [agencies[a] for a, r in reps.items() if not r])
        got = {k: sorted(r[1] for r in tabs[f"agency_reports:{k}"][1:]) if f"agency_reports:{k}" in tabs else []
               for k in ("on_time", "late", "missing")}
        assert got == {"on_time": exp_on, "late": exp_late, "missing": exp_missing}, (family, year)
        summary = {r[1]: int(r[2]) for r in tabs["agency_reports:summary"][1:]}
        assert summary == {"Gửi đúng hạn": len(exp_on), "Gửi muộn": len(exp_late), "Chưa gửi": len(exp_missing),
                           "Tổng cộng": len(exp_on) + len(exp_late) + len(exp_missing)}
        if family == "treaty" and year == 2024:
            assert "Bộ Tư pháp" in exp_late and "Bộ Giáo dục và Đào tạo" in exp_missing
            assert "Bộ Tài chính" in exp_missing and "Bộ Kế hoạch và Đầu tư" in exp_missing
            late = {r[1]: int(r[4]) for r in tabs["agency_reports:late"][1:]}
            assert late["Bộ Tư pháp"] == 5
        if family == "treaty" and year == 2025:      # the ministry merged in 2025 answers through its successor
            assert "Bộ Kế hoạch và Đầu tư" not in exp_missing and "Bộ Tài chính" in exp_missing


# ================================================================ PDF (LibreOffice)
@pytest.mark.slow
def test_pdf_with_appendix_page_count(db, tmp_path):
    """format=pdf through reports.service (DOCX → LibreOffice): the report with its appendix is >= 2 pages."""
    from reports.preview import find_soffice, pdf_page_count
    from reports.service import ReportParams, render_report

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    with Session(db) as s:
        res = render_report(s, ReportParams(kind="annual", family="treaty", year=2024, format="pdf",
                                            include_classified=True), tmp_path / "bc.pdf", settings=SETTINGS)
    pdf = res.path
    assert pdf.read_bytes()[:5] == b"%PDF-" and res.classification == "mat"
    n = pdf_page_count(pdf)
    assert n >= 2
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        w0, h0 = doc[0].get_size()
        wl, hl = doc[n - 1].get_size()
    finally:
        doc.close()
    assert h0 > w0 and wl > hl           # portrait report, landscape appendix


# ================================================================ API
def _seed_api(client, auth) -> dict[str, int]:
    base = {"family": "treaty", "instrument_type": "hiệp định", "danh_nghia": "Chính phủ", "publish": True}
    ids = {}
    for key, title, cls, partner in (("open", "Hiệp định hợp tác văn hóa Việt Nam - Lào", "none", "Lào"),
                                     ("secret", "Hiệp định hợp tác an ninh Việt Nam - Cu-ba", "mat", "Cu-ba")):
        body = {**base, "title": title, "classification": cls, "parties": [{"name": "Việt Nam"}, {"name": partner}],
                "signed_date": "2024-05-05", "events": [{"type": "entered_into_force", "date": "2024-06-01"}]}
        r = client.post("/api/instruments", json=body, headers=auth)
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    return ids


def _app_client(client):
    if not any(getattr(r, "path", "").startswith("/api/reports") for r in client.app.routes):
        from reports.router import router
        client.app.include_router(router)
    return client


def test_api_reports(client, auth, env):
    client = _app_client(client)
    _seed_api(client, auth)
    body = {"kind": "annual", "family": "treaty", "year": 2024, "format": "docx"}
    assert client.post("/api/reports", json=body).status_code == 401
    assert client.post("/api/reports", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/api/reports/1").status_code == 401
    assert client.get("/api/reports/1/download").status_code == 401

    r = client.post("/api/reports", json=body, headers=auth)
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["kind"] == "annual" and meta["format"] == "docx" and meta["classification"] == "none"
    assert meta["download_url"] == f"/api/reports/{meta['id']}/download"
    dl = client.get(meta["download_url"], headers=auth)
    assert dl.status_code == 200
    assert dl.headers["content-type"] == ("application/vnd.openxmlformats-officedocument."
                                          "wordprocessingml.document")
    assert hashlib.sha256(dl.content).hexdigest() == meta["sha256"] and len(dl.content) == meta["size"]
    assert 'filename="annual-treaty-2024.docx"' in dl.headers["content-disposition"]
    assert client.get(f"/api/reports/{meta['id']}", headers=auth).json() == meta
    stored = list((env / "reports").rglob("*.docx"))
    assert len(stored) == 1 and hashlib.sha256(stored[0].read_bytes()).hexdigest() == meta["sha256"]
    text_open = "\n".join(c.text for t in Document(io.BytesIO(dl.content)).tables for row in t.rows
                          for c in row.cells)
    assert "Cu-ba" not in text_open and "Hiệp định hợp tác văn hóa Việt Nam - Lào" in text_open

    # classified only when include_classified is the JSON value true
    for bad in ("true", 1, "yes"):
        r = client.post("/api/reports", json={**body, "include_classified": bad}, headers=auth)
        assert r.status_code == 422, bad
    r = client.post("/api/reports", json={**body, "include_classified": True}, headers=auth)
    assert r.status_code == 201, r.text
    secret = r.json()
    assert secret["classification"] == "mat"
    dl = client.get(secret["download_url"], headers=auth)
    assert hashlib.sha256(dl.content).hexdigest() == secret["sha256"]
    assert dl.headers.get("x-classification") == "mat"
    doc = Document(io.BytesIO(dl.content))
    assert "Hiệp định hợp tác an ninh Việt Nam - Cu-ba" in "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "MẬT" in doc.tables[0].rows[1].cells[0].text

    # other kinds and formats
    for req, media in (({"kind": "in_force", "as_of": "2025-01-01", "format": "xlsx"},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                       ({"kind": "deadlines", "as_of": "2024-07-01"}, None),
                       ({"kind": "agency_reports", "family": "treaty", "year": 2024}, None),
                       ({"kind": "annual", "family": "treaty", "from": "2024-01-01", "to": "2024-06-30",
                         "format": "xlsx"}, None)):
        r = client.post("/api/reports", json=req, headers=auth)
        assert r.status_code == 201, (req, r.text)
        m = r.json()
        dl = client.get(m["download_url"], headers=auth)
        assert hashlib.sha256(dl.content).hexdigest() == m["sha256"]
        if media:
            assert dl.headers["content-type"] == media
    for bad in ({"kind": "annual", "family": "treaty"}, {"kind": "annual", "year": 2024},
                {"kind": "annual", "family": "treaty", "from": "2024-06-01", "to": "2024-01-01"},
                {"kind": "agency_reports", "family": "treaty"}, {"kind": "nope"}):
        assert client.post("/api/reports", json=bad, headers=auth).status_code == 422, bad
    assert client.get("/api/reports/999999", headers=auth).status_code == 404
    listing = client.get("/api/reports", headers=auth).json()
    assert listing["count"] == 6 and listing["data"][0]["kind"] == "annual"


# ================================================================ CLI
def test_cli_report_commands(env, session, tmp_path):
    from typer.testing import CliRunner

    from app.cli_reports import report_cli

    for title, partner, cls in (("Hiệp định hợp tác y tế Việt Nam - Lào", "Lào", "none"),
                                ("Hiệp định hợp tác an ninh Việt Nam - Cu-ba", "Cu-ba", "mat")):
        create_instrument(session, InstrumentCreate(
            family="treaty", title=title, instrument_type="hiệp định", danh_nghia="Chính phủ",
            classification=cls, parties=[VN, PartyIn(name=partner)], signed_date=date(2024, 5, 5),
            events=[E("entered_into_force", date(2024, 6, 1))]), actor="test")
    runner = CliRunner()

    def run(*args):
        res = runner.invoke(report_cli, list(args))
        assert res.exit_code == 0, (args, res.output, res.exception)
        return json.loads(res.stdout.strip().splitlines()[-1])

    out = run("annual", "--family", "treaty", "--year", "2024", "--format", "docx", "--out",
              str(tmp_path / "a.docx"))
    assert out["classification"] == "none" and Path(out["path"]).stat().st_size == out["size"]
    assert hashlib.sha256(Path(out["path"]).read_bytes()).hexdigest() == out["sha256"]
    out = run("annual", "--family", "treaty", "--from", "2024-01-01", "--to", "2024-12-31", "--out",
              str(tmp_path / "a.xlsx"), "--include-classified")
    assert out["format"] == "xlsx" and out["classification"] == "mat"
    out = run("in-force", "--as-of", "2025-01-01", "--out", str(tmp_path / "tif.docx"))
    tabs = tables(Document(out["path"]))
    assert [g for g, _ in groups_of(tabs["in_force:treaty:bilateral"])] == ["Lào"]
    out = run("in-force", "--as-of", "2025-01-01", "--out", str(tmp_path / "tif.xlsx"), "--format", "xlsx")
    assert out["kind"] == "in_force"
    run("deadlines", "--as-of", "2024-07-01", "--out", str(tmp_path / "dl.docx"))
    run("agency-reports", "--year", "2024", "--family", "treaty", "--out", str(tmp_path / "ar.docx"))
    for args in (["annual", "--family", "treaty", "--out", str(tmp_path / "x.docx")],
                 ["annual", "--family", "treaty", "--year", "2024", "--out", str(tmp_path / "x.doc")],
                 ["annual", "--family", "treaty", "--from", "2024-13-01", "--to", "2024-12-31", "--out",
                  str(tmp_path / "x.docx")],
                 ["annual", "--family", "treaty", "--from", "2024-06-01", "--to", "2024-01-01", "--out",
                  str(tmp_path / "x.docx")]):
        res = runner.invoke(report_cli, args)
        assert res.exit_code == 2, (args, res.output)
