"""Annual report: Decree 30/2020 frame and every figure checked against independent SQL on the database."""
from __future__ import annotations

import re
import time
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from sqlalchemy import text
from sqlmodel import Session

import agreements.rules  # noqa: F401  (registers the family rules)
import treaties.rules  # noqa: F401
from core.db import make_engine, migrate
from core.enums import SIGNATORY_LEVELS
from core.schemas import EventIn, InstrumentCreate, PartyIn
from core.service import add_event, create_instrument
from core.settings import Settings
from reports.annual import build_annual_data, render_annual_docx
from reports.config import load_config
from reports.docx_frame import (FrameSettings, format_date_vi, format_number_line, format_place_date,
                                table_caption)

START, END = date(2024, 1, 1), date(2024, 12, 31)
TNR = "Times New Roman"
ENDING = ("terminated", "withdrawn", "denounced", "expired")
SETTINGS = Settings(report_signer_name="Nguyễn Văn A", report_symbol="BC-BNG")


def P(name: str, code: str) -> PartyIn:
    return PartyIn(name=name, code=code)


def E(t: str, d: date) -> EventIn:
    return EventIn(type=t, date=d)


VN = P("Việt Nam", "VNM")
RECORDS = [
    # treaties
    dict(family="treaty", title="Hiệp định thương mại giữa Chính phủ Việt Nam và Chính phủ Cộng hòa Pháp",
         instrument_type="Hiệp định", danh_nghia="Chính phủ", field="Thương mại", parties=[VN, P("Pháp", "FRA")],
         signed_date=date(2024, 3, 6), events=[E("entered_into_force", date(2024, 9, 1))]),
    dict(family="treaty", title="Hiệp định về dẫn độ giữa nước CHXHCN Việt Nam và Nhật Bản",
         instrument_type="Hiệp định", danh_nghia="Nhà nước", field="Tư pháp", parties=[VN, P("Nhật Bản", "JPN")],
         signed_date=date(2024, 1, 5), events=[E("entered_into_force", date(2025, 2, 1))]),
    dict(family="treaty", title="Công ước đa phương về hợp tác hải quan & <thuận lợi hóa> thương mại",
         instrument_type="Công ước", danh_nghia="Nhà nước", field="Hải quan", bilateral=False,
         parties=[VN, P("Pháp", "FRA"), P("Nhật Bản", "JPN"), P("Đức", "DEU")], signed_date=date(2024, 6, 10)),
    dict(family="treaty", title="Hiệp định hợp tác giáo dục Việt Nam - Lào", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Giáo dục", parties=[VN, P("Lào", "LAO")], signed_date=date(2023, 5, 10),
         events=[E("entered_into_force", date(2023, 12, 1))], later=[E("terminated", date(2024, 11, 30))]),
    dict(family="treaty", title="Hiệp định hợp tác quốc phòng Việt Nam - Trung Quốc", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Quốc phòng", parties=[VN, P("Trung Quốc", "CHN")], classification="mat",
         signed_date=date(2024, 8, 15), events=[E("entered_into_force", date(2024, 10, 1))]),
    dict(family="treaty", title="Công ước về quyền của người khuyết tật", instrument_type="Công ước",
         danh_nghia="Nhà nước", field="Xã hội", bilateral=False, parties=[P("Liên hợp quốc", "UN")],
         events=[E("acceded", date(2024, 4, 20)), E("entered_into_force", date(2024, 7, 20))]),
    dict(family="treaty", title="Hiệp định chưa được xác nhận với Ô-xtrây-li-a", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", parties=[VN, P("Ô-xtrây-li-a", "AUS")], signed_date=date(2024, 7, 7),
         record_state="draft"),
    dict(family="treaty", title="Hiệp định vận tải hàng không Việt Nam - Hàn Quốc", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Giao thông", parties=[VN, P("Hàn Quốc", "KOR")],
         signed_date=date(2022, 2, 2), events=[E("entered_into_force", date(2022, 6, 1))],
         later=[E("amended", date(2024, 5, 5)), E("suspended", date(2024, 7, 1))]),
    dict(family="treaty", title="Hiệp định khuyến khích đầu tư Việt Nam - Pháp", instrument_type="hiệp định",
         danh_nghia="Chính phủ", parties=[VN, P("Pháp", "FRA")], signed_date=date(2024, 12, 31)),
    dict(family="treaty", title="Hiệp định lao động Việt Nam - Đức", instrument_type="Hiệp định",
         danh_nghia="Chính phủ", field="Lao động", parties=[VN, P("Đức", "DEU")], signed_date=date(2025, 1, 1)),
    # agreements
    dict(family="agreement", title="Bản ghi nhớ hợp tác văn hóa với Bộ Văn hóa Hàn Quốc",
         instrument_type="Bản ghi nhớ", signatory_level="bo", vn_agency="Bộ Văn hóa, Thể thao và Du lịch",
         field="Văn hóa", parties=[P("Hàn Quốc", "KOR")], signed_date=date(2024, 2, 14),
         events=[E("entered_into_force", date(2024, 2, 14))]),
    dict(family="agreement", title="Thỏa thuận hợp tác giữa UBND tỉnh Điện Biên và tỉnh Phông-xa-lỳ",
         instrument_type="Thỏa thuận", signatory_level="tinh", vn_agency="UBND tỉnh Điện Biên", field="Biên giới",
         parties=[P("Lào", "LAO")], signed_date=date(2024, 9, 9)),
    dict(family="agreement", title="Bản ghi nhớ về trao đổi thông tin an ninh", instrument_type="Bản ghi nhớ",
         signatory_level="bo", vn_agency="Bộ Công an", field="An ninh", parties=[P("Nhật Bản", "JPN")],
         classification="toi_mat", signed_date=date(2024, 3, 3)),
    dict(family="agreement", title="Thỏa thuận khung đa phương về phòng chống thiên tai",
         instrument_type="Thỏa thuận", signatory_level="bo", vn_agency="Bộ Nông nghiệp và Môi trường",
         field="Môi trường", bilateral=False, parties=[P("Hàn Quốc", "KOR"), P("Nhật Bản", "JPN")],
         signed_date=date(2023, 10, 10), events=[E("entered_into_force", date(2023, 10, 10))],
         later=[E("expired", date(2024, 10, 10))]),
    dict(family="agreement", title="Bản ghi nhớ hợp tác thống kê với Cơ quan Thống kê Pháp",
         instrument_type="Bản ghi nhớ", signatory_level="cuc", vn_agency="Cục Thống kê", field="Thống kê",
         parties=[P("Pháp", "FRA")], signed_date=date(2024, 11, 11)),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("annual") / "t.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine=engine)
    with Session(engine) as s:
        for rec in RECORDS:
            rec = dict(rec)
            later = rec.pop("later", [])
            state = rec.pop("record_state", "confirmed")
            inst = create_instrument(s, InstrumentCreate(**rec), actor="test", record_state=state)
            for ev in later:
                add_event(s, inst.id, ev, actor="test")
    yield engine
    engine.dispose()


# ---------------------------------------------------------------- independent SQL
def q(engine, sql: str, **kw):
    with engine.connect() as c:
        return c.execute(text(sql), kw).all()


def sec_clause(include: bool) -> str:
    return "" if include else " AND i.classification = 'none'"


def expected_by(engine, family: str, column: str, include: bool) -> dict[tuple, int]:
    rows = q(engine, f"SELECT i.{column}, i.bilateral, COUNT(*) FROM instrument i WHERE i.family=:f "
             f"AND i.record_state='confirmed' AND i.signed_date BETWEEN :s AND :e{sec_clause(include)} "
             f"GROUP BY i.{column}, i.bilateral", f=family, s=START, e=END)
    return {(r[0], bool(r[1])): r[2] for r in rows}


def expected_partners(engine, family: str, include: bool) -> dict[tuple, int]:
    rows = q(engine, "SELECT p.code, i.bilateral, COUNT(DISTINCT i.id) FROM instrument_party p "
             "JOIN instrument i ON i.id = p.instrument_id WHERE i.family=:f AND i.record_state='confirmed' "
             f"AND i.signed_date BETWEEN :s AND :e AND p.code <> 'VNM'{sec_clause(include)} "
             "GROUP BY p.code, i.bilateral", f=family, s=START, e=END)
    return {(r[0], bool(r[1])): r[2] for r in rows}


def expected_event_list(engine, family: str, types: tuple[str, ...], include: bool) -> list[tuple[str, str]]:
    names = ",".join(f"'{t}'" for t in types)
    rows = q(engine, "SELECT i.title, e.date FROM instrument_event e JOIN instrument i ON i.id = e.instrument_id "
             f"WHERE i.family=:f AND i.record_state='confirmed' AND e.type IN ({names}) "
             f"AND e.date BETWEEN :s AND :e AND (e.party_code IS NULL OR e.party_code='VNM'){sec_clause(include)} "
             "ORDER BY e.date, e.id", f=family, s=START, e=END)
    return [(r[0], date.fromisoformat(str(r[1])).strftime("%d/%m/%Y")) for r in rows]


def expected_signed(engine, family: str, include: bool) -> list[tuple[str, str]]:
    rows = q(engine, "SELECT i.title, i.signed_date FROM instrument i WHERE i.family=:f "
             f"AND i.record_state='confirmed' AND i.signed_date BETWEEN :s AND :e{sec_clause(include)} "
             "ORDER BY i.signed_date, i.id", f=family, s=START, e=END)
    return [(r[0], date.fromisoformat(str(r[1])).strftime("%d/%m/%Y")) for r in rows]


# ---------------------------------------------------------------- reading the DOCX back
def tables_by_caption(doc) -> dict[str, list[list[str]]]:
    out = {}
    for t in doc.tables:
        cap = table_caption(t)
        if cap:
            out[cap] = [[c.text for c in r.cells] for r in t.rows]
    return out


def count_table(rows: list[list[str]], total_row: bool = True) -> dict[str, tuple[int, int, int]]:
    """label → (bilateral, multilateral, total); checks the header, the numbering and the total row."""
    assert rows[0] == [rows[0][0], rows[0][1], "Song phương", "Đa phương", "Tổng số"]
    if not total_row:
        rows = rows + [["", "Tổng cộng", *(str(sum(int(r[k]) for r in rows[1:])) for k in (2, 3, 4))]]
    body, total = rows[1:-1], rows[-1]
    out = {}
    for i, r in enumerate(body, start=1):
        assert r[0] == str(i)
        b, m, t = int(r[2]), int(r[3]), int(r[4])
        assert b + m == t
        out[r[1]] = (b, m, t)
    assert total[1] == "Tổng cộng"
    assert [int(x) for x in total[2:]] == [sum(v[k] for v in out.values()) for k in range(3)]
    return out


def render(engine, family: str, include: bool, tmp_path: Path, **kw):
    t0 = time.perf_counter()
    with Session(engine) as s:
        data = build_annual_data(s, family, START, END, include_classified=include)
    out = render_annual_docx(data, tmp_path / f"{family}-{include}.docx", settings=SETTINGS, number=5,
                             issued=date(2025, 1, 5), **kw)
    elapsed = time.perf_counter() - t0
    print(f"\n[annual {family} include_classified={include}] build {data.build_seconds*1000:.1f} ms, "
          f"build+render {elapsed*1000:.1f} ms")
    return data, out, Document(str(out))


# ---------------------------------------------------------------- format helpers
def test_date_and_number_formats():
    assert format_date_vi(date(2020, 1, 5)) == "ngày 05 tháng 01 năm 2020"
    assert format_date_vi(date(2024, 2, 29)) == "ngày 29 tháng 02 năm 2024"
    assert format_date_vi(date(2024, 3, 6)) == "ngày 06 tháng 3 năm 2024"
    assert format_date_vi(date(2024, 12, 10)) == "ngày 10 tháng 12 năm 2024"
    assert format_place_date("Hà Nội", date(2020, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2020"
    assert format_number_line(5, "BC-BNG") == "Số: 05/BC-BNG"
    assert format_number_line(123, "bc - bng") == "Số: 123/BC-BNG"
    assert format_number_line(None, "BC-BNG").endswith("/BC-BNG")


def test_config_is_data_and_overridable(tmp_path):
    cfg = load_config()
    assert cfg["sections"]["signing"]["heading"].startswith("I. ")
    user = tmp_path / "my.yaml"
    user.write_text("recipients: ['Văn phòng Chủ tịch nước']\nsections:\n  signing:\n    heading: 'I. KÝ KẾT'\n",
                    encoding="utf-8")
    cfg2 = load_config(user)
    assert cfg2["recipients"] == ["Văn phòng Chủ tịch nước"]
    assert cfg2["sections"]["signing"]["heading"] == "I. KÝ KẾT"
    assert cfg2["sections"]["signing"]["tables"] == cfg["sections"]["signing"]["tables"]  # merged, not replaced
    bad = tmp_path / "bad.yaml"
    bad.write_text("sections:\n  lists:\n    lists:\n      signed:\n        columns: [{key: nope, header: X}]\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="nope"):
        load_config(bad)


# ---------------------------------------------------------------- the frame
@pytest.mark.parametrize("family", ["treaty", "agreement"])
def test_frame_decree30(db, family, tmp_path):
    data, out, doc = render(db, family, False, tmp_path)
    sec = doc.sections[0]
    assert abs(sec.page_width - Mm(210)) < Mm(0.5) and abs(sec.page_height - Mm(297)) < Mm(0.5)
    for name, mm in (("top_margin", 20), ("bottom_margin", 20), ("left_margin", 30), ("right_margin", 15)):
        assert abs(getattr(sec, name) - Mm(mm)) < Mm(0.1), name

    # Times New Roman on every run and in every style; no theme font attributes anywhere
    with zipfile.ZipFile(out) as z:
        xml = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
    for name in ("word/styles.xml", "word/document.xml"):
        assert not re.search(r"(asciiTheme|hAnsiTheme|eastAsiaTheme|cstheme)=", xml[name]), name
    for name, body in xml.items():
        if name.startswith("word/header") or name == "word/document.xml":
            assert not re.search(r"Theme=", body), name
    styles = doc.styles.element
    dd = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rf = dd.find(qn("w:rFonts"))
    assert all(rf.get(qn(a)) == TNR for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"))
    assert dd.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    n_styles = 0
    for st in styles.findall(qn("w:style")):
        if st.get(qn("w:type")) in ("paragraph", "character", "table"):
            n_styles += 1
            rf = st.find(qn("w:rPr")).find(qn("w:rFonts"))
            assert all(rf.get(qn(a)) == TNR for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")), \
                st.get(qn("w:styleId"))
    assert n_styles > 10
    runs = list(doc.element.body.iter(qn("w:r")))
    for s in doc.sections:
        runs += list(s.header._element.iter(qn("w:r")))
    assert len(runs) > 50
    for r in runs:
        rf = r.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert all(rf.get(qn(a)) == TNR for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"))
    assert "Times New Roman" in xml["word/theme/theme1.xml"]
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 14 and normal.paragraph_format.first_line_indent == Mm(12.7)
    assert normal.paragraph_format.space_after.pt == 6 and 1.0 <= normal.paragraph_format.line_spacing <= 1.5
    assert normal.paragraph_format.alignment == 3  # JUSTIFY

    # header block
    tabs = tables_by_caption(doc)
    hdr = tabs["header"]
    left, right = hdr[0][0].split("\n"), hdr[0][1].split("\n")
    assert left[0] == "BỘ NGOẠI GIAO"
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert hdr[1][0].split("\n")[0] == "Số: 05/BC-BNG"
    assert hdr[1][1] == "Hà Nội, ngày 05 tháng 01 năm 2025"
    assert re.fullmatch(r"[^,]+, ngày \d{2} tháng (0[12]|[3-9]|1[0-2]) năm \d{4}", hdr[1][1])
    cell_runs = {r.text: r for p in doc.tables[0].cell(0, 0).paragraphs for r in p.runs}
    assert cell_runs["BỘ NGOẠI GIAO"].bold and cell_runs["BỘ NGOẠI GIAO"].font.size.pt == 13
    date_run = doc.tables[0].cell(1, 1).paragraphs[0].runs[0]
    assert date_run.italic and date_run.font.size.pt == 14
    assert "MẬT" not in hdr[1][0]

    # title and trích yếu
    noun = "điều ước quốc tế" if family == "treaty" else "thỏa thuận quốc tế"
    paras = [p.text for p in doc.paragraphs]
    i = paras.index("BÁO CÁO")
    assert paras[i + 1] == f"Tình hình ký kết và thực hiện {noun} năm 2024"
    assert doc.core_properties.title == f"Báo cáo tình hình ký kết và thực hiện {noun} năm 2024"
    assert any(p == "I. TÌNH HÌNH KÝ KẾT (TỪ 01/01/2024 ĐẾN 31/12/2024)" for p in paras)
    assert "II. TÌNH HÌNH HIỆU LỰC VÀ THỰC HIỆN" in paras
    h1 = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 and all(p.text == p.text.upper() for p in h1)

    # signature and Nơi nhận
    sig = tabs["signature"]
    recip = sig[0][0].split("\n")
    assert recip[0] == "Nơi nhận:"
    assert recip[1] == "- Thủ tướng Chính phủ (để b/c);"
    assert all(r.startswith("- ") and r.endswith(";") for r in recip[1:-1])
    assert recip[-1] == "- Lưu: VT, LPQT."
    nn = doc.tables[-1].cell(0, 0).paragraphs[0].runs[0]
    assert nn.bold and nn.italic and nn.font.size.pt == 12
    assert all(p.runs[0].font.size.pt == 11 for p in doc.tables[-1].cell(0, 0).paragraphs[1:])
    signer = [x for x in sig[0][1].split("\n") if x]
    assert signer == ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "Nguyễn Văn A"]

    # page numbers: PAGE field in the default header, none on page 1 (titlePg)
    assert sec.different_first_page_header_footer
    assert "PAGE" in sec.header._element.xml
    assert "PAGE" not in sec.first_page_header._element.xml
    # every bordered data table repeats its header row
    for t in doc.tables:
        if table_caption(t) not in ("header", "signature", "kinh_gui"):
            trpr = t.rows[0]._tr.trPr
            assert trpr is not None and trpr.find(qn("w:tblHeader")) is not None


# ---------------------------------------------------------------- every figure against SQL
@pytest.mark.parametrize("include", [False, True])
@pytest.mark.parametrize("family", ["treaty", "agreement"])
def test_figures_equal_database(db, family, include, tmp_path):
    from core.parties import party_info

    data, out, doc = render(db, family, include, tmp_path)
    tabs = tables_by_caption(doc)

    # by danh nghĩa / signatory level
    col = "danh_nghia" if family == "treaty" else "signatory_level"
    exp = expected_by(db, family, col, include)
    got = count_table(tabs["by_level"])
    label = (lambda k: k) if family == "treaty" else (lambda k: SIGNATORY_LEVELS[k])
    exp_rows = defaultdict(lambda: [0, 0])
    for (k, bil), n in exp.items():
        exp_rows[label(k)][0 if bil else 1] += n
    if family == "treaty":
        exp_rows["Nhà nước"], exp_rows["Chính phủ"]  # shown even when 0  # noqa: B018
    assert got == {k: (v[0], v[1], v[0] + v[1]) for k, v in exp_rows.items()}

    # by partner (Vietnamese names)
    exp = expected_partners(db, family, include)
    exp_rows = defaultdict(lambda: [0, 0])
    for (code, bil), n in exp.items():
        exp_rows[party_info(code).name_vi][0 if bil else 1] += n
    assert count_table(tabs["by_partner"], False) == {k: (v[0], v[1], v[0] + v[1]) for k, v in exp_rows.items()}
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" not in count_table(tabs["by_partner"], False)

    # by region (core.parties.region_of of each foreign party)
    from core.parties import region_of
    rows = q(db, "SELECT DISTINCT i.id, i.bilateral, p.code FROM instrument_party p JOIN instrument i "
             "ON i.id = p.instrument_id WHERE i.family=:f AND i.record_state='confirmed' AND p.code <> 'VNM' "
             f"AND i.signed_date BETWEEN :s AND :e{sec_clause(include)}", f=family, s=START, e=END)
    per_region = defaultdict(set)
    for iid, bil, code in rows:
        per_region[region_of(code) or "Chưa xác định"].add((iid, bool(bil)))
    exp_reg = {k: (sum(b for _, b in v), sum(not b for _, b in v), len(v)) for k, v in per_region.items()}
    assert count_table(tabs["by_region"], False) == exp_reg

    # by type (case-insensitive grouping, as displayed)
    rows = q(db, "SELECT lower(i.instrument_type), i.bilateral, COUNT(*) FROM instrument i WHERE i.family=:f AND "
             f"i.record_state='confirmed' AND i.signed_date BETWEEN :s AND :e{sec_clause(include)} "
             "GROUP BY lower(i.instrument_type), i.bilateral", f=family, s=START, e=END)
    exp_rows = defaultdict(lambda: [0, 0])
    for t, bil, n in rows:
        exp_rows[t][0 if bil else 1] += n
    got = {k.lower(): v for k, v in count_table(tabs["by_type"]).items()}
    assert got == {k: (v[0], v[1], v[0] + v[1]) for k, v in exp_rows.items()}

    # by field
    exp = expected_by(db, family, "field", include)
    exp_rows = defaultdict(lambda: [0, 0])
    for (k, bil), n in exp.items():
        exp_rows[k or "Chưa xác định"][0 if bil else 1] += n
    assert count_table(tabs["by_field"]) == {k: (v[0], v[1], v[0] + v[1]) for k, v in exp_rows.items()}

    # totals: bilateral vs multilateral, overview sentence
    tot = q(db, "SELECT SUM(i.bilateral), COUNT(*) FROM instrument i WHERE i.family=:f AND "
            f"i.record_state='confirmed' AND i.signed_date BETWEEN :s AND :e{sec_clause(include)}",
            f=family, s=START, e=END)[0]
    bil, n = int(tot[0] or 0), int(tot[1])
    assert (data.total_signed, data.bilateral, data.multilateral) == (n, bil, n - bil)
    assert count_table(tabs["by_level"]) and sum(v[2] for v in count_table(tabs["by_level"]).values()) == n
    noun = "điều ước quốc tế" if family == "treaty" else "thỏa thuận quốc tế"
    assert (f"Trong kỳ báo cáo, đã ký kết {n} {noun}, trong đó {bil} song phương và {n - bil} đa phương."
            in [p.text for p in doc.paragraphs])

    # lists: signed, entered into force, terminated (and the other event lists)
    def listed(name: str, date_col: str) -> list[tuple[str, str]]:
        rows = tabs.get(f"list:{name}")
        if rows is None:
            return []
        hdr = rows[0]
        ti, di = hdr.index("Tên văn kiện"), hdr.index(date_col)
        assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, len(rows))]
        return [(r[ti], r[di]) for r in rows[1:]]

    assert listed("signed", "Ngày ký") == expected_signed(db, family, include)
    assert listed("entered_into_force", "Ngày có hiệu lực") == expected_event_list(
        db, family, ("entered_into_force",), include)
    assert listed("terminated", "Ngày") == expected_event_list(db, family, ENDING, include)
    assert listed("acceded", "Ngày gia nhập") == expected_event_list(db, family, ("acceded",), include)
    assert listed("amended", "Ngày") == expected_event_list(db, family, ("amended", "extended"), include)
    assert listed("suspended", "Ngày") == expected_event_list(db, family, ("suspended",), include)
    assert expected_signed(db, family, include), "test data must have signings in the period"
    assert expected_event_list(db, family, ENDING, include), "test data must have a termination in the period"

    # draft records never appear; classified only when asked for
    all_text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows
                                                             for c in r.cells])
    assert "chưa được xác nhận" not in all_text
    classified = [r[0] for r in q(db, "SELECT title FROM instrument WHERE family=:f AND classification<>'none'",
                                  f=family)]
    for title in classified:
        assert (title in all_text) is include

    # secrecy mark (ô 10a): the highest classification included, only when classified records are included
    hdr_left = tabs["header"][1][0].split("\n")
    top = q(db, "SELECT classification FROM instrument WHERE family=:f AND record_state='confirmed' AND "
            "signed_date BETWEEN :s AND :e", f=family, s=START, e=END)
    rank = ["none", "mat", "toi_mat", "tuyet_mat"]
    highest = max((r[0] for r in top), key=rank.index)
    mark = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}
    if include:
        assert hdr_left[1:] == [mark[highest]]
        assert data.highest_classification == highest
    else:
        assert hdr_left[1:] == []
        assert data.highest_classification == "none"


def test_partial_period_and_appendix(db, tmp_path):
    cfg = load_config()
    cfg["sections"]["lists"]["in_appendix"] = True
    cfg["kinh_gui"] = ["Thủ tướng Chính phủ"]
    with Session(db) as s:
        data = build_annual_data(s, "treaty", date(2024, 1, 1), date(2024, 6, 30))
    out = render_annual_docx(data, tmp_path / "h1.docx", settings=FrameSettings(signer_name="Nguyễn Văn A"),
                             config=cfg, issued=date(2024, 7, 3))
    doc = Document(str(out))
    paras = [p.text for p in doc.paragraphs]
    assert "Tình hình ký kết và thực hiện điều ước quốc tế từ ngày 01/01/2024 đến ngày 30/06/2024" in paras
    assert "Kính gửi: Thủ tướng Chính phủ." in paras
    assert len(doc.sections) == 2
    app = doc.sections[1]
    assert app.page_width > app.page_height  # landscape appendix
    assert tables_by_caption(doc)["header"][1][1] == "Hà Nội, ngày 03 tháng 7 năm 2024"
    captions = [table_caption(t) for t in doc.tables]
    assert captions.index("signature") < captions.index("list:signed")


# ---------------------------------------------------------------- PDF (LibreOffice)
@pytest.mark.slow
def test_pdf_preview(db, tmp_path):
    from reports.preview import docx_to_pdf, find_soffice, pdf_page_count, pdf_page_text

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    _, out, _ = render(db, "treaty", True, tmp_path)
    t0 = time.perf_counter()
    pdf = docx_to_pdf(out, tmp_path / "pdf", timeout=180)
    print(f"\n[annual pdf] {time.perf_counter() - t0:.2f} s")
    n = pdf_page_count(pdf)
    assert n >= 1
    first = pdf_page_text(pdf, 0)
    assert first.split()[0] == "BỘ"                       # page 1 starts with the header block, no number
    assert "1" not in [ln.strip() for ln in first.splitlines()[:3]]
    if n >= 2:
        assert pdf_page_text(pdf, 1).split()[0] == "2"
