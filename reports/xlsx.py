"""XLSX annex of a report (openpyxl): the same tables as the DOCX, one sheet per table.

Each sheet: header row bold, frozen and filtered; column widths from the content; dates as real dates
(``DD/MM/YYYY``), counts as numbers; a group label (partner, field, agency) becomes a leading column so the sheet
stays filterable. A first sheet "Mục lục" lists every table (sheet, heading, key — the key is the DOCX table
caption). Classified reports carry the mark in the document properties and in the printed header of every sheet.
Charts are placed next to their data.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.text import nfc
from reports.annual import Chart, DocModel, Group, TableBlock

INDEX_SHEET = "Mục lục"
DATE_FORMAT = "DD/MM/YYYY"
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
_NUM_PREFIX = re.compile(r"^\s*(?:\d+|[IVXLC]+)[.)]\s+")
_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
SECRECY = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\) from a heading."""
    base = _BAD_SHEET.sub("-", _NUM_PREFIX.sub("", nfc(title) or "Bảng")).strip(" '") or "Bảng"
    if len(base) > 31:                                   # cut at a word boundary
        cut = base[:31]
        base = cut.rsplit(" ", 1)[0] if " " in cut[10:] else cut
    base = base.rstrip(" ,;-")
    name, i = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        i += 1
    used.add(name)
    return name


def _cell_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (date, datetime, int, float)) and not isinstance(v, bool):
        return v
    if isinstance(v, bool):
        return "Có" if v else "Không"
    if isinstance(v, (list, tuple)):
        v = "; ".join(str(x) for x in v)
    s = nfc(str(v)) or ""
    if s == "":
        return None
    return _CTRL.sub("", s)


def _width(values: list[Any], header: str) -> float:
    longest = len(header)
    for v in values[:2000]:
        if v is None:
            continue
        if isinstance(v, (date, datetime)):
            n = 10
        else:
            n = max((len(line) for line in str(v).split("\n")), default=0)
        longest = max(longest, n)
    return float(min(60, max(6, longest + 2)))


def write_table(ws, block: TableBlock) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = list(block.columns)
    headers = ([block.group_header or "Nhóm"] if any(isinstance(r, Group) for r in block.rows) else []) + \
              [nfc(c.header) or c.key for c in cols]
    grouped = len(headers) > len(cols)
    kinds = (["text"] if grouped else []) + [c.kind for c in cols]
    ws.append(headers)
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    group: str | None = None
    n = len(block.rows)
    data_rows: list[list[Any]] = []
    for i, row in enumerate(block.rows):
        if isinstance(row, Group):
            group = row.label
            continue
        vals = [_cell_value(v) for v in row]
        vals += [None] * (len(cols) - len(vals))
        if grouped:
            vals = [group] + vals
        ws.append(vals)
        data_rows.append(vals)
        if any(isinstance(v, str) and v.startswith("=") for v in vals):
            for c in ws[ws.max_row]:                   # data never becomes a formula
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"
        if block.total_row and i == n - 1:
            for c in ws[ws.max_row]:
                c.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, kind in enumerate(kinds, start=1):
        letter = get_column_letter(j)
        col_vals = [r[j - 1] for r in data_rows]
        ws.column_dimensions[letter].width = _width(col_vals, headers[j - 1])
        if kind == "date":
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if isinstance(c.value, (date, datetime)):
                    c.number_format = DATE_FORMAT
        elif any(isinstance(v, str) and "\n" in v for v in col_vals):
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                c.alignment = wrap
    ws.freeze_panes = "A2"
    if data_rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{ws.max_row}"


def render_xlsx(model: DocModel, out_path: str | Path, *, secrecy: str | None = None) -> Path:
    """Write every table of ``model`` (and the data of its charts) as a workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    secrecy = secrecy or model.secrecy
    mark = SECRECY.get(secrecy or "", "")
    wb = Workbook()
    idx = wb.active
    idx.title = INDEX_SHEET
    idx.append(["STT", "Bảng", "Nội dung", "Mã"])
    for c in idx[1]:
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center")
    used = {INDEX_SHEET}
    charts: dict[str, bytes] = {b.data.key: b.png for b in model.blocks if isinstance(b, Chart) and b.data}
    n = 0
    for block in model.tables():
        if not block.xlsx:
            continue
        n += 1
        name = sheet_name(block.sheet or block.title or block.key, used)
        ws = wb.create_sheet(name)
        write_table(ws, block)
        if mark:
            ws.oddHeader.center.text = mark
            ws.oddHeader.center.font = "Times New Roman,Bold"
        png = charts.get(block.key)
        if png:
            from openpyxl.drawing.image import Image

            img = Image(io.BytesIO(png))
            img.width, img.height = img.width * 0.3, img.height * 0.3
            from openpyxl.utils import get_column_letter

            ws.add_image(img, f"{get_column_letter(len(block.columns) + 2)}2")
        idx.append([n, name, nfc(block.title), block.key])
        idx.cell(row=idx.max_row, column=2).hyperlink = f"#'{name}'!A1"
    for letter, w in (("A", 6), ("B", 32), ("C", 80), ("D", 28)):
        idx.column_dimensions[letter].width = w
    idx.freeze_panes = "A2"
    if mark:
        idx.oddHeader.center.text = mark
    props = wb.properties
    props.title = nfc(model.title)
    props.subject = nfc(model.summary)
    props.creator = "treatydb"
    props.language = "vi-VN"
    if mark:
        props.category = mark
    if model.properties.get("keywords"):
        props.keywords = model.properties["keywords"]
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(out))
    return out


def read_sheets(path: str | Path) -> dict[str, list[list[Any]]]:
    """key (DOCX caption) → rows (header first) of a workbook written by :func:`render_xlsx`; for tests and
    tooling."""
    from openpyxl import load_workbook

    wb = load_workbook(str(path), read_only=True)
    out: dict[str, list[list[Any]]] = {}
    index = [r for r in wb[INDEX_SHEET].iter_rows(min_row=2, values_only=True)]
    for _, name, _, key in index:
        rows = []
        for r in wb[name].iter_rows(values_only=True):
            rows.append([v.date() if isinstance(v, datetime) else v for v in r])
        out[key] = rows
    wb.close()
    return out
