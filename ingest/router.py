"""Upload of signed texts: multipart, size-limited, type sniffed from the content (not the name); the original is
saved before extraction starts, extraction runs in a worker process, and a draft record awaits confirmation."""
from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
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


def _pool_get() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        import multiprocessing

        _pool = ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)),
                                    mp_context=multiprocessing.get_context("spawn"))
    return _pool




def shutdown_pool() -> None:
    """Stop the extraction worker processes (called when the app stops: no orphans are left behind)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


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
    """Upload one signed text (PDF, DOCX, DOC, RTF). Returns the extraction line with the draft record id."""
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

        payload = await run_in_threadpool(lambda: _pool_get().submit(extract_payload, str(tmp)).result())
        payload["line"]["file"] = file.filename or tmp.name

        def _store() -> dict[str, Any]:
            with Session(get_engine()) as session:
                return store_payload(session, tmp, payload, actor=actor, filename=file.filename or tmp.name)

        return await run_in_threadpool(_store)
    finally:
        tmp.unlink(missing_ok=True)
