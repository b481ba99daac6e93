"""Query parsing and highlighting (shared by the backends)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import Highlighter, compact_number, fold_articles, fold_same_len, has_marks
from search.query import parse


def test_parse_kinds():
    p = parse('"đầu tư" 108/2016/QH13 Ca-dắc-xtan AND Kazakstan mie')
    kinds = [(c.kind, c.tokens) for c in p.clauses]
    assert kinds == [("phrase", ["dau", "tu"]), ("number", ["108", "2016", "qh13"]),
                     ("compound", ["ca", "dac", "xtan"]), ("term", ["kazakstan"]), ("term", ["mie"])]
    assert p.clauses[1].joined == "1082016qh13" and p.clauses[1].fuzzy == 0
    assert p.clauses[2].joined == "cadacxtan" and p.clauses[2].fuzzy == 2
    assert p.clauses[3].fuzzy == 2 and p.clauses[4].prefix
    assert p.clauses[0].has_marks and not p.clauses[3].has_marks
    assert not parse("mie ").clauses[0].prefix  # a finished word is not a prefix
    assert parse("thuong").clauses[0].fuzzy == 1 and parse("1994").clauses[0].fuzzy == 0
    assert parse("mia").relaxed().clauses[0].fuzzy == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parse_never_raises(q):
    p = parse(q)
    assert all(c.tokens for c in p.clauses)


def test_fold_helpers():
    assert compact_number("123/2020/NĐ-CP") == "1232020ndcp"
    assert has_marks("đầu") and not has_marks("dau")
    s = "Điều 1\nCông dân"
    assert len(fold_same_len(s)) == len(s)
    assert fold_articles([{"label": "Điều 1", "heading": "A", "text": "Đà"}, {"text": "b"}]) == "a\nda\n\nb"


def test_highlight_marks_and_escapes():
    hl = Highlighter(parse("cadacxtan <b>"))
    assert hl.mark("Cộng hòa Ca-dắc-xtan <b>") == "Cộng hòa <mark>Ca-dắc-xtan</mark> &lt;<mark>b</mark>&gt;"
    assert Highlighter(parse("Ca-dắc-xtan")).mark("Cadắcxtan") == "<mark>Cadắcxtan</mark>"
    assert Highlighter(parse("hiep dinh ")).mark("ahiep dinhx") is None  # words, not substrings
    assert Highlighter(parse("mie")).mark("Miễn thị thực") == "<mark>Miễn</mark> thị thực"


def test_highlight_typos_via_expansions_or_scan():
    hl = Highlighter(parse("kazakstan "))
    assert hl.mark("Kazakhstan") == "<mark>Kazakhstan</mark>"  # edit-distance scan
    hl.use_expansions({0: ["kazakhstan"]})
    assert hl.mark("Republic of Kazakhstan") == "Republic of <mark>Kazakhstan</mark>"
    # typo forms are marked only where the exact word is absent
    assert hl.mark("Kazakhstan and Kazakstan") == "Kazakhstan and <mark>Kazakstan</mark>"


def test_best_article_and_snippet():
    arts = [{"label": "Điều 1", "heading": None, "text": "Thương mại hàng hóa."},
            {"label": "Điều 2", "heading": "Đầu tư", "text": "Khuyến khích đầu tư và thương mại dịch vụ."},
            {"label": "Điều 3", "heading": None, "text": "x " * 500 + "đầu tư " + "y " * 500}]
    hl = Highlighter(parse("đầu tư thương mại"))
    label, snip = hl.best_article(arts)
    assert label == "Điều 2" and "<mark>thương mại</mark>" in snip.lower() or "<mark>" in snip
    label, snip = Highlighter(parse("đầu tư")).best_article(arts[2:], fold_articles(arts[2:]))
    assert label == "Điều 3" and snip.startswith("…") and snip.endswith("…") and "<mark>đầu</mark>" in snip
    assert len(snip) < 400
    assert Highlighter(parse("zzz")).best_article(arts) == (None, None)


FIELD_TEXTS = ["Hiệp định giữa Chính phủ Việt Nam và Cộng hòa Ca-dắc-xtan về miễn thị thực",
               "Agreement between Viet Nam and Kazakhstan", "108/2016/QH13", "", "EVFTA", "Cadắcxtan <b>",
               "thỏa thuận hợp tác đầu tư", "đấu tư và đầu tư", "hiệp", "định thư", "xx a", "b yy", "abc ꙮ def"]


@settings(max_examples=150, deadline=None)
@given(q=st.sampled_from(['"hợp tác đầu tư"', "Ca-dắc-xtan", "Kazakstan", "hiep dinh", "108/2016/QH13", "mie",
                          "đầu tư", "thoa thuan hop", "evfta", "hiệp định thư", "b", "ꙮ", '"a ꙮ b"', '"a b"']),
       texts=st.lists(st.sampled_from(FIELD_TEXTS), min_size=1, max_size=8))
def test_mark_many_equals_mark_one_by_one(q, texts):
    """The batched highlighting of a hit's short fields (one fold, one scan) gives what marking each field
    alone gives: no match runs from one field into the next."""
    hl = Highlighter(parse(q))
    assert hl.mark_many(texts) == [hl.mark(t) for t in texts]


def test_best_chunk_picks_the_first_article_matching_every_word():
    hl = Highlighter(parse("miễn thị thực ngoại giao"))
    arts = [{"label": "Điều 1", "text": "miễn thị thực"}, {"label": "Điều 2", "text": "hộ chiếu ngoại giao"},
            {"label": "Điều 3", "text": "miễn thị thực cho hộ chiếu ngoại giao"},
            {"label": "Điều 4", "text": "miễn thị thực ngoại giao, miễn thị thực ngoại giao, miễn thị thực"}]
    label, snippet = hl.best_article(arts)
    assert label == "Điều 3"
    assert snippet == "<mark>miễn</mark> <mark>thị</mark> <mark>thực</mark> cho hộ chiếu <mark>ngoại</mark> <mark>giao</mark>"
    # no article has every word: the one with the most words, then most matches, then the first
    hl2 = Highlighter(parse("miễn ngoại hiệp"))
    assert hl2.best_article(arts[:2] + [{"label": "Điều 9", "text": "ngoại ngoại"}])[0] == "Điều 9"
    assert hl2.best_article(arts[:2] + [{"label": "Điều 9", "text": "ngoại"}])[0] == "Điều 1"


WORDS = ["thị", "thực", "miễn", "hiệp", "định", "thư", "Ca-dắc-xtan", "Kazakhstan", "108/2016/QH13", "đầu", "tư",
         "ꙮ", "a", "b", ",", ".", "\n"]


@settings(max_examples=300, deadline=None)
@given(q=st.sampled_from(['"thị thực" thực', '"miễn thị"', "thực", "hiệp định thư", '"đầu tư" ca-dắc-xtan',
                          "Kazakstan", "108/2016/QH13", "mie", '"a ꙮ b"', "ꙮ", '"thư miễn"']),
       arts=st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), min_size=1, max_size=6))
def test_one_pass_article_scan_equals_a_scan_per_article(q, arts):
    """The single regex pass over all the articles finds in each article exactly what a scan bounded to that
    article finds: a phrase never runs from one article into the next."""
    from search.analysis import ARTICLE_SEP, _starts

    hl = Highlighter(parse(q))
    joined = ARTICLE_SEP.join(arts)
    ft = fold_same_len(joined)
    starts = _starts(arts)
    ends = [s - len(ARTICLE_SEP) for s in starts[1:]] + [len(joined)]
    want = [(k, x) for k, (s, e) in enumerate(zip(starts, ends)) for x in hl.exact.scan(ft, s, e)]
    assert list(hl._scan_articles(ft, starts, ends, len(ft))) == want
