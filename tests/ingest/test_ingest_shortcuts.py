"""The ingest pipeline's short cuts give exactly what their plain forms give: the finders tried only where their
first words begin, the sentences cut around anchor words, the legacy-encoding check judged token by token, the
gate's verdict kept where no language hint can change it, and PDFium pages read on a thread of their own."""
import re
import threading
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _paths import CORPUS

# words of signature, entry-into-force, language, duration and draft clauses, in several cases and both languages,
# with what breaks or stretches a match: runs of spaces (150 of them too), line ends, punctuation, glued words
_WORDS = ["done", "DONE", "Done", "signed", "made", "opened", "for signature", "at", "in", "Hanoi", "Hà Nội", "on",
          "this", "the", "This Agreement", "Agreement", "Memorandum", "was", "is", "signed on", "shall", "enter",
          "enters", "entered", "into", "force", "come", "comes", "become", "effective", "take", "effect", "be",
          "valid", "có", "hiệu", "lực", "bắt", "đầu", "Có Hiệu Lực", "làm", "Làm", "tại", "ngày", "ký", "Ký", "lập",
          "được lập thành", "ký kết", "hiệp định", "Hiệp định này", "bản ghi nhớ", "thỏa thuận", "nghị định thư",
          "remain in force", "in force", "for", "within", "a period of", "five", "(5)", "years", "year", "have effect",
          "automatically", "be renewed", "extended", "tacitly renewed", "tự động", "được", "gia hạn", "mặc nhiên",
          "dự thảo", "DỰ THẢO", "Dự", "thảo", "du", "thao", "draft", "DRAFT", "projet", "in duplicate", "two", "copies",
          "originals", "identical", "counterparts", "texts", "being", "equally", "authentic", "English",
          "Vietnamese", "languages", "language", "giá trị", "pháp lý", "như nhau", "thứ tiếng", "bằng tiếng",
          "viết bằng", "10", "2019", "30th", "day of", "x", "İ", "ﬁ", "ß", "é"]
# whole clauses too (each pattern's forms), so that matches are common
_CLAUSES = ["DONE at Hanoi on 10", "opened for signature at New York on 5", "Signed in duplicate at Hà Nội, this 30th",
            "made in two identical copies at Geneva, on", "làm tại Hà Nội, ngày 5", "Ký tại Bắc Kinh ngày",
            "được lập thành hai bản tại Viêng Chăn ngày", "valid for a period of five (5) years",
            "remain in force for 10 years", "in force during ten years", "shall be automatically renewed",
            "automatically extended", "tự động được gia hạn", "mặc nhiên gia hạn", "DỰ THẢO", "Dự   thảo", "du thao",
            "this Agreement was signed on", "the Memorandum is signed in", "Hiệp định này được ký ngày",
            "done in two copies, this 5", "Done this", "shall enter into force on", "comes into force", "có hiệu lực",
            "in five copies", "texts being equally authentic", "giá trị pháp lý như nhau", "bằng tiếng Việt"]
_SEPS = [" ", " ", " ", "", "  ", "\n", "\t", " " * 150, "\n\n", ".", ";", ",", "-", " , "]
texts = st.lists(st.tuples(st.sampled_from(_WORDS + _CLAUSES), st.sampled_from(_SEPS)), max_size=40).map(
    lambda ps: unicodedata.normalize("NFC", "".join(a + b for a, b in ps)))


def _spans(ms):
    return [(m.start(), m.end(), m.group(0)) for m in ms]


@settings(max_examples=500, deadline=None)
@given(texts)
def test_finders_from_their_first_words_equal_finditer(text):
    from ingest import metadata as M

    M._clear_caches()
    # case-insensitive patterns on the text (their first words looked for in the lower-cased text)
    for rx, keys in ((M._DONE_EN, M._DONE_EN_KEYS), (M._DONE_VI, M._DONE_VI_KEYS)):
        assert _spans(M._finditer_from(rx, keys, text)) == _spans(rx.finditer(text)), rx.pattern[:40]
    # patterns run over the lower-cased text
    low = text.lower()
    for rx, keys in ((M._VALID_FOR, M._VALID_FOR_STARTS), (M._RENEWED, M._RENEWED_STARTS),
                     (M._DRAFT_WORD, M._DRAFT_STARTS)):
        assert _spans(M._matches_from(rx, low, keys)) == _spans(rx.finditer(low)), rx.pattern[:40]
    for rx, keys in ((M._DONE_BARE, ("done",)), (M._SIGNED_ON, M._SIGNED_ON_STARTS)):
        assert _spans(M._ifinditer_from(rx, text, keys)) == _spans(M._ifinditer(rx, text)), rx.pattern[:40]
    M._clear_caches()


@settings(max_examples=500, deadline=None)
@given(texts)
def test_sentences_around_anchor_words_keep_every_matching_sentence(text):
    """Cut around the anchor words, then checked with the pattern (as the finders do): exactly the sentences of
    the text in which the pattern finds something."""
    from ingest import metadata as M

    M._clear_caches()
    for rx, anchors in ((M._EIF_VERB, M._EIF_ANCHORS), (M._LANG_CONTEXT, M._LANG_ANCHORS)):
        got = [(a, s) for a, s in M._sentences_with(text, rx, anchors) if rx.search(s)]
        assert got == [(a, s) for a, s in M._sentences(text) if rx.search(s)], rx.pattern[:40]
    M._clear_caches()


def test_anchor_words_hold_in_every_match():
    """Each anchor tuple covers its pattern: every alternative of the pattern holds (or begins with) one."""
    from ingest import metadata as M

    samples = {
        M._EIF_VERB: ["enters  into\n force", "come into force", "become effective", "take effect", "be valid",
                      "có hiệu lực", "bắt đầu có  hiệu lực"],
        M._LANG_CONTEXT: ["done", "làm", "lập thành", "viết bằng", "bằng tiếng", "thứ tiếng", "in five copies",
                          "in twenty originals", "texts being equally authentic", "equally authentic",
                          "giá trị pháp lý như nhau", "language"],
    }
    anchors = {M._EIF_VERB: M._EIF_ANCHORS, M._LANG_CONTEXT: M._LANG_ANCHORS}
    for rx, ss in samples.items():
        for s in ss:
            m = rx.search(s)
            assert m, s
            assert any(a in m.group(0).lower() for a in anchors[rx]), s


def _detect_legacy_plain(text):
    """``detect_legacy`` as it was defined before it was judged token by token (the oracle)."""
    from ingest.legacy import (_LEFTOVER, _count_in, _legacy_counts, tcvn3_to_unicode, vietnamese_syllable_ratio,
                               vni_to_unicode)

    if not text or text.isascii():
        return None
    chars = set(text)
    tc, vni, uni = _legacy_counts(text, chars)
    letters = sum(text.count(c) for c in chars if c.isalpha()) or 1
    if uni > 0.02 * letters:
        return None
    if max(tc, vni) < 2:
        return None
    before = vietnamese_syllable_ratio(text)
    best, best_score = None, before + 0.15
    for name, conv, count in (("tcvn3", tcvn3_to_unicode, tc), ("vni", vni_to_unicode, vni)):
        if count < 2:
            continue
        converted = conv(text)
        leftover = _count_in(converted, set(converted), _LEFTOVER)
        score = vietnamese_syllable_ratio(converted) - leftover / letters
        if score > best_score and score >= 0.5:
            best, best_score = name, score
    return best


_LEGACY_PIECES = ["Céng", "hßa", "x·", "héi", "chñ", "nghÜa", "ViÖt", "Nam", "tØnh", "Lµo", "Cai", "Coäng", "hoøa",
                  "xaõ", "hoäi", "chuû", "nghóa", "Vieät", "café", "à", "la", "française", "naïve", "façade", "Übereinkommen",
                  "Für", "cộng", "hòa", "Việt", "the", "and", "¸", "µ", "ø", "ô", "ö", "ñ", "\u00ad", "x", "12"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_LEGACY_PIECES), st.sampled_from([" ", "", "\n", "-", "  ", "\xa0"])),
                max_size=40).map(lambda ps: "".join(a + b for a, b in ps)))
def test_legacy_detection_token_by_token_equals_its_plain_form(text):
    from ingest.legacy import detect_legacy

    assert detect_legacy(text) == _detect_legacy_plain(text)


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not found")
def test_legacy_detection_on_corpus_pages_equals_its_plain_form():
    from test_ingest_parts import _corpus_pages

    from ingest.legacy import detect_legacy

    n = 0
    for page in _corpus_pages():
        assert detect_legacy(page) == _detect_legacy_plain(page)
        n += 1
    assert n > 400


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not found")
def test_gate_verdict_said_hint_free_is_the_same_with_any_hint():
    from test_ingest_parts import SYNTHETIC_PAGES, _corpus_pages

    from ingest.pdf import _gate, gate

    free = 0
    pages = list(_corpus_pages()) + SYNTHETIC_PAGES + [
        "CONG HOA XA HOI CHU NGHIA VIET NAM doc lap tu do hanh phuc " * 3,  # Vietnamese without marks
        "The Parties shall co-operate in good faith. " * 3]
    for text in pages:
        q, hint_free = _gate(text, None, None)
        assert q == gate(text)
        if hint_free:
            free += 1
            for hint in ("vi", "en", "fr"):
                assert gate(text, hint) == q, (text[:60], hint)
    assert free > 50  # (the pages with Vietnamese letters, and the short ones)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \n\t\xa0ab.\u3000", max_size=80), st.integers(0, 30))
def test_nonspace_at_least_equals_its_definition(text, n):
    from ingest.pdf import _nonspace_at_least

    assert _nonspace_at_least(text, n) == (len(text) >= n and len("".join(text.split())) >= n)


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not found")
def test_page_reader_thread_gives_the_pages_in_order_and_stops_when_left():
    import pypdfium2 as pdfium

    from ingest.pdf import _PageReader, _read_page

    path = CORPUS / "pdf" / "un-fish-stocks-agreement-1995-en.pdf"
    doc = pdfium.PdfDocument(str(path))
    try:
        serial = [_read_page(doc, i) for i in range(len(doc))]
        with _PageReader(doc, len(doc)) as pages:
            assert pages._thread is not None
            threaded = list(pages)
        assert threaded == serial
        # leaving the block early: the thread stops after the page it reads, before the document is closed
        with _PageReader(doc, len(doc)) as pages:
            it = iter(pages)
            first = [next(it), next(it)]
            thread = pages._thread
        assert not thread.is_alive()
        assert first == serial[:2]
        # a short document is read in the caller's thread
        with _PageReader(doc, 2) as pages:
            assert pages._thread is None
            assert list(pages) == serial[:2]
    finally:
        doc.close()


def test_page_reader_hands_a_failure_to_the_caller(monkeypatch):
    from ingest import pdf as P

    def boom(doc, i):
        if i == 3:
            raise MemoryError("no memory for page 4")
        return (f"page {i}", 0, 0, 0, 0.0, None, None)

    monkeypatch.setattr(P, "_read_page", boom)
    got = []
    with pytest.raises(MemoryError, match="page 4"):
        with P._PageReader(object(), 10) as pages:
            for item in pages:
                got.append(item[0])
    assert got == ["page 0", "page 1", "page 2"]
    assert not any(t.name == "pdfium-pages" and t.is_alive() for t in threading.enumerate())


# the signature patterns before their white-space runs were made possessive (the oracle)
_PLACE_OLD = r"(?P<place>[A-ZĐÀ-Ỹa-zđà-ỹ][\w .'’\-]{1,40}?)"
_DONE_EN_OLD = re.compile(
    r"\b(?:done|signed|made|opened\s+for\s+signature)\s*(?:in\s+(?:duplicate|triplicate|quadruplicate|\w+\s+(?:identical\s+)?"
    r"(?:copies|originals|counterparts))\s*,?\s*)?(?:at|in)\s*,?\s*" + _PLACE_OLD +
    r"\s*(?:,\s*[A-Z][\w .]{1,25}?)?\s*(?:,\s*)?(?=\s*(?:on|this|the)\b|\s*,?\s*\d{1,2}(?:st|nd|rd|th)?\s|\s*,\s*on\b)",
    re.IGNORECASE)
_DONE_VI_OLD = re.compile(
    r"\b(?:làm|ký|lập|được lập thành|ký kết)(?:[^.\n]{0,40}?)\s+tại\s+" + _PLACE_OLD + r"\s*,?\s*(?=ngày|ngáy|ngảy|ngay)",
    re.IGNORECASE)
_SIG_WORDS = ["DONE", "done", "Signed", "made", "opened for signature", "in", "at", "duplicate", "two", "identical",
              "copies", "originals", "Hanoi", "Hà Nội", "New York", "Geneva", "Viet Nam", "on", "this", "the", "5th",
              "10", "May", "2000", ",", "làm", "ký", "Ký kết", "tại", "ngày", "ngay", "được lập thành", "hai bản", "x"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_SIG_WORDS), st.sampled_from([" ", "  ", "", ",", ", ", "\n", "\t", " " * 7])),
                max_size=16).map(lambda ps: "".join(a + b for a, b in ps)))
def test_possessive_signature_patterns_match_as_before(text):
    from ingest.metadata import _DONE_EN, _DONE_VI

    for new, old in ((_DONE_EN, _DONE_EN_OLD), (_DONE_VI, _DONE_VI_OLD)):
        assert [(m.span(), m.group("place")) for m in new.finditer(text)] == \
            [(m.span(), m.group("place")) for m in old.finditer(text)]


def test_long_space_runs_after_a_signing_place_take_no_time():
    """A run of spaces after "signed at <place>" was split every way between the place and the white-space runs
    after it (seconds for 150 spaces, hours for thousands); in a fresh interpreter, so a hang fails the test."""
    from test_ingest_robustness import _run

    out = _run("from ingest.metadata import find_signature, extract_metadata\n"
               "t = 'MADONE signed at Hanoi' + ' ' * 5000 + 'openedone' + ' ' * 5000 + 'Điều 15. Hiệu lực;\\n'\n"
               "t += 'Làm tại Hà Nội' + ' ' * 5000 + 'x\\nDONE at Geneva   on 5 May 2000.'\n"
               "print(find_signature(t).date, extract_metadata(t).signed_date)", timeout=60)
    assert out.split() == ["2000-05-05", "2000-05-05"]
