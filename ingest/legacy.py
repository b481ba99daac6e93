"""Legacy Vietnamese 8-bit encodings (TCVN3/ABC ".VnTime" fonts and VNI "VNI-Times" fonts) to Unicode.

Word documents typed with those fonts store the bytes as Latin-1 code points, so the text reads like
"ubnd tØnh Lµo Cai" (TCVN3, = "ubnd tỉnh Lào Cai") or "Coäng hoøa xaõ hoäi" (VNI, = "Cộng hòa xã hội").

* ``tcvn3_to_unicode`` / ``vni_to_unicode`` convert unconditionally.
* ``detect_legacy`` decides from the characters alone (frequency of legacy-only code points, then
  whether the conversion produces valid Vietnamese syllables) which encoding a text is in.
* ``fix_legacy`` converts only when the detection is confident.
* ``encoding_for_font`` maps a font name to the encoding it implies (".VnTime" → "tcvn3", "VNI-Times" → "vni").
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import filterfalse

__all__ = [
    "tcvn3_to_unicode",
    "vni_to_unicode",
    "detect_legacy",
    "fix_legacy",
    "encoding_for_font",
    "vietnamese_syllable_ratio",
    "is_vietnamese_syllable",
]

# --- TCVN3 (TCVN 5712:1993, "ABC") -----------------------------------------------------------------
_TCVN3_PAIRS = {
    # a
    "¸": "á", "µ": "à", "¶": "ả", "·": "ã", "¹": "ạ",
    "¨": "ă", "¾": "ắ", "»": "ằ", "¼": "ẳ", "½": "ẵ", "Æ": "ặ",
    "©": "â", "Ê": "ấ", "Ç": "ầ", "È": "ẩ", "É": "ẫ", "Ë": "ậ",
    # đ
    "®": "đ",
    # e
    "Ð": "é", "Ì": "è", "Î": "ẻ", "Ï": "ẽ", "Ñ": "ẹ",
    "ª": "ê", "Õ": "ế", "Ò": "ề", "Ó": "ể", "Ô": "ễ", "Ö": "ệ",
    # i
    "Ý": "í", "×": "ì", "Ø": "ỉ", "Ü": "ĩ", "Þ": "ị",
    # o
    "ã": "ó", "ß": "ò", "á": "ỏ", "â": "õ", "ä": "ọ",
    "«": "ô", "è": "ố", "å": "ồ", "æ": "ổ", "ç": "ỗ", "é": "ộ",
    "¬": "ơ", "í": "ớ", "ê": "ờ", "ë": "ở", "ì": "ỡ", "î": "ợ",
    # u
    "ó": "ú", "ï": "ù", "ñ": "ủ", "ò": "ũ", "ô": "ụ",
    "\u00ad": "ư", "ø": "ứ", "õ": "ừ", "ö": "ử", "÷": "ữ", "ù": "ự",
    # y
    "ý": "ý", "ú": "ỳ", "û": "ỷ", "ü": "ỹ", "þ": "ỵ",
    # capitals that exist as own code points
    "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ",
}
_TCVN3_TABLE = str.maketrans(_TCVN3_PAIRS)
# Code points that never occur in Unicode Vietnamese (nor in ordinary Western text, mostly)
_TCVN3_ONLY = set("¸µ¶¹¨¾¼½ÆÇËÐÎÏÑªÖ×ØÜÞßäåæçëîïñö÷øûüþ¡¢£¤¥¦§¬\u00ad")


def tcvn3_to_unicode(s: str, upper: bool = False) -> str:
    """Convert TCVN3 (ABC) text to NFC Unicode. ``upper`` for the capital fonts (".VnTimeH")."""
    out = s.translate(_TCVN3_TABLE)
    if upper:
        out = out.upper()
    return unicodedata.normalize("NFC", out)


# --- VNI ---------------------------------------------------------------------------------------------
# Tone marks and vowel modifiers follow the base letter as separate Latin-1 code points.
_VNI_TONES_LOWER = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
# circumflex with tones (â ê ô) and breve with tones (ă)
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}


def _build_vni() -> dict[str, str]:
    m: dict[str, str] = {}

    def add(seq: str, uni: str) -> None:
        m[seq] = unicodedata.normalize("NFC", uni)
        m[seq.upper()] = unicodedata.normalize("NFC", uni.upper())

    for base in "aeiouy":
        for k, tone in _VNI_TONES_LOWER.items():
            add(base + k, base + tone)
    for base, circ in (("a", "\u0302"), ("e", "\u0302"), ("o", "\u0302")):
        for k, tone in _VNI_CIRC.items():
            add(base + k, base + circ + tone)
    for k, tone in _VNI_BREVE.items():
        add("a" + k, "a\u0306" + tone)
    # ơ = "ô", ư = "ö" (+ tone)
    add("ô", "ơ")
    add("ö", "ư")
    for k, tone in _VNI_TONES_LOWER.items():
        add("ô" + k, "ơ" + tone)
        add("ö" + k, "ư" + tone)
    # single-code-point letters
    add("ñ", "đ")
    add("í", "í")
    add("ì", "ì")
    add("æ", "ỉ")
    add("ó", "ĩ")
    add("ò", "ị")
    add("î", "ỵ")
    return m


_VNI_MAP = _build_vni()
_VNI_RE = re.compile("|".join(sorted((re.escape(k) for k in _VNI_MAP), key=len, reverse=True)))
_VNI_MARKERS = set("ùøûõïâáàåãäêéèúüëôöñæóòîÙØÛÕÏÂÁÀÅÃÄÊÉÈÚÜËÔÖÑÆÓÒÎ")


def vni_to_unicode(s: str) -> str:
    """Convert VNI (VNI-Times) text to NFC Unicode."""
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: _VNI_MAP[m.group(0)], s))


# --- Vietnamese syllable check ----------------------------------------------------------------------
_NUCLEI = (
    "a ă â e ê i y o ô ơ u ư ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy "
    "ưa ưi ưu ươ yê iêu yêu oai oay uây uôi ươi ươu uya uyê oao oeo uyu"
).split()
_SYL_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:" + "|".join(sorted(_NUCLEI, key=len, reverse=True)) + r")"
    r"(?:ch|ng|nh|[cmnpt])?$"
)
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """True for a well-formed Vietnamese syllable (case-insensitive, any tone, at most one tone mark)."""
    w = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in w if ch in _TONES)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in w if ch not in _TONES))
    return bool(_SYL_RE.match(base))


_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def vietnamese_syllable_ratio(text: str, only_non_ascii: bool = True) -> float:
    """Share of words (those with a non-ASCII letter when ``only_non_ascii``) that are Vietnamese syllables."""
    words = _WORD_RE.findall(text)
    if only_non_ascii:
        words = [w for w in words if not w.isascii()]
    if not words:
        return 0.0
    return sum(1 for w in words if is_vietnamese_syllable(w)) / len(words)


_VN_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_UNI_VN = set("ăĂđĐơƠưƯĩĨũŨ") | {chr(c) for c in range(0x1EA0, 0x1EFA)}
_LEFTOVER = {chr(c) for c in range(0xA1, 0x100)} - _VN_LATIN1


def _count_in(text: str, chars: set[str], members: set[str] | frozenset[str]) -> int:
    """Occurrences in ``text`` of the characters of ``members`` (``chars`` = set(text)); C-speed counting."""
    return sum(text.count(c) for c in chars & members)


def _legacy_counts(text: str, chars: set[str] | None = None) -> tuple[int, int, int]:
    chars = set(text) if chars is None else chars
    return (_count_in(text, chars, _TCVN3_ONLY), _count_in(text, chars, _VNI_MARKERS),
            _count_in(text, chars, _UNI_VN))


def detect_legacy(text: str, chars: set[str] | None = None) -> str | None:
    """Return "tcvn3", "vni" or None (already Unicode / not Vietnamese) by character frequency. ``chars``:
    ``set(text)`` where the caller has it already."""
    if not text or text.isascii():
        return None
    if chars is None:
        chars = set(text)
    tc, vni, uni = _legacy_counts(text, chars)
    # (letters counted as what the non-letters leave: they are the fewer characters)
    letters = (len(text) - sum(text.count(c) for c in chars if not c.isalpha())) or 1
    if uni > 0.02 * letters:
        return None  # genuine Unicode Vietnamese letters dominate
    if max(tc, vni) < 2:
        return None
    # (only the words with a non-ASCII character count below, and no code point a conversion reads or writes is
    # ASCII or whitespace, nor does any conversion key span a space: the text is judged token by token, each
    # distinct whitespace-separated token holding a non-ASCII character once, with the same words and leftovers
    # as the whole text; a French page repeats its accented words, and its next page the same ones)
    tokens = Counter(filterfalse(str.isascii, text.split()))
    before = _ratio_and_leftover(tokens, None)[0]
    best, best_score = None, before + 0.15
    for name, count in (("tcvn3", tc), ("vni", vni)):
        if count < 2:
            continue
        ratio, leftover = _ratio_and_leftover(tokens, name)
        score = ratio - leftover / letters
        if score > best_score and score >= 0.5:
            best, best_score = name, score
    return best


def _ratio_and_leftover(tokens: Counter, enc: str | None) -> tuple[float, int]:
    """(``vietnamese_syllable_ratio``, leftover Latin-1 code points) of the tokens (with their counts) joined,
    converted from ``enc`` first (None: as they are)."""
    words = syllables = leftover = 0
    for tok, k in tokens.items():
        w, s, left = _token_stats(tok, enc)
        words += w * k
        syllables += s * k
        leftover += left * k
    return (syllables / words if words else 0.0), leftover


@lru_cache(maxsize=1 << 16)
def _token_stats(tok: str, enc: str | None) -> tuple[int, int, int]:
    """(words with a non-ASCII letter, how many of them are Vietnamese syllables, leftover Latin-1 code points)
    of one token, converted from ``enc`` first (None: as it is, no leftovers counted)."""
    t = tok if enc is None else tcvn3_to_unicode(tok) if enc == "tcvn3" else vni_to_unicode(tok)
    words = [w for w in _WORD_RE.findall(t) if not w.isascii()]
    return len(words), sum(map(is_vietnamese_syllable, words)), (_count_in(t, set(t), _LEFTOVER) if enc else 0)


def fix_legacy(text: str, chars: set[str] | None = None) -> tuple[str, str | None]:
    """Convert ``text`` when it is detected as TCVN3 or VNI; return (text, encoding or None). ``chars``:
    ``set(text)`` where the caller has it already."""
    enc = detect_legacy(text, chars)
    if enc == "tcvn3":
        return tcvn3_to_unicode(text), enc
    if enc == "vni":
        return vni_to_unicode(text), enc
    return text, None


def encoding_for_font(font: str | None) -> tuple[str | None, bool]:
    """(encoding, upper) implied by a font name: ".VnTime" → ("tcvn3", False), ".VnTimeH" → ("tcvn3", True),
    "VNI-Times" → ("vni", False); anything else → (None, False)."""
    if not font:
        return None, False
    f = font.strip()
    low = f.lower()
    if low.startswith(".vn") or low.startswith("vn3") or low.startswith("abc"):
        return "tcvn3", f.endswith("H") and not low.endswith("sh")
    if low.startswith("vni-") or low.startswith("vni "):
        return "vni", False
    return None, False
