"""One entry point for a file of any supported kind.

``extract_file(path) -> ExtractionResult`` sniffs the type from the content (``%PDF``; a zip with
``word/document.xml``; ``{\\rtf``; OLE2 ``D0CF11E0`` for .doc), extracts the text (PDF: ``ingest.pdf``;
DOCX: ``ingest.docx``; DOC/RTF through LibreOffice), then the metadata (``ingest.metadata``).
It never raises: a file it cannot read gets ``status == "error"`` and an ``error`` string.

``to_json_line(result)`` gives the flat record with exactly the keys of ``JSON_KEYS``.
``iter_files(paths)`` expands folders recursively (sorted; every file, so each gets its line; links not followed).

One file may hold several instruments (an agreement, then a later amending protocol with its own title and
signatures: ``ingest.structure.instruments``). Then ``result.parts`` lists them, each with its own metadata,
``result.metadata`` is the first one's, and ``to_json_lines(result)`` gives one line per instrument, each with
the same ``file`` and ``sha256`` and a ``part`` key (1, 2, …). A file with one instrument gives exactly one
line with exactly ``JSON_KEYS`` (no ``part``). ``result.structure()`` splits the text (or one part's text) into
preamble, chapters, articles, final clauses and annexes.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ingest.docx import DocxError, convert_to_docx, extract_docx
from ingest.metadata import Metadata, extract_metadata
from ingest.pdf import PageInfo, extract_pdf
from ingest.structure import Structure, instruments as find_instruments, split as split_structure

__all__ = ["ExtractionResult", "InstrumentPart", "extract_file", "to_json_line", "to_json_lines", "iter_files",
           "sniff", "JSON_KEYS", "SUPPORTED_KINDS"]

JSON_KEYS = ("file", "sha256", "status", "error", "family", "instrument_type", "title", "language",
             "authentic_languages", "parties", "signed_date", "signed_place", "entry_into_force", "pages",
             "chars", "ocr", "is_draft", "warnings")
SUPPORTED_KINDS = ("pdf", "docx", "doc", "rtf")
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class InstrumentPart:
    """One instrument of a file that holds several: its character range in ``ExtractionResult.text``."""
    part: int
    start: int
    end: int
    metadata: Metadata = field(default_factory=Metadata)

    @property
    def chars(self) -> int:
        return self.end - self.start


@dataclass
class ExtractionResult:
    file: str
    sha256: str | None = None
    kind: str | None = None  # "pdf" | "docx" | "doc" | "rtf" | None
    status: str = "ok"
    error: str | None = None
    text: str = ""
    extra_text: str = ""  # DOCX headers/footers/footnotes (also inside ``text``)
    pages: list[PageInfo] = field(default_factory=list)
    page_count: int | None = None
    metadata: Metadata = field(default_factory=Metadata)
    warnings: list[str] = field(default_factory=list)
    properties: dict = field(default_factory=dict)
    parts: list[InstrumentPart] = field(default_factory=list)  # only when the file holds several instruments
    file_warnings: list[str] = field(default_factory=list)  # ``warnings`` without the metadata's
    _structures: dict = field(default_factory=dict, repr=False, compare=False)

    def part_text(self, part: InstrumentPart | None) -> str:
        return self.text if part is None else self.text[part.start:part.end]

    def structure(self, part: InstrumentPart | None = None) -> Structure:
        """The structure of the text (or of one instrument's text), computed once."""
        key = part.part if part is not None else 0
        if key not in self._structures:
            self._structures[key] = split_structure(self.part_text(part))
        return self._structures[key]

    @property
    def ocr(self) -> bool:
        return any(p.method == "ocr" for p in self.pages)

    @property
    def chars(self) -> int:
        return len(self.text)


def sniff(path: str | os.PathLike) -> str | None:
    """"pdf", "docx", "doc", "rtf", "zip" (not a DOCX), "empty" or None (unknown) — from the bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError:
        return None
    if not head:
        return "empty"
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        if "word/document.xml" in names or any(n.endswith("/document.xml") and n.startswith("word") for n in names):
            return "docx"
        return "zip"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        return "doc"
    return None


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _docx_into(res: ExtractionResult, docx_path: Path) -> None:
    d = extract_docx(docx_path)
    res.text = d.text
    res.extra_text = "\n".join([*d.headers, *d.footers, *d.footnotes])
    res.properties = d.properties
    res.warnings.extend(d.warnings)


def extract_file(
    path: str | os.PathLike,
    *,
    ocr: bool | None = None,
    max_pages: int = 1000,
    max_ocr_pages: int = 40,
    lang_hint: str | None = None,
    soffice_timeout: float = 120.0,
) -> ExtractionResult:
    """Extract text and metadata from one file. Never raises."""
    p = Path(path)
    res = ExtractionResult(file=str(path))
    try:
        _extract(res, p, ocr=ocr, max_pages=max_pages, max_ocr_pages=max_ocr_pages, lang_hint=lang_hint,
                 soffice_timeout=soffice_timeout)
    except Exception as e:  # noqa: BLE001 - the contract is "never raises"
        res.status = "error"
        res.error = f"internal error while reading the file: {type(e).__name__}: {e}"
    if res.status == "error" and not res.text:
        res.metadata = Metadata(document_kind="other")
    if res.status == "error":
        res.parts = []
    return res


def _extract(res: ExtractionResult, p: Path, *, ocr, max_pages, max_ocr_pages, lang_hint, soffice_timeout) -> None:
    if p.is_symlink():  # never read through a link (it may point anywhere: outside the folder, at a device …)
        res.status, res.error = "error", "symbolic link: not followed (name the file it points to instead)"
        return
    if not p.exists():
        res.status, res.error = "error", f"file not found: {p}"
        return
    if p.is_dir():
        res.status, res.error = "error", "is a directory, not a file"
        return
    if not p.is_file():  # a FIFO, socket or device: opening it could block or never end
        res.status, res.error = "error", "not a regular file (a pipe, socket or device): not read"
        return
    size = p.stat().st_size
    res.sha256 = _sha256(p)
    if size > MAX_FILE_BYTES:
        res.status, res.error = "error", f"file too large ({size:,} bytes; limit {MAX_FILE_BYTES:,})"
        return
    kind = sniff(p)
    res.kind = kind if kind in SUPPORTED_KINDS else None
    if kind == "empty":
        res.status, res.error = "error", "empty file (0 bytes)"
        return
    if kind is None:
        res.status, res.error = "error", ("unsupported file type: not a PDF, DOCX, DOC or RTF file "
                                        "(detected from its content, not its name)")
        return
    if kind == "zip":
        res.status, res.error = "error", ("zip archive without word/document.xml: not a DOCX "
                                        "(only PDF, DOCX, DOC and RTF files are read)")
        return
    if kind == "pdf":
        pr = extract_pdf(p, ocr=ocr, lang_hint=lang_hint, max_pages=max_pages, max_ocr_pages=max_ocr_pages)
        res.pages = pr.pages
        res.page_count = pr.page_count or None
        res.warnings.extend(pr.warnings)
        res.properties = pr.info
        if pr.error:
            res.status, res.error = "error", pr.error
            return
        res.text = pr.text
    elif kind == "docx":
        try:
            _docx_into(res, p)
        except DocxError as e:
            res.status, res.error = "error", str(e)
            return
    else:  # doc / rtf
        out, tmp, err = convert_to_docx(p, timeout=soffice_timeout)
        try:
            if err:
                res.status, res.error = "error", err
                return
            try:
                _docx_into(res, out)
            except DocxError as e:
                res.status, res.error = "error", f"converted {kind.upper()} unreadable: {e}"
                return
            res.warnings.append(f"legacy {kind.upper()} converted to DOCX with LibreOffice")
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)

    if not res.text.strip():
        res.status = "error"
        problems = "; ".join(res.warnings) if res.warnings else "no text found"
        res.error = f"no usable text: {problems}"
        res.metadata = Metadata(document_kind="other")
        res.metadata.is_draft = False
        return
    quality = 1.0
    if res.pages:
        used = [pg for pg in res.pages if pg.method in ("text", "ocr") and pg.chars]
        if used:
            quality = min(1.0, sum(pg.quality for pg in used) / len(used))
        unusable = [pg for pg in res.pages if pg.method == "none" and pg.problem not in ("blank",)]
        if unusable and len(unusable) * 2 > len(res.pages):
            res.warnings.append(f"{len(unusable)} of {len(res.pages)} pages have no usable text; metadata may be incomplete")
    res.file_warnings = list(res.warnings)
    ranges = find_instruments(res.text)
    if len(ranges) > 1:
        for r in ranges:
            part = InstrumentPart(part=r["part"], start=r["start"], end=r["end"])
            part.metadata = extract_metadata(res.part_text(part), extra_text=res.extra_text,
                                             properties=res.properties if r["part"] == 1 else {}, quality=quality)
            res.parts.append(part)
        res.metadata = res.parts[0].metadata
        res.warnings.append(f"{len(ranges)} instruments in one file (parts 1–{len(ranges)})")
        res.file_warnings = list(res.warnings)
    else:
        res.metadata = extract_metadata(res.text, extra_text=res.extra_text, properties=res.properties,
                                        quality=quality)
    res.warnings.extend(res.metadata.warnings)


def to_json_lines(result: ExtractionResult) -> list[dict]:
    """One flat record per instrument: ``[to_json_line(result)]`` for a file with one instrument; for a file
    with several, one line per part (same ``file`` and ``sha256``, ``part`` 1, 2, …)."""
    if not result.parts:
        return [to_json_line(result)]
    return [to_json_line(result, p) for p in result.parts]


def to_json_line(result: ExtractionResult, part: InstrumentPart | None = None) -> dict:
    """The flat record (keys exactly ``JSON_KEYS``; plus ``part`` after ``sha256`` when the file holds several
    instruments: then the line of ``part``, by default the first)."""
    if part is None and result.parts:
        part = result.parts[0]
    md = part.metadata if part is not None else result.metadata
    ok = result.status == "ok"
    eif = md.entry_into_force if ok else {"rule": None, "days": None, "date": None}
    head = {"file": result.file, "sha256": result.sha256}
    if part is not None:
        head["part"] = part.part
    warnings = list(result.warnings) if part is None else list(result.file_warnings) + list(md.warnings)
    return head | {
        "status": result.status,
        "error": result.error,
        "family": md.family if ok else None,
        "instrument_type": md.instrument_type if ok else None,
        "title": md.title if ok else None,
        "language": md.language if ok else None,
        "authentic_languages": md.authentic_languages if ok else None,
        "parties": [{"name": p["name"], "code": p["code"]} for p in md.parties] if ok else [],
        "signed_date": md.signed_date.isoformat() if ok and md.signed_date else None,
        "signed_place": md.signed_place if ok else None,
        "entry_into_force": {"rule": eif.get("rule"), "days": eif.get("days"), "date": eif.get("date")},
        "pages": result.page_count if result.kind == "pdf" else None,
        "chars": result.chars if part is None else part.chars,
        "ocr": result.ocr,
        "is_draft": bool(md.is_draft) if ok else False,
        "warnings": warnings,
    }


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named in ``paths``, folders expanded recursively in sorted order. Inside folders every regular,
    non-hidden file is yielded whatever its content (an empty file, a text named .pdf, an image, a plain zip
    gets its own error line from ``extract_file``, never a silent skip). Symbolic links are not followed: a
    link (to a file or a folder) is yielded itself, and ``extract_file`` answers "symbolic link: not followed"
    without reading it. Pipes, sockets and devices are left out (opening one could block). A path named
    directly is always yielded (it gets an error line if it cannot be read); a link named directly is yielded
    as the file it points to."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():  # a folder named directly is expanded even through a link; links inside it are not
            for root, dirs, files in os.walk(p, followlinks=False):
                here = Path(root)
                links = [d for d in dirs if not d.startswith(".") and (here / d).is_symlink()]
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in links)
                for name in sorted([*files, *links]):
                    if name.startswith("."):
                        continue
                    fp = here / name
                    try:
                        st = fp.lstat()
                    except OSError:
                        yield fp  # vanished or unreadable: extract_file says so
                        continue
                    if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                        yield fp
        elif p.is_symlink() and p.is_file():
            yield Path(os.path.realpath(p))  # named directly: the user chose it, the line names what is read
        else:
            yield p
