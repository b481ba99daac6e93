"""`treatydb import`: CSV/XLSX lists → instrument records (ingest/importer.py, app/cli_import.py).

Database tests run on SQLite and PostgreSQL (the `session` fixture); the CLI is driven with CliRunner on a
Typer app built here from the command functions the lead wires into app/cli.py.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from import_cli import run_cli as _run_cli

DATA = Path(__file__).parent / "data"

GPTAD_MAP = ["--family", "treaty", "--set", "danh_nghia=Chính phủ", "--date-order", "mdy",
             "--map", "title=Common.Name", "--map", "parties=Membership", "--map", "instrument_type=Type",
             "--map", "signed_date=Date.of.Signature", "--map", "eif_date=Date.of.Entry.into.Force",
             "--map", "status=In.force.status"]
IEADB_MAP = ["--family", "treaty", "--draft", "--map", "key=IEA# (click for add'l info)", "--map", "title=Treaty Name",
             "--map", "signed_date=Signature Date", "--map", "eif_date=Date IEA entered into force",
             "--map", "instrument_type=Agreement Type (level 2)"]
REGISTER_MAP = ["--family", "treaty", "--map", "key=Số", "--map", "title=Tên văn kiện", "--map", "instrument_type=Loại",
                "--map", "parties=Bên ký kết", "--map", "signed_date=Ngày ký", "--map", "eif_date=Ngày có hiệu lực",
                "--map", "end_date=Ngày hết hiệu lực", "--map", "danh_nghia=Danh nghĩa", "--map", "status=Tình trạng"]
BAD_MAP = ["--map", "key=Ref", "--map", "title=Title", "--map", "family=Family", "--map", "signed_date=Signed",
           "--map", "eif_date=In force", "--map", "parties=Parties", "--map", "danh_nghia=Danh nghia"]


def run_cli(*args, code: int = 0):
    """Invoke the CLI; returns (summary, per-row lines, result)."""
    summary, lines, res = _run_cli(*args, code=code)
    if summary is not None:
        assert {"rows", "imported", "updated", "skipped", "errors"} <= set(summary)
    return summary, lines, res


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def _by_ref(session, ref: str):
    from core.models import Instrument

    session.expire_all()
    return session.exec(select(Instrument).where(Instrument.external_ref == ref)).one()


def _by_title(session, title: str):
    from core.models import Instrument

    session.expire_all()
    return session.exec(select(Instrument).where(Instrument.title == title)).one()


def _events(session, inst) -> list[tuple[str, date]]:
    from core.service import events_of

    return [(e.type, e.date) for e in events_of(session, inst.id) if e.party_code is None]


# =============================================================================================== real datasets
def test_gptad_import_reimport_update_and_dry_run(session, corpus, tmp_path):
    from core.audit import history
    from core.models import AuditLog, Instrument
    from core.service import instrument_out, parties_of, status_of

    gptad = corpus / "metadata" / "gptad-trade-agreements.csv"

    # dry run: the same counts, nothing written
    dry, lines, _ = run_cli("import", gptad, *GPTAD_MAP, "--dry-run", "--json")
    assert len(lines) == 352 and [ln["row"] for ln in lines[:3]] == [2, 3, 4]
    assert _count(session, Instrument) == 0 and _count(session, AuditLog) == 0

    s, _, _ = run_cli("import", gptad, *GPTAD_MAP)
    for k in ("rows", "imported", "updated", "skipped", "drafts", "unchanged", "duplicates"):
        assert s[k] == dry[k], k
    assert (s["rows"], s["imported"], s["updated"], s["skipped"]) == (352, 345, 0, 7)
    assert s["duplicates"] == 1 and s["drafts"] == 25 and s["dry_run"] is False
    assert s["errors"] == dry["errors"]
    # two rows reuse a (title, signature date) key with other values; four give an entry into force before
    # the signature (real errors of the data set)
    assert sorted((e["row"], e["field"]) for e in s["errors"]) == [
        (5, "key"), (14, "eif_date"), (89, "eif_date"), (175, "eif_date"), (212, "eif_date"), (297, "key")]
    assert "1988-05-25 is before the signature on 1996-03-10" in next(e["message"] for e in s["errors"]
                                                                       if e["row"] == 14)
    assert any(w["row"] == 4 and "repeats row 3" in w["message"] for w in s["warnings"])
    assert _count(session, Instrument) == 345

    # ASEAN – China: 11/04/2002 and 07/01/2003 are month-first
    ac = _by_title(session, "ASEAN - China")
    out = instrument_out(session, ac)
    assert out.signed_date == date(2002, 11, 4) and out.entry_into_force_date == date(2003, 7, 1)
    assert _events(session, ac) == [("signed", date(2002, 11, 4)), ("entered_into_force", date(2003, 7, 1))]
    assert [p.code for p in parties_of(session, ac.id)] == ["ASEAN", "CHN"]   # the bracket lists ASEAN's members
    assert out.status == "in_force" and out.record_state == "confirmed" and out.source == "import"
    assert out.classification == "none" and out.publish is None and out.public is False   # not public yet
    assert out.external_ref.startswith("gptad-trade-agreements:")
    # "N/A" / "n/a": missing dates, no event
    aec = _by_title(session, "AEC")
    assert aec.signed_date == date(1991, 6, 3) and _events(session, aec) == [("signed", date(1991, 6, 3))]
    assert any(w["row"] == 2 and w["field"] == "status" and "no entry-into-force date" in w["message"]
               for w in s["warnings"])
    alb = _by_title(session, "Albania-Buglaria")                    # n/a, N/A and a misspelt party
    assert alb.signed_date is None and _events(session, alb) == [] and alb.record_state == "draft"
    assert [(p.name, p.code) for p in parties_of(session, alb.id)] == [("Albania", "ALB"), ("Buglaria", None)]
    assert any(w["row"] == 12 and "unknown party 'Buglaria'" in w["message"] for w in s["warnings"])
    japan_vn = _by_title(session, "Japan - Vietnam")
    assert [p.code for p in parties_of(session, japan_vn.id)] == ["JPN", "VNM"]

    # re-import: nothing changes
    audit_before = _count(session, AuditLog)
    again, _, _ = run_cli("import", gptad, *GPTAD_MAP)
    assert (again["rows"], again["imported"], again["updated"], again["skipped"]) == (352, 0, 0, 352)
    assert again["unchanged"] == 345 and again["not_in_file"] == 0
    assert _count(session, Instrument) == 345 and _count(session, AuditLog) == audit_before

    # a changed row (same file name, so the same source): type and entry into force
    chile = _by_title(session, "Chile - China")
    assert chile.instrument_type == "Bilateral Free Trade Agreement" and chile.version == 1
    text = gptad.read_text(encoding="utf-8")
    old = "Chile - China,Chile; China,Bilateral Free Trade Agreement,12/05/1996,07/05/1997"
    assert text.count(old) == 1
    changed = tmp_path / gptad.name
    changed.write_text(text.replace(old, "Chile - China,Chile; China,Free Trade Agreement,12/05/1996,10/01/2006"),
                       encoding="utf-8")
    d2, lines, _ = run_cli("import", changed, *GPTAD_MAP, "--dry-run", "--json")
    assert (d2["imported"], d2["updated"], d2["skipped"]) == (0, 1, 351)
    assert _by_title(session, "Chile - China").version == 1            # the dry run wrote nothing
    upd, lines, _ = run_cli("import", changed, *GPTAD_MAP, "--json")
    assert (upd["rows"], upd["imported"], upd["updated"], upd["skipped"]) == (352, 0, 1, 351)
    line = next(ln for ln in lines if ln["status"] == "updated")
    assert line["record_id"] == chile.id and line["changed"] == ["event:entered_into_force", "instrument_type"]
    chile = _by_title(session, "Chile - China")
    assert chile.instrument_type == "Free Trade Agreement" and chile.version == 2
    assert _events(session, chile) == [("signed", date(1996, 12, 5)), ("entered_into_force", date(2006, 10, 1))]
    assert status_of(session, chile, date(2000, 1, 1)).value == "signed"
    log = history(session, "instrument", chile.id)
    assert [a.action for a in log] == ["create", "event_update", "update"]
    assert log[-1].actor == "import"
    assert log[-1].changes["instrument_type"] == {"before": "Bilateral Free Trade Agreement",
                                                   "after": "Free Trade Agreement"}
    assert log[1].changes["event"]["before"]["date"] == "1997-07-05"
    assert log[1].changes["event"]["after"]["date"] == "2006-10-01"
    # and once more: unchanged
    third, _, _ = run_cli("import", changed, *GPTAD_MAP)
    assert (third["imported"], third["updated"], third["skipped"]) == (0, 0, 352)


def test_ieadb_subset_from_1351_and_changed_dates(session, corpus, tmp_path):
    from core.audit import history

    ieadb = corpus / "metadata" / "ieadb-environmental-agreements.csv"
    s, lines, _ = run_cli("import", ieadb, *IEADB_MAP, "--limit", "40", "--json")
    assert (s["rows"], s["imported"], s["updated"], s["skipped"], s["errors"]) == (40, 40, 0, 0, [])
    assert s["drafts"] == 40 and s["not_in_file"] is None and len(lines) == 40
    first = _by_ref(session, "ieadb-environmental-agreements:4015")
    assert first.title == "Treaty between England and Castile" and first.signed_date == date(1351, 8, 1)
    assert first.record_state == "draft" and first.instrument_type == "Agreement"
    assert _events(session, first) == [("signed", date(1351, 8, 1))]     # empty EIF cell: no event
    assert lines[0]["row"] == 2 and lines[0]["record_id"] == first.id

    again, _, _ = run_cli("import", ieadb, *IEADB_MAP, "--limit", "40")
    assert (again["imported"], again["updated"], again["skipped"], again["unchanged"]) == (0, 0, 40, 40)

    # the first 40 rows in a new file (same --source): the 1351 treaty gets another date and an entry into force
    raw = ieadb.read_text(encoding="utf-8").splitlines()[:41]
    assert raw[1].startswith('"4015","BEA","1351","1351-08-01",""')
    raw[1] = raw[1].replace('"1351-08-01",""', '"1351-08-02","1352-01-01"', 1)
    sub = tmp_path / "ieadb-first-40.csv"
    sub.write_text("\n".join(raw) + "\n", encoding="utf-8")
    upd, _, _ = run_cli("import", sub, *IEADB_MAP, "--source", "ieadb-environmental-agreements")
    assert (upd["rows"], upd["imported"], upd["updated"], upd["skipped"]) == (40, 0, 1, 39)
    assert upd["not_in_file"] == 0
    first = _by_ref(session, "ieadb-environmental-agreements:4015")
    assert first.signed_date == date(1351, 8, 2)
    assert _events(session, first) == [("signed", date(1351, 8, 2)), ("entered_into_force", date(1352, 1, 1))]
    acts = [a.action for a in history(session, "instrument", first.id)]
    assert acts == ["create", "event_update", "event", "update"]
    assert history(session, "instrument", first.id)[-1].changes["signed_date"] == {"before": "1351-08-01",
                                                                                   "after": "1351-08-02"}


def test_ieadb_whole_file_dry_run_without_database(corpus):
    """All 5,728 rows checked without a database: the figures of the data set."""
    from ingest.importer import ImportOptions, import_path

    opts = ImportOptions(family="treaty", draft=True, dry_run=True, mapping={
        "key": "IEA# (click for add'l info)", "title": "Treaty Name", "signed_date": "Signature Date",
        "eif_date": "Date IEA entered into force", "instrument_type": "Agreement Type (level 2)"})
    s = import_path(None, corpus / "metadata" / "ieadb-environmental-agreements.csv", opts).summary()
    assert (s["rows"], s["imported"], s["updated"], s["skipped"]) == (5728, 5675, 0, 53)
    fields = [e["field"] for e in s["errors"]]
    assert fields.count("signed_date") == 37 and fields.count("eif_date") == 16     # year 2699; EIF < signature
    assert all("2699-01-01 is in the future" in e["message"] for e in s["errors"] if e["field"] == "signed_date")
    zero = [w for w in s["warnings"] if "zero date '0000-00-00'" in w["message"]]
    assert len(zero) == 165


# =============================================================================================== own files
def test_register_csv_dmy_sentinel_and_stray_byte(session):
    from core.service import parties_of, status_of

    path = DATA / "register-dmy-cp1258-byte.csv"
    s, lines, res = run_cli("import", path, *REGISTER_MAP, "--json")
    assert (s["rows"], s["imported"], s["updated"], s["skipped"], s["errors"]) == (4, 4, 0, 0, [])
    assert s["encoding"].startswith("utf-8 (stray bytes")
    # the stray 0xE0 byte: a warning naming row 5 and its column; the row is imported, read as "à"
    stray = [w for w in s["warnings"] if "0xE0" in w["message"]]
    assert len(stray) == 1 and stray[0]["row"] == 5 and stray[0]["field"] == "Tên văn kiện"
    assert "row 5" in res.stderr
    r5 = _by_ref(session, "register-dmy-cp1258-byte:04/2010")
    assert r5.title.endswith("ký tại Hà Nội") and r5.signed_date == date(2010, 1, 1)   # year only
    assert any(w["row"] == 5 and "year only" in w["message"] for w in s["warnings"])
    assert _events(session, r5) == [("signed", date(2010, 1, 1))]      # n/a EIF, 31.12.9999: no end
    assert [p.code for p in parties_of(session, r5.id)] == ["VNM", "JPN"]

    r2 = _by_ref(session, "register-dmy-cp1258-byte:01/2019")   # 15.03.2019, 01.07.2019, 31.12.9999
    assert _events(session, r2) == [("signed", date(2019, 3, 15)), ("entered_into_force", date(2019, 7, 1))]
    assert status_of(session, r2).value == "in_force" and r2.danh_nghia == "Chính phủ"
    assert [p.code for p in parties_of(session, r2.id)] == ["VNM", "LAO"]
    r3 = _by_ref(session, "register-dmy-cp1258-byte:02/2020")   # N/A entry into force
    assert _events(session, r3) == [("signed", date(2020, 2, 10))] and status_of(session, r3).value == "signed"
    r4 = _by_ref(session, "register-dmy-cp1258-byte:03/2005")   # ended 01.01.2016
    assert _events(session, r4) == [("signed", date(2005, 5, 5)), ("entered_into_force", date(2006, 1, 1)),
                                    ("terminated", date(2016, 1, 1))]
    assert status_of(session, r4, date(2010, 1, 1)).value == "in_force"
    assert status_of(session, r4).value == "terminated"
    assert [p.code for p in parties_of(session, r4.id)] == ["VNM", "FRA"]

    again, _, _ = run_cli("import", path, *REGISTER_MAP)
    assert (again["imported"], again["updated"], again["skipped"]) == (0, 0, 4)


def test_bad_rows_reported_with_row_and_field_others_imported(session, tmp_path):
    from core.models import Instrument
    from core.service import instrument_out, parties_of

    s, lines, _ = run_cli("import", DATA / "bad-rows.csv", *BAD_MAP, "--json")
    assert (s["rows"], s["imported"], s["updated"], s["skipped"]) == (9, 2, 0, 7)
    got = {(e["row"], e["field"]) for e in s["errors"]}
    assert got == {(3, "signed_date"), (4, "family"), (5, "title"), (6, "eif_date"), (7, "signed_date"),
                   (9, "title"), (10, "danh_nghia")}
    msg = {e["row"]: e["message"] for e in s["errors"]}
    assert "31/02/2020" in msg[3] and "convention" in msg[4] and msg[5] == "missing title"
    assert "2015-10-01 is before the signature on 2015-10-20" in msg[6] and "future" in msg[7]
    assert "Law 2020 Art. 6" in msg[9] and "Law 2016 Art. 4" in msg[10]
    assert [ln["status"] for ln in lines] == ["imported", "error", "error", "error", "error", "error", "imported",
                                              "error", "error"]
    assert _count(session, Instrument) == 2
    # an unknown party: imported as a draft, the name kept without a code, with a warning naming it
    a7 = _by_ref(session, "bad-rows:A7")
    assert a7.record_state == "draft" and a7.family == "agreement"
    assert [(p.name, p.code) for p in parties_of(session, a7.id)] == [("Việt Nam", "VNM"), ("Atlantis", None)]
    assert any(w["row"] == 8 and "'Atlantis'" in w["message"] for w in s["warnings"])
    assert instrument_out(session, a7).public is False
    a1 = _by_ref(session, "bad-rows:A1")
    assert a1.record_state == "confirmed" and a1.signed_date == date(2018, 5, 12)   # DD/MM/YYYY by default

    # an officer classifies A1; a later file cannot lower that, and an empty cell changes nothing
    from core.schemas import InstrumentUpdate
    from core.service import update_instrument

    update_instrument(session, a1.id, InstrumentUpdate(classification="mat"), actor="officer")
    later = tmp_path / "later.csv"
    later.write_text("Ref,Title,Family,Classification\n"
                     "A1,Thỏa thuận hợp tác giữa Bộ Ngoại giao Việt Nam và Bộ Ngoại giao Lào,agreement,none\n"
                     "A7,Bản ghi nhớ hợp tác giữa Việt Nam và Atlantis,agreement,\n", encoding="utf-8")
    s2, _, _ = run_cli("import", later, "--source", "bad-rows", "--map", "key=Ref", "--map", "title=Title",
                       "--map", "family=Family", "--map", "classification=Classification")
    assert (s2["imported"], s2["updated"], s2["unchanged"]) == (0, 0, 1)
    assert [(e["row"], e["field"]) for e in s2["errors"]] == [(2, "classification")]
    assert "does not lower a classification" in s2["errors"][0]["message"]
    assert _by_ref(session, "bad-rows:A1").classification == "mat"


def test_xlsx_header_below_title_rows_and_sheet_choice(session, tmp_path):
    from openpyxl import Workbook

    from core.service import status_of

    wb = Workbook()
    wb.active.title = "Ghi chú"
    wb.active["A1"] = "This sheet is not the list"
    ws = wb.create_sheet("Danh mục")
    ws.append(["DANH MỤC THỎA THUẬN QUỐC TẾ"])
    ws.append([])
    ws.append(["Mã", "Tên thỏa thuận", "Ngày ký", "Ngày hiệu lực", "Ngày hết hiệu lực", "Các bên", "Công bố"])
    ws.append(["T-1", "Bản ghi nhớ hợp tác giáo dục giữa Bộ Giáo dục và Đào tạo và Bộ Giáo dục Lào",
               datetime(2021, 3, 2), datetime(2021, 3, 2), "31.12.9999", "Việt Nam, Lào", "có"])
    ws.append(["T-2", "Thỏa thuận hợp tác về du lịch", 2019, None, None, "Việt Nam; Thái Lan", None])
    ws.append(["T-3", "Bản ghi nhớ về văn hóa", "32.01.2020", None, None, "Việt Nam, Nhật Bản", None])
    ws.append([None, None, None])
    ws.append(["T-4", "Thỏa thuận về thể thao", "05/06/2018", "1/7/2018", None, "Việt Nam, Hàn Quốc", "không"])
    path = tmp_path / "danh-muc.xlsx"
    wb.save(path)
    args = ["import", path, "--family", "agreement", "--sheet", "Danh mục", "--map", "key=Mã",
            "--map", "title=Tên thỏa thuận", "--map", "signed_date=Ngày ký", "--map", "eif_date=Ngày hiệu lực",
            "--map", "end_date=Ngày hết hiệu lực", "--map", "parties=Các bên", "--map", "publish=Công bố"]
    s, lines, _ = run_cli(*args, "--json")
    assert (s["rows"], s["imported"], s["updated"], s["skipped"]) == (4, 3, 0, 1)
    assert s["encoding"] == "xlsx"
    assert [(e["row"], e["field"]) for e in s["errors"]] == [(6, "signed_date")]
    assert "'32.01.2020'" in s["errors"][0]["message"]
    assert [ln["row"] for ln in lines] == [4, 5, 6, 8]                  # spreadsheet row numbers
    t1 = _by_ref(session, "danh-muc:T-1")
    assert t1.signed_date == date(2021, 3, 2) and t1.publish is True and t1.instrument_type == "thỏa thuận quốc tế"
    assert status_of(session, t1).value == "in_force"
    t2 = _by_ref(session, "danh-muc:T-2")
    assert t2.signed_date == date(2019, 1, 1) and t2.publish is None
    t4 = _by_ref(session, "danh-muc:T-4")
    assert t4.signed_date == date(2018, 6, 5) and t4.publish is False
    assert _events(session, t4) == [("signed", date(2018, 6, 5)), ("entered_into_force", date(2018, 7, 1))]
    again, _, _ = run_cli(*args)
    assert (again["imported"], again["updated"], again["skipped"], again["unchanged"]) == (0, 0, 4, 3)


# =============================================================================================== no database
def test_misuse_exits_2_with_a_clear_message(tmp_path):
    gptad_like = tmp_path / "list.csv"
    gptad_like.write_text("Name,Signed\nA treaty,01/02/2003\n", encoding="utf-8")
    _, _, r = run_cli("import", gptad_like, "--family", "treaty", "--map", "titel=Name", code=2)
    assert "unknown field 'titel'" in r.stderr and r.stdout == ""
    _, _, r = run_cli("import", tmp_path / "missing.csv", "--family", "treaty", "--map", "title=Name", code=2)
    assert "no such file" in r.stderr
    _, _, r = run_cli("import", gptad_like, "--family", "treaty", "--map", "title=Nom", code=2)
    assert "no column 'Nom'" in r.stderr and "'Name'" in r.stderr
    _, _, r = run_cli("import", gptad_like, "--map", "title=Name", code=2)
    assert "--family" in r.stderr
    _, _, r = run_cli("import", gptad_like, "--family", "law", "--map", "title=Name", code=2)
    _, _, r = run_cli("import", gptad_like, "--family", "treaty", "--map", "title=Name", "--date-order", "ydm", code=2)
    bogus = tmp_path / "list.xlsx"
    bogus.write_bytes(b"PK\x03\x04 not really a zip")
    _, _, r = run_cli("import", bogus, "--family", "treaty", "--map", "title=Name", code=2)
    assert "not a readable XLSX" in r.stderr
    old = tmp_path / "list.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    _, _, r = run_cli("import", old, "--family", "treaty", "--map", "title=Name", code=2)
    assert ".xls" in r.stderr


@pytest.mark.parametrize("raw,order,expected", [
    ("25/05/2024", "dmy", date(2024, 5, 25)),
    ("05/25/2024", "mdy", date(2024, 5, 25)),
    ("11/04/2002", "mdy", date(2002, 11, 4)),
    ("25.05.2024", "dmy", date(2024, 5, 25)),
    ("25.05.2024", "mdy", date(2024, 5, 25)),     # dots are always day first
    ("2024-05-25", "ymd", date(2024, 5, 25)),
    ("24 Sep 1982 a", "dmy", date(1982, 9, 24)),
    ("1351", "dmy", date(1351, 1, 1)),
    (1990, "dmy", date(1990, 1, 1)),
    (datetime(2020, 1, 2, 10, 30), "dmy", date(2020, 1, 2)),
    ("31.12.9999", "dmy", None), ("9999-12-31", "dmy", None),
    ("N/A", "dmy", None), ("n/a", "dmy", None), ("", "dmy", None), (None, "dmy", None), ("0000-00-00", "dmy", None),
])
def test_date_styles(raw, order, expected):
    from ingest.importer import parse_date_value

    assert parse_date_value(raw, order)[0] == expected


def test_date_states_and_refusals():
    from core.dates import DateParseError
    from ingest.importer import parse_date_value

    assert parse_date_value("31.12.9999")[1] == "open_end"
    assert parse_date_value("N/A")[1] == "missing"
    assert "year only" in parse_date_value("1351")[2]
    for bad, order in (("31/02/2020", "dmy"), ("13/25/2020", "mdy"), ("05/06/2020", "ymd"), ("soon", "dmy"),
                       (3.5, "dmy")):
        with pytest.raises(DateParseError):
            parse_date_value(bad, order)


def test_party_lists():
    from ingest.importer import resolve_party_list

    def codes(text):
        return [(n, m.code if m else None) for n, m in resolve_party_list(text)]

    assert codes("ASEAN (Brunei Darussalam, Cambodia, Indonesia, Lao, Malaysia, Myanmar, Philippines, Singapore, "
                 "Thailand, Vietnam), China") == [("ASEAN", "ASEAN"), ("China", "CHN")]
    assert codes("India and Pakistan") == [("India", "IND"), ("Pakistan", "PAK")]
    assert codes("Antigua and Barbuda; Trinidad and Tobago") == [("Antigua and Barbuda", "ATG"),
                                                                  ("Trinidad and Tobago", "TTO")]
    assert codes("Suriname and Trinidad and Tobago") == [("Suriname", "SUR"), ("Trinidad and Tobago", "TTO")]
    assert codes("Chile - China") == [("Chile", "CHL"), ("China", "CHN")]
    assert codes("Guinea-Bissau, Timor-Leste") == [("Guinea-Bissau", "GNB"), ("Timor-Leste", "TLS")]
    assert codes("St. Kitts and Nevis, Bosnia & Herzegovina") == [("St. Kitts and Nevis", "KNA"),
                                                                   ("Bosnia & Herzegovina", "BIH")]
    assert codes("Korea, Republic of, Viet Nam") == [("Korea, Republic of", "KOR"), ("Viet Nam", "VNM")]
    assert codes("EC(Austria; Belgium; Spain;) and Tunisia\\r\\n\\r\\n") == [("EC", "EC"), ("Tunisia", "TUN")]
    assert codes("Việt Nam và Cộng hòa Pháp") == [("Việt Nam", "VNM"), ("Cộng hòa Pháp", "FRA")]
    assert codes("Burundi, Rwanda, Zaire") == [("Burundi", "BDI"), ("Rwanda", "RWA"), ("Zaire", "COD")]
    assert codes("Việt Nam, Vietnam, Viet Nam") == [("Việt Nam", "VNM")]


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letter (â, ê, ô, ă, ơ, ư, đ) + combining tone mark."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
        out += base.encode("cp1258") + "".join(c for c in d if c in tones).encode("cp1258")
    return out


def test_whole_file_in_a_legacy_encoding(tmp_path):
    from ingest.importer import ImportOptions, import_path

    p = tmp_path / "legacy.csv"
    titles = ["Hiệp định thương mại giữa Việt Nam và Lào", "Hiệp định hợp tác văn hóa giữa Việt Nam và Campuchia",
              "Hiệp định hàng không giữa Việt Nam và Thái Lan"]
    p.write_bytes(_cp1258("Tên,Ngày ký\n" + "".join(f"{t},0{i + 1}/06/2019\n" for i, t in enumerate(titles))))
    r = import_path(None, p, ImportOptions(family="treaty", draft=True, dry_run=True,
                                           mapping={"title": "Tên", "signed_date": "Ngày ký"}))
    s = r.summary()
    assert (s["rows"], s["imported"], s["errors"]) == (3, 3, [])
    assert s["encoding"] == "cp1258"
    assert [o.title for o in r.outcomes] == titles
    assert any(w["row"] is None and "not UTF-8" in w["message"] for w in s["warnings"])
    assert {w["row"] for w in s["warnings"] if w["row"]} == {2, 3, 4}


def test_import_where_keeps_the_rows_naming_viet_nam(session, corpus):
    """A world list filtered to the rows whose members name Viet Nam (any spelling: "Vietnam", "Viet Nam"); the
    other rows are counted as left out, nothing else changes; an unknown column is a usage error."""
    import csv

    from core.models import Instrument
    from core.text import fold_key

    gptad = corpus / "metadata" / "gptad-trade-agreements.csv"
    with open(gptad, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = [r["Common.Name"] for r in rows if "vietnam" in fold_key(r["Membership"])]
    assert 5 <= len(expected) < 20
    dry, lines, _ = run_cli("import", gptad, *GPTAD_MAP, "--where", "Membership~Việt Nam", "--dry-run", "--json")
    assert [ln["title"] for ln in lines] == expected
    assert dry["rows"] == len(expected) and dry["filtered_out"] == len(rows) - len(expected)
    assert dry["not_in_file"] is None
    assert _count(session, Instrument) == 0
    _, _, res = run_cli("import", gptad, *GPTAD_MAP, "--where", "Members~Vietnam", "--dry-run", code=2)
    assert "no column 'Members'" in res.stderr + res.stdout
    # two filters on one column: both must hold
    both = [r["Common.Name"] for r in rows if "vietnam" in fold_key(r["Membership"]) and "lao" in fold_key(r["Membership"])]
    two, lines, _ = run_cli("import", gptad, *GPTAD_MAP, "--where", "Membership~Vietnam", "--where", "Membership~Lao",
                            "--dry-run", "--json")
    assert [ln["title"] for ln in lines] == both and 0 < len(both) < len(expected)
    # a text with nothing to look for is refused (it would keep every row)
    _, _, res = run_cli("import", gptad, *GPTAD_MAP, "--where", "Membership~ - ", "--dry-run", code=2)
    assert "no letter or digit" in res.stderr + res.stdout
    # with --limit, what the filter leaves out is still counted over the whole file
    lim, lines, _ = run_cli("import", gptad, *GPTAD_MAP, "--where", "Membership~Vietnam", "--limit", "2",
                            "--dry-run", "--json")
    assert len(lines) == 2 and lim["filtered_out"] == len(rows) - len(expected)
