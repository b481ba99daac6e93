"""Vietnamese-aware text analysis shared by the search backends.

* :func:`fold_same_len` folds tone marks, đ/Đ, case and hyphen look-alikes **one character for one
  character**, so offsets found in the folded text are offsets in the original (used for <mark> highlights).
* :class:`Highlighter` finds where a parsed query matches a display text, wraps the matches in
  ``<mark>…</mark>`` (everything else HTML-escaped) and picks the article that matched best.
"""
from __future__ import annotations

import bisect
import html
import re
import unicodedata
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from core.text import fold, fold_key, nfc, strip_marks

if TYPE_CHECKING:  # pragma: no cover
    from search.query import ParsedQuery

__all__ = [
    "fold_same_len", "fold_token", "has_marks", "compact_number", "word_tokens", "Highlighter", "within_distance",
    "VIETNAMESE_LETTERS", "MARK_OPEN", "MARK_CLOSE",
]

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
#: articles starting after this many characters are not considered for the matched article
MAX_SCAN_CHARS = 2_000_000
HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2212"
VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
)
WORD_RE = re.compile(r"[^\W_]+")


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = [(0x00C0, 0x0250), (0x0370, 0x0530), (0x1E00, 0x1F00), (0x0041, 0x005B)]
    for lo, hi in ranges:
        for cp in range(lo, hi):
            c = chr(cp)
            if not c.isalpha():
                continue
            f = strip_marks(c).lower()
            if len(f) != 1:
                f = c.lower() if len(c.lower()) == 1 else c
            if f != c:
                table[cp] = f
    for h in HYPHENS[1:]:
        table[ord(h)] = "-"
    return table


_TABLE = _build_table()


def fold_same_len(s: str) -> str:
    """Fold marks, đ, case and hyphen variants without changing the length (input must be NFC)."""
    return s.translate(_TABLE)


def fold_token(s: str) -> str:
    """Folded matching form of one token (no separators kept)."""
    return fold_key(s)


def has_marks(s: str) -> bool:
    """True when the text carries Vietnamese (or other) diacritics or đ."""
    s = nfc(s) or ""
    return strip_marks(s) != s


def compact_number(s: str | None) -> str:
    """'108/2016/QH13' → '1082016qh13'; '123/2020/NĐ-CP' → '1232020ndcp' (exact document-number key)."""
    return fold_key(s or "")


def word_tokens(s: str) -> list[str]:
    """Tokens as tantivy's simple tokenizer cuts them (runs of letters/digits)."""
    return WORD_RE.findall(s)


# --------------------------------------------------------------------------------------- highlighting


def _levenshtein_le(a: str, b: str, d: int) -> bool:
    """Damerau-Levenshtein (adjacent transposition costs 1) distance ≤ d."""
    la, lb = len(a), len(b)
    if abs(la - lb) > d:
        return False
    if a == b:
        return True
    prev2: list[int] | None = None
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = cur[0]
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > d:
            return False
        prev2, prev = prev, cur
    return prev[lb] <= d


def within_distance(a: str, b: str, d: int) -> bool:
    """Edit distance (adjacent transposition = 1) between a and b is at most d."""
    return _levenshtein_le(a, b, d)


def _interleave_hyphens(term: str) -> str:
    """'cadacxtan' → regex matching it written with hyphens anywhere ('ca-dac-xtan')."""
    return "-?".join(re.escape(ch) for ch in term)


class _Matcher:
    """One alternation regex without capture groups (so ``re`` can skip ahead on the first letters),
    longest alternatives first; the clause of a match is found from its text."""

    def __init__(self, alts: list[tuple[int, int, str, str | None]]):
        alts = sorted(alts, key=lambda a: -a[0])
        self.literal: dict[str, int] = {}
        self.others: list[tuple[re.Pattern, int]] = []
        for _, clause, body, lit in alts:
            if lit is not None:
                self.literal.setdefault(lit, clause)
            else:
                self.others.append((re.compile(f"(?:{body})"), clause))
        self.regex = re.compile("(?:" + "|".join(a[2] for a in alts) + r")(?![^\W_])") if alts else None

    def clause_of(self, text: str) -> int:
        c = self.literal.get(text)
        if c is not None:
            return c
        for rx, clause in self.others:
            if rx.fullmatch(text):
                return clause
        return -1

    def scan(self, ft: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int, int]]:
        return list(self.iscan(ft, pos, endpos))

    def iscan(self, ft: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, int, int]]:
        """(start, end, clause) of each match, in text order."""
        if self.regex is None:
            return
        for m in self.regex.finditer(ft, pos, len(ft) if endpos is None else endpos):
            st = m.start()
            if st and ft[st - 1].isalnum():  # must start a word
                continue
            yield st, m.end(), self.clause_of(m.group())


class Highlighter:
    """Highlight a parsed query in display texts and pick the best-matching article.

    Exact forms of every clause (terms, phrases, joined compounds, prefixes) are scanned first in the
    length-preserving folded text; typo expansions (:meth:`use_expansions`) only for clauses that found
    nothing exact in that text.
    """

    def __init__(self, parsed: "ParsedQuery", snippet_chars: int = 240):
        self.parsed = parsed
        self.snippet_chars = snippet_chars
        self.fuzzy: list[tuple[int, str, int]] = []  # (clause index, folded term, distance)
        SEP = r"[\W_]+"
        alts: list[tuple[int, int, str, str | None]] = []  # (sort key, clause, regex body, literal text)
        for i, c in enumerate(parsed.clauses):
            toks = [t for t in c.tokens if t]
            if not toks:
                continue
            if c.kind == "term":
                t = toks[0]
                if c.prefix:
                    alts.append((len(t), i, re.escape(t) + r"[^\W_]*", None))
                else:
                    alts.append((len(t), i, re.escape(t), t))
                if len(t) >= 4 and not any(ch.isdigit() for ch in t):
                    alts.append((len(t) + 1, i, _interleave_hyphens(t), None))  # 'cadacxtan' ~ 'ca-dac-xtan'
                if c.fuzzy:
                    self.fuzzy.append((i, t, c.fuzzy))
            else:
                seq = SEP.join(re.escape(t) for t in toks)
                if c.prefix:
                    seq += r"[^\W_]*"
                alts.append((sum(map(len, toks)) + len(toks), i, seq, None))
                if c.kind in ("compound", "number") and c.joined:
                    alts.append((len(c.joined), i, _interleave_hyphens(c.joined), None))
                    if c.fuzzy:
                        self.fuzzy.append((i, c.joined, c.fuzzy))
        self.n_clauses = len({a[1] for a in alts})
        self.exact = _Matcher(alts)
        self.typos: _Matcher | None = None

    def use_expansions(self, expansions: dict[int, list[str]]) -> None:
        """Highlight typo matches as the exact words the index matched (``{clause: [folded words]}``),
        instead of computing edit distances over every word of every text."""
        alts = [(len(w), ci, re.escape(w), w) for ci, words in expansions.items() for w in words if w]
        self.typos = _Matcher(alts) if alts else None
        self.fuzzy = []

    @property
    def empty(self) -> bool:
        return self.exact.regex is None and not self.fuzzy and self.typos is None

    # ---- scanning
    def _fuzzy_scan(self, ft: str, skip: set[int]) -> list[tuple[int, int, int]]:
        todo = [f for f in self.fuzzy if f[0] not in skip]
        if not todo:
            return []
        out = []
        cache: dict[tuple[str, str], bool] = {}
        for m in WORD_RE.finditer(ft):
            w = m.group()
            for ci, term, d in todo:
                if len(w) < 3 or abs(len(w) - len(term)) > d:
                    continue
                ok = cache.get((w, term))
                if ok is None:
                    ok = cache[(w, term)] = _levenshtein_le(w, term, d)
                if ok:
                    out.append((m.start(), m.end(), ci))
        return out

    def _typo_scan(self, ft: str, skip: set[int], pos: int = 0, endpos: int | None = None) -> list[tuple[int, int, int]]:
        if self.typos is not None:
            return [x for x in self.typos.scan(ft, pos, endpos) if x[2] not in skip]
        if self.fuzzy:
            end = len(ft) if endpos is None else endpos
            return [(s + pos, e + pos, c) for s, e, c in self._fuzzy_scan(ft[pos:end], skip)]
        return []

    def spans(self, text: str, use_fuzzy: bool = True) -> tuple[list[tuple[int, int]], set[int]]:
        """Match spans (start, end) in ``text`` and the set of clause indexes that matched."""
        if not text:
            return [], set()
        ft = fold_same_len(text)
        found = self.exact.scan(ft)
        hit = {c for _, _, c in found}
        if use_fuzzy and len(hit) < self.n_clauses:
            found += self._typo_scan(ft, hit)
            hit = {c for _, _, c in found}
        return _merge([(s, e) for s, e, _ in found]), hit

    def mark(self, text: str | None) -> str | None:
        """The whole text with every match marked, or None when nothing matched."""
        if not text:
            return None
        spans, _ = self.spans(text)
        if not spans:
            return None
        return _render(text, spans, 0, len(text))

    # a letter between fields: no phrase or prefix runs across it, so no match runs from one field into the next —
    # unless the query itself holds that letter (then one scan per field)
    _SENTINEL = "\ua66e"
    _FIELD_SEP = "\n\ua66e\n"

    def _sentinel_safe(self) -> bool:
        return all(m is None or m.regex is None or self._SENTINEL not in m.regex.pattern
                   for m in (self.exact, self.typos))

    def mark_many(self, texts: Sequence[str]) -> list[str | None]:
        """``[self.mark(t) for t in texts]`` with one fold and one scan of all the texts joined (a hit has a
        dozen short fields: one regex pass instead of a dozen)."""
        if not texts:
            return []
        if len(texts) == 1 or not self._sentinel_safe():
            return [self.mark(t) for t in texts]
        sep = self._FIELD_SEP
        joined = sep.join(texts)
        ft = fold_same_len(joined)
        starts = _starts_sep(texts, len(sep))
        per: list[list[tuple[int, int, int]]] = [[] for _ in texts]
        for x in self.exact.scan(ft):
            per[bisect.bisect_right(starts, x[0]) - 1].append(x)
        out: list[str | None] = []
        for n, text in enumerate(texts):
            if not text:
                out.append(None)
                continue
            st = starts[n]
            found = per[n]
            hit = {c for _, _, c in found}
            if len(hit) < self.n_clauses and (self.typos is not None or self.fuzzy):
                found = found + self._typo_scan(ft, hit, st, st + len(text))
            if not found:
                out.append(None)
                continue
            spans = _merge([(a - st, b - st) for a, b, _ in found])
            out.append(_render(text, spans, 0, len(text)))
        return out

    def snippet(self, text: str, spans: list[tuple[int, int]] | None = None) -> str | None:
        """A window of about ``snippet_chars`` characters around the densest cluster of matches."""
        if not text:
            return None
        if spans is None:
            spans, _ = self.spans(text)
        if not spans:
            return None
        W = self.snippet_chars
        if len(text) <= W:
            return _render(text, spans, 0, len(text))
        best_i, best_n = 0, 0
        j = 0
        for i, (s, _) in enumerate(spans[:500]):
            while j < len(spans) and spans[j][1] <= s + W:
                j += 1
            if j - i > best_n:
                best_i, best_n = i, j - i
        first = spans[best_i][0]
        start = max(0, first - W // 4)
        if start > 0:  # move to a word boundary
            k = text.rfind(" ", max(0, start - 20), start)
            start = k + 1 if k >= 0 else start
        end = min(len(text), start + W)
        if end < len(text):
            k = text.find(" ", end, end + 20)
            end = k if k >= 0 else end
        inside = [(s, e) for s, e in spans if s >= start and e <= end]
        out = _render(text, inside, start, end)
        return ("…" if start > 0 else "") + out + ("…" if end < len(text) else "")

    def best_article(self, articles: Sequence[dict], folded: str | None = None) -> tuple[str | None, str | None]:
        """(label, snippet) of the first article matching every query clause, else of the article matching
        the most clauses (then most often). ``folded`` may give :func:`fold_articles` precomputed."""
        texts, labels = article_texts(articles)
        joined, starts = ARTICLE_SEP.join(texts), _starts(texts)
        if folded is None or len(folded) != len(joined):
            folded = fold_same_len(joined)
        return self.best_chunk(joined, folded, starts, labels)

    def _scan_articles(self, ft: str, starts: Sequence[int], ends: Sequence[int], limit: int
                       ) -> Iterator[tuple[int, tuple[int, int, int]]]:
        """(article, match) for the exact matches of each article as a scan bounded to that article finds them,
        in text order, with one regex pass over many articles: a match running past its article's end (a phrase
        across the separator) is replaced by a scan of the rest of that article alone, and the pass starts again
        at the next article."""
        pos = 0
        while pos < limit:
            for x in self.exact.iscan(ft, pos, limit):
                k = bisect.bisect_right(starts, x[0]) - 1
                if x[1] <= ends[k]:
                    yield k, x
                    continue
                for y in self.exact.iscan(ft, x[0], min(ends[k], limit)):
                    yield k, y
                pos = starts[k + 1] if k + 1 < len(starts) else limit
                break
            else:
                return

    def best_chunk(self, joined: str, folded: str, starts: Sequence[int],
                   labels: Sequence[str | None]) -> tuple[str | None, str | None]:
        """Like :meth:`best_article` on chunks already joined: chunk ``n`` is ``joined[starts[n]:starts[n+1]]``
        (minus the separator); ``folded`` is ``fold_same_len(joined)``."""
        if not joined or not starts:
            return None, None
        ends = [st - len(ARTICLE_SEP) for st in starts[1:]] + [len(joined)]
        ft = folded
        best_key: tuple | None = None
        best_n = -1
        best_found: list[tuple[int, int, int]] = []
        # one regex pass over the text, matches bucketed by article (a match must lie inside its article); the
        # pass stops at the end of the first article that matches every clause (no later article can win)
        per: dict[int, list[tuple[int, int, int]]] = {}
        clauses: dict[int, set[int]] = {}
        done_at = -1
        for k, x in self._scan_articles(ft, starts, ends, min(len(ft), MAX_SCAN_CHARS)):
            if done_at >= 0 and x[0] > ends[done_at]:
                break
            per.setdefault(k, []).append(x)
            cs = clauses.setdefault(k, set())
            cs.add(x[2])
            if done_at < 0 and len(cs) == self.n_clauses:
                done_at = k
        # the first article matching every clause; else the one matching most clauses, then most often
        for k in sorted(per):
            fl = per[k]
            key = (len(clauses[k]), min(len(fl), 50))
            if best_key is None or key > best_key:
                best_key, best_n, best_found = key, k, fl
            if key[0] == self.n_clauses:
                break
        if best_n >= 0 and best_key is not None and best_key[0] < self.n_clauses:
            best_found = best_found + self._typo_scan(ft, {c for _, _, c in best_found}, starts[best_n], ends[best_n])
        if best_n < 0:
            found = self._typo_scan(ft, set(), 0, min(len(ft), MAX_SCAN_CHARS))
            if not found:
                return None, None
            per2: dict[int, list] = {}
            for x in found:
                per2.setdefault(bisect.bisect_right(starts, x[0]) - 1, []).append(x)
            best_n = max(per2, key=lambda k: (len({c for _, _, c in per2[k]}), min(len(per2[k]), 50), -k))
            best_found = per2[best_n]
        st, en = starts[best_n], ends[best_n]
        return labels[best_n], self.snippet(joined[st:en], _merge([(a - st, b - st) for a, b, _ in best_found]))


def _starts_sep(texts: Sequence[str], sep_len: int) -> list[int]:
    """Offsets of each text in ``sep.join(texts)`` for a separator of ``sep_len`` characters."""
    out, pos = [], 0
    for t in texts:
        out.append(pos)
        pos += len(t) + sep_len
    return out


def _starts(texts: Sequence[str]) -> list[int]:
    return _starts_sep(texts, len(ARTICLE_SEP))


def join_chunks(articles: Sequence[dict] | None, text: str | None = None) -> tuple[str, list[int], list[str | None]]:
    """Articles ('heading\ntext', labelled) and then the plain text (unlabelled) joined for scanning:
    (joined, start offsets, labels)."""
    texts, labels = article_texts(articles)
    if text:
        texts.append(text)
        labels.append(None)
    return ARTICLE_SEP.join(texts), _starts(texts), labels


ARTICLE_SEP = "\n\n"


def article_texts(articles: Sequence[dict] | None) -> tuple[list[str], list[str | None]]:
    """Each article as 'heading\ntext' (as highlighted) and its label."""
    texts: list[str] = []
    labels: list[str | None] = []
    for art in articles or []:
        if not isinstance(art, dict):
            continue
        heading = art.get("heading") or ""
        body = art.get("text") or ""
        texts.append(f"{heading}\n{body}" if heading else body)
        labels.append(art.get("label"))
    return texts, labels


def fold_articles(articles: Sequence[dict] | None) -> str:
    """The folded text best_article scans (store it to skip folding at query time)."""
    return fold_same_len(ARTICLE_SEP.join(article_texts(articles)[0]))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not spans:
        return []
    spans.sort()
    out = [spans[0]]
    for s, e in spans[1:]:
        ps, pe = out[-1]
        if s <= pe:
            out[-1] = (ps, max(pe, e))
        else:
            out.append((s, e))
    return out


def _render(text: str, spans: Iterable[tuple[int, int]], start: int, end: int) -> str:
    parts: list[str] = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(html.escape(text[pos:s], quote=False))
        parts.append(MARK_OPEN + html.escape(text[s:e], quote=False) + MARK_CLOSE)
        pos = e
    parts.append(html.escape(text[pos:end], quote=False))
    return "".join(parts)


def normalize_text(s: str | None) -> str:
    """NFC with the Ð look-alike mapped (what every backend indexes)."""
    return nfc(s) or ""


def fold_text(s: str | None) -> str:
    return fold(s)


def is_nfc(s: str) -> bool:
    return unicodedata.is_normalized("NFC", s)
