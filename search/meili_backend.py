"""Meilisearch backend (production), on the official ``meilisearch`` client (sync).

Index layout: every instrument becomes several *chunk* documents that share the instrument's metadata:
chunk 0 (metadata only) and one chunk per article (Điều) — or per passage of a long text without articles —
so a hit names the article that matched and each attribute stays far below Meilisearch's 65,535-position
limit.  ``distinctAttribute: instrument_key`` returns one hit per instrument; totals and facets count
instruments.

Every write waits for its task and raises :class:`SearchBackendError` when the task did not succeed
(``wait_for_task`` itself returns failed tasks silently — meilisearch-python #747).

Keys: the app writes with a scoped key (:func:`create_app_key`), searches use a search-only key
(``search_api_key``; :func:`create_search_key`) and browsers get a short-lived tenant token whose filter is
fixed server-side (:func:`public_search_token`).  The master key is only for creating those keys.
"""
from __future__ import annotations

import datetime as dt
import html
import logging
import re
import uuid
from typing import Any, Iterable, Iterator, Mapping

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchError

from core.text import fold, join_hyphenated, nfc
from search.analysis import compact_number
from search.protocol import (
    SearchBackendError, SearchHit, SearchQuery, SearchResult, check_doc, date_to_day, day_range,
)
from search.query import ParsedQuery, parse

log = logging.getLogger(__name__)

PRE, POST = "\ue000", "\ue001"  # highlight markers, turned into <mark> after HTML-escaping
PUBLIC_FILTER = 'status = "in_force"'
PASSAGE_WORDS = 2000
DEFAULT_MAX_TOTAL_HITS = 100_000

#: SearchQuery filter/facet name → Meilisearch attribute
ATTR = {
    "family": "family", "instrument_type": "instrument_type", "party": "parties", "year": "signed_year",
    "danh_nghia": "danh_nghia", "signatory_level": "signatory_level", "field": "field", "status": "status",
}
ATTR_BACK = {v: k for k, v in ATTR.items()}
SORT = {"signed_desc": ["signed_day:desc"], "signed_asc": ["signed_day:asc"], "eif_desc": ["eif_day:desc"]}
SEARCHABLE = [
    "title", "title_joined", "titles_other", "acronyms", "party_names", "party_aliases", "party_joined",
    "parties", "number", "numbers_other", "number_compact", "instrument_type", "field", "danh_nghia",
    "signatory_level", "article_label", "article_heading", "article_text",
]
VIETNAMESE_ATTRS = [
    "title", "title_joined", "party_names", "party_joined", "instrument_type", "field", "danh_nghia",
    "signatory_level", "article_label", "article_heading", "article_text",
]
HIGHLIGHT = ["title", "titles_other", "party_names", "party_aliases", "acronyms", "number", "instrument_type",
             "article_text"]
RETRIEVE = ["id", "instrument_key", "instrument_id", "title", "titles_other", "family", "instrument_type",
            "parties", "party_names", "party_aliases", "acronyms", "number", "signed_date", "eif_date",
            "article_label", "chunk_no"]


# ------------------------------------------------------------------------------------------ settings


def index_settings(*, max_total_hits: int = DEFAULT_MAX_TOTAL_HITS, max_values_per_facet: int = 500,
                   synonyms: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The explicit settings of a treatydb index (``synonyms`` only when given)."""
    s: dict[str, Any] = {
        "searchableAttributes": SEARCHABLE,
        "displayedAttributes": ["*"],
        "filterableAttributes": [
            "family", "instrument_type", "parties", "signed_year", "danh_nghia", "signatory_level", "field",
            "status", "signed_day", "eif_day", "instrument_key", "chunk_no", "rev", "number_compact",
        ],
        "sortableAttributes": ["signed_day", "eif_day"],
        "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
        "distinctAttribute": "instrument_key",
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 6, "twoTypos": 9},
            "disableOnNumbers": True,
            "disableOnAttributes": ["number", "numbers_other", "number_compact", "parties"],
            "disableOnWords": [],
        },
        "faceting": {"maxValuesPerFacet": max_values_per_facet, "sortFacetValuesBy": {"*": "count"}},
        "pagination": {"maxTotalHits": max_total_hits},
        "localizedAttributes": [{"attributePatterns": VIETNAMESE_ATTRS, "locales": ["vie"]}],
    }
    if synonyms is not None:
        s["synonyms"] = {k: list(v) for k, v in synonyms.items()}
    return s


def synonyms_for(docs: Iterable[dict], max_words: int = 8) -> dict[str, list[str]]:
    """Party aliases are mutual synonyms (Kazakhstan ↔ KAZ ↔ Ca-dắc-xtan ↔ Cadắcxtan);
    an acronym points at the instrument's short titles (EVFTA → …)."""
    try:
        from core.parties import party_names as known_names  # type: ignore
    except Exception:  # noqa: BLE001 - module optional / being written
        known_names = None
    groups: dict[str, set[str]] = {}
    oneway: dict[str, set[str]] = {}
    for d in docs:
        codes = [c for c in (d.get("parties") or []) if c]
        for code in codes:
            if known_names is not None and code not in groups:
                try:
                    groups[code] = _syn_forms([code] + list(known_names(code) or []), max_words)
                except Exception:  # noqa: BLE001
                    pass
        if known_names is None and len(codes) == 1:
            # without core.parties, aliases can only be tied to a code when the document has a single one
            aliases = [a for a in (d.get("party_aliases") or []) if a]
            groups.setdefault(codes[0], set()).update(_syn_forms([codes[0]] + aliases, max_words))
        for a in d.get("acronyms") or []:
            titles = [d.get("title")] + list(d.get("titles_other") or [])
            key = fold(a)
            if key:
                oneway.setdefault(key, set()).update(
                    t for t in (fold(x) for x in titles if x) if t and len(t.split()) <= max_words)
    out: dict[str, set[str]] = {}
    for g in groups.values():
        for k in g:
            out.setdefault(k, set()).update(x for x in g if x != k)
    for k, v in oneway.items():
        out.setdefault(k, set()).update(v - {k})
    return {k: sorted(v) for k, v in sorted(out.items()) if v}


def _syn_forms(values: Iterable[str], max_words: int) -> set[str]:
    out = set()
    for v in values:
        for form in (v, join_hyphenated(v)):
            f = fold(form)
            if f and len(f.split()) <= max_words:
                out.add(f)
    return out


# ------------------------------------------------------------------------------------------ documents


def _s(v: Any) -> Any:
    return nfc(v) if isinstance(v, str) else v


def _joined(values: Iterable[str]) -> list[str]:
    return [j for j in (join_hyphenated(v) for v in values if v) if j not in values]


def to_meili_docs(doc: dict, rev: str = "") -> list[dict]:
    """One instrument → chunk documents (primary key ``id`` = ``<doc id>__<n>``)."""
    check_doc(doc)
    did = doc["id"]
    titles_other = [_s(t) for t in (doc.get("titles_other") or []) if t]
    title = _s(doc.get("title") or "")
    party_names = [_s(x) for x in (doc.get("party_names") or []) if x]
    party_aliases = [_s(x) for x in (doc.get("party_aliases") or []) if x]
    try:
        from core.parties import party_names as _pn  # type: ignore
        for c in doc.get("parties") or []:
            party_aliases += [a for a in (_pn(c) or []) if a not in party_aliases]
    except Exception:  # noqa: BLE001 - module optional / being written
        pass
    year = doc.get("signed_year")
    if year is None and doc.get("signed_date"):
        try:
            year = int(str(doc["signed_date"])[:4])
        except ValueError:
            year = None
    base = {
        "instrument_key": did,
        "instrument_id": doc.get("instrument_id"),
        "rev": rev,
        "family": doc.get("family"),
        "title": title,
        "title_joined": _joined([title] + titles_other),
        "titles_other": titles_other,
        "instrument_type": _s(doc.get("instrument_type")),
        "number": _s(doc.get("number")),
        "numbers_other": [_s(n) for n in (doc.get("numbers_other") or []) if n],
        # the compact forms of the number and of the entry-into-force notice numbers (one value, or a list)
        "number_compact": _compact_numbers([doc.get("number")] + list(doc.get("numbers_other") or [])),
        "danh_nghia": _s(doc.get("danh_nghia")),
        "signatory_level": _s(doc.get("signatory_level")),
        "field": _s(doc.get("field")),
        "bilateral": bool(doc.get("bilateral")),
        "parties": list(doc.get("parties") or []),
        "party_names": party_names,
        "party_aliases": party_aliases,
        "party_joined": _joined(party_names + party_aliases),
        "acronyms": [_s(a) for a in (doc.get("acronyms") or []) if a],
        "signed_date": doc.get("signed_date"),
        "signed_year": year,
        "signed_day": date_to_day(doc.get("signed_date")),
        "eif_date": doc.get("eif_date"),
        "eif_day": date_to_day(doc.get("eif_date")),
        "status": doc.get("status"),
    }
    chunks = [dict(base, id=f"{did}__0", chunk_no=0, article_label=None, article_heading=None, article_text=None)]
    n = 0
    for art in doc.get("articles") or []:
        if not isinstance(art, dict):
            continue
        text = _s(art.get("text") or "")
        for k, passage in enumerate(_passages(text) or [""]):
            n += 1
            chunks.append(dict(base, id=f"{did}__{n}", chunk_no=n, article_label=_s(art.get("label")),
                               article_heading=_s(art.get("heading")) if k == 0 else None, article_text=passage))
    if doc.get("text"):
        for passage in _passages(_s(doc["text"])):
            n += 1
            chunks.append(dict(base, id=f"{did}__{n}", chunk_no=n, article_label=None, article_heading=None,
                               article_text=passage))
    return chunks


def _passages(text: str, words: int = PASSAGE_WORDS) -> list[str]:
    if not text:
        return []
    toks = text.split(" ")
    if len(toks) <= words:
        return [text]
    return [" ".join(toks[i:i + words]) for i in range(0, len(toks), words)]


# ------------------------------------------------------------------------------------------ filters


def quote(value: Any) -> str:
    """A Meilisearch filter string literal."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_filter(query: SearchQuery, extra: str | None = None) -> str | None:
    """SearchQuery filters → one Meilisearch filter expression (AND between keys, OR inside a key,
    AND across parties; dates as integer days since 1970-01-01, negative before)."""
    parts: list[str] = []
    for key in query.filters:
        vals = query.filter_values(key)
        if not vals:
            continue
        attr = ATTR[key]
        if key == "year":
            try:
                lits = [str(int(v)) for v in vals]
            except ValueError:
                raise SearchBackendError(f"year filter must be integers, got {vals!r}") from None
        else:
            lits = [quote(nfc(v)) for v in vals]
        if key == "party":
            parts.extend(f"{attr} = {lit}" for lit in lits)
        elif len(lits) == 1:
            parts.append(f"{attr} = {lits[0]}")
        else:
            parts.append(f"{attr} IN [{', '.join(lits)}]")
    for key, attr in (("signed", "signed_day"), ("eif", "eif_day")):
        rng = day_range(query, key)
        if rng:
            lo, hi = rng
            if lo is not None:
                parts.append(f"{attr} >= {lo}")
            if hi is not None:
                parts.append(f"{attr} <= {hi}")
    if extra:
        parts.append(f"({extra})")
    if not parts:
        return None
    return " AND ".join(p if " OR " not in p else f"({p})" for p in parts)


def _compact_numbers(numbers: list) -> str | list[str] | None:
    vals = [c for c in (compact_number(n) for n in numbers if n) if c]
    return None if not vals else vals[0] if len(vals) == 1 else vals


def meili_q(parsed: ParsedQuery) -> str:
    """The user's query rewritten for Meilisearch: operators dropped, phrases kept, a document number
    followed by its compact form (matched exactly on ``number_compact``)."""
    words: list[str] = []
    tail: list[str] = []
    for c in parsed.clauses:
        if c.kind == "phrase":
            words.append('"' + " ".join(c.raw) + '"')
        elif c.kind == "number":
            words.append("/".join(c.raw))
            tail.append(c.joined or "")
        elif c.kind == "compound":
            words.append("-".join(c.raw))
        else:
            words.append(c.raw[0])
    return " ".join(w for w in words + tail if w)


def build_search_params(query: SearchQuery, parsed: ParsedQuery, *, offset: int, limit: int,
                        crop_length: int = 30) -> dict[str, Any]:
    sort = query.sort
    if sort == "relevance" and parsed.empty:
        sort = "signed_desc"
    params: dict[str, Any] = {
        "page": offset // limit + 1 if limit else 1,
        "hitsPerPage": limit,
        "matchingStrategy": "all",
        "attributesToRetrieve": RETRIEVE,
        "attributesToHighlight": HIGHLIGHT,
        "highlightPreTag": PRE,
        "highlightPostTag": POST,
        "attributesToCrop": ["article_text"],
        "cropLength": crop_length,
        "cropMarker": "…",
    }
    f = build_filter(query)
    if f:
        params["filter"] = f
    if query.facets:
        params["facets"] = [ATTR[x] for x in query.facets]
    if sort in SORT:
        params["sort"] = SORT[sort]
    return params


# ------------------------------------------------------------------------------------------ highlights


def _safe(s: str) -> str:
    return html.escape(s, quote=False).replace(PRE, "<mark>").replace(POST, "</mark>")


def _marked(value: Any) -> list[str]:
    vals = value if isinstance(value, list) else [value]
    return [_safe(v) for v in vals if isinstance(v, str) and PRE in v]


def _key(hit: dict) -> str:
    return hit.get("instrument_key") or str(hit.get("id", "")).split("__")[0]


def _total(res: dict) -> int:
    return int(res.get("totalHits", res.get("estimatedTotalHits", 0)) or 0)


def _exact_all(hit: dict, raws: list[str]) -> bool:
    f = hit.get("_formatted") or {}
    texts = [hit.get("title") or ""] + list(hit.get("titles_other") or []) + [
        (f.get("article_text") or "").replace(PRE, "").replace(POST, "")]
    blob = "\n".join(t for t in texts if isinstance(t, str)).lower()
    return all(re.search(r"(?<![^\W_])" + re.escape(r) + r"(?![^\W_])", blob) for r in raws)


# ------------------------------------------------------------------------------------------ backend


class MeilisearchBackend:
    """SearchBackend on a Meilisearch index (``index_name``)."""

    def __init__(self, url: str, api_key: str | None = None, index_name: str = "treaties", *,
                 search_api_key: str | None = None, timeout: int = 10, task_timeout_ms: int = 300_000,
                 max_total_hits: int = DEFAULT_MAX_TOTAL_HITS, max_values_per_facet: int = 500,
                 batch_size: int = 1000, rerank_window: int = 200):
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,400}", index_name or ""):
            raise SearchBackendError(f"invalid Meilisearch index name {index_name!r}")
        self.url = url
        self.index_name = index_name
        self.task_timeout_ms = task_timeout_ms
        self.max_total_hits = max_total_hits
        self.max_values_per_facet = max_values_per_facet
        self.batch_size = batch_size
        self.rerank_window = rerank_window
        self.client = meilisearch.Client(url, api_key, timeout=timeout)
        # searches use the search-only key when one is configured (never the master key)
        self.search_client = meilisearch.Client(url, search_api_key, timeout=timeout) if search_api_key else self.client
        self._synonyms: dict[str, list[str]] | None = None

    # ---------------------------------------------------------------- plumbing
    def _call(self, what: str, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except SearchBackendError:
            raise
        except MeilisearchApiError as e:
            raise SearchBackendError(f"Meilisearch {what} failed: {e.code}: {e.message}") from e
        except MeilisearchCommunicationError as e:
            raise SearchBackendError(f"Meilisearch {what}: cannot reach {self.url}: {e}") from e
        except MeilisearchError as e:
            raise SearchBackendError(f"Meilisearch {what} failed: {e}") from e

    def _wait(self, task_info: Any, what: str) -> Any:
        uid = getattr(task_info, "task_uid", None)
        if uid is None and isinstance(task_info, dict):
            uid = task_info.get("taskUid")
        task = self._call(f"{what} (waiting for task {uid})", self.client.wait_for_task, uid,
                          timeout_in_ms=self.task_timeout_ms, interval_in_ms=50)
        if task.status != "succeeded":
            err = task.error or {}
            raise SearchBackendError(
                f"Meilisearch {what}: task {uid} {task.status}: {err.get('code', '?')}: "
                f"{err.get('message', 'no error message')}")
        return task

    def _index(self, name: str | None = None):
        return self.client.index(name or self.index_name)

    def _exists(self, name: str) -> bool:
        try:
            self.client.get_raw_index(name)
            return True
        except MeilisearchApiError as e:
            if e.code == "index_not_found":
                return False
            raise SearchBackendError(f"Meilisearch get index {name}: {e.code}: {e.message}") from e
        except MeilisearchCommunicationError as e:
            raise SearchBackendError(f"Meilisearch: cannot reach {self.url}: {e}") from e

    def _create(self, name: str, synonyms: Mapping[str, list[str]] | None = None) -> None:
        if not self._exists(name):
            self._wait(self._call(f"create index {name}", self.client.create_index, name, {"primaryKey": "id"}),
                       f"create index {name}")
        settings = index_settings(max_total_hits=self.max_total_hits,
                                  max_values_per_facet=self.max_values_per_facet, synonyms=synonyms)
        self._wait(self._call(f"update settings of {name}", self._index(name).update_settings, settings),
                   f"update settings of {name}")

    # ---------------------------------------------------------------- protocol
    def ensure_index(self) -> None:
        self._create(self.index_name)

    def upsert(self, docs: list[dict]) -> None:
        if not docs:
            return
        rev = uuid.uuid4().hex
        chunks = [c for d in docs for c in to_meili_docs(d, rev)]
        self._add(self.index_name, chunks)
        ids = [d["id"] for d in docs]
        # chunks of an earlier version (e.g. an article since removed) go after the new ones are in
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            flt = f"instrument_key IN [{', '.join(quote(x) for x in part)}] AND rev != {quote(rev)}"
            self._wait(self._call("delete stale chunks", self._index().delete_documents, filter=flt),
                       "delete stale chunks")
        self._merge_synonyms(synonyms_for(docs))

    def _add(self, name: str, chunks: list[dict]) -> None:
        idx = self._index(name)
        for i in range(0, len(chunks), self.batch_size):
            batch = chunks[i:i + self.batch_size]
            info = self._call(f"add {len(batch)} documents to {name}", idx.add_documents, batch, primary_key="id")
            self._wait(info, f"add {len(batch)} documents to {name}")

    def _merge_synonyms(self, new: dict[str, list[str]], name: str | None = None, replace: bool = False) -> None:
        if self._synonyms is None and not replace:
            self._synonyms = self._call("get synonyms", self._index(name).get_synonyms) or {}
        merged = {} if replace else {k: list(v) for k, v in (self._synonyms or {}).items()}
        for k, v in new.items():
            merged[k] = sorted(set(merged.get(k, [])) | set(v))
        if merged != self._synonyms:
            self._wait(self._call("update synonyms", self._index(name).update_synonyms, merged), "update synonyms")
            self._synonyms = merged

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            flt = f"instrument_key IN [{', '.join(quote(x) for x in part)}]"
            self._wait(self._call("delete documents", self._index().delete_documents, filter=flt), "delete documents")

    def rebuild(self, docs: Iterable[dict]) -> None:
        """Build ``<name>_new``, swap it with the live index, delete the old one."""
        tmp = f"{self.index_name}_new"
        if self._exists(tmp):
            self._wait(self._call(f"delete index {tmp}", self.client.delete_index, tmp), f"delete index {tmp}")
        self._create(tmp)
        rev = uuid.uuid4().hex
        buf: list[dict] = []
        seen: list[dict] = []
        for d in docs:
            buf.extend(to_meili_docs(d, rev))
            seen.append({k: d.get(k) for k in ("parties", "party_aliases", "acronyms", "title", "titles_other")})
            if len(buf) >= self.batch_size:
                self._add(tmp, buf)
                buf = []
        if buf:
            self._add(tmp, buf)
        syn = synonyms_for(seen)
        self._wait(self._call("update synonyms", self._index(tmp).update_synonyms, syn), f"update synonyms of {tmp}")
        if not self._exists(self.index_name):
            self._create(self.index_name)
        self._wait(self._call("swap indexes", self.client.swap_indexes, [{"indexes": [self.index_name, tmp]}]),
                   f"swap {self.index_name} and {tmp}")
        self._wait(self._call(f"delete index {tmp}", self.client.delete_index, tmp), f"delete old index {tmp}")
        self._synonyms = syn

    def count(self) -> int:
        res = self._call("count", self._index().get_documents, {"filter": "chunk_no = 0", "limit": 1, "fields": ["id"]})
        return int(res.total)

    def all_ids(self, pause: float = 0.0) -> set[str]:  # (pages over HTTP: the interpreter is free meanwhile)
        out: set[str] = set()
        offset = 0
        while True:
            res = self._call("list ids", self._index().get_documents,
                             {"filter": "chunk_no = 0", "limit": 1000, "offset": offset, "fields": ["instrument_key"]})
            for d in res.results:
                key = getattr(d, "instrument_key", None)
                if key is None and isinstance(d, dict):
                    key = d.get("instrument_key")
                out.add(key)
            offset += 1000
            if offset >= res.total or not res.results:
                return out

    def search(self, query: SearchQuery) -> SearchResult:
        q = query.validated()
        parsed = parse(q.q)
        offset = (q.page - 1) * q.per_page
        marked = [r for c in parsed.clauses for r, t in zip(c.raw, c.tokens) if r != t]
        rerank = bool(marked) and q.sort == "relevance" and offset + q.per_page <= self.rerank_window
        if rerank:
            params = build_search_params(q, parsed, offset=0, limit=self.rerank_window)
        else:
            params = build_search_params(q, parsed, offset=offset, limit=q.per_page)
        text = meili_q(parsed)
        index = self.search_client.index(self.index_name)
        res = self._call(f"search {q.q!r}", index.search, text, params)
        if len(parsed.clauses) > 1 and not _total(res):
            # nothing has every word: drop words from the end, like the tantivy backend
            params = dict(params, matchingStrategy="last")
            res = self._call(f"search {q.q!r}", index.search, text, params)
        hits = res.get("hits") or []
        if rerank:
            # accent-exact first: charabia folds every mark, so order the top window on the client
            hits = sorted(hits, key=lambda h: not _exact_all(h, marked))[offset:offset + q.per_page]
        hits = hits[:q.per_page]
        facets: dict[str, dict[str, int]] = {}
        dist = res.get("facetDistribution") or {}
        for name in q.facets:
            facets[name] = {str(k): int(v) for k, v in (dist.get(ATTR[name]) or {}).items()}
        articles = self._matched_articles(hits, text, params.get("matchingStrategy", "all")) if text else {}
        return SearchResult(hits=[self._hit(h, articles.get(_key(h))) for h in hits], total=_total(res),
                            facets=facets, page=q.page, per_page=q.per_page)

    def _matched_articles(self, hits: list[dict], text: str, strategy: str) -> dict[str, dict]:
        """For each hit, the article chunk that matches the query best (one multi-search request):
        distinct keeps one chunk per instrument, and a title match ties every chunk of it."""
        keys = [_key(h) for h in hits]
        if not keys:
            return {}
        queries = [{
            "indexUid": self.index_name, "q": text, "filter": f"instrument_key = {quote(k)} AND chunk_no > 0",
            "limit": 1, "matchingStrategy": "last" if strategy == "last" else "all",
            "attributesToSearchOn": ["article_label", "article_heading", "article_text"],
            "attributesToRetrieve": ["instrument_key", "article_label", "chunk_no"],
            "attributesToHighlight": ["article_text"], "attributesToCrop": ["article_text"], "cropLength": 30,
            "cropMarker": "…", "highlightPreTag": PRE, "highlightPostTag": POST,
        } for k in keys]
        res = self._call("multi-search for matched articles", self.search_client.multi_search, queries)
        out: dict[str, dict] = {}
        for k, r in zip(keys, res.get("results") or []):
            if r.get("hits"):
                out[k] = r["hits"][0]
        return out

    @staticmethod
    def _hit(h: dict, art: dict | None = None) -> SearchHit:
        f = h.get("_formatted") or {}
        highlights: dict[str, list[str]] = {}
        for attr in HIGHLIGHT:
            m = _marked(f.get(attr))
            if m:
                highlights["text" if attr == "article_text" else attr] = m
        if "party_names" in highlights:
            highlights.pop("party_aliases", None)
        matched = h.get("article_label") if "text" in highlights else None
        if art is not None:
            m = _marked((art.get("_formatted") or {}).get("article_text"))
            if m:
                highlights["text"] = m
                matched = art.get("article_label")
        rank = h.get("_rankingScore")
        return SearchHit(
            id=_key(h), instrument_id=h.get("instrument_id"), title=h.get("title") or "", family=h.get("family"),
            instrument_type=h.get("instrument_type"), parties=list(h.get("parties") or []),
            signed_date=h.get("signed_date"), eif_date=h.get("eif_date"),
            score=float(rank) if isinstance(rank, (int, float)) else 0.0,
            highlights=highlights, matched_article=matched,
        )

    def drop(self) -> None:
        """Delete the index (tests)."""
        for name in (self.index_name, f"{self.index_name}_new"):
            if self._exists(name):
                self._wait(self._call(f"delete index {name}", self.client.delete_index, name), f"delete index {name}")

    def close(self) -> None:
        pass


# ------------------------------------------------------------------------------------------ keys


APP_ACTIONS = ["search", "documents.*", "indexes.*", "settings.*", "tasks.get", "indexes.swap", "stats.get"]


def create_app_key(master_client: meilisearch.Client, index_prefix: str = "treaties",
                   description: str = "treatydb app (writer)") -> dict[str, str]:
    """Scoped key for the app's writer: documents/settings/swap on ``<prefix>*`` only. Returns {key, uid}."""
    k = master_client.create_key({"description": description, "actions": APP_ACTIONS,
                                  "indexes": [f"{index_prefix}*"], "expiresAt": None})
    return {"key": k.key, "uid": k.uid}


def create_search_key(master_client: meilisearch.Client, index_name: str = "treaties",
                      description: str = "treatydb public search") -> dict[str, str]:
    """Search-only key restricted to the public index. Returns {key, uid}."""
    k = master_client.create_key({"description": description, "actions": ["search"],
                                  "indexes": [index_name], "expiresAt": None})
    return {"key": k.key, "uid": k.uid}


def public_search_token(search_key: str, search_key_uid: str, index_name: str = "treaties", *,
                        expires_in: dt.timedelta = dt.timedelta(hours=1), url: str = "http://localhost:7700",
                        extra_filter: str | None = None) -> str:
    """A tenant token (JWT) signed with a search-only key; its filter is fixed here, server-side:
    only in-force records, plus ``extra_filter`` if given. Never sign with the master key."""
    flt = PUBLIC_FILTER if not extra_filter else f"{PUBLIC_FILTER} AND ({extra_filter})"
    client = meilisearch.Client(url, search_key)
    expires_at = dt.datetime.now(dt.timezone.utc) + expires_in
    return client.generate_tenant_token(search_key_uid, {index_name: {"filter": flt}},
                                        expires_at=expires_at, api_key=search_key)


def assert_search_only(url: str, key: str) -> None:
    """Raise SearchBackendError when ``key`` can manage keys (i.e. is the master key or an admin key)."""
    c = meilisearch.Client(url, key)
    try:
        c.get_keys()
    except MeilisearchApiError:
        return
    except MeilisearchCommunicationError as e:
        raise SearchBackendError(f"Meilisearch: cannot reach {url}: {e}") from e
    raise SearchBackendError("the search key can list API keys: it is the master key or an admin key; "
                             "use a search-only key for searches")


def iter_chunks(docs: Iterable[dict], rev: str = "") -> Iterator[dict]:
    for d in docs:
        yield from to_meili_docs(d, rev)


def setup_keys(url: str, master_key: str, index_name: str = "treaties") -> dict[str, str]:
    """One-off (``treatydb search keys``): with the master key, create the app's scoped writer key for
    ``<index_name>*`` and a search-only key for ``index_name``. The master key is not kept anywhere."""
    master = meilisearch.Client(url, master_key)
    try:
        app = create_app_key(master, index_prefix=index_name)
        search = create_search_key(master, index_name=index_name)
    except MeilisearchApiError as e:
        raise SearchBackendError(f"Meilisearch key creation failed: {e.code}: {e.message}") from e
    except MeilisearchCommunicationError as e:
        raise SearchBackendError(f"Meilisearch: cannot reach {url}: {e}") from e
    return {"app_key": app["key"], "app_key_uid": app["uid"],
            "search_key": search["key"], "search_key_uid": search["uid"]}
