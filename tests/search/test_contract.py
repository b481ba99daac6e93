"""One behavioural contract, run on every available search backend.

tantivy always; Meilisearch when MEILI_URL (and MEILI_MASTER_KEY) are set — the suite then creates uniquely
named indexes and deletes them afterwards.
"""
from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _search_corpus import fixed_corpus, generated_corpus, make_doc
from conftest import backend_kinds, drop_backend, new_backend
from search.protocol import SearchBackend, SearchBackendError, SearchQuery, SearchResult

KINDS = backend_kinds()


@pytest.fixture(scope="module", params=KINDS)
def backend(request, tmp_path_factory):
    b = new_backend(request.param, tmp_path_factory.mktemp("contract"))
    b.upsert(fixed_corpus())
    yield b
    drop_backend(b)


@pytest.fixture(scope="module", params=KINDS)
def big(request, tmp_path_factory):
    b = new_backend(request.param, tmp_path_factory.mktemp("big"))
    docs = generated_corpus(1200)
    for i in range(0, len(docs), 400):
        b.upsert(docs[i:i + 400])
    yield b
    drop_backend(b)


@pytest.fixture(params=KINDS)
def fresh(request, tmp_path):
    b = new_backend(request.param, tmp_path)
    yield b
    drop_backend(b)


def ids(res: SearchResult) -> list[str]:
    return [h.id for h in res.hits]


def search(b, q="", **kw) -> SearchResult:
    return b.search(SearchQuery(q=q, **kw))


# ---------------------------------------------------------------------------------------------- basics


def test_is_a_search_backend(backend):
    assert isinstance(backend, SearchBackend)
    assert backend.count() == len(fixed_corpus())
    assert backend.all_ids() == {d["id"] for d in fixed_corpus()}
    assert backend.all_ids(pause=1e-4) == {d["id"] for d in fixed_corpus()}  # read in parts


def test_result_shape(backend):
    d = search(backend, "miễn thị thực").to_dict()
    assert set(d) == {"hits", "total", "facets", "page", "per_page"}
    h = d["hits"][0]
    for k in ("id", "instrument_id", "title", "family", "instrument_type", "parties", "signed_date", "eif_date",
              "score", "highlights", "matched_article"):
        assert k in h
    assert h["id"] == "i1" and h["instrument_id"] == 1 and h["family"] == "treaty"
    assert sorted(h["parties"]) == ["KAZ", "VNM"]
    assert h["signed_date"] == "2023-08-21" and h["eif_date"] == "2024-05-25"


# ---------------------------------------------------------------------------------------------- folding


@pytest.mark.parametrize("q", ["cadacxtan", "Ca-dắc-xtan", "Cadắcxtan", "ca dac xtan", "CA-DẮC-XTAN", "Cadacxtan"])
def test_folding_finds_hyphenated_transliteration(backend, q):
    assert "i1" in ids(search(backend, q, per_page=50))


def test_folding_tone_marks(backend):
    r = search(backend, "mien thi thuc")
    assert ids(r)[0] == "i1"
    assert ids(search(backend, "MIỄN THỊ THỰC"))[0] == "i1"
    assert "i7" in ids(search(backend, "duong bo"))  # đ folds to d


def test_aliases_find_same_instruments(backend):
    sets = [set(ids(search(backend, q, per_page=50))) for q in ("Kazakhstan", "KAZ", "Ca-dắc-xtan", "Cadacxtan")]
    expected = {"i1", "i7", "i10"}
    for s in sets:
        assert s == expected, sets


def test_acronym(backend):
    assert ids(search(backend, "EVFTA"))[0] == "i2"
    assert ids(search(backend, "evfta"))[0] == "i2"


def test_phrase(backend):
    got = ids(search(backend, '"thương mại tự do"', per_page=50))
    assert "i2" in got
    assert "i11" not in got  # has the words, but not as this phrase
    assert "i5" not in got
    loose = ids(search(backend, "thương mại tự do", per_page=50))
    assert {"i2", "i11"} <= set(loose)


def test_document_number_exact(backend):
    r = search(backend, "108/2016/QH13")
    assert ids(r) == ["i1"]
    assert ids(search(backend, "123/2020/NĐ-CP"))[0] == "i9"
    assert ids(search(backend, "123/2020/nd-cp"))[0] == "i9"
    assert "i1" not in ids(search(backend, "108/2017/QH13"))


def test_accent_exact_ranks_first(backend):
    r = ids(search(backend, "đầu tư", per_page=50))
    assert "i3" in r  # folded 'đấu tư' still found
    assert r.index("i4") < r.index("i3")
    r = ids(search(backend, "đấu tư", per_page=50))
    assert r[0] == "i3"
    r = ids(search(backend, "đường", per_page=50))
    assert {"i7", "i8"} <= set(r)  # 'Dương' folds to the same letters
    assert r.index("i7") < r.index("i8")
    r = ids(search(backend, "Dương", per_page=50))
    assert r.index("i8") < r.index("i7")


def test_typo_tolerance(backend):
    assert set(ids(search(backend, "Kazakstan", per_page=50))) == {"i1", "i7", "i10"}
    assert "i2" in ids(search(backend, "thuong mia", per_page=50))
    assert "i1" in ids(search(backend, "mien thi thucc", per_page=50))


def test_no_typos_on_numbers(backend):
    got = ids(search(backend, "1963", per_page=50))
    assert "i5" not in got  # signed 1962; a typo must not turn 1963 into 1962


def test_prefix_as_one_types(backend):
    assert "i1" in ids(search(backend, "mien thi th", per_page=50))
    assert "i1" in ids(search(backend, "Kazak", per_page=50))
    assert ids(search(backend, "EVF"))[0] == "i2"


# ---------------------------------------------------------------------------------------------- facets/filters


def test_facet_counts_over_all_matches(backend):
    r = search(backend, "", per_page=1, facets=["family", "instrument_type", "party", "year", "status"])
    assert r.total == 11 and len(r.hits) == 1
    assert r.facets["family"] == {"treaty": 7, "agreement": 4}
    assert r.facets["party"]["VNM"] == 11
    assert r.facets["party"]["KAZ"] == 3
    assert r.facets["party"]["LAO"] == 4
    assert r.facets["year"]["1962"] == 1 and r.facets["year"]["1351"] == 1
    assert r.facets["status"] == {"in_force": 11}
    assert r.facets["instrument_type"]["hiệp định"] == 6
    r = search(backend, "", filters={"family": "agreement"}, facets=["family", "party"])
    assert r.facets["family"] == {"agreement": 4}
    assert r.total == 4


def test_filters(backend):
    assert set(ids(search(backend, "", filters={"party": ["KAZ", "VNM"]}, per_page=50))) == {"i1", "i7", "i10"}
    assert set(ids(search(backend, "", filters={"party": ["KAZ", "LAO"]}, per_page=50))) == set()
    assert set(ids(search(backend, "", filters={"family": ["agreement"], "party": "KAZ"}, per_page=50))) == {"i10"}
    assert set(ids(search(backend, "", filters={"year": ["1962", "2019"]}, per_page=50))) == {"i5", "i2"}
    assert set(ids(search(backend, "", filters={"danh_nghia": "Nhà nước"}, per_page=50))) == {"i2"}
    assert set(ids(search(backend, "", filters={"signatory_level": ["Tỉnh", "Bộ"]}, per_page=50))) == {"i3", "i6", "i10"}
    assert set(ids(search(backend, "", filters={"field": "thương mại"}, per_page=50))) == {"i2"}
    assert search(backend, "", filters={"status": "in_force"}).total == 11
    assert search(backend, "", filters={"family": "treaty", "instrument_type": "nghị định thư"}).total == 1
    assert set(ids(search(backend, "hiệp định", filters={"party": "LAO"}, per_page=50))) == {"i4", "i11"}


def test_date_ranges_before_1970(backend):
    r = search(backend, "", date_ranges={"signed": ("1960-01-01", "1965-12-31")}, per_page=50)
    assert ids(r) == ["i5"]
    r = search(backend, "", date_ranges={"signed": ("1300", "1400")}, per_page=50)
    assert ids(r) == ["i6"]
    r = search(backend, "", date_ranges={"signed": (None, "1969-12-31")}, per_page=50)
    assert set(ids(r)) == {"i5", "i6"}
    r = search(backend, "", date_ranges={"eif": ("1962-10-01", "1996-09-01")}, per_page=50)
    assert set(ids(r)) == {"i5", "i4"}
    r = search(backend, "", date_ranges={"signed": ("2019-06-30", "2019-06-30")}, per_page=50)
    assert ids(r) == ["i2"]


def test_sorting(backend):
    r = ids(search(backend, "", sort="signed_asc", per_page=50))
    assert r[:3] == ["i6", "i5", "i4"]
    r = ids(search(backend, "", sort="signed_desc", per_page=50))
    assert r[0] == "i1" and r[-1] == "i6"
    r = ids(search(backend, "", sort="eif_desc", per_page=3))
    assert r == ["i1", "i2", "i4"]
    r = ids(search(backend, "hiệp định", sort="signed_asc", per_page=50))
    assert r[0] == "i4" and "i5" not in r  # i5 is a "nghị định thư": no "hiệp"


# ---------------------------------------------------------------------------------------------- pagination


def test_pagination_past_1000(big):
    r = search(big, "", per_page=20, page=55)
    assert r.total == 1200 and len(r.hits) == 20 and r.page == 55
    assert len(search(big, "", per_page=20, page=60).hits) == 20
    assert search(big, "", per_page=20, page=61).hits == []
    r = search(big, "hiệp định", per_page=20, page=58)
    assert r.total == 1200 and len(r.hits) == 20
    seen: list[str] = []
    for p in range(1, 13):
        seen += ids(search(big, "", per_page=100, page=p, sort="signed_asc"))
    assert len(seen) == 1200 and len(set(seen)) == 1200
    r = search(big, "", facets=["party", "family"], per_page=1)
    assert sum(r.facets["family"].values()) == 1200
    assert r.facets["party"]["VNM"] == 1200
    assert big.count() == 1200 and len(big.all_ids()) == 1200


# ---------------------------------------------------------------------------------------------- writes


def test_upsert_replaces_and_delete(fresh):
    fresh.upsert([make_doc(1, "Hiệp định về nghề cá"), make_doc(2, "Hiệp định về hàng không")])
    fresh.upsert([make_doc(1, "Hiệp định về du lịch")])
    assert fresh.count() == 2
    assert ids(search(fresh, "nghề cá")) == []
    assert ids(search(fresh, "du lịch")) == ["i1"]
    fresh.delete(["i1", "missing"])
    assert fresh.all_ids() == {"i2"} and fresh.count() == 1
    assert search(fresh, "du lịch").total == 0


def test_invalid_id_raises(fresh):
    with pytest.raises(SearchBackendError, match="id"):
        fresh.upsert([make_doc(1, "x") | {"id": "108/2016/QH13"}])


def test_bad_query_arguments_raise_backend_error(fresh):
    with pytest.raises(SearchBackendError, match="unknown filter"):
        fresh.search(SearchQuery(filters={"colour": "red"}))
    with pytest.raises(SearchBackendError, match="sort"):
        fresh.search(SearchQuery(sort="random"))


def test_rebuild_swaps_and_keeps_serving(fresh, tmp_path):
    fresh.upsert([make_doc(n, f"Hiệp định cũ số {n}") for n in range(1, 51)])
    stop = threading.Event()
    errors: list[BaseException] = []
    totals: list[int] = []

    def reader():
        while not stop.is_set():
            try:
                totals.append(fresh.search(SearchQuery(q="hiệp định")).total)
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

    t = threading.Thread(target=reader)
    t.start()
    try:
        new_docs = [make_doc(n, f"Hiệp định mới số {n}") for n in range(100, 180)]
        fresh.rebuild(iter(new_docs))
    finally:
        stop.set()
        t.join()
    assert not errors
    assert totals and min(totals) > 0
    assert fresh.count() == 80
    assert fresh.all_ids() == {f"i{n}" for n in range(100, 180)}
    assert search(fresh, "cũ").total == 0
    assert search(fresh, "mới").total == 80
    fresh.upsert([make_doc(500, "Hiệp định sau khi dựng lại")])
    assert ids(search(fresh, "dựng lại")) == ["i500"]


# ---------------------------------------------------------------------------------------------- robustness


ODD = ["AND hiệp", "hiệp-định", '"unbalanced quote', "123/2020/NĐ-CP", "", "   ", "((((", ")", "*", "?", "~",
       "hiệp~2", "title:hiệp", "a AND OR NOT b", "+-!", '""', '"', "\\", "\x00", "🙂 hiệp", "NOT", "-hiệp",
       "[1 TO 5]", "{}", "a" * 300, "đ" * 5000, " ".join(["hiệp"] * 200), "Hiệp định\u0303", "ﬁ", "İstanbul",
       "<script>", "'", "%", "_", "&&", "||", "/", "108/", "/2016/", "ab/cd", "1e10", "-1", "NULL"]


@pytest.mark.parametrize("q", ODD)
def test_search_never_raises_on_odd_input(backend, q):
    r = search(backend, q)
    assert r.total >= 0 and isinstance(r.hits, list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_search_never_raises_property(backend, q):
    r = backend.search(SearchQuery(q=q))
    assert r.total >= 0


# ---------------------------------------------------------------------------------------------- highlights


def test_highlights_and_matched_article(backend):
    h = search(backend, "miễn thị thực").hits[0]
    assert h.id == "i1"
    assert any("<mark>" in s for s in h.highlights.get("title", []))
    assert h.matched_article == "Điều 1"
    assert "<mark>" in h.highlights["text"][0]
    h = search(backend, "thời hạn tạm trú").hits[0]
    assert h.id == "i1" and h.matched_article == "Điều 2"
    h = search(backend, "hoàn tất thủ tục pháp lý").hits[0]
    assert h.matched_article == "Điều 7"
    h = search(backend, "nhà đầu tư Bên kia").hits[0]
    assert h.id in ("i2", "i4") and h.matched_article in ("Điều 8.2", "Điều 3")


def test_highlights_are_html_safe(backend):
    h = [x for x in search(backend, "mutual legal assistance").hits if x.id == "i10"][0]
    title = h.highlights["title"][0]
    assert "<script>" not in title and "&lt;script&gt;" in title and "<mark>" in title
    h = [x for x in search(backend, "hóa đơn").hits if x.id == "i9"][0]
    assert "<b>" not in h.highlights["text"][0]


def test_entry_into_force_notice_number_finds_its_instrument(fresh):
    """An instrument is found by the number of the Ministry's notice of its entry into force (a number of its own
    may differ), exactly: a neighbouring number finds nothing."""
    fresh.upsert([make_doc(901, "Hiệp định về hợp tác nghề cá", number="12/2016/QH13",
                           numbers_other=["11/2024/TB-LPQT"]),
                  make_doc(902, "Hiệp định về vận tải biển")])
    assert ids(search(fresh, "11/2024/TB-LPQT")) == ["i901"]
    assert ids(search(fresh, "11/2024/tb-lpqt")) == ["i901"]
    assert ids(search(fresh, "12/2016/QH13")) == ["i901"]
    assert ids(search(fresh, "12/2024/TB-LPQT")) == []
