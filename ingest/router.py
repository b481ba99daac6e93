"""Upload of signed texts: multipart, size-limited, type sniffed from the content (not the name).

The upload is written to a temporary file in the data dir and extracted in a worker process (bounded by
``TREATYDB_INGEST_TIMEOUT`` seconds, default 300); only when extraction succeeds is the original stored (by
sha256), with its text and a draft record that awaits confirmation. When extraction fails, crashes or takes
too long, the answer is 422 ``ExtractionFailed`` naming the problem, and nothing is kept (the temporary file is
removed). A crashed or stuck worker does not break later uploads: the pool is replaced."""
from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool

from core.auth import Registrar
from core.exceptions import TreatyDBError, ValidationFailed
from core.settings import get_settings

router = APIRouter(prefix="/api", tags=["ingest"])

SNIFF = ((b"%PDF-", "pdf"), (b"PK\x03\x04", "docx"), (b"{\\rtf", "rtf"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"))
_pool: ProcessPoolExecutor | None = None


class PayloadTooLarge(TreatyDBError):
    status_code = 413


class UnsupportedType(TreatyDBError):
    status_code = 415


def sniff(head: bytes) -> str | None:
    """The file type from its first bytes (a .pdf name on a Word file does not matter)."""
    for magic, kind in SNIFF:
        if head.startswith(magic) or (kind == "pdf" and magic in head[:1024]):
            return kind
    return None


class ExtractionFailed(TreatyDBError):
    """Nothing was stored: the file could not be extracted (unreadable, encrypted, crashed, too slow)."""
    status_code = 422

    def __init__(self, message: str, *, line: dict[str, Any] | None = None):
        super().__init__(message, field="file")
        self.line = line

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["line"] = self.line
        return d


DEFAULT_TIMEOUT = 300.0
_pool_lock = threading.Lock()


def ingest_timeout() -> float:
    """Seconds one extraction may take (``TREATYDB_INGEST_TIMEOUT``; default 300)."""
    raw = os.environ.get("TREATYDB_INGEST_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def _new_pool() -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)),
                               mp_context=multiprocessing.get_context("spawn"))


def _pool_get() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = _new_pool()
        return _pool


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: its workers are killed (a stuck extraction never ends by itself)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except Exception:  # already gone
            pass
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except Exception:
        pass


def _pool_replace(broken: ProcessPoolExecutor) -> None:
    """Drop ``broken`` (if it is still the current pool: another request may have replaced it already)."""
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    _kill(broken)


def run_extraction(fn: Callable[..., Any], *args: Any, name: str, timeout: float | None = None) -> Any:
    """``fn(*args)`` in the extraction pool, waiting at most ``timeout`` seconds (default ``ingest_timeout()``).
    A worker that dies (killed, out of memory, a crash in a C library) breaks the whole pool: the pool is
    replaced and the call tried once more in the fresh one; a second crash, or a timeout (the pool is then
    killed and replaced), raises ``ExtractionFailed`` naming ``name``. Blocking: call it in a thread."""
    limit = timeout if timeout is not None else ingest_timeout()
    for attempt in (1, 2):
        pool = _pool_get()
        try:
            future = pool.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down under us: a fresh pool
            _pool_replace(pool)
            pool = _pool_get()
            future = pool.submit(fn, *args)
        try:
            return future.result(timeout=limit)
        except BrokenProcessPool:
            _pool_replace(pool)
            if attempt == 2:
                raise ExtractionFailed(f"extraction of {name} crashed; the file was not stored") from None
        except FutureTimeout:
            future.cancel()
            _pool_replace(pool)
            raise ExtractionFailed(f"extraction of {name} took longer than {limit:g} s; "
                                   "the file was not stored") from None
    raise AssertionError("unreachable")


def shutdown_pool() -> None:
    """Stop the extraction worker processes (called when the app stops: no orphans are left behind)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


async def _save_upload(upload: UploadFile, limit: int) -> tuple[Path, int]:
    fd, tmp = tempfile.mkstemp(prefix="upload-", dir=get_settings().data_dir)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the file is larger than the limit of {limit // (1 << 20)} MB "
                                          "(TREATYDB_MAX_UPLOAD_MB)")
                out.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), size


@router.post("/ingest", status_code=201)
async def ingest_upload(actor: Registrar, file: UploadFile = File(...)) -> dict[str, Any]:
    """Upload one signed text (PDF, DOCX, DOC, RTF). Returns the extraction line with the draft record id
    (201); 422 ``ExtractionFailed`` with the line when the file cannot be extracted (nothing is stored)."""
    s = get_settings()
    s.ensure_dirs()
    tmp, size = await _save_upload(file, s.max_upload_mb << 20)
    try:
        if size == 0:
            raise ValidationFailed("the uploaded file is empty", field="file")
        with open(tmp, "rb") as f:
            kind = sniff(f.read(2048))
        if kind is None:
            raise UnsupportedType(f"{file.filename!r} is not a PDF, DOCX, DOC or RTF file (checked from its content)")
        named = tmp.with_name(f"{tmp.name}.{kind}")
        tmp.rename(named)
        tmp = named
        from sqlmodel import Session

        from core.db import get_engine
        from ingest.service import extract_payload, store_payload

        shown = file.filename or tmp.name
        payload = await run_in_threadpool(lambda: run_extraction(extract_payload, str(tmp), name=repr(shown)))
        payload["line"]["file"] = shown
        if payload["line"].get("status") == "error":  # nothing is stored for a file that cannot be read
            line = dict(payload["line"])
            raise ExtractionFailed(line.get("error") or f"{shown!r} could not be read", line=line)

        def _store() -> dict[str, Any]:
            with Session(get_engine()) as session:
                return store_payload(session, tmp, payload, actor=actor, filename=shown)

        return await run_in_threadpool(_store)
    finally:
        tmp.unlink(missing_ok=True)
