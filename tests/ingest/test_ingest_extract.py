"""extract_file / to_json_line / iter_files contracts, and legacy formats through LibreOffice."""
import json
import shutil
import subprocess

import pytest

from ingest.extract import JSON_KEYS, extract_file, iter_files, sniff, to_json_line
from ingest_builders import make_docx, make_pdf, p

RTF = (r"{\rtf1\ansi\deff0{\fonttbl{\f0 Times New Roman;}}" "\n"
       r"\f0\fs24 HI\u7878?P \u272?\u7882?NH\par" "\n"
       r"GI\u7918?A CH\u205?NH PH\u7910? N\u431?\u7898?C C\u7896?NG H\u210?A X\u195? H\u7896?I CH\u7910? "
       r"NGH\u296?A VI\u7878?T NAM V\u192? CH\u205?NH PH\u7910? NH\u7852?T B\u7842?N\par" "\n}")

needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")


def test_json_line_keys_and_types(tmp_path):
    path = make_docx(tmp_path / "a.docx", p("AGREEMENT BETWEEN THE GOVERNMENT OF JAPAN AND THE GOVERNMENT OF "
                                             "THE SOCIALIST REPUBLIC OF VIET NAM")
                     + p("The Government of Japan and the Government of the Socialist Republic of Viet Nam,")
                     + p("This Agreement shall enter into force on the date of its signature.")
                     + p("Done at Tokyo on 5 May 2015, in duplicate, in the Japanese, Vietnamese and English languages."))
    line = to_json_line(extract_file(path))
    assert tuple(line) == JSON_KEYS
    assert line["status"] == "ok" and line["error"] is None
    assert len(line["sha256"]) == 64
    assert line["family"] == "treaty" and line["instrument_type"] == "agreement"
    assert line["parties"] == [{"name": "Government of Japan", "code": "JPN"},
                               {"name": "Government of the Socialist Republic of Viet Nam", "code": "VNM"}]
    assert line["signed_date"] == "2015-05-05" and line["signed_place"] == "Tokyo"
    assert line["entry_into_force"] == {"rule": "on_signature", "days": None, "date": "2015-05-05"}
    assert line["authentic_languages"] == ["ja", "vi", "en"]
    assert line["pages"] is None and line["ocr"] is False and line["is_draft"] is False
    json.dumps(line)


def test_error_line_has_all_keys(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    line = to_json_line(extract_file(bad))
    assert tuple(line) == JSON_KEYS
    assert line["status"] == "error" and line["error"]
    assert line["entry_into_force"] == {"rule": None, "days": None, "date": None}
    assert line["parties"] == [] and line["chars"] == 0


def test_sniff_by_content(tmp_path):
    docx = make_docx(tmp_path / "looks-like.pdf", p("x"))
    pdf = make_pdf(tmp_path / "looks-like.docx", ["x"])
    rtf = tmp_path / "a.txt"
    rtf.write_text(RTF)
    ole = tmp_path / "a.pdf"
    ole.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600)
    other_zip = tmp_path / "b.docx"
    import zipfile

    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    assert [sniff(x) for x in (docx, pdf, rtf, ole, other_zip)] == ["docx", "pdf", "rtf", "doc", "zip"]
    assert "not a DOCX" in to_json_line(extract_file(other_zip))["error"]


def test_iter_files_sorted_recursive_supported_only(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c").mkdir()
    make_pdf(tmp_path / "b" / "c" / "z.pdf", ["x"])
    make_docx(tmp_path / "b" / "a.bin", p("x"))  # a DOCX with an odd name is still found
    make_pdf(tmp_path / "a.pdf", ["x"])
    (tmp_path / "labels.jsonl").write_text("{}")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / ".hidden.pdf").write_bytes(b"%PDF-1.4")
    got = [str(x.relative_to(tmp_path)) for x in iter_files([tmp_path])]
    assert got == ["a.pdf", "labels.jsonl", "notes.txt", "b/a.bin", "b/c/z.pdf"]  # every file gets its line
    # a file named directly is always yielded (it will get an error line)
    assert list(iter_files([tmp_path / "notes.txt"])) == [tmp_path / "notes.txt"]


def test_never_raises_on_directory_and_missing(tmp_path):
    assert to_json_line(extract_file(tmp_path))["status"] == "error"
    assert to_json_line(extract_file(tmp_path / "nope.docx"))["status"] == "error"


def test_doc_without_soffice(tmp_path, monkeypatch):
    import ingest.docx as docx_mod

    monkeypatch.setattr(docx_mod.shutil, "which", lambda name: None)
    path = tmp_path / "old.rtf"
    path.write_text(RTF)
    line = to_json_line(extract_file(path))
    assert line["status"] == "error" and "LibreOffice (soffice) is not installed" in line["error"]


@pytest.mark.slow
@needs_soffice
def test_rtf_through_libreoffice(tmp_path):
    path = tmp_path / "old.rtf"
    path.write_text(RTF)
    line = to_json_line(extract_file(path))
    assert line["status"] == "ok", line["error"]
    assert line["title"] == "HIỆP ĐỊNH GIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM VÀ CHÍNH PHỦ NHẬT BẢN"
    assert "legacy RTF converted to DOCX with LibreOffice" in line["warnings"]


@pytest.mark.slow
@needs_soffice
def test_doc_through_libreoffice(tmp_path):
    src = make_docx(tmp_path / "src.docx", p("NGHỊ ĐỊNH THƯ") + p("GIỮA CHÍNH PHỦ NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA "
                                                                  "VIỆT NAM VÀ CHÍNH PHỦ NƯỚC CỘNG HÒA PHÁP"))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/prof", "--headless", "--convert-to", "doc",
                    "--outdir", str(tmp_path / "out"), str(src)], capture_output=True, timeout=120, check=False)
    doc = tmp_path / "out" / "src.doc"
    if not doc.exists():
        pytest.skip("LibreOffice could not write a .doc here")
    renamed = tmp_path / "legacy.bin"
    doc.rename(renamed)
    assert sniff(renamed) == "doc"
    line = to_json_line(extract_file(renamed))
    assert line["status"] == "ok", line["error"]
    assert line["instrument_type"] == "nghị định thư"
    assert [x["code"] for x in line["parties"]] == ["VNM", "FRA"]
