"""Text-layer quality gate, computed from the extracted text alone.

``assess(text, lang_hint)`` returns a ``Quality`` with a score in 0..1, the main problem found and a
human-readable description. Problems detected:

* ``empty``        — no (or almost no) text: image-only scan;
* ``cid``          — ``(cid:N)`` tokens: font without ToUnicode;
* ``mojibake``     — wrong ToUnicode: letters from unexpected scripts inside words (Cyrillic/Armenian
  look-alikes in Latin words, IPA/Latin-Extended-B letters, '‡'), control characters, rare CJK
  (Kangxi radicals, Extension A) instead of common Han characters;
* ``no_diacritics`` — Vietnamese text without a single Vietnamese letter ("CQNG HOA XA HQI"): bad OCR;
* ``doubled``      — fake-bold text with every letter doubled ("TTéétteell"); repairable.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from core.text import fold

__all__ = ["Quality", "assess", "script_of", "dominant_script", "undouble", "looks_vietnamese",
           "guess_language", "USABLE"]

USABLE = 0.6  # pages below this score are not used as text

_CID_RE = re.compile(r"\(cid:\d+\)")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_ODD = set("‡†˙¸˛˝ˆ˜¬¦¤¢£¥§¶")

_VN_EXTRA = set("ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
                "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ")
_VN_ONLY = set("ăđơưĂĐƠƯ") | {ch for ch in _VN_EXTRA if "\u1ea0" <= ch <= "\u1ef9"} | set("ĩũĨŨ")

# Vietnamese function words and frequent syllables (folded): used to recognise Vietnamese text even when
# its diacritics are gone
_VI_WORDS = set("""va cua cac theo duoc ngay thang nam dieu khong nhung nay cho voi trong nuoc hoa xa hoi chu
nghia viet tu do hanh phuc doc lap chinh phu cong quy dinh thuc hien hai ben ve viec tai nhan dan mot la co
se bo ky ket hiep thoa thuan nghi thu ban ghi nho tinh uy hop tac giua nhu sau cung de tren hoac khi""".split())
_EN_WORDS = set("""the of and to in for by with shall be this or on as any other from that which at is are an
agreement article party parties state states government between such its has have been not may under""".split())
_FR_WORDS = set("""le la les des et du de en pour par sur au aux une un dans est sont que qui accord article
etat etats partie parties""".split())

_SCRIPT_CACHE: dict[str, str] = {}


def script_of(ch: str) -> str:
    """Coarse script of one letter: latin, vn (Vietnamese-specific Latin), latin_ext (IPA, Latin
    Extended-B other than ơ/ư), cyrillic, armenian, greek, arabic, han, han_rare, hangul, kana, thai,
    lao, khmer, other."""
    s = _SCRIPT_CACHE.get(ch)
    if s is not None:
        return s
    o = ord(ch)
    if ch in _VN_ONLY:
        s = "vn"
    elif o < 0x250:
        s = "latin" if (o < 0x180 or ch in "ƠơƯư") else "latin_ext"
    elif o < 0x2B0:
        s = "latin_ext"  # IPA
    elif 0x370 <= o < 0x400:
        s = "greek"
    elif 0x400 <= o < 0x530:
        s = "cyrillic"
    elif 0x530 <= o < 0x590:
        s = "armenian"
    elif 0x600 <= o < 0x780 or 0xFB50 <= o < 0xFE00 or 0xFE70 <= o < 0xFF00 or 0x8A0 <= o < 0x900:
        s = "arabic"
    elif 0x900 <= o < 0xE00 and not (0xE00 <= o < 0xE80):
        s = "other"
    elif 0xE00 <= o < 0xE80:
        s = "thai"
    elif 0xE80 <= o < 0xF00:
        s = "lao"
    elif 0x1780 <= o < 0x1800:
        s = "khmer"
    elif 0x1E00 <= o < 0x1F00:
        s = "latin"
    elif 0x4E00 <= o < 0xA000:
        s = "han"
    elif 0x3400 <= o < 0x4DC0 or 0x2E80 <= o < 0x2FE0 or 0xF900 <= o < 0xFB00 or o >= 0x20000:
        s = "han_rare"
    elif 0x3040 <= o < 0x3100:
        s = "kana"
    elif 0xAC00 <= o < 0xD7B0 or 0x1100 <= o < 0x1200:
        s = "hangul"
    else:
        s = "other"
    _SCRIPT_CACHE[ch] = s
    return s


_BASE = {"vn": "latin", "latin": "latin"}


def dominant_script(text: str) -> str | None:
    c = Counter(_BASE.get(script_of(ch), script_of(ch)) for ch in text if ch.isalpha())
    if not c:
        return None
    return c.most_common(1)[0][0]


def looks_vietnamese(text: str) -> tuple[float, float]:
    """(share of folded tokens that are common Vietnamese words, share of letters that are Vietnamese-only)."""
    toks = fold(text[:20000]).split()
    toks = [t for t in toks if t.isalpha()]
    if not toks:
        return 0.0, 0.0
    vi = sum(1 for t in toks if t in _VI_WORDS) / len(toks)
    letters = [ch for ch in text[:20000] if ch.isalpha()]
    vn = sum(1 for ch in letters if ch in _VN_EXTRA) / max(1, len(letters))
    return vi, vn


def guess_language(text: str) -> str | None:
    """ISO 639-1 guess of the main language of ``text`` (vi, en, fr, ru, zh, ar, ja, ko, th, …)."""
    sample = text[:30000]
    script = dominant_script(sample)
    if script is None:
        return None
    if script == "cyrillic":
        return "ru"
    if script in ("han", "han_rare"):
        return "zh"
    if script == "arabic":
        return "ar"
    if script == "kana":
        return "ja"
    if script == "hangul":
        return "ko"
    if script in ("thai", "lao", "khmer"):
        return {"thai": "th", "lao": "lo", "khmer": "km"}[script]
    if script != "latin":
        return None
    return vote_language([t for t in fold(sample).split() if t.isalpha()])


def vote_language(toks: list[str]) -> str | None:
    """vi, en or fr by counting common function words among folded tokens; None when none is seen."""
    if not toks:
        return None
    seen = Counter(toks)  # (counted once at C speed; then a look-up per function word)
    vi = sum(seen[w] for w in _VI_WORDS)
    en = sum(seen[w] for w in _EN_WORDS)
    fr = sum(seen[w] for w in _FR_WORDS)
    best = max((vi, "vi"), (en, "en"), (fr, "fr"))
    return None if best[0] == 0 else best[1]


def undouble(text: str) -> tuple[str, int]:
    """Repair fake-bold doubling: words whose letters all come in identical pairs ("TTéétteell")."""
    n = 0

    def fix(m: re.Match) -> str:
        nonlocal n
        w = m.group(0)
        if len(w) >= 4 and len(w) % 2 == 0 and w[0::2] == w[1::2]:
            n += 1
            return w[0::2]
        return w

    out = re.sub(r"\S+", fix, text)
    return out, n


@dataclass
class Quality:
    score: float
    problem: str | None
    detail: str
    script: str | None = None
    doubled_words: int = 0

    @property
    def usable(self) -> bool:
        return self.score >= USABLE


def _mixed_script(word: str) -> bool:
    scripts = {_BASE.get(script_of(ch), script_of(ch)) for ch in word if ch.isalpha()}
    scripts.discard("other")
    return len(scripts) > 1


def assess(text: str, lang_hint: str | None = None) -> Quality:
    """Score a page's (or document's) text layer."""
    nonspace = [ch for ch in text if not ch.isspace()]
    n = len(nonspace)
    if n < 10:
        return Quality(0.0, "empty", "no usable text layer (image-only scan)")
    cid_chars = sum(len(m) for m in _CID_RE.findall(text))
    if cid_chars / n > 0.05:
        return Quality(max(0.0, 1 - 2 * cid_chars / n), "cid",
                       "text layer has (cid:N) glyph codes instead of letters (font without ToUnicode)")
    ctrl = len(_CTRL_RE.findall(text))
    words = _WORD_RE.findall(text)
    letters = [ch for ch in text if ch.isalpha()]
    nl = max(1, len(letters))
    sc = Counter(script_of(ch) for ch in letters)
    dom = dominant_script(text)
    bad = ctrl
    mixed_words = [w for w in words if _mixed_script(w)]
    bad += sum(len(w) for w in mixed_words)
    if dom == "latin":
        bad += sc.get("latin_ext", 0) + sc.get("cyrillic", 0) + sc.get("armenian", 0) + sc.get("greek", 0) // 2
    elif dom == "cyrillic":
        bad += sc.get("latin_ext", 0) + sc.get("armenian", 0)
    elif dom in ("han", "han_rare"):
        bad += sc.get("han_rare", 0)
    elif dom == "arabic":
        bad += sc.get("latin_ext", 0)
    if dom == "latin_ext":
        bad += sc.get("latin_ext", 0)
    bad += sum(1 for i, ch in enumerate(text) if ch in _ODD and 0 < i < len(text) - 1
               and text[i - 1].isalpha() and text[i + 1].isalpha())
    frac = min(1.0, bad / nl)
    score = max(0.0, 1.0 - 2.5 * frac)
    if score < USABLE:
        if dom in ("han", "han_rare"):
            detail = "text layer garbled (wrong ToUnicode: rare CJK characters instead of text)"
        elif dom == "latin_ext" or sc.get("latin_ext", 0) > 0.3 * nl:
            detail = "text layer garbled (wrong ToUnicode: IPA/Latin-Extended letters instead of text)"
        else:
            detail = "text layer garbled (wrong ToUnicode: mojibake, letters from unexpected scripts)"
        return Quality(round(score, 3), "mojibake", detail, dom)
    # doubled letters (fake bold)
    long_words = [w for w in re.findall(r"\S+", text) if len(w) >= 4]
    doubled = sum(1 for w in long_words if len(w) % 2 == 0 and w[0::2] == w[1::2])
    if long_words and doubled / len(long_words) > 0.2:
        return Quality(round(min(score, 0.7), 3), "doubled",
                       "fake-bold text with doubled letters", dom, doubled)
    # Vietnamese without diacritics (bad OCR layer)
    if dom == "latin":
        vi_words, vn_letters = looks_vietnamese(text)
        want_vi = lang_hint == "vi" or vi_words > 0.25
        if want_vi and len(letters) > 40 and vn_letters < 0.02:
            return Quality(round(min(score, 0.2), 3), "no_diacritics",
                           "text layer has no Vietnamese letters in Vietnamese text (bad OCR layer)", dom)
    return Quality(round(score, 3), None, "ok", dom, doubled)
