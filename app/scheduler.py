"""Scheduled jobs, run by APScheduler 3.11 in a process of their own (``treatydb scheduler``).

Jobs (explicit, stable ids; cron times in Asia/Ho_Chi_Minh):

* ``annual-report-draft-treaty`` / ``annual-report-draft-agreement`` — on the configured dates (default 16 November
  07:00, the day after agencies' own reports are due, Law 2016 Art. 79(6), Law 2020 Art. 46(3)): draft the annual
  report of the current year into the reports dir and record a ``ReportFile`` (created_by ``scheduler``);
* ``weekly-deadline-reminders`` — Monday 07:30: one ``Notification`` per overdue or soon-due deadline per ISO week
  (``dedupe_key``), sent by e-mail when SMTP is configured (``sent_at`` or ``send_error`` recorded);
* ``nightly-index-check`` — 02:30: ``search.service.check_consistency`` with repair; the result goes to
  ``JobRun.result``.

Exactly once. APScheduler 3 has no coordination between schedulers (fault-kinds §D #21: every uvicorn worker or
every scheduler replica fires every job). Every job body therefore runs inside :func:`run_once`, which first
INSERTs a ``JobRun`` row keyed by ``(job_id, run_key)`` in its own committed transaction; the unique constraint
lets exactly one process win, the others get an IntegrityError and skip. ``run_key`` is the *scheduled* fire time
(not the wall clock) truncated to the job's period — the local date for daily and yearly jobs, the ISO week for the
weekly one — so two schedulers, a late (misfired) run and a manual ``--once`` all agree on it.

The job store is an ``SQLAlchemyJobStore`` on the application database (table ``apscheduler_jobs``, created by
APScheduler). Several schedulers may share it: a job another scheduler already advanced or removed is not an error.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from apscheduler.executors.base import run_job as _aps_run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from core.models import JobRun, Notification, ReportFile, utcnow
from core.settings import Settings, get_settings

log = logging.getLogger("treatydb.scheduler")

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
JOBSTORE_TABLE = "apscheduler_jobs"
CREATED_BY = "scheduler"

JOB_ANNUAL_TREATY = "annual-report-draft-treaty"
JOB_ANNUAL_AGREEMENT = "annual-report-draft-agreement"
JOB_REMINDERS = "weekly-deadline-reminders"
JOB_INDEX_CHECK = "nightly-index-check"
NOTIFICATION_KIND = "deadline_reminder"


# ================================================================ settings (read defensively)
_MISSING = object()


def setting(settings: Any, name: str, default: Any = None) -> Any:
    """``settings.<name>`` if the field exists, else ``$TREATYDB_<NAME>``, else ``default``.

    The scheduler's settings (SMTP, dates, time zone) may not be fields of ``core.settings.Settings`` yet; the
    environment fallback makes them usable (e.g. from docker-compose) before they are. Values are cast to the type
    of ``default`` when it is a bool, int or float."""
    v = getattr(settings, name, _MISSING) if settings is not None else _MISSING
    if v is _MISSING:
        raw = os.environ.get(f"TREATYDB_{name.upper()}")
        if raw is None or raw == "":
            return default
        v = raw
    if hasattr(v, "get_secret_value"):
        v = v.get_secret_value()
    if v is None:
        return default
    if isinstance(default, bool) and isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, (int, float)) and not isinstance(default, bool) and isinstance(v, str):
        return type(default)(v)
    return v


def scheduler_timezone(settings: Any = None) -> tzinfo:
    """The scheduler's time zone (default Asia/Ho_Chi_Minh). Without a tz database, Viet Nam is UTC+07:00
    (no daylight saving since 1975)."""
    name = setting(settings if settings is not None else get_settings(), "scheduler_timezone", DEFAULT_TIMEZONE)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - zoneinfo raises several kinds of errors
        if name == DEFAULT_TIMEZONE:
            return timezone(timedelta(hours=7), "ICT")
        raise ValueError(f"unknown time zone {name!r} (TREATYDB_SCHEDULER_TIMEZONE)") from None


def _hhmm(value: str, what: str) -> tuple[int, int]:
    try:
        h, m = (int(x) for x in str(value).strip().split(":"))
        if not (0 <= h < 24 and 0 <= m < 60):
            raise ValueError
        return h, m
    except ValueError:
        raise ValueError(f"{what}: expected HH:MM, got {value!r}") from None


def annual_draft_dates(settings: Any = None) -> list[tuple[int, int]]:
    """(month, day) pairs from ``annual_report_draft_dates`` ("11-16" or "11-16,12-10"; a list also works)."""
    raw = setting(settings if settings is not None else get_settings(), "annual_report_draft_dates", "11-16")
    items = raw if isinstance(raw, (list, tuple)) else str(raw).replace(";", ",").split(",")
    out: list[tuple[int, int]] = []
    for it in items:
        it = str(it).strip()
        if not it:
            continue
        try:
            m, d = (int(x) for x in it.replace("/", "-").split("-"))
            date(2024, m, d)  # validates (2024: 29 February allowed)
        except ValueError:
            raise ValueError(f"annual_report_draft_dates: expected MM-DD, got {it!r}") from None
        if (m, d) not in out:
            out.append((m, d))
    if not out:
        raise ValueError("annual_report_draft_dates is empty")
    return out


# ================================================================ run context and the exactly-once lock
@dataclass
class RunContext:
    """Set by the scheduler's executor (or by :func:`run_job_now`) around one execution of a job function."""
    engine: Engine | None = None
    owner: str | None = None
    scheduled: datetime | None = None     # the scheduled fire time (aware)
    run_key: str | None = None            # overrides the key derived from ``scheduled``
    retry_failed: bool = False


_ctx = threading.local()


def current_context() -> RunContext:
    return getattr(_ctx, "value", None) or RunContext()


@contextmanager
def run_context(**kw: Any) -> Iterator[RunContext]:
    """Run job functions in this thread with the given engine / owner / scheduled time / run key."""
    prev = getattr(_ctx, "value", None)
    _ctx.value = RunContext(**kw)
    try:
        yield _ctx.value
    finally:
        _ctx.value = prev


def default_owner(name: str | None = None) -> str:
    base = f"{socket.gethostname()}:{os.getpid()}"
    return f"{base}/{name}" if name else base


@dataclass
class RunInfo:
    """What a job body gets: its JobRun id and key, the scheduled time and the engine to use."""
    id: int
    job_id: str
    run_key: str
    owner: str
    scheduled: datetime
    engine: Engine


@dataclass
class RunOutcome:
    job_id: str
    run_key: str
    ran: bool                       # False: another process holds (or held) this run
    status: str                     # ok | failed | skipped
    owner: str
    run_id: int | None = None
    result: Any = None
    holder: dict[str, Any] | None = None   # skipped: the JobRun row that won

    def as_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "run_key": self.run_key, "ran": self.ran, "status": self.status,
                "owner": self.owner, "run_id": self.run_id, "result": self.result, "holder": self.holder}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _claim(engine: Engine, job_id: str, run_key: str, owner: str, retry_failed: bool) -> int | None:
    """INSERT the JobRun row in its own transaction. Returns its id, or None if another process has it."""
    with Session(engine) as s:
        row = JobRun(job_id=job_id, run_key=run_key, owner=owner, status="running")
        s.add(row)
        try:
            s.commit()
            return row.id
        except IntegrityError:
            s.rollback()
    if not retry_failed:
        return None
    # a failed run may be taken over, atomically: only one UPDATE can match status='failed'
    with Session(engine) as s:
        res = s.execute(update(JobRun)
                        .where(JobRun.job_id == job_id, JobRun.run_key == run_key, JobRun.status == "failed")
                        .values(status="running", owner=owner, started_at=utcnow(), finished_at=None, result=None))
        s.commit()
        if res.rowcount != 1:
            return None
        return s.exec(select(JobRun.id).where(JobRun.job_id == job_id, JobRun.run_key == run_key)).one()


def _finish(engine: Engine, run_id: int, status: str, result: Any) -> None:
    with Session(engine) as s:
        s.execute(update(JobRun).where(JobRun.id == run_id)
                  .values(status=status, finished_at=utcnow(), result=_json(result)))
        s.commit()


def job_run_row(engine: Engine, job_id: str, run_key: str) -> dict[str, Any] | None:
    with Session(engine) as s:
        r = s.exec(select(JobRun).where(JobRun.job_id == job_id, JobRun.run_key == run_key)).first()
        return None if r is None else {"id": r.id, "owner": r.owner, "status": r.status,
                                       "started_at": str(r.started_at), "finished_at": str(r.finished_at)}


def run_once(job_id: str, run_key: str, body: Callable[[RunInfo], Any], *, engine: Engine | None = None,
             owner: str | None = None, scheduled: datetime | None = None,
             retry_failed: bool = False) -> RunOutcome:
    """Run ``body`` only if no process ran (or is running) ``job_id`` for ``run_key``.

    The claim is an INSERT into ``job_run`` committed before the body starts; the unique constraint
    ``(job_id, run_key)`` makes exactly one claimant win on SQLite and PostgreSQL alike. Afterwards the row gets
    ``status`` ok/failed, ``finished_at`` and ``result`` (JSON). A body that raises is recorded as failed and the
    exception propagates. ``retry_failed``: take over a run whose row says failed (manual re-runs)."""
    from core.db import get_engine

    engine = engine or get_engine()
    owner = owner or default_owner()
    run_id = _claim(engine, job_id, run_key, owner, retry_failed)
    if run_id is None:
        holder = job_run_row(engine, job_id, run_key)
        log.info("job %s [%s]: already claimed by %s (%s); skipped", job_id, run_key,
                 holder and holder["owner"], holder and holder["status"])
        return RunOutcome(job_id, run_key, ran=False, status="skipped", owner=owner, holder=holder)
    info = RunInfo(id=run_id, job_id=job_id, run_key=run_key, owner=owner,
                   scheduled=scheduled or datetime.now(timezone.utc), engine=engine)
    log.info("job %s [%s]: started by %s (run %d)", job_id, run_key, owner, run_id)
    try:
        result = body(info)
    except BaseException as exc:
        try:
            _finish(engine, run_id, "failed", {"error": f"{type(exc).__name__}: {exc}"[:4000]})
        except Exception:  # noqa: BLE001 - keep the original error
            log.exception("job %s [%s]: could not record the failure", job_id, run_key)
        raise
    _finish(engine, run_id, "ok", result)
    log.info("job %s [%s]: done", job_id, run_key)
    return RunOutcome(job_id, run_key, ran=True, status="ok", owner=owner, run_id=run_id, result=result)


# ================================================================ job bodies (usable without a scheduler)
def _now_local(settings: Any = None) -> datetime:
    return datetime.now(scheduler_timezone(settings))


def draft_annual_report(family: str, year: int, *, engine: Engine | None = None, settings: Settings | None = None,
                        issued: date | None = None, tag: str | None = None,
                        created_by: str = CREATED_BY, extra_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Draft the annual report of calendar year ``year`` (confirmed, non-classified records; no document number)
    into ``settings.reports_dir`` and record a ``ReportFile``. Returns the row's id, path, size and figures."""
    from core.db import get_engine
    from reports.annual import build_annual_data, render_annual_docx

    if family not in ("treaty", "agreement"):
        raise ValueError(f"family must be 'treaty' or 'agreement', not {family!r}")
    s = settings or get_settings()
    engine = engine or get_engine()
    start, end = date(year, 1, 1), date(year, 12, 31)
    out_dir = Path(s.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = tag or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"annual-{family}-{year}-draft-{tag}.docx"
    final = out_dir / name
    tmp = out_dir / f".part-{os.getpid()}-{threading.get_ident()}-{name}"
    with Session(engine) as session:
        data = build_annual_data(session, family, start, end, include_classified=False)
    try:
        render_annual_docx(data, tmp, settings=s, issued=issued)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    blob = final.read_bytes()
    try:
        rel = final.resolve().relative_to(Path(s.data_dir).resolve()).as_posix()
    except ValueError:
        rel = str(final.resolve())
    params = {"family": family, "year": year, "start": start.isoformat(), "end": end.isoformat(),
              "include_classified": False, "draft": True, **(extra_params or {})}
    try:
        with Session(engine) as session:
            rf = ReportFile(kind="annual", params=params, format="docx", storage_path=rel, size=len(blob),
                            sha256=hashlib.sha256(blob).hexdigest(), classification=data.highest_classification,
                            created_by=created_by)
            session.add(rf)
            session.commit()
            rf_id = rf.id
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return {"report_file_id": rf_id, "path": rel, "size": len(blob), "family": family, "year": year,
            "signed": data.total_signed, "instruments": len(data.instrument_ids)}


# ---------------------------------------------------------------- deadlines
@dataclass
class DeadlineItem:
    """A deadline as the reminders need it (from :class:`core.deadlines.Deadline`)."""
    key: str                      # stable identity of the obligation across weeks (Deadline.key)
    due: date
    label: str                    # what is due (the rule's Vietnamese title)
    instrument_id: int | None = None
    title: str | None = None      # the instrument's title (or the annual obligation's)
    article: str | None = None
    agency: str | None = None
    responsible: str | None = None
    recipient: str | None = None
    done: bool = False


def _as_item(obj: Any) -> DeadlineItem:
    if isinstance(obj, DeadlineItem):
        return obj
    # core.deadlines.Deadline
    return DeadlineItem(key=obj.key, due=obj.due_date, label=obj.description, instrument_id=obj.instrument_id,
                        title=obj.title, article=obj.article, agency=obj.agency,
                        responsible=obj.responsible or None, done=bool(obj.fulfilled))


def compute_deadlines(engine: Engine, as_of: date, days_ahead: int) -> list[DeadlineItem]:
    """Open deadlines that are overdue or due within ``days_ahead`` days of ``as_of`` (core.deadlines, with the
    rules of both laws registered)."""
    import agreements.deadlines  # noqa: F401  (registers the rules of Law 2020 / Decree 64)
    import treaties.deadlines  # noqa: F401  (registers the rules of Law 2016)
    from core.deadlines import compute_deadlines as _compute

    with Session(engine) as session:
        found = _compute(session, as_of, overdue=True, upcoming_days=days_ahead, fulfilled=False)
    return [_as_item(d) for d in found]


# ---------------------------------------------------------------- e-mail
@dataclass
class SmtpConfig:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "treatydb@localhost"
    security: str = "starttls"     # starttls | ssl | none
    timeout: float = 30.0


def smtp_config(settings: Any = None) -> SmtpConfig | None:
    """SMTP settings, or None when no host is configured (then notifications are only stored)."""
    s = settings if settings is not None else get_settings()
    host = setting(s, "smtp_host", None)
    if not host:
        return None
    security = str(setting(s, "smtp_security", "starttls")).lower()
    if security not in ("starttls", "ssl", "none"):
        raise ValueError(f"smtp_security must be starttls, ssl or none, not {security!r}")
    return SmtpConfig(host=str(host), port=int(setting(s, "smtp_port", 465 if security == "ssl" else 587)),
                      user=setting(s, "smtp_user", None) or None, password=setting(s, "smtp_password", None) or None,
                      sender=str(setting(s, "smtp_from", None) or setting(s, "smtp_user", None) or "treatydb@localhost"),
                      security=security, timeout=float(setting(s, "smtp_timeout", 30.0)))


def _connect(cfg: SmtpConfig) -> smtplib.SMTP:
    if cfg.security == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                              context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        conn.ehlo()
        if cfg.security == "starttls":
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
    if cfg.user:
        conn.login(cfg.user, cfg.password or "")
    return conn


def build_message(n: Notification, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = n.subject
    msg["From"] = sender
    msg["To"] = n.recipient or ""
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "treatydb")
    msg.set_content(n.body or "")
    return msg


def send_notifications(engine: Engine, ids: list[int], cfg: SmtpConfig) -> dict[str, int]:
    """E-mail the given notifications that have a recipient and are not sent yet; record sent_at or send_error."""
    sent = failed = 0
    with Session(engine) as session:
        rows = [n for n in session.exec(select(Notification).where(Notification.id.in_(ids or [-1]))
                                        .order_by(Notification.id))
                if n.sent_at is None and n.recipient]
        if not rows:
            return {"sent": 0, "failed": 0}
        try:
            conn = _connect(cfg)
        except Exception as exc:  # noqa: BLE001 - recorded on every row
            err = f"{type(exc).__name__}: {exc}"[:1000]
            for n in rows:
                n.send_error = err
            session.commit()
            return {"sent": 0, "failed": len(rows)}
        try:
            for n in rows:
                try:
                    to = [a.strip() for a in (n.recipient or "").replace(";", ",").split(",") if a.strip()]
                    conn.send_message(build_message(n, cfg.sender), from_addr=cfg.sender, to_addrs=to)
                    n.sent_at, n.send_error = utcnow(), None
                    sent += 1
                except Exception as exc:  # noqa: BLE001
                    n.send_error = f"{type(exc).__name__}: {exc}"[:1000]
                    failed += 1
                session.commit()
        finally:
            try:
                conn.quit()
            except Exception:  # noqa: BLE001
                pass
    return {"sent": sent, "failed": failed}


# ---------------------------------------------------------------- reminders
def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def reminder_dedupe_key(item: DeadlineItem, week: str) -> str:
    key = f"deadline:{item.key}:{week}"
    if len(key) > 300:
        key = f"deadline:sha256:{hashlib.sha256(item.key.encode()).hexdigest()}:{week}"
    return key


def reminder_text(item: DeadlineItem, as_of: date) -> tuple[str, str]:
    days = (item.due - as_of).days
    what = item.title or (f"hồ sơ #{item.instrument_id}" if item.instrument_id else "")
    if days < 0:
        head = f"Quá hạn {-days} ngày"
    elif days == 0:
        head = "Đến hạn hôm nay"
    else:
        head = f"Còn {days} ngày"
    subject = f"[treatydb] {head}: {item.label}" + (f" — {what}" if what else "")
    lines = [f"{item.label}", f"Hạn: {_fmt(item.due)} ({head.lower()}, tính đến {_fmt(as_of)})."]
    if what:
        lines.append(f"Văn kiện: {what}")
    if item.instrument_id:
        lines.append(f"Mã hồ sơ: {item.instrument_id}")
    if item.agency:
        lines.append(f"Cơ quan: {item.agency}")
    if item.responsible:
        lines.append(f"Trách nhiệm: {item.responsible}")
    if item.article:
        lines.append(f"Căn cứ: {item.article}")
    lines += ["", "Thư nhắc tự động của treatydb (mỗi tuần một lần cho mỗi thời hạn)."]
    return subject[:500], "\n".join(lines)


def deadline_reminders(as_of: date, *, engine: Engine | None = None, settings: Any = None,
                       deadlines: list[Any] | None = None, smtp: SmtpConfig | None | object = _MISSING,
                       days_ahead: int | None = None) -> dict[str, Any]:
    """Store one Notification per overdue or due-within-``days_ahead`` deadline for the ISO week of ``as_of``
    (``dedupe_key`` deadline:<key>:<week>, so re-runs add nothing), then e-mail this week's unsent ones when SMTP
    is configured. ``deadlines`` replaces the computation (tests); ``smtp`` replaces the settings."""
    from core.db import get_engine

    s = settings if settings is not None else get_settings()
    engine = engine or get_engine()
    days_ahead = int(setting(s, "reminder_days_ahead", 14) if days_ahead is None else days_ahead)
    horizon = as_of + timedelta(days=days_ahead)
    items = ([_as_item(x) for x in deadlines] if deadlines is not None
             else compute_deadlines(engine, as_of, days_ahead))
    due = sorted((i for i in items if not i.done and i.due <= horizon), key=lambda i: (i.due, i.key))
    week = iso_week(as_of)
    default_to = setting(s, "notify_email_to", None) or None
    created = existing = 0
    ids: list[int] = []
    for item in due:
        key = reminder_dedupe_key(item, week)
        subject, body = reminder_text(item, as_of)
        with Session(engine) as session:
            row = session.exec(select(Notification).where(Notification.dedupe_key == key)).first()
            if row is None:
                row = Notification(kind=NOTIFICATION_KIND, subject=subject, body=body,
                                   recipient=item.recipient or default_to, dedupe_key=key)
                session.add(row)
                try:
                    session.commit()
                    created += 1
                except IntegrityError:  # another run stored it meanwhile
                    session.rollback()
                    row = session.exec(select(Notification).where(Notification.dedupe_key == key)).one()
                    existing += 1
            else:
                existing += 1
            ids.append(row.id)
    cfg = smtp_config(s) if smtp is _MISSING else smtp
    mail = send_notifications(engine, ids, cfg) if cfg is not None else None
    if mail is not None:
        with Session(engine) as session:
            mail["no_recipient"] = session.exec(select(func.count()).select_from(Notification).where(
                Notification.id.in_(ids or [-1]), Notification.recipient.is_(None))).one()
        if mail["no_recipient"]:
            log.warning("%d reminder(s) not e-mailed: no recipient (set TREATYDB_NOTIFY_EMAIL_TO)",
                        mail["no_recipient"])
    return {"as_of": as_of.isoformat(), "week": week, "horizon": horizon.isoformat(), "deadlines": len(due),
            "overdue": sum(1 for i in due if i.due < as_of), "created": created, "existing": existing,
            "email": mail if mail is not None else "not configured"}


# ---------------------------------------------------------------- search index
def index_consistency_check(*, settings: Settings | None = None, backend: Any = None) -> dict[str, Any]:
    """``check_consistency`` with repair. The scheduler opens its own backend and closes it afterwards, so it never
    keeps tantivy's single-writer lock; if another process holds that lock (the API's search worker), the repair
    goes through the outbox instead (the writer applies it on its next drain)."""
    from core.db import get_engine
    from core.models import SearchOutbox
    from search.documents import instrument_id_of
    from search.service import check_consistency, open_backend

    s = settings or get_settings()
    own = backend is None
    backend = backend if backend is not None else open_backend(s)
    try:
        try:
            res = check_consistency(backend, repair=True)
            res["repaired_via"] = "backend" if (res["missing"] or res["extra"]) else None
            return res
        except Exception as exc:  # noqa: BLE001 - e.g. the writer lock is held by another process
            log.warning("index check: direct repair failed (%s); queueing the repair in the outbox", exc)
            res = check_consistency(backend, repair=False)
            ids = sorted({instrument_id_of(d) for d in res["missing"] + res["extra"]})
            with Session(get_engine()) as session:
                for iid in ids:
                    session.add(SearchOutbox(instrument_id=iid))
                session.commit()
            res.update(repaired=bool(ids), repaired_via="outbox" if ids else None,
                       repair_error=f"{type(exc).__name__}: {exc}"[:1000])
            return res
    finally:
        if own:
            try:
                backend.close()
            except Exception:  # noqa: BLE001
                pass


# ================================================================ job table
def _annual_body(family: str) -> Callable[[RunInfo], Any]:
    def body(run: RunInfo) -> Any:
        local = run.scheduled
        return draft_annual_report(family, local.year, engine=run.engine, issued=local.date(),
                                   tag=f"{local.date().isoformat()}-run{run.id}",
                                   extra_params={"job_id": run.job_id, "run_key": run.run_key})
    return body


def _reminders_body(run: RunInfo) -> Any:
    return deadline_reminders(run.scheduled.date(), engine=run.engine)


def _index_body(run: RunInfo) -> Any:
    return index_consistency_check()


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str                                   # textual reference, pickled into the job store
    description: str
    key_format: str                             # strftime of the local scheduled time → run_key
    misfire_grace_time: int                     # seconds
    body: Callable[[RunInfo], Any] = field(repr=False, compare=False)
    trigger: Callable[[Any, tzinfo], BaseTrigger] = field(repr=False, compare=False)

    def run_key(self, scheduled: datetime, tz: tzinfo) -> str:
        return scheduled.astimezone(tz).strftime(self.key_format)


def _annual_trigger(settings: Any, tz: tzinfo) -> BaseTrigger:
    h, m = _hhmm(setting(settings, "annual_report_draft_time", "07:00"), "annual_report_draft_time")
    triggers = [CronTrigger(month=mo, day=d, hour=h, minute=m, timezone=tz) for mo, d in annual_draft_dates(settings)]
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def _cron(expr: str, default: str) -> Callable[[Any, tzinfo], BaseTrigger]:
    """A trigger from a setting "DOW HH:MM" (weekly) or "HH:MM" (daily)."""
    def make(settings: Any, tz: tzinfo) -> BaseTrigger:
        v = str(setting(settings, expr, default)).strip()
        dow, _, hm = v.rpartition(" ")
        h, m = _hhmm(hm, expr)
        return CronTrigger(day_of_week=dow.strip().lower() or None, hour=h, minute=m, timezone=tz)
    return make


JOBS: dict[str, JobSpec] = {j.id: j for j in (
    JobSpec(JOB_ANNUAL_TREATY, "app.scheduler:annual_report_draft_treaty",
            "Draft annual report on treaties (Law 2016 Art. 77(3)) for the current year",
            "%Y-%m-%d", 3 * 86400, _annual_body("treaty"), _annual_trigger),
    JobSpec(JOB_ANNUAL_AGREEMENT, "app.scheduler:annual_report_draft_agreement",
            "Draft annual report on international agreements (Law 2020 Art. 44(1)) for the current year",
            "%Y-%m-%d", 3 * 86400, _annual_body("agreement"), _annual_trigger),
    JobSpec(JOB_REMINDERS, "app.scheduler:weekly_deadline_reminders",
            "Deadline reminders: overdue and due within reminder_days_ahead (default 14) days; stored, e-mailed "
            "when SMTP is configured",
            "%G-W%V", 86400, _reminders_body, _cron("reminder_schedule", "mon 07:30")),
    JobSpec(JOB_INDEX_CHECK, "app.scheduler:nightly_index_check",
            "Search index consistency check with repair", "%Y-%m-%d", 6 * 3600, _index_body,
            _cron("index_check_schedule", "02:30")),
)}


def execute(job_id: str) -> dict[str, Any]:
    """Run the job ``job_id`` under the exactly-once lock, with the current :class:`RunContext`."""
    spec = JOBS[job_id]
    ctx = current_context()
    s = get_settings()
    tz = scheduler_timezone(s)
    scheduled = (ctx.scheduled or datetime.now(tz)).astimezone(tz)
    run_key = ctx.run_key or spec.run_key(scheduled, tz)
    outcome = run_once(job_id, run_key, spec.body, engine=ctx.engine, owner=ctx.owner, scheduled=scheduled,
                       retry_failed=ctx.retry_failed)
    return outcome.as_dict()


# the functions the job store refers to (textual references: keep these names)
def annual_report_draft_treaty() -> dict[str, Any]:
    return execute(JOB_ANNUAL_TREATY)


def annual_report_draft_agreement() -> dict[str, Any]:
    return execute(JOB_ANNUAL_AGREEMENT)


def weekly_deadline_reminders() -> dict[str, Any]:
    return execute(JOB_REMINDERS)


def nightly_index_check() -> dict[str, Any]:
    return execute(JOB_INDEX_CHECK)


# ================================================================ the scheduler
class ContextExecutor(ThreadPoolExecutor):
    """Runs each scheduled time of a job with a :class:`RunContext` (this scheduler's engine and owner, and the
    scheduled fire time, from which the run key is derived)."""

    def __init__(self, engine: Engine | None, owner: str, max_workers: int = 4):
        super().__init__(max_workers)
        self.engine, self.owner = engine, owner

    def _do_submit_job(self, job, run_times):
        def call(job, alias, run_times, logger_name):
            events = []
            for rt in run_times:
                with run_context(engine=self.engine, owner=self.owner, scheduled=rt):
                    events.extend(_aps_run_job(job, alias, [rt], logger_name))
            return events

        def callback(f):
            exc = f.exception()
            if exc:
                self._run_job_error(job.id, exc, getattr(exc, "__traceback__", None))
            else:
                self._run_job_success(job.id, f.result())

        f = self._pool.submit(call, job, job._jobstore_alias, run_times, self._logger.name)
        f.add_done_callback(callback)


class SharedSQLAlchemyJobStore(SQLAlchemyJobStore):
    """A job store several schedulers share: a job that another scheduler already advanced or removed is fine
    (APScheduler would otherwise raise JobLookupError out of its main loop)."""

    def update_job(self, job):
        try:
            super().update_job(job)
        except JobLookupError:
            log.debug("job %s: gone from the shared job store (handled by another scheduler)", job.id)

    def remove_job(self, job_id):
        try:
            super().remove_job(job_id)
        except JobLookupError:
            log.debug("job %s: already removed from the shared job store", job_id)

    def shutdown(self):
        pass  # the engine belongs to the caller (also used by the jobs); make_scheduler's owner disposes it


class _Resilient:
    """Keep the main loop alive on job-store errors (e.g. a database restart): retry after the retry interval.
    Re-submitting a due job is harmless: the JobRun lock lets it run once."""

    def _process_jobs(self):
        try:
            return super()._process_jobs()  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            log.exception("scheduler: error while processing jobs; retrying in %ss", self.jobstore_retry_interval)
            return self.jobstore_retry_interval  # type: ignore[attr-defined]


class TreatyBlockingScheduler(_Resilient, BlockingScheduler):
    pass


class TreatyBackgroundScheduler(_Resilient, BackgroundScheduler):
    pass


def ensure_jobstore_table(engine: Engine, tablename: str = JOBSTORE_TABLE) -> None:
    """Create APScheduler's table if missing, tolerating another process creating it at the same moment."""
    store = SQLAlchemyJobStore(engine=engine, tablename=tablename)
    try:
        store.jobs_t.create(engine, checkfirst=True)
    except Exception:
        if not sa_inspect(engine).has_table(tablename):
            raise


def _stored_jobs(engine: Engine, tablename: str) -> dict[str, Any]:
    """Jobs in the shared store, by id (without starting a scheduler)."""
    store = SQLAlchemyJobStore(engine=engine, tablename=tablename)
    store._scheduler, store._alias = None, "default"  # enough to unpickle (as APScheduler's start would)
    return {j.id: j for j in store._get_jobs()}


def make_scheduler(*, url: str | None = None, engine: Engine | None = None, background: bool = False,
                   settings: Settings | None = None, name: str | None = None, jobstore: str = "sqlalchemy",
                   tablename: str = JOBSTORE_TABLE, jobs: list[str] | None = None,
                   prune: bool = True) -> BaseScheduler:
    """A scheduler with the treatydb jobs added (pending until ``start()``).

    ``background``: a BackgroundScheduler (tests, embedding) instead of the BlockingScheduler of
    ``treatydb scheduler``. ``engine`` / ``url``: the database (default: the settings' URL, on an engine of its
    own); the job store lives there and the JobRun lock is taken there. ``jobstore="memory"`` simulates a
    scheduler without a shared store (what every uvicorn worker would have). Jobs are added with their explicit
    ids and ``replace_existing=True``; an unchanged job keeps its stored next run time, so a run missed while no
    scheduler was up still fires within its misfire grace time. ``prune``: remove stored jobs that are no longer
    defined here."""
    from core.db import make_engine

    s = settings or get_settings()
    tz = scheduler_timezone(s)
    engine = engine or make_engine(url or s.db_url)
    owner = default_owner(name)
    if jobstore == "memory":
        store: Any = MemoryJobStore()
        stored: dict[str, Any] = {}
    else:
        ensure_jobstore_table(engine, tablename)
        store = SharedSQLAlchemyJobStore(engine=engine, tablename=tablename)
        stored = _stored_jobs(engine, tablename)
    cls = TreatyBackgroundScheduler if background else TreatyBlockingScheduler
    sched = cls(jobstores={"default": store}, executors={"default": ContextExecutor(engine, owner)},
                job_defaults={"coalesce": True, "max_instances": 1}, timezone=tz)
    sched.treatydb_engine = engine  # type: ignore[attr-defined]
    sched.treatydb_owner = owner  # type: ignore[attr-defined]
    wanted = [JOBS[j] for j in (jobs if jobs is not None else list(JOBS))]
    for spec in wanted:
        trigger = spec.trigger(s, tz)
        kw: dict[str, Any] = {}
        old = stored.get(spec.id)
        if (old is not None and old.next_run_time is not None and repr(old.trigger) == repr(trigger)
                and old.func_ref == spec.func):
            kw["next_run_time"] = old.next_run_time
        sched.add_job(spec.func, trigger=trigger, id=spec.id, name=spec.description, replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=spec.misfire_grace_time, **kw)
    if prune and jobstore != "memory" and jobs is None:
        for jid in set(stored) - set(JOBS):
            log.info("removing job %s from the job store: no longer defined", jid)
            store.remove_job(jid)
    return sched


def next_fire_times(settings: Settings | None = None, now: datetime | None = None) -> dict[str, datetime | None]:
    s = settings or get_settings()
    tz = scheduler_timezone(s)
    now = (now or datetime.now(tz)).astimezone(tz)
    return {jid: spec.trigger(s, tz).get_next_fire_time(None, now) for jid, spec in JOBS.items()}


def describe_jobs(settings: Settings | None = None, engine: Engine | None = None) -> list[dict[str, Any]]:
    """For ``--list``: id, trigger, next fire time, and the latest JobRun of each job (if the database is there)."""
    s = settings or get_settings()
    tz = scheduler_timezone(s)
    nxt = next_fire_times(s)
    last: dict[str, JobRun] = {}
    if engine is not None:
        try:
            with Session(engine) as session:
                for jid in JOBS:
                    r = session.exec(select(JobRun).where(JobRun.job_id == jid)
                                     .order_by(JobRun.started_at.desc(), JobRun.id.desc())).first()
                    if r is not None:
                        last[jid] = r
        except Exception as exc:  # noqa: BLE001 - listing works without a database
            log.debug("no job history: %s", exc)
    out = []
    for jid, spec in JOBS.items():
        r = last.get(jid)
        out.append({"id": jid, "trigger": str(spec.trigger(s, tz)), "next_run": nxt[jid].isoformat() if nxt[jid] else None,
                    "description": spec.description,
                    "last_run": None if r is None else {"run_key": r.run_key, "status": r.status, "owner": r.owner,
                                                        "started_at": str(r.started_at),
                                                        "finished_at": str(r.finished_at) if r.finished_at else None}})
    return out


def run_job_now(job_id: str, *, engine: Engine | None = None, force: bool = False,
                owner: str | None = None) -> dict[str, Any]:
    """Run one job now, in this process, under the lock. Its run key is that of the current period, so a job
    that already ran this period is skipped (a failed run is retried); ``force`` runs it under a key of its own
    (``manual-<time>``)."""
    if job_id not in JOBS:
        raise KeyError(job_id)
    tz = scheduler_timezone()
    now = datetime.now(tz)
    key = f"manual-{now.strftime('%Y-%m-%dT%H:%M:%S.%f')}" if force else None
    with run_context(engine=engine, owner=owner or default_owner("once"), scheduled=now, run_key=key,
                     retry_failed=True):
        return execute(job_id)
