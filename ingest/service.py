"""Ingest: extract (in worker processes: pypdfium2 is not thread-safe), store the original by sha256 with its
text, and create a draft record for a legal officer to confirm; a Ministry entry-into-force notice becomes events
of the instruments it names. A batch never stops on a bad file, is idempotent by sha256 (so a stopped batch
resumes where it was), and nothing stored is lost.

A file that holds several instruments (an agreement and a later amending protocol) gives one stored document
per instrument (same sha256, ``part`` 1, 2, …), each with its own text, structure and draft record, and one
JSON line per instrument (with a ``part`` key). ``StoredDocument.extraction`` holds the line, the metadata
extras, ``articles`` ([{label, heading, text}] for search: preamble, articles, final clauses, annexes),
``annexes`` ([{label, title, text}]) and ``structure`` (chapters, article labels and headings with their
chapter, preamble, final clauses, instrument range)."""
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

from core.db import begin_write, get_engine
from core.models import StoredDocument
from core.schemas import InstrumentCreate, PartyIn
from core.service import create_instrument
from core.storage import sha256_file, store_file
from ingest.extract import extract_file, iter_files, to_json_lines
from ingest.structure import Structure, search_articles, split as split_structure

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


def _meta(md) -> dict[str, Any]:
    return {"document_kind": md.document_kind, "vn_signatory": md.vn_signatory,
            "vn_signatory_level": md.vn_signatory_level, "duration": md.duration, "notice": md.notice,
            "confidence": md.confidence}


def structure_payload(st: Structure) -> dict[str, Any]:
    """What a stored document keeps of the structure (JSON-able)."""
    return {"articles": search_articles(st),
            "annexes": [{"label": a["label"], "title": a["title"], "text": a["text"]} for a in st.annexes],
            "structure": {"preamble": st.preamble, "final_clauses": st.final_clauses, "chapters": st.chapters,
                          "articles": [{"label": a["label"], "heading": a["heading"], "chapter": a["chapter"]}
                                       for a in st.articles],
                          "toc": [list(t) for t in st.toc]}}


def extract_payload(path: str) -> dict[str, Any]:
    """Worker-process entry point: everything the main process needs, as plain picklable data (the structure
    is split here too, so the main process only stores). ``parts`` only when the file holds several
    instruments: [{line, meta, start, end, structure}] — ``line``/``meta`` are then the first part's."""
    try:
        r = extract_file(Path(path))
        lines = to_json_lines(r)
        ok = r.status == "ok" and bool(r.text)
        out: dict[str, Any] = {"line": lines[0], "text": r.text or "", "kind": r.kind, "meta": _meta(r.metadata)}
        if r.parts:
            out["parts"] = [{"line": ln, "meta": _meta(p.metadata), "start": p.start, "end": p.end,
                             "structure": structure_payload(r.structure(p)) if ok else None}
                            for p, ln in zip(r.parts, lines)]
        else:
            out["structure"] = structure_payload(r.structure()) if ok else None
        return out
    except Exception as exc:  # extract_file should not raise; a crash in one file must not stop the batch
        return {"line": _error_line(Path(path), f"{type(exc).__name__}: {exc}"), "text": "", "kind": None, "meta": {}}


def payload_lines(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON lines of an extraction payload: one per instrument."""
    if payload.get("parts"):
        return [p["line"] for p in payload["parts"]]
    return [payload["line"]]


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


def _already(session: Session, sha: str, part: int | None = None) -> StoredDocument | None:
    q = select(StoredDocument).where(StoredDocument.sha256 == sha)
    if part is not None:
        q = q.where(StoredDocument.part == part)
    return session.exec(q.order_by(StoredDocument.part)).first()


def _stored_parts(session: Session, sha: str) -> list[StoredDocument]:
    return list(session.exec(select(StoredDocument).where(StoredDocument.sha256 == sha)
                             .order_by(StoredDocument.part)))


def store_payload(session: Session, path: Path, payload: dict[str, Any], *, actor: str,
                  filename: str | None = None) -> dict[str, Any]:
    """Store one extracted file: original + text + draft record (or notice events). Idempotent by sha256.
    Returns the file's line; for a file with several instruments, the first instrument's line with ``parts``:
    the lines of all of them (each with its own ``part`` and ``record_id``)."""
    lines = store_payload_parts(session, path, payload, actor=actor, filename=filename)
    if len(lines) == 1:
        return lines[0]
    first = dict(lines[0])
    first["parts"] = [dict(ln) for ln in lines]
    return first


def store_payload_parts(session: Session, path: Path, payload: dict[str, Any], *, actor: str,
                        filename: str | None = None) -> list[dict[str, Any]]:
    """Store one extracted file and return one line per instrument (see ``store_payload``)."""
    parts = payload.get("parts")
    if not parts:
        return [_store_one(session, path, payload, part=1, text=payload.get("text") or "",
                           structure=payload.get("structure"), actor=actor, filename=filename)]
    text = payload.get("text") or ""
    shown = payload["line"].get("file")  # a caller may rename the file on the top line (the upload's own name)
    out = []
    for p in parts:
        one = {"line": dict(p["line"], file=shown or p["line"].get("file")), "meta": p.get("meta") or {},
               "kind": payload.get("kind")}
        out.append(_store_one(session, path, one, part=p["line"].get("part") or 1, text=text[p["start"]:p["end"]],
                              structure=p.get("structure"), actor=actor, filename=filename,
                              extra={"instrument": {"part": p["line"].get("part"), "start": p["start"],
                                                    "end": p["end"]}}))
    return out


def _same_instrument(session: Session, payload_in: InstrumentCreate) -> list[int]:
    """Records that look like the instrument about to be drafted: same family, same signing date (or both without
    one) and the same title once folded (the same treaty ingested from another file — a scan, then its Word
    text)."""
    from core.models import Instrument
    from core.text import fold

    if not payload_in.title:
        return []
    key = fold(payload_in.title)
    same_day = (Instrument.signed_date.is_(None) if payload_in.signed_date is None
                else Instrument.signed_date == payload_in.signed_date)
    rows = session.exec(select(Instrument.id, Instrument.title).where(
        same_day, Instrument.family == payload_in.family)).all()
    return sorted(i for i, title in rows if fold(title) == key)


def _store_one(session: Session, path: Path, payload: dict[str, Any], *, part: int, text: str,
               structure: dict[str, Any] | None, actor: str, filename: str | None,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    line = dict(payload["line"])
    meta = payload.get("meta") or {}
    sha = line.get("sha256")
    if not sha or line.get("status") == "error":
        return line
    existing = _already(session, sha, part)
    if existing is not None:
        line["warnings"] = list(line.get("warnings") or []) + [
            f"already ingested (document #{existing.id}" +
            (f", record #{existing.instrument_id})" if existing.instrument_id else ")") + "; nothing changed"]
        line["record_id"] = existing.instrument_id
        return line
    kind = payload.get("kind") or Path(path).suffix.lower().lstrip(".")
    _, rel = store_file(Path(path), sha, suffix=f".{kind}" if kind else Path(path).suffix)
    if structure is None:
        structure = structure_payload(split_structure(text)) if text else {"articles": [], "annexes": [],
                                                                           "structure": {}}
    keys = JSON_KEYS if "part" not in line else JSON_KEYS[:2] + ("part",) + JSON_KEYS[2:]
    doc = StoredDocument(sha256=sha, part=part, filename=filename or Path(path).name,
                         media_type=MEDIA_TYPES.get(kind or "", "application/octet-stream"),
                         size=Path(path).stat().st_size, storage_path=rel, pages=line.get("pages") or 0,
                         chars=line.get("chars") or 0, ocr=bool(line.get("ocr")), text=text,
                         extraction={"line": {k: line.get(k) for k in keys}, "meta": meta, **structure,
                                     **(extra or {})})
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
        same = _same_instrument(session, payload_in)
        if same:
            warnings.append("may be the same instrument as record " + ", ".join(f"#{i}" for i in same) +
                            " (same title and signing date, from another file): check before confirming")
        try:
            begin_write(session)  # SQLite: take the write lock before the savepoint reads
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
    """Store one file from a line and its text (one instrument; the structure is split here)."""
    with Session(get_engine()) as session:
        return store_payload(session, path, {"line": line, "text": text, "kind": kind or Path(path).suffix.lstrip("."),
                                             "meta": meta or {}}, actor=actor, filename=filename)


# ---------------------------------------------------------------- batch
def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               max_tasks_per_child=25)


def _skipped_lines(f: Path, docs: list[StoredDocument]) -> list[dict[str, Any]]:
    """The lines of a file already stored (one per stored instrument)."""
    out = []
    for doc in docs:
        line = _error_line(f, None, doc.sha256) | {"status": "ok", "error": None, "warnings": [
            f"already ingested (document #{doc.id}" +
            (f", record #{doc.instrument_id})" if doc.instrument_id else ")") + "; skipped"]}
        stored = (doc.extraction or {}).get("line") or {}
        if len(docs) > 1 or "part" in stored:
            line = {"file": line["file"], "sha256": line["sha256"], "part": doc.part} | line
        line.update({k: v for k, v in stored.items() if k not in ("file", "warnings")})
        line["record_id"] = doc.instrument_id
        out.append(line)
    return out


def ingest_paths(paths: Iterable[Path], *, dry_run: bool = False, actor: str = "cli", workers: int | None = None,
                 on_progress: Callable[[Path, dict[str, Any]], None] | None = None,
                 on_total: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """Yield one JSON-able line per instrument (one per file, several for a file that holds several
    instruments), in path order. Extraction runs in ``workers`` processes (default: every core); files already
    stored (same sha256) are not extracted again unless ``dry_run``."""
    files = list(iter_files([Path(p) for p in paths]))
    if on_total:
        on_total(len(files))
    workers = max(1, workers or os.cpu_count() or 1)
    todo: list[Path] = []
    ready: dict[Path, list[dict[str, Any]]] = {}
    if not dry_run:
        with Session(get_engine()) as session:
            for f in files:
                if f.is_symlink():  # never read through a link: extraction reports it
                    todo.append(f)
                    continue
                try:
                    sha = sha256_file(f)
                except OSError as exc:
                    ready[f] = [_error_line(f, f"cannot read the file: {exc.strerror or exc}")]
                    continue
                docs = _stored_parts(session, sha)
                if docs:
                    ready[f] = _skipped_lines(f, docs)
                else:
                    todo.append(f)
    else:
        todo = files

    def finish(f: Path, payload: dict[str, Any]) -> list[dict[str, Any]]:
        if dry_run or payload["line"].get("sha256") is None or payload["line"].get("status") == "error":
            return payload_lines(payload)  # an unreadable file is not stored, so a later run tries it again
        try:
            with Session(get_engine()) as session:
                return store_payload_parts(session, f, payload, actor=actor)
        except Exception as exc:
            log.exception("storing %s failed", f)
            out = []
            for ln in payload_lines(payload):
                ln = dict(ln)
                ln.update(status="error", error=f"could not store: {type(exc).__name__}: {exc}")
                out.append(ln)
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
            lines = ready[f] if f in ready else finish(f, next(it))
            for line in lines:
                if on_progress:
                    on_progress(f, line)
                yield line
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
