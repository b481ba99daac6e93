"""Vietnamese text normalisation.

Display text is always NFC and otherwise untouched. Matching keys fold
tone marks, đ/Đ (and the look-alikes Ð U+00D0, ð U+00F0), case and hyphens.
Never fold with ``encode('ascii', 'ignore')``: it deletes đ.
"""
from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})
# characters that separate syllables in transliterations: hyphen, non-breaking hyphen, en/em dash, minus
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_HYPHEN_RE = re.compile(f"[{_HYPHENS}]")
_WS_RE = re.compile(r"\s+")
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")


def nfc(s: str | None) -> str | None:
    """NFC-normalise; map the Icelandic look-alike Ð (U+00D0) to Đ (U+0110) inside Vietnamese words."""
    if s is None:
        return None
    s = unicodedata.normalize("NFC", s)
    if "\u00d0" in s or "\u00f0" in s:
        s = s.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return s


def strip_marks(s: str) -> str:
    """Remove tone and vowel marks, map đ→d; keeps case and punctuation."""
    s = unicodedata.normalize("NFD", s.translate(_D_MAP))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", s).translate(_D_MAP)


def fold(s: str | None) -> str:
    """Matching form: no marks, đ→d, lower case, hyphens as spaces, single spaces."""
    if not s:
        return ""
    s = strip_marks(nfc(s)).lower()
    s = _HYPHEN_RE.sub(" ", s)
    return _WS_RE.sub(" ", s).strip()


def fold_key(s: str | None) -> str:
    """Compact matching key: ``fold`` without any separator ("Ca-dắc-xtan" == "Cadắcxtan" == "ca dac xtan")."""
    return _NON_ALNUM_RE.sub("", fold(s))


def join_hyphenated(s: str) -> str:
    """Join syllables written with hyphens ("Ca-dắc-xtan" → "Cadắcxtan"); display case and marks kept."""
    return re.sub(rf"(?<=\w)[{_HYPHENS}](?=\w)", "", s)
