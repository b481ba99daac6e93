"""DOCX text extraction that python-docx does not give.

* body in document order, tables recursed cell by cell (header tables hold the number and date);
* text boxes (``w:txbxContent`` in VML and DrawingML; ``mc:Fallback`` duplicates skipped);
* headers, footers, footnotes and endnotes;
* automatic numbering rendered from ``numbering.xml`` ("Điều 1.", "1.", "a)");
* field results, not field instructions;
* legacy TCVN3/VNI fonts converted to Unicode (by font name, then by character frequency), also in the
  core properties;
* everything NFC.

Safety: the zip's declared sizes are checked before anything is read (zip bombs), reads are bounded,
and XML parts that declare a DTD or entities are refused (XXE, billion laughs). Parsing uses lxml with
``resolve_entities=False, no_network=True``.

``.doc`` and ``.rtf`` go through ``soffice --headless --convert-to docx`` with a throwaway profile.
"""
from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import signal
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ingest.legacy import encoding_for_font, fix_legacy, tcvn3_to_unicode, vni_to_unicode

__all__ = [
    "DocxText",
    "DocxError",
    "extract_docx",
    "convert_to_docx",
    "MAX_PART_BYTES",
    "MAX_TOTAL_BYTES",
]

MAX_PART_BYTES = 64 * 1024 * 1024  # one XML part
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all parts together (uncompressed)
MAX_RATIO = 200  # compression ratio above which a big member is treated as a bomb
MAX_MEMBERS = 5000


class DocxError(Exception):
    """A DOCX that cannot (or must not) be read. The message is meant for a person."""


@dataclass
class DocxText:
    body: str = ""
    headers: list[str] = field(default_factory=list)
    footers: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    legacy_encoding: str | None = None
    numbered_paragraphs: int = 0
    textboxes: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Body, then headers, footers and footnotes, separated by blank lines."""
        parts = [self.body]
        extra = [*self.headers, *self.footers]
        if extra:
            parts.append("\n".join(extra))
        if self.footnotes:
            parts.append("\n".join(self.footnotes))
        return "\n\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------------
# zip + XML safety


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    i = tag.rfind("}")
    return tag[i + 1:] if i >= 0 else tag


def _attr(el, name: str) -> str | None:
    """Attribute by local name, any namespace (w:val, w:numId, …)."""
    for k, v in el.attrib.items():
        if _local(k) == name:
            return v
    return None


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                          huge_tree=False, remove_comments=True, remove_pis=True)
_DTD_RE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


class _Package:
    def __init__(self, path: str | os.PathLike):
        try:
            self.zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as e:
            raise DocxError(f"not a valid DOCX (zip) file: {e}") from None
        except OSError as e:
            raise DocxError(f"cannot open file: {e}") from None
        infos = self.zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DocxError(f"DOCX has {len(infos)} zip members (limit {MAX_MEMBERS}); refused")
        total = 0
        for zi in infos:
            total += zi.file_size
            if zi.file_size > MAX_PART_BYTES and zi.filename.endswith((".xml", ".rels")):
                raise DocxError(f"DOCX part {zi.filename} declares {zi.file_size:,} bytes uncompressed "
                                f"(limit {MAX_PART_BYTES:,}); possible zip bomb, refused")
            if zi.compress_size and zi.file_size > 10 * 1024 * 1024 and zi.file_size / zi.compress_size > MAX_RATIO:
                raise DocxError(f"DOCX part {zi.filename} has compression ratio "
                                f"{zi.file_size / zi.compress_size:,.0f}:1; possible zip bomb, refused")
        if total > MAX_TOTAL_BYTES:
            raise DocxError(f"DOCX declares {total:,} bytes uncompressed (limit {MAX_TOTAL_BYTES:,}); "
                            f"possible zip bomb, refused")
        self.names = {zi.filename for zi in infos}

    def close(self) -> None:
        self.zf.close()

    def read(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        with self.zf.open(name) as f:  # bounded read: the declared size may lie
            data = f.read(MAX_PART_BYTES + 1)
        if len(data) > MAX_PART_BYTES:
            raise DocxError(f"DOCX part {name} exceeds {MAX_PART_BYTES:,} bytes uncompressed; refused")
        return data

    def xml(self, name: str):
        data = self.read(name)
        if data is None:
            return None
        if _DTD_RE.search(data[:4096]) or b"<!ENTITY" in data:
            raise DocxError(f"DOCX part {name} declares a DTD or entities (possible XXE / entity expansion); refused")
        try:
            return etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as e:
            raise DocxError(f"DOCX part {name} is not well-formed XML: {e}") from None

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId → (type suffix, target part name) for ``part``."""
        d, b = posixpath.split(part)
        root = self.xml(posixpath.join(d, "_rels", b + ".rels"))
        out: dict[str, tuple[str, str]] = {}
        if root is None:
            return out
        for r in root:
            if _local(r.tag) != "Relationship" or (r.get("TargetMode") or "").lower() == "external":
                continue
            target = r.get("Target") or ""
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(d, target))
            out[r.get("Id") or ""] = ((r.get("Type") or "").rsplit("/", 1)[-1], name)
        return out


# ---------------------------------------------------------------------------------------------------
# numbering


def _roman(n: int) -> str:
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = []
    for v, s in vals:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


VI_ALPHABET = "abcdđeghiklmnopqrstuvxy"  # a, b, c, d, đ, e, g, h, i, k, …  (no f, j, w, z)


def _letters(n: int, alphabet: str) -> str:
    if n <= 0:
        return str(n)
    k = len(alphabet)
    return alphabet[(n - 1) % k] * ((n - 1) // k + 1)


def format_number(n: int, fmt: str, custom: str | None = None) -> str:
    """Render counter ``n`` in a w:numFmt (decimal, lowerLetter, upperRoman, …; "custom" with a Vietnamese
    letter list such as "a, b, c, d, đ, …" uses the Vietnamese alphabet)."""
    if fmt == "custom" and custom:
        low = custom.lower()
        if "đ" in low or ("a" in low and "b" in low):
            alphabet = VI_ALPHABET if "đ" in low else "abcdefghijklmnopqrstuvwxyz"
            s = _letters(n, alphabet)
            return s.upper() if custom.strip()[:1].isupper() else s
        if re.match(r"0+1", custom.strip()):
            width = len(custom.strip().split(",")[0].strip())
            return str(n).zfill(width)
        return str(n)
    if fmt in ("decimal", "decimalEnclosedFullstop", "decimalEnclosedParen", "decimalFullWidth",
               "decimalHalfWidth", "ordinal", "cardinalText", "ordinalText"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n, "abcdefghijklmnopqrstuvwxyz")
    if fmt == "upperLetter":
        return _letters(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    custom: str | None = None
    suff: str = "tab"
    restart: int | None = None
    is_lgl: bool = False


class _Numbering:
    def __init__(self, root, styles: "_Styles"):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.abstract_style_link: dict[str, str] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started_num: set[str] = set()
        self.styles = styles
        if root is None:
            return
        for an in root:
            tag = _local(an.tag)
            if tag == "abstractNum":
                aid = _attr(an, "abstractNumId") or ""
                levels: dict[int, _Level] = {}
                for lvl in _children(an, "lvl"):
                    levels[int(_attr(lvl, "ilvl") or 0)] = self._parse_level(lvl)
                self.abstract[aid] = levels
                link = _child(an, "numStyleLink")
                if link is not None:
                    self.abstract_style_link[aid] = _attr(link, "val") or ""
            elif tag == "num":
                nid = _attr(an, "numId") or ""
                a = _child(an, "abstractNumId")
                overrides: dict[int, int] = {}
                for ov in _children(an, "lvlOverride"):
                    so = _child(ov, "startOverride")
                    if so is not None:
                        overrides[int(_attr(ov, "ilvl") or 0)] = int(_attr(so, "val") or 1)
                    lv = _child(ov, "lvl")
                    if lv is not None and a is not None:
                        pass  # level redefinitions are rare; ignored
                self.nums[nid] = (_attr(a, "val") if a is not None else "", overrides)

    @staticmethod
    def _parse_level(lvl) -> _Level:
        L = _Level()
        for c in lvl.iter():
            t = _local(c.tag)
            if t == "start":
                L.start = int(_attr(c, "val") or 1)
            elif t == "numFmt":
                val = _attr(c, "val") or "decimal"
                # mc:AlternateContent: Choice has w:numFmt val="custom" w:format="a, b, c, d, đ, ..."
                if val == "custom" or L.fmt == "decimal" or L.custom is None:
                    L.fmt = val
                    if val == "custom":
                        L.custom = _attr(c, "format")
            elif t == "lvlText":
                L.text = _attr(c, "val") or ""
            elif t == "suff":
                L.suff = _attr(c, "val") or "tab"
            elif t == "lvlRestart":
                L.restart = int(_attr(c, "val") or 0)
            elif t == "isLgl":
                L.is_lgl = True
        return L

    def _levels(self, aid: str) -> dict[int, _Level]:
        levels = self.abstract.get(aid, {})
        if not levels and aid in self.abstract_style_link:
            style_num = self.styles.num_pr(self.abstract_style_link[aid])
            if style_num and style_num[0] in self.nums:
                levels = self.abstract.get(self.nums[style_num[0]][0], {})
        return levels

    def label(self, num_id: str, ilvl: int) -> str:
        if num_id in ("", "0") or num_id not in self.nums:
            return ""
        aid, overrides = self.nums[num_id]
        levels = self._levels(aid)
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started_num:
            self.started_num.add(num_id)
            for lv, start in overrides.items():
                counters[lv] = start - 1
                for deeper in [k for k in counters if k > lv]:
                    del counters[deeper]
        lvl = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, lvl.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            dl = levels.get(deeper)
            if dl is None or dl.restart is None or dl.restart == 0 or dl.restart <= ilvl + 1:
                del counters[deeper]
        if lvl.fmt == "bullet":
            return "-"

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            L = levels.get(k)
            if L is None:
                return ""
            n = counters.get(k, L.start)
            fmt = "decimal" if (lvl.is_lgl and L.fmt not in ("decimalZero",)) else L.fmt
            return format_number(n, fmt, L.custom)

        out = re.sub(r"%([1-9])", sub, lvl.text)
        return out.strip()


class _Styles:
    def __init__(self, root):
        self.based: dict[str, str] = {}
        self.numpr: dict[str, tuple[str, int]] = {}
        self.font: dict[str, str] = {}
        self.default_font: str | None = None
        if root is None:
            return
        for st in root:
            tag = _local(st.tag)
            if tag == "docDefaults":
                for rf in st.iter():
                    if _local(rf.tag) == "rFonts":
                        self.default_font = _attr(rf, "ascii") or _attr(rf, "hAnsi")
            if tag != "style":
                continue
            sid = _attr(st, "styleId") or ""
            b = _child(st, "basedOn")
            if b is not None:
                self.based[sid] = _attr(b, "val") or ""
            ppr = _child(st, "pPr")
            if ppr is not None:
                np_ = _child(ppr, "numPr")
                if np_ is not None:
                    nid = _child(np_, "numId")
                    il = _child(np_, "ilvl")
                    self.numpr[sid] = (_attr(nid, "val") if nid is not None else "",
                                       int(_attr(il, "val") or 0) if il is not None else 0)
            rpr = _child(st, "rPr")
            if rpr is not None:
                rf = _child(rpr, "rFonts")
                if rf is not None:
                    f = _attr(rf, "ascii") or _attr(rf, "hAnsi")
                    if f:
                        self.font[sid] = f

    def _chain(self, sid: str):
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            yield sid
            sid = self.based.get(sid, "")

    def num_pr(self, sid: str) -> tuple[str, int] | None:
        for s in self._chain(sid):
            if s in self.numpr:
                return self.numpr[s]
        return None

    def font_of(self, sid: str | None) -> str | None:
        for s in self._chain(sid or ""):
            if s in self.font:
                return self.font[s]
        return self.default_font


# ---------------------------------------------------------------------------------------------------
# body walking

_SKIP = {"pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr", "tblGrid", "instrText", "delText", "del",
         "moveFrom", "commentReference", "annotationRef", "proofErr", "bookmarkStart", "bookmarkEnd",
         "lastRenderedPageBreak", "permStart", "permEnd", "fldData", "tblPrEx", "rsid"}


class _Walker:
    def __init__(self, numbering: _Numbering, styles: _Styles):
        self.numbering = numbering
        self.styles = styles
        self.numbered = 0
        self.textboxes = 0
        self.legacy_runs: set[str] = set()

    # blocks -> list of lines
    def blocks(self, parent, out: list[str]) -> None:
        for el in parent:
            tag = _local(el.tag)
            if tag == "p":
                self.paragraph(el, out)
            elif tag == "tbl":
                self.table(el, out)
            elif tag in ("sdt", "customXml", "sdtContent", "ins", "moveTo", "smartTag", "txbxContent",
                         "body", "hdr", "ftr", "footnote", "endnote", "AlternateContent", "Choice"):
                if tag == "AlternateContent":
                    choice = _child(el, "Choice")
                    self.blocks(choice if choice is not None else el, out)
                else:
                    self.blocks(el, out)
            elif tag in _SKIP or tag == "Fallback":
                continue

    def table(self, tbl, out: list[str]) -> None:
        for tr in tbl:
            if _local(tr.tag) == "tr":
                for tc in tr:
                    t = _local(tc.tag)
                    if t == "tc":
                        self.blocks(tc, out)
                    elif t in ("sdt", "customXml"):
                        for sub in tc.iter():
                            if _local(sub.tag) == "tc":
                                self.blocks(sub, out)
            elif _local(tr.tag) in ("sdt", "customXml"):
                inner = etree.Element("tbl")
                for sub in tr.iter():
                    if _local(sub.tag) == "tr":
                        inner.append(sub)
                self.table(inner, out)

    def paragraph(self, p, out: list[str]) -> None:
        ppr = _child(p, "pPr")
        style = None
        num: tuple[str, int] | None = None
        if ppr is not None:
            ps = _child(ppr, "pStyle")
            style = _attr(ps, "val") if ps is not None else None
            np_ = _child(ppr, "numPr")
            if np_ is not None:
                nid = _child(np_, "numId")
                il = _child(np_, "ilvl")
                base = self.styles.num_pr(style) if style else None
                num = (_attr(nid, "val") if nid is not None else (base[0] if base else ""),
                       int(_attr(il, "val") or 0) if il is not None else (base[1] if base else 0))
        if num is None and style:
            num = self.styles.num_pr(style)
        para_font = self.styles.font_of(style)
        if ppr is not None:
            rpr = _child(ppr, "rPr")
            if rpr is not None:
                rf = _child(rpr, "rFonts")
                if rf is not None:
                    para_font = _attr(rf, "ascii") or _attr(rf, "hAnsi") or para_font
        buf: list[str] = []
        boxes: list[str] = []
        self._inline(p, buf, boxes, [], para_font)
        text = "".join(buf)
        label = ""
        if num is not None and num[0] not in ("", "0"):
            label = self.numbering.label(num[0], num[1])
            if label:
                self.numbered += 1
        line = (label + " " + text.strip()) if label else text.strip()
        line = line.replace("\t", " ")
        for piece in line.split("\n"):
            out.append(re.sub(r"[ \u00a0]{2,}", " ", piece).strip() if piece.strip() else "")
        out.extend(boxes)

    def _inline(self, el, buf: list[str], boxes: list[str], fld: list[str], font: str | None) -> None:
        for c in el:
            tag = _local(c.tag)
            if tag in _SKIP:
                continue
            if tag == "fldChar":
                kind = _attr(c, "fldCharType")
                if kind == "begin":
                    fld.append("instr")
                elif kind == "separate" and fld:
                    fld[-1] = "result"
                elif kind == "end" and fld:
                    fld.pop()
                continue
            in_instr = any(s == "instr" for s in fld)
            if tag == "r":
                rfont = font
                rpr = _child(c, "rPr")
                if rpr is not None:
                    rf = _child(rpr, "rFonts")
                    if rf is not None:
                        rfont = _attr(rf, "ascii") or _attr(rf, "hAnsi") or font
                self._inline(c, buf, boxes, fld, rfont)
            elif tag == "t":
                if not in_instr and c.text:
                    buf.append(self._convert(c.text, font))
            elif tag in ("tab", "ptab"):
                if not in_instr:
                    buf.append("\t")
            elif tag in ("br", "cr"):
                if not in_instr:
                    buf.append("\n")
            elif tag == "noBreakHyphen":
                buf.append("-")
            elif tag == "softHyphen":
                continue
            elif tag == "sym":
                ch = _attr(c, "char") or ""
                try:
                    cp = int(ch, 16)
                    if cp >= 0xF000:
                        cp -= 0xF000
                    if cp >= 0x20 and not (_attr(c, "font") or "").lower().startswith(("wingdings", "symbol", "webdings")):
                        buf.append(chr(cp))
                except ValueError:
                    pass
            elif tag == "txbxContent":
                self.textboxes += 1
                sub: list[str] = []
                self.blocks(c, sub)
                boxes.extend(s for s in sub)
            elif tag == "AlternateContent":
                choice = _child(c, "Choice")
                self._inline(choice if choice is not None else c, buf, boxes, fld, font)
            elif tag == "Fallback":
                continue
            elif tag == "footnoteReference" or tag == "endnoteReference":
                continue
            elif tag in ("p",):  # paragraphs inside shapes not wrapped in txbxContent
                sub = []
                self.paragraph(c, sub)
                boxes.extend(sub)
            elif tag == "tbl":
                sub = []
                self.table(c, sub)
                boxes.extend(sub)
            else:
                self._inline(c, buf, boxes, fld, font)

    def _convert(self, s: str, font: str | None) -> str:
        enc, upper = encoding_for_font(font)
        if enc == "tcvn3" and not s.isascii():
            self.legacy_runs.add("tcvn3")
            return tcvn3_to_unicode(s, upper=upper)
        if enc == "tcvn3" and upper:
            return s.upper()
        if enc == "vni" and not s.isascii():
            self.legacy_runs.add("vni")
            return vni_to_unicode(s)
        return s


def _finish(lines: list[str]) -> str:
    # collapse runs of blank lines
    out: list[str] = []
    blank = False
    for ln in lines:
        if not ln.strip():
            if not blank and out:
                out.append("")
            blank = True
        else:
            out.append(ln)
            blank = False
    return unicodedata.normalize("NFC", "\n".join(out).strip())


def _core_properties(pkg: _Package) -> dict[str, str]:
    props: dict[str, str] = {}
    rels = pkg.rels("")  # _rels/.rels
    name = next((t for (ty, t) in rels.values() if ty == "core-properties"), "docProps/core.xml")
    root = pkg.xml(name)
    if root is None:
        return props
    for c in root:
        tag = _local(c.tag)
        if tag in ("title", "subject", "creator", "keywords", "description", "lastModifiedBy", "created",
                   "modified", "category") and (c.text or "").strip():
            props[tag] = c.text.strip()
    return props


def extract_docx(path: str | os.PathLike) -> DocxText:
    """Extract the text of a DOCX file. Raises ``DocxError`` with a readable message on a bad file."""
    pkg = _Package(path)
    try:
        root_rels = pkg.rels("")
        main = next((t for (ty, t) in root_rels.values() if ty == "officeDocument"), None)
        if not main or main not in pkg.names:
            main = "word/document.xml" if "word/document.xml" in pkg.names else None
        if main is None:
            raise DocxError("zip file has no word/document.xml: not a DOCX")
        doc = pkg.xml(main)
        rels = pkg.rels(main)
        by_type: dict[str, list[str]] = {}
        for rid, (ty, target) in rels.items():
            by_type.setdefault(ty, []).append(target)

        def part(ty: str, default: str) -> str:
            lst = by_type.get(ty)
            return lst[0] if lst else default

        styles = _Styles(pkg.xml(part("styles", "word/styles.xml")))
        numbering = _Numbering(pkg.xml(part("numbering", "word/numbering.xml")), styles)
        w = _Walker(numbering, styles)
        res = DocxText()

        body = _child(doc, "body")
        lines: list[str] = []
        w.blocks(body if body is not None else doc, lines)
        res.body = _finish(lines)

        # headers / footers in the order the sections reference them, each part once
        order: list[tuple[str, str]] = []
        for ref in doc.iter():
            t = _local(ref.tag)
            if t in ("headerReference", "footerReference"):
                rid = _attr(ref, "id")
                if rid in rels and (t, rels[rid][1]) not in order:
                    order.append((t, rels[rid][1]))
        seen_text: set[str] = set()
        for t, name in order:
            root = pkg.xml(name)
            if root is None:
                continue
            hl: list[str] = []
            w.blocks(root, hl)
            txt = _finish(hl)
            if txt and txt not in seen_text:
                seen_text.add(txt)
                (res.headers if t == "headerReference" else res.footers).append(txt)

        for ty, default, tag in (("footnotes", "word/footnotes.xml", "footnote"),
                                 ("endnotes", "word/endnotes.xml", "endnote")):
            root = pkg.xml(part(ty, default))
            if root is None:
                continue
            for fn in root:
                if _local(fn.tag) != tag:
                    continue
                if (_attr(fn, "type") or "normal") != "normal":
                    continue
                fid = _attr(fn, "id") or ""
                fl: list[str] = []
                w.blocks(fn, fl)
                txt = _finish(fl)
                if txt:
                    res.footnotes.append(f"[{fid}] {txt}")

        res.properties = _core_properties(pkg)
        res.numbered_paragraphs = w.numbered
        res.textboxes = w.textboxes
        legacy = sorted(w.legacy_runs)

        # frequency-based detection for legacy text in fonts we did not recognise
        fixed_body, enc = fix_legacy(res.body)
        if enc:
            res.body = fixed_body
            res.headers = [fix_legacy(h)[0] for h in res.headers]
            res.footers = [fix_legacy(h)[0] for h in res.footers]
            res.footnotes = [fix_legacy(h)[0] for h in res.footnotes]
            legacy.append(enc)
        for k, v in list(res.properties.items()):
            nv, penc = fix_legacy(v)
            if penc:
                res.properties[k] = nv
                legacy.append(penc)
            res.properties[k] = unicodedata.normalize("NFC", res.properties[k])
        if legacy:
            res.legacy_encoding = ",".join(sorted(set(legacy)))
            res.warnings.append(f"legacy Vietnamese encoding ({res.legacy_encoding.upper()}) converted to Unicode")
        return res
    except DocxError:
        raise
    except (KeyError, zipfile.BadZipFile, EOFError, zlib.error, ValueError) as e:  # truncated/corrupt members
        raise DocxError(f"corrupt DOCX: {e}") from None
    finally:
        pkg.close()


# ---------------------------------------------------------------------------------------------------
# .doc / .rtf via LibreOffice


def convert_to_docx(path: str | os.PathLike, timeout: float = 120.0) -> tuple[Path | None, str | None, str | None]:
    """Convert a .doc/.rtf file to DOCX with LibreOffice.

    Returns (docx_path, tmpdir_to_remove, error). Each call uses a fresh LibreOffice profile so that
    parallel conversions do not collide.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None, None, "legacy Word/RTF file: LibreOffice (soffice) is not installed, cannot convert"
    tmp = tempfile.mkdtemp(prefix="treatydb-lo-")
    src = Path(path)
    # copy under a neutral name with the right extension: soffice picks the filter from content anyway
    inp = Path(tmp) / ("input" + (src.suffix.lower() if src.suffix.lower() in (".doc", ".rtf") else ".doc"))
    try:
        shutil.copyfile(src, inp)
        cmd = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML", "--outdir", f"{tmp}/out", str(inp)]
        env = dict(os.environ, HOME=tmp)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, start_new_session=True)
        try:
            so, se = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # soffice forks soffice.bin: end the whole group
            except OSError:
                proc.kill()
            proc.communicate()
            return None, tmp, f"LibreOffice conversion timed out after {timeout:.0f} s"
        out = Path(tmp) / "out" / "input.docx"
        if not out.exists():
            msg = (se or so or b"").decode("utf-8", "replace").strip()[:300]
            return None, tmp, f"LibreOffice could not convert the file to DOCX (exit {proc.returncode}): {msg}"
        return out, tmp, None
    except OSError as e:
        return None, tmp, f"LibreOffice conversion failed: {e}"
