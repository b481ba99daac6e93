"""Keeps the search backend in step with the database (transactional outbox) and serves public search."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from core.db import get_engine
from core.models import Instrument, SearchOutbox, utcnow
from core.settings import Settings, get_settings
from search.documents import build_document, doc_id, instrument_id_of, public_documents

log = logging.getLogger("treatydb.search")

_backend = None
_backend_lock = threading.Lock()


def get_backend(settings: Settings | None = None):
    """The process-wide backend of the configured kind (one tantivy writer per process)."""
    global _backend
    with _backend_lock:
        if _backend is None:
            _backend = open_backend(settings or get_settings())
        return _backend


def open_backend(s: Settings):
    from search.backends import make_backend

    if s.search_backend == "meilisearch":
        if not s.meili_url:
            raise RuntimeError("TREATYDB_SEARCH_BACKEND=meilisearch needs TREATYDB_MEILI_URL")
        b = make_backend("meilisearch", url=s.meili_url, api_key=s.meili_api_key, index_name=s.meili_index,
                         search_api_key=s.meili_search_key)
    else:
        s.search_dir.mkdir(parents=True, exist_ok=True)
        b = make_backend("tantivy", path=s.search_dir)
        if b.needs_rebuild():  # first start, or an index built by another schema version: rebuild from the DB
            with Session(get_engine()) as session:
                b.rebuild(list(public_documents(session)))
            log.info("search index (re)built from the database")
    b.ensure_index()
    return b


def close_backend() -> None:
    global _backend
    with _backend_lock:
        if _backend is not None:
            try:
                _backend.close()
            finally:
                _backend = None


@dataclass
class DrainResult:
    rows: int = 0
    upserted: int = 0
    deleted: int = 0
    error: str | None = None


def drain_outbox(session: Session, backend, *, batch: int = 500, as_of: date | None = None) -> DrainResult:
    """Apply pending outbox rows; rows are marked done only after the backend succeeded."""
    rows = list(session.exec(select(SearchOutbox).where(SearchOutbox.done_at.is_(None))
                             .order_by(SearchOutbox.id).limit(batch)))
    if not rows:
        return DrainResult()
    ids = sorted({r.instrument_id for r in rows})
    docs, gone = [], []
    for iid in ids:
        inst = session.get(Instrument, iid)
        d = build_document(session, inst, as_of) if inst is not None else None
        (docs.append(d) if d is not None else gone.append(doc_id(iid)))
    try:
        if docs:
            backend.upsert(docs)
        if gone:
            backend.delete(gone)
    except Exception as exc:  # the rows stay pending and are retried
        msg = f"{type(exc).__name__}: {exc}"
        for r in rows:
            r.attempts += 1
            r.last_error = msg[:2000]
        session.commit()
        log.warning("search sync failed (%d rows kept for retry): %s", len(rows), msg)
        return DrainResult(rows=len(rows), error=msg)
    now = utcnow()
    for r in rows:
        r.done_at = now
    session.commit()
    return DrainResult(rows=len(rows), upserted=len(docs), deleted=len(gone))


def drain_all(backend=None, *, as_of: date | None = None) -> DrainResult:
    backend = backend or get_backend()
    total = DrainResult()
    with Session(get_engine()) as session:
        while True:
            r = drain_outbox(session, backend, as_of=as_of)
            total.rows += r.rows
            total.upserted += r.upserted
            total.deleted += r.deleted
            if r.error:
                total.error = r.error
                break
            if r.rows == 0:
                break
    return total


def reindex(backend=None, *, as_of: date | None = None) -> int:
    """Rebuild the index from the database into a new index and swap it in. Returns the document count.
    Changes written while the rebuild reads the database are applied again to the new index afterwards (a worker
    may have applied them to the old one only)."""
    from sqlalchemy import func

    backend = backend or get_backend()
    with Session(get_engine()) as session:
        mark = session.exec(select(func.max(SearchOutbox.id))).one() or 0
        docs = list(public_documents(session, as_of))
        backend.rebuild(docs)
        now = utcnow()
        for r in session.exec(select(SearchOutbox).where(SearchOutbox.id <= mark, SearchOutbox.done_at.is_(None))):
            r.done_at = now  # reflected by the rebuild
        for r in session.exec(select(SearchOutbox).where(SearchOutbox.id > mark)):
            r.done_at = None  # written during the rebuild: apply again, to the new index
        session.commit()
    drain_all(backend, as_of=as_of)
    return len(docs)


def public_ids(session: Session, as_of: date | None = None, *, pause: float = 0.0, batch: int = 250) -> set[str]:
    """Ids of the records that may be public, computed in bulk (no documents built).

    ``pause`` > 0 (the search worker, which shares its process with the API): the records are judged ``batch`` at
    a time with a pause after each, so the worker never holds the interpreter for long. Done in one go, this
    Python work (about a second at 100,000 records) made searches that arrived meanwhile wait for the
    interpreter at every step (each wait up to Python's 5 ms switch interval): at 100,000 records searches
    answered in 150–230 ms instead of 20–60 ms while the worker's check ran."""
    from core.service import public_instrument_ids

    if pause <= 0:
        return {doc_id(i) for i in public_instrument_ids(session, as_of)}
    as_of = as_of or date.today()
    ids: list[int] = []
    rows = session.connection().execute(select(Instrument.id).order_by(Instrument.id))
    while chunk := rows.fetchmany(batch * 8):
        ids.extend(r[0] for r in chunk)
        time.sleep(pause)
    out: set[str] = set()
    for k in range(0, len(ids), batch):
        out.update(doc_id(i) for i in public_instrument_ids(session, as_of, among=ids[k:k + batch]))
        time.sleep(pause)
    return out


def quick_check(backend=None, *, pause: float = 0.0) -> dict:
    """Ids only: remove from the index what may no longer be public, add what is missing (``check_consistency``
    with repair, today). ``pause``: see ``public_ids``."""
    found = check_consistency(backend, pause=pause)
    return {"extra": found["extra"], "missing": found["missing"]}


def check_consistency(backend=None, *, repair: bool = True, as_of: date | None = None, pause: float = 0.0) -> dict:
    """Compare the index with what the database says should be public (catches date roll-overs too); documents
    are built only for the records missing from the index. ``pause``: see ``public_ids``."""
    backend = backend or get_backend()
    with Session(get_engine()) as session:
        should = public_ids(session, as_of, pause=pause)
        have = backend.all_ids(pause=pause)
        missing = sorted(should - have)
        extra = sorted(have - should)
        if repair and (missing or extra):
            if missing:
                docs = [d for d in (build_document(session, session.get(Instrument, instrument_id_of(i)), as_of)
                                    for i in missing) if d is not None]
                if docs:
                    backend.upsert(docs)
            if extra:
                backend.delete(extra)
    return {"public": len(should), "indexed": len(have), "missing": missing, "extra": extra, "repaired": repair}


def public_search(query, backend=None):
    """Search, then re-check every hit against the database: a record that is no longer public never leaves."""
    from core.service import public_instrument_ids

    backend = backend or get_backend()
    result = backend.search(query)
    kept = []
    ids = [instrument_id_of(h.id) for h in result.hits]
    with Session(get_engine()) as session:
        public = public_instrument_ids(session, among=ids)  # two queries for the whole page, not two per hit
        for h, iid in zip(result.hits, ids):
            if iid in public:
                kept.append(h)
            else:
                session.add(SearchOutbox(instrument_id=iid))
        dropped = len(result.hits) - len(kept)
        if dropped:
            session.commit()
            result.total = max(0, result.total - dropped)
    result.hits = kept
    return result


# the pause between batches of the worker's checks (see public_ids)
WORKER_PAUSE = 0.002


class SearchWorker(threading.Thread):
    """The single outbox drainer of an API process; also checks the index against the database."""

    def __init__(self, interval: float = 0.5, check_every: float = 3600.0):
        super().__init__(name="treatydb-search-worker", daemon=True)
        self.interval = interval
        self.check_every = check_every
        self._last_quick = 0.0
        self._quick_day: date | None = None  # the calendar day of the last check
        self._halt = threading.Event()
        self.last_check: dict | None = None  # what the last check found and when (shown by /api/health)

    def stop(self) -> None:
        self._halt.set()

    def state(self) -> dict:
        return {"running": self.is_alive(), "checked": self.last_check is not None, "last_check": self.last_check}

    def run(self) -> None:  # pragma: no cover - exercised through the API tests
        while not self._halt.is_set():
            try:
                drain_all()
                today = date.today()
                if today != self._quick_day or time.monotonic() - self._last_quick > self.check_every:
                    # the index's ids against what may be public: at start, as soon as the date changes (an entry
                    # into force, end or expiry reached at midnight leaves or enters the index within a second)
                    # and every ``check_every`` seconds against drift. Within a day a record's public state
                    # changes only by a write, which the outbox carries; so the check (seconds of work at 100,000
                    # records, in small steps with pauses) is not repeated often
                    started = time.time()
                    found = quick_check(pause=WORKER_PAUSE)
                    self._last_quick = time.monotonic()
                    self._quick_day = today
                    self.last_check = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                       "seconds": round(time.time() - started, 2),
                                       "added": len(found.get("missing", ())), "removed": len(found.get("extra", ()))}
            except Exception as exc:
                log.warning("search worker: %s", exc)
            self._halt.wait(self.interval)
