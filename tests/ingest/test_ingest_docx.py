"""DOCX extraction: order, tables, text boxes, headers/footers, footnotes, numbering, fields, legacy fonts,
and the safety checks (zip bombs, XXE)."""
import zipfile

import pytest

from ingest.docx import DocxError, extract_docx, format_number
from ingest.extract import extract_file, to_json_line
from ingest_builders import field_run, make_docx, p, table, textbox_run, vml_textbox_run

NUMBERING = """
<w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Điều %1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="2">
  <w:lvl w:ilvl="0"><w:start w:val="1"/>
    <mc:AlternateContent><mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="a, b, c, d, đ, e, ..."/></mc:Choice>
    <mc:Fallback><w:numFmt w:val="lowerLetter"/></mc:Fallback></mc:AlternateContent>
    <w:lvlText w:val="%1)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="3">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="Chương %1"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="4">
  <w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="4"/></w:num>
"""


def test_body_order_tables_and_nesting(tmp_path):
    body = (
        table([[p("BỘ NGOẠI GIAO") + p("Số: 24/2024/TB-LPQT"),
                p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") + p("Hà Nội, ngày 14 tháng 5 năm 2024")]])
        + p("THÔNG BÁO")
        + table([[table([[p("inner cell")]])]])
        + p("after the table")
    )
    d = extract_docx(make_docx(tmp_path / "t.docx", body))
    lines = d.body.split("\n")
    assert lines[:5] == ["BỘ NGOẠI GIAO", "Số: 24/2024/TB-LPQT", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Hà Nội, ngày 14 tháng 5 năm 2024", "THÔNG BÁO"]
    assert lines.index("inner cell") < lines.index("after the table")


def test_numbering_rendered(tmp_path):
    body = (
        p("Chương", num=(3, 0)) + p("Chương", num=(3, 0))
        + p("Phạm vi", num=(1, 0)) + p("khoản một", num=(1, 1)) + p("điểm", num=(1, 2)) + p("điểm", num=(1, 2))
        + p("khoản hai", num=(1, 1)) + p("điểm", num=(1, 2))
        + p("Đối tượng", num=(1, 0))
        + "".join(p(f"vn{i}", num=(2, 0)) for i in range(6))
        + p("start three", num=(4, 0))
    )
    d = extract_docx(make_docx(tmp_path / "n.docx", body, numbering=NUMBERING))
    lines = d.body.split("\n")
    assert lines[:9] == ["Chương I Chương", "Chương II Chương", "Điều 1. Phạm vi", "1. khoản một", "a) điểm",
                         "b) điểm", "2. khoản hai", "a) điểm", "Điều 2. Đối tượng"]
    # custom Vietnamese letter format: a, b, c, d, đ, e
    assert lines[9:15] == ["a) vn0", "b) vn1", "c) vn2", "d) vn3", "đ) vn4", "e) vn5"]
    assert lines[15] == "3. start three"
    assert d.numbered_paragraphs == 16


def test_number_formats():
    assert format_number(5, "lowerLetter") == "e"
    assert format_number(27, "lowerLetter") == "aa"
    assert format_number(4, "upperRoman") == "IV"
    assert format_number(14, "lowerRoman") == "xiv"
    assert format_number(5, "custom", "a, b, c, d, đ, ...") == "đ"
    assert format_number(7, "custom", "a, b, c, d, đ, ...") == "g"  # no f in the Vietnamese alphabet
    assert format_number(3, "decimalZero") == "03"


def test_draft_in_textbox_is_found_once(tmp_path):
    box = p("DỰ THẢO")
    body = p("NGHỊ ĐỊNH", raw=textbox_run(box)) + p("Quy định chi tiết một số điều")
    path = make_docx(tmp_path / "draft.docx", body)
    d = extract_docx(path)
    assert d.body.count("DỰ THẢO") == 1  # the VML fallback copy is not read twice
    assert d.textboxes == 1
    line = to_json_line(extract_file(path))
    assert line["is_draft"] is True


def test_draft_in_vml_textbox_of_header(tmp_path):
    header = p(raw=vml_textbox_run(p("DRAFT")))
    path = make_docx(tmp_path / "h.docx", p("AGREEMENT BETWEEN X AND Y"), header=header)
    d = extract_docx(path)
    assert d.headers == ["DRAFT"]
    assert to_json_line(extract_file(path))["is_draft"] is True


def test_not_draft_when_word_is_ordinary(tmp_path):
    body = p("LUẬT") + p("Quốc hội thông qua dự thảo luật sau khi lấy ý kiến.")
    path = make_docx(tmp_path / "nd.docx", body)
    assert to_json_line(extract_file(path))["is_draft"] is False


def test_headers_footers_footnotes(tmp_path):
    footnotes = '<w:footnote w:id="1"><w:p><w:r><w:t>Hiệp định có hiệu lực từ ngày 01/8/2020.</w:t></w:r></w:p></w:footnote>'
    path = make_docx(tmp_path / "hf.docx", p("Body", raw='<w:r><w:footnoteReference w:id="1"/></w:r>'),
                     header=p("UBND TỈNH LÀO CAI"), footer=p("Trang 1"), footnotes=footnotes)
    d = extract_docx(path)
    assert d.headers == ["UBND TỈNH LÀO CAI"]
    assert d.footers == ["Trang 1"]
    assert d.footnotes == ["[1] Hiệp định có hiệu lực từ ngày 01/8/2020."]
    assert "Hiệp định có hiệu lực" in d.text


def test_field_results_not_instructions(tmp_path):
    path = make_docx(tmp_path / "f.docx", p("Trang ", raw=field_run("PAGE \\* MERGEFORMAT", "5")))
    d = extract_docx(path)
    assert d.body == "Trang 5"
    assert "MERGEFORMAT" not in d.text and "PAGE" not in d.text


def test_tcvn3_fonts_and_properties(tmp_path):
    body = p("ubnd tØnh Lµo Cai", font=".VnTimeH") + p("hiÖp ®Þnh hîp t¸c", font=".VnTime") + p("Plain text")
    path = make_docx(tmp_path / "tcvn.docx", body, core_title="Dù th¶o QuyÕt ®Þnh cña ubnd tØnh Lµo Cai")
    d = extract_docx(path)
    assert d.body.split("\n") == ["UBND TỈNH LÀO CAI", "hiệp định hợp tác", "Plain text"]
    assert d.properties["title"] == "Dự thảo Quyết định của ubnd tỉnh Lào Cai"
    assert d.legacy_encoding == "tcvn3"
    assert any("TCVN3" in w for w in d.warnings)


def test_tcvn3_detected_without_font_name(tmp_path):
    body = p("Céng hßa x· héi chñ nghÜa ViÖt Nam") + p("§éc lËp - Tù do - H¹nh phóc")
    d = extract_docx(make_docx(tmp_path / "t3.docx", body))
    assert d.body == "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"


def test_vni_font(tmp_path):
    d = extract_docx(make_docx(tmp_path / "vni.docx", p("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", font="VNI-Times")))
    assert d.body == "Cộng hòa xã hội chủ nghĩa Việt Nam"


def test_output_is_nfc(tmp_path):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Việt Nam trường")  # NFD pieces as in Luật 42/2024
    d = extract_docx(make_docx(tmp_path / "nfd.docx", p(decomposed)))
    assert d.body == "Việt Nam trường"
    assert unicodedata.is_normalized("NFC", d.body)


def test_zip_bomb_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (80 * 1024 * 1024) + b"</w:document>")
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(DocxError, match="zip bomb"):
        extract_docx(path)
    line = to_json_line(extract_file(path))
    assert line["status"] == "error" and "zip bomb" in line["error"]


def test_xxe_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")
    path = make_docx(tmp_path / "xxe.docx", "", document_xml=doc)
    res = extract_file(path)
    line = to_json_line(res)
    assert line["status"] == "error"
    assert "DTD" in line["error"] or "entit" in line["error"]
    assert "TOP-SECRET" not in res.text


def test_billion_laughs_refused(tmp_path):
    doc = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           "<w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>")
    path = make_docx(tmp_path / "lol.docx", "", document_xml=doc)
    assert to_json_line(extract_file(path))["status"] == "error"


def test_corrupt_docx(tmp_path):
    good = make_docx(tmp_path / "g.docx", p("hello"))
    data = good.read_bytes()
    bad = tmp_path / "truncated.docx"
    bad.write_bytes(data[: len(data) // 2])
    line = to_json_line(extract_file(bad))
    assert line["status"] == "error" and line["error"]
