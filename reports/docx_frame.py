"""Decree 30/2020/NĐ-CP document frame ("Văn bản có tên loại", Mẫu 1.4) built with python-docx.

Reusable by every report: page setup, Times New Roman everywhere (no theme fonts), the two-column header block
(ô 1–4, 10a), tên loại and trích yếu (ô 5), report-style headings (§4.3), body paragraphs, bordered tables with
a repeating header row, the "Kính gửi" block (ô 9a), the signature and "Nơi nhận" block (ô 7, 9b), page numbers
in the top margin from page 2, and landscape appendix sections.

    doc = DecreeDocument(FrameSettings.from_settings(get_settings()), summary="Tình hình …", issued=date.today())
    doc.heading("I. TÌNH HÌNH KÝ KẾT", level=1)
    doc.paragraph("…")
    doc.table([("STT", 12), ("Tên", 100)], [["1", "…"]], caption="signed")
    doc.signature(["Thủ tướng Chính phủ (để b/c)"])
    doc.save(path)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from core.text import nfc

FONT = "Times New Roman"
LANG = "vi-VN"
A4_W, A4_H = Mm(210), Mm(297)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
BODY_PT = 14
FIRST_LINE_INDENT = Cm(1.27)
LINE_SPACING = 1.15
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
FONT_ATTRS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
COMPACT_STYLE = "VB Compact"      # no indent, single spacing, 0 after: header block, tables, signature
SECRECY_LABELS = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}


# ---------------------------------------------------------------- formatting helpers (Decree 30 §4.2)
def two_digit_number(n: int | str | None) -> str:
    """Document numbers below 10 get a leading zero ("05"); None → blank space to be filled in by the clerk."""
    if n is None or n == "":
        return "\u00a0" * 6
    if isinstance(n, int) or str(n).isdigit():
        return f"{int(n):02d}"
    return str(n)


def format_number_line(number: int | str | None, symbol: str) -> str:
    """'Số: 05/BC-BNG' — lowercase "Số:", "/" between number and symbol, no spaces inside the symbol."""
    symbol = re.sub(r"\s+", "", nfc(symbol) or "").upper()
    return f"Số: {two_digit_number(number)}/{symbol}"


def format_date_vi(d: date) -> str:
    """'ngày 05 tháng 01 năm 2020'; days < 10 and months 1, 2 take a leading zero, months 3–12 do not."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def format_place_date(place: str, d: date) -> str:
    """'Hà Nội, ngày 05 tháng 01 năm 2020'."""
    return nfc(f"{place.strip()}, {format_date_vi(d)}")


def format_dmy(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def classification_label(level: str | None) -> str | None:
    return SECRECY_LABELS.get(level or "none")


# ---------------------------------------------------------------- settings of the frame
@dataclass
class FrameSettings:
    issuer: str = "BỘ NGOẠI GIAO"
    parent: str | None = None
    place: str = "Hà Nội"
    symbol: str = "BC-BNG"
    signer_prefix: str = "KT."
    signer_title: str = "BỘ TRƯỞNG"
    signer_subtitle: str | None = "THỨ TRƯỞNG"
    signer_name: str = ""
    unit_abbrev: str = "LPQT"

    @classmethod
    def from_settings(cls, s: Any, **over: Any) -> "FrameSettings":
        """From core.settings.Settings (report_* fields); keyword arguments override."""
        kw = dict(issuer=s.report_issuer, parent=s.report_parent, place=s.report_place, symbol=s.report_symbol,
                  signer_prefix=s.report_signer_prefix, signer_title=s.report_signer_title,
                  signer_subtitle=s.report_signer_subtitle, signer_name=s.report_signer_name)
        kw.update(over)
        return cls(**{k: (nfc(v) if isinstance(v, str) else v) for k, v in kw.items()})


# ---------------------------------------------------------------- low-level XML helpers
def _set_rfonts(rpr, font: str = FONT) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for a in THEME_ATTRS:
        rfonts.attrib.pop(qn(a), None)
    for a in FONT_ATTRS:
        rfonts.set(qn(a), font)


def _get_or_add(parent, tag: str, first: bool = False):
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        if first:
            parent.insert(0, el)
        else:
            parent.append(el)
    return el


def _set_lang(rpr) -> None:
    lang = _get_or_add(rpr, "w:lang")
    for a in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(a), LANG)


def _strip_theme_colors(rpr) -> None:
    color = rpr.find(qn("w:color"))
    if color is not None:
        for a in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(a), None)
        color.set(qn("w:val"), "000000")


def _fix_theme_part(document) -> None:
    """Point the theme's major/minor Latin fonts at Times New Roman too (anything falling back to the theme)."""
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/theme") and not rel.is_external:
            part = rel.target_part
            blob = part.blob.decode("utf-8")
            blob = re.sub(r'(<a:(?:latin|ea|cs) typeface=")[^"]*(")', rf"\g<1>{FONT}\g<2>", blob)
            part._blob = blob.encode("utf-8")


def enforce_fonts(document) -> None:
    """Times New Roman in docDefaults, every style and every run; remove all *Theme font attributes; vi-VN."""
    styles_el = document.styles.element
    rpr_default = styles_el.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    if rpr_default is None:
        dd = _get_or_add(styles_el, "w:docDefaults", first=True)
        rpr_default = _get_or_add(dd, "w:rPrDefault", first=True)
    rpr = _get_or_add(rpr_default, "w:rPr")
    _set_rfonts(rpr)
    _set_lang(rpr)
    for st in styles_el.findall(qn("w:style")):
        if st.get(qn("w:type")) in ("paragraph", "character", "table"):
            srpr = _get_or_add(st, "w:rPr")
            _set_rfonts(srpr)
            _strip_theme_colors(srpr)
    # any remaining theme attribute anywhere in styles (latentStyles, tblStylePr …)
    for el in styles_el.iter(qn("w:rFonts")):
        for a in THEME_ATTRS:
            el.attrib.pop(qn(a), None)
        for a in FONT_ATTRS:
            el.set(qn(a), FONT)
    parts = [document.element.body]
    for s in document.sections:
        for hf in (s.header, s.first_page_header, s.even_page_header, s.footer, s.first_page_footer,
                   s.even_page_footer):
            if not hf.is_linked_to_previous:
                parts.append(hf._element)
    for root in parts:
        for r in root.iter(qn("w:r")):
            rpr = r.find(qn("w:rPr"))
            if rpr is None:
                rpr = OxmlElement("w:rPr")
                r.insert(0, rpr)
            _set_rfonts(rpr)
        for el in root.iter(qn("w:rFonts")):
            for a in THEME_ATTRS:
                el.attrib.pop(qn(a), None)
    _fix_theme_part(document)


def set_cell_width(cell, width) -> None:
    cell.width = width
    tcpr = cell._tc.get_or_add_tcPr()
    tcw = _get_or_add(tcpr, "w:tcW")
    tcw.set(qn("w:w"), str(int(width.twips if hasattr(width, "twips") else width / 635)))
    tcw.set(qn("w:type"), "dxa")


def _table_borders(table, visible: bool) -> None:
    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblBorders"))
    if old is not None:
        tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{edge}")
        if visible:
            b.set(qn("w:val"), "single")
            b.set(qn("w:sz"), "4")
            b.set(qn("w:space"), "0")
            b.set(qn("w:color"), "000000")
        else:
            b.set(qn("w:val"), "nil")
        borders.append(b)
    tblpr.append(borders)


def _fixed_layout(table, widths: Sequence) -> None:
    table.autofit = False
    tblpr = table._tbl.tblPr
    layout = _get_or_add(tblpr, "w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblw = _get_or_add(tblpr, "w:tblW")
    tblw.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))
    tblw.set(qn("w:type"), "dxa")
    grid = table._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths):
        gc.set(qn("w:w"), str(int(w.twips)))
    for tr in table._tbl.tr_lst:
        for tc, w in zip(tr.tc_lst, widths):
            tcw = _get_or_add(tc.get_or_add_tcPr(), "w:tcW")
            tcw.set(qn("w:w"), str(int(w.twips)))
            tcw.set(qn("w:type"), "dxa")


def _cells(table) -> list[list]:
    """Cells by row straight from the XML (python-docx's table.cell() recomputes the grid on every call)."""
    from docx.table import _Cell

    return [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


def set_repeat_header(row) -> None:
    """w:tblHeader on the row: repeated at the top of each page; w:cantSplit keeps it whole."""
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        el = _get_or_add(trpr, tag)
        el.set(qn("w:val"), "true")


def set_table_caption(table, caption: str) -> None:
    """Alternative-text title of the table (w:tblCaption): a stable key for readers and tests."""
    tblpr = table._tbl.tblPr
    cap = _get_or_add(tblpr, "w:tblCaption")
    cap.set(qn("w:val"), caption)


def table_caption(table) -> str | None:
    cap = table._tbl.tblPr.find(qn("w:tblCaption"))
    return cap.get(qn("w:val")) if cap is not None else None


def _rule_paragraph(container, width_mm: float, *, avail_mm: float, style: str = COMPACT_STYLE):
    """A solid rule of ``width_mm`` centred in ``avail_mm``: an empty 1-pt paragraph with a top border."""
    p = container.add_paragraph(style=style)
    side = max(0.0, (avail_mm - width_mm) / 2)
    pf = p.paragraph_format
    pf.left_indent, pf.right_indent, pf.first_line_indent = Mm(side), Mm(side), Mm(0)
    pf.space_before, pf.space_after = Pt(4), Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(3)
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    top.set(qn("w:val"), "single")
    top.set(qn("w:sz"), "6")
    top.set(qn("w:space"), "1")
    top.set(qn("w:color"), "000000")
    bdr.append(top)
    # pBdr must precede spacing/ind in CT_PPr; insert right after pStyle/keepNext… is accepted by Word and LO
    ps = ppr.find(qn("w:pStyle"))
    if ps is not None:
        ps.addnext(bdr)
    else:
        ppr.insert(0, bdr)
    return p


def _box(paragraph) -> None:
    """Boxed paragraph (secrecy / circulation marks)."""
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        b = OxmlElement(f"w:{edge}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "8")
        b.set(qn("w:space"), "1")
        b.set(qn("w:color"), "000000")
        bdr.append(b)
    ps = ppr.find(qn("w:pStyle"))
    if ps is not None:
        ps.addnext(bdr)
    else:
        ppr.insert(0, bdr)


def add_page_field(paragraph) -> None:
    """PAGE field: fldChar begin / instrText PAGE / separate / (cached) / end."""
    def run_with(child):
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)
        return r

    b = OxmlElement("w:fldChar")
    b.set(qn("w:fldCharType"), "begin")
    run_with(b)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = " PAGE "
    run_with(it)
    s = OxmlElement("w:fldChar")
    s.set(qn("w:fldCharType"), "separate")
    run_with(s)
    t = OxmlElement("w:t")
    t.text = "2"
    run_with(t)
    e = OxmlElement("w:fldChar")
    e.set(qn("w:fldCharType"), "end")
    run_with(e)


def _text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """Printed width of a line in Times New Roman (metrics of the metric-compatible Liberation Serif)."""
    try:
        from PIL import ImageFont

        name = "LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"
        for d in ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation"):
            f = Path(d) / name
            if f.exists():
                font = ImageFont.truetype(str(f), 1000)
                return font.getlength(text) / 1000 * size_pt * 25.4 / 72
    except Exception:  # pragma: no cover - PIL or fonts missing
        pass
    return len(text) * size_pt * (0.53 if bold else 0.48) * 25.4 / 72


# ---------------------------------------------------------------- the document
@dataclass
class Column:
    header: str
    width_mm: float
    align: str = "left"      # left | center | right


class DecreeDocument:
    """A Decree 30/2020 "văn bản có tên loại" under construction."""

    def __init__(self, frame: FrameSettings, *, summary: str, issued: date, doc_type: str = "BÁO CÁO",
                 number: int | str | None = None, secrecy: str | None = None,
                 kinh_gui: Sequence[str] = (), title: str | None = None) -> None:
        self.frame = frame
        self.issued = issued
        self.doc = Document()
        self._setup_page(self.doc.sections[0], landscape=False)
        self._setup_styles()
        self._page_numbers(self.doc.sections[0], first_page=False)
        self._header_block(number=number, secrecy=secrecy)
        self._title_block(doc_type, summary)
        if kinh_gui:
            self._kinh_gui(list(kinh_gui))
        cp = self.doc.core_properties
        cp.title = nfc(title or f"{doc_type.capitalize()} {summary}")
        cp.subject = nfc(summary)
        cp.author = nfc(frame.issuer)
        cp.language = LANG
        if secrecy and secrecy != "none":
            cp.category = SECRECY_LABELS.get(secrecy, secrecy)

    # ------------------------------------------------------------ page and styles
    @property
    def text_width_mm(self) -> float:
        s = self.doc.sections[-1]
        return (s.page_width - s.left_margin - s.right_margin) / Mm(1)

    def _setup_page(self, section, *, landscape: bool) -> None:
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = A4_H, A4_W
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = A4_W, A4_H
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        section.header_distance = Mm(10)
        section.footer_distance = Mm(10)
        section.gutter = Mm(0)

    def _setup_styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        normal.font.color.rgb = RGBColor(0, 0, 0)
        pf = normal.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        pf.first_line_indent = FIRST_LINE_INDENT
        pf.space_before = Pt(0)
        pf.space_after = Pt(6)
        pf.line_spacing = LINE_SPACING
        pf.widow_control = True

        from docx.enum.style import WD_STYLE_TYPE

        compact = styles.add_style(COMPACT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        self._compact_id = compact.style_id
        compact.base_style = normal
        compact.quick_style = True
        cpf = compact.paragraph_format
        cpf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cpf.first_line_indent = Mm(0)
        cpf.space_before = Pt(0)
        cpf.space_after = Pt(0)
        cpf.line_spacing = 1.0

        # report-style headings (§4.3): "I. …" UPPERCASE bold, "1. …" bold, "a) …" italic; black, TNR 14
        for lvl, (bold, italic) in {1: (True, False), 2: (True, False), 3: (False, True)}.items():
            h = styles[f"Heading {lvl}"]
            h.base_style = normal
            h.font.name = FONT
            h.font.size = Pt(BODY_PT)
            h.font.bold = bold
            h.font.italic = italic
            h.font.color.rgb = RGBColor(0, 0, 0)
            hpf = h.paragraph_format
            hpf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            hpf.first_line_indent = FIRST_LINE_INDENT
            hpf.left_indent = Mm(0)
            hpf.space_before = Pt(6)
            hpf.space_after = Pt(6)
            hpf.line_spacing = LINE_SPACING
            hpf.keep_with_next = True
        for name in ("Title", "Subtitle", "Table Grid", "Header", "Footer"):
            try:
                st = styles[name]
            except KeyError:
                continue
            if name in ("Title", "Subtitle"):
                st.font.color.rgb = RGBColor(0, 0, 0)
                st.font.size = Pt(BODY_PT)
        enforce_fonts(self.doc)

    def _page_numbers(self, section, *, first_page: bool) -> None:
        """Arabic page number 14, centred in the top margin; none on the first page (different first page)."""
        section.different_first_page_header_footer = not first_page
        section.header.is_linked_to_previous = False
        hdr = section.header
        p = hdr.paragraphs[0] if hdr.paragraphs else hdr.add_paragraph()
        p.style = self.doc.styles[COMPACT_STYLE]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in list(p._p.findall(qn("w:r"))):
            p._p.remove(r)
        add_page_field(p)
        for r in p._p.findall(qn("w:r")):
            rpr = OxmlElement("w:rPr")
            sz = OxmlElement("w:sz")
            sz.set(qn("w:val"), str(BODY_PT * 2))
            rpr.append(sz)
            r.insert(0, rpr)
        if not first_page:
            fph = section.first_page_header
            fph.is_linked_to_previous = False
            if not fph.paragraphs:
                fph.add_paragraph()
            fph.paragraphs[0].style = self.doc.styles[COMPACT_STYLE]

    # ------------------------------------------------------------ runs
    @staticmethod
    def run(paragraph, text: str, *, size: float | None = None, bold: bool | None = None,
            italic: bool | None = None, upper: bool = False):
        text = nfc(text) or ""
        r = paragraph.add_run(text.upper() if upper else text)
        r.font.name = FONT
        if size is not None:
            r.font.size = Pt(size)
        if bold is not None:
            r.bold = bold
        if italic is not None:
            r.italic = italic
        return r

    def _cpara(self, container, text: str = "", *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
               align: str = "center", upper: bool = False, space_after: float = 0):
        p = container.add_paragraph()
        p._p.style = self._compact_id
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        p.paragraph_format.space_after = Pt(space_after)
        if text:
            self.run(p, text, size=size, bold=bold, italic=italic, upper=upper)
        return p

    @staticmethod
    def _clear_cell(cell) -> None:
        for p in list(cell.paragraphs):
            p._p.getparent().remove(p._p)

    def _borderless(self, widths_mm: Sequence[float], rows: int):
        t = self.doc.add_table(rows=rows, cols=len(widths_mm))
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        _table_borders(t, visible=False)
        _fixed_layout(t, [Mm(w) for w in widths_mm])
        for row in _cells(t):
            for c in row:
                self._clear_cell(c)
        return t

    # ------------------------------------------------------------ header block (ô 1–4, 10a)
    HEADER_LEFT_MM = 62.0

    def _header_block(self, *, number, secrecy: str | None) -> None:
        f = self.frame
        avail = self.text_width_mm
        lw = self.HEADER_LEFT_MM
        rw = avail - lw
        t = self._borderless([lw, rw], rows=2)
        set_table_caption(t, "header")
        left, right = t.cell(0, 0), t.cell(0, 1)
        if f.parent:
            self._cpara(left, f.parent, size=13, upper=True)
        self._cpara(left, f.issuer, size=13, bold=True, upper=True)
        issuer_w = _text_width_mm(f.issuer.upper(), 13, bold=True)
        _rule_paragraph(left, min(max(issuer_w / 2, lw / 3), lw / 2), avail_mm=lw)
        self._cpara(right, "Cộng hòa xã hội chủ nghĩa Việt Nam", size=13, bold=True, upper=True)
        motto = "Độc lập - Tự do - Hạnh phúc"
        self._cpara(right, motto, size=14, bold=True)
        _rule_paragraph(right, _text_width_mm(motto, 14, bold=True), avail_mm=rw)
        left2, right2 = t.cell(1, 0), t.cell(1, 1)
        self._cpara(left2, format_number_line(number, f.symbol), size=13)
        if secrecy and secrecy != "none":
            p = self._cpara(left2, SECRECY_LABELS.get(secrecy, secrecy), size=13, bold=True, upper=True)
            p.paragraph_format.space_before = Pt(6)
            side = max(0.0, (lw - _text_width_mm(p.text, 13, bold=True) - 6) / 2)
            p.paragraph_format.left_indent = Mm(side)
            p.paragraph_format.right_indent = Mm(side)
            _box(p)
        self._cpara(right2, format_place_date(f.place, self.issued), size=14, italic=True)

    # ------------------------------------------------------------ title (ô 5) and Kính gửi (ô 9a)
    def _title_block(self, doc_type: str, summary: str) -> None:
        p = self._cpara(self.doc, doc_type, size=14, bold=True, upper=True)
        p.paragraph_format.space_before = Pt(18)
        self._cpara(self.doc, summary, size=14, bold=True)
        avail = self.text_width_mm
        rule = _rule_paragraph(self.doc, avail / 4, avail_mm=avail)
        rule.paragraph_format.space_after = Pt(12)

    def _kinh_gui(self, recipients: list[str]) -> None:
        if len(recipients) == 1:
            self._cpara(self.doc, f"Kính gửi: {recipients[0].rstrip('.')}.", size=14, space_after=12)
            return
        lw = 35.0
        t = self._borderless([lw, self.text_width_mm - lw], rows=len(recipients))
        set_table_caption(t, "kinh_gui")
        self._cpara(t.cell(0, 0), "Kính gửi:", size=14, align="right")
        for i, r in enumerate(recipients):
            end = "." if i == len(recipients) - 1 else ";"
            self._cpara(t.cell(i, 1), f"- {r.rstrip(';.')}{end}", size=14, align="left")
            if i:
                self._cpara(t.cell(i, 0), "")
        self._cpara(self.doc, "", space_after=6)

    # ------------------------------------------------------------ body
    def heading(self, text: str, level: int = 1):
        """§4.3 report style: level 1 "I. TÊN MỤC" (upper, bold), 2 "1. …" (bold), 3 "a) …" (italic)."""
        text = nfc(text) or ""
        if level == 1:
            text = text.upper()
        p = self.doc.add_paragraph(style=f"Heading {level}")
        self.run(p, text)
        return p

    def paragraph(self, text: str = "", *, bold: bool = False, italic: bool = False, indent: bool = True,
                  align: str = "justify"):
        p = self.doc.add_paragraph(style="Normal")
        if not indent:
            p.paragraph_format.first_line_indent = Mm(0)
        if align != "justify":
            p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                           "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        if text:
            self.run(p, text, bold=bold or None, italic=italic or None)
        return p

    def table(self, columns: Sequence[Column | tuple], rows: Iterable[Sequence[Any]], *, caption: str | None = None,
              size: float = 12, bold_last_row: bool = False):
        """Bordered table; header row bold, centred and repeated on each page (w:tblHeader)."""
        cols = [c if isinstance(c, Column) else Column(*c) for c in columns]
        avail = self.text_width_mm
        total = sum(c.width_mm for c in cols)
        scale = min(1.0, avail / total) if total else 1.0
        widths = [Mm(c.width_mm * scale) for c in cols]
        rows = [list(r) for r in rows]
        t = self.doc.add_table(rows=1 + len(rows), cols=len(cols))
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        try:
            t.style = self.doc.styles["Table Grid"]
        except KeyError:  # pragma: no cover
            pass
        _table_borders(t, visible=True)
        _fixed_layout(t, widths)
        if caption:
            set_table_caption(t, caption)
        set_repeat_header(t.rows[0])
        align = {"left": "left", "center": "center", "right": "right"}
        grid = _cells(t)
        for j, c in enumerate(cols):
            cell = grid[0][j]
            self._clear_cell(cell)
            self._cpara(cell, c.header, size=size, bold=True)
        trs = t._tbl.tr_lst
        for i, r in enumerate(rows, start=1):
            last = bold_last_row and i == len(rows)
            cant = trs[i].get_or_add_trPr()
            _get_or_add(cant, "w:cantSplit").set(qn("w:val"), "true")
            for j, c in enumerate(cols):
                cell = grid[i][j]
                self._clear_cell(cell)
                v = r[j] if j < len(r) else ""
                self._cpara(cell, "" if v is None else str(v), size=size, bold=last,
                            align=align.get(c.align, "left"))
        self.doc.add_paragraph(style=COMPACT_STYLE).paragraph_format.space_after = Pt(6)
        return t

    def page_break(self) -> None:
        self.doc.add_page_break()

    def landscape_section(self, *, restart_numbering: bool = True) -> None:
        """New landscape A4 section for appendix tables; numbered from 1 on its own (Decree 30 §4.1)."""
        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._setup_page(sec, landscape=True)
        sectpr = sec._sectPr
        if restart_numbering:
            pg = _get_or_add(sectpr, "w:pgNumType")
            pg.set(qn("w:start"), "1")
        self._page_numbers(sec, first_page=False)

    def appendix(self, label: str, title: str, note: str | None = None, *, landscape: bool = True) -> None:
        """Phụ lục heading: label 14 bold centred, title UPPERCASE bold, "(Kèm theo …)" italic."""
        if landscape:
            self.landscape_section()
        else:
            self.page_break()
        self._cpara(self.doc, label, size=14, bold=True)
        self._cpara(self.doc, title, size=14, bold=True, upper=True)
        if note:
            self._cpara(self.doc, note, size=14, italic=True)
        self._cpara(self.doc, "", space_after=6)

    # ------------------------------------------------------------ signature and recipients (ô 7, 9b)
    def signature(self, recipients: Sequence[str], *, archive: str | None = None) -> None:
        f = self.frame
        avail = self.text_width_mm
        lw = avail * 0.5
        t = self._borderless([lw, avail - lw], rows=1)
        set_table_caption(t, "signature")
        left, right = t.cell(0, 0), t.cell(0, 1)
        p = self._cpara(left, "Nơi nhận:", size=12, bold=True, italic=True, align="left")
        p.paragraph_format.space_before = Pt(6)
        entries = [nfc(r).strip().rstrip(";.") for r in recipients if r and r.strip()]
        for e in entries:
            self._cpara(left, f"- {e};", size=11, align="left")
        self._cpara(left, f"- Lưu: VT, {archive or f.unit_abbrev}.", size=11, align="left")
        title = " ".join(x for x in (f.signer_prefix, f.signer_title) if x).upper()
        p = self._cpara(right, title, size=14, bold=True)
        p.paragraph_format.space_before = Pt(6)
        if f.signer_subtitle:
            self._cpara(right, f.signer_subtitle, size=14, bold=True, upper=True)
        for _ in range(4):
            self._cpara(right, "")
        self._cpara(right, f.signer_name or "", size=14, bold=True)

    # ------------------------------------------------------------ output
    def save(self, path: str | Path) -> Path:
        enforce_fonts(self.doc)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
        return path
