"""POST /api/ingest under faults: a crashed or stuck extraction worker does not break later uploads, and a file
that cannot be extracted answers 422 ExtractionFailed with its line — nothing stored (SQLite and PostgreSQL)."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_builders import make_pdf  # noqa: E402

TEXT = ("AGREEMENT BETWEEN THE GOVERNMENT OF THE SOCIALIST REPUBLIC OF VIET NAM AND THE GOVERNMENT OF THE "
        "KINGDOM OF THE NETHERLANDS ON CULTURAL COOPERATION\n\nArticle 1\nThe Parties shall cooperate.\n\n"
        "Done at Hanoi on 24 January 1995 in two originals.")


def _stored(client, auth, env) -> tuple[int, object]:
    from sqlmodel import Session, func, select

    from core.db import get_engine
    from core.models import StoredDocument

    with Session(get_engine()) as s:
        n = s.exec(select(func.count()).select_from(StoredDocument)).one()
    r = client.get("/api/instruments", headers=auth)
    assert r.status_code == 200, r.text
    return n, r.json()


def _upload(client, auth, path: Path, name: str | None = None):
    with open(path, "rb") as f:
        return client.post("/api/ingest", files={"file": (name or path.name, f, "application/pdf")}, headers=auth)


@pytest.fixture
def good_pdf(tmp_path):
    return make_pdf(tmp_path / "good.pdf", [TEXT])


def test_worker_killed_then_next_upload_succeeds(client, auth, good_pdf):
    from ingest import router

    pool = router._pool_get()
    assert pool.submit(abs, -1).result(timeout=120) == 1  # workers are up
    for proc in list(pool._processes.values()):
        os.kill(proc.pid, signal.SIGKILL)  # the tester's `kill -9`
    time.sleep(0.5)
    r = _upload(client, auth, good_pdf)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "ok"


def test_job_that_kills_its_worker_is_reported_and_pool_recovers(client, auth, good_pdf):
    from ingest.router import ExtractionFailed, run_extraction

    with pytest.raises(ExtractionFailed) as ei:
        run_extraction(os._exit, 1, name="'crash.pdf'", timeout=120)
    assert ei.value.status_code == 422
    assert ei.value.message == "extraction of 'crash.pdf' crashed; the file was not stored"
    r = _upload(client, auth, good_pdf)
    assert r.status_code == 201, r.text


def test_extraction_timeout_kills_pool_and_recovers(client, auth, good_pdf, monkeypatch):
    from ingest.router import ExtractionFailed, ingest_timeout, run_extraction

    monkeypatch.setenv("TREATYDB_INGEST_TIMEOUT", "1")
    assert ingest_timeout() == 1
    t0 = time.monotonic()
    with pytest.raises(ExtractionFailed) as ei:
        run_extraction(time.sleep, 60, name="'slow.pdf'")
    assert time.monotonic() - t0 < 50
    assert "extraction of 'slow.pdf' took longer than 1 s" in ei.value.message
    monkeypatch.setenv("TREATYDB_INGEST_TIMEOUT", "120")
    r = _upload(client, auth, good_pdf)
    assert r.status_code == 201, r.text


def test_truncated_and_encrypted_pdf_answer_422_nothing_stored(client, auth, env, good_pdf, tmp_path):
    import pikepdf

    before = _stored(client, auth, env)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good_pdf.read_bytes()[:300])
    encrypted = tmp_path / "encrypted.pdf"
    with pikepdf.open(good_pdf) as pdf:
        pdf.save(encrypted, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    for path, words in ((truncated, None), (encrypted, "encrypted PDF: a password is required")):
        r = _upload(client, auth, path)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert detail["error"] == "ExtractionFailed"
        line = detail["line"]
        assert line["status"] == "error" and line["file"] == path.name
        assert detail["message"] == line["error"] and detail["message"]
        if words:
            assert words in detail["message"]
    assert _stored(client, auth, env) == before
    # nothing left behind in the data dir either (the temporary upload is removed)
    assert not [p for p in env.rglob("upload-*")]
