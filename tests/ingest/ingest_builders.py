"""Build small DOCX and PDF files for the ingest tests (raw OOXML, reportlab, pikepdf)."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'mc:Ignorable="w14"'
)


def p(text: str = "", *, font: str | None = None, num: tuple[int, int] | None = None, style: str | None = None,
      raw: str = "") -> str:
    """A paragraph; ``num`` = (numId, ilvl); ``raw`` = extra run XML appended."""
    ppr = ""
    if style or num:
        ppr = "<w:pPr>"
        if style:
            ppr += f'<w:pStyle w:val="{style}"/>'
        if num:
            ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
        ppr += "</w:pPr>"
    run = ""
    if text:
        rpr = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
        run = f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    return f"<w:p>{ppr}{run}{raw}</w:p>"


def table(rows: list[list[str]]) -> str:
    out = "<w:tbl><w:tblPr/><w:tblGrid/>"
    for row in rows:
        out += "<w:tr>" + "".join(f"<w:tc><w:tcPr/>{cell}</w:tc>" for cell in row) + "</w:tr>"
    return out + "</w:tbl>"


def textbox_run(inner_paragraphs: str, with_vml_fallback: bool = True) -> str:
    """A run holding a DrawingML text box (wps:txbx), with the VML fallback Word writes next to it."""
    drawing = (
        "<w:drawing><wp:anchor><wp:docPr id=\"1\" name=\"Text Box 1\"/><a:graphic><a:graphicData "
        "uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\"><wps:wsp><wps:txbx>"
        f"<w:txbxContent>{inner_paragraphs}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing>"
    )
    if not with_vml_fallback:
        return f"<w:r>{drawing}</w:r>"
    vml = (f'<w:pict><v:shape id="tb1"><v:textbox><w:txbxContent>{inner_paragraphs}</w:txbxContent>'
           f"</v:textbox></v:shape></w:pict>")
    return (f'<w:r><mc:AlternateContent><mc:Choice Requires="wps">{drawing}</mc:Choice>'
            f"<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>")


def vml_textbox_run(inner_paragraphs: str) -> str:
    return (f'<w:r><w:pict><v:shape id="tb2"><v:textbox><w:txbxContent>{inner_paragraphs}</w:txbxContent>'
            f"</v:textbox></v:shape></w:pict></w:r>")


def field_run(instruction: str, result: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {escape(instruction)} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{escape(result)}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def make_docx(path: Path, body: str, *, numbering: str | None = None, header: str | None = None,
              footer: str | None = None, footnotes: str | None = None, core_title: str | None = None,
              styles: str | None = None, document_xml: str | None = None) -> Path:
    rels = ['<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/>']
    sect = ""
    parts: dict[str, str] = {}
    if numbering:
        rels.append('<Relationship Id="rIdN" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'numbering" Target="numbering.xml"/>')
        parts["word/numbering.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {NS}>{numbering}</w:numbering>'
    if header:
        rels.append('<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'header" Target="header1.xml"/>')
        parts["word/header1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr {NS}>{header}</w:hdr>'
        sect += '<w:headerReference w:type="default" r:id="rIdH"/>'
    if footer:
        rels.append('<Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'footer" Target="footer1.xml"/>')
        parts["word/footer1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr {NS}>{footer}</w:ftr>'
        sect += '<w:footerReference w:type="default" r:id="rIdF"/>'
    if footnotes:
        rels.append('<Relationship Id="rIdFN" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'footnotes" Target="footnotes.xml"/>')
        parts["word/footnotes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {NS}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f"{footnotes}</w:footnotes>")
    parts["word/styles.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {NS}>'
                                f'{styles or ""}</w:styles>')
    doc = document_xml or (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{body}'
        f"<w:sectPr>{sect}</w:sectPr></w:body></w:document>")
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + (f"<dc:title>{escape(core_title)}</dc:title>" if core_title else "") + "</cp:coreProperties>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                   "</Relationships>")
        z.writestr("word/document.xml", doc)
        z.writestr("word/_rels/document.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(rels) + "</Relationships>")
        z.writestr("docProps/core.xml", core)
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def make_pdf(path: Path, pages: list[str], *, rotate: int = 0, landscape_text: bool = False,
             font_size: int = 12, bold_double: bool = False) -> Path:
    """A text PDF made with reportlab (DejaVu if available, so Vietnamese letters are embedded).

    ``rotate``: /Rotate of every page. With ``landscape_text`` (only for 90) the text is drawn turned so that it
    reads upright once the viewer applies /Rotate (the usual output for landscape annexes).
    ``bold_double``: every line is drawn twice with a 0.3 pt offset (fake bold).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    for cand in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"):
        if Path(cand).exists():
            pdfmetrics.registerFont(TTFont("TestFont", cand))
            font = "TestFont"
            break
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    for text in pages:
        c.setFont(font, font_size)
        if landscape_text and rotate == 90:
            # shown turned 90° clockwise, the page's left edge is the top: draw the lines along +y,
            # the first one nearest to x = 0
            c.saveState()
            c.rotate(90)
            y = -60
            for line in text.split("\n"):
                c.drawString(40, y, line)
                y -= font_size * 1.5
            c.restoreState()
        else:
            y = h - 60
            for line in text.split("\n"):
                c.drawString(50, y, line)
                if bold_double:
                    c.drawString(50.3, y, line)
                y -= font_size * 1.5
        if rotate:
            c.setPageRotation(rotate)
        c.showPage()
    c.save()
    return path
