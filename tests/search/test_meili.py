"""Meilisearch backend without a server: HTTP stubbed with ``responses``.

Checks the settings payload, the documents sent, the filter expressions built from a SearchQuery, the
search request, failed-task handling, the index swap, keys and tenant tokens.  The live behaviour is in
the contract suite (test_contract.py), which runs on Meilisearch when MEILI_URL is set.
"""
from __future__ import annotations

import base64
import sys
import json
import os
import re
from datetime import date

import pytest
import responses

from _search_corpus import fixed_corpus, make_doc
from search.backends import make_backend
from search.meili_backend import (
    MeilisearchBackend, build_filter, build_search_params, index_settings, meili_q, public_search_token, quote,
    synonyms_for, to_meili_docs,
)
from search.protocol import SearchBackendError, SearchQuery
from search.query import parse

URL = "http://meili.test"
ENQ = "2024-01-01T00:00:00.000000Z"


class FakeMeili:
    """Just enough of the HTTP API: every write returns a task; tasks succeed unless told to fail."""

    def __init__(self, rsps: responses.RequestsMock, indexes=(), fail: dict[str, dict] | None = None):
        self.rsps = rsps
        self.indexes = set(indexes)
        self.tasks: dict[int, dict] = {}
        self.calls: list[tuple[str, str, object]] = []
        self.fail = fail or {}  # task type → error
        self.search_response: dict = {"hits": [], "totalHits": 0, "facetDistribution": {}}
        self.synonyms: dict = {}
        r = rsps
        r.add_callback(responses.GET, re.compile(rf"{URL}/tasks/\d+"), callback=self._get_task)
        r.add_callback(responses.GET, re.compile(rf"{URL}/indexes/[^/]+$"), callback=self._get_index)
        r.add_callback(responses.POST, f"{URL}/indexes", callback=self._task("indexCreation"))
        r.add_callback(responses.DELETE, re.compile(rf"{URL}/indexes/[^/]+$"), callback=self._task("indexDeletion"))
        r.add_callback(responses.PATCH, re.compile(rf"{URL}/indexes/[^/]+/settings$"), callback=self._task("settingsUpdate"))
        r.add_callback(responses.GET, re.compile(rf"{URL}/indexes/[^/]+/settings/synonyms$"),
                       callback=lambda req: (200, {}, json.dumps(self.synonyms)))
        r.add_callback(responses.PUT, re.compile(rf"{URL}/indexes/[^/]+/settings/synonyms$"), callback=self._task("settingsUpdate"))
        r.add_callback(responses.POST, re.compile(rf"{URL}/indexes/[^/]+/documents(\?.*)?$"), callback=self._task("documentAdditionOrUpdate"))
        r.add_callback(responses.POST, re.compile(rf"{URL}/indexes/[^/]+/documents/delete$"), callback=self._task("documentDeletion"))
        r.add_callback(responses.POST, re.compile(rf"{URL}/indexes/[^/]+/documents/fetch$"), callback=self._fetch)
        r.add_callback(responses.POST, re.compile(rf"{URL}/indexes/[^/]+/search$"), callback=self._search)
        r.add_callback(responses.POST, f"{URL}/swap-indexes", callback=self._task("indexSwap"))
        r.add_callback(responses.POST, f"{URL}/multi-search", callback=self._multi)
        self.article_hits: dict[str, dict] = {}

    def _record(self, req) -> object:
        body = json.loads(req.body) if req.body else None
        self.calls.append((req.method, req.url.replace(URL, ""), body))
        return body

    def _get_index(self, req):
        self._record(req)
        uid = req.url.rsplit("/", 1)[1]
        if uid in self.indexes:
            return 200, {}, json.dumps({"uid": uid, "primaryKey": "id", "createdAt": ENQ, "updatedAt": ENQ})
        return 404, {}, json.dumps({"message": f"Index `{uid}` not found.", "code": "index_not_found",
                                    "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#index_not_found"})

    def _task(self, type_):
        def cb(req):
            body = self._record(req)
            uid = len(self.tasks) + 1
            if type_ == "indexCreation":
                self.indexes.add(body["uid"])
            if type_ == "indexDeletion":
                self.indexes.discard(req.url.rsplit("/", 1)[1])
            if type_ == "settingsUpdate" and req.url.endswith("synonyms"):
                self.synonyms = body
            err = self.fail.get(type_)
            self.tasks[uid] = {"uid": uid, "indexUid": None, "status": "failed" if err else "succeeded",
                               "type": type_, "error": err, "enqueuedAt": ENQ}
            return 202, {}, json.dumps({"taskUid": uid, "indexUid": None, "status": "enqueued", "type": type_,
                                        "enqueuedAt": ENQ})
        return cb

    def _get_task(self, req):
        uid = int(req.url.rsplit("/", 1)[1])
        return 200, {}, json.dumps(self.tasks[uid])

    def _fetch(self, req):
        body = self._record(req)
        return 200, {}, json.dumps({"results": [{"instrument_key": "i1"}, {"instrument_key": "i2"}],
                                    "offset": body.get("offset", 0), "limit": body.get("limit", 20), "total": 2})

    def _search(self, req):
        self._record(req)
        return 200, {}, json.dumps(self.search_response)

    def _multi(self, req):
        body = self._record(req)
        results = []
        for q in body["queries"]:
            key = re.search(r'instrument_key = "([^"]+)"', q["filter"]).group(1)
            hit = self.article_hits.get(key)
            results.append({"indexUid": q["indexUid"], "hits": [hit] if hit else [], "query": q["q"]})
        return 200, {}, json.dumps({"results": results})

    def bodies(self, method: str, path_re: str) -> list:
        return [b for m, p, b in self.calls if m == method and re.search(path_re, p)]


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeMeili(rsps)


def backend(**kw) -> MeilisearchBackend:
    return MeilisearchBackend(URL, "app-key", "treaties", task_timeout_ms=2000, **kw)


# ------------------------------------------------------------------------------------------ settings


def test_settings_payload():
    s = index_settings(max_total_hits=50_000)
    assert s["searchableAttributes"][0] == "title"
    assert s["searchableAttributes"].index("title") < s["searchableAttributes"].index("article_text")
    for a in ("family", "instrument_type", "parties", "signed_year", "danh_nghia", "signatory_level", "field",
              "status", "signed_day", "eif_day", "instrument_key"):
        assert a in s["filterableAttributes"]
    assert s["sortableAttributes"] == ["signed_day", "eif_day"]
    assert s["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 6, "twoTypos": 9}
    assert s["typoTolerance"]["disableOnNumbers"] is True
    assert {"number", "parties"} <= set(s["typoTolerance"]["disableOnAttributes"])
    assert s["pagination"] == {"maxTotalHits": 50_000}
    assert s["faceting"]["maxValuesPerFacet"] >= 200
    assert s["distinctAttribute"] == "instrument_key"
    assert s["localizedAttributes"][0]["locales"] == ["vie"]
    assert "title" in s["localizedAttributes"][0]["attributePatterns"]
    assert "synonyms" not in s
    assert index_settings(synonyms={"kaz": ["kazakhstan"]})["synonyms"] == {"kaz": ["kazakhstan"]}


def test_ensure_index_creates_with_primary_key_and_settings(fake):
    backend(max_total_hits=12345).ensure_index()
    created = fake.bodies("POST", r"^/indexes$")
    assert created == [{"uid": "treaties", "primaryKey": "id"}]
    settings = fake.bodies("PATCH", r"/indexes/treaties/settings$")
    assert settings and settings[0]["pagination"] == {"maxTotalHits": 12345}
    assert settings[0]["typoTolerance"]["disableOnNumbers"] is True


def test_ensure_index_existing_only_updates_settings(fake):
    fake.indexes.add("treaties")
    backend().ensure_index()
    assert fake.bodies("POST", r"^/indexes$") == []
    assert len(fake.bodies("PATCH", r"/settings$")) == 1


# ------------------------------------------------------------------------------------------ documents


def test_documents_sent(fake):
    fake.indexes.add("treaties")
    backend().upsert(fixed_corpus()[:2])
    adds = [(p, b) for m, p, b in fake.calls if m == "POST" and re.search(r"/documents\?", p)]
    assert adds and all("primaryKey=id" in p for p, _ in adds)
    docs = [d for _, b in adds for d in b]
    ids = [d["id"] for d in docs]
    assert ids == ["i1__0", "i1__1", "i1__2", "i1__3", "i2__0", "i2__1", "i2__2"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    meta, art = docs[0], docs[1]
    assert meta["chunk_no"] == 0 and meta["article_text"] is None
    assert art["article_label"] == "Điều 1" and "miễn thị thực" in art["article_text"]
    assert art["title"] == meta["title"] and art["parties"] == ["KAZ", "VNM"]  # metadata on every chunk
    assert meta["number"] == "108/2016/QH13" and meta["number_compact"] == "1082016qh13"
    assert meta["numbers_other"] == []
    assert meta["signed_day"] == (date(2023, 8, 21) - date(1970, 1, 1)).days
    assert meta["signed_year"] == 2023
    assert "Cadắcxtan" in " ".join(meta["title_joined"] + meta["party_joined"])
    revs = {d["rev"] for d in docs}
    assert len(revs) == 1
    # then the chunks of older versions are deleted, by filter
    dels = fake.bodies("POST", r"/documents/delete$")
    assert dels == [{"filter": f'instrument_key IN ["i1", "i2"] AND rev != "{revs.pop()}"'}]


def test_dates_before_1970_are_negative_integers():
    old = to_meili_docs(make_doc(6, "x", signed_date="1351-08-01", eif_date="1962-10-01"))[0]
    assert old["signed_day"] == (date(1351, 8, 1) - date(1970, 1, 1)).days < 0
    assert old["eif_day"] < 0 and isinstance(old["eif_day"], int)


def test_long_text_is_split_into_passages():
    text = " ".join(["từ"] * 4500)
    chunks = to_meili_docs(make_doc(1, "x", text=text))
    assert [c["chunk_no"] for c in chunks] == [0, 1, 2, 3]
    assert all(len(c["article_text"].split()) <= 2000 for c in chunks[1:])


def test_invalid_primary_key_rejected_before_sending(fake):
    fake.indexes.add("treaties")
    with pytest.raises(SearchBackendError, match="invalid document id"):
        backend().upsert([make_doc(1, "x") | {"id": "108/2016/QH13"}])
    assert fake.bodies("POST", r"/documents") == []


def test_delete_by_instrument_key(fake):
    backend().delete(["i1", 'we"ird'])
    assert fake.bodies("POST", r"/documents/delete$") == [{"filter": 'instrument_key IN ["i1", "we\\"ird"]'}]


def test_synonyms_from_aliases_and_acronyms(fake, monkeypatch):
    monkeypatch.setitem(sys.modules, "core.parties", None)  # without core.parties: the document's aliases
    fake.indexes.add("treaties")
    doc = make_doc(1, "Hiệp định EVFTA", parties=["KAZ"], party_aliases=["Kazakhstan", "Ca-dắc-xtan"],
                   acronyms=["EVFTA"], titles_other=["EU Viet Nam FTA"])
    backend().upsert([doc])
    syn = fake.bodies("PUT", r"/settings/synonyms$")[-1]
    assert "kazakhstan" in syn["kaz"] and "cadacxtan" in syn["kazakhstan"] and "ca dac xtan" in syn["kaz"]
    assert "eu viet nam fta" in syn["evfta"]
    n = len(fake.bodies("PUT", r"/settings/synonyms$"))
    b = backend()
    b.upsert([doc])  # unchanged synonyms: no settings task
    assert len(fake.bodies("PUT", r"/settings/synonyms$")) == n
    assert synonyms_for([make_doc(2, "y", parties=[], party_aliases=[])]) == {}


def test_synonyms_from_core_parties():
    pytest.importorskip("core.parties")
    syn = synonyms_for([make_doc(1, "x", parties=["KAZ", "VNM"], party_aliases=[])])
    assert "kazakhstan" in syn["kaz"] and "cadacxtan" in syn["kazakhstan"]
    assert "kaz" not in syn["viet nam"]  # codes are not mixed up in a bilateral instrument


# ------------------------------------------------------------------------------------------ failed tasks


@pytest.mark.parametrize("type_, action", [
    ("documentAdditionOrUpdate", lambda b: b.upsert([make_doc(1, "x")])),
    ("documentDeletion", lambda b: b.delete(["i1"])),
    ("settingsUpdate", lambda b: b.ensure_index()),
    ("indexSwap", lambda b: b.rebuild([make_doc(1, "x")])),
])
def test_failed_task_raises_with_code_and_message(type_, action):
    err = {"code": "invalid_document_id", "message": "Document identifier `108/2016` is invalid.",
           "type": "invalid_request", "link": "x"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeMeili(rsps, indexes={"treaties"}, fail={type_: err})
        with pytest.raises(SearchBackendError) as ei:
            action(backend())
        msg = str(ei.value)
        assert "failed" in msg and "invalid_document_id" in msg and "108/2016" in msg
        assert fake.tasks  # it really waited on the task


def test_api_error_and_unreachable_server_raise_backend_error(fake):
    fake.rsps.add(responses.POST, f"{URL}/indexes/treaties/search", status=401,
                  json={"message": "The provided API key is invalid.", "code": "invalid_api_key",
                        "type": "auth", "link": "x"})
    # the FakeMeili callback was registered first; replace it
    fake.rsps.remove(responses.POST, re.compile(rf"{URL}/indexes/[^/]+/search$"))
    with pytest.raises(SearchBackendError, match="invalid_api_key"):
        backend().search(SearchQuery(q="x"))
    b = MeilisearchBackend("http://127.0.0.1:9", "k", "treaties", timeout=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru("http://127.0.0.1:9")
        with pytest.raises(SearchBackendError, match="cannot reach"):
            b.count()


def test_task_timeout_raises(fake):
    fake.indexes.add("treaties")
    orig = fake._get_task

    def never_done(req):
        code, h, body = orig(req)
        t = json.loads(body)
        t["status"] = "processing"
        return code, h, json.dumps(t)

    fake.rsps.remove(responses.GET, re.compile(rf"{URL}/tasks/\d+"))
    fake.rsps.add_callback(responses.GET, re.compile(rf"{URL}/tasks/\d+"), callback=never_done)
    with pytest.raises(SearchBackendError, match="timeout|task"):
        MeilisearchBackend(URL, "k", "treaties", task_timeout_ms=200).delete(["i1"])


# ------------------------------------------------------------------------------------------ filters


def test_filter_expressions():
    q = SearchQuery(filters={"party": ["KAZ", "VNM"], "family": ["treaty", "agreement"], "year": ["2019", 1962],
                             "field": 'thương "mại"', "status": "in_force", "danh_nghia": []},
                    date_ranges={"signed": ("1351", "1962-05"), "eif": (None, date(2024, 5, 25))})
    f = build_filter(q.validated())
    assert f == ('parties = "KAZ" AND parties = "VNM" AND family IN ["treaty", "agreement"] AND '
                 'signed_year IN [2019, 1962] AND field = "thương \\"mại\\"" AND status = "in_force" AND '
                 f'signed_day >= {(date(1351, 1, 1) - date(1970, 1, 1)).days} AND '
                 f'signed_day <= {(date(1962, 5, 31) - date(1970, 1, 1)).days} AND '
                 f'eif_day <= {(date(2024, 5, 25) - date(1970, 1, 1)).days}')
    assert build_filter(SearchQuery()) is None
    assert quote('a\\b"c') == '"a\\\\b\\"c"'
    with pytest.raises(SearchBackendError, match="year"):
        build_filter(SearchQuery(filters={"year": "nineteen"}))
    with pytest.raises(SearchBackendError, match="date"):
        build_filter(SearchQuery(date_ranges={"signed": ("21/08/2023", None)}))


def test_search_params_and_query_rewrite():
    q = SearchQuery(q='"đầu tư" 108/2016/QH13 AND Ca-dắc-xtan', filters={"party": "KAZ"}, sort="signed_asc",
                    page=3, per_page=20, facets=["family", "party", "year"]).validated()
    parsed = parse(q.q)
    assert meili_q(parsed) == '"đầu tư" 108/2016/qh13 ca-dắc-xtan 1082016qh13'
    p = build_search_params(q, parsed, offset=40, limit=20)
    assert p["page"] == 3 and p["hitsPerPage"] == 20  # page mode: exact totalHits
    assert p["filter"] == 'parties = "KAZ"'
    assert p["facets"] == ["family", "parties", "signed_year"]
    assert p["sort"] == ["signed_day:asc"]
    assert p["matchingStrategy"] == "all"
    assert "article_text" in p["attributesToHighlight"] and "article_text" in p["attributesToCrop"]
    empty = build_search_params(SearchQuery().validated(), parse(""), offset=0, limit=20)
    assert empty["sort"] == ["signed_day:desc"]  # no query: newest first, like tantivy


def test_search_maps_hits_highlights_facets(fake):
    pre, post = "\ue000", "\ue001"
    fake.search_response = {
        "hits": [
            {"id": "i1__1", "instrument_key": "i1", "instrument_id": 1, "title": "Hiệp định <b> Ca-dắc-xtan",
             "family": "treaty", "instrument_type": "hiệp định", "parties": ["KAZ", "VNM"],
             "signed_date": "2023-08-21", "eif_date": None, "article_label": "Điều 1", "chunk_no": 1,
             "_formatted": {"title": f"Hiệp định <b> {pre}Ca-dắc-xtan{post}", "titles_other": [],
                            "article_text": f"…được {pre}miễn{post} thị thực…", "party_names": ["Việt Nam"]}},
            {"id": "i2__0", "instrument_key": "i2", "instrument_id": 2, "title": "B", "family": "agreement",
             "parties": [], "chunk_no": 0, "article_label": None, "_formatted": {"title": "B"}},
        ],
        "totalHits": 1234, "page": 1, "hitsPerPage": 20,
        "facetDistribution": {"family": {"treaty": 1000, "agreement": 234}, "parties": {"KAZ": 3},
                              "signed_year": {"2023": 5}},
    }
    fake.article_hits["i2"] = {"instrument_key": "i2", "article_label": "Điều 5", "chunk_no": 5,
                               "_formatted": {"article_text": f"…{pre}miễn{post} trừ <i>…"}}
    r = backend().search(SearchQuery(q="Ca-dắc-xtan miễn"))
    assert r.total == 1234
    assert r.facets == {"family": {"treaty": 1000, "agreement": 234}, "instrument_type": {},
                        "party": {"KAZ": 3}, "year": {"2023": 5}}
    h = r.hits[0]
    assert h.id == "i1" and h.matched_article == "Điều 1"
    assert h.highlights["title"] == ["Hiệp định &lt;b&gt; <mark>Ca-dắc-xtan</mark>"]
    assert h.highlights["text"] == ["…được <mark>miễn</mark> thị thực…"]
    assert "party_names" not in h.highlights
    assert r.hits[1].matched_article == "Điều 5"
    assert r.hits[1].highlights == {"text": ["…<mark>miễn</mark> trừ &lt;i&gt;…"]}
    body = fake.bodies("POST", r"/search$")[-1]
    assert body["q"] == "ca-dắc-xtan miễn"
    multi = fake.bodies("POST", r"/multi-search$")[-1]["queries"]
    assert [q["filter"] for q in multi] == ['instrument_key = "i1" AND chunk_no > 0',
                                            'instrument_key = "i2" AND chunk_no > 0']
    assert multi[0]["attributesToSearchOn"] == ["article_label", "article_heading", "article_text"]


def test_zero_hits_with_all_words_falls_back_to_last(fake):
    backend().search(SearchQuery(q="thuong mia"))
    bodies = fake.bodies("POST", r"/search$")
    assert [b["matchingStrategy"] for b in bodies] == ["all", "last"]
    backend().search(SearchQuery(q="thuong"))
    assert fake.bodies("POST", r"/search$")[-1]["matchingStrategy"] == "all"
    assert len(fake.bodies("POST", r"/search$")) == 3


def test_accent_exact_rerank_on_the_window(fake):
    fake.search_response = {"hits": [
        {"id": "a__0", "instrument_key": "a", "title": "Bản ghi nhớ đấu tư", "_formatted": {}},
        {"id": "b__0", "instrument_key": "b", "title": "Hiệp định đầu tư", "_formatted": {}},
    ], "totalHits": 2, "facetDistribution": {}}
    r = backend().search(SearchQuery(q="đầu tư", per_page=1))
    assert [h.id for h in r.hits] == ["b"] and r.total == 2
    body = fake.bodies("POST", r"/search$")[-1]
    assert body["hitsPerPage"] == 200 and body["page"] == 1
    r = backend().search(SearchQuery(q="dau tu", per_page=1))  # no marks: no rerank
    assert [h.id for h in r.hits] == ["a"]  # server order kept (and never more than per_page)
    assert fake.bodies("POST", r"/search$")[-1]["hitsPerPage"] == 1


def test_count_and_all_ids(fake):
    b = backend()
    assert b.count() == 2
    assert b.all_ids() == {"i1", "i2"}
    assert fake.bodies("POST", r"/documents/fetch$")[0]["filter"] == "chunk_no = 0"


# ------------------------------------------------------------------------------------------ rebuild


def test_rebuild_builds_new_index_then_swaps_and_deletes(fake):
    fake.indexes.update({"treaties", "treaties_new"})
    backend().rebuild(iter([make_doc(1, "a"), make_doc(2, "b")]))
    seq = [(m, p) for m, p, _ in fake.calls if m != "GET"]
    assert seq[0] == ("DELETE", "/indexes/treaties_new")  # leftover of a crashed rebuild
    assert ("POST", "/indexes") in seq
    assert fake.bodies("POST", r"^/indexes$")[0] == {"uid": "treaties_new", "primaryKey": "id"}
    add_paths = [p for m, p in seq if re.search(r"/documents\?", p)]
    assert add_paths and all(p.startswith("/indexes/treaties_new/") for p in add_paths)
    assert fake.bodies("POST", r"/swap-indexes$") == [[{"indexes": ["treaties", "treaties_new"]}]]
    i_swap = seq.index(("POST", "/swap-indexes"))
    assert ("DELETE", "/indexes/treaties_new") in seq[i_swap:]
    assert seq.index(("POST", "/swap-indexes")) > max(i for i, s in enumerate(seq) if re.search(r"/documents\?", s[1]))


# ------------------------------------------------------------------------------------------ keys


def test_search_uses_search_only_key(fake):
    b = backend(search_api_key="search-only")
    b.search(SearchQuery(q="x"))
    req = [c for c in fake.rsps.calls if c.request.url.endswith("/search")][-1].request
    assert req.headers["Authorization"] == "Bearer search-only"
    b.delete(["i1"])
    req = [c for c in fake.rsps.calls if c.request.url.endswith("/documents/delete")][-1].request
    assert req.headers["Authorization"] == "Bearer app-key"


def test_public_search_token_filter_is_fixed():
    uid = "76cf8b87-fb12-4688-ad34-552cc8b2da71"
    tok = public_search_token("search-key-xyz", uid, "treaties_public", extra_filter='family = "treaty"')
    header, payload, sig = tok.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert body["apiKeyUid"] == uid
    assert body["searchRules"] == {"treaties_public": {"filter": 'status = "in_force" AND (family = "treaty")'}}
    assert body["exp"] > 0


def test_factory():
    assert isinstance(make_backend("meilisearch", url=URL, api_key="k", index_name="t"), MeilisearchBackend)
    with pytest.raises(SearchBackendError):
        make_backend("meilisearch")
    with pytest.raises(SearchBackendError):
        make_backend("elastic", url=URL)
    with pytest.raises(SearchBackendError, match="index name"):
        MeilisearchBackend(URL, "k", "bad/name")


def test_setup_keys_scopes():
    from search.meili_backend import setup_keys
    with responses.RequestsMock() as rsps:
        made = []

        def create(req):
            body = json.loads(req.body)
            made.append((req.headers["Authorization"], body))
            n = len(made)
            return 201, {}, json.dumps({"uid": f"00000000-0000-4000-8000-00000000000{n}", "key": f"k{n}",
                                        "name": None, "description": body["description"],
                                        "actions": body["actions"], "indexes": body["indexes"],
                                        "expiresAt": None, "createdAt": ENQ, "updatedAt": ENQ})

        rsps.add_callback(responses.POST, f"{URL}/keys", callback=create)
        keys = setup_keys(URL, "master-key-0123456789", "treaties")
    assert keys["app_key"] == "k1" and keys["search_key"] == "k2"
    (auth1, app), (auth2, search) = made
    assert auth1 == auth2 == "Bearer master-key-0123456789"
    assert app["indexes"] == ["treaties*"] and "*" not in app["actions"] and "keys.create" not in app["actions"]
    assert search["actions"] == ["search"] and search["indexes"] == ["treaties"]


# ------------------------------------------------------------------------------------------ live (MEILI_URL)

live = pytest.mark.skipif(not os.environ.get("MEILI_URL"), reason="MEILI_URL not set: no live Meilisearch")


@pytest.fixture
def live_backend(tmp_path):
    from conftest import drop_backend, new_backend
    b = new_backend("meilisearch", tmp_path)
    yield b
    drop_backend(b)


@pytest.mark.meili
@live
def test_live_failed_task_raises(live_backend):
    with pytest.raises(SearchBackendError, match="invalid_document_id"):
        live_backend._add(live_backend.index_name, [{"id": "108/2016/QH13", "title": "x"}])


@pytest.mark.meili
@live
def test_live_settings_applied(live_backend):
    got = live_backend.client.index(live_backend.index_name).get_settings()
    want = index_settings(max_total_hits=live_backend.max_total_hits)
    assert got["distinctAttribute"] == "instrument_key"
    assert got["searchableAttributes"] == want["searchableAttributes"]
    assert got["pagination"]["maxTotalHits"] == want["pagination"]["maxTotalHits"]
    assert got["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 6, "twoTypos": 9}


@pytest.mark.meili
@live
def test_live_tenant_token_filter_is_enforced(live_backend):
    import meilisearch
    from search.meili_backend import create_search_key
    live_backend.upsert([make_doc(1, "Hiệp định một"), make_doc(2, "Hiệp định hai", status="terminated")])
    master = meilisearch.Client(os.environ["MEILI_URL"], os.environ.get("MEILI_MASTER_KEY"))
    key = create_search_key(master, live_backend.index_name)
    try:
        tok = public_search_token(key["key"], key["uid"], live_backend.index_name, url=os.environ["MEILI_URL"])
        res = meilisearch.Client(os.environ["MEILI_URL"], tok).index(live_backend.index_name).search("hiệp định")
        assert {h["instrument_key"] for h in res["hits"]} == {"i1"}
    finally:
        master.delete_key(key["uid"])


def test_notice_numbers_are_searchable_and_exact():
    """Entry-into-force notice numbers: a searchable attribute without typos, and compact forms in number_compact
    next to the record's own number."""
    from search.meili_backend import to_meili_docs

    s = index_settings()
    assert "numbers_other" in s["searchableAttributes"]
    assert "numbers_other" in s["typoTolerance"]["disableOnAttributes"]
    doc = dict(fixed_corpus()[0], numbers_other=["11/2024/TB-LPQT"])
    meta = to_meili_docs(doc, rev="r")[0]
    assert meta["numbers_other"] == ["11/2024/TB-LPQT"]
    assert meta["number_compact"] == ["1082016qh13", "112024tblpqt"]
