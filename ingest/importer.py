"""Import lists of treaties and agreements from CSV or XLSX files (``treatydb import``).

One file row → one instrument record, keyed by ``external_ref = f"{source}:{key}"`` so that importing the
same file again changes nothing and a changed row updates its record (through
:func:`core.service.update_instrument`, with the audit trail).

Decisions (see also the CLI help):

* **Records** are ``confirmed`` unless ``draft=True``; ``source="import"``; classification ``none``; the
  publish decision stays ``None`` unless a column (or ``--set publish=…``) gives it.  An imported record is
  therefore **not public** (search, public API, open data) until a legal officer decides to publish it.
* **Unknown parties**: a party name that no country or organisation matches does not lose the row: the row is
  imported as a **draft** record, the name kept without a code, with a warning naming the value.  A draft is
  never public and cannot be confirmed until the party is given a code (``confirm_instrument`` refuses).
  A record that is already confirmed is not downgraded: the row is then an error.
* **Validation** per row: unreadable date, unknown family value, missing title, an impossible sequence (entry
  into force before signature, an end before the signature or the entry into force), a signature in the future,
  the rules of each law (``treaties.rules``/``agreements.rules``).  A bad row is reported (row, field, message)
  and skipped; the others go on.  Writes are per row: one transaction for each row.
* **Dates**: ``DD/MM/YYYY`` (``MM/DD/YYYY`` with ``date_order="mdy"``), ``DD.MM.YYYY``, ISO, ``24 Sep 1982 a``,
  month-year, year only (stored as 1 January, with a warning), the sentinel ``31.12.9999`` = no end,
  ``N/A``/``n/a``/empty = missing, the zero date ``0000-00-00`` = missing (with a warning).  With
  ``date_order="ymd"`` an all-numeric ``nn/nn/yyyy`` value is refused as ambiguous.
* **Events**: ``signed_date`` → ``signed``, ``eif_date`` → ``entered_into_force``, ``end_date`` →
  ``terminated`` (``expired`` when the status text says so).  The events an import writes carry the note
  ``import:<external_ref>``; a later import moves or removes only those; events recorded by hand are never
  changed (a different date in the file is then a warning).
* **The file is authoritative for the mapped columns only**; other fields of the record (set by officers)
  are never touched.  ``record_state`` and ``family`` are never changed by a re-import.
* **Duplicate keys** in one file: a row identical to an earlier one with the same key is skipped with a
  warning; a different row with the same key is an error (map ``key`` to an identifying column).
* **Encoding**: UTF-8 (with or without BOM) is expected.  A few bytes that are not UTF-8 inside an otherwise
  UTF-8 file are read as Windows-1258 (the Vietnamese Windows code page) with a warning naming the row and the
  column; a file that is not UTF-8 at all is decoded with the encoding charset-normalizer detects (warning).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

import agreements.rules  # noqa: F401  (registers the rules of Law 2020)
import treaties.rules  # noqa: F401  (registers the rules of Law 2016)
from core import audit
from core.dates import DateParseError, parse_date_cell
from core.exceptions import TreatyDBError, ValidationFailed
from core.lifecycle import EventView, check_new_event
from core.models import Instrument, InstrumentEvent
from core.parties import PartyMatch, resolve_party
from core.registry import check_family_rules
from core.schemas import EventIn, InstrumentCreate, InstrumentUpdate, PartyIn
from core.text import fold, fold_key, nfc

__all__ = [
    "ImportUsageError",
    "ImportOptions",
    "SourceRow",
    "SourceTable",
    "RowOutcome",
    "ImportReport",
    "MAPPABLE_FIELDS",
    "EXTRA_FIELDS",
    "parse_assignments",
    "read_table",
    "decode_bytes",
    "split_parties",
    "resolve_party_list",
    "lookup_party",
    "parse_date_value",
    "iter_import",
    "import_table",
    "import_path",
]


class ImportUsageError(Exception):
    """The command was misused (unknown field, unreadable file, missing column …): exit code 2."""


# ---------------------------------------------------------------------------------------------------- fields
# InstrumentCreate fields a column may fill (events/external_ref are built by the importer; titles as titles.xx)
_MODEL_FIELDS = tuple(f for f in InstrumentCreate.model_fields if f not in ("events", "external_ref", "titles"))
EXTRA_FIELDS = ("eif_date", "end_date", "status", "key")
MAPPABLE_FIELDS = tuple(_MODEL_FIELDS) + EXTRA_FIELDS
_TITLES_RE = re.compile(r"^titles\.([a-z]{2,3})$")

_FAMILY_WORDS = {
    "treaty": "treaty", "treaties": "treaty", "dieu uoc": "treaty", "dieu uoc quoc te": "treaty", "duqt": "treaty",
    "agreement": "agreement", "agreements": "agreement", "thoa thuan": "agreement",
    "thoa thuan quoc te": "agreement", "ttqt": "agreement",
}
DEFAULT_TYPE = {"treaty": "điều ước quốc tế", "agreement": "thỏa thuận quốc tế"}
_TRUE = {"yes", "y", "true", "t", "1", "x", "co", "dung", "oui"}
_FALSE = {"no", "n", "false", "f", "0", "khong", "sai", "non"}
_ZERO_DATE = re.compile(r"^0{1,4}([-/.]0{1,2}){2}$|^0{2}([-/.]0{2})[-/.]0{4}$")
_EVENT_MARK = "import:"
_ESCAPES = re.compile(r"(?:\\[rnt])+")          # literal "\r\n" left in exported data
_SPECIAL = ("family", "title", "parties", "key", "status", "eif_date", "end_date")
_MULTILINE = ("notes", "content_summary")
_KEEP_IF_EMPTY = ("classification", "instrument_type")
_CLASS_RANK = {"none": 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}


def _field_kind(name: str) -> str:
    """date | bool | int | list | str, read from the InstrumentCreate annotation."""
    if name in ("eif_date", "end_date"):
        return "date"
    ann = InstrumentCreate.model_fields[name].annotation if name in InstrumentCreate.model_fields else str
    args = typing.get_args(ann) if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union \
        else (ann,)
    for a in args:
        if a is date:
            return "date"
        if a is bool:
            return "bool"
        if a is int:
            return "int"
        if typing.get_origin(a) is list and typing.get_args(a) == (str,):
            return "list"
    return "str"


def parse_where(items: list[str] | None) -> list[tuple[str, str]]:
    """``["Membership~Vietnam", "Membership~Lao"]`` → ``[("Membership", "Vietnam"), ("Membership", "Lao")]``: rows
    whose cells contain every text, ignoring case, marks, đ, spaces and hyphens ("Vietnam" finds "Viet Nam" and
    "Việt Nam")."""
    out: list[tuple[str, str]] = []
    for item in items or []:
        col, sep, text = item.partition("~")
        if not sep or not col.strip() or not text.strip():
            raise ImportUsageError(f"--where {item!r}: write COLUMN~TEXT (e.g. --where Membership~Vietnam)")
        if not fold_key(text):
            raise ImportUsageError(f"--where {item!r}: the text has no letter or digit to look for")
        out.append((col.strip(), text.strip()))
    return out


def parse_assignments(items: list[str] | None, what: str = "--map") -> dict[str, str]:
    """``["title=Common.Name", …]`` → ``{"title": "Common.Name"}``; an unknown field is a usage error."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise ImportUsageError(f"{what} {item!r}: write FIELD=VALUE (e.g. {what} title=Name)")
        k, v = item.split("=", 1)
        k, v = k.strip(), v.strip()
        if k not in MAPPABLE_FIELDS and k != "family" and not _TITLES_RE.match(k):
            raise ImportUsageError(f"{what} {item!r}: unknown field {k!r}; known fields: "
                                   f"{', '.join(sorted(set(MAPPABLE_FIELDS)))}, titles.<lang>")
        if not v:
            raise ImportUsageError(f"{what} {item!r}: no value after '='")
        if k in out:
            raise ImportUsageError(f"{what}: field {k!r} given twice")
        out[k] = v
    return out


@dataclass
class ImportOptions:
    family: str | None = None                 # treaty | agreement (or map a "family" column)
    mapping: dict[str, str] = field(default_factory=dict)   # FIELD → column header
    constants: dict[str, str] = field(default_factory=dict)  # FIELD → value for every row (--set)
    date_order: str = "dmy"                   # dmy | mdy | ymd
    source: str | None = None                 # external_ref prefix; default: the file's stem
    sheet: str | None = None                  # XLSX sheet; default: the first
    draft: bool = False                       # import as drafts
    dry_run: bool = False
    limit: int | None = None                  # only the first N data rows
    actor: str = "import"
    where: list[tuple[str, str]] = field(default_factory=list)  # (column, text the cell must contain), --where

    def check(self) -> None:
        if self.date_order not in ("dmy", "mdy", "ymd"):
            raise ImportUsageError(f"--date-order must be dmy, mdy or ymd, not {self.date_order!r}")
        if self.family is not None and self.family not in ("treaty", "agreement"):
            raise ImportUsageError(f"--family must be 'treaty' or 'agreement', not {self.family!r}")
        if self.family is None and "family" not in self.mapping and "family" not in self.constants:
            raise ImportUsageError("give --family treaty|agreement (or --map family=COLUMN)")
        if "title" not in self.mapping and "title" not in self.constants:
            raise ImportUsageError("map the title column: --map title=COLUMN")
        both = set(self.mapping) & set(self.constants)
        if both:
            raise ImportUsageError(f"field(s) {', '.join(sorted(both))} given both by --map and --set")
        for k in list(self.mapping) + list(self.constants):
            if k not in MAPPABLE_FIELDS and k != "family" and not _TITLES_RE.match(k):
                raise ImportUsageError(f"unknown field {k!r}")
        if self.limit is not None and self.limit < 0:
            raise ImportUsageError("--limit must be 0 or more")
        if self.source is not None and (not self.source.strip() or ":" in self.source):
            raise ImportUsageError("--source must be a non-empty name without ':'")


# ---------------------------------------------------------------------------------------------------- reading
@dataclass
class SourceRow:
    number: int                      # row number as in a spreadsheet (the header is row 1 in a usual file)
    cells: dict[str, Any]            # header → value (str from CSV; str/number/datetime from XLSX)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def is_blank(self) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in self.cells.values())


@dataclass
class SourceTable:
    path: Path
    headers: list[str]
    rows: list[SourceRow]
    header_row: int = 1
    encoding: str | None = None
    dialect: str | None = None
    sheet: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)   # file-level (row None or the header row)

    def column(self, name: str) -> str | None:
        """The header matching ``name`` exactly, else ignoring case and spacing."""
        if name in self.headers:
            return name
        k = _norm_header(name)
        for h in self.headers:
            if _norm_header(h) == k:
                return h
        return None


def _norm_header(s: str) -> str:
    return re.sub(r"\s+", " ", nfc(str(s)).strip().casefold())


@dataclass
class Decoded:
    text: str                 # ASCII-compatible input: UTF-8 decoded with surrogateescape (see fix_cell)
    encoding: str             # "utf-8" | "utf-8 (stray bytes as windows-1258)" | the detected legacy encoding
    mode: str                 # "utf-8" | "stray" | "legacy" | "decoded"
    legacy: str | None = None
    note: str | None = None


_SURROGATES = re.compile(r"[\udc80-\udcff]+")


def decode_bytes(data: bytes) -> Decoded:
    """Decide how to read ``data``; cells are finished with :func:`fix_cell` (exact bytes are kept until then)."""
    from charset_normalizer import from_bytes

    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                     (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            if enc == "utf-8-sig":
                data = data[len(bom):]
                break
            return Decoded(data.decode(enc, errors="replace"), enc, "decoded")
    if b"\x00" in data[:4096]:  # UTF-16/32 without a BOM
        best = from_bytes(data).best()
        if best is None:
            raise ImportUsageError("cannot read the file: binary content, not a CSV text file")
        return Decoded(str(best), best.encoding, "decoded",
                       note=f"the file is not UTF-8; decoded as {best.encoding} (detected)")
    text = data.decode("utf-8", errors="surrogateescape")
    bad = sum(len(m.group()) for m in _SURROGATES.finditer(text))
    if bad == 0:
        return Decoded(text, "utf-8", "utf-8")
    good_multibyte = sum(1 for ch in text if ord(ch) > 0x7F and not 0xDC80 <= ord(ch) <= 0xDCFF)
    if bad <= 3 or bad <= good_multibyte:
        return Decoded(text, "utf-8 (stray bytes read as windows-1258)", "stray")
    best = from_bytes(data).best()
    enc = best.encoding if best is not None and best.encoding not in ("utf_8", "utf-8", "ascii") else "cp1258"
    return Decoded(text, enc, "legacy", legacy=enc,
                   note=f"the file is not UTF-8 ({bad} byte(s) are not); read as {enc} (detected by "
                        "charset-normalizer): check the accented text of the imported records")


def _stray_byte_text(raw: bytes) -> str:
    out = []
    for b in raw:
        try:
            out.append(bytes([b]).decode("cp1258"))
        except UnicodeDecodeError:
            out.append(bytes([b]).decode("latin-1"))
    return nfc("".join(out))


def fix_cell(value: str, dec: Decoded) -> tuple[str, str | None]:
    """Turn the escaped bytes of a cell into text; returns (text, warning or None)."""
    if dec.mode not in ("stray", "legacy") or not _SURROGATES.search(value):
        return value, None
    if dec.mode == "legacy":
        raw = value.encode("utf-8", errors="surrogateescape")
        return nfc(raw.decode(dec.legacy or "cp1258", errors="replace")), None
    shown = []

    def repl(m: re.Match) -> str:
        raw = bytes(ord(c) - 0xDC00 for c in m.group())
        txt = _stray_byte_text(raw)
        shown.append(f"{' '.join(f'0x{b:02X}' for b in raw)} → {txt!r}")
        return txt

    fixed = nfc(_SURROGATES.sub(repl, value))
    return fixed, (f"byte(s) not valid UTF-8 read as Windows-1258: {', '.join(shown)}; the cell now reads "
                   f"{fixed[:120]!r}: check it")


def _sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    sample = text[:65536]
    lines = [ln for ln in sample.splitlines() if ln.strip()][:20]
    try:
        d = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        if lines and len(next(csv.reader([lines[0]], d))) > 1:
            return d
    except csv.Error:
        pass
    best, best_n = csv.excel, 1
    for delim in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if counts and counts[0] > best_n and sum(c == counts[0] for c in counts) >= 0.8 * len(counts):
            best_n = counts[0]
            best = type("Sniffed", (csv.excel,), {"delimiter": delim})
    return best


def _find_header(records: list[list[Any]], wanted: list[str]) -> int:
    """Index of the header record: the first (of the first 30) holding every wanted column, else the first
    non-empty one."""
    wanted_n = {_norm_header(w) for w in wanted}
    first_nonempty = None
    for i, rec in enumerate(records[:30]):
        vals = {_norm_header(v) for v in rec if v is not None and str(v).strip()}
        if not vals:
            continue
        if first_nonempty is None:
            first_nonempty = i
        if wanted_n and wanted_n <= vals:
            return i
    if first_nonempty is None:
        raise ImportUsageError("the file has no header row (it is empty)")
    return first_nonempty


def _build_table(path: Path, records: list[list[Any]], wanted: list[str], **kw) -> SourceTable:
    h = _find_header(records, wanted)
    headers: list[str] = []
    warnings = list(kw.pop("warnings", []))
    for j, v in enumerate(records[h]):
        name = nfc(str(v)).strip() if v is not None and str(v).strip() else f"column {j + 1}"
        if name in headers:
            warnings.append({"row": h + 1, "field": name, "message": f"duplicate column header {name!r}: "
                             f"column {j + 1} is read as {name + f' ({j + 1})'!r}"})
            name = f"{name} ({j + 1})"
        headers.append(name)
    rows = []
    for i in range(h + 1, len(records)):
        rec = list(records[i])
        cells = {hd: (rec[j] if j < len(rec) else None) for j, hd in enumerate(headers)}
        extra = [v for v in rec[len(headers):] if v is not None and str(v).strip()]
        row = SourceRow(number=i + 1, cells=cells)
        if extra:
            row.warnings.append({"row": i + 1, "field": None,
                                 "message": f"{len(extra)} cell(s) beyond the last header column ignored"})
        rows.append(row)
    return SourceTable(path=path, headers=headers, rows=rows, header_row=h + 1, warnings=warnings, **kw)


def read_table(path: Path | str, *, sheet: str | None = None, wanted: list[str] | None = None) -> SourceTable:
    """Read a CSV or XLSX file into a header and rows.  ``wanted``: the column names to look for when
    finding the header row.  Raises :class:`ImportUsageError` when the file cannot be read."""
    path = Path(path)
    if not path.exists():
        raise ImportUsageError(f"no such file: {path}")
    if not path.is_file():
        raise ImportUsageError(f"not a file: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportUsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportUsageError(f"{path.name}: Excel 97-2003 (.xls) files are not read; save it as .xlsx or .csv")
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return _read_xlsx(path, data, sheet, wanted or [])
    if sheet:
        raise ImportUsageError("--sheet applies to XLSX files only")
    return _read_csv(path, data, wanted or [])


def _read_csv(path: Path, data: bytes, wanted: list[str]) -> SourceTable:
    if not data.strip():
        raise ImportUsageError(f"{path.name} is empty")
    dec = decode_bytes(data)
    dialect = _sniff(dec.text)
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))   # long titles/notes in one cell
    try:
        records = list(csv.reader(io.StringIO(dec.text, newline=""), dialect))
    except csv.Error as exc:
        raise ImportUsageError(f"{path.name} is not a readable CSV file: {exc}") from None
    cell_warnings: dict[int, list[tuple[int, str]]] = {}
    fixed_records = []
    for i, rec in enumerate(records):
        out = []
        for j, v in enumerate(rec):
            v2, w = fix_cell(v, dec)
            if w:
                cell_warnings.setdefault(i, []).append((j, w))
            out.append(v2)
        fixed_records.append(out)
    file_warnings = [{"row": None, "field": None, "message": dec.note}] if dec.note else []
    table = _build_table(path, fixed_records, wanted, encoding=dec.encoding,
                         dialect=f"delimiter {getattr(dialect, 'delimiter', ',')!r}", warnings=file_warnings)
    by_number = {r.number: r for r in table.rows}
    for i, ws in sorted(cell_warnings.items()):
        for j, w in ws:
            col = table.headers[j] if j < len(table.headers) else f"column {j + 1}"
            issue = {"row": i + 1, "field": col, "message": f"row {i + 1}, column {col!r}: {w}"}
            if i + 1 in by_number:
                by_number[i + 1].warnings.append(issue)
            else:
                table.warnings.append(issue)
    if dec.mode == "legacy":
        affected = [n for n in sorted(by_number) if any(isinstance(v, str) and any(ord(c) > 0x7F for c in v)
                                                         for v in by_number[n].cells.values())]
        for n in affected[:50]:
            by_number[n].warnings.append({"row": n, "field": None, "message": f"row {n} has accented text read as "
                                          f"{dec.legacy} (the file is not UTF-8): check it"})
    return table


def _read_xlsx(path: Path, data: bytes, sheet: str | None, wanted: list[str]) -> SourceTable:
    try:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise ImportUsageError(f"{path.name} is not a readable XLSX file: {type(exc).__name__}: {exc}") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise ImportUsageError(f"{path.name} has no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        records = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
        if not records:
            raise ImportUsageError(f"sheet {ws.title!r} of {path.name} is empty")
        records = [[nfc(v) if isinstance(v, str) else v for v in r] for r in records]
        return _build_table(path, records, wanted, sheet=ws.title, encoding="xlsx")
    finally:
        wb.close()


# ---------------------------------------------------------------------------------------------------- values
def parse_date_value(raw: Any, order: str = "dmy") -> tuple[date | None, str, str | None]:
    """One cell → ``(date or None, state, warning)``; state is "value", "missing" or "open_end".
    Raises :class:`DateParseError` naming the value."""
    if raw is None:
        return None, "missing", None
    if isinstance(raw, (datetime, date)):
        cell = parse_date_cell(raw)
        return cell.value, ("open_end" if cell.open_end else "value"), None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer() and 1 <= raw <= 9999:
            raw = str(int(raw))
        else:
            raise DateParseError(raw, "a number that is not a year")
    s = nfc(str(raw)).strip()
    if _ZERO_DATE.match(s):
        return None, "missing", f"the zero date {s!r} is read as missing"
    if order == "ymd" and re.fullmatch(r"\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{4}", s):
        raise DateParseError(s, "day and month cannot be told apart with --date-order ymd")
    cell = parse_date_cell(s, "mdy" if order == "mdy" else "dmy")
    if cell.open_end:
        return None, "open_end", None
    if cell.missing or cell.value is None:
        return None, "missing", None
    warn = None
    if cell.precision == "year":
        warn = f"{s!r} gives the year only; stored as {cell.value.isoformat()}"
    elif cell.precision == "month":
        warn = f"{s!r} gives the month only; stored as {cell.value.isoformat()}"
    return cell.value, "value", warn


def _text(raw: Any, multiline: bool = False) -> str | None:
    """A cell as text: NFC, literal "\\r\\n" escapes and runs of white space made one space (new lines kept
    with ``multiline``)."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.isoformat()
    s = nfc(str(raw))
    if multiline:
        s = "\n".join(re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in s.replace("\r\n", "\n").split("\n"))
    else:
        s = re.sub(r"\s+", " ", _ESCAPES.sub(" ", s))
    s = s.strip()
    return s or None


def _bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    s = _text(raw)
    if s is None:
        return None
    f = fold(s)
    if f in _TRUE:
        return True
    if f in _FALSE:
        return False
    raise ValueError(f"not yes/no: {s!r}")


def _int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        raise ValueError(f"not a whole number: {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError(f"not a whole number: {raw!r}")
    s = _text(raw)
    if s is None:
        return None
    if not re.fullmatch(r"[+-]?\d+(\.0+)?", s):
        raise ValueError(f"not a whole number: {s!r}")
    return int(float(s))


def _family(raw: Any) -> str | None:
    s = _text(raw)
    if s is None:
        return None
    fam = _FAMILY_WORDS.get(fold(s))
    if fam is None:
        raise ValueError(f"unknown family {s!r}: use 'treaty' (điều ước quốc tế) or 'agreement' (thỏa thuận quốc tế)")
    return fam


# ---------------------------------------------------------------------------------------------------- parties
_LIST_SEP = re.compile(r"[,;\n|]")
_LEAD_CONJ = re.compile(r"^(?:and|và|va|&)\s+", re.I)
# separators inside one list item: "India and Pakistan", "Chile - China", "Chile-China", "Việt Nam và Lào"
_INNER_SEP = re.compile(r"(\s+(?:and|và|&)\s+|\s*[–—/]\s*|\s+-\s+|(?<=\w)-(?=\w))", re.I)
_INVERTED_TAIL = re.compile(r"^(?:the\s+)?(?:[\w'’-]+\s+){0,4}of(?:\s+the)?$", re.I)
_MEMBER_LIST = re.compile(r"\s*\(([^()]*[,;][^()]*)\)")  # "(Brunei Darussalam, Cambodia, …)"


def _clean_text(s: str) -> str:
    return _ESCAPES.sub(" ", s)


def split_parties(text: str | None) -> list[str]:
    """Split a free-text party list on "," ";" "|" and new lines outside brackets.  A bracket holding a list
    after a name is that organisation's membership ("ASEAN (Brunei Darussalam, …, Vietnam)"): the
    organisation is the party and the bracket is dropped."""
    if not text:
        return []
    text = _MEMBER_LIST.sub(" ", _clean_text(nfc(text)))
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if depth == 0 and _LIST_SEP.match(ch):
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    items: list[str] = []
    for it in out:
        it = re.sub(r"\s+", " ", it).strip(" \t.")
        it = _LEAD_CONJ.sub("", it).strip()
        if not it:
            continue
        if items and _INVERTED_TAIL.match(it):   # "Korea, Republic of" is one name
            items[-1] = f"{items[-1]}, {it}"
        else:
            items.append(it)
    return items


def lookup_party(name: str) -> PartyMatch | None:
    """:func:`core.parties.resolve_party`, also reading 'St.' as 'Saint' and '&' as 'and'."""
    m = resolve_party(name)
    if m is not None:
        return m
    alt = name
    if re.search(r"\bSt\.?\s", alt):  # "St. Kitts and Nevis" → "Saint Kitts and Nevis"
        alt = re.sub(r"\bSt\.?\s+", "Saint ", alt)
    if "&" in alt:                    # "Bosnia & Herzegovina"
        alt = re.sub(r"\s*&\s*", " and ", alt)
    if alt != name:
        m = resolve_party(alt)
        if m is not None:
            return PartyMatch(m.code, m.kind, m.name_en, m.name_vi, name)
    return None


def _full(m: PartyMatch | None, name: str) -> bool:
    if m is None:
        return False
    a, b = fold_key(m.matched_text or ""), fold_key(name)
    return a == b or a == fold_key(re.sub(r"\s*&\s*", " and ", re.sub(r"\bSt\.?\s+", "Saint ", name)))


def _segment(item: str) -> list[tuple[str, PartyMatch | None]] | None:
    """Split one item at its inner separators so that the most pieces are whole party names (fewest groups
    among equals); consecutive pieces no name matches stay together.  None when no piece is a name."""
    parts = _INNER_SEP.split(item)
    pieces, seps = parts[0::2], parts[1::2]
    n = len(pieces)
    if n < 2 or n > 16:
        return None

    def span(i: int, j: int) -> str:  # pieces i..j-1 with their separators
        return "".join(pieces[k] + (seps[k] if k < j - 1 else "") for k in range(i, j)).strip()

    # best[i] = (unresolved pieces, groups, segmentation) for pieces[i:]
    best: list[tuple[int, int, list[tuple[int, int, PartyMatch | None]]] | None] = [None] * (n + 1)
    best[n] = (0, 0, [])
    for i in range(n - 1, -1, -1):
        cands = []
        for j in range(i + 1, n + 1):
            txt = span(i, j)
            m = lookup_party(txt) if txt else None
            rest = best[j]
            if rest is None:
                continue
            if _full(m, txt):
                cands.append((rest[0], rest[1] + 1, [(i, j, m)] + rest[2]))
            elif j == i + 1:
                cands.append((rest[0] + 1, rest[1] + 1, [(i, j, None)] + rest[2]))
        best[i] = min(cands, key=lambda c: (c[0], c[1])) if cands else None
    res = best[0]
    if res is None or all(m is None for _, _, m in res[2]):
        return None
    out: list[tuple[str, PartyMatch | None]] = []
    pending: int | None = None  # start of a run of unresolved pieces
    for idx, (i, j, m) in enumerate(res[2]):
        if m is None:
            pending = i if pending is None else pending
            nxt = res[2][idx + 1] if idx + 1 < len(res[2]) else None
            if nxt is None or nxt[2] is not None:
                out.append((span(pending, j), None))
                pending = None
        else:
            out.append((span(i, j), m))
    return out


def _resolve_item(item: str) -> list[tuple[str, PartyMatch | None]]:
    m = lookup_party(item)
    if _full(m, item):
        return [(item, m)]
    seg = _segment(item)
    if seg is not None:  # at least one piece is a whole name: "St. Kitts-Nevis-Anguilla" → ?, Anguilla
        return seg
    if m is not None:   # "Government of Japan", "China (Taiwan)": the resolver's reading
        return [(item, m)]
    paren = re.match(r"^(.*?)\s*\((.*)\)\s*$", item)
    if paren:
        base = paren.group(1).strip()
        bm = lookup_party(base)
        if _full(bm, base):
            return [(item, bm)]
    return [(item, None)]


def resolve_party_list(text: str | None) -> list[tuple[str, PartyMatch | None]]:
    """Free-text party list → ``[(name as written, PartyMatch or None)]`` without repeated codes."""
    out: list[tuple[str, PartyMatch | None]] = []
    seen: set[str] = set()
    for item in split_parties(text):
        for name, m in _resolve_item(item):
            if m is not None:
                if m.code in seen:
                    continue
                seen.add(m.code)
            out.append((name, m))
    return out


# ---------------------------------------------------------------------------------------------------- outcomes
@dataclass
class RowOutcome:
    row: int
    status: str                        # imported | updated | unchanged | duplicate | error
    external_ref: str | None = None
    record_id: int | None = None
    title: str | None = None
    record_state: str | None = None
    changed: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.status in ("unchanged", "duplicate", "error")

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "status": self.status, "external_ref": self.external_ref,
                "record_id": self.record_id, "title": self.title, "record_state": self.record_state,
                "changed": self.changed, "warnings": self.warnings, "errors": self.errors}


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)
    file_warnings: list[dict[str, Any]] = field(default_factory=list)
    not_in_file: int | None = None
    encoding: str | None = None
    filtered_out: int = 0  # rows left out by --where

    def add(self, o: RowOutcome) -> None:
        self.outcomes.append(o)

    def summary(self) -> dict[str, Any]:
        c = {s: sum(1 for o in self.outcomes if o.status == s) for s in
             ("imported", "updated", "unchanged", "duplicate", "error")}
        return {
            "rows": len(self.outcomes),
            "imported": c["imported"],
            "updated": c["updated"],
            "skipped": c["unchanged"] + c["duplicate"] + c["error"],
            "errors": [e for o in self.outcomes for e in o.errors],
            "unchanged": c["unchanged"],
            "duplicates": c["duplicate"],
            "drafts": sum(1 for o in self.outcomes if o.status in ("imported", "updated")
                          and o.record_state == "draft"),
            "warnings": self.file_warnings + [w for o in self.outcomes for w in o.warnings],
            "not_in_file": self.not_in_file,
            "filtered_out": self.filtered_out,
            "source": self.source,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
        }


# ---------------------------------------------------------------------------------------------------- planning
@dataclass
class _Plan:
    """What one valid row asks for."""
    family: str
    external_ref: str
    data: InstrumentCreate                   # the full create payload (parties with codes, events marked)
    provided: set[str]                       # the InstrumentCreate fields the file (or --set) gives
    parties: list[tuple[str, str | None]] | None   # (name, code) when mapped
    unresolved: list[str]
    events: dict[str, tuple[str, date] | None]     # slot (signed|eif|end) → (type, date) or None, mapped only
    fingerprint: str
    empty: set[str] = field(default_factory=set)   # provided fields whose cell was empty


_SLOT_TYPES = {"signed": ("signed",), "eif": ("entered_into_force",), "end": ("terminated", "expired")}


class _RowErrors(Exception):
    def __init__(self, issues: list[dict[str, Any]]):
        super().__init__("; ".join(i["message"] for i in issues))
        self.issues = issues


def _status_kind(text: str | None) -> str | None:
    if not text:
        return None
    f = fold(text)
    if f in ("unknown", "n/a", "na", "khong ro", "?"):
        return None
    if re.search(r"\b(not|chua|khong)\b", f) or "not yet" in f or "pending" in f:
        return "not_in_force"
    if re.search(r"expired|het han|het hieu luc|terminated|cham dut|withdrawn|superseded|replaced|inactive", f):
        return "ended"
    if re.search(r"in force|con hieu luc|co hieu luc|dang co hieu luc|active|effective", f):
        return "in_force"
    return "unknown"


_TYPE_FIELD = {"signed": "signed_date", "entered_into_force": "eif_date", "terminated": "end_date",
               "expired": "end_date"}
_TYPE_RANK = {"signed": 0, "entered_into_force": 1, "terminated": 2, "expired": 2}


def _check_sequence(events: list[EventView], others: list[Any]) -> None:
    """Each planned event against the events already kept and the planned ones before it (date order)."""
    allev = list(others) + list(events)
    signed = [e.date for e in allev if e.type == "signed" and getattr(e, "party_code", None) is None]
    for ev in events:
        if ev.type == "entered_into_force" and signed and ev.date < min(signed):
            raise _RowErrors([{"field": "eif_date", "message": f"entry into force on {ev.date.isoformat()} is before "
                               f"the signature on {min(signed).isoformat()}"}])
        if ev.type == "signed":
            eifs = [e.date for e in allev if e.type == "entered_into_force"
                    and getattr(e, "party_code", None) is None and e.date < ev.date]
            if eifs:
                raise _RowErrors([{"field": "eif_date", "message": f"entry into force on {min(eifs).isoformat()} is "
                                   f"before the signature on {ev.date.isoformat()}"}])
    starts = [e for e in allev if e.type in ("signed", "entered_into_force") and getattr(e, "party_code", None) is None]
    for ev in events:
        if ev.type in ("terminated", "expired"):
            before = [e for e in starts if e.date > ev.date]
            if before:
                b = min(before, key=lambda e: e.date)
                what = "signature" if b.type == "signed" else "entry into force"
                raise _RowErrors([{"field": "end_date", "message": f"end date {ev.date.isoformat()} is before the "
                                   f"{what} on {b.date.isoformat()}"}])
    done: list[Any] = list(others)
    for ev in sorted(events, key=lambda e: (e.date, _TYPE_RANK.get(e.type, 9))):
        try:
            check_new_event(done, ev.type, ev.date, None)
        except TreatyDBError as exc:
            raise _RowErrors([{"field": _TYPE_FIELD.get(ev.type, "date"), "message": exc.message}]) from None
        done.append(ev)


class _Importer:
    def __init__(self, session: Session | None, table: SourceTable, opts: ImportOptions, source: str):
        self.s = session
        self.t = table
        self.o = opts
        self.source = source
        self.cols: dict[str, str] = {}
        for fld, col in opts.mapping.items():
            real = table.column(col)
            if real is None:
                raise ImportUsageError(f"--map {fld}={col}: no column {col!r} in {table.path.name}; columns: "
                                       + ", ".join(repr(h) for h in table.headers))
            self.cols[fld] = real
        self.fields = set(opts.mapping) | set(opts.constants)
        self.existing: dict[str, Instrument] = {}
        self.seen: dict[str, tuple[int, str]] = {}   # external_ref → (row, fingerprint)
        self.file_warnings: list[dict[str, Any]] = []
        self.ended_unmapped = 0
        self._load_existing()

    # ------------------------------------------------------------ existing records
    def _load_existing(self) -> None:
        if self.s is None:
            return
        prefix = f"{self.source}:"
        try:
            rows = self.s.exec(select(Instrument).where(Instrument.external_ref.startswith(prefix, autoescape=True)))
            self.existing = {r.external_ref: r for r in rows}
        except Exception as exc:  # dry run on a database without tables
            self.s.rollback()
            if not self.o.dry_run:
                raise
            self.file_warnings.append({"row": None, "field": None, "message": f"database not readable "
                                       f"({type(exc).__name__}); every row is counted as new"})

    # ------------------------------------------------------------ cells
    def _raw(self, row: SourceRow, fld: str) -> Any:
        if fld in self.o.constants:
            return self.o.constants[fld]
        col = self.cols.get(fld)
        return row.cells.get(col) if col else None

    def _issue(self, fld: str, message: str) -> dict[str, Any]:
        return {"field": fld, "message": message}

    def plan(self, row: SourceRow, warnings: list[dict[str, Any]]) -> _Plan:
        errs: list[dict[str, Any]] = []
        order = self.o.date_order
        values: dict[str, Any] = {}

        def warn(fld: str | None, msg: str) -> None:
            warnings.append({"row": row.number, "field": fld, "message": msg})

        # family
        family = self.o.family
        if "family" in self.fields:
            try:
                family = _family(self._raw(row, "family")) or family
            except ValueError as exc:
                errs.append(self._issue("family", str(exc)))
            if family is None and not errs:
                errs.append(self._issue("family", "no family in the row and no --family default"))
        # title
        title = _text(self._raw(row, "title"))
        if not title:
            errs.append(self._issue("title", "missing title"))
        # plain fields
        for fld in sorted(self.fields):
            if fld in _SPECIAL or fld.startswith("titles."):
                continue
            raw = self._raw(row, fld)
            kind = _field_kind(fld)
            try:
                if kind == "date":
                    d, state, w = parse_date_value(raw, order)
                    if w:
                        warn(fld, w)
                    values[fld] = d
                elif kind == "bool":
                    values[fld] = _bool(raw)
                elif kind == "int":
                    values[fld] = _int(raw)
                elif kind == "list":
                    s = _text(raw)
                    values[fld] = [x.strip() for x in re.split(r"[,;/|]", s) if x.strip()] if s else []
                else:
                    values[fld] = _text(raw, multiline=fld in _MULTILINE)
            except (ValueError, DateParseError) as exc:
                errs.append(self._issue(fld, str(exc)))
        titles = {}
        for fld in sorted(self.fields):
            m = _TITLES_RE.match(fld)
            if m:
                v = _text(self._raw(row, fld))
                if v:
                    titles[m.group(1)] = v
        if titles:
            values["titles"] = titles
        # lifecycle dates
        slot_dates: dict[str, date | None] = {}
        for slot, fld in (("eif", "eif_date"), ("end", "end_date")):
            if fld in self.fields:
                try:
                    d, state, w = parse_date_value(self._raw(row, fld), order)
                    if w:
                        warn(fld, w)
                    if d is not None and d.year > 2200:  # placeholder years (IEADB: 2599, 2899, 2999 …)
                        warn(fld, f"the placeholder date {d.isoformat()} is read as missing")
                        d = None
                    slot_dates[slot] = d
                except DateParseError as exc:
                    errs.append(self._issue(fld, str(exc)))
        signed = values.get("signed_date")
        # status text: consistency warnings, and 'expired' for the end event
        status_text = _text(self._raw(row, "status")) if "status" in self.fields else None
        st = _status_kind(status_text)
        if st == "unknown":
            warn("status", f"status {status_text!r} not understood; ignored")
        elif st == "in_force" and "eif_date" in self.fields and slot_dates.get("eif") is None:
            warn("status", f"status {status_text!r} but no entry-into-force date: the record's status will be "
                           "derived from its dates (signed, not in force)")
        elif st == "not_in_force" and slot_dates.get("eif") and slot_dates["eif"] <= date.today():
            warn("status", f"status {status_text!r} but the entry-into-force date {slot_dates['eif'].isoformat()} "
                           "has passed: the record will show as in force")
        elif st == "ended" and "end_date" not in self.fields:
            self.ended_unmapped += 1   # one file-level warning at the end
        elif st == "ended" and slot_dates.get("end") is None:
            warn("status", f"status {status_text!r} but the row has no end date: no end event is recorded")
        end_type = "expired" if status_text and re.search(r"expir|het han", fold(status_text)) else "terminated"
        # parties
        parties: list[tuple[str, str | None]] | None = None
        unresolved: list[str] = []
        if "parties" in self.fields:
            parties = []
            for name, m in resolve_party_list(_text(self._raw(row, "parties"))):
                parties.append((name[:1000], m.code if m else None))
                if m is None:
                    unresolved.append(name)
        # key
        if "key" in self.fields:
            key = _text(self._raw(row, "key"))
            if not key:
                errs.append(self._issue("key", "empty key: the row cannot be identified"))
        else:
            basis = re.sub(r"\s+", " ", fold(title or "")) + "|" + (signed.isoformat() if signed else "")
            key = hashlib.sha1(basis.encode()).hexdigest()[:16]
        if errs:
            raise _RowErrors(errs)
        external_ref = f"{self.source}:{key}"
        if len(external_ref) > 300:
            external_ref = f"{self.source}:sha1-{hashlib.sha1(key.encode()).hexdigest()}"[:300]
        # events (mapped slots only)
        events: dict[str, tuple[str, date] | None] = {}
        if "signed_date" in self.fields:
            events["signed"] = ("signed", signed) if signed else None
        if "eif_date" in self.fields:
            events["eif"] = ("entered_into_force", slot_dates["eif"]) if slot_dates.get("eif") else None
        if "end_date" in self.fields:
            events["end"] = (end_type, slot_dates["end"]) if slot_dates.get("end") else None
        # payload
        assert family is not None
        payload: dict[str, Any] = {k: v for k, v in values.items()}
        payload.update(family=family, title=title, external_ref=external_ref)
        if not payload.get("instrument_type"):
            if "instrument_type" in self.fields:
                warn("instrument_type", f"no instrument type; '{DEFAULT_TYPE[family]}' used")
            payload["instrument_type"] = DEFAULT_TYPE[family]
        if payload.get("danh_nghia") and family == "treaty":
            payload["danh_nghia"] = treaties.rules.normalise_danh_nghia(payload["danh_nghia"])
        if payload.get("signatory_level") and family == "agreement":
            payload["signatory_level"] = (agreements.rules.normalise_signatory_level(payload["signatory_level"])
                                          or payload["signatory_level"])
        if payload.get("classification") is None:
            payload["classification"] = "none"
        if parties is not None:
            payload["parties"] = [PartyIn(name=n, code=c) for n, c in parties]
        mark = _EVENT_MARK + external_ref
        payload["events"] = [EventIn(type=t, date=d, note=mark)
                             for t, d in sorted((v for v in events.values() if v), key=lambda e: e[1])]
        try:
            data = InstrumentCreate(**payload)
        except ValidationError as exc:
            raise _RowErrors([self._issue(".".join(str(x) for x in e["loc"]) or "row",
                                          f"{e['msg']} (value {str(e.get('input'))[:80]!r})")
                              for e in exc.errors()]) from None
        for name in unresolved:
            warn("parties", f"unknown party {name!r}: no country or organisation matches this name; the record is "
                            "kept as a draft with the name and no code: give it a code before confirming it")
        provided = {f for f in self.fields if f in InstrumentCreate.model_fields}
        if titles:
            provided.add("titles")
        fp = hashlib.sha1(repr((data.model_dump(mode="json"), sorted(events.items(), key=str))).encode()).hexdigest()
        return _Plan(family=family, external_ref=external_ref, data=data, provided=provided, parties=parties,
                     unresolved=unresolved, events=events, fingerprint=fp,
                     empty={f for f in provided if values.get(f) is None and f not in ("title", "parties")})

    # ------------------------------------------------------------ validation (the service's checks, no writes)
    def _validate_record(self, record: dict[str, Any]) -> None:
        fam = record.get("family")
        sd = record.get("signed_date")
        try:
            if sd and sd > date.today():
                raise ValidationFailed(f"signing date {sd.isoformat()} is in the future", field="signed_date")
            if record.get("eif_rule"):
                from core.service import EIF_RULES
                if record["eif_rule"] not in EIF_RULES:
                    raise ValidationFailed(f"eif_rule must be one of {', '.join(EIF_RULES)}", field="eif_rule")
            check_family_rules(fam, record)
            if self.s is not None:
                from core.agency_table import resolve_agency_id
                for fld in ("proposing_agency", "implementing_agency"):
                    if record.get(fld):
                        resolve_agency_id(self.s, record[fld], field=fld)
        except TreatyDBError as exc:
            msg = exc.message
            if exc.field in ("danh_nghia", "signatory_level") and exc.field not in self.fields:
                msg += f" (map its column, or give it for every row: --set {exc.field}=VALUE)"
            raise _RowErrors([{"field": exc.field or "row", "message": msg}]) from None

    # ------------------------------------------------------------ one row
    def run_row(self, row: SourceRow) -> RowOutcome:
        warnings = list(row.warnings)
        try:
            plan = self.plan(row, warnings)
        except _RowErrors as exc:
            return RowOutcome(row.number, "error", warnings=warnings,
                              errors=[{"row": row.number, **i} for i in exc.issues])
        out = RowOutcome(row.number, "error", external_ref=plan.external_ref, title=plan.data.title,
                         warnings=warnings)
        prev = self.seen.get(plan.external_ref)
        if prev is not None:
            if prev[1] == plan.fingerprint:
                out.status = "duplicate"
                warnings.append({"row": row.number, "field": "key",
                                 "message": f"row {row.number} repeats row {prev[0]} (same key, same values); skipped"})
            else:
                out.errors.append({"row": row.number, "field": "key",
                                   "message": f"key {plan.external_ref!r} already used by row {prev[0]} with other "
                                              "values; map --map key=COLUMN to a column that identifies rows"})
            return out
        self.seen[plan.external_ref] = (row.number, plan.fingerprint)
        try:
            inst = self.existing.get(plan.external_ref)
            if inst is None:
                self._create(plan, out)
            else:
                self._update(inst, plan, out)
        except _RowErrors as exc:
            out.status = "error"
            out.errors = [{"row": row.number, **i} for i in exc.issues]
        except TreatyDBError as exc:
            if self.s is not None:
                self.s.rollback()
            out.status = "error"
            out.errors = [{"row": row.number, "field": exc.field or "row", "message": exc.message}]
        except Exception as exc:  # a database error on this row must not stop the others
            if self.s is not None:
                self.s.rollback()
            out.status = "error"
            out.errors = [{"row": row.number, "field": "row", "message": f"{type(exc).__name__}: {exc}"[:500]}]
        return out

    def _create(self, plan: _Plan, out: RowOutcome) -> None:
        data = plan.data
        state = "draft" if (self.o.draft or plan.unresolved) else "confirmed"
        record = {**data.model_dump(exclude={"parties", "events"}), "record_state": state,
                  "parties": [{"name": p.name, "code": p.code} for p in data.parties or []]}
        self._validate_record(record)
        _check_sequence([EventView(type=e.type, date=e.date) for e in data.events], [])
        out.record_state = state
        out.status = "imported"
        if self.o.dry_run or self.s is None:
            return
        from core.service import create_instrument

        inst = create_instrument(self.s, data, actor=self.o.actor, record_state=state, source="import", commit=False)
        out.record_id = inst.id
        self.s.commit()   # a later row with the same key is caught by self.seen; no instance is kept

    def _update(self, inst: Instrument, plan: _Plan, out: RowOutcome) -> None:
        from core.service import events_of, parties_of, snapshot

        s = self.s
        assert s is not None
        out.record_id = inst.id
        out.record_state = inst.record_state
        if plan.family != inst.family:
            raise _RowErrors([{"field": "family", "message": f"the row is a {plan.family} but record #{inst.id} is a "
                               f"{inst.family}; the family of a record is not changed by an import"}])
        data = plan.data
        changes: dict[str, Any] = {}
        for fld in sorted(plan.provided - {"family", "parties", "title"}) + ["title"]:
            if fld in _KEEP_IF_EMPTY and fld in plan.empty:
                continue   # an empty cell does not clear the type or lower the classification
            new = getattr(data, fld)
            if fld == "classification" and _CLASS_RANK.get(new, 0) < _CLASS_RANK.get(inst.classification, 0):
                raise _RowErrors([{"field": "classification", "message": f"record #{inst.id} is classified "
                                   f"{inst.classification!r}; the file says {new!r}: an import does not lower a "
                                   "classification (that takes a decision recorded by an officer)"}])
            if fld == "titles":
                new = {**(inst.titles or {}), **(new or {})}
            if fld in ("proposing_agency", "implementing_agency"):
                from core.agency_table import resolve_agency_id
                cur_id = getattr(inst, fld + "_id")
                try:
                    new_id = resolve_agency_id(s, new, field=fld) if new else None
                except TreatyDBError as exc:
                    raise _RowErrors([{"field": fld, "message": exc.message}]) from None
                if new_id != cur_id:
                    changes[fld] = new
                continue
            cur = getattr(inst, fld)
            if fld == "authentic_languages":
                new, cur = new or [], cur or []
            if new != cur:
                changes[fld] = new
        current_parties = parties_of(s, inst.id)
        if plan.parties is not None:
            by_name = {p.name: p.code for p in current_parties}
            wanted = [(n, c if c else by_name.get(n)) for n, c in plan.parties]  # an officer's code is kept
            if wanted != [(p.name, p.code) for p in current_parties]:
                unknown = [n for n, c in wanted if not c]
                if unknown and inst.record_state != "draft":
                    raise _RowErrors([{"field": "parties", "message": f"unknown party {unknown[0]!r}: record "
                                       f"#{inst.id} is confirmed, so every party needs a code"}])
                changes["parties"] = [PartyIn(name=n, code=c) for n, c in wanted]
                if "bilateral" not in plan.provided:
                    bil = len({c for _, c in wanted if c != "VNM"}) <= 1
                    if bil != inst.bilateral:
                        changes["bilateral"] = bil
        # events of the mapped slots
        whole = [e for e in events_of(s, inst.id) if e.party_code is None]
        ops: list[tuple[str, InstrumentEvent | None, str | None, date | None]] = []  # (op, row, type, date)
        touched: set[int] = set()
        for slot, want in plan.events.items():
            types_ = _SLOT_TYPES[slot]
            cur = [e for e in whole if e.type in types_]
            mine = [e for e in cur if (e.note or "").startswith(_EVENT_MARK)]
            if want is None:
                for e in mine:
                    ops.append(("delete", e, None, None))
                    touched.add(e.id)
                continue
            wtype, wdate = want
            if any(e.date == wdate and e.type == wtype for e in cur):
                continue
            if mine:
                ops.append(("move", mine[0], wtype, wdate))
                touched.add(mine[0].id)
            elif cur:
                out.warnings.append({"row": out.row, "field": {"signed": "signed_date", "eif": "eif_date",
                                                               "end": "end_date"}[slot],
                                     "message": f"record #{inst.id} has a {cur[0].type} event on "
                                                f"{cur[0].date.isoformat()} recorded by hand; the file says "
                                                f"{wdate.isoformat()}: kept the recorded event"})
            else:
                ops.append(("add", None, wtype, wdate))
        if not changes and not ops:
            out.status = "unchanged"
            return
        # validate the result before writing anything
        record = {**snapshot(inst), **{k: v for k, v in changes.items() if k != "parties"},
                  "parties": ([{"name": p.name, "code": p.code} for p in changes["parties"]] if "parties" in changes
                              else [{"name": p.name, "code": p.code} for p in current_parties])}
        self._validate_record(record)
        if ops:
            kept = [e for e in whole if e.id not in touched]
            planned = [EventView(type=t, date=d) for op, _, t, d in ops if op in ("move", "add")]
            _check_sequence(planned, kept)
        out.changed = sorted(set(changes) | {("event:" + (t or e.type)) for op, e, t, _ in ops})
        out.status = "updated"
        if self.o.dry_run:
            return
        from core.service import update_instrument

        mark = _EVENT_MARK + plan.external_ref
        try:
            for op, e, t, d in ops:
                if op == "delete":
                    audit.record(s, actor=self.o.actor, action="event_delete", entity="instrument",
                                 entity_id=inst.id, before={"event": {"id": e.id, "type": e.type,
                                                                      "date": e.date.isoformat()}})
                    s.delete(e)
                elif op == "move":
                    before = {"id": e.id, "type": e.type, "date": e.date.isoformat()}
                    e.type, e.date = t, d
                    s.add(e)
                    audit.record(s, actor=self.o.actor, action="event_update", entity="instrument",
                                 entity_id=inst.id, before={"event": before},
                                 after={"event": {"id": e.id, "type": t, "date": d.isoformat()}})
                else:
                    row_ev = InstrumentEvent(instrument_id=inst.id, type=t, date=d, note=mark, created_by=self.o.actor)
                    s.add(row_ev)
                    s.flush()
                    audit.record(s, actor=self.o.actor, action="event", entity="instrument", entity_id=inst.id,
                                 after={"event": {"id": row_ev.id, "type": t, "date": d.isoformat(), "note": mark}})
            s.flush()
            update_instrument(s, inst.id, InstrumentUpdate(**changes), actor=self.o.actor)  # commits the row
        except Exception:
            s.rollback()
            raise

    def not_in_file(self) -> int:
        return sum(1 for ref in self.existing if ref not in self.seen)


def _default_source(path: Path) -> str:
    return re.sub(r"[\s:]+", "-", path.stem.strip()) or "import"


def iter_import(session: Session | None, table: SourceTable, opts: ImportOptions,
                report: ImportReport | None = None) -> Iterator[RowOutcome]:
    """Import the rows of ``table``; yields one outcome per non-blank data row (after ``opts.limit``).
    ``session`` may be None for a dry run without a database."""
    opts.check()
    source = (opts.source or _default_source(table.path)).strip()
    imp = _Importer(session, table, opts, source)
    if report is not None:
        report.source = source
        report.dry_run = opts.dry_run
        report.encoding = table.encoding
        report.file_warnings.extend(table.warnings)
        report.file_warnings.extend(imp.file_warnings)
    wanted: list[tuple[str, str]] = []
    for col, text in opts.where:
        h = table.column(col)
        if h is None:
            raise ImportUsageError(f"--where: no column {col!r} in the file (columns: {', '.join(table.headers)})")
        wanted.append((h, fold_key(text)))
    n = 0
    for row in table.rows:
        if row.is_blank():
            continue
        if wanted and not all(t in fold_key(str(row.cells.get(h) or "")) for h, t in wanted):
            if report is not None:
                report.filtered_out += 1
            continue
        if opts.limit is not None and n >= opts.limit:
            if not wanted:
                break
            continue  # (the rest is only read to count what the filter leaves out)
        n += 1
        o = imp.run_row(row)
        if report is not None:
            report.add(o)
        yield o
    if report is not None:
        if opts.limit is None and not wanted:  # (rows left out by a limit or a filter are not "gone")
            report.not_in_file = imp.not_in_file()
        if imp.ended_unmapped:
            report.file_warnings.append({"row": None, "field": "status", "message": f"{imp.ended_unmapped} row(s) "
                                         "have a status saying the instrument ended, but no end_date column is "
                                         "mapped: no end event is recorded for them"})


def import_table(session: Session | None, table: SourceTable, opts: ImportOptions) -> ImportReport:
    report = ImportReport(source=opts.source or _default_source(table.path), dry_run=opts.dry_run)
    for _ in iter_import(session, table, opts, report):
        pass
    return report


def _wanted_columns(opts: ImportOptions) -> list[str]:
    return list(opts.mapping.values())


def import_path(session: Session | None, path: Path | str, opts: ImportOptions) -> ImportReport:
    """Read ``path`` (CSV or XLSX) and import it; :class:`ImportUsageError` on misuse."""
    opts.check()
    table = read_table(path, sheet=opts.sheet, wanted=_wanted_columns(opts))
    return import_table(session, table, opts)
