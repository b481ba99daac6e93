"""Parse what a user typed into search clauses.  Never raises on any input.

Grammar (forgiving):
* ``"…"`` is a phrase (curly quotes accepted; an unbalanced quote is ignored);
* a chunk with a digit and a separator (``108/2016/QH13``, ``123/2020/NĐ-CP``) is a document *number*:
  matched exactly on a compact key, or as a phrase of its parts;
* a hyphenated chunk (``Ca-dắc-xtan``, ``hiệp-định``) is a *compound*: its syllables as a phrase, or the
  syllables joined (``cadacxtan``);
* every other token is a *term*; boolean operator words (AND, OR, NOT, &&, ||) and leading +/- are dropped;
* the last term is also matched as a prefix (search as one types) unless the input ends with a space.

Every clause must match (in some field).  Typo tolerance: distance 1 on terms of ≥ 5 folded letters,
2 from 9 letters, never on tokens with digits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from core.text import nfc, strip_marks

from search.analysis import word_tokens

MAX_CLAUSES = 24
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
_OPERATORS = {"AND", "OR", "NOT", "&&", "||", "!"}
_NUMBERISH = re.compile(r"\d")
_NUM_SEP = re.compile(r"[/.\\:\-\u2010-\u2014]")

Folder = Callable[[str], str]


def _default_fold(tok: str) -> str:
    return strip_marks(tok).lower()


@dataclass
class Clause:
    kind: str  # "term" | "phrase" | "compound" | "number"
    tokens: list[str]  # folded tokens
    raw: list[str]  # the same tokens lower-cased with their marks (for accent-exact boosts)
    joined: str | None = None  # compound/number: folded tokens concatenated
    prefix: bool = False
    fuzzy: int = 0  # allowed edit distance (terms and joined compounds)

    @property
    def has_marks(self) -> bool:
        return any(r != t for r, t in zip(self.raw, self.tokens))


@dataclass
class ParsedQuery:
    text: str
    clauses: list[Clause] = field(default_factory=list)
    #: typo tolerance also in long texts (articles): only on the second attempt, it is costly and noisy
    body_typos: bool = False

    @property
    def empty(self) -> bool:
        return not self.clauses

    @property
    def has_marks(self) -> bool:
        return any(c.has_marks for c in self.clauses)

    def relaxed(self) -> "ParsedQuery":
        """Second-chance version: typo distance 1 also on 3-4 letter terms ('thuong mia')."""
        out = []
        for c in self.clauses:
            c2 = Clause(c.kind, list(c.tokens), list(c.raw), c.joined, c.prefix, c.fuzzy)
            if c.kind == "term" and not c.fuzzy and len(c.tokens[0]) >= 3 and not _NUMBERISH.search(c.tokens[0]):
                c2.fuzzy = 1
            out.append(c2)
        return ParsedQuery(self.text, out, body_typos=True)

    def without_last(self) -> "ParsedQuery":
        return ParsedQuery(self.text, self.clauses[:-1], body_typos=self.body_typos)


def fuzzy_distance(folded: str) -> int:
    if _NUMBERISH.search(folded):
        return 0
    n = len(folded)
    if n >= 9:
        return 2
    if n >= 5:
        return 1
    return 0


def parse(q: str | None, fold_tok: Folder | None = None) -> ParsedQuery:
    """Parse user input; never raises (worst case: an empty query)."""
    try:
        return _parse(q, fold_tok or _default_fold)
    except Exception:  # noqa: BLE001 - user input must never break search
        toks = word_tokens(nfc(str(q or "")) or "")[:MAX_CLAUSES]
        f = fold_tok or _default_fold
        return ParsedQuery(str(q or ""), [Clause("term", [f(t)], [t.lower()]) for t in toks if f(t)])


def _parse(q: str | None, fold_tok: Folder) -> ParsedQuery:
    text = nfc(str(q or "")) or ""
    text = text.translate(_QUOTES).replace("\x00", " ")
    ends_with_space = text[-1:].isspace() if text else True
    clauses: list[Clause] = []
    parts = text.split('"')
    if len(parts) % 2 == 0:  # unbalanced: the last quote is ignored
        parts = parts[:-2] + [parts[-2] + " " + parts[-1]]
    for i, part in enumerate(parts):
        if i % 2 == 1:
            toks = word_tokens(part)
            folded = [fold_tok(t) for t in toks]
            pairs = [(f, t.lower()) for f, t in zip(folded, toks) if f]
            if len(pairs) == 1:
                f, r = pairs[0]
                clauses.append(Clause("term", [f], [r]))  # a quoted single word: exact, no typo, no prefix
            elif pairs:
                clauses.append(Clause("phrase", [p[0] for p in pairs], [p[1] for p in pairs]))
            continue
        for chunk in part.split():
            if chunk in _OPERATORS:
                continue
            chunk = chunk.lstrip("+-!")
            toks = word_tokens(chunk)
            if not toks:
                continue
            folded = [fold_tok(t) for t in toks]
            pairs = [(f, t.lower()) for f, t in zip(folded, toks) if f]
            if not pairs:
                continue
            ftoks, rtoks = [p[0] for p in pairs], [p[1] for p in pairs]
            if len(pairs) == 1:
                clauses.append(Clause("term", ftoks, rtoks, fuzzy=fuzzy_distance(ftoks[0])))
            elif _NUMBERISH.search(chunk) and _NUM_SEP.search(chunk):
                clauses.append(Clause("number", ftoks, rtoks, joined="".join(ftoks)))
            else:
                joined = "".join(ftoks)
                clauses.append(Clause("compound", ftoks, rtoks, joined=joined, fuzzy=fuzzy_distance(joined)))
    # drop exact duplicates, cap the size
    seen: set[tuple] = set()
    uniq: list[Clause] = []
    for c in clauses:
        key = (c.kind, tuple(c.tokens))
        if key not in seen:
            seen.add(key)
            uniq.append(c)
    uniq = uniq[:MAX_CLAUSES]
    if uniq and not ends_with_space and parts and len(parts) % 2 == 1 and parts[-1].strip():
        last = uniq[-1]
        if last.kind in ("term", "compound") and len(last.tokens[-1]) >= 2:
            last.prefix = True
    return ParsedQuery(text, uniq)
