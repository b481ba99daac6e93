"""Ingest through the API and the CLI: upload with type sniffing and limits, drafts to confirm, batch that resumes
(idempotent by sha256), and the Ministry's notices turned into events — on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

JSON_KEYS = {"file", "sha256", "status", "error", "family", "instrument_type", "title", "language",
             "authentic_languages", "parties", "signed_date", "signed_place", "entry_into_force", "pages", "chars",
             "ocr", "is_draft", "warnings"}


def test_upload_creates_draft_then_confirm(client, auth, corpus):
    pdf = corpus / "cases" / "V03.pdf"
    with open(pdf, "rb") as f:
        r = client.post("/api/ingest", files={"file": ("V03.pdf", f, "application/pdf")}, headers=auth)
    assert r.status_code == 201, r.text
    line = r.json()
    assert line["status"] == "ok" and line["family"] == "treaty" and line["signed_date"] == "1995-01-24"
    rid = line["record_id"]
    rec = client.get(f"/api/instruments/{rid}", headers=auth).json()
    assert rec["record_state"] == "draft" and rec["source"] == "ingest"
    assert {p["code"] for p in rec["parties"]} == {"NLD", "VNM"}
    assert rec["documents"][0]["sha256"] == line["sha256"] and rec["documents"][0]["filename"] == "V03.pdf"
    assert rec["public"] is False
    r = client.post(f"/api/instruments/{rid}/confirm", json={"changes": {"danh_nghia": "Chính phủ", "publish": True}},
                    headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["record_state"] == "confirmed" and r.json()["danh_nghia"] == "Chính phủ"
    assert client.post(f"/api/instruments/{rid}/confirm", headers=auth).status_code == 422  # already confirmed
    # the same file again: nothing new
    with open(pdf, "rb") as f:
        again = client.post("/api/ingest", files={"file": ("copy.pdf", f, "application/pdf")}, headers=auth).json()
    assert again["record_id"] == rid and any("already ingested" in w for w in again["warnings"])


def test_upload_bad_requests(client, auth, tmp_path, monkeypatch):
    fake = tmp_path / "x.pdf"
    fake.write_text("this is not a PDF at all", encoding="utf-8")
    with open(fake, "rb") as f:
        r = client.post("/api/ingest", files={"file": ("x.pdf", f, "application/pdf")}, headers=auth)
    assert r.status_code == 415 and "not a PDF" in r.json()["detail"]["message"]
    r = client.post("/api/ingest", files={"file": ("e.pdf", b"", "application/pdf")}, headers=auth)
    assert r.status_code == 422 and "empty" in r.json()["detail"]["message"]
    r = client.post("/api/ingest", files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")})
    assert r.status_code == 401
    from core.settings import reset_settings

    monkeypatch.setenv("TREATYDB_MAX_UPLOAD_MB", "0")
    reset_settings()
    r = client.post("/api/ingest", files={"file": ("big.pdf", b"%PDF-1.4\n" + b"0" * 2048, "application/pdf")},
                    headers=auth)
    assert r.status_code == 413 and "limit" in r.json()["detail"]["message"]


def test_cli_batch_resumes_and_dry_run_keys(env, corpus, tmp_path):
    from sqlmodel import Session, func, select

    from app.cli import cli
    from core.db import get_engine
    from core.models import StoredDocument

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("V02.docx", "A01.docx", "V03.pdf"):
        shutil.copy(corpus / "cases" / name, folder / name)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    runner = CliRunner()
    dry = runner.invoke(cli, ["ingest", str(folder), "--dry-run", "--json", "--workers", "2"])
    assert dry.exit_code == 0, dry.output
    lines = [json.loads(x) for x in dry.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 4 and all(set(d) == JSON_KEYS for d in lines)
    assert {d["file"].split("/")[-1]: d["status"] for d in lines}["broken.pdf"] == "error"
    with Session(get_engine()) as s:
        assert s.exec(select(func.count()).select_from(StoredDocument)).one() == 0
    first = runner.invoke(cli, ["ingest", str(folder), "--json", "--workers", "2"])
    assert first.exit_code == 0, first.output
    out1 = [json.loads(x) for x in first.stdout.splitlines() if x.startswith("{")]
    assert sum(1 for d in out1 if d.get("record_id")) == 3
    second = runner.invoke(cli, ["ingest", str(folder), "--json"])
    out2 = [json.loads(x) for x in second.stdout.splitlines() if x.startswith("{")]
    assert all(any("already ingested" in w for w in d["warnings"]) for d in out2 if d["status"] == "ok")
    with Session(get_engine()) as s:
        assert s.exec(select(func.count()).select_from(StoredDocument)).one() == 3


def test_notice_becomes_events(client, auth, corpus, env):
    from app.cli import cli

    body = {"family": "treaty", "instrument_type": "hiệp định", "danh_nghia": "Chính phủ",
            "title": "Hiệp định hợp tác trong lĩnh vực giáo dục giữa Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam "
                     "và Chính phủ nước Cộng hòa nhân dân Trung Hoa",
            "parties": [{"name": "Việt Nam"}, {"name": "Trung Quốc"}], "signed_date": "2022-11-01",
            "signed_place": "Bắc Kinh", "classification": "none", "publish": True}
    rid = client.post("/api/instruments", json=body, headers=auth).json()["id"]
    res = CliRunner().invoke(cli, ["ingest", str(corpus / "notices" / "N02.docx"), "--json"])
    line = json.loads([x for x in res.stdout.splitlines() if x.startswith("{")][0])
    assert line["notice_events"][0]["instrument_id"] == rid and line["notice_events"][0]["status"] == "applied"
    rec = client.get(f"/api/instruments/{rid}", headers=auth).json()
    evs = {(e["type"], e["date"], e["document_ref"]) for e in rec["events"]}
    assert ("entered_into_force", "2022-11-01", "Thông báo 29/2022/TB-LPQT") in evs
    assert ("eif_notified", "2022-11-30", "Thông báo 29/2022/TB-LPQT") in evs
    assert rec["status"] == "in_force"
    # the PDF rendering of the same notice: a different file, the same events → nothing added
    res = CliRunner().invoke(cli, ["ingest", str(corpus / "notices" / "N02.pdf"), "--json"])
    line = json.loads([x for x in res.stdout.splitlines() if x.startswith("{")][0])
    assert line["notice_events"][0]["status"] == "unchanged"
    assert len(client.get(f"/api/instruments/{rid}", headers=auth).json()["events"]) == len(rec["events"])


def _agreement_then_protocol(path):
    """An agreement (Hanoi, 10 March 2005) and, after its signature block, a separately titled and signed
    protocol amending it (Singapore, 2 June 2012)."""
    from docx import Document

    d = Document()
    for text in (
        "AGREEMENT BETWEEN THE GOVERNMENT OF THE SOCIALIST REPUBLIC OF VIET NAM AND THE GOVERNMENT OF THE REPUBLIC "
        "OF SINGAPORE FOR THE AVOIDANCE OF DOUBLE TAXATION",
        "The Government of the Socialist Republic of Viet Nam and the Government of the Republic of Singapore,",
        "Have agreed as follows:",
        "Article 1", "Scope", "This Agreement shall apply to residents of one or both of the Contracting States.",
        "Article 2", "Entry into Force", "This Agreement shall enter into force on the date of signature.",
        "IN WITNESS WHEREOF the undersigned, duly authorised thereto, have signed this Agreement.",
        "DONE in duplicate at Hanoi on 10 March 2005 in the English language.",
        "For the Government of the Socialist Republic of Viet Nam", "For the Government of the Republic of Singapore",
        "PROTOCOL AMENDING THE AGREEMENT BETWEEN THE GOVERNMENT OF THE SOCIALIST REPUBLIC OF VIET NAM AND THE "
        "GOVERNMENT OF THE REPUBLIC OF SINGAPORE FOR THE AVOIDANCE OF DOUBLE TAXATION",
        "The Government of the Socialist Republic of Viet Nam and the Government of the Republic of Singapore,",
        "Have agreed as follows:",
        "Article 1", "Article 1 of the Agreement shall be replaced by the following text.",
        "Article 2", "This Protocol shall enter into force on the date of signature.",
        "IN WITNESS WHEREOF the undersigned, duly authorised thereto, have signed this Protocol.",
        "DONE in duplicate at Singapore on 2 June 2012 in the English language.",
        "For the Government of the Socialist Republic of Viet Nam", "For the Government of the Republic of Singapore",
    ):
        d.add_paragraph(text)
    d.save(str(path))
    return path


def test_upload_two_instruments_gives_two_drafts(client, auth, tmp_path):
    path = _agreement_then_protocol(tmp_path / "two.docx")
    with open(path, "rb") as f:
        r = client.post("/api/ingest", files={"file": ("two.docx", f, "application/octet-stream")}, headers=auth)
    assert r.status_code == 201, r.text
    line = r.json()
    assert line["part"] == 1 and [p["part"] for p in line["parts"]] == [1, 2]
    one, two = line["parts"]
    assert one["file"] == two["file"] == "two.docx" and one["sha256"] == two["sha256"]
    assert (one["instrument_type"], one["signed_date"]) == ("agreement", "2005-03-10")
    assert (two["instrument_type"], two["signed_date"]) == ("protocol", "2012-06-02")
    assert one["record_id"] != two["record_id"]
    for p in (one, two):
        rec = client.get(f"/api/instruments/{p['record_id']}", headers=auth).json()
        assert rec["record_state"] == "draft" and rec["title"] == p["title"]
        assert rec["documents"][0]["sha256"] == p["sha256"]
    # the same file again: nothing new, both parts reported
    with open(path, "rb") as f:
        again = client.post("/api/ingest", files={"file": ("again.docx", f, "application/octet-stream")},
                            headers=auth).json()
    assert [p["record_id"] for p in again["parts"]] == [one["record_id"], two["record_id"]]
    assert all(any("already ingested" in w for w in p["warnings"]) for p in again["parts"])


def test_cli_json_two_lines_for_two_instruments(env, tmp_path):
    from app.cli import cli

    path = _agreement_then_protocol(tmp_path / "two.docx")
    res = CliRunner().invoke(cli, ["ingest", str(path), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [d["part"] for d in lines] == [1, 2] and len({d["sha256"] for d in lines}) == 1
    assert all(d["record_id"] for d in lines) and lines[0]["record_id"] != lines[1]["record_id"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_ingest_while_the_server_writes(env, corpus, tmp_path):
    """The CLI ingesting beside a running server (here: another process committing all the time) on SQLite
    never fails with 'database is locked'."""
    import os
    import subprocess
    import sys
    import threading

    from sqlmodel import Session

    from core.db import get_engine
    from core.schemas import InstrumentCreate
    from core.service import create_instrument

    folder = tmp_path / "in2"
    folder.mkdir()
    for name in ("V02.docx", "A01.docx", "A02.docx", "A03.docx", "V04.docx", "V05.docx", "V06.docx"):
        shutil.copy(corpus / "cases" / name, folder / name)
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            with Session(get_engine()) as s:
                create_instrument(s, InstrumentCreate(family="treaty", title=f"Hiệp định thử nghiệm số {n}",
                                                      instrument_type="hiệp định", danh_nghia="Chính phủ",
                                                      parties=[{"name": "Lào"}]), actor="w")
            n += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        proc = subprocess.run([sys.executable, "-m", "app.cli", "ingest", str(folder), "--json", "--workers", "1"],
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                              env=dict(os.environ), capture_output=True, text=True, timeout=300)
    finally:
        stop.set()
        t.join(30)
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 7, proc.stderr[-2000:]
    assert all(d["status"] == "ok" and d.get("record_id") for d in lines), [d.get("error") for d in lines]
    assert "database is locked" not in proc.stderr
