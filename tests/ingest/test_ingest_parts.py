"""Several instruments in one file (an agreement, then a later amending protocol): one JSON line, one stored
document and one draft record per instrument. Also the pipeline's fast paths (quality gate, date finder, OCR in
parallel) give the same results as the plain ones, and a 500-page PDF goes through with bounded memory."""
import json
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _paths import CORPUS
from ingest.extract import JSON_KEYS, extract_file, to_json_line, to_json_lines

needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not found")

AGREEMENT_TITLE = ("AGREEMENT BETWEEN THE GOVERNMENT OF THE SOCIALIST REPUBLIC OF VIET NAM AND THE GOVERNMENT OF "
                   "THE REPUBLIC OF SINGAPORE FOR THE AVOIDANCE OF DOUBLE TAXATION")
PROTOCOL_TITLE = ("PROTOCOL AMENDING THE AGREEMENT BETWEEN THE GOVERNMENT OF THE SOCIALIST REPUBLIC OF VIET NAM AND "
                  "THE GOVERNMENT OF THE REPUBLIC OF SINGAPORE FOR THE AVOIDANCE OF DOUBLE TAXATION")


def build_agreement_and_protocol(path: Path, *, integral: bool = False, same_day: bool = False) -> Path:
    """A DOCX (python-docx): an agreement signed at Hanoi on 10 March 2005, then — after its signature block —
    a separately titled and signed protocol amending it (Singapore, 2 June 2012, or the same day)."""
    from docx import Document

    d = Document()
    add = d.add_paragraph
    add(AGREEMENT_TITLE)
    add("The Government of the Socialist Republic of Viet Nam and the Government of the Republic of Singapore,")
    add("Desiring to conclude an Agreement for the avoidance of double taxation,")
    add("Have agreed as follows:")
    articles = [
        ("Personal Scope", "This Agreement shall apply to persons who are residents of one or both of the "
                           "Contracting States."),
        ("Taxes Covered", "This Agreement shall apply to taxes on income imposed on behalf of a Contracting State."),
        ("Exchange of Information", "The competent authorities shall exchange such information as is necessary."),
        ("Entry into Force", "This Agreement shall enter into force on the thirtieth day after the date of the later "
                             "of the notifications by which the Contracting States have notified each other that "
                             "their internal procedures have been completed."),
        ("Termination", "This Agreement shall remain in force until terminated by a Contracting State."),
    ]
    for i, (heading, body) in enumerate(articles, 1):
        add(f"Article {i}")
        add(heading)
        add(body)
    add("IN WITNESS WHEREOF the undersigned, being duly authorised thereto by their respective Governments, have "
        "signed this Agreement.")
    add("DONE in duplicate at Hanoi on 10 March 2005 in the Vietnamese and English languages, both texts being "
        "equally authentic.")
    add("For the Government of the Socialist Republic of Viet Nam")
    add("For the Government of the Republic of Singapore")
    add(PROTOCOL_TITLE)
    add("The Government of the Socialist Republic of Viet Nam and the Government of the Republic of Singapore,")
    add("Desiring to amend the Agreement for the avoidance of double taxation signed at Hanoi on 10 March 2005 "
        "(hereinafter referred to as \"the Agreement\")," +
        (" which shall form an integral part of the Agreement," if integral else ""))
    add("Have agreed as follows:")
    add("Article 1")
    add("Article 3 of the Agreement shall be deleted and replaced by the following: \"The competent authorities "
        "shall exchange such information as is foreseeably relevant.\"")
    add("Article 2")
    add("Entry into Force")
    add("This Protocol shall enter into force on the date of the later of the notifications by which each "
        "Contracting State has notified the other of the completion of its internal procedures.")
    add("IN WITNESS WHEREOF the undersigned, being duly authorised thereto, have signed this Protocol.")
    add(f"DONE in duplicate at {'Hanoi' if same_day else 'Singapore'} on "
        f"{'10 March 2005' if same_day else '2 June 2012'} in the English language.")
    add("For the Government of the Socialist Republic of Viet Nam")
    add("For the Government of the Republic of Singapore")
    d.save(str(path))
    return path


@pytest.fixture()
def two_instruments(tmp_path) -> Path:
    return build_agreement_and_protocol(tmp_path / "agreement-and-protocol.docx")


def test_two_instruments_two_lines(two_instruments):
    res = extract_file(two_instruments)
    lines = to_json_lines(res)
    assert len(lines) == 2
    assert [ln["part"] for ln in lines] == [1, 2]
    assert all(tuple(ln) == JSON_KEYS[:2] + ("part",) + JSON_KEYS[2:] for ln in lines)
    assert lines[0]["file"] == lines[1]["file"] == str(two_instruments)
    assert lines[0]["sha256"] == lines[1]["sha256"] and lines[0]["sha256"]
    one, two = lines
    assert one["title"] == AGREEMENT_TITLE and two["title"] == PROTOCOL_TITLE
    assert (one["instrument_type"], two["instrument_type"]) == ("agreement", "protocol")
    assert (one["signed_date"], one["signed_place"]) == ("2005-03-10", "Hanoi")
    assert (two["signed_date"], two["signed_place"]) == ("2012-06-02", "Singapore")
    assert one["entry_into_force"] == {"rule": "n_days_after_last_notification", "days": 30, "date": None}
    assert two["entry_into_force"]["rule"] == "on_last_notification"
    assert {p["code"] for p in one["parties"]} == {p["code"] for p in two["parties"]} == {"VNM", "SGP"}
    assert one["chars"] + two["chars"] <= res.chars and two["chars"] > 0
    assert any("2 instruments in one file" in w for w in one["warnings"])
    # each part has its own structure
    st1, st2 = res.structure(res.parts[0]), res.structure(res.parts[1])
    assert [a["label"] for a in st1.articles] == [f"Article {n}" for n in range(1, 6)]
    assert [a["label"] for a in st2.articles] == ["Article 1", "Article 2"]
    assert "have signed this Protocol" in st2.final_clauses and "Protocol" not in st1.final_clauses
    # to_json_line alone gives the first instrument's line
    assert to_json_line(res) == one
    json.dumps(lines, ensure_ascii=False)


@pytest.mark.parametrize("integral,same_day", [(True, True)])
def test_integral_protocol_signed_the_same_day_is_an_annex(tmp_path, integral, same_day):
    path = build_agreement_and_protocol(tmp_path / "integral.docx", integral=integral, same_day=same_day)
    res = extract_file(path)
    lines = to_json_lines(res)
    assert len(lines) == 1 and tuple(lines[0]) == JSON_KEYS  # exactly the first-slice keys, no "part"
    assert lines[0]["title"] == AGREEMENT_TITLE and lines[0]["signed_date"] == "2005-03-10"
    st = res.structure()
    assert [x["label"] for x in st.annexes] == ["Protocol"] and st.annexes[0]["title"] == PROTOCOL_TITLE
    assert [a["label"] for a in st.articles] == [f"Article {n}" for n in range(1, 6)]


def test_integral_protocol_signed_later_is_a_separate_instrument(tmp_path):
    path = build_agreement_and_protocol(tmp_path / "later.docx", integral=True, same_day=False)
    lines = to_json_lines(extract_file(path))
    assert [(ln["part"], ln["signed_date"]) for ln in lines] == [(1, "2005-03-10"), (2, "2012-06-02")]


@needs_corpus
@pytest.mark.parametrize("name", ["V03.docx", "V03.pdf"])
def test_v03_stays_one_line(name):
    res = extract_file(CORPUS / "cases" / name, ocr=False)
    lines = to_json_lines(res)
    assert len(lines) == 1 and tuple(lines[0]) == JSON_KEYS and not res.parts
    assert lines[0]["signed_date"] == "1995-01-24" and lines[0]["instrument_type"] == "agreement"


# --- storing ------------------------------------------------------------------------------------------------


def test_store_two_instruments_two_documents_two_drafts(env, two_instruments):
    from sqlmodel import Session, select

    from core.db import get_engine
    from core.models import Instrument, StoredDocument
    from ingest.service import extract_payload, ingest_paths, store_payload

    payload = extract_payload(str(two_instruments))
    assert [p["line"]["part"] for p in payload["parts"]] == [1, 2]
    with Session(get_engine()) as s:
        first = store_payload(s, two_instruments, payload, actor="test")
    assert first["part"] == 1 and [ln["part"] for ln in first["parts"]] == [1, 2]
    rids = [ln["record_id"] for ln in first["parts"]]
    assert all(rids) and rids[0] != rids[1]
    with Session(get_engine()) as s:
        docs = list(s.exec(select(StoredDocument).order_by(StoredDocument.part)))
        assert [(d.part, d.instrument_id) for d in docs] == [(1, rids[0]), (2, rids[1])]
        assert docs[0].sha256 == docs[1].sha256 and docs[0].storage_path == docs[1].storage_path
        assert docs[0].text.startswith("AGREEMENT") and docs[1].text.startswith("PROTOCOL")
        assert [a["label"] for a in docs[0].extraction["articles"]] == [
            "Preamble", "Article 1", "Article 2", "Article 3", "Article 4", "Article 5", "Final clauses"]
        assert all(set(a) == {"label", "heading", "text"} for a in docs[1].extraction["articles"])
        assert docs[1].extraction["line"]["part"] == 2 and docs[1].extraction["instrument"]["part"] == 2
        insts = {i.id: i for i in s.exec(select(Instrument))}
        assert insts[rids[0]].title == AGREEMENT_TITLE and insts[rids[1]].title == PROTOCOL_TITLE
        assert str(insts[rids[1]].signed_date) == "2012-06-02" and insts[rids[1]].record_state == "draft"
    # again: nothing new, one line per stored instrument
    again = list(ingest_paths([two_instruments], actor="test"))
    assert [ln["part"] for ln in again] == [1, 2] and [ln["record_id"] for ln in again] == rids
    assert all(any("already ingested" in w for w in ln["warnings"]) for ln in again)
    dry = list(ingest_paths([two_instruments], dry_run=True))
    assert [ln["part"] for ln in dry] == [1, 2] and "record_id" not in dry[0]


def test_same_instrument_from_another_file_is_flagged(env, corpus):
    """The Word text of a treaty already drafted from its PDF (same title and signing date once folded) still gets
    its draft, with a warning naming the earlier record; a different treaty gets none."""
    from ingest.service import ingest_paths

    first = list(ingest_paths([corpus / "cases" / "A01.pdf"], actor="test"))
    assert first[0]["record_id"] and not any("same instrument" in w for w in first[0]["warnings"])
    second = list(ingest_paths([corpus / "cases" / "A01.docx"], actor="test"))
    rid = second[0]["record_id"]
    assert rid and rid != first[0]["record_id"]
    assert any(f"may be the same instrument as record #{first[0]['record_id']}" in w for w in second[0]["warnings"])
    other = list(ingest_paths([corpus / "cases" / "V02.docx"], actor="test"))
    assert not any("same instrument" in w for w in other[0]["warnings"])


# --- fast paths give the plain results --------------------------------------------------------------------


def _corpus_pages():
    import pypdfium2 as pdfium

    from ingest.pdf import _clean

    for f in sorted((CORPUS / "pdf").glob("*.pdf")) + sorted((CORPUS / "cases").glob("*.pdf")):
        doc = pdfium.PdfDocument(str(f))
        try:
            for i in range(len(doc)):
                page = doc[i]
                tp = page.get_textpage()
                yield _clean(tp.get_text_range())
                tp.close()
                page.close()
        finally:
            doc.close()


SYNTHETIC_PAGES = [
    "", "   \n ", "short", "CQNG HOA XA HQI CHU NGHIA VIET NAM doc lap tu do hanh phuc ngay 30 thang 8 nam 2019 "
    "cua cac theo duoc ngay thang nam dieu khong nhung nay cho voi trong nuoc hoa xa hoi",
    "TTéétteell mmeeggnneevveezzééssee TTéétteell mmeeggnneevveezzééssee plain words here",
    "Vӱ GөQJ v‡ EҧR TXҧQ YұW OLӋX Qә cÙng sử dụng và bảo quản vật liệu",
    "(cid:54)(cid:1250) CÔNG (cid:55)(cid:43) HÒA XÃ", "Text with\x01control\x02chars\x03and more words here ok",
    "Hiệp định này có hiệu lực kể từ ngày ký. Làm tại Hà Nội ngày 22 tháng 11 năm 1994.",
    "The Parties — having agreed — shall co‑operate “in good faith” … § 3 ¶ 2 ½",
    "L¶Accord s¶applique aux zones situées au-delà de la juridiction nationale, d¶un commun accord § 4",
    "a¶b¶c¶d¶e¶f¶g¶h¶i¶j¶k¶l¶m¶n¶o¶p¶ †x‡y mots français très ordinaires ici",
    "Hello world text¶² more words here and there ½¶Ⅻ and ¶",  # '²', '½', 'Ⅻ' are word characters, not letters
    "ˆ " * 11 + "ab",  # 'ˆ' (U+02C6) is odd and a letter: it decides the script
]


@needs_corpus
def test_fast_gate_equals_assess():
    from ingest.pdf import gate
    from ingest.quality import assess

    n = 0
    for text in list(_corpus_pages()) + SYNTHETIC_PAGES:
        for lang in (None, "vi", "en"):
            assert gate(text, lang) == assess(text, lang), (text[:80], lang)
            n += 1
    assert n > 1000


_PIECES = ["va", "của", "Của", "CÁC", "cac", "the", "Agreement", "du-lich", "dự", "thảo", "DỰ", "THẢO", "Dự thảo",
           "Draft", "draft", "DRAFT", "projet", "lần", "số", "2", "v1.2", "(", ")", "[", ":", "—", "‑", "–", "−",
           "ĐIỀU", "İ", "ﬁ", "x²", "đ", "Ð", "ngày", "THANG", "nam", "\u0301", "e\u0301", "Ⅻ", "ο", "du thao", "of", "and",
           "le", "des", "et"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", "", "\n", "-", "  ", "\t"])),
                max_size=30).map(lambda ps: "".join(a + b for a, b in ps)))
def test_fast_text_checks_equal_their_definitions(text):
    """The gate's Vietnamese-word share and the draft-mark check take short cuts (words folded one by one, only
    the lines holding a mark word looked at): they give what the plain definitions give."""
    import re as _re
    import unicodedata as _ud

    from core.text import fold
    from ingest.metadata import _DRAFT_LINE, detect_draft
    from ingest.pdf import _vi_word_share
    from ingest.quality import _VI_WORDS

    toks = [t for t in fold(text).split() if t.isalpha()]
    assert _vi_word_share(text) == (sum(1 for t in toks if t in _VI_WORDS) / len(toks) if toks else 0.0)

    def plain_draft(*texts):
        for t in texts:
            t = _ud.normalize("NFC", t)
            if any(len(ln) <= 40 and _DRAFT_LINE.match(ln) for ln in t.split("\n")):
                return True
            if _re.search(r"\bDỰ\s*THẢO\b|\bDRAFT\b", t):
                return True
        return False

    assert detect_draft(text) == plain_draft(text)
    assert detect_draft("", text) == plain_draft("", text)

    from ingest.metadata import guess_language
    from ingest.quality import guess_language as guess_plain
    assert guess_language(text) == guess_plain(text)


_SIG_PIECES = ["For the Government", "FOR THE ", "for the State", "Thay mặt", "THAY MẶT", "T.M.", "TM.", "tm ",
               "Đại diện", "ĐẠI DIỆN", "Ðại diện", "On behalf of", "ON BEHALF OF", "the", "fo", "f", "t", "d", "o",
               "-", " ", ".", "İ", "\u0301", "ô", "Ô", "Ơ", "ƒ", "ﬀ", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_SIG_PIECES), max_size=5).map("".join), max_size=12))
def test_signature_lines_prefilter_keeps_every_signature_line(lines):
    """The signature-line finder skips lines by their first two characters: it keeps exactly the lines the plain
    rule keeps (folded line starting with a signing formula)."""
    from ingest.metadata import _signature_lines, fold, fold_fast

    def plain(ls):
        out = []
        for ln in ls:
            if not ln or len(ln) >= 200:
                continue
            if fold(ln[0])[:1] not in ("f", "t", "d", "o"):
                continue
            if fold_fast(ln[:60]).startswith(("for the government", "for the royal government", "thay mat", "tm.",
                                              "t.m.", "for the state", "dai dien", "on behalf of", "for the ")):
                out.append(ln)
        return out

    lines = [ln.strip() for ln in lines]
    assert _signature_lines(lines) == plain(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["enter into force", "có hiệu lực", "This Agreement shall", " ", ".", ";", "\n",
                                 "x", "take effect", "ngày", "30", "days"]), max_size=40).map("".join))
def test_sentences_with_equals_its_plain_form(text):
    """The sentences around the matches, cut after the last '.', ';' or line end before each match (looked for
    only back to what is done): the same as looking back over the whole text."""
    from ingest.metadata import _EIF_VERB, _SENTENCE_RE, _ifinditer, _sentences_with

    def plain(text, rx):
        out, done_to = [], 0
        for m in _ifinditer(rx, text):
            hs, he = m.start(), max(m.end(), m.start() + 1)
            pos = max(text.rfind(".", 0, hs), text.rfind(";", 0, hs), text.rfind("\n", 0, hs)) + 1
            pos = max(pos, done_to)
            while pos < he:
                sm = _SENTENCE_RE.search(text, pos)
                if sm is None or sm.start() >= he or sm.end() == sm.start():
                    break
                if sm.end() > hs and sm.group(0).strip():
                    out.append((sm.start(), sm.group(0).strip()))
                pos = sm.end()
            done_to = max(done_to, pos)
        return out

    assert _sentences_with(text, _EIF_VERB) == plain(text, _EIF_VERB)


@needs_corpus
def test_windowed_dates_equal_full_scan():
    from ingest.dates import find_dates as full
    from ingest.metadata import _flow, find_dates, fold_fast, guess_language
    from ingest.quality import guess_language as guess_plain
    from core.text import fold

    for rel in ("pdf/un-unclos-1982-en.pdf", "pdf/eu-vn-evfta-protocol1-rules-of-origin-en.pdf",
                "docx/vn-nghi-dinh-146-2025-ND-CP.docx", "cases/V02.docx", "cases/V04.docx"):
        text = extract_file(CORPUS / rel, ocr=False).text
        for t in (text, _flow(text)):
            key = [(d.start, d.end, d.value, d.raw, d.kind, d.noisy) for d in full(t)]
            assert [(d.start, d.end, d.value, d.raw, d.kind, d.noisy) for d in find_dates(t)] == key, rel
        assert fold_fast(text[:50000]) == fold(text[:50000])
        assert guess_language(text) == guess_plain(text)


# --- OCR in parallel ------------------------------------------------------------------------------------------


def test_ocr_runs_pages_in_parallel_and_keeps_page_order(tmp_path, monkeypatch):
    """Six image-only pages, OCR mocked (no tesseract needed): pages overlap in time across workers and each
    page gets its own text."""
    import ingest.pdf as pdfmod
    from ingest_builders import make_pdf

    path = make_pdf(tmp_path / "blank6.pdf", ["x"] * 6)
    live = {"now": 0, "max": 0}
    lock = threading.Lock()

    def fake_render(p, index, dpi, dest, extra_rotation=0):
        dest.write_text(f"page-{index}")
        return dest

    def fake_ocr(image, langs, timeout=180.0, psm=3):
        with lock:
            live["now"] += 1
            live["max"] = max(live["max"], live["now"])
        time.sleep(0.05)
        with lock:
            live["now"] -= 1
        return f"Đây là trang {image.read_text()} của văn bản đã được nhận dạng bằng OCR.", 0.9, None

    monkeypatch.setattr(pdfmod, "ocr_available", lambda: True)
    monkeypatch.setattr(pdfmod, "tesseract_languages", lambda: frozenset({"vie", "eng", "osd"}))
    monkeypatch.setattr(pdfmod, "_render_page", fake_render)
    streams: list[str] = []

    class FakeStream:
        def __init__(self, langs, psm=3):
            streams.append(langs)

        def read(self, image, timeout=180.0):
            return fake_ocr(image, "vie+eng")

        def shutdown(self):
            pass

    monkeypatch.setattr(pdfmod, "ocr_image", fake_ocr)
    monkeypatch.setattr(pdfmod, "TesseractStream", FakeStream)
    # every page: "x" alone is an empty text layer with a text object → OCR
    res = pdfmod.extract_pdf(path, ocr_workers=3)
    assert [p.method for p in res.pages] == ["ocr"] * 6
    assert [t.split()[3] for t in res.page_texts] == [f"page-{i}" for i in range(6)]
    assert live["max"] >= 2
    assert 2 <= len(streams) <= 3  # a tesseract process per worker thread, not per page
    res1 = pdfmod.extract_pdf(path, ocr_workers=1)
    assert res1.page_texts == res.page_texts
    # a process that fails a page: the page is read once more on its own, nothing lost
    monkeypatch.setattr(FakeStream, "read", lambda self, image, timeout=180.0: ("", None, "OCR failed: boom"))
    assert pdfmod.extract_pdf(path, ocr_workers=2).page_texts == res.page_texts


# --- a long PDF -----------------------------------------------------------------------------------------------


def make_long_pdf(path: Path, pages: int = 500) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 11)
        y = 800
        c.drawString(60, y, f"Article {n}")
        for k in range(30):
            y -= 18
            c.drawString(60, y, f"Line {k} of page {n}: the Parties shall cooperate in good faith under this Agreement.")
        c.showPage()
    c.save()
    return path


def test_500_page_pdf_completes(tmp_path):
    path = make_long_pdf(tmp_path / "long.pdf", 500)
    res = extract_file(path)
    line = to_json_line(res)
    assert line["status"] == "ok" and line["pages"] == 500 and line["chars"] > 0
    assert len(res.pages) == 500
    assert len(res.structure().articles) == 500
