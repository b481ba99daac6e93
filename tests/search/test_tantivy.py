"""tantivy-specific behaviour: analyzer, generations and the swap, several processes, schema versions."""
from __future__ import annotations

import sys
import types
import unicodedata

import pytest

from _search_corpus import make_doc
from search.analysis import VIETNAMESE_LETTERS, fold_same_len
from search.protocol import SearchBackendError, SearchQuery
from search.tantivy_backend import TantivyBackend, exact_analyzer, fold_analyzer


def test_fold_analyzer_folds_every_vietnamese_vowel_and_d():
    an = fold_analyzer()
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + "Ðð"
    for ch in letters:
        out = an.analyze(ch)
        assert len(out) == 1 and out[0].isascii() and out[0] in "aeiouyd", (ch, out)
    assert an.analyze("Hiệp định ĐIỀU Ðà Nẵng Ca-dắc-xtan") == ["hiep", "dinh", "dieu", "da", "nang", "ca", "dac", "xtan"]
    assert exact_analyzer().analyze("Đầu TƯ") == ["đầu", "tư"]


def test_fold_same_len_keeps_offsets():
    s = "Hiệp định ĐIỀU – Ca‑dắc‑xtan Đà Nẵng"
    f = fold_same_len(s)
    assert len(f) == len(s)
    assert f == "hiep dinh dieu - ca-dac-xtan da nang"


def test_nfd_documents_found(tmp_path):
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, unicodedata.normalize("NFD", "Hiệp định về miễn thị thực"))])
    assert b.search(SearchQuery(q="miễn thị thực")).total == 1
    assert b.search(SearchQuery(q=unicodedata.normalize("NFD", "miễn"))).total == 1
    assert b.search(SearchQuery(q="đầu tư")).total == 0


def test_reader_instance_sees_commits_and_swaps(tmp_path):
    w = TantivyBackend(tmp_path / "i")
    w.ensure_index()
    r = TantivyBackend(tmp_path / "i")
    assert r.count() == 0
    w.upsert([make_doc(1, "Hiệp định một")])
    assert r.count() == 1
    w.rebuild([make_doc(2, "Hiệp định hai"), make_doc(3, "Hiệp định ba")])
    assert r.all_ids() == {"i2", "i3"}
    w.rebuild([make_doc(4, "Hiệp định bốn")])
    w.rebuild([make_doc(5, "Hiệp định năm")])
    assert r.all_ids() == {"i5"}
    w.upsert([make_doc(6, "Hiệp định sáu")])  # w holds the writer lock again
    assert r.all_ids() == {"i5", "i6"}
    gens = list((tmp_path / "i").glob("gen-*"))
    assert len(gens) <= 2  # the live one and the previous one
    # a reader may not write while the writer holds the lock
    with pytest.raises(SearchBackendError, match="one process"):
        r.upsert([make_doc(9, "x")])
    w.close()
    r.upsert([make_doc(9, "Hiệp định chín")])  # the lock is free once the writer closed
    assert r.count() == 3


def test_schema_version_mismatch(tmp_path):
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "x")])
    b.close()
    gen = (tmp_path / "i" / "CURRENT").read_text()
    (tmp_path / "i" / gen / "SCHEMA_VERSION").write_text("0")
    b2 = TantivyBackend(tmp_path / "i")
    assert b2.needs_rebuild()
    with pytest.raises(SearchBackendError, match="reindex"):
        b2.search(SearchQuery(q="x"))
    b2.rebuild([make_doc(2, "y")])
    assert not b2.needs_rebuild() and b2.all_ids() == {"i2"}


def test_failed_rebuild_keeps_old_index(tmp_path):
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "Hiệp định cũ")])

    def docs():
        yield make_doc(2, "Hiệp định mới")
        raise RuntimeError("database went away")

    with pytest.raises(SearchBackendError, match="database went away"):
        b.rebuild(docs())
    assert b.all_ids() == {"i1"}
    assert len(list((tmp_path / "i").glob("gen-*"))) == 1


def test_party_aliases_expanded_from_core_parties(tmp_path, monkeypatch):
    mod = types.ModuleType("core.parties")
    mod.party_names = lambda code: {"KAZ": ["Kazakhstan", "Ca-dắc-xtan", "Казахстан"]}.get(code, [])
    monkeypatch.setitem(sys.modules, "core.parties", mod)
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "Hiệp định lãnh sự", parties=["KAZ"], party_names=[], party_aliases=[])])
    for q in ("Kazakhstan", "cadacxtan", "Казахстан", "KAZ"):
        assert b.search(SearchQuery(q=q)).total == 1, q


def test_sorting_missing_dates_last(tmp_path):
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "a", signed_date="1351-08-01"), make_doc(2, "b"), make_doc(3, "c", signed_date="2020-01-01")])
    assert [h.id for h in b.search(SearchQuery(sort="signed_asc")).hits] == ["i1", "i3", "i2"]
    assert [h.id for h in b.search(SearchQuery(sort="signed_desc")).hits] == ["i3", "i1", "i2"]


def test_facets_follow_writes_in_this_and_other_processes(tmp_path):
    w = TantivyBackend(tmp_path / "i")
    r = TantivyBackend(tmp_path / "i")
    w.upsert([make_doc(1, "Hiệp định một", family="treaty")])
    assert r.search(SearchQuery(q="hiệp định")).facets["family"] == {"treaty": 1}
    assert w.search(SearchQuery(q="hiệp định")).facets["family"] == {"treaty": 1}
    w.upsert([make_doc(2, "Hiệp định hai", family="agreement")])
    assert w.search(SearchQuery(q="hiệp định")).facets["family"] == {"treaty": 1, "agreement": 1}
    assert r.search(SearchQuery(q="hiệp định")).facets["family"] == {"treaty": 1, "agreement": 1}
    w.delete(["i1"])
    assert r.search(SearchQuery(q="hiệp định")).facets["family"] == {"agreement": 1}


def test_text_without_articles_is_highlighted(tmp_path):
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "Bản ghi nhớ", text="Hai Bên hợp tác về <du lịch> & văn hóa.")])
    h = b.search(SearchQuery(q="du lịch")).hits[0]
    assert h.matched_article is None
    assert h.highlights["text"] == ["Hai Bên hợp tác về &lt;<mark>du</mark> <mark>lịch</mark>&gt; &amp; văn hóa."]
    assert b.get("i1")["title"] == "Bản ghi nhớ"



_PHRASE_WORDS = ["hoàn", "tất", "thủ", "tục", "nội", "bộ", "Bên", "BÊN", "ký", "kết", "Ca-dắc-xtan", "dắc", "xtan",
                 "đầu", "tư", "Điều", "1", "2016", "a" * 30, "ạ" * 26, "ạ" * 34, "x" * 99, "x" * 100, "và", "của"]


def test_body_phrases_on_word_pairs_equal_plain_phrases(tmp_path):
    """A quoted phrase is matched in the body on neighbouring-word pairs (body_s): whatever the texts, articles,
    hyphenated words and over-long words (which body_f leaves out), the documents found are exactly those of a
    phrase query over body_f's single words; so are those of a phrase whose last word is being typed. Phrases are cut from the texts themselves, some with one word
    changed, some across an article's end or an over-long word."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from tantivy import Query

    text = st.lists(st.tuples(st.sampled_from(_PHRASE_WORDS), st.sampled_from([" ", "\n", ", ", "-", ". "])),
                    min_size=0, max_size=25).map(lambda ps: "".join(a + b for a, b in ps))
    docs = st.lists(st.lists(text, min_size=0, max_size=3), min_size=1, max_size=6)
    counter = iter(range(10**6))

    @settings(max_examples=80, deadline=None)
    @given(docs, st.data())
    def check(bodies, data):
        b = TantivyBackend(tmp_path / f"i{next(counter)}")
        try:
            b.rebuild([make_doc(i, "Hiệp định", articles=[{"label": f"Điều {k + 1}", "text": t}
                                                           for k, t in enumerate(arts)])
                       for i, arts in enumerate(bodies)])
            s = b._idx().searcher()
            # the words of every text in a row (over-long ones kept, as a query would hold them) and across
            # articles, so cut phrases may span both
            stream = " ".join(f"Điều {k + 1} {t}" for arts in bodies for k, t in enumerate(arts))
            stream = stream.replace("-", " ").split()
            for _ in range(8):
                if len(stream) >= 2 and data.draw(st.booleans()):
                    n = data.draw(st.integers(2, min(7, len(stream))))
                    at = data.draw(st.integers(0, len(stream) - n))
                    words = stream[at:at + n]
                    if data.draw(st.booleans()):
                        words[data.draw(st.integers(0, n - 1))] = data.draw(st.sampled_from(_PHRASE_WORDS))
                else:
                    words = data.draw(st.lists(st.sampled_from(_PHRASE_WORDS), min_size=2, max_size=6))
                toks = [t for w in words for t in b._fold.analyze(w)]
                if len(toks) < 2:
                    continue
                plain = s.search(Query.phrase_query(b.schema, "body_f", toks), 100, count=True)
                pairs = s.search(b._body_phrase(toks), 100, count=True)
                assert pairs.count == plain.count, toks
                assert {a.doc for _, a in pairs.hits} == {a.doc for _, a in plain.hits}, toks
                # the same phrase with its last word still being typed (cut to a prefix)
                toks[-1] = toks[-1][:data.draw(st.integers(1, len(toks[-1])))]
                plain = s.search(Query.phrase_prefix_query(b.schema, "body_f", toks), 100, count=True)
                pairs = s.search(b._body_phrase_prefix(toks), 100, count=True)
                assert {a.doc for _, a in pairs.hits} == {a.doc for _, a in plain.hits}, toks
        finally:
            b.close()

    check()


def test_body_phrase_pairs_cover_every_word(tmp_path):
    """Each word of a phrase is held by one of the pairs asked for: a phrase that differs from the text in one word
    only, wherever that word is, is not found."""
    b = TantivyBackend(tmp_path / "i")
    words = "các bên hoàn tất thủ tục pháp lý nội bộ cần thiết".split()
    b.upsert([make_doc(1, "Hiệp định", articles=[{"label": "Điều 1", "text": " ".join(words)}])])
    for n in range(2, len(words) + 1):
        assert b.search(SearchQuery(q='"' + " ".join(words[:n]) + '"')).total == 1
        for k in range(n):
            changed = words[:k] + ["khác"] + words[k + 1:n]
            assert b.search(SearchQuery(q='"' + " ".join(changed) + '"')).total == 0, changed
    b.close()


def test_all_ids_in_parts_falls_back_for_other_ids(tmp_path):
    """Read in parts ("i0" … "i9"), ids of another form are still all returned (read whole)."""
    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "Hiệp định"), make_doc(25, "Hiệp định"), dict(make_doc(3, "Hiệp định"), id="x-3")])
    assert b.all_ids(pause=1e-4) == b.all_ids() == {"i1", "i25", "x-3"}
    b.delete(["x-3"])
    assert b.all_ids(pause=1e-4) == {"i1", "i25"}
    b.close()


def test_body_phrase_does_not_run_across_articles(tmp_path):
    """The last words of one article and the first of the next are not a phrase (as in body_f, where tantivy
    leaves a gap between values): pairs two positions apart must not reach across that gap."""
    from tantivy import Query

    b = TantivyBackend(tmp_path / "i")
    b.upsert([make_doc(1, "Hiệp định", articles=[
        {"label": "Điều 7", "text": "hoàn tất thủ tục pháp lý nội bộ."},
        {"label": "Điều 8", "text": "Hiệp định này có hiệu lực."}])])
    s = b._idx().searcher()
    for toks in (["noi", "bo", "dieu", "8"], ["phap", "ly", "noi", "bo", "dieu", "8"]):
        assert s.search(Query.phrase_query(b.schema, "body_f", toks), 10, count=True).count == 0
        assert s.search(b._body_phrase(toks), 10, count=True).count == 0
        assert s.search(b._body_phrase_prefix(toks + ["hi"]), 10, count=True).count == 0
    for q in ('"nội bộ Điều 8"', '"pháp lý nội bộ Điều 8"', "nội-bộ-Điều-8"):
        assert b.search(SearchQuery(q=q)).total == 0, q
    assert b.search(SearchQuery(q='"thủ tục pháp lý nội bộ"')).total == 1
    b.close()


def test_notice_numbers_are_whole_notice_numbers():
    """Only whole "NN/YYYY/TB-LPQT" numbers of entry-into-force notices are taken from events' references: not a
    piece of a longer reference, not other documents, not full-width digits."""
    from types import SimpleNamespace as E

    from search.documents import notice_numbers

    refs = ["Thông báo số 11/2024/TB-LPQT ngày 1/3/2024", "24/2024/tb-lpqt", "Quyết định 99/2024/QĐ-TTg",
            "24/2024/TB-LPQT-BNG", "55/2024/TB-LPQT/BNG", "1/55/2024/TB-LPQT", "２４/2024/TB-LPQT", None,
            "11/2024/TB-LPQT; 12/2024/TB-LPQT"]
    assert notice_numbers([E(document_ref=r) for r in refs]) == ["11/2024/TB-LPQT", "24/2024/TB-LPQT",
                                                                  "12/2024/TB-LPQT"]
