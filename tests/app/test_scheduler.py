"""The scheduler (fault-kinds §D #21: a job must run once, not once per worker or per scheduler), on SQLite and
PostgreSQL: two schedulers firing the same job, threads racing for one run key, two OS processes, stable job ids in
the persistent job store, deadline reminders (dedupe, e-mail through a local fake SMTP server) and the nightly
index check repairing the index."""
from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import socketserver
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from sqlalchemy import text
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from app import scheduler as sch
from core.models import JobRun, Notification, ReportFile, SearchOutbox

REPO = Path(__file__).resolve().parents[2]
HCM = sch.scheduler_timezone(None)


# ------------------------------------------------------------------ helpers
@pytest.fixture
def engines(env):
    """Engines of their own (as two processes would have), disposed after the test."""
    from core.db import make_engine
    from core.settings import get_settings

    made = []

    def make():
        e = make_engine(get_settings().db_url)
        made.append(e)
        return e

    yield make
    for e in made:
        e.dispose()


def count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def job_runs(engine, job_id: str) -> list[JobRun]:
    with Session(engine) as s:
        return list(s.exec(select(JobRun).where(JobRun.job_id == job_id)))


def wait_for(cond, timeout: float = 30.0, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def report_files(env_dir: Path) -> list[Path]:
    d = env_dir / "reports"
    return sorted(p for p in d.glob("*.docx")) if d.exists() else []


def add_treaty(session, title: str, *, signed: date, events=(), publish=True, **over) -> int:
    from core.schemas import EventIn, InstrumentCreate, PartyIn
    from core.service import create_instrument

    data = InstrumentCreate(family="treaty", title=title, instrument_type="Hiệp định", danh_nghia="Chính phủ",
                            classification="none", publish=publish, signed_place="Hà Nội",
                            parties=[PartyIn(name="Việt Nam", code="VNM"), PartyIn(name="Pháp", code="FRA")],
                            signed_date=signed, events=[EventIn(type=t, date=d) for t, d in events], **over)
    return create_instrument(session, data, actor="test").id


# ------------------------------------------------------------------ the lock itself
def test_run_once_threads_race_for_one_key(env, engines):
    """Eight claimants, each with its own engine, start together: one body runs, seven skip."""
    n = 8
    barrier = threading.Barrier(n)
    ran: list[str] = []
    outcomes: list[sch.RunOutcome] = []
    lock = threading.Lock()
    eng = [engines() for _ in range(n)]

    def body(run: sch.RunInfo):
        with lock:
            ran.append(run.owner)
        time.sleep(0.3)  # still running while the others try
        return {"by": run.owner}

    def claimant(i: int):
        barrier.wait()
        out = sch.run_once("race-test", "2025-01-06T07:30", body, engine=eng[i], owner=f"worker-{i}")
        with lock:
            outcomes.append(out)

    threads = [threading.Thread(target=claimant, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ran) == 1
    assert sorted(o.status for o in outcomes) == ["ok"] + ["skipped"] * (n - 1)
    rows = job_runs(eng[0], "race-test")
    assert len(rows) == 1 and rows[0].status == "ok" and rows[0].owner == ran[0]
    assert json.loads(rows[0].result) == {"by": ran[0]}
    assert rows[0].finished_at is not None
    # another key is another run
    assert sch.run_once("race-test", "2025-01-13T07:30", body, engine=eng[0]).ran
    assert len(ran) == 2


def test_failed_run_is_recorded_and_retried_only_on_request(env, engines):
    e = engines()

    def boom(run):
        raise RuntimeError("SMTP down")

    with pytest.raises(RuntimeError):
        sch.run_once("fail-test", "k", boom, engine=e)
    (row,) = job_runs(e, "fail-test")
    assert row.status == "failed" and "SMTP down" in json.loads(row.result)["error"]
    assert sch.run_once("fail-test", "k", lambda r: 1, engine=e).status == "skipped"
    out = sch.run_once("fail-test", "k", lambda r: 2, engine=e, retry_failed=True)
    assert out.ran and out.result == 2
    (row,) = job_runs(e, "fail-test")
    assert row.status == "ok" and json.loads(row.result) == 2
    # an ok run is never taken over, even on request
    assert sch.run_once("fail-test", "k", lambda r: 3, engine=e, retry_failed=True).status == "skipped"


def test_real_job_from_two_threads_drafts_one_report(env, engines):
    """The wrapped job function itself, called at once from two 'processes' (threads with their own engines)."""
    e1, e2 = engines(), engines()
    fire = datetime(2025, 11, 16, 7, 0, tzinfo=HCM)
    barrier = threading.Barrier(2)
    results = []

    def call(e, name):
        with sch.run_context(engine=e, owner=name, scheduled=fire):
            barrier.wait()
            results.append(sch.annual_report_draft_treaty())

    ts = [threading.Thread(target=call, args=(e, f"s{i}")) for i, e in enumerate((e1, e2))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert sorted(r["status"] for r in results) == ["ok", "skipped"]
    assert {r["run_key"] for r in results} == {"2025-11-16"}
    assert count(e1, JobRun, JobRun.job_id == sch.JOB_ANNUAL_TREATY) == 1
    assert count(e1, ReportFile) == 1
    assert len(report_files(env)) == 1
    with Session(e1) as s:
        rf = s.exec(select(ReportFile)).one()
    assert rf.created_by == "scheduler" and rf.kind == "annual" and rf.format == "docx"
    assert rf.params["year"] == 2025 and rf.params["family"] == "treaty" and rf.params["draft"] is True
    assert (env / rf.storage_path).is_file() and (env / rf.storage_path).stat().st_size == rf.size


# ------------------------------------------------------------------ two schedulers
@pytest.mark.parametrize("store", ["sqlalchemy", "memory"])
def test_two_schedulers_fire_the_same_job_once(env, engines, store):
    """Two BackgroundSchedulers, each with its own engine, get the same job at the same time. With the shared
    database job store (two `treatydb scheduler` replicas) and with separate in-memory stores (what every uvicorn
    worker would have, fault #21) the job body runs once."""
    scheds, events = [], []
    lock = threading.Lock()
    try:
        for name in ("A", "B"):
            s = sch.make_scheduler(engine=engines(), background=True, name=name, jobstore=store)

            def listener(ev, name=name):
                with lock:
                    events.append((name, ev))

            s.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
            s.start()
            scheds.append(s)
        run_at = datetime.now(HCM) + timedelta(seconds=1.5)
        for s in scheds:
            s.add_job("app.scheduler:annual_report_draft_agreement", "date", run_date=run_at, id="fire-test",
                      replace_existing=True, misfire_grace_time=60)
        e = scheds[0].treatydb_engine
        want = 2 if store == "memory" else 1
        assert wait_for(lambda: len([x for x in events if x[1].job_id == "fire-test"]) >= want)
        assert wait_for(lambda: all(r.status != "running" for r in job_runs(e, sch.JOB_ANNUAL_AGREEMENT)))
        time.sleep(1.0)  # a late second firing would show up now
    finally:
        for s in scheds:
            s.shutdown(wait=True)
    fired = [ev for _, ev in events if ev.job_id == "fire-test"]
    assert all(ev.code == EVENT_JOB_EXECUTED for ev in fired), [getattr(ev, "traceback", None) for ev in fired]
    outcomes = [ev.retval for ev in fired]
    assert [o["ran"] for o in outcomes].count(True) == 1
    if store == "memory":
        assert sorted(o["status"] for o in outcomes) == ["ok", "skipped"]
        assert {name for name, ev in events if ev.job_id == "fire-test"} == {"A", "B"}
    runs = job_runs(e, sch.JOB_ANNUAL_AGREEMENT)
    assert len(runs) == 1 and runs[0].status == "ok"
    assert runs[0].run_key == run_at.strftime("%Y-%m-%d")  # the scheduled time's local date
    assert count(e, ReportFile) == 1 and len(report_files(env)) == 1


def _stored(engine) -> dict[str, tuple]:
    with engine.connect() as c:
        return {r[0]: r[1] for r in c.execute(text(f"SELECT id, next_run_time FROM {sch.JOBSTORE_TABLE}"))}


def test_job_ids_are_explicit_and_stable_across_restarts(env, engines):
    e = engines()
    s = sch.make_scheduler(engine=e, background=True, name="first")
    s.start(paused=True)
    jobs = {j.id: j for j in s.get_jobs()}
    assert set(jobs) == set(sch.JOBS) == {"annual-report-draft-treaty", "annual-report-draft-agreement",
                                          "weekly-deadline-reminders", "nightly-index-check"}
    for j in jobs.values():
        assert j.coalesce is True and j.max_instances == 1 and j.misfire_grace_time > 0
        assert str(j.trigger.timezone) == "Asia/Ho_Chi_Minh"
        assert j.func_ref == sch.JOBS[j.id].func
    nxt = {jid: j.next_run_time for jid, j in jobs.items()}
    assert nxt["annual-report-draft-treaty"].strftime("%m-%d %H:%M") == "11-16 07:00"
    assert nxt["weekly-deadline-reminders"].weekday() == 0
    assert nxt["weekly-deadline-reminders"].strftime("%H:%M") == "07:30"
    assert nxt["nightly-index-check"].strftime("%H:%M") == "02:30"
    # a job added by hand that the code no longer defines
    s.add_job("app.scheduler:nightly_index_check", "interval", hours=1, id="obsolete-job")
    s.shutdown()
    before = _stored(e)
    assert set(before) == set(sch.JOBS) | {"obsolete-job"}

    for name in ("second", "third"):  # restarts, and a second scheduler on the same store
        s = sch.make_scheduler(engine=engines(), background=True, name=name)
        s.start(paused=True)
        s.shutdown()
    after = _stored(e)
    assert set(after) == set(sch.JOBS)  # no duplicates; the obsolete job is gone
    assert {k: after[k] for k in sch.JOBS} == {k: before[k] for k in sch.JOBS}  # next run times kept


def test_a_run_missed_while_down_fires_once_after_restart(env, engines):
    """The stored next run time of an unchanged job is kept, so a run missed while no scheduler was up fires
    (once) within its misfire grace time; two schedulers coming up together still run it once."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    e = engines()
    s = sch.make_scheduler(engine=e, background=True, name="before")
    s.start(paused=True)
    s.shutdown()
    missed = datetime.now(HCM).replace(microsecond=0) - timedelta(minutes=5)
    store = SQLAlchemyJobStore(engine=e, tablename=sch.JOBSTORE_TABLE)
    store._scheduler, store._alias = SimpleNamespace(timezone=HCM), "default"
    job = store.lookup_job(sch.JOB_REMINDERS)
    job._modify(next_run_time=missed)
    store.update_job(job)

    scheds, events = [], []
    try:
        for name in ("A", "B"):
            s = sch.make_scheduler(engine=engines(), background=True, name=name)
            s.add_listener(lambda ev: events.append(ev), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
            scheds.append(s)
        for s in scheds:
            s.start()
        assert wait_for(lambda: any(ev.job_id == sch.JOB_REMINDERS for ev in events))
        time.sleep(1.0)
    finally:
        for s in scheds:
            s.shutdown()
    fired = [ev for ev in events if ev.job_id == sch.JOB_REMINDERS]
    assert all(ev.code == EVENT_JOB_EXECUTED for ev in fired)
    assert [ev.retval["ran"] for ev in fired].count(True) == 1
    runs = job_runs(e, sch.JOB_REMINDERS)
    assert [r.run_key for r in runs] == [sch.iso_week(missed.date())]
    assert _stored(e)[sch.JOB_REMINDERS] > time.time()  # advanced to the next Monday


# ------------------------------------------------------------------ two OS processes
CHILD = textwrap.dedent("""
    import json, sys, threading, time
    from datetime import datetime
    from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_ERROR
    from app import scheduler as sch

    run_at, store, name = datetime.fromisoformat(sys.argv[1]), sys.argv[2], sys.argv[3]
    s = sch.make_scheduler(background=False, name=name, jobstore=store)
    seen = []
    def on_event(ev):
        if ev.job_id == "fire-test":
            seen.append({"code": ev.code, "retval": getattr(ev, "retval", None),
                         "error": repr(getattr(ev, "exception", None))})
            threading.Timer(0.5, s.shutdown).start()
    s.add_listener(on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    s.add_job("app.scheduler:annual_report_draft_treaty", "date", run_date=run_at, id="fire-test",
              replace_existing=True, misfire_grace_time=60)
    threading.Timer(max(0.0, (run_at - datetime.now(run_at.tzinfo)).total_seconds()) + 4, s.shutdown).start()
    s.start()  # BlockingScheduler: returns after shutdown
    print("RESULT " + json.dumps(seen, default=str), flush=True)
""")


@pytest.mark.parametrize("store", ["sqlalchemy", "memory"])
def test_two_scheduler_processes_run_the_job_once(env, engines, store):
    """Two OS processes, each a BlockingScheduler of its own, given the same job at the same time."""
    run_at = datetime.now(HCM) + timedelta(seconds=5)
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, run_at.isoformat(), store, f"proc-{i}"],
                              cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(2)]
    seen = []
    for p in procs:
        out, err = p.communicate(timeout=90)
        assert p.returncode == 0, err[-3000:]
        line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
        seen.extend(json.loads(line[len("RESULT "):]))
    assert all(x["code"] == EVENT_JOB_EXECUTED for x in seen), seen
    assert [x["retval"]["ran"] for x in seen].count(True) == 1
    if store == "memory":
        assert len(seen) == 2  # both processes fired; the lock let one through
    e = engines()
    assert count(e, JobRun, JobRun.job_id == sch.JOB_ANNUAL_TREATY) == 1
    assert count(e, ReportFile) == 1 and len(report_files(env)) == 1


# ------------------------------------------------------------------ deadline reminders and e-mail
class FakeSMTP(socketserver.ThreadingTCPServer):
    """A minimal SMTP responder on 127.0.0.1 that keeps what it receives."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages: list[dict] = []
        super().__init__(("127.0.0.1", 0), _SMTPHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class _SMTPHandler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._say("220 fake.local ESMTP")
        mail_from, rcpts = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            cmd = raw.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-fake.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == "HELO":
                self._say("250 fake.local")
            elif verb == "MAIL":
                mail_from, rcpts = cmd.split(":", 1)[1].strip().split(" ")[0].strip("<>"), []
                self._say("250 OK")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    ln = self.rfile.readline()
                    if ln in (b".\r\n", b".\n", b""):
                        break
                    lines.append(ln[1:] if ln.startswith(b"..") else ln)
                self.server.messages.append({"from": mail_from, "to": rcpts, "data": b"".join(lines)})
                self._say("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 not implemented")


@pytest.fixture
def smtp_server():
    srv = FakeSMTP()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _items(as_of: date) -> list[sch.DeadlineItem]:
    return [sch.DeadlineItem(key="treaty.original_bilateral:1:signed@2025-01-01", due=as_of - timedelta(days=3),
                             label="Gửi bản chính điều ước quốc tế hai bên cho Bộ Ngoại giao", instrument_id=1,
                             title="Hiệp định thương mại Việt Nam - Pháp", article="Law 2016 Arts. 26(1), 58(2)"),
            sch.DeadlineItem(key="treaty.sao_luc:2:entered_into_force@2025-01-02", due=as_of + timedelta(days=10),
                             label="Sao lục điều ước quốc tế", instrument_id=2, title="Hiệp định dẫn độ"),
            sch.DeadlineItem(key="far:3", due=as_of + timedelta(days=40), label="Còn xa", instrument_id=3),
            sch.DeadlineItem(key="done:4", due=as_of - timedelta(days=1), label="Đã xong", done=True)]


def test_reminders_dedupe_within_a_week_and_email_when_configured(env, engines, smtp_server):
    e = engines()
    monday = date(2025, 1, 6)
    cfg = sch.SmtpConfig(host="127.0.0.1", port=smtp_server.port, security="none", sender="treatydb@mofa.gov.vn")
    settings = type("S", (), {"notify_email_to": "vuluat@mofa.gov.vn", "reminder_days_ahead": 14})()

    r1 = sch.deadline_reminders(monday, engine=e, settings=settings, deadlines=_items(monday), smtp=cfg)
    assert (r1["deadlines"], r1["overdue"], r1["created"], r1["existing"]) == (2, 1, 2, 0)
    assert r1["email"] == {"sent": 2, "failed": 0, "no_recipient": 0}
    assert len(smtp_server.messages) == 2
    msg = email.message_from_bytes(smtp_server.messages[0]["data"], policy=email.policy.default)
    assert smtp_server.messages[0]["to"] == ["vuluat@mofa.gov.vn"]
    assert "Quá hạn 3 ngày" in msg["Subject"] and "Gửi bản chính" in msg["Subject"]
    assert "Law 2016 Arts. 26(1), 58(2)" in msg.get_content()
    with Session(e) as s:
        rows = list(s.exec(select(Notification).order_by(Notification.id)))
    assert len(rows) == 2 and all(n.sent_at is not None and n.send_error is None for n in rows)
    assert rows[0].dedupe_key == "deadline:treaty.original_bilateral:1:signed@2025-01-01:2025-W02"

    # the same week again (another scheduler, a re-run on Thursday): nothing new, nothing re-sent
    r2 = sch.deadline_reminders(monday + timedelta(days=3), engine=e, settings=settings,
                                deadlines=_items(monday), smtp=cfg)
    assert (r2["created"], r2["existing"]) == (0, 2) and r2["email"]["sent"] == 0
    assert count(e, Notification) == 2 and len(smtp_server.messages) == 2

    # next week: a new reminder per open deadline
    r3 = sch.deadline_reminders(monday + timedelta(days=7), engine=e, settings=settings,
                                deadlines=_items(monday), smtp=cfg)
    assert r3["created"] == 2 and count(e, Notification) == 4 and len(smtp_server.messages) == 4


def test_reminders_without_smtp_are_stored_and_send_errors_recorded(env, engines):
    e = engines()
    monday = date(2025, 1, 6)
    settings = type("S", (), {"notify_email_to": "vuluat@mofa.gov.vn"})()
    r = sch.deadline_reminders(monday, engine=e, settings=settings, deadlines=_items(monday), smtp=None)
    assert r["created"] == 2 and r["email"] == "not configured"
    with socket.socket() as sk:  # a port nobody listens on
        sk.bind(("127.0.0.1", 0))
        dead = sk.getsockname()[1]
    bad = sch.SmtpConfig(host="127.0.0.1", port=dead, security="none", timeout=3)
    r = sch.deadline_reminders(monday, engine=e, settings=settings, deadlines=_items(monday), smtp=bad)
    assert r["created"] == 0 and r["email"] == {"sent": 0, "failed": 2, "no_recipient": 0}
    with Session(e) as s:
        rows = list(s.exec(select(Notification)))
    assert all(n.sent_at is None and "ConnectionRefusedError" in (n.send_error or "") for n in rows)


def test_weekly_job_uses_the_deadline_engine_and_smtp_settings(env, session, monkeypatch, smtp_server):
    """The scheduled job end to end: core.deadlines computes the deadlines, SMTP comes from the settings (or,
    until they are Settings fields, from TREATYDB_* variables)."""
    from core.db import get_engine
    from core.settings import reset_settings

    monday = date(2025, 3, 10)
    add_treaty(session, "Hiệp định về hợp tác văn hóa giữa Việt Nam và Pháp", signed=monday - timedelta(days=20))
    add_treaty(session, "Hiệp định về vận tải biển giữa Việt Nam và Pháp", signed=monday - timedelta(days=5))
    add_treaty(session, "Hiệp định đã gửi bản chính", signed=monday - timedelta(days=20),
               events=[("original_received", monday - timedelta(days=15))])
    for k, v in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
                 "SMTP_FROM": "treatydb@mofa.gov.vn", "NOTIFY_EMAIL_TO": "vuluat@mofa.gov.vn"}.items():
        monkeypatch.setenv(f"TREATYDB_{k}", v)
    reset_settings()

    fire = datetime(2025, 3, 10, 7, 30, tzinfo=HCM)
    with sch.run_context(scheduled=fire):
        out = sch.weekly_deadline_reminders()
    assert out["ran"] and out["run_key"] == "2025-W11"
    res = out["result"]
    with Session(get_engine()) as s:
        notes = list(s.exec(select(Notification).order_by(Notification.id)))
        subjects = [n.subject for n in notes]
    originals = [t for t in subjects if "Gửi bản chính" in t]
    assert len(originals) == 2, subjects  # the third treaty's original was received
    assert any("Quá hạn 10 ngày" in t and "văn hóa" in t for t in originals)
    assert any("Còn 5 ngày" in t and "vận tải biển" in t for t in originals)
    assert res["created"] == len(notes) and res["email"]["sent"] == len(notes) == len(smtp_server.messages)
    assert all(n.sent_at is not None for n in notes)
    # the same fire time from a second scheduler: skipped, nothing stored or sent twice
    with sch.run_context(scheduled=fire, owner="other"):
        assert sch.weekly_deadline_reminders()["status"] == "skipped"
    assert count(get_engine(), Notification) == len(notes) and len(smtp_server.messages) == len(notes)


# ------------------------------------------------------------------ nightly index check
def _public_treaty(session) -> int:
    return add_treaty(session, "Hiệp định về miễn thị thực cho người mang hộ chiếu phổ thông giữa Việt Nam và Pháp",
                      signed=date(2024, 3, 1), events=[("entered_into_force", date(2024, 5, 1))])


def test_nightly_index_check_repairs_a_missing_document(env, session):
    from core.db import get_engine
    from core.settings import get_settings
    from search.documents import doc_id
    from search.service import close_backend, drain_all, open_backend

    iid = _public_treaty(session)
    drain_all()
    close_backend()  # the API's writer is gone; the scheduler opens and closes its own
    b = open_backend(get_settings())
    b.delete([doc_id(iid)])
    assert doc_id(iid) not in b.all_ids()
    b.close()

    out = sch.run_job_now(sch.JOB_INDEX_CHECK)
    assert out["ran"] and out["result"]["missing"] == [doc_id(iid)]
    assert out["result"]["repaired_via"] == "backend"
    (row,) = job_runs(get_engine(), sch.JOB_INDEX_CHECK)
    stored = json.loads(row.result)
    assert stored["missing"] == [doc_id(iid)] and stored["repaired"] is True and row.status == "ok"
    b = open_backend(get_settings())
    try:
        assert doc_id(iid) in b.all_ids()
    finally:
        b.close()
    # once per night: a second scheduler at the same time skips
    assert sch.run_job_now(sch.JOB_INDEX_CHECK)["status"] == "skipped"


def test_index_check_queues_the_repair_when_another_process_holds_the_writer(env, session):
    from core.db import get_engine
    from core.settings import get_settings
    from search.documents import doc_id
    from search.service import close_backend, drain_all, get_backend

    if get_settings().search_backend != "tantivy":
        pytest.skip("the writer lock is tantivy's")
    iid = _public_treaty(session)
    drain_all()
    holder = get_backend()  # keeps tantivy's single writer, like the API's search worker
    holder.delete([doc_id(iid)])
    with Session(get_engine()) as s:
        pending_before = s.exec(select(func.count()).select_from(SearchOutbox)
                                .where(SearchOutbox.done_at.is_(None))).one()
    res = sch.index_consistency_check()
    assert res["missing"] == [doc_id(iid)] and res["repaired_via"] == "outbox"
    with Session(get_engine()) as s:
        pending = list(s.exec(select(SearchOutbox).where(SearchOutbox.done_at.is_(None))))
    assert len(pending) == pending_before + 1 and pending[-1].instrument_id == iid
    drain_all()  # the writer applies it
    assert doc_id(iid) in holder.all_ids()
    close_backend()


# ------------------------------------------------------------------ settings and the command line
def test_settings_fallbacks_and_annual_dates(monkeypatch):
    class S:  # a Settings without the scheduler fields
        pass

    monkeypatch.delenv("TREATYDB_ANNUAL_REPORT_DRAFT_DATES", raising=False)
    assert sch.annual_draft_dates(S()) == [(11, 16)]
    monkeypatch.setenv("TREATYDB_ANNUAL_REPORT_DRAFT_DATES", "11-16, 12-10")
    assert sch.annual_draft_dates(S()) == [(11, 16), (12, 10)]
    trig = sch.JOBS[sch.JOB_ANNUAL_TREATY].trigger(S(), HCM)
    start = datetime(2025, 11, 17, tzinfo=HCM)
    assert trig.get_next_fire_time(None, start) == datetime(2025, 12, 10, 7, 0, tzinfo=HCM)
    s2 = type("S2", (), {"annual_report_draft_dates": ["10-01"], "annual_report_draft_time": "06:15"})()
    assert sch.JOBS[sch.JOB_ANNUAL_AGREEMENT].trigger(s2, HCM).get_next_fire_time(None, start) == \
        datetime(2026, 10, 1, 6, 15, tzinfo=HCM)
    monkeypatch.setenv("TREATYDB_ANNUAL_REPORT_DRAFT_DATES", "13-40")
    with pytest.raises(ValueError):
        sch.annual_draft_dates(S())
    assert sch.smtp_config(S()) is None or os.environ.get("TREATYDB_SMTP_HOST")
    monkeypatch.setenv("TREATYDB_SMTP_HOST", "mail.mofa.gov.vn")
    monkeypatch.setenv("TREATYDB_SMTP_PORT", "2525")
    cfg = sch.smtp_config(S())
    assert (cfg.host, cfg.port, cfg.security) == ("mail.mofa.gov.vn", 2525, "starttls")
    # run keys: the period of the scheduled time, in Viet Nam's time zone
    spec = sch.JOBS[sch.JOB_REMINDERS]
    assert spec.run_key(datetime(2025, 1, 5, 23, 0, tzinfo=timezone.utc), HCM) == "2025-W02"  # Mon 06:00 ICT
    assert sch.JOBS[sch.JOB_INDEX_CHECK].run_key(datetime(2025, 1, 1, 19, 30, tzinfo=timezone.utc), HCM) == \
        "2025-01-02"


@pytest.fixture
def cli():
    from app.cli_scheduler import scheduler

    app = typer.Typer()
    app.command()(scheduler)
    return app


def test_cli_list_once_and_force(env, cli):
    from core.db import get_engine

    runner = CliRunner()
    r = runner.invoke(cli, ["--list", "--json"])
    assert r.exit_code == 0, r.output
    listed = json.loads(r.stdout)
    assert [j["id"] for j in listed] == list(sch.JOBS)
    assert all(j["next_run"].endswith("+07:00") for j in listed)

    r = runner.invoke(cli, ["--once", sch.JOB_ANNUAL_TREATY, "--json"])
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    assert first["ran"] and first["run_key"] == datetime.now(HCM).strftime("%Y-%m-%d")
    r = runner.invoke(cli, ["--once", sch.JOB_ANNUAL_TREATY, "--json"])
    assert json.loads(r.stdout)["status"] == "skipped"
    r = runner.invoke(cli, ["--once", sch.JOB_ANNUAL_TREATY, "--force", "--json"])
    forced = json.loads(r.stdout)
    assert forced["ran"] and forced["run_key"].startswith("manual-")
    assert count(get_engine(), ReportFile) == 2
    r = runner.invoke(cli, ["--once", "no-such-job"])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["--list"])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith(sch.JOB_ANNUAL_TREATY + "\t"))
    assert "month='11', day='16', hour='7'" in line and "last manual-" in line


def test_cli_runs_until_sigterm(env):
    """The blocking scheduler process: starts, registers its jobs in the database, stops cleanly on SIGTERM."""
    import signal

    code = "import typer; from app.cli_scheduler import scheduler; typer.run(scheduler)"
    p = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        from core.db import get_engine

        assert wait_for(lambda: _has_jobs(get_engine()), timeout=30), p.stderr.read() if p.poll() is not None else ""
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err[-3000:]
    assert "scheduler stopped" in err
    assert set(_stored(get_engine())) == set(sch.JOBS)


def _has_jobs(engine) -> bool:
    try:
        return set(_stored(engine)) == set(sch.JOBS)
    except Exception:
        return False
