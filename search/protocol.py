"""The search backend contract shared by every implementation (tantivy, Meilisearch).

A backend indexes *documents* (one per public instrument, built by the lead's
DB→document builder) and answers :class:`SearchQuery` objects with a
:class:`SearchResult`.  The document shape::

    {"id": "i42", "instrument_id": 42, "family": "treaty"|"agreement",
     "title": str, "titles_other": [str], "instrument_type": str,
     "number": str|None, "danh_nghia": str|None, "signatory_level": str|None,
     "field": str|None, "bilateral": bool, "parties": ["KAZ", "VNM"],
     "party_names": [str], "party_aliases": [str], "acronyms": [str],
     "signed_date": "YYYY-MM-DD"|None, "signed_year": int|None,
     "eif_date": "YYYY-MM-DD"|None, "status": "in_force",
     "articles": [{"label": "Điều 1", "heading": str|None, "text": str}],
     "text": str}
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Protocol, runtime_checkable

#: filter keys every backend understands
FILTER_KEYS = (
    "family", "instrument_type", "party", "year", "danh_nghia", "signatory_level", "field", "status",
)
#: facets every backend can compute
FACET_KEYS = FILTER_KEYS
DEFAULT_FACETS = ("family", "instrument_type", "party", "year")
DATE_RANGE_KEYS = ("signed", "eif")
SORTS = ("relevance", "signed_desc", "signed_asc", "eif_desc")
MAX_PER_PAGE = 1000
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,480}$")  # room for the "__<n>" chunk suffix (Meilisearch: 511 bytes)

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class SearchBackendError(RuntimeError):
    """Any failure of a search backend (bad input to the backend, engine or network error, failed task)."""


@dataclass
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str] | str] = field(default_factory=dict)
    #: {"signed": (from, to), "eif": (from, to)}; bounds are ISO dates ("1962", "1962-05", "1962-05-01"),
    #: ``datetime.date`` or None (open); both bounds inclusive.
    date_ranges: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: list[str] = field(default_factory=lambda: list(DEFAULT_FACETS))

    def validated(self) -> "SearchQuery":
        """Return a copy with sane paging and checked keys; raises SearchBackendError on programmer errors."""
        for k in self.filters:
            if k not in FILTER_KEYS:
                raise SearchBackendError(f"unknown filter {k!r}; allowed: {', '.join(FILTER_KEYS)}")
        for k in self.date_ranges:
            if k not in DATE_RANGE_KEYS:
                raise SearchBackendError(f"unknown date range {k!r}; allowed: {', '.join(DATE_RANGE_KEYS)}")
        for k in self.facets:
            if k not in FACET_KEYS:
                raise SearchBackendError(f"unknown facet {k!r}; allowed: {', '.join(FACET_KEYS)}")
        if self.sort not in SORTS:
            raise SearchBackendError(f"unknown sort {self.sort!r}; allowed: {', '.join(SORTS)}")
        page = max(1, int(self.page or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(self.per_page or 20)))
        return SearchQuery(q=self.q or "", filters=dict(self.filters), date_ranges=dict(self.date_ranges),
                           sort=self.sort, page=page, per_page=per_page, facets=list(self.facets))

    def filter_values(self, key: str) -> list[str]:
        v = self.filters.get(key)
        if v is None:
            return []
        if isinstance(v, (str, int)):
            v = [v]
        return [str(x) for x in v if x is not None and str(x) != ""]


@dataclass
class SearchHit:
    id: str
    instrument_id: int | None
    title: str
    family: str | None
    instrument_type: str | None
    parties: list[str]
    signed_date: str | None
    eif_date: str | None
    score: float
    highlights: dict[str, list[str]] = field(default_factory=dict)
    matched_article: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # (``dataclasses.asdict`` deep-copies recursively: ten times slower on a page of highlighted hits)
        return {"id": self.id, "instrument_id": self.instrument_id, "title": self.title, "family": self.family,
                "instrument_type": self.instrument_type, "parties": list(self.parties),
                "signed_date": self.signed_date, "eif_date": self.eif_date, "score": self.score,
                "highlights": {k: list(v) for k, v in self.highlights.items()},
                "matched_article": self.matched_article}


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [h.to_dict() for h in self.hits],
            "total": self.total,
            "facets": self.facets,
            "page": self.page,
            "per_page": self.per_page,
        }


@runtime_checkable
class SearchBackend(Protocol):
    def ensure_index(self) -> None:
        """Create the index (and its settings) if it does not exist; idempotent."""

    def upsert(self, docs: list[dict]) -> None:
        """Insert or replace documents by ``id``; visible to searches when this returns."""

    def delete(self, ids: list[str]) -> None:
        """Remove documents by ``id`` (unknown ids are ignored)."""

    def search(self, query: SearchQuery) -> SearchResult: ...

    def all_ids(self, pause: float = 0.0) -> set[str]:
        """Every document id in the index; ``pause`` > 0: read in parts with a pause after each (a caller that
        shares its process with searches)."""

    def count(self) -> int: ...

    def rebuild(self, docs: Iterable[dict]) -> None:
        """Build a new index from ``docs`` and swap it in atomically; the old one serves until the swap."""

    def close(self) -> None: ...


# --------------------------------------------------------------------------- shared helpers


def parse_date_bound(value: Any, upper: bool) -> date | None:
    """'1962' → 1962-01-01 (or 1962-12-31 as an upper bound); '1962-05' likewise; date passes through."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    s = str(value).strip()
    m = re.fullmatch(r"(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", s)
    if not m:
        raise SearchBackendError(f"invalid date bound {value!r}; use YYYY, YYYY-MM or YYYY-MM-DD")
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    try:
        if mo is None:
            return date(y, 12, 31) if upper else date(y, 1, 1)
        if d is None:
            if not upper:
                return date(y, mo, 1)
            nxt = date(y + (mo == 12), mo % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1)
        return date(y, mo, d)
    except ValueError as e:
        raise SearchBackendError(f"invalid date bound {value!r}: {e}") from None


def date_to_day(value: Any) -> int | None:
    """ISO date (or date) → days since 1970-01-01 (negative before 1970; works for year 1351)."""
    if value is None or value == "":
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    return value.toordinal() - _EPOCH_ORDINAL


def day_range(q: SearchQuery, key: str) -> tuple[int | None, int | None] | None:
    rng = q.date_ranges.get(key)
    if not rng:
        return None
    lo, hi = (tuple(rng) + (None, None))[:2]
    lo_d, hi_d = parse_date_bound(lo, False), parse_date_bound(hi, True)
    if lo_d is None and hi_d is None:
        return None
    return (date_to_day(lo_d) if lo_d else None, date_to_day(hi_d) if hi_d else None)


def check_doc(doc: dict) -> None:
    """Reject documents a backend cannot index, naming the problem."""
    did = doc.get("id")
    if not isinstance(did, str) or not ID_RE.fullmatch(did):
        raise SearchBackendError(f"invalid document id {did!r}: use 1-480 characters of A-Z a-z 0-9 - _")
    if not isinstance(doc.get("title"), str):
        raise SearchBackendError(f"document {did}: title must be a string")
