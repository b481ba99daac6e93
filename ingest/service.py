"""Ingest: extract, store the original by sha256 with its text, and create a draft record for a legal officer
to confirm. A batch never stops on a bad file; nothing stored is lost."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from core.db import get_engine
from core.models import StoredDocument
from core.schemas import InstrumentCreate, PartyIn
from core.service import create_instrument
from core.storage import store_file
from ingest.articles import split_articles
from ingest.extract import extract_file, iter_files, to_json_line

log = logging.getLogger("treatydb.ingest")

MEDIA_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "doc": "application/msword", "rtf": "application/rtf"}


def _draft_payload(line: dict[str, Any]) -> InstrumentCreate | None:
    """A draft InstrumentCreate from an extraction line, or None when the file is not an instrument."""
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
    level = line.get("vn_signatory_level")
    if fam == "treaty" and level in ("Nhà nước", "Chính phủ"):
        extra["danh_nghia"] = level
    elif fam == "agreement" and level:
        from agreements.rules import normalise_signatory_level

        extra["signatory_level"] = normalise_signatory_level(level)
        extra["vn_agency"] = line.get("vn_signatory")
    return InstrumentCreate(
        family=fam, title=line["title"][:5000], instrument_type=(line.get("instrument_type") or "khác")[:120],
        parties=parties, signed_date=signed_d, signed_place=(line.get("signed_place") or None),
        language=line.get("language"), authentic_languages=line.get("authentic_languages") or [],
        eif_rule=eif.get("rule"), eif_days=eif.get("days"), classification="none", publish=None, **extra)


class _Extracted:
    """The parts of an extraction result that storing needs (text and the detected kind)."""

    def __init__(self, text: str, kind: str | None):
        self.text, self.kind = text, kind


def store_extracted(path: Path, line: dict[str, Any], text: str, actor: str, filename: str | None = None) -> dict[str, Any]:
    """Store an upload already extracted in a worker process."""
    with Session(get_engine()) as session:
        return _store(session, path, dict(line), _Extracted(text, Path(path).suffix.lstrip(".")), 1, actor,
                      filename=filename)


def _store(session: Session, path: Path, line: dict[str, Any], result, part: int, actor: str,
           filename: str | None = None) -> dict[str, Any]:
    sha = line["sha256"]
    existing = session.exec(select(StoredDocument).where(StoredDocument.sha256 == sha,
                                                         StoredDocument.part == part)).first()
    if existing is not None:
        line["warnings"] = list(line.get("warnings") or []) + [
            f"already ingested (document #{existing.id}" +
            (f", record #{existing.instrument_id})" if existing.instrument_id else ")") + "; nothing changed"]
        line["record_id"] = existing.instrument_id
        return line
    kind = getattr(result, "kind", None) or Path(path).suffix.lower().lstrip(".")
    _, rel = store_file(Path(path), sha, suffix="." + kind if kind else Path(path).suffix)
    text = getattr(result, "text", "") or ""
    doc = StoredDocument(sha256=sha, part=part, filename=filename or Path(path).name, media_type=MEDIA_TYPES.get(kind, "application/octet-stream"),
                         size=Path(path).stat().st_size, storage_path=rel, pages=line.get("pages") or 0,
                         chars=line.get("chars") or 0, ocr=bool(line.get("ocr")), text=text,
                         extraction={"line": {k: v for k, v in line.items() if k != "record_id"},
                                     "articles": split_articles(text)})
    payload = None
    try:
        payload = _draft_payload(line)
    except Exception as exc:  # a value the register refuses: keep the document, say why
        line["warnings"] = list(line.get("warnings") or []) + [f"no draft record: {exc}"]
    if payload is not None:
        try:
            with session.begin_nested():
                inst = create_instrument(session, payload, actor=actor, record_state="draft", source="ingest",
                                         is_draft_text=bool(line.get("is_draft")), commit=False)
            doc.instrument_id = inst.id
            line["record_id"] = inst.id
        except Exception as exc:
            line["warnings"] = list(line.get("warnings") or []) + [f"no draft record: {getattr(exc, 'message', exc)}"]
    session.add(doc)
    session.commit()
    return line


def ingest_paths(paths: Iterable[Path], *, dry_run: bool = False, actor: str = "cli") -> Iterator[dict[str, Any]]:
    """Yield one JSON-able line per instrument found; with dry_run nothing is written."""
    for path in iter_files([Path(p) for p in paths]):
        try:
            result = extract_file(path)
            line = to_json_line(result)
        except Exception as exc:  # extract_file should never raise; keep the batch going regardless
            log.exception("extraction failed for %s", path)
            line = {"file": str(path), "sha256": None, "status": "error", "error": f"{type(exc).__name__}: {exc}",
                    "family": "other", "instrument_type": None, "title": None, "language": None,
                    "authentic_languages": None, "parties": [], "signed_date": None, "signed_place": None,
                    "entry_into_force": {"rule": None, "days": None, "date": None}, "pages": 0, "chars": 0,
                    "ocr": False, "is_draft": False, "warnings": []}
            result = None
        if dry_run or line.get("sha256") is None or result is None:
            yield line
            continue
        try:
            with Session(get_engine()) as session:
                out = _store(session, path, dict(line), result, 1, actor)
        except Exception as exc:
            log.exception("storing %s failed", path)
            out = dict(line)
            out["status"] = "error"
            out["error"] = f"could not store: {type(exc).__name__}: {exc}"
        yield out
