"""Structure of an instrument's text: preamble, chapters, articles, final clauses, annexes; tables of contents
skipped; cross-references at line starts not taken for headings; several instruments in one text."""
from functools import lru_cache

import pytest

from _paths import CORPUS
from ingest.articles import search_chunks, split_articles
from ingest.extract import extract_file
from ingest.structure import Structure, instruments, search_articles, split


@lru_cache(maxsize=None)
def _text(rel: str) -> str:
    return extract_file(CORPUS / rel, ocr=False).text


needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not found")

VI_LAW_LIKE = """HIỆP ĐỊNH
GIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM VÀ CHÍNH PHỦ NƯỚC CỘNG HÒA X
VỀ HỢP TÁC VẬN TẢI ĐƯỜNG BỘ
MỤC LỤC
Chương I. Quy định chung ........................ 1
Điều 1. Phạm vi áp dụng ......................... 1
Điều 2. Giải thích từ ngữ ....................... 2
Chương II. Vận tải hành khách ................... 3
Điều 3. Tuyến vận tải ........................... 3
Phụ lục 1. Danh mục tuyến ....................... 5
Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ nước Cộng hòa X (sau đây gọi là "hai Bên"),
Nhằm thúc đẩy hợp tác vận tải đường bộ giữa hai nước,
Đã thỏa thuận như sau:
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi áp dụng
Hiệp định này áp dụng đối với vận tải hành khách và hàng hóa bằng đường bộ giữa hai nước,
theo quy định tại Điều 3 của Hiệp định này.
Điều 2. Giải thích từ ngữ
Trong Hiệp định này, các từ ngữ dưới đây được hiểu như sau:
a) "Phương tiện" là xe ô tô;
b) "Người lái xe" là người điều khiển phương tiện.
Chương II
VẬN TẢI HÀNH KHÁCH
Điều 3. Tuyến vận tải
1. Các tuyến vận tải được quy định tại Phụ lục 1 của Hiệp định này.
2. Việc điều chỉnh tuyến thực hiện theo
Điều 5 của Hiệp định khung năm 2001.
Để làm bằng, những người ký tên dưới đây, được sự ủy quyền của Chính phủ nước mình, đã ký Hiệp định này.
Làm tại Hà Nội, ngày 10 tháng 3 năm 2015, thành hai bản, mỗi bản bằng tiếng Việt và tiếng X.
THAY MẶT CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
THAY MẶT CHÍNH PHỦ NƯỚC CỘNG HÒA X
Phụ lục 1
DANH MỤC TUYẾN VẬN TẢI
1. Hà Nội - Lạng Sơn - Nam Ninh.
2. Hải Phòng - Móng Cái - Đông Hưng.
"""

EN_MIXED = """CONVENTION ON SOMETHING
CONTENTS
Page
PREAMBLE . . . . . . . . . . . . . . . . . . . . 1
PART I. GENERAL . . . . . . . . . . . . . . . . . 2
Article 1. Use of terms and scope . . . . . . . 2
Article 2. Legal status of the territorial
sea, of the air space over the
territorial sea . . . . . . . . . . . . . . . . 3
ANNEX I. LIST OF SPECIES . . . . . . . . . . . 9

1
PREAMBLE
The States Parties to this Convention,
Noting the need for cooperation,
Have agreed as follows:
PART I
GENERAL
Article premier
Use of terms and scope
1. For the purposes of this Convention "State" means a State.
2. The provisions of
Article 5 of the Charter apply.
Article 2
Legal status of the territorial sea, of the air space over the
territorial sea and of its bed and subsoil
The sovereignty of a coastal State extends, as referred to in
Article 6 (Definitions), to the territorial sea.
Article 3
Deposit
This Convention shall be deposited with the Secretary-General.
IN WITNESS WHEREOF, the undersigned, being duly authorized thereto, have signed this Convention.
DONE AT GENEVA, this tenth day of December, one thousand nine hundred and eighty-two.
ANNEX I. LIST OF SPECIES
1. Albacore tuna.
2. Bluefin tuna.
APPENDIX
Further species.
"""


def test_vietnamese_chapters_articles_annex_and_toc():
    st = split(VI_LAW_LIKE)
    assert [a["label"] for a in st.articles] == ["Điều 1", "Điều 2", "Điều 3"]  # TOC lines and the wrapped
    # cross-reference "Điều 5 của Hiệp định khung" are not articles
    assert [a["heading"] for a in st.articles] == ["Phạm vi áp dụng", "Giải thích từ ngữ", "Tuyến vận tải"]
    assert [a["chapter"] for a in st.articles] == ["Chương I", "Chương I", "Chương II"]
    assert [(c["label"], c["title"], c["level"]) for c in st.chapters] == [
        ("Chương I", "QUY ĐỊNH CHUNG", 1), ("Chương II", "VẬN TẢI HÀNH KHÁCH", 1)]
    assert st.preamble.startswith("Chính phủ nước Cộng hòa") and st.preamble.endswith("Đã thỏa thuận như sau:")
    assert "MỤC LỤC" not in st.preamble and "...." not in st.preamble
    assert st.final_clauses.startswith("Để làm bằng") and "Làm tại Hà Nội" in st.final_clauses
    assert "THAY MẶT" in st.final_clauses and "Phụ lục" not in st.final_clauses
    assert [(x["label"], x["title"]) for x in st.annexes] == [("Phụ lục 1", "DANH MỤC TUYẾN VẬN TẢI")]
    assert "Hà Nội - Lạng Sơn" in st.annexes[0]["text"]
    assert "Điều 5 của Hiệp định khung" in st.articles[2]["text"]  # the cross-reference stays in the text
    assert len(st.instruments) == 1 and st.instruments[0]["start"] == 0
    assert st.toc and VI_LAW_LIKE[st.toc[0][0]:st.toc[0][1]].startswith("MỤC LỤC")


def test_english_toc_preamble_cross_references_and_annexes():
    st = split(EN_MIXED)
    assert [a["label"] for a in st.articles] == ["Article 1", "Article 2", "Article 3"]  # "Article premier" = 1
    assert st.articles[0]["heading"] == "Use of terms and scope"
    assert st.articles[1]["heading"] == ("Legal status of the territorial sea, of the air space over the "
                                         "territorial sea and of its bed and subsoil")
    assert "Article 6 (Definitions), to the territorial sea" in st.articles[1]["text"]
    assert st.articles[0]["chapter"] == "Part I"
    assert st.chapters == [{"label": "Part I", "title": "GENERAL", "level": 1}]
    assert st.preamble.startswith("The States Parties") and st.preamble.endswith("Have agreed as follows:")
    assert st.final_clauses.startswith("IN WITNESS WHEREOF") and "DONE AT GENEVA" in st.final_clauses
    assert [(x["label"], x["title"]) for x in st.annexes] == [("Annex I", "LIST OF SPECIES"), ("Appendix", None)]
    assert "Bluefin tuna" in st.annexes[0]["text"] and "Further species" not in st.annexes[0]["text"]


@pytest.mark.parametrize("kw,label", [("Artículo", "Artículo"), ("Статья", "Статья"), ("ARTICLE", "Article"),
                                      ("ĐIỀU", "Điều"), ("Article", "Article")])
def test_article_keywords(kw, label):
    text = (f"{kw} 1\nScope\nThis applies.\n{kw} 2\nDefinitions\nTerms.\n{kw} 3\nEntry\nIt enters.\n"
            "SCHEDULE 1\nRates\n5 per cent.\nLIST\nProjects\n")
    st = split(text)
    assert [a["label"] for a in st.articles] == [f"{label} 1", f"{label} 2", f"{label} 3"]
    assert [x["label"] for x in st.annexes] == ["Schedule 1", "List"]


def test_numbers_run_upwards():
    text = ("Article 1\nScope\nThis applies.\nArticle 2\nTerms\nSee below.\n"
            "Article 17\nA stray heading-like line far ahead.\nArticle 3\nEntry\nIt enters.\n")
    assert [a["label"] for a in split(text).articles] == ["Article 1", "Article 2", "Article 3"]


def test_search_shape_and_compat():
    st = split(EN_MIXED)
    chunks = search_articles(st)
    assert all(set(c) == {"label", "heading", "text"} for c in chunks)
    assert [c["label"] for c in chunks] == ["Preamble", "Article 1", "Article 2", "Article 3", "Final clauses",
                                            "Annex I", "Appendix"]
    assert search_chunks(EN_MIXED) == chunks
    arts = split_articles(EN_MIXED)
    assert [a["label"] for a in arts] == ["Article 1", "Article 2", "Article 3"]
    assert all(set(a) == {"label", "heading", "text"} for a in arts)
    # a text without articles gives search nothing to split: it reads the whole text
    assert search_articles(split("Excellency,\nI have the honour to confirm the following.\n")) == []
    assert split("") == Structure(instruments=[{"part": 1, "start": 0, "end": 0, "title": None}])


@needs_corpus
def test_unclos_toc_skipped():
    st = split(_text("pdf/un-unclos-1982-en.pdf"))
    labels = [a["label"] for a in st.articles]
    assert labels[0] == "Article 1" and labels[-1] == "Article 320" and len(labels) == 320
    assert st.articles[0]["heading"] == "Use of terms and scope"
    assert st.preamble.startswith("The States Parties to this Convention")
    assert st.chapters[0] == {"label": "Part I", "title": "INTRODUCTION", "level": 1}
    assert [x["label"] for x in st.annexes][:9] == ["Annex I", "Annex II", "Annex III", "Annex IV", "Annex V",
                                                    "Annex VI", "Annex VII", "Annex VIII", "Annex IX"]
    assert st.final_clauses.startswith("IN WITNESS WHEREOF")
    assert st.toc and st.toc[0][0] < 100  # the long table of contents at the start


@needs_corpus
@pytest.mark.parametrize("rel", ["cases/V03.docx", "cases/V03.pdf"])
def test_v03_protocol_is_part_of_the_agreement(rel):
    text = _text(rel)
    st = split(text)
    assert len(st.instruments) == 1 and len(instruments(text)) == 1
    assert [a["label"] for a in st.articles] == [f"Article {n}" for n in range(1, 31)]
    assert st.articles[0]["heading"] == "Personal Scope"
    assert [x["label"] for x in st.annexes] == ["Protocol"]
    assert "integral part of the Agreement" in st.annexes[0]["text"]
    assert st.preamble.endswith("Have agreed as follows:")
    assert "have signed this Agreement" in st.final_clauses and "Protocol" not in st.final_clauses


@needs_corpus
@pytest.mark.parametrize("rel,n_articles,annexes", [
    ("pdf/un-bbnj-agreement-2023-en.pdf", 76, ["Annex I", "Annex II"]),
    ("pdf/un-fish-stocks-agreement-1995-en.pdf", 50, ["Annex I", "Annex II"]),
    ("pdf/eu-vn-evfta-protocol1-rules-of-origin-en.pdf", 37, ["Annex I", "Annex II", "Annex III", "Annex IV",
                                                              "Annex V"]),
    ("cases/V02.docx", 32, []),
    ("cases/V05.docx", 23, []),
    ("cases/A03.docx", 5, []),
])
def test_corpus_structures(rel, n_articles, annexes):
    text = _text(rel)
    st = split(text)
    assert len(st.articles) == n_articles
    assert [x["label"] for x in st.annexes] == annexes
    assert len(instruments(text)) == 1


@needs_corpus
def test_no_corpus_file_splits_into_instruments():
    from ingest.extract import iter_files

    for f in iter_files([CORPUS / "cases", CORPUS / "pdf", CORPUS / "docx", CORPUS / "notices"]):
        text = extract_file(f, ocr=False).text
        assert len(instruments(text)) == 1, f
