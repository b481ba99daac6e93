"""PDF text per page with pypdfium2, a per-page quality gate, and Tesseract OCR for unusable pages.

* pypdfium2 reads the text layer (fast; it also reads Type0 fonts with embedded CMaps that pdfminer
  cannot). PDFium is not thread-safe: every call opens its own ``PdfDocument`` and closes it, nothing
  is shared between calls, and a module lock serialises PDFium use between threads of one process.
* pdfplumber is used only where its layout analysis helps: pages whose OCR layer splits words
  ("V iệ t Nam") and fake-bold pages (``dedupe_chars``).
* Each page gets ``method`` ("text" | "ocr" | "none") and a ``quality`` in 0..1 (see ``ingest.quality``).
* Unusable pages are rendered at 300 dpi (with their /Rotate applied) and OCR'd with the ``tesseract``
  binary (stdin → stdout, ``OMP_THREAD_LIMIT=1``). Tesseract's OSD picks the script (and orientation)
  first, so a Cyrillic or Han page is not run through the Vietnamese model.
* ``extract_pdf`` never raises: a file it cannot open gets ``error``.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.legacy import fix_legacy
from ingest.quality import assess, dominant_script, guess_language, looks_vietnamese, undouble

__all__ = [
    "PageInfo",
    "PdfText",
    "extract_pdf",
    "ocr_available",
    "tesseract_languages",
    "ocr_image",
    "TESSERACT_CODES",
]

_PDFIUM_LOCK = threading.RLock()

# ISO 639-1 → tesseract model
TESSERACT_CODES = {
    "vi": "vie", "en": "eng", "fr": "fra", "ru": "rus", "zh": "chi_sim", "ar": "ara", "es": "spa",
    "de": "deu", "ja": "jpn", "ko": "kor", "th": "tha", "lo": "lao", "km": "khm", "nl": "nld", "da": "dan",
    "hu": "hun", "bg": "bul", "it": "ita", "pt": "por", "pl": "pol", "cs": "ces", "sk": "slk", "ro": "ron",
    "uk": "ukr", "my": "mya", "id": "ind", "ms": "msa", "tl": "tgl", "fi": "fin", "sv": "swe", "no": "nor",
    "el": "ell", "tr": "tur", "he": "heb", "hi": "hin", "mn": "mon", "kk": "kaz",
}
# OSD script name → (models to try, language label used in warnings)
_SCRIPT_MODELS = {
    "Latin": (["vie", "eng"], "Latin"),
    "Cyrillic": (["rus", "ukr", "bul"], "Cyrillic (rus)"),
    "Han": (["chi_sim", "chi_tra"], "Han (chi_sim)"),
    "Arabic": (["ara"], "Arabic (ara)"),
    "Japanese": (["jpn"], "Japanese (jpn)"),
    "Katakana": (["jpn"], "Japanese (jpn)"),
    "Hiragana": (["jpn"], "Japanese (jpn)"),
    "Hangul": (["kor"], "Korean (kor)"),
    "Thai": (["tha"], "Thai (tha)"),
    "Lao": (["lao"], "Lao (lao)"),
    "Khmer": (["khm"], "Khmer (khm)"),
    "Greek": (["ell"], "Greek (ell)"),
}
# our coarse text scripts → OSD names
_TEXT_SCRIPT_TO_OSD = {"cyrillic": "Cyrillic", "han": "Han", "han_rare": "Han", "arabic": "Arabic",
                       "kana": "Japanese", "hangul": "Hangul", "thai": "Thai", "lao": "Lao", "khmer": "Khmer",
                       "greek": "Greek"}


@dataclass
class PageInfo:
    number: int
    method: str  # "text" | "ocr" | "none"
    quality: float
    chars: int
    rotation: int = 0
    problem: str | None = None
    ocr_confidence: float | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return {"page": self.number, "method": self.method, "quality": self.quality, "chars": self.chars,
                "rotation": self.rotation, "problem": self.problem, "ocr_confidence": self.ocr_confidence}


@dataclass
class PdfText:
    pages: list[PageInfo] = field(default_factory=list)
    page_texts: list[str] = field(default_factory=list)
    page_count: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    info: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in self.page_texts if t)

    @property
    def ocr_used(self) -> bool:
        return any(p.method == "ocr" for p in self.pages)


# ---------------------------------------------------------------------------------------------------
# tesseract


@lru_cache(maxsize=1)
def _tesseract() -> str | None:
    return shutil.which("tesseract")


@lru_cache(maxsize=1)
def tesseract_languages() -> frozenset[str]:
    exe = _tesseract()
    if not exe:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=30, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    langs = [ln.strip() for ln in (out.stdout + out.stderr).splitlines()[1:] if ln.strip() and " " not in ln.strip()]
    return frozenset(langs)


def ocr_available() -> bool:
    return bool(_tesseract()) and "eng" in tesseract_languages()


def _tess_env() -> dict:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def _osd(png: bytes, timeout: float) -> tuple[str | None, int]:
    """(script, rotate-degrees) from tesseract OSD, or (None, 0)."""
    if "osd" not in tesseract_languages():
        return None, 0
    try:
        p = subprocess.run([_tesseract(), "stdin", "stdout", "--psm", "0", "-l", "osd"], input=png,
                           capture_output=True, timeout=timeout, env=_tess_env())
    except (OSError, subprocess.TimeoutExpired):
        return None, 0
    out = p.stdout.decode("utf-8", "replace")
    script = None
    rot = 0
    m = re.search(r"Script:\s*(\S+)", out)
    conf = re.search(r"Script confidence:\s*([\d.]+)", out)
    if m and (not conf or float(conf.group(1)) >= 1.0):
        script = m.group(1)
    r = re.search(r"Rotate:\s*(\d+)", out)
    oc = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if r and oc and float(oc.group(1)) >= 2.0:
        rot = int(r.group(1))
    return script, rot


def ocr_image(png: bytes, langs: str, timeout: float = 180.0, psm: int = 3) -> tuple[str, float | None, str | None]:
    """OCR one image with the tesseract binary. Returns (text, mean word confidence 0..1, error)."""
    exe = _tesseract()
    if not exe:
        return "", None, "OCR not available (tesseract is not installed)"
    cmd = [exe, "stdin", "stdout", "-l", langs, "--psm", str(psm), "tsv"]
    try:
        p = subprocess.run(cmd, input=png, capture_output=True, timeout=timeout, env=_tess_env())
    except subprocess.TimeoutExpired:
        return "", None, f"OCR timed out after {timeout:.0f} s"
    except OSError as e:
        return "", None, f"OCR failed: {e}"
    if p.returncode != 0:
        return "", None, "OCR failed: " + p.stderr.decode("utf-8", "replace").strip()[:200]
    lines: dict[tuple, list[str]] = {}
    order: list[tuple] = []
    confs: list[float] = []
    prev_block = None
    text_lines: list[str] = []
    for row in p.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))  # block, par, line
        word = cols[11]
        try:
            conf = float(cols[10])
        except ValueError:
            conf = -1
        if not word.strip():
            continue
        if conf >= 0:
            confs.append(conf)
        if key not in lines:
            lines[key] = []
            order.append(key)
        lines[key].append(word)
    for key in order:
        if prev_block is not None and key[:2] != prev_block:
            text_lines.append("")
        prev_block = key[:2]
        text_lines.append(" ".join(lines[key]))
    text = unicodedata.normalize("NFC", "\n".join(text_lines).strip())
    mean = round(sum(confs) / len(confs) / 100, 3) if confs else None
    return text, mean, None


# ---------------------------------------------------------------------------------------------------
# PDF


def _clean(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-").replace("\x02", "-")
    s = s.replace("\u00ad", "")
    s = re.sub(r"[ \t\u00a0]+\n", "\n", s)
    return unicodedata.normalize("NFC", s).strip()


_SPLIT_RE = re.compile(r"(?<![\w])([A-ZĐÂĂÊÔƠƯ]) ([a-zà-ỹđ]{1,6})\b")


def _split_words_score(text: str) -> float:
    """Occurrences per 1000 chars of a capital letter cut off its word ("V iệt", "N ghị", "H iệp")."""
    if not text:
        return 0.0
    return 1000 * len(_SPLIT_RE.findall(text)) / len(text)


def _plumber_page(path: str, index: int, dedupe: bool) -> str | None:
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover
        return None
    try:
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[index]
            if dedupe:
                page = page.dedupe_chars()
            return _clean(page.extract_text() or "")
    except Exception:  # noqa: BLE001 - pdfplumber raises many kinds; it is only a second opinion
        return None


def _open_error(e: Exception, path: Path) -> str:
    msg = str(e)
    low = msg.lower()
    if "password" in low:
        return "encrypted PDF: a password is required to open it"
    if "format" in low or "data format" in low:
        return "damaged or truncated PDF: PDFium cannot parse it (data format error)"
    if "file not found" in low or "no such file" in low:
        return f"file not found: {path.name}"
    if "security" in low:
        return "encrypted PDF: unsupported security handler"
    return f"cannot open PDF: {msg}"


def _page_objects_info(page) -> tuple[int, int]:
    """(number of image objects, number of text objects) on a page (top level)."""
    import pypdfium2.raw as pdfium_c

    images = texts = 0
    try:
        for obj in page.get_objects(max_depth=2):
            if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                images += 1
            elif obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                texts += 1
    except Exception:  # noqa: BLE001
        pass
    return images, texts


def extract_pdf(
    path: str | os.PathLike,
    *,
    ocr: bool | None = None,
    ocr_langs: str | None = None,
    lang_hint: str | None = None,
    max_pages: int = 1000,
    max_ocr_pages: int = 40,
    dpi: int = 300,
    ocr_timeout: float = 180.0,
) -> PdfText:
    """Extract the text of a PDF, page by page.

    ``ocr``: None = OCR unusable pages when tesseract is installed; False = never (pages get a warning);
    True = same as None. ``ocr_langs``: tesseract language string for Latin-script pages (default
    "vie+eng" plus installed models of ``lang_hint``). ``max_pages``: pages beyond it are not read (warning).
    """
    path = Path(path)
    res = PdfText()
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover
        res.error = "pypdfium2 is not installed"
        return res
    try:
        size = path.stat().st_size
    except OSError as e:
        res.error = f"cannot read file: {e.strerror or e}"
        return res
    if size == 0:
        res.error = "empty file (0 bytes)"
        return res
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError as e:
        res.error = f"cannot read file: {e.strerror or e}"
        return res
    if b"%PDF-" not in head:
        res.error = "not a PDF file (no %PDF- header)"
        return res

    want_ocr = ocr is not False
    can_ocr = want_ocr and ocr_available()
    raw_pages: list[tuple[str, int, int, int]] = []  # text, rotation, images, text objects
    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as e:
            res.error = _open_error(e, path)
            return res
        except Exception as e:  # noqa: BLE001
            res.error = f"cannot open PDF: {e}"
            return res
        try:
            try:
                res.page_count = len(doc)
            except Exception as e:  # noqa: BLE001
                res.error = f"damaged PDF: cannot count pages ({e})"
                return res
            if res.page_count == 0:
                res.error = "PDF has no pages (damaged or truncated file)"
                return res
            try:
                meta = doc.get_metadata_dict(skip_empty=True)
                res.info = {k: unicodedata.normalize("NFC", str(v)) for k, v in meta.items()}
            except Exception:  # noqa: BLE001
                pass
            n = min(res.page_count, max_pages)
            if res.page_count > max_pages:
                res.warnings.append(f"only the first {max_pages} of {res.page_count} pages were read (max_pages)")
            for i in range(n):
                try:
                    page = doc[i]
                except Exception as e:  # noqa: BLE001
                    raw_pages.append(("", 0, 0, 0))
                    res.warnings.append(f"page {i + 1}: cannot be loaded ({e})")
                    continue
                try:
                    rot = page.get_rotation()
                    tp = page.get_textpage()
                    try:
                        txt = _clean(tp.get_text_range())
                    finally:
                        tp.close()
                    imgs, tobjs = _page_objects_info(page)
                    raw_pages.append((txt, rot, imgs, tobjs))
                except Exception as e:  # noqa: BLE001
                    raw_pages.append(("", 0, 0, 0))
                    res.warnings.append(f"page {i + 1}: text extraction failed ({e})")
                finally:
                    page.close()
        finally:
            doc.close()

    # document-level language guess from the pages that pass the gate
    good_text = "\n".join(t for t, *_ in raw_pages if assess(t).usable)
    doc_lang = lang_hint or guess_language(good_text) if good_text else lang_hint
    if good_text and not lang_hint:
        vi_words, _ = looks_vietnamese(good_text)
        if vi_words > 0.2:
            doc_lang = "vi"

    to_ocr: list[int] = []
    for i, (txt, rot, imgs, tobjs) in enumerate(raw_pages):
        fixed, enc = fix_legacy(txt) if txt else (txt, None)
        if enc:
            txt = fixed
        q = assess(txt, doc_lang)
        info = PageInfo(number=i + 1, method="text", quality=q.score, chars=len(txt), rotation=rot,
                        problem=q.problem)
        if enc:
            info.note = f"legacy {enc.upper()} text converted"
            res.warnings.append(f"page {i + 1}: legacy Vietnamese encoding ({enc.upper()}) converted to Unicode")
        if q.problem == "doubled":
            better = _plumber_page(str(path), i, dedupe=True)
            if better and assess(better, doc_lang).problem != "doubled":
                txt = better
            else:
                txt, _ = undouble(txt)
            q2 = assess(txt, doc_lang)
            info.quality, info.chars = max(q2.score, q.score), len(txt)
            res.warnings.append(f"page {i + 1}: fake-bold doubled characters repaired")
        elif q.usable and _split_words_score(txt) > 1.5:
            better = _plumber_page(str(path), i, dedupe=False)
            if better and _split_words_score(better) < _split_words_score(txt) / 2:
                txt = better
                info.note = "words re-joined with pdfplumber"
                info.chars = len(txt)
        if info.problem in (None, "doubled"):
            res.pages.append(info)
            res.page_texts.append(txt)
            continue
        if q.problem == "empty" and imgs == 0 and tobjs == 0:
            # a genuinely blank page: nothing to OCR
            info.method, info.quality, info.chars = "none", 1.0, 0
            info.problem = "blank"
            res.pages.append(info)
            res.page_texts.append("")
            continue
        info.method = "none"
        info.chars = 0
        res.pages.append(info)
        res.page_texts.append("")
        to_ocr.append(i)

    if to_ocr:
        _ocr_pages(path, res, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages, dpi,
                   ocr_timeout)
    return res


def _problem_text(problem: str | None, imgs: int) -> str:
    if problem == "empty":
        return "no usable text layer (image-only scan)" if imgs else "no text layer"
    if problem == "cid":
        return "text layer has (cid:N) glyph codes (font without ToUnicode)"
    if problem == "mojibake":
        return "text layer garbled (wrong ToUnicode mapping)"
    if problem == "no_diacritics":
        return "text layer without Vietnamese letters (bad OCR layer)"
    return "text layer unusable"


def _render_png(path: Path, index: int, dpi: int, extra_rotation: int = 0) -> bytes:
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[index]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True, rotation=extra_rotation % 360)
                img = bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
        finally:
            doc.close()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _ocr_pages(path, res: PdfText, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages,
               dpi, ocr_timeout) -> None:
    collected: list[str] = []
    real = res.warnings
    res.warnings = collected
    try:
        _ocr_pages_inner(path, res, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages, dpi,
                         ocr_timeout)
    finally:
        res.warnings = real + _group_page_warnings(collected)


_PAGE_MSG_RE = re.compile(r"^page (\d+): (.*)$", re.S)


def _group_page_warnings(msgs: list[str]) -> list[str]:
    """"page 1: X", "page 3: X", "page 4: X" → "pages 1, 3–4: X" (order of first appearance kept)."""
    groups: dict[str, list[int]] = {}
    others: list[str] = []
    for m in msgs:
        mm = _PAGE_MSG_RE.match(m)
        if mm:
            groups.setdefault(mm.group(2), []).append(int(mm.group(1)))
        else:
            others.append(m)
    out = []
    for msg, pages in groups.items():
        out.append(f"page {pages[0]}: {msg}" if len(pages) == 1 else f"pages {_ranges(sorted(pages))}: {msg}")
    return out + others


def _ocr_pages_inner(path, res: PdfText, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages,
                     dpi, ocr_timeout) -> None:
    installed = tesseract_languages()
    if not can_ocr:
        reason = "OCR disabled" if not want_ocr else "OCR not available (tesseract not installed)"
        for i in to_ocr:
            p = res.pages[i]
            res.warnings.append(f"page {i + 1}: {_problem_text(p.problem, raw_pages[i][2])}; {reason}")
        return
    latin = ocr_langs
    if not latin:
        models = ["vie", "eng"]
        if doc_lang and TESSERACT_CODES.get(doc_lang) in installed and TESSERACT_CODES[doc_lang] not in models:
            models.append(TESSERACT_CODES[doc_lang])
        latin = "+".join(m for m in models if m in installed) or "eng"
    doc_script: str | None = None
    script_votes: dict[str, int] = {}
    done = 0
    skipped: list[int] = []
    for i in to_ocr:
        p = res.pages[i]
        txt, rot, imgs, _ = raw_pages[i]
        what = _problem_text(p.problem, imgs)
        if done >= max_ocr_pages:
            skipped.append(i + 1)
            continue
        # the garbled text layer already tells the script for non-Latin garbage
        text_script = _TEXT_SCRIPT_TO_OSD.get(dominant_script(txt) or "", None) if txt else None
        if doc_script and doc_script != "Latin":
            models, label = _SCRIPT_MODELS.get(doc_script, ([], doc_script))
            if not any(m in installed for m in models):
                res.warnings.append(f"page {i + 1}: {what}; OCR model for {label} script not installed")
                continue
        try:
            png = _render_png(path, i, dpi)
        except Exception as e:  # noqa: BLE001
            res.warnings.append(f"page {i + 1}: {what}; cannot render the page for OCR ({e})")
            continue
        script, osd_rot = (doc_script, 0) if doc_script else _osd(png, 60)
        script = script or text_script or "Latin"
        if osd_rot:
            png = _render_png(path, i, dpi, extra_rotation=osd_rot)
        models, label = _SCRIPT_MODELS.get(script, ([], script))
        if script == "Latin":
            langs = latin
        else:
            have = [m for m in models if m in installed]
            if not have:
                res.warnings.append(f"page {i + 1}: {what}; OCR model for {label} script not installed")
                script_votes[script] = script_votes.get(script, 0) + 1
                if script_votes[script] >= 2:
                    doc_script = script
                continue
            langs = "+".join(have[:1] + (["eng"] if "eng" in installed else []))
        script_votes[script] = script_votes.get(script, 0) + 1
        if script_votes[script] >= 2 and len(script_votes) == 1:
            doc_script = script
        text, conf, err = ocr_image(png, langs, timeout=ocr_timeout)
        done += 1
        if err:
            res.warnings.append(f"page {i + 1}: {what}; {err}")
            continue
        q = assess(text, doc_lang)
        p.method = "ocr"
        p.ocr_confidence = conf
        p.quality = round(min(q.score, conf if conf is not None else 1.0), 3)
        p.chars = len(text)
        p.note = f"OCR {langs}" + (f", rotated {osd_rot}°" if osd_rot else "")
        res.page_texts[i] = text
        if not text.strip():
            res.warnings.append(f"page {i + 1}: {what}; OCR found no text")
        elif conf is not None and conf < 0.6:
            res.warnings.append(f"page {i + 1}: {what}; OCR confidence low ({conf:.2f})")
    if skipped:
        res.warnings.append(f"pages {_ranges(skipped)}: text layer unusable; not OCR'd (OCR page limit {max_ocr_pages})")


def _ranges(nums: list[int]) -> str:
    out = []
    start = prev = nums[0]
    for n in nums[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)
