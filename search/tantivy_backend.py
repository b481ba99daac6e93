"""Embedded search backend on tantivy-py 0.27 (the default).

Layout of ``path`` (a directory)::

    path/CURRENT          name of the live generation directory (replaced atomically with os.replace)
    path/gen-<ns>/        a tantivy index (+ SCHEMA_VERSION)

One tantivy document per instrument; articles are values of a multi-valued body field, and the source
document is stored as JSON so a hit can name the article that matched and highlight it.

Only one process may write (tantivy's writer lock); any number may read: readers re-open when
``CURRENT`` changes and reload after commits.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

import tantivy
from tantivy import Filter, Occur, Query, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

from core.text import join_hyphenated, nfc
from search.analysis import Highlighter, compact_number, fold_same_len, join_chunks, within_distance
from search.protocol import (
    SearchBackendError, SearchHit, SearchQuery, SearchResult, check_doc, date_to_day, day_range,
)
from search.query import Clause, ParsedQuery, parse

log = logging.getLogger(__name__)

SCHEMA_VERSION = 7
FOLD, EXACT = "vi_fold", "vi_exact"
KEYWORD_FIELDS = ("family", "instrument_type", "party", "danh_nghia", "signatory_level", "field", "status")
# (field, weight) searched with folded terms
TEXT_FIELDS: tuple[tuple[str, float], ...] = (
    ("title_f", 3.0), ("parties_f", 3.0), ("acr_f", 4.0), ("meta_f", 1.5), ("body_f", 1.0),
)
SHORT_FIELDS = tuple(f for f in TEXT_FIELDS if f[0] != "body_f")
EXACT_TITLE_BOOST = 6.0
EXACT_BODY_BOOST = 1.5
EXACT_ALL_BONUS = 50.0
NUMBER_BOOST = 20.0
FUZZY_FACTOR = 0.4
PREFIX_FACTOR = 0.5
BODY_PREFIX_MIN = 4
FACET_SIZE = {"party": 500, "year": 2000}
META_KEYS = ("id", "instrument_id", "title", "titles_other", "family", "instrument_type", "number", "parties",
             "party_names", "party_aliases", "acronyms", "signed_date", "eif_date", "danh_nghia",
             "signatory_level", "field", "status", "signed_year", "bilateral")
_HYPHEN_WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011\u2012\u2013\u2014\u2212][^\W_]+)+")


_LONG_RUN = re.compile(r"[^\s!-/:-@\[-`{-~]{25,}")  # a run that may hold a word of 100 bytes or more


def fold_analyzer() -> tantivy.TextAnalyzer:
    """simple → remove_long(100) → lowercase → ascii_fold (folds every Vietnamese vowel and đ/Đ/Ð/ð)."""
    return (TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(100))
            .filter(Filter.lowercase()).filter(Filter.ascii_fold()).build())


def exact_analyzer() -> tantivy.TextAnalyzer:
    """simple → remove_long(100) → lowercase: keeps the marks (accent-exact boosts)."""
    return TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(100)).filter(Filter.lowercase()).build()


_FOLD_AN = fold_analyzer()
# the same words without dropping the long ones, and the words as cut (for their length in bytes)
_FOLD_ALL_AN = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.lowercase()).filter(Filter.ascii_fold()).build()
_CUT_AN = TextAnalyzerBuilder(Tokenizer.simple()).build()
_PAIR_GAP = "_"  # the token at a position whose pair holds a word body_f leaves out (100 bytes or more)


def word_pairs(text: str) -> str:
    """The body_s value of a body_f value: for each position of body_f's words but the last, the word and the
    next joined by "_", separated by spaces, then ``_PAIR_GAP``. A position next to a word body_f drops
    (``remove_long(100)``: 100 bytes or more) holds ``_PAIR_GAP``, so pair positions stay the positions of
    body_f's words."""
    if _LONG_RUN.search(text) is None:  # (no word can reach 100 bytes: four bytes a letter at most)
        words: list[str | None] = list(_FOLD_AN.analyze(text))
    else:
        words = [w if len(cut.encode("utf-8")) < 100 else None
                 for w, cut in zip(_FOLD_ALL_AN.analyze(text), _CUT_AN.analyze(text))]
    # (ended by one more gap token: tantivy leaves a single empty position between two values of a field, so a
    # phrase asked as pairs two positions apart could otherwise take the last pair of one article and the first
    # of the next for a phrase running across them)
    return " ".join([f"{a}_{b}" if a is not None and b is not None else _PAIR_GAP
                     for a, b in zip(words, words[1:])] + [_PAIR_GAP])


def build_schema() -> tantivy.Schema:
    sb = SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    sb.add_bytes_field("meta", stored=True, indexed=False)  # JSON: display fields, chunk starts and labels
    sb.add_bytes_field("chunks", stored=True, indexed=False)  # UTF-8: articles then text, joined
    sb.add_bytes_field("chunks_f", stored=True, indexed=False)  # the same, folded (same length)
    sb.add_text_field("title_f", tokenizer_name=FOLD)
    sb.add_text_field("title_x", tokenizer_name=EXACT)
    sb.add_text_field("parties_f", tokenizer_name=FOLD)
    sb.add_text_field("acr_f", tokenizer_name=FOLD)
    sb.add_text_field("meta_f", tokenizer_name=FOLD)
    sb.add_text_field("body_f", tokenizer_name=FOLD)
    sb.add_text_field("body_x", tokenizer_name=EXACT, index_option="freq")
    # every pair of neighbouring folded words of body_f, one token per position ("hoan_tat tat_thu …"): a quoted
    # phrase is matched in the body on these pairs (see _body_phrase)
    sb.add_text_field("body_s", tokenizer_name="whitespace")
    sb.add_text_field("number_k", tokenizer_name="raw")
    for f in KEYWORD_FIELDS:
        sb.add_text_field(f, tokenizer_name="raw", fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("signed_day", indexed=True, fast=True)
    sb.add_integer_field("eif_day", indexed=True, fast=True)
    return sb.build()


def _party_aliases(codes: list[str]) -> list[str]:
    """Every spelling core.parties knows for these codes (empty if that module is not there yet)."""
    try:
        from core.parties import party_names  # type: ignore
    except Exception:  # noqa: BLE001 - module being written by another engineer
        return []
    out: list[str] = []
    for c in codes:
        try:
            out.extend(party_names(c) or [])
        except Exception:  # noqa: BLE001
            continue
    return out


def _s(v: Any) -> str:
    return nfc(str(v)) if v is not None else ""


def _with_joined(values: Iterable[str]) -> list[str]:
    """Values plus their hyphen-joined variants ('Ca-dắc-xtan' → also 'Cadắcxtan')."""
    out: list[str] = []
    for v in values:
        if not v:
            continue
        out.append(v)
        j = join_hyphenated(v)
        if j != v:
            out.append(j)
    return out


def _joined_words(text: str) -> str:
    """Only the hyphenated words of a long text, joined ('... Ca-dắc-xtan ...' → 'Cadắcxtan')."""
    return " ".join(join_hyphenated(m.group()) for m in _HYPHEN_WORD.finditer(text))


def normalize_doc(doc: dict) -> dict:
    """NFC every string of a document (what is stored and returned)."""
    def norm(v: Any) -> Any:
        if isinstance(v, str):
            return nfc(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v
    return norm(doc)


def to_tantivy_doc(doc: dict) -> tantivy.Document:
    check_doc(doc)
    doc = normalize_doc(doc)
    d = tantivy.Document()
    d.add_text("id", doc["id"])
    joined, starts, labels = join_chunks(doc.get("articles"), _s(doc.get("text")) or None)
    meta = {k: doc.get(k) for k in META_KEYS}
    meta.update(starts=starts, labels=labels)
    codes = [_s(c) for c in (doc.get("parties") or []) if c]
    aliases = [_s(a) for a in (doc.get("party_aliases") or []) if a]
    meta["party_aliases"] = aliases + [a for a in _party_aliases(codes) if a not in aliases]
    d.add_bytes("meta", json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if joined:
        d.add_bytes("chunks", joined.encode("utf-8"))
        d.add_bytes("chunks_f", fold_same_len(joined).encode("utf-8"))
    titles = [doc.get("title") or ""] + [t for t in (doc.get("titles_other") or []) if t]
    for t in _with_joined(titles):
        d.add_text("title_f", t)
    for t in titles:
        if t:
            d.add_text("title_x", t)
    names = [_s(n) for n in (doc.get("party_names") or []) if n]
    aliases = meta["party_aliases"]
    for v in _with_joined(codes + names + aliases):
        d.add_text("parties_f", v)
    for a in doc.get("acronyms") or []:
        if a:
            d.add_text("acr_f", _s(a))
    others = [_s(n) for n in (doc.get("numbers_other") or []) if n]  # entry-into-force notice numbers
    meta = [doc.get("instrument_type"), doc.get("number"), doc.get("field"), doc.get("danh_nghia"),
            doc.get("signatory_level")]
    for v in _with_joined([_s(m) for m in meta if m] + others):
        d.add_text("meta_f", v)
    for n in ([doc["number"]] if doc.get("number") else []) + others:
        d.add_text("number_k", compact_number(n))
    bodies: list[str] = []
    for art in doc.get("articles") or []:
        if isinstance(art, dict):
            parts = [art.get("label"), art.get("heading"), art.get("text")]
            bodies.append("\n".join(_s(p) for p in parts if p))
    if doc.get("text"):
        bodies.append(_s(doc["text"]))
    for b in bodies:
        d.add_text("body_f", b)
        d.add_text("body_s", word_pairs(b))
        d.add_text("body_x", b)
        jw = _joined_words(b)
        if jw:
            d.add_text("body_f", jw)
            d.add_text("body_s", word_pairs(jw))
    for f in KEYWORD_FIELDS:
        vals = doc.get("parties") if f == "party" else doc.get(f)
        if vals is None:
            continue
        for v in vals if isinstance(vals, list) else [vals]:
            if v is not None and str(v) != "":
                d.add_text(f, _s(v))
    year = doc.get("signed_year")
    if year is None and doc.get("signed_date"):
        try:
            year = int(str(doc["signed_date"])[:4])
        except ValueError:
            year = None
    if year is not None:
        d.add_integer("year", int(year))
    sd, ed = date_to_day(doc.get("signed_date")), date_to_day(doc.get("eif_date"))
    if sd is not None:
        d.add_integer("signed_day", sd)
    if ed is not None:
        d.add_integer("eif_day", ed)
    return d


_FACET_POOL: ThreadPoolExecutor | None = None
_FACET_POOL_LOCK = threading.Lock()


def _facet_pool() -> ThreadPoolExecutor:
    """Threads that compute facet counts while the searching thread reads and highlights the page."""
    global _FACET_POOL
    with _FACET_POOL_LOCK:
        if _FACET_POOL is None:
            _FACET_POOL = ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2)),
                                             thread_name_prefix="tantivy-facets")
        return _FACET_POOL


class TantivyBackend:
    """SearchBackend on an embedded tantivy index under ``path``."""

    def __init__(self, path: str | os.PathLike, *, writer_heap: int = 64_000_000, writer_threads: int = 1,
                 snippet_chars: int = 240):
        self.root = Path(path)
        self.writer_heap = writer_heap
        self.writer_threads = writer_threads
        self.snippet_chars = snippet_chars
        self.schema = build_schema()
        self._fold = fold_analyzer()
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._gen: str | None = None
        self._current_stamp: tuple | None = None
        self._meta_stamp: int | None = None
        self._exp_cache: dict[tuple, list[str]] = {}
        self._facet_cache: dict[tuple, dict[str, dict[str, int]]] = {}
        self._version = 0  # bumped whenever what a searcher sees may have changed

    # ------------------------------------------------------------------ index handling
    @property
    def _current_file(self) -> Path:
        return self.root / "CURRENT"

    def _stamp(self) -> tuple | None:
        try:
            st = os.stat(self._current_file)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _open_gen(self, gen: str, create: bool) -> tantivy.Index:
        gdir = self.root / gen
        try:
            if create:
                gdir.mkdir(parents=True, exist_ok=False)
                idx = tantivy.Index(self.schema, path=str(gdir), reuse=False)
                (gdir / "SCHEMA_VERSION").write_text(str(SCHEMA_VERSION))
            else:
                ver = (gdir / "SCHEMA_VERSION").read_text().strip() if (gdir / "SCHEMA_VERSION").exists() else "?"
                if ver != str(SCHEMA_VERSION):
                    raise SearchBackendError(
                        f"search index {gdir} has schema version {ver}, this code needs {SCHEMA_VERSION}: "
                        "rebuild it (treatydb reindex)")
                idx = tantivy.Index.open(str(gdir))
        except SearchBackendError:
            raise
        except Exception as e:  # noqa: BLE001
            raise SearchBackendError(f"cannot open search index {gdir}: {e}") from e
        # custom tokenizers are not persisted: register them on every open
        idx.register_tokenizer(FOLD, fold_analyzer())
        idx.register_tokenizer(EXACT, exact_analyzer())
        return idx

    def _write_current(self, gen: str) -> None:
        tmp = self.root / f"CURRENT.tmp.{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(gen)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._current_file)
        try:
            dfd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass

    def _new_gen_name(self) -> str:
        return f"gen-{time.time_ns()}-{os.getpid()}"

    def needs_rebuild(self) -> bool:
        """True when there is no index or it was built with another schema version."""
        gen = self._read_current()
        if gen is None:
            return True
        p = self.root / gen / "SCHEMA_VERSION"
        return not p.exists() or p.read_text().strip() != str(SCHEMA_VERSION)

    def _read_current(self) -> str | None:
        try:
            return self._current_file.read_text().strip() or None
        except FileNotFoundError:
            return None

    def ensure_index(self) -> None:
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            gen = self._read_current()
            if gen is None or not (self.root / gen).exists():
                gen = self._new_gen_name()
                idx = self._open_gen(gen, create=True)
                self._write_current(gen)
            else:
                idx = self._open_gen(gen, create=False)
            self._switch(idx, gen)

    def _switch(self, idx: tantivy.Index, gen: str) -> None:
        self._drop_writer()
        self._index, self._gen = idx, gen
        self._current_stamp = self._stamp()
        self._meta_stamp = None
        self._version += 1

    def _idx(self) -> tantivy.Index:
        """The live index, re-opened if another process swapped CURRENT."""
        with self._lock:
            if self._index is None:
                self.ensure_index()
            else:
                stamp = self._stamp()
                if stamp != self._current_stamp:
                    gen = self._read_current()
                    if gen and gen != self._gen:
                        self._switch(self._open_gen(gen, create=False), gen)
                    else:
                        self._current_stamp = stamp
                # another process (the single writer) committed: reload now rather than after tantivy's delay
                try:
                    mstamp = os.stat(self.root / (self._gen or "") / "meta.json").st_mtime_ns
                except OSError:
                    mstamp = None
                if mstamp != self._meta_stamp:
                    self._meta_stamp = mstamp
                    self._version += 1
                    if self._writer is None:
                        self._index.reload()  # type: ignore[union-attr]
            assert self._index is not None
            return self._index

    def _get_writer(self) -> tantivy.IndexWriter:
        idx = self._idx()
        if self._writer is None:
            try:
                self._writer = idx.writer(self.writer_heap, self.writer_threads)
            except Exception as e:  # noqa: BLE001
                raise SearchBackendError(
                    f"cannot open the index writer in {self.root / (self._gen or '')}: {e} "
                    "(only one process may write to the search index)") from e
        return self._writer

    def _drop_writer(self) -> None:
        if self._writer is not None:
            try:
                self._writer.wait_merging_threads()
            except Exception:  # noqa: BLE001
                pass
            self._writer = None

    # ------------------------------------------------------------------ writes
    def upsert(self, docs: list[dict]) -> None:
        if not docs:
            return
        tdocs = [(d["id"], to_tantivy_doc(d)) for d in docs]  # validate everything before writing
        with self._lock:
            w = self._get_writer()
            try:
                for did, td in tdocs:
                    w.delete_documents_by_term("id", did)
                    w.add_document(td)
                w.commit()
            except Exception as e:  # noqa: BLE001
                self._rollback(w)
                raise SearchBackendError(f"tantivy upsert of {len(docs)} documents failed: {e}") from e
            self._index.reload()  # type: ignore[union-attr]
            self._version += 1

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        with self._lock:
            w = self._get_writer()
            try:
                for i in ids:
                    w.delete_documents_by_term("id", str(i))
                w.commit()
            except Exception as e:  # noqa: BLE001
                self._rollback(w)
                raise SearchBackendError(f"tantivy delete of {len(ids)} documents failed: {e}") from e
            self._index.reload()  # type: ignore[union-attr]
            self._version += 1

    def _rollback(self, w: tantivy.IndexWriter) -> None:
        try:
            w.rollback()
        except Exception:  # noqa: BLE001
            self._writer = None

    def rebuild(self, docs: Iterable[dict]) -> None:
        """Index ``docs`` into a new generation, then atomically point CURRENT at it."""
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            gen = self._new_gen_name()
            idx: tantivy.Index | None = None
            w: tantivy.IndexWriter | None = None
            error: BaseException | None = None
            n = 0
            try:
                idx = self._open_gen(gen, create=True)
                w = idx.writer(max(self.writer_heap, 128_000_000), 0)
                for d in docs:
                    w.add_document(to_tantivy_doc(d))
                    n += 1
                w.commit()
                w.wait_merging_threads()
                w = None
                idx.reload()
            except Exception as e:  # noqa: BLE001
                error = e
            if error is not None:
                if w is not None:
                    try:
                        w.rollback()
                        w.wait_merging_threads()
                    except Exception:  # noqa: BLE001
                        pass
                w = idx = None
                shutil.rmtree(self.root / gen, ignore_errors=True)
                if isinstance(error, SearchBackendError):
                    raise error
                raise SearchBackendError(f"rebuilding the search index failed: {error}") from error
            assert idx is not None
            old = self._gen
            self._write_current(gen)
            self._switch(idx, gen)
            log.info("search index rebuilt: %s documents in %s", n, gen)
            self._cleanup(keep={gen, old})

    def _cleanup(self, keep: set[str | None]) -> None:
        """Remove generations older than the previous one (a reader elsewhere may still use the previous)."""
        for p in self.root.glob("gen-*"):
            if p.name not in keep and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._drop_writer()
            self._index = None
            self._gen = None

    # ------------------------------------------------------------------ reads
    def count(self) -> int:
        return self._idx().searcher().num_docs

    def all_ids(self, pause: float = 0.0) -> set[str]:
        """Every document id. ``pause`` > 0 (the search worker's checks): read in ten parts ("i0" … "i9", the
        form of ``search.documents.doc_id``) with a pause after each, so searches in the same process are not
        held up for the whole read (130 ms at 100,000 documents); read whole when the parts do not add up to
        every document."""
        s = self._idx().searcher()
        if pause > 0:
            out: set[str] = set()
            for d in "0123456789":
                out.update(t for t, _ in s.terms_with_prefix("id", "i" + d, filter_query=Query.all_query()))
                time.sleep(pause)
            if len(out) == s.num_docs:
                return out
        return {t for t, _ in s.terms_with_prefix("id", "", filter_query=Query.all_query())}

    def get(self, doc_id: str) -> dict | None:
        """The indexed metadata of one document (debugging; texts are not returned)."""
        s = self._idx().searcher()
        r = s.search(Query.term_query(self.schema, "id", doc_id), 1)
        if not r.hits:
            return None
        meta = json.loads(bytes(s.doc(r.hits[0][1])["meta"][0]).decode("utf-8"))
        for k in ("starts", "labels"):
            meta.pop(k, None)
        return meta

    def search(self, query: SearchQuery) -> SearchResult:
        q = query.validated()
        idx = self._idx()
        searcher = idx.searcher()
        filt = self._filters(q)
        parsed = parse(q.q, self._fold_token)
        attempts = [parsed]
        if not parsed.empty:
            rel = parsed.relaxed()
            if any(c.fuzzy for c in rel.clauses):
                attempts.append(rel)
            cur = rel
            while len(cur.clauses) > 1:  # like Meilisearch's matchingStrategy "last"
                cur = cur.without_last()
                attempts.append(cur)
        facet_job: tuple[Any, Any] | None = None  # (future, key) of the facet counts being computed alongside
        try:
            for n, pq in enumerate(attempts):
                tq = self._text_query(pq)
                full = self._combine(tq, filt)
                if q.facets:
                    # the facet aggregation is a second pass over the same matches: it runs in another thread
                    # (tantivy releases the GIL) while this one searches and highlights the page
                    key = self._facet_key(q, pq)
                    if key not in self._facet_cache:
                        facet_job = (_facet_pool().submit(self._facets, searcher, full, q.facets), key)
                sort = q.sort
                if sort == "relevance" and pq.empty:
                    sort = "signed_desc"
                offset = (q.page - 1) * q.per_page
                if sort == "relevance":
                    res = searcher.search(full, q.per_page, count=True, offset=offset)
                else:
                    field, order = {"signed_desc": ("signed_day", tantivy.Order.Desc),
                                    "signed_asc": ("signed_day", tantivy.Order.Asc),
                                    "eif_desc": ("eif_day", tantivy.Order.Desc)}[sort]
                    res = searcher.search(full, q.per_page, count=True, offset=offset,
                                          order_by_field=field, order=order)
                total = res.count or 0
                if total > 0 or n == len(attempts) - 1:
                    break
                if facet_job is not None:  # this attempt found nothing: its facets are not wanted
                    facet_job[0].cancel()
                    facet_job = None
            hl = Highlighter(pq, self.snippet_chars) if not pq.empty else None
            if hl is not None and hl.fuzzy and res.hits:
                hl.use_expansions(self._expansions(searcher, pq))
            hits = [self._hit(searcher, addr, score if sort == "relevance" else 0.0, hl)
                    for score, addr in res.hits]
            facets: dict[str, dict[str, int]] = {}
            if q.facets:
                if facet_job is not None:
                    computed = facet_job[0].result()
                    facet_job = None
                    self._remember_facets(key, computed)
                facets = self._cached_facets(searcher, full, q, pq)
        except SearchBackendError:
            raise
        except Exception as e:  # noqa: BLE001
            raise SearchBackendError(f"tantivy search failed for {q.q!r}: {e}") from e
        finally:
            if facet_job is not None:  # an error on the way: do not leave the aggregation running unseen
                facet_job[0].cancel()
        return SearchResult(hits=hits, total=int(total), facets=facets, page=q.page, per_page=q.per_page)

    # ------------------------------------------------------------------ query building
    def _fold_token(self, tok: str) -> str:
        toks = self._fold.analyze(tok)
        return "".join(toks)

    def _filters(self, q: SearchQuery) -> list[Query]:
        s = self.schema
        out: list[Query] = []
        for key in q.filters:
            vals = q.filter_values(key)
            if not vals:
                continue
            if key == "year":
                try:
                    ints = [int(v) for v in vals]
                except ValueError:
                    raise SearchBackendError(f"year filter must be integers, got {vals!r}") from None
                terms = [Query.term_query(s, "year", v) for v in ints]
            else:
                terms = [Query.term_query(s, key, nfc(v)) for v in vals]
            if key == "party":  # AND across parties
                out.extend(terms)
            else:
                out.append(terms[0] if len(terms) == 1 else
                           Query.boolean_query([(Occur.Should, t) for t in terms]))
        for key, field in (("signed", "signed_day"), ("eif", "eif_day")):
            rng = day_range(q, key)
            if rng:
                lo, hi = rng
                out.append(Query.range_query(s, field, tantivy.FieldType.Integer, lo, hi,
                                             include_lower=True, include_upper=True))
        return out

    @staticmethod
    def _combine(text_q: Query | None, filters: list[Query]) -> Query:
        parts: list[tuple[Occur, Query]] = []
        if text_q is not None:
            parts.append((Occur.Must, text_q))
        for f in filters:
            parts.append((Occur.Must, Query.const_score_query(f, 0.0)))
        if not parts:
            return Query.all_query()
        if len(parts) == 1 and text_q is not None:
            return text_q
        if text_q is None:
            parts.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(parts)

    def _text_query(self, pq: ParsedQuery) -> Query | None:
        if pq.empty:
            return None
        groups = [(Occur.Must, self._clause_query(c, pq.body_typos)) for c in pq.clauses]
        # accent-exact: documents containing every marked query word spelled exactly that way rank first
        marked = [r for c in pq.clauses if c.has_marks for r, t in zip(c.raw, c.tokens) if r != t]
        if marked:
            exact_all = Query.boolean_query([
                (Occur.Must, Query.boolean_query([
                    (Occur.Should, Query.term_query(self.schema, "title_x", r)),
                    (Occur.Should, Query.term_query(self.schema, "body_x", r, index_option="freq")),
                ])) for r in dict.fromkeys(marked)])
            groups.append((Occur.Should, Query.const_score_query(exact_all, EXACT_ALL_BONUS)))
        if len(groups) == 1:
            return groups[0][1]
        return Query.boolean_query(groups)

    def _clause_query(self, c: Clause, body_typos: bool = True) -> Query:
        s = self.schema
        match: list[Query] = []
        bonus: list[Query] = []
        B = Query.boost_query
        if c.kind == "term":
            t = c.tokens[0]
            for f, w in TEXT_FIELDS:
                match.append(B(Query.term_query(s, f, t), w))
            if c.fuzzy:
                for f, w in (TEXT_FIELDS if body_typos else SHORT_FIELDS):
                    match.append(B(Query.fuzzy_term_query(s, f, t, c.fuzzy, True), w * FUZZY_FACTOR))
            if c.prefix and len(t) >= 2:
                # in long texts only from 4 letters: a 2-3 letter prefix expands to most of the vocabulary
                for f, w in (TEXT_FIELDS if len(t) >= BODY_PREFIX_MIN else SHORT_FIELDS):
                    match.append(B(Query.phrase_prefix_query(s, f, [t]), w * PREFIX_FACTOR))
            if c.has_marks:
                bonus.append(B(Query.term_query(s, "title_x", c.raw[0]), EXACT_TITLE_BOOST))
                bonus.append(B(Query.term_query(s, "body_x", c.raw[0], index_option="freq"), EXACT_BODY_BOOST))
        else:
            toks = c.tokens
            for f, w in TEXT_FIELDS:
                match.append(B(self._body_phrase(toks) if f == "body_f" else Query.phrase_query(s, f, toks), w))
            if c.kind in ("compound", "number") and c.joined:
                for f, w in TEXT_FIELDS:
                    match.append(B(Query.term_query(s, f, c.joined), w))
                if c.fuzzy:
                    for f, w in SHORT_FIELDS:
                        match.append(B(Query.fuzzy_term_query(s, f, c.joined, c.fuzzy, True), w * FUZZY_FACTOR))
            if c.kind == "number" and c.joined:
                match.append(B(Query.term_query(s, "number_k", c.joined), NUMBER_BOOST))
            if c.prefix:
                for f, w in TEXT_FIELDS:
                    match.append(B(self._body_phrase_prefix(toks) if f == "body_f" else
                                   Query.phrase_prefix_query(s, f, toks), w * PREFIX_FACTOR))
            if c.has_marks:
                bonus.append(B(Query.phrase_query(s, "title_x", c.raw), EXACT_TITLE_BOOST))
                for r, t in zip(c.raw, c.tokens):
                    if r != t:
                        bonus.append(B(Query.term_query(s, "body_x", r, index_option="freq"), EXACT_BODY_BOOST))
        m = Query.boolean_query([(Occur.Should, x) for x in match])
        if not bonus:
            return m
        return Query.boolean_query([(Occur.Must, m)] + [(Occur.Should, x) for x in bonus])

    @staticmethod
    def _pairs(toks: list[str]) -> list[str]:
        """The body_s terms of neighbouring query words (as ``word_pairs`` writes them)."""
        return [f"{a}_{b}" for a, b in zip(toks, toks[1:])]

    def _body_phrase(self, toks: list[str]) -> Query:
        """The phrase ``toks`` in body_f, matched on body_s's word pairs: the pairs at offsets 0, 2, 4 … and the
        last one cover every word, so the documents are exactly those of body_f's phrase query. It is much
        faster where the words are common: a clause found in most treaties ("hoàn tất thủ tục pháp lý nội bộ")
        took 48 ms over 100,000 documents as a phrase of single words, against a few ms as pairs, because
        pairs occur far less often than their words and so have far fewer positions to compare."""
        if len(toks) < 2:  # (a phrase of one word is that word)
            return Query.term_query(self.schema, "body_f", toks[0])
        pairs = self._pairs(toks)
        if len(pairs) == 1:
            return Query.term_query(self.schema, "body_s", pairs[0], index_option="freq")
        offsets = list(range(0, len(pairs), 2))
        if offsets[-1] != len(pairs) - 1:
            offsets.append(len(pairs) - 1)
        return Query.phrase_query(self.schema, "body_s", [(i, pairs[i]) for i in offsets])

    def _body_phrase_prefix(self, toks: list[str]) -> Query:
        """The phrase ``toks`` whose last word is still being typed, in body_f, matched on body_s's pairs: exact
        pairs at offsets 0, 2 … and the one before the last, and the last pair as a prefix ("ca dac xtan…" =
        "ca_dac" then a pair starting "dac_xtan"). The prefix is expanded among the pairs that follow the word
        before it (up to tantivy's 50 expansions, like body_f's own phrase prefix); on "Ca-dắc-xtan" over 100,000
        documents the phrase prefix of single words took 11 ms, mostly checking positions of the common syllables
        "ca" and "dac"."""
        if len(toks) < 2:
            return Query.phrase_prefix_query(self.schema, "body_f", toks)
        pairs = self._pairs(toks)
        last = len(pairs) - 1
        # (the pair right before the prefix is always asked for: tantivy 0.27 misplaces a prefix that does not
        # directly follow the phrase's last word when the phrase has two words or more)
        exact = sorted(set(range(0, last, 2)) | ({last - 1} if last >= 1 else set()))
        words = [(i, pairs[i]) for i in exact] + [(last, pairs[last])]
        return Query.phrase_prefix_query(self.schema, "body_s", words)

    def _expansions(self, searcher: tantivy.Searcher, pq: ParsedQuery) -> dict[int, list[str]]:
        """Index words within the typo distance of each fuzzy clause (same first letter), for highlighting."""
        out: dict[int, list[str]] = {}
        for i, c in enumerate(pq.clauses):
            if not c.fuzzy:
                continue
            term = c.tokens[0] if c.kind == "term" else (c.joined or "")
            if not term:
                continue
            key = (self._gen, searcher.num_docs, term, c.fuzzy)
            words = self._exp_cache.get(key)
            if words is None:
                cands: set[str] = set()
                for f, _ in TEXT_FIELDS:
                    cands.update(t for t, _ in searcher.terms_with_prefix(f, term[0], limit=50_000))
                words = sorted(w for w in cands if w != term and abs(len(w) - len(term)) <= c.fuzzy
                               and within_distance(w, term, c.fuzzy))
                if len(self._exp_cache) > 2000:
                    self._exp_cache.clear()
                self._exp_cache[key] = words
            out[i] = words
        return out

    # ------------------------------------------------------------------ results
    def _facet_key(self, q: SearchQuery, pq: ParsedQuery) -> tuple:
        return (self._version, self._gen, repr(pq.clauses), pq.body_typos,
                repr(sorted((k, q.filter_values(k)) for k in q.filters)),
                repr(sorted((k, tuple(str(x) for x in v)) for k, v in q.date_ranges.items())), tuple(q.facets))

    def _remember_facets(self, key: tuple, facets: dict[str, dict[str, int]]) -> None:
        if len(self._facet_cache) >= 256:
            self._facet_cache.clear()
        self._facet_cache[key] = facets

    def _cached_facets(self, searcher: tantivy.Searcher, full: Query, q: SearchQuery, pq: ParsedQuery):
        """Facets are the same on every page of a query: computed once per index version."""
        key = self._facet_key(q, pq)
        hit = self._facet_cache.get(key)
        if hit is None:
            hit = self._facets(searcher, full, q.facets)
            self._remember_facets(key, hit)
        return {k: dict(v) for k, v in hit.items()}

    def _facets(self, searcher: tantivy.Searcher, query: Query, names: list[str]) -> dict[str, dict[str, int]]:
        aggs = {}
        for name in names:
            field = name  # facet names equal field names (party, year, family, …)
            aggs[name] = {"terms": {"field": field, "size": FACET_SIZE.get(name, 200)}}
        raw = searcher.aggregate(query, aggs)
        out: dict[str, dict[str, int]] = {}
        for name in names:
            buckets = (raw.get(name) or {}).get("buckets") or []
            vals: dict[str, int] = {}
            for b in buckets:
                key = b.get("key")
                if isinstance(key, float) and key.is_integer():
                    key = int(key)
                vals[str(key)] = int(b.get("doc_count", 0))
            out[name] = vals
        return out

    def _hit(self, searcher: tantivy.Searcher, addr: Any, score: float, hl: Highlighter | None) -> SearchHit:
        stored = searcher.doc(addr)
        src = json.loads(bytes(stored["meta"][0]).decode("utf-8"))
        highlights: dict[str, list[str]] = {}
        matched_article = None
        if hl is not None and not hl.empty:
            chunks = stored["chunks"]
            joined = bytes(chunks[0]).decode("utf-8") if chunks else ""
            folded = bytes(stored["chunks_f"][0]).decode("utf-8") if chunks else ""
            highlights, matched_article = highlight_doc(hl, src, joined, folded)
        return SearchHit(
            id=src["id"], instrument_id=src.get("instrument_id"), title=src.get("title") or "",
            family=src.get("family"), instrument_type=src.get("instrument_type"),
            parties=list(src.get("parties") or []), signed_date=src.get("signed_date"),
            eif_date=src.get("eif_date"), score=float(score), highlights=highlights,
            matched_article=matched_article,
        )


def highlight_doc(hl: Highlighter, src: dict, joined: str = "", folded: str = ""
                  ) -> tuple[dict[str, list[str]], str | None]:
    """Highlights per field (<mark>) and the label of the article that matched best."""
    out: dict[str, list[str]] = {}
    fields: list[tuple[str, str]] = []  # (key, text): every short field, marked in one pass
    for key, values in (("title", [src.get("title")]), ("titles_other", src.get("titles_other") or []),
                        ("number", [src.get("number")]), ("acronyms", src.get("acronyms") or []),
                        ("party_names", src.get("party_names") or []),
                        ("instrument_type", [src.get("instrument_type")])):
        fields.extend((key, str(v)) for v in values if v)
    for (key, _), marked in zip(fields, hl.mark_many([t for _, t in fields])):
        if marked:
            out.setdefault(key, []).append(marked)
    if "party_names" not in out:  # an alias is shown only when no official name matched
        aliases = [str(v) for v in src.get("party_aliases") or [] if v]
        marks = [m for m in hl.mark_many(aliases) if m]
        if marks:
            out["party_aliases"] = marks
    if out:  # the fields in a fixed order
        order = ("title", "titles_other", "number", "acronyms", "party_names", "party_aliases", "instrument_type")
        out = {k: out[k] for k in order if k in out}
    if joined:
        if len(folded) != len(joined):
            folded = fold_same_len(joined)
        label, snippet = hl.best_chunk(joined, folded, src.get("starts") or [0], src.get("labels") or [None])
        if snippet:
            out["text"] = [snippet]
            return out, label
    return out, None
