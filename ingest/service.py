"""Ingest: extract (in worker processes: pypdfium2 is not thread-safe), store the original by sha256 with its
text, and create a draft record for a legal officer to confirm; a Ministry entry-into-force notice becomes events
of the instruments it names. A batch never stops on a bad file, is idempotent by sha256 (so a stopped batch
resumes where it was), and nothing stored is lost."""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from core.db import get_engine
from core.models import StoredDocument
from core.schemas import InstrumentCreate, PartyIn
from core.service import create_instrument
from core.storage import sha256_file, store_file
from ingest.articles import split_articles
from ingest.extract import extract_file, iter_files, to_json_line

log = logging.getLogger("treatydb.ingest")

MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "doc": "application/msword", "rtf": "application/rtf"}
JSON_KEYS = ("file", "sha256", "status", "error", "family", "instrument_type", "title", "language",
             "authentic_languages", "parties", "signed_date", "signed_place", "entry_into_force", "pages", "chars",
             "ocr", "is_draft", "warnings")


def _error_line(path: Path, msg: str, sha: str | None = None) -> dict[str, Any]:
    return {"file": str(path), "sha256": sha, "status": "error", "error": msg, "family": None,
            "instrument_type": None, "title": None, "language": None, "authentic_languages": None, "parties": [],
            "signed_date": None, "signed_place": None, "entry_into_force": {"rule": None, "days": None, "date": None},
            "pages": None, "chars": 0, "ocr": False, "is_draft": False, "warnings": []}


def extract_payload(path: str) -> dict[str, Any]:
    """Worker-process entry point: everything the main process needs, as plain picklable data."""
    try:
        r = extract_file(Path(path))
        md = r.metadata
        return {"line": to_json_line(r), "text": r.text or "", "kind": r.kind,
                "meta": {"document_kind": md.document_kind, "vn_signatory": md.vn_signatory,
                         "vn_signatory_level": md.vn_signatory_level, "duration": md.duration,
                         "notice": md.notice, "confidence": md.confidence}}
    except Exception as exc:  # extract_file should not raise; a crash in one file must not stop the batch
        return {"line": _error_line(Path(path), f"{type(exc).__name__}: {exc}"), "text": "", "kind": None, "meta": {}}


# ---------------------------------------------------------------- storing
def _draft_payload(line: dict[str, Any], meta: dict[str, Any]) -> InstrumentCreate | None:
    """A draft InstrumentCreate from an extraction, or None when the file is not an instrument."""
    if line.get("status") != "ok" or line.get("family") not in ("treaty", "agreement") or not line.get("title"):
        return None
    signed = line.get("signed_date")
    signed_d = date.fromisoformat(signed) if signed else None
    if signed_d and signed_d > date.today():
        signed_d = None
    eif = line.get("entry_into_force") or {}
    parties = [PartyIn(name=p["name"][:1000], code=p.get("code")) for p in (line.get("parties") or []) if p.get("name")]
    fam = line["family"]
    extra: dict[str, Any] = {}
    level = meta.get("vn_signatory_level")
    if fam == "treaty" and level in ("Nhà nước", "Chính phủ"):
        extra["danh_nghia"] = level
    elif fam == "agreement" and level:
        from agreements.rules import normalise_signatory_level

        extra["signatory_level"] = normalise_signatory_level(level)
        extra["vn_agency"] = (meta.get("vn_signatory") or None)
    dur = meta.get("duration") or {}
    return InstrumentCreate(
        family=fam, title=line["title"][:5000], instrument_type=(line.get("instrument_type") or "khác")[:120],
        parties=parties, signed_date=signed_d, signed_place=(line.get("signed_place") or None),
        language=line.get("language"), authentic_languages=line.get("authentic_languages") or [],
        eif_rule=eif.get("rule"), eif_days=eif.get("days"), classification="none", publish=None,
        duration_years=dur.get("years"), auto_renewal=dur.get("auto_renewal"), notice_months=dur.get("notice_months"),
        **extra)


def _already(session: Session, sha: str) -> StoredDocument | None:
    return session.exec(select(StoredDocument).where(StoredDocument.sha256 == sha)).first()


def store_payload(session: Session, path: Path, payload: dict[str, Any], *, actor: str,
                  filename: str | None = None) -> dict[str, Any]:
    """Store one extracted file: original + text + draft record (or notice events). Idempotent by sha256."""
    line = dict(payload["line"])
    meta = payload.get("meta") or {}
    sha = line.get("sha256")
    if not sha or line.get("status") == "error":
        return line
    existing = _already(session, sha)
    if existing is not None:
        line["warnings"] = list(line.get("warnings") or []) + [
            f"already ingested (document #{existing.id}" +
            (f", record #{existing.instrument_id})" if existing.instrument_id else ")") + "; nothing changed"]
        line["record_id"] = existing.instrument_id
        return line
    kind = payload.get("kind") or Path(path).suffix.lower().lstrip(".")
    _, rel = store_file(Path(path), sha, suffix=f".{kind}" if kind else Path(path).suffix)
    text = payload.get("text") or ""
    doc = StoredDocument(sha256=sha, part=1, filename=filename or Path(path).name,
                         media_type=MEDIA_TYPES.get(kind or "", "application/octet-stream"),
                         size=Path(path).stat().st_size, storage_path=rel, pages=line.get("pages") or 0,
                         chars=line.get("chars") or 0, ocr=bool(line.get("ocr")), text=text,
                         extraction={"line": {k: line.get(k) for k in JSON_KEYS}, "meta": meta,
                                     "articles": split_articles(text)})
    warnings = list(line.get("warnings") or [])
    if line.get("status") == "ok" and meta.get("document_kind") == "eif_notice" and meta.get("notice"):
        from ingest.notice_events import apply_notice

        session.add(doc)
        session.commit()
        line["notice_events"] = apply_notice(session, meta["notice"], actor=actor)
        warnings += [r["message"] for r in line["notice_events"] if r.get("status") in ("unmatched", "error")]
        line["warnings"] = warnings
        return line
    payload_in = None
    try:
        payload_in = _draft_payload(line, meta)
    except Exception as exc:  # a value the register refuses: keep the document, say why
        warnings.append(f"no draft record: {exc}")
    if payload_in is not None:
        try:
            with session.begin_nested():
                inst = create_instrument(session, payload_in, actor=actor, record_state="draft", source="ingest",
                                         is_draft_text=bool(line.get("is_draft")), commit=False)
            doc.instrument_id = inst.id
            line["record_id"] = inst.id
        except Exception as exc:
            warnings.append(f"no draft record: {getattr(exc, 'message', exc)}")
    line["warnings"] = warnings
    session.add(doc)
    session.commit()
    return line


def store_extracted(path: Path, line: dict[str, Any], text: str, actor: str, filename: str | None = None,
                    kind: str | None = None, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    with Session(get_engine()) as session:
        return store_payload(session, path, {"line": line, "text": text, "kind": kind or Path(path).suffix.lstrip("."),
                                             "meta": meta or {}}, actor=actor, filename=filename)


# ---------------------------------------------------------------- batch
def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               max_tasks_per_child=25)


def ingest_paths(paths: Iterable[Path], *, dry_run: bool = False, actor: str = "cli", workers: int | None = None,
                 on_progress: Callable[[Path, dict[str, Any]], None] | None = None,
                 on_total: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """Yield one JSON-able line per file, in path order. Extraction runs in ``workers`` processes (default: every
    core); files already stored (same sha256) are not extracted again unless ``dry_run``."""
    files = list(iter_files([Path(p) for p in paths]))
    if on_total:
        on_total(len(files))
    workers = max(1, workers or os.cpu_count() or 1)
    todo: list[Path] = []
    ready: dict[Path, dict[str, Any]] = {}
    if not dry_run:
        with Session(get_engine()) as session:
            for f in files:
                try:
                    sha = sha256_file(f)
                except OSError as exc:
                    ready[f] = _error_line(f, f"cannot read the file: {exc.strerror or exc}")
                    continue
                doc = _already(session, sha)
                if doc is not None:
                    line = _error_line(f, None, sha) | {"status": "ok", "error": None, "warnings": [
                        f"already ingested (document #{doc.id}" +
                        (f", record #{doc.instrument_id})" if doc.instrument_id else ")") + "; skipped"]}
                    line.update({k: v for k, v in ((doc.extraction or {}).get("line") or {}).items()
                                 if k not in ("file", "warnings")})
                    line["record_id"] = doc.instrument_id
                    ready[f] = line
                else:
                    todo.append(f)
    else:
        todo = files

    def finish(f: Path, payload: dict[str, Any]) -> dict[str, Any]:
        if dry_run or payload["line"].get("sha256") is None or payload["line"].get("status") == "error":
            return payload["line"]  # an unreadable file is not stored, so a later run tries it again
        try:
            with Session(get_engine()) as session:
                return store_payload(session, f, payload, actor=actor)
        except Exception as exc:
            log.exception("storing %s failed", f)
            out = dict(payload["line"])
            out.update(status="error", error=f"could not store: {type(exc).__name__}: {exc}")
            return out

    results: Iterator[dict[str, Any]]
    if len(todo) <= 1 or workers == 1:
        results = (extract_payload(str(f)) for f in todo)
        pool = None
    else:
        pool = _pool(min(workers, len(todo)))
        results = pool.map(extract_payload, [str(f) for f in todo], chunksize=1)
    try:
        it = iter(results)
        for f in files:
            if f in ready:
                line = ready[f]
            else:
                line = finish(f, next(it))
            if on_progress:
                on_progress(f, line)
            yield line
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
