"""PDF extraction: page quality gate, rotation, bad files, page limit, and (slow) OCR."""
import shutil
from pathlib import Path

import pytest

from ingest.extract import extract_file, sniff, to_json_line
from ingest.pdf import extract_pdf, ocr_available
from ingest.quality import assess, undouble
from ingest_builders import make_pdf

needs_ocr = pytest.mark.skipif(not ocr_available(), reason="tesseract not installed")

VI_PAGE = ("HIỆP ĐỊNH\nGIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVÀ CHÍNH PHỦ NHẬT BẢN\n"
           "Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam và Chính phủ Nhật Bản,\n"
           "Điều 1. Hiệp định này có hiệu lực kể từ ngày ký.\n"
           "Làm tại Hà Nội, ngày 22 tháng 11 năm 1994, thành hai bản bằng tiếng Việt và tiếng Nhật.")


# --- quality gate on text alone -------------------------------------------------------------------

def test_gate_empty_and_cid():
    assert assess("").problem == "empty"
    q = assess("(cid:54)(cid:1250) CÔNG (cid:55)(cid:43)(cid:1264) HÒA XÃ (cid:43)(cid:1262)")
    assert q.problem == "cid" and not q.usable


def test_gate_mojibake_from_wrong_tounicode():
    # pdfium output of vn-sct-laocai-ke-hoach-1105-broken-tounicode.pdf
    q = assess("6Ӣ C‘NG 7+ѬѪ1* &Ӝ1* H“A XÃ +Ӝ, &+Ӫ 1*+Ƭ$ 9,ӊ7 NAM trong Vӱ GөQJ v‡ EҧR TXҧQ YұW OLӋX Qә cÙng")
    assert q.problem == "mojibake" and q.score < 0.6
    q = assess("ɋɈȽɅȺɒȿɇɂȿɇȺȻȺɁȿɄɈɇȼȿɇɐɂɂ ɈȻɔȿȾɂɇȿɇɇɕɏɇȺɐɂɃɉɈɆɈɊɋɄɈɆɍɉɊȺȼɍɈ")
    assert q.problem == "mojibake"
    q = assess("᱗㑋⼰⺛⼄䂔ⳉ⹌䊝᱘㻣⺛コ⹽㻞ⳗ㸈 䄵㶃㤙䈓⼄䂔㪛㹐ⱁ䂚㾵⭥䂙⿅⼮ ㋪⧷㿙㏜䇤㾎Ⰹ")
    assert q.problem == "mojibake"


def test_gate_vietnamese_without_diacritics():
    q = assess("CQNG HOA XA HQI CHU NGHIA VIET NAM\nDoc lap - Tu do - Hanh phuc\n"
               "QUYET DINH ve viec ban hanh quy che cua Bo ngdy 30 thdng 8 ndm 2019 theo quy dinh")
    assert q.problem == "no_diacritics" and not q.usable


def test_gate_good_text():
    assert assess(VI_PAGE).usable and assess(VI_PAGE).problem is None
    assert assess("This Agreement shall enter into force on the date of its signature.").usable


def test_fake_bold_doubling_repaired():
    q = assess("TTéétteell mmeeggnneevveezzééssee HHIIỆỆPP ĐĐỊỊNNHH")
    assert q.problem == "doubled"
    assert undouble("HHIIỆỆPP ĐĐỊỊNNHH GGIIỮỮAA")[0] == "HIỆP ĐỊNH GIỮA"


# --- real PDFs built in the test --------------------------------------------------------------------

def test_text_pdf_per_page_info(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [VI_PAGE, "Trang hai: nội dung tiếp theo của Hiệp định."])
    r = extract_pdf(path, ocr=False)
    assert r.error is None and r.page_count == 2
    assert [p.method for p in r.pages] == ["text", "text"]
    assert all(p.quality == 1.0 for p in r.pages)
    line = to_json_line(extract_file(path))
    assert line["title"].startswith("HIỆP ĐỊNH GIỮA CHÍNH PHỦ")
    assert line["signed_date"] == "1994-11-22" and line["signed_place"] == "Hà Nội"
    assert line["entry_into_force"] == {"rule": "on_signature", "days": None, "date": "1994-11-22"}
    assert line["authentic_languages"] == ["vi", "ja"]
    assert line["pages"] == 2 and line["ocr"] is False


def test_rotated_page_reads_in_order(tmp_path):
    text = ("PHỤ LỤC\nTuyến đường số 1: Hà Nội - Lạng Sơn - Nam Ninh\n"
            "Tuyến đường số 2: Lào Cai - Hà Khẩu - Côn Minh\nTuyến đường số 3: Móng Cái - Đông Hưng")
    path = make_pdf(tmp_path / "rot.pdf", [text], rotate=90, landscape_text=True)
    r = extract_pdf(path, ocr=False)
    assert r.pages[0].rotation == 90
    assert r.text.split("\n") == text.split("\n")


def test_fake_bold_pdf_single_letters(tmp_path):
    path = make_pdf(tmp_path / "bold.pdf", ["HIỆP ĐỊNH HỢP TÁC\nGIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
                    bold_double=True)
    r = extract_pdf(path, ocr=False)
    assert r.text.startswith("HIỆP ĐỊNH HỢP TÁC")


def _image_only_pdf(tmp_path: Path) -> Path:
    import img2pdf
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(img).rectangle([50, 50, 350, 150], outline=0)
    png = tmp_path / "img.png"
    img.save(png)
    out = tmp_path / "scan.pdf"
    out.write_bytes(img2pdf.convert(str(png)))
    return out


def test_image_only_without_ocr_names_the_problem(tmp_path):
    path = _image_only_pdf(tmp_path)
    line = to_json_line(extract_file(path, ocr=False))
    assert line["status"] == "error"
    assert "page 1: no usable text layer (image-only scan); OCR disabled" in line["warnings"]
    assert "image-only" in line["error"]


def test_image_only_when_tesseract_missing(tmp_path, monkeypatch):
    import ingest.pdf as pdfmod

    monkeypatch.setattr(pdfmod, "ocr_available", lambda: False)
    line = to_json_line(extract_file(_image_only_pdf(tmp_path)))
    assert "page 1: no usable text layer (image-only scan); OCR not available (tesseract not installed)" in line["warnings"]


def test_blank_page_is_not_a_problem(tmp_path):
    path = make_pdf(tmp_path / "blank.pdf", [VI_PAGE, ""])
    r = extract_pdf(path, ocr=False)
    assert r.pages[1].method == "none" and r.pages[1].problem == "blank"
    assert r.warnings == []


def test_page_limit_on_a_2000_page_pdf(tmp_path):
    import pikepdf

    one = make_pdf(tmp_path / "one.pdf", ["Article 1. Page text of a very long annex."])
    big = tmp_path / "big.pdf"
    with pikepdf.open(one) as src:
        pdf = pikepdf.new()
        for _ in range(2000):
            pdf.pages.append(src.pages[0])
        pdf.save(big)
    res = extract_file(big, max_pages=100)
    line = to_json_line(res)
    assert line["status"] == "ok" and line["pages"] == 2000
    assert len(res.pages) == 100
    assert "only the first 100 of 2000 pages were read (max_pages)" in line["warnings"]


# --- bad files --------------------------------------------------------------------------------------

@pytest.fixture()
def plain_pdf(tmp_path):
    return make_pdf(tmp_path / "plain.pdf", [VI_PAGE])


def test_encrypted_pdf(tmp_path, plain_pdf):
    import pikepdf

    enc = tmp_path / "enc.pdf"
    with pikepdf.open(plain_pdf) as pdf:
        pdf.save(enc, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    line = to_json_line(extract_file(enc))
    assert line["status"] == "error" and line["error"] == "encrypted PDF: a password is required to open it"
    # owner-password-only encryption opens normally
    enc2 = tmp_path / "enc2.pdf"
    with pikepdf.open(plain_pdf) as pdf:
        pdf.save(enc2, encryption=pikepdf.Encryption(user="", owner="owner"))
    assert to_json_line(extract_file(enc2))["status"] == "ok"


def test_truncated_pdf(tmp_path, plain_pdf):
    data = plain_pdf.read_bytes()
    for n in (len(data) // 2, 200):
        bad = tmp_path / f"trunc{n}.pdf"
        bad.write_bytes(data[:n])
        line = to_json_line(extract_file(bad))
        assert line["status"] == "error"
        assert "truncated" in line["error"] or "damaged" in line["error"]


def test_empty_and_fake_pdf(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    fake = tmp_path / "letter.pdf"
    fake.write_text("Kính gửi: Bộ Ngoại giao. This is plain text with a .pdf name.")
    assert to_json_line(extract_file(empty))["error"] == "empty file (0 bytes)"
    line = to_json_line(extract_file(fake))
    assert line["status"] == "error" and "unsupported file type" in line["error"]
    assert extract_pdf(fake).error == "not a PDF file (no %PDF- header)"
    assert to_json_line(extract_file(tmp_path / "missing.pdf"))["error"].startswith("file not found")


def test_type_is_sniffed_not_named(tmp_path, plain_pdf):
    renamed = tmp_path / "agreement.docx"
    shutil.copy(plain_pdf, renamed)
    assert sniff(renamed) == "pdf"
    assert to_json_line(extract_file(renamed))["status"] == "ok"


# --- OCR (slow) -------------------------------------------------------------------------------------

@pytest.mark.slow
@needs_ocr
def test_ocr_image_only_scan_v01(corpus):
    res = extract_file(corpus / "cases" / "V01.pdf")
    line = to_json_line(res)
    assert line["ocr"] is True and line["status"] == "ok"
    assert res.pages[0].method == "ocr" and res.pages[0].quality > 0.8
    assert "HIỆP ĐỊNH" in res.text and "Bắc Kinh" in res.text


@pytest.mark.slow
@needs_ocr
def test_ocr_replaces_broken_tounicode_page(corpus):
    res = extract_file(corpus / "pdf" / "vn-sct-laocai-ke-hoach-1105-broken-tounicode.pdf", max_pages=1)
    assert res.pages[0].problem == "mojibake" and res.pages[0].method == "ocr"
    assert "CÔNG THƯƠNG" in res.text.upper()
    assert "‡" not in res.text


@pytest.mark.slow
@needs_ocr
def test_ocr_skips_scripts_without_a_model(corpus):
    from ingest.pdf import tesseract_languages

    if "rus" in tesseract_languages():
        pytest.skip("Russian model installed")
    res = extract_file(corpus / "pdf" / "un-bbnj-agreement-2023-ru.pdf", max_pages=4)
    assert not res.ocr
    assert any("OCR model for Cyrillic (rus) script not installed" in w for w in res.warnings)


@pytest.mark.slow
@needs_ocr
def test_one_tesseract_process_reads_page_after_page_as_one_at_a_time(corpus, tmp_path):
    """``TesseractStream`` (one tesseract process, models loaded once) gives each page exactly what ``ocr_image``
    gives it alone: same words, lines and confidence. An unreadable image gets an error and the next page is read
    by a new process; a page past its time limit is an error too."""
    from ingest.pdf import TesseractStream, _render_page, ocr_image

    imgs = [_render_page(corpus / "cases" / "V01.pdf", 0, 300, tmp_path / "a.pgm"),
            _render_page(corpus / "pdf" / "vn-sct-laocai-ke-hoach-1105-broken-tounicode.pdf", 0, 300,
                         tmp_path / "b.pgm")]
    alone = [ocr_image(p, "vie+eng") for p in imgs]
    st = TesseractStream("vie+eng")
    try:
        assert [st.read(p) for p in imgs] == alone
        assert alone[0][0] and alone[1][0] and alone[0][1] > 0.8
        (tmp_path / "bad.pgm").write_bytes(b"not an image")
        text, conf, err = st.read(tmp_path / "bad.pgm")
        assert (text, conf) == ("", None) and "could not be read" in err
        assert st.read(imgs[1]) == alone[1]
        text, conf, err = st.read(imgs[0], timeout=0.01)
        assert err == "OCR timed out after 0 s" and st.proc is None
        assert st.read(imgs[0]) == alone[0]
        st.shutdown()
        assert st.read(imgs[1]) == alone[1]  # usable again after a shutdown
    finally:
        st.shutdown()
