"""PDF text per page with pypdfium2, a per-page quality gate, and Tesseract OCR for unusable pages.

* pypdfium2 reads the text layer (fast; it also reads Type0 fonts with embedded CMaps that pdfminer
  cannot). PDFium is not thread-safe: every call opens its own ``PdfDocument`` and closes it, nothing
  is shared between calls, and a module lock serialises PDFium use between threads of one process.
* Pages are streamed: one PDFium page and text page at a time, each closed before the next is loaded;
  only the text is kept. Page objects are only counted on pages without text (blank page or scan?).
* Words that an OCR layer splits ("V iệ t Nam") are re-joined from PDFium's glyph positions (generated
  spaces inside a word dropped). pdfplumber is used only where PDFium's character list cannot be read for
  that, and for fake-bold pages (``dedupe_chars``).
* Each page gets ``method`` ("text" | "ocr" | "none") and a ``quality`` in 0..1: ``gate`` gives exactly
  ``ingest.quality.assess``'s verdict, computed once per page with C-speed string operations for the common
  case (and re-checked only where the document language changes it).
* Unusable pages are rendered at 300 dpi (with their /Rotate applied) and OCR'd with the ``tesseract``
  binary (``OMP_THREAD_LIMIT=1``), several pages at once (a thread per core, each feeding page after page to
  its own tesseract process, so the language models are loaded once; a page image is a greyscale file that
  exists only while its page is OCR'd). Pages are read with the Latin
  models (vie+eng) first; a page whose garbled text layer shows another script, or whose Latin reading has
  a low confidence, is checked with tesseract's OSD (script and orientation) and read again with the right
  model or rotation, so a Cyrillic or Han page is not left to the Vietnamese model. Once two pages agree
  on a script, later pages use it directly.
* ``extract_pdf`` never raises: a file it cannot open gets ``error``.
"""
from __future__ import annotations

import os
import queue
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.legacy import _TCVN3_ONLY, _VNI_MARKERS, fix_legacy
from ingest.metadata import _HYPHENS, fold_fast, guess_language
from ingest.quality import _ODD, _VI_WORDS, _VN_EXTRA, USABLE, Quality, assess, dominant_script, script_of, undouble

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


def _image_arg(image: bytes | os.PathLike | str) -> tuple[str, bytes | None]:
    """tesseract's input argument and stdin for an image given as a file path or as encoded bytes. A file is
    faster: tesseract reads an image from stdin about 15 % slower (measured in bench/ingest.py's set-up)."""
    if isinstance(image, (bytes, bytearray)):
        return "stdin", bytes(image)
    return os.fspath(image), None


def _osd(image: bytes | os.PathLike | str, timeout: float) -> tuple[str | None, int]:
    """(script, rotate-degrees) from tesseract OSD, or (None, 0)."""
    if "osd" not in tesseract_languages():
        return None, 0
    arg, data = _image_arg(image)
    try:
        p = subprocess.run([_tesseract(), arg, "stdout", "--psm", "0", "-l", "osd"], input=data,
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


def ocr_image(image: bytes | os.PathLike | str, langs: str, timeout: float = 180.0,
              psm: int = 3) -> tuple[str, float | None, str | None]:
    """OCR one image (a file path, or encoded image bytes) with the tesseract binary. Returns (text, mean word
    confidence 0..1, error)."""
    exe = _tesseract()
    if not exe:
        return "", None, "OCR not available (tesseract is not installed)"
    arg, data = _image_arg(image)
    cmd = [exe, arg, "stdout", "-l", langs, "--psm", str(psm), "tsv"]
    try:
        p = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, env=_tess_env())
    except subprocess.TimeoutExpired:
        return "", None, f"OCR timed out after {timeout:.0f} s"
    except OSError as e:
        return "", None, f"OCR failed: {e}"
    if p.returncode != 0:
        return "", None, "OCR failed: " + p.stderr.decode("utf-8", "replace").strip()[:200]
    text, mean = _read_tsv(p.stdout.decode("utf-8", "replace").splitlines()[1:]).get(1, ("", None))
    return text, mean, None


_BLANK_PGM = b"P5\n16 16\n255\n" + b"\xff" * 256  # a white 16×16 image: marks the end of a page's TSV


class TesseractStream:
    """One tesseract process kept for many pages: it reads the names of page images on its stdin
    (``-c stream_filelist=true``) and writes each page's TSV as soon as that page is read, so the language
    models are loaded once, not once a page (about 0.1 s of a page's 1.3 s). After each page a tiny blank image
    is named too: its first TSV row marks the end of the page's rows. Each page is read as ``ocr_image`` reads it
    alone (the same words and confidences: tested). A page that fails or takes longer than ``timeout`` ends the
    process (it is started again for the next page) and gets an error. Not thread-safe: one per OCR thread."""

    def __init__(self, langs: str, psm: int = 3) -> None:
        self.langs, self.psm = langs, psm
        self.proc: subprocess.Popen | None = None
        self.page = 0
        self._buf = b""
        self._tmp = tempfile.TemporaryDirectory(prefix="treatydb-tess-")
        self._blank = Path(self._tmp.name) / "blank.pgm"
        self._blank.write_bytes(_BLANK_PGM)

    def _start(self) -> None:
        exe = _tesseract()
        if not exe:
            raise OSError("tesseract is not installed")
        self.proc = subprocess.Popen(
            [exe, "stdin", "stdout", "-l", self.langs, "--psm", str(self.psm), "-c", "stream_filelist=true", "tsv"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_tess_env())
        self.page = 0
        self._buf = b""

    def _line(self, deadline: float) -> str | None:
        """The next output line, or None at the end of the output or past ``deadline``."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def read(self, image: os.PathLike | str, timeout: float = 180.0) -> tuple[str, float | None, str | None]:
        """(text, mean word confidence 0..1, error) of one page image file, as ``ocr_image``."""
        name = os.fspath(image)
        if "\n" in name:
            return ocr_image(image, self.langs, timeout, self.psm)
        try:
            if not self._blank.exists():  # (after shutdown: the end-of-page image again)
                self._blank.parent.mkdir(parents=True, exist_ok=True)
                self._blank.write_bytes(_BLANK_PGM)
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            self.proc.stdin.write(f"{name}\n{self._blank}\n".encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as e:
            self.close()
            return "", None, f"OCR failed: {e}"
        want, marker = self.page + 1, str(self.page + 2)
        rows: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            line = self._line(deadline)
            if line is None:
                late = time.monotonic() >= deadline
                self.close(kill=late)
                return "", None, (f"OCR timed out after {timeout:.0f} s" if late else
                                  "OCR failed: tesseract stopped (the image could not be read)")
            if line.startswith("1\t" + marker + "\t"):
                break
            if not line.startswith("level\t"):
                rows.append(line)
        self.page += 2
        text, mean = _read_tsv(rows).get(want, ("", None))
        return text, mean, None

    def close(self, kill: bool = False) -> None:
        """End the process: let it finish (its input closed), or ``kill`` it (a page past its time)."""
        if self.proc is not None:
            if kill:
                self.proc.kill()
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None

    def shutdown(self) -> None:
        self.close()
        self._tmp.cleanup()


def _read_tsv(rows: list[str]) -> dict[int, tuple[str, float | None]]:
    """tesseract's TSV rows (header dropped) → {page number: (text, mean word confidence 0..1)}: words of a line
    joined by spaces, lines by line breaks, a blank line between blocks and paragraphs; NFC."""
    words: dict[int, dict[tuple, list[str]]] = {}
    confs: dict[int, list[float]] = {}
    for row in rows:
        cols = row.split("\t")
        if len(cols) < 12:
            continue
        try:
            page = int(cols[1])
        except ValueError:
            continue
        lines = words.setdefault(page, {})
        confs.setdefault(page, [])
        if cols[0] != "5":
            continue
        word = cols[11]
        if not word.strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            conf = -1
        if conf >= 0:
            confs[page].append(conf)
        lines.setdefault((int(cols[2]), int(cols[3]), int(cols[4])), []).append(word)  # block, par, line
    out: dict[int, tuple[str, float | None]] = {}
    for page, lines in words.items():
        text_lines: list[str] = []
        prev_block = None
        for key, ws in lines.items():  # (dicts keep the order the lines came in)
            if prev_block is not None and key[:2] != prev_block:
                text_lines.append("")
            prev_block = key[:2]
            text_lines.append(" ".join(ws))
        cs = confs[page]
        out[page] = (unicodedata.normalize("NFC", "\n".join(text_lines).strip()),
                     round(sum(cs) / len(cs) / 100, 3) if cs else None)
    return out


# ---------------------------------------------------------------------------------------------------
# PDF


_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+\n")


def _clean(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-").replace("\x02", "-")
    s = s.replace("\u00ad", "")
    if " \n" in s or "\t\n" in s or "\u00a0\n" in s:
        s = _TRAILING_SPACE.sub("\n", s)
    return unicodedata.normalize("NFC", s).strip()


_SPLIT_RE = re.compile(r"(?<![\w])([A-ZĐÂĂÊÔƠƯ]) ([a-zà-ỹđ]{1,6})\b")


_SPLIT_HINT = re.compile(r"[A-ZĐÂĂÊÔƠƯ] [a-zà-ỹđ]")


def _split_words_score(text: str) -> float:
    """Occurrences per 1000 chars of a capital letter cut off its word ("V iệt", "N ghị", "H iệp")."""
    if not text or _SPLIT_HINT.search(text) is None:  # (a quick look first: most pages have none)
        return 0.0
    return 1000 * len(_SPLIT_RE.findall(text)) / len(text)


def _rejoin_words(textpage, raw: str) -> str | None:
    """The page text without the spaces PDFium generated inside words of an OCR layer ("V iệ t Nam" →
    "Việt Nam"): a generated space (no space glyph in the PDF) between two glyphs of one line that are closer
    than 0.6 of the glyph height is dropped; real space glyphs stay. None when the text and PDFium's character
    list do not line up. About 1 ms a page, against 50–100 ms for pdfplumber's layout analysis."""
    import pypdfium2.raw as pdfium_c

    try:
        n = textpage.count_chars()
    except Exception:  # noqa: BLE001
        return None
    if len(raw) != n:
        return None
    out: list[str] = []
    last = 0
    pos = raw.find(" ", 1)
    while 0 < pos < n - 1:
        if not raw[pos - 1].isspace() and not raw[pos + 1].isspace() \
                and pdfium_c.FPDFText_IsGenerated(textpage, pos) == 1:
            l1, b1, r1, t1 = textpage.get_charbox(pos - 1)
            l2, b2, r2, t2 = textpage.get_charbox(pos + 1)
            h = max(t1 - b1, t2 - b2, 1.0)
            if abs(b1 - b2) < h and l2 - r1 < 0.6 * h:
                out.append(raw[last:pos])
                last = pos + 1
        pos = raw.find(" ", pos + 1)
    out.append(raw[last:])
    return "".join(out)


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


# ---------------------------------------------------------------------------------------------------
# fast quality gate

_SAFE_CHARS: dict[str, bool] = {}
# the characters _CTRL_RE matches (assess counts them): [\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]
_CTRL_CHARS = frozenset([*map(chr, range(0x00, 0x09)), "\x0b", "\x0c", *map(chr, range(0x0E, 0x20)), "\x7f", "\ufffd"])
_LEGACY_MARKERS = frozenset(_TCVN3_ONLY | _VNI_MARKERS)
_LONG_RE = re.compile(r"\S{4,}")
_DOUBLED_RE = re.compile(r"(?<!\S)(?:(\S)\1){2,}(?!\S)")
_TWO_PAIRS_RE = re.compile(r"(\S)\1(\S)\2")  # found wherever _DOUBLED_RE finds something


def _safe_char(ch: str) -> bool:
    """A character that cannot make ``assess`` penalise a page: a Latin or Vietnamese letter, or a non-letter
    that is not one of the 'odd' mojibake symbols."""
    v = _SAFE_CHARS.get(ch)
    if v is None:
        v = script_of(ch) in ("latin", "vn") if ch.isalpha() else ch not in _ODD
        _SAFE_CHARS[ch] = v
    return v




def _vi_word_share(sample: str) -> float:
    """First value of ``quality.looks_vietnamese(sample)``: the share of common Vietnamese words among the
    alphabetic words of ``fold(sample)``. Computed without folding the whole sample: hyphens become spaces,
    ASCII words are only lower-cased (all their folding does) and only the other words are folded."""
    for h in _HYPHENS:
        if h in sample:
            sample = sample.replace(h, " ")
    toks = sample.split()
    if sample.isascii():
        other: list[str] = []
    else:
        other = fold_fast(" ".join([t for t in toks if not t.isascii()])).split()
        toks = [t for t in toks if t.isascii()]
    n = sum(map(str.isalpha, toks)) + sum(map(str.isalpha, other))
    if not n:
        return 0.0
    hits = sum(map(_VI_WORDS.__contains__, map(str.lower, toks))) + sum(map(_VI_WORDS.__contains__, other))
    return hits / n


def _odd_between_letters(text: str, odd: list[str]) -> int:
    """How many of the ``odd`` symbols stand between two letters ("d¶un"), counted as ``assess`` counts them
    (``str.isalpha`` on both sides); only the places of those symbols are looked at."""
    n = 0
    last = len(text) - 1
    for c in odd:
        i = text.find(c, 1)
        while 0 < i < last:
            if text[i - 1].isalpha() and text[i + 1].isalpha():
                n += 1
            i = text.find(c, i + 1)
    return n


def gate(text: str, lang_hint: str | None = None, chars: set[str] | None = None) -> Quality:
    """The page quality gate: the same ``Quality`` as ``ingest.quality.assess(text, lang_hint)``, computed with
    C-speed string operations for the common case (Latin/Vietnamese letters only, no (cid:N) tokens, no odd
    symbols); anything else, and every problem found, is handed to ``assess`` itself. ``chars``: ``set(text)``
    where the caller has it already."""
    return _gate(text, lang_hint, chars)[0]


def _gate(text: str, lang_hint: str | None, chars: set[str] | None) -> tuple[Quality, bool]:
    """``gate``'s verdict, and whether it is the same whatever the language hint (the fast verdict of a page
    that is not Latin text without Vietnamese letters: only there does the hint take part)."""
    if not text or "(cid:" in text:
        return assess(text, lang_hint), False
    if chars is None:
        chars = set(text)
    odd_between = 0
    if not all(map(_safe_char, chars)):
        # odd symbols ('¶', '§', '†' …) count against a page only between two letters (as ``assess`` counts them)
        unsafe = [c for c in chars if not _safe_char(c)]
        # (an odd symbol that is a letter, 'ˆ' U+02C6, also counts in assess's dominant script)
        if not all(c in _ODD and not c.isalpha() for c in unsafe):
            return assess(text, lang_hint), False
        odd_between = _odd_between_letters(text, unsafe)
    # (the characters that are not letters are the fewer: letters are counted as what is left)
    spaces = nonletters = 0
    for c in chars:
        if not c.isalpha():
            k = text.count(c)
            nonletters += k
            if c.isspace():
                spaces += k
    if len(text) - spaces < 10:
        return assess(text, lang_hint), False
    letters = len(text) - nonletters
    ctrl = sum(map(text.count, _CTRL_CHARS.intersection(chars))) if not _CTRL_CHARS.isdisjoint(chars) else 0
    score = max(0.0, 1.0 - 2.5 * min(1.0, (ctrl + odd_between) / max(1, letters)))
    if score < USABLE:
        return assess(text, lang_hint), False
    # (a doubled word needs two doubled characters in a row: most pages have none, and that is quick to see)
    doubled = len(_DOUBLED_RE.findall(text)) if _TWO_PAIRS_RE.search(text) else 0
    if doubled:  # (the words are counted only where doubled letters were seen)
        long_words = len(_LONG_RE.findall(text))
        if long_words and doubled / long_words > 0.2:
            return assess(text, lang_hint), False
    dom = "latin" if letters else None
    hint_free = True
    if dom == "latin" and letters > 40:
        sample = text[:20000]
        schars = chars if sample is text else set(sample)
        s_letters = letters if sample is text else sum(sample.count(c) for c in schars if c.isalpha())
        vn = sum(sample.count(c) for c in schars & _VN_EXTRA) / max(1, s_letters)
        hint_free = vn >= 0.02
        if vn < 0.02 and (lang_hint == "vi" or _vi_word_share(sample) > 0.25):
            return assess(text, lang_hint), False  # Vietnamese without diacritics: let assess describe it
    return Quality(round(score, 3), None, "ok", dom, doubled), hint_free


def _fix_legacy(txt: str, chars: set[str] | None = None) -> tuple[str, str | None]:
    """``fix_legacy`` only where a legacy-only code point occurs (the detection needs two of them). ``chars``:
    ``set(txt)`` where the caller has it already."""
    if not txt or txt.isascii() or _LEGACY_MARKERS.isdisjoint(txt if chars is None else chars):
        return txt, None
    return fix_legacy(txt, chars)


def _nonspace_at_least(txt: str, n: int) -> bool:
    """At least ``n`` characters of ``txt`` are not white space (a page's first few lines decide it mostly)."""
    if len(txt) < n:
        return False
    return len("".join(txt[:4 * n].split())) >= n or len("".join(txt.split())) >= n


# ---------------------------------------------------------------------------------------------------
# extraction


def _read_page(doc, i: int) -> tuple[str, int, int, int, float, str | None, str | None]:
    """One page through PDFium: (text, rotation, image objects, text objects, split-words score, text with
    split words re-joined or None, warning or None)."""
    try:
        page = doc[i]
    except Exception as e:  # noqa: BLE001
        return "", 0, 0, 0, 0.0, None, f"page {i + 1}: cannot be loaded ({e})"
    try:
        rot = page.get_rotation()
        tp = page.get_textpage()
        joined = None
        try:
            raw = tp.get_text_range()
            txt = _clean(raw)
            split = _split_words_score(txt)
            if split > 1.5:
                j = _rejoin_words(tp, raw)
                if j is not None:
                    joined = _clean(j)
        finally:
            tp.close()
        # page objects only matter for a page without text (blank page or image-only scan)
        imgs, tobjs = (0, 0) if _nonspace_at_least(txt, 10) else _page_objects_info(page)
        return txt, rot, imgs, tobjs, split, joined, None
    except Exception as e:  # noqa: BLE001
        return "", 0, 0, 0, 0.0, None, f"page {i + 1}: text extraction failed ({e})"
    finally:
        page.close()


class _PageReader:
    """The pages ``_read_page(doc, 0)`` … ``_read_page(doc, n - 1)`` in order, read on a thread of their own
    while the caller judges the pages already read: PDFium's page and text-page loading (most of the time of a
    text PDF) runs outside the GIL, so the gate's string work overlaps it on a second core. Only that thread
    calls PDFium while it runs (the caller holds ``_PDFIUM_LOCK``); leaving the ``with`` block stops it after
    the page it is reading and waits for it, so the document is never closed under it. A short document is read
    in the caller's thread."""

    THREAD_FROM = 4  # pages: below this a thread costs more than it overlaps

    def __init__(self, doc, n: int) -> None:
        self._doc, self._n = doc, n
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            for i in range(self._n):
                if self._stop.is_set():
                    return
                self._q.put(_read_page(self._doc, i))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, who raises it
            self._q.put(e)

    def __enter__(self):
        if self._n >= self.THREAD_FROM:
            self._thread = threading.Thread(target=self._run, name="pdfium-pages", daemon=True)
            self._thread.start()
        return self

    def __iter__(self):
        for i in range(self._n):
            if self._thread is None:
                yield _read_page(self._doc, i)
                continue
            item = self._q.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()


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
    ocr_workers: int | None = None,
) -> PdfText:
    """Extract the text of a PDF, page by page.

    ``ocr``: None = OCR unusable pages when tesseract is installed; False = never (pages get a warning);
    True = same as None. ``ocr_langs``: tesseract language string for Latin-script pages (default
    "vie+eng" plus installed models of ``lang_hint``). ``max_pages``: pages beyond it are not read (warning).
    ``ocr_workers``: pages OCR'd at once (default: every core).

    Memory stays bounded whatever the page count: pages are read one at a time (each PDFium page and text page
    is closed before the next is loaded) and only the text is kept; a page image exists only while that page is
    being OCR'd (at most ``ocr_workers`` at once).
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
    rejoined: dict[int, str] = {}  # pages whose OCR layer splits words: the text with the words re-joined
    split_scores: dict[int, float] = {}  # _split_words_score of each page's text as extracted
    fixed_pages: list[tuple[str, str | None]] = []  # (text, legacy encoding converted) per page
    first_q: list[Quality] = []  # the gate's verdict per page, before the document language is known
    hint_free: list[bool] = []  # whether that verdict holds whatever the document language
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
            with _PageReader(doc, n) as pages:
                for i, (txt, rot, imgs, tobjs, split, joined, warning) in enumerate(pages):
                    raw_pages.append((txt, rot, imgs, tobjs))
                    split_scores[i] = split
                    if joined is not None:
                        rejoined[i] = joined
                    if warning:
                        res.warnings.append(warning)
                    chars = set(txt)  # (one set of the page's characters for the legacy check and the gate)
                    fixed = _fix_legacy(txt, chars)
                    fixed_pages.append(fixed)
                    q, free = _gate(fixed[0], None, chars if fixed[0] is txt else None)
                    first_q.append(q)
                    hint_free.append(free)
        finally:
            doc.close()

    # (above: legacy 8-bit Vietnamese text converted first, then one quality verdict per page, re-checked below
    # only where the document language changes it: Vietnamese pages without diacritics)
    # document-level language guess from the pages that pass the gate (the guess reads 30,000 characters; joined
    # as ``PdfText.text`` joins them, so that where every page passes, the metadata's guess is the same one)
    sample: list[str] = []
    size = 0
    for (t, _), q in zip(fixed_pages, first_q):
        if q.usable and t:
            sample.append(t)
            size += len(t) + 2
            if size > 30000:
                break
    good_text = "\n\n".join(sample)
    doc_lang = lang_hint or guess_language(good_text) if good_text else lang_hint
    if good_text and not lang_hint:
        vi_words = _vi_word_share(good_text[:20000])  # = looks_vietnamese(good_text)[0]
        if vi_words > 0.2:
            doc_lang = "vi"

    to_ocr: list[int] = []
    for i, (txt, rot, imgs, tobjs) in enumerate(raw_pages):
        txt, enc = fixed_pages[i]
        q = first_q[i]
        if doc_lang == "vi" and q.problem is None and q.script == "latin" and not hint_free[i]:
            q = gate(txt, doc_lang)
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
        elif q.usable and (_split_words_score(txt) if enc else split_scores.get(i, 0.0)) > 1.5:
            # words split by the OCR layer ("V iệ t Nam"): re-joined from PDFium's glyph positions; pdfplumber's
            # layout analysis only where PDFium's character list could not be read
            score = _split_words_score(txt)
            joined = rejoined.get(i)
            if joined is not None and enc:
                joined = _fix_legacy(joined)[0]
            if joined and _split_words_score(joined) < score / 2 and gate(joined, doc_lang).usable:
                txt = joined
                info.note = "words re-joined (glyph positions)"
                info.chars = len(txt)
            elif i not in rejoined:  # PDFium's characters did not line up with its text: ask pdfplumber
                better = _plumber_page(str(path), i, dedupe=False)
                if better and _split_words_score(better) < score / 2:
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
                   ocr_timeout, ocr_workers)
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


def _render_page(path: Path, index: int, dpi: int, dest: Path, extra_rotation: int = 0) -> Path:
    """The page as a greyscale image file for tesseract, written to ``dest`` (binary PGM: 0.01 s to write where
    PNG's compression takes 0.2 s; tesseract reads a file about 15 % faster than the same image on stdin, and a
    PGM carries no resolution, so tesseract estimates it from the text as it always has). Opens and closes its
    own document under the PDFium lock, so only one page image exists per OCR worker."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[index]
            try:
                # greyscale straight from PDFium: a third of the memory of RGB (8.7 MB for an A4 page at 300 dpi).
                # (Rendering in colour and converting with PIL takes half the time, 0.048 s against 0.096 s, but
                # is not the same image: PIL rounds where PDFium truncates, and colour scans came out up to two
                # grey levels apart on a seventh of their pixels, which changed tesseract's reading)
                bitmap = page.render(scale=dpi / 72, grayscale=True, rotation=extra_rotation % 360)
                try:
                    img = bitmap.to_pil().convert("L")
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            doc.close()
    img.save(dest, format="PPM")
    del img
    return dest


def _ocr_pages(path, res: PdfText, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages,
               dpi, ocr_timeout, ocr_workers=None) -> None:
    collected: list[str] = []
    real = res.warnings
    res.warnings = collected
    try:
        _ocr_pages_inner(path, res, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages, dpi,
                         ocr_timeout, ocr_workers)
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


# below this mean word confidence a page read with the Latin models is checked with tesseract's OSD
# (script and orientation) and read again with the right model or rotation
_OSD_BELOW = 0.6


class _ScriptVotes:
    """The document's script, decided once two pages agree and no other script was seen (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.votes: dict[str, int] = {}
        self.doc_script: str | None = None

    def vote(self, script: str) -> None:
        with self.lock:
            self.votes[script] = self.votes.get(script, 0) + 1
            if self.doc_script is None and self.votes[script] >= 2 and len(self.votes) == 1:
                self.doc_script = script


def _ocr_workers(n_pages: int, requested: int | None) -> int:
    env = os.environ.get("TREATYDB_OCR_WORKERS")
    want = requested or (int(env) if env and env.isdigit() else 0) or os.cpu_count() or 1
    return max(1, min(want, n_pages))


def _ocr_pages_inner(path, res: PdfText, to_ocr, raw_pages, can_ocr, want_ocr, doc_lang, ocr_langs, max_ocr_pages,
                     dpi, ocr_timeout, ocr_workers=None) -> None:
    """OCR the unusable pages, several at once (a thread per core, each with its own single-threaded tesseract
    process that reads page after page, so the models are loaded once). Pages are read with the Latin models
    (vie+eng) first; a page whose garbled text layer shows another script, or whose Latin reading has a low
    confidence, gets tesseract's OSD (script, orientation)."""
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
    votes = _ScriptVotes()
    todo = to_ocr[:max_ocr_pages]
    skipped = [i + 1 for i in to_ocr[max_ocr_pages:]]

    def langs_for(script: str) -> str | None:
        if script == "Latin":
            return latin
        models, _ = _SCRIPT_MODELS.get(script, ([], script))
        have = [m for m in models if m in installed]
        if not have:
            return None
        return "+".join(have[:1] + (["eng"] if "eng" in installed else []))

    streams: dict[int, TesseractStream] = {}
    streams_lock = threading.Lock()

    def stream() -> TesseractStream:
        """This thread's tesseract process for the Latin models (started at its first page)."""
        key = threading.get_ident()
        with streams_lock:
            if key not in streams:
                streams[key] = TesseractStream(latin)
            return streams[key]

    def one(i: int) -> tuple[list[str], tuple | None]:
        """OCR page index ``i``: (warnings, (text, conf, langs, rotation) or None)."""
        warns: list[str] = []
        p = res.pages[i]
        txt, _rot, imgs, _ = raw_pages[i]
        what = _problem_text(p.problem, imgs)
        doc_script = votes.doc_script
        # the garbled text layer already tells the script for non-Latin garbage
        text_script = _TEXT_SCRIPT_TO_OSD.get(dominant_script(txt) or "", None) if txt else None
        script = doc_script or text_script
        if script and script != "Latin" and langs_for(script) is None:
            label = _SCRIPT_MODELS.get(script, ([], script))[1]
            if doc_script is None:
                votes.vote(script)
            return [f"page {i + 1}: {what}; OCR model for {label} script not installed"], None
        with tempfile.TemporaryDirectory(prefix="treatydb-ocr-") as tmp:
            img = Path(tmp) / f"page-{i + 1}.pgm"
            try:
                _render_page(path, i, dpi, img)
            except Exception as e:  # noqa: BLE001
                return [f"page {i + 1}: {what}; cannot render the page for OCR ({e})"], None
            langs = langs_for(script or "Latin")
            if langs == latin:  # the first reading of most pages: by this thread's running tesseract
                text, conf, err = stream().read(img, timeout=ocr_timeout)
                if err is not None and "timed out" not in err:  # (once more on its own before giving up)
                    text, conf, err = ocr_image(img, langs, timeout=ocr_timeout)
            else:
                text, conf, err = ocr_image(img, langs, timeout=ocr_timeout)
            rot = 0
            if err:
                return [f"page {i + 1}: {what}; {err}"], None
            if script is None and text.strip() and (conf is None or conf < _OSD_BELOW):
                # (a page where the Latin models find no word at all is a blank scan: nothing for OSD to see)
                # a poor Latin reading: ask OSD which script and orientation the page has
                osd_script, rot = _osd(img, 60)
                osd_script = osd_script or "Latin"
                if osd_script != "Latin" or rot:
                    new_langs = langs_for(osd_script)
                    if new_langs is None:
                        label = _SCRIPT_MODELS.get(osd_script, ([], osd_script))[1]
                        votes.vote(osd_script)
                        return [f"page {i + 1}: {what}; OCR model for {label} script not installed"], None
                    if rot:
                        _render_page(path, i, dpi, img, extra_rotation=rot)
                    t2, c2, e2 = ocr_image(img, new_langs, timeout=ocr_timeout)
                    if not e2:
                        text, conf, langs = t2, c2, new_langs
                script = osd_script
        if doc_script is None:
            votes.vote(script or "Latin")
        return warns, (text, conf, langs, rot)

    workers = _ocr_workers(len(todo), ocr_workers)
    if workers == 1:
        results = map(one, todo)
        pool = None
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
        results = pool.map(one, todo)
    try:
        for i, (warns, got) in zip(todo, results):
            res.warnings.extend(warns)
            if got is None:
                continue
            text, conf, langs, rot = got
            p = res.pages[i]
            what = _problem_text(p.problem, raw_pages[i][2])
            q = assess(text, doc_lang)
            p.method = "ocr"
            p.ocr_confidence = conf
            p.quality = round(min(q.score, conf if conf is not None else 1.0), 3)
            p.chars = len(text)
            p.note = f"OCR {langs}" + (f", rotated {rot}°" if rot else "")
            res.page_texts[i] = text
            if not text.strip():
                res.warnings.append(f"page {i + 1}: {what}; OCR found no text")
            elif conf is not None and conf < 0.6:
                res.warnings.append(f"page {i + 1}: {what}; OCR confidence low ({conf:.2f})")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        for st in streams.values():
            st.shutdown()
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
