"""The parts of an instrument's text: preamble, chapters, articles, final clauses, annexes — and the
instruments themselves when one file holds several (an agreement followed by a later amending protocol).

``split(text) -> Structure``:

* ``preamble`` — from the end of the title block (or a "PREAMBLE" / "Lời nói đầu" heading) to the first
  chapter or article;
* ``chapters`` — [{label, title, level}] ("Part II" / "Chương I" / "Chapter 3": level 1; "Section 1" /
  "Mục 2": level 2);
* ``articles`` — [{label, heading, text, chapter}] in document order ("Article 5", "Điều 12", "Artículo 3",
  "Статья 4", "Article premier" = "Article 1"); ``chapter`` is the label of the level-1 chapter it is in;
  ``text`` is everything after the label up to the next heading (the heading line included);
* ``final_clauses`` — the testimonium ("IN WITNESS WHEREOF", "DONE at", "Để làm bằng", "Làm tại") and the
  signature block;
* ``annexes`` — [{label, title, text}] ("Annex I", "Appendix", "Schedule 2", "Phụ lục 1", "List"); a protocol
  signed with the agreement that declares itself "an integral part of the Agreement" is an annex too;
* ``instruments`` — [{part, start, end, title}] character ranges; more than one only when, after a signature
  block, a separately titled text follows with its own signature block and is not an integral part signed at
  the same time (e.g. an amending protocol signed years later).

Tables of contents are skipped: runs of lines ending in dot leaders and page numbers ("Article 2. Legal status
. . . . 23"), with the "Contents" / "Mục lục" heading and the wrapped first lines of their entries.
Headings that are cross-references broken onto a new line ("… referred to in\\nArticle 6 (Insufficient
Working)") are not taken: a heading follows the end of a sentence or another heading, and article numbers
run upwards (a restart at 1 opens an annex or another instrument).

Everything is linear in the length of the text (one pass over its lines; regexes anchored at line starts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Structure", "split", "search_articles", "instruments"]

# ---------------------------------------------------------------------------------------------------
# patterns (all anchored at the start of a stripped line)

_ART_KW = (r"Điều|ĐIỀU|Article|ARTICLE|Artículo|ARTÍCULO|Articulo|ARTICULO|Artigo|ARTIGO|Статья|СТАТЬЯ|"
           r"Art\.")
_ART_RE = re.compile(
    rf"^(?P<kw>{_ART_KW})\s*(?P<num>\d{{1,4}}(?:[.-]\d{{1,3}})*[A-Za-z]?(?![\w])|[IVXLC]{{1,7}}(?![\w])|"
    rf"premier|PREMIER|1er|first|FIRST)\s*(?P<sep>[.:\-–—)]?)\s*(?P<rest>.*)$")
_CHAP_RE = re.compile(
    r"^(?P<kw>PART|Part|CHAPTER|Chapter|CHƯƠNG|Chương|PHẦN|Phần|PARTIE|Partie|TITRE|Titre|TITLE|CAPÍTULO|"
    r"Capítulo|ГЛАВА|Глава|РАЗДЕЛ|Раздел|ЧАСТЬ|Часть|SECTION|Section|MỤC|Mục|SUBSECTION|Subsection)"
    r"\s+(?P<num>\d{1,3}[A-Za-z]?(?![\w])|[IVXLC]{1,7}(?![\w])|[A-Z](?![\w])|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|"
    r"EIGHT|NINE|TEN|PREMIÈRE|PREMIER|I\s?er)\s*(?P<sep>[.:\-–—]?)\s*(?P<rest>.*)$")
_ANNEX_RE = re.compile(
    r"^(?P<kw>ANNEXE|Annexe|ANNEX|Annex|APPENDIX|Appendix|SCHEDULE|Schedule|PHỤ LỤC|Phụ lục|Phụ Lục|LIST|"
    r"ANEXO|Anexo|ПРИЛОЖЕНИЕ|Приложение|ATTACHMENT|Attachment)(?![\w])"
    r"(?:\s*(?:No\.?|số|Số)?\s*(?P<num>\d{1,3}[A-Za-z]?(?![\w])|[IVXLC]{1,7}(?![\w])|[A-Z](?![\w])))?"
    r"\s*(?P<sep>[.:\-–—]?)\s*(?P<rest>.*)$")
_PREAMBLE_RE = re.compile(r"^(?:PREAMBLE|Preamble|PRÉAMBULE|Préambule|LỜI NÓI ĐẦU|Lời nói đầu|Lời mở đầu|"
                          r"ПРЕАМБУЛА|Преамбула|PREÁMBULO|Preámbulo)\s*:?$")
_TESTIMONIUM_RE = re.compile(
    r"^(?:IN WITNESS WHEREOF|In witness whereof|IN WITNESS THEREOF|In witness thereof|IN WITNESS|In Witness|"
    r"IN FAITH WHEREOF|In faith whereof|EN FOI DE QUOI|En foi de quoi|ĐỂ LÀM BẰNG|Để làm bằng|ĐỂ LÀM CHỨNG|"
    r"Để làm chứng|VỚI SỰ CHỨNG KIẾN|Với sự chứng kiến|В УДОСТОВЕРЕНИЕ|В удостоверение|EN FE DE LO CUAL|"
    r"En fe de lo cual|DONE (?:at|AT|in|IN)\b|Done (?:at|in)\b|Made (?:at|in)\b|LÀM TẠI|Làm tại|FAIT À|Fait à|"
    r"HECHO en|Hecho en|СОВЕРШЕНО|Совершено)")
_SIGNATURE_RE = re.compile(
    r"^(?:FOR THE |For the |ON BEHALF OF |On behalf of |THAY MẶT|Thay mặt|ĐẠI DIỆN|Đại diện|TM\.|T\.M\.|"
    r"POUR LE |Pour le |POUR LA |Pour la |ЗА |За |POR EL |Por el |\(sd\.\)|\(signed\)|\(Signed\)|\(ký\))")
_CONTENTS_RE = re.compile(r"^(?:CONTENTS|Contents|TABLE OF CONTENTS|Table of contents|Table of Contents|"
                          r"MỤC LỤC|Mục lục|SOMMAIRE|Sommaire|TABLE DES MATIÈRES|Table des matières|"
                          r"СОДЕРЖАНИЕ|Содержание|ОГЛАВЛЕНИЕ|Оглавление|ÍNDICE|Índice)\s*:?$")
# a line that ends in dot leaders (or a run of ellipses / a tab) and a page number
_LEADER_RE = re.compile(r"(?:(?:\.\s?){4,}|…{2,}|_{4,}|\t)\s*(?:\d{1,4}|[ivxlc]{1,6})\s*$")
_PAGE_NO_RE = re.compile(r"^(?:[-–—]\s*)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*[-–—])?$|^(?:page|trang)\s+\d+(?:\s+(?:of|/|trên)\s+\d+)?$",
                         re.IGNORECASE)
_INTEGRAL_RE = re.compile(
    r"integral part|form(?:s|ing)? part of|partie intégrante|bộ phận không (?:thể )?tách rời|"
    r"phần không (?:thể )?tách rời|неотъемлемой частью|parte integrante|at the (?:moment|time) of (?:the )?signing|"
    r"this day concluded|signed (?:on )?the same day|vào thời điểm ký", re.IGNORECASE)

_TESTIMONIUM_FIRST = frozenset("IiEeĐđVvВDdMmLlFfHhСс")
_HEAD_FIRST = frozenset("ĐĐAaÁSсСPCMTLDFIEVHVvRГРЧКПОlFf(")  # first letters worth a regex try
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_WORD_NUM = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7, "EIGHT": 8, "NINE": 9,
             "TEN": 10, "PREMIER": 1, "PREMIÈRE": 1, "FIRST": 1, "1ER": 1, "IER": 1, "I ER": 1}
_KW_NORMAL = {"điều": "Điều", "article": "Article", "artículo": "Artículo", "articulo": "Artículo",
              "artigo": "Artigo", "статья": "Статья", "art.": "Article", "part": "Part", "chapter": "Chapter",
              "chương": "Chương", "phần": "Phần", "partie": "Partie", "titre": "Titre", "title": "Title",
              "capítulo": "Capítulo", "глава": "Глава", "раздел": "Раздел", "часть": "Часть", "section": "Section",
              "subsection": "Subsection", "mục": "Mục", "annexe": "Annexe", "annex": "Annex", "appendix": "Appendix",
              "schedule": "Schedule", "phụ lục": "Phụ lục", "list": "List", "anexo": "Anexo",
              "приложение": "Приложение", "attachment": "Attachment"}
_LEVEL2 = {"Section", "Subsection", "Mục"}


@dataclass
class Structure:
    preamble: str | None = None
    chapters: list[dict] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)
    final_clauses: str | None = None
    annexes: list[dict] = field(default_factory=list)
    instruments: list[dict] = field(default_factory=list)
    toc: list[tuple[int, int]] = field(default_factory=list)  # skipped tables of contents (character ranges)

    def search_articles(self) -> list[dict]:
        """What search indexes per stored document: [{label, heading, text}] — the preamble, the articles,
        the final clauses and the annexes, so that no part of the text is lost to search."""
        return search_articles(self)

    def to_dict(self) -> dict:
        return {"preamble": self.preamble, "chapters": self.chapters, "articles": self.articles,
                "final_clauses": self.final_clauses, "annexes": self.annexes, "instruments": self.instruments,
                "toc": [list(t) for t in self.toc]}


def search_articles(st: Structure) -> list[dict]:
    """See ``Structure.search_articles``; empty when the text has no articles (search then reads the whole
    text, so nothing outside the articles is lost either way)."""
    if not st.articles:
        return []
    out: list[dict] = []
    if st.preamble:
        out.append({"label": "Preamble", "heading": None, "text": st.preamble})
    out.extend({"label": a["label"], "heading": a["heading"], "text": a["text"]} for a in st.articles if a["text"])
    if st.final_clauses:
        out.append({"label": "Final clauses", "heading": None, "text": st.final_clauses})
    out.extend({"label": x["label"], "heading": x["title"], "text": x["text"]} for x in st.annexes if x["text"])
    return out


# ---------------------------------------------------------------------------------------------------
# helpers


def _to_int(num: str | None) -> int | None:
    if not num:
        return None
    n = num.strip().upper()
    if n in _WORD_NUM:
        return _WORD_NUM[n]
    m = re.match(r"\d+", n)
    if m:
        return int(m.group(0))
    if re.fullmatch(r"[IVXLC]+", n):
        total = 0
        for a, b in zip(n, n[1:] + " "):
            v = _ROMAN[a]
            total += -v if b != " " and _ROMAN.get(b, 0) > v else v
        return total
    if len(n) == 1 and n.isalpha():
        return ord(n) - ord("A") + 1
    return None


def _label(kw: str, num: str | None) -> str:
    k = _KW_NORMAL.get(kw.lower(), kw)
    if not num:
        return k
    n = num.strip()
    if n.upper() in ("PREMIER", "FIRST", "1ER", "PREMIÈRE"):
        n = "1"
    return f"{k} {n}"


def _upper_ratio(s: str) -> float:
    letters = [c for c in s if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c.isupper()) / len(letters)


def _ends_sentence(line: str) -> bool:
    """The previous line lets a heading follow: it ends a sentence or a clause, or is itself heading-like
    (short and mostly upper case, or a page number)."""
    if not line:
        return True
    if line[-1] in ".:;!?)]”\"'’»*" or _PAGE_NO_RE.match(line):
        return True
    if len(line) <= 120 and _upper_ratio(line) >= 0.6:
        return True
    if len(line) <= 80 and not line[-1].isalpha() and line[-1] not in ",-–(":
        return True
    # a short title-like line ("Personal Scope", "Use of terms and scope") with no sentence inside
    return len(line) <= 100 and line[:1].isupper() and not re.search(r"[.,;:]\s", line) and len(line.split()) <= 12


# ---------------------------------------------------------------------------------------------------
# tables of contents


def _toc_lines(lines: list[str]) -> set[int]:
    """Indexes of lines that belong to a table of contents."""
    leaders = [i for i, ln in enumerate(lines) if ln and _LEADER_RE.search(ln) and len(ln) < 300]
    out: set[int] = set()
    contents = [i for i, ln in enumerate(lines[:5000]) if ln and len(ln) < 40 and _CONTENTS_RE.match(ln)]
    if not leaders and not contents:
        return out
    # clusters of leader lines with small gaps (wrapped entries, page breaks in between)
    clusters: list[list[int]] = []
    for i in leaders:
        if clusters and i - clusters[-1][-1] <= 12:
            clusters[-1].append(i)
        else:
            clusters.append([i])
    for c in clusters:
        near_header = any(0 <= c[0] - h <= 6 for h in contents)
        if len(c) < 3 and not near_header:
            continue
        start = c[0]
        if near_header:
            start = max(h for h in contents if 0 <= c[0] - h <= 6)
        else:
            # the wrapped first lines of the first entry
            k = start - 1
            while k >= 0 and start - k <= 6 and lines[k] and len(lines[k]) < 120 \
                    and not lines[k].endswith((".", ":", ";")):
                k -= 1
            start = k + 1
        out.update(range(start, c[-1] + 1))
    # a contents heading followed by entries without leaders ("Article 1 Scope 3" / tab-separated)
    for h in contents:
        if h in out:
            continue
        last = h
        k = h + 1
        while k < len(lines) and k - last <= 6:
            ln = lines[k]
            if ln and re.search(r"\s\d{1,4}$", ln) and len(ln) < 200:
                last = k
            k += 1
        if last - h >= 3:
            out.update(range(h, last + 1))
    return out


# ---------------------------------------------------------------------------------------------------
# the split


@dataclass
class _Head:
    kind: str  # "article" | "chapter" | "annex" | "preamble" | "testimonium" | "instrument"
    line: int
    label: str | None = None
    num: int | None = None
    rest: str = ""
    strong: bool = True
    level: int = 1


def _prev_line(lines: list[str], i: int, skip: set[int]) -> str:
    k = i - 1
    while k >= 0 and (not lines[k] or _PAGE_NO_RE.match(lines[k])) and k not in skip:
        k -= 1
    return lines[k] if k >= 0 else ""


def _next_line(lines: list[str], i: int, limit: int = 4) -> tuple[int, str]:
    k = i + 1
    while k < len(lines) and k - i <= limit and (not lines[k] or _PAGE_NO_RE.match(lines[k])):
        k += 1
    return (k, lines[k]) if k < len(lines) else (k, "")


def _heads(lines: list[str], toc: set[int]) -> list[_Head]:
    heads: list[_Head] = []
    for i, ln in enumerate(lines):
        if not ln or i in toc or len(ln) > 400:
            continue
        c = ln[0]
        if c not in _HEAD_FIRST and not c.isupper():
            continue
        m = _ART_RE.match(ln)
        if m:
            h = _article_head(lines, i, m, toc)
            if h:
                heads.append(h)
            continue
        m = _CHAP_RE.match(ln)
        if m:
            rest = m.group("rest").strip()
            if rest and not m.group("sep") and (rest[0].islower() or rest[0] in "(,;"):
                continue  # "Part V of this Agreement"
            if rest.endswith((",", ";")):
                continue
            kw = _KW_NORMAL.get(m.group("kw").lower(), m.group("kw"))
            if not _ends_sentence(_prev_line(lines, i, toc)):
                continue
            if kw in ("Section", "Subsection") and not m.group("kw").isupper() and not rest and \
                    _next_line(lines, i)[1][:1].islower():
                continue
            heads.append(_Head("chapter", i, _label(m.group("kw"), m.group("num")), _to_int(m.group("num")), rest,
                               level=2 if kw in _LEVEL2 else 1))
            continue
        m = _ANNEX_RE.match(ln)
        if m:
            h = _annex_head(lines, i, m, toc)
            if h:
                heads.append(h)
            continue
        if len(ln) < 30 and _PREAMBLE_RE.match(ln):
            heads.append(_Head("preamble", i))
            continue
        if _TESTIMONIUM_RE.match(ln):
            heads.append(_Head("testimonium", i))
    return heads


def _article_head(lines: list[str], i: int, m: re.Match, toc: set[int]) -> _Head | None:
    rest = m.group("rest").strip()
    sep = m.group("sep")
    kw = m.group("kw")
    if kw == "Art." and not rest:
        return None
    prev = _prev_line(lines, i, toc)
    if rest:
        if not sep and (rest[0].islower() or rest[0] in "(,;[") and not rest.startswith("(") \
                or not sep and rest[0] in ",;":
            return None  # "Article 5 of the Convention …", a cross-reference at a line start
        if rest.startswith("(") and not _ends_sentence(prev):
            return None  # "… referred to in\nArticle 6 (Insufficient Working or Processing)."
        if not sep and rest[0].islower():
            return None
        if re.match(r"(?:of|and|or|to|in|shall|may|above|below|thereof|hereof|bis\b)", rest) and not sep:
            return None
        if rest.endswith((",", ";")) and len(rest) > 60:
            return None
        if not _ends_sentence(prev) and not sep:
            return None
        strong = bool(sep) or _upper_ratio(rest) >= 0.6 or len(rest) < 120
    else:
        if not _ends_sentence(prev):
            k, nxt = _next_line(lines, i)
            if nxt[:1].islower():
                return None  # "… in accordance with\nArticle 5\nof the …"
        strong = True
    return _Head("article", i, _label(kw, m.group("num")), _to_int(m.group("num")), rest, strong)


def _annex_head(lines: list[str], i: int, m: re.Match, toc: set[int]) -> _Head | None:
    kw = m.group("kw")
    rest = m.group("rest").strip()
    num = m.group("num")
    upper_kw = kw.isupper()
    prev = _prev_line(lines, i, toc)
    if kw == "LIST" and (num or rest) and not (rest and _upper_ratio(rest) >= 0.6):
        return None
    if kw == "LIST" and _ANNEX_RE.match(prev):
        return None  # "ANNEX II\nLIST OF REQUIRED WORKING …": the annex's title
    if not upper_kw:
        if not num and not rest:
            pass  # "Annex" / "Appendix" alone on its line
        elif rest and not m.group("sep") and rest[0].islower() and not re.match(r"(?:to|of)\s", rest):
            return None
        elif rest and rest[0] in "(,;":
            return None
    if rest.endswith((",", ";")) or (rest and rest[-1].islower() and len(rest) > 80 and not upper_kw):
        return None
    if upper_kw and num:
        if not _ends_sentence(prev) and (prev[-1:].islower() or prev[-1:] in ",(-–"):
            return None  # an upper-case "ANNEX II" heading may follow a running page header
    elif not _ends_sentence(prev):
        return None
    return _Head("annex", i, _label(kw, num), _to_int(num), rest)


def _filter_articles(heads: list[_Head]) -> list[_Head]:
    """Article numbers run upwards inside one block (an instrument or an annex): a number that goes back or
    jumps far ahead is a cross-reference at a line start, unless it restarts at 1 with a strong heading."""
    out: list[_Head] = []
    last: int | None = None
    for h in heads:
        if h.kind in ("annex", "instrument", "integral"):
            last = None
            out.append(h)
            continue
        if h.kind != "article":
            out.append(h)
            continue
        n = h.num
        if n is None:
            out.append(h)
            continue
        if last is None or last <= n <= last + 10 or (n == 1 and h.strong):
            out.append(h)
            last = n
    return out


def _chapter_title(lines: list[str], h: _Head, heads_at: set[int]) -> str | None:
    if h.rest:
        return h.rest
    k, nxt = _next_line(lines, h.line, 3)
    if not nxt or k in heads_at or len(nxt) > 200:
        return None
    if _upper_ratio(nxt) >= 0.6 or (nxt[:1].isupper() and not nxt.endswith((".", ";", ":")) and len(nxt) < 150):
        return nxt
    return None


def _article_heading(lines: list[str], h: _Head, end_line: int) -> str | None:
    """The heading of an article: the text after the label, or the short line(s) below it
    ("Article 1\\nPersonal Scope", "Article 63\\nStocks occurring within … of\\ntwo or more coastal States …")."""
    if h.rest:
        return h.rest
    k, nxt = _next_line(lines, h.line, 4)
    if k >= end_line or not nxt or len(nxt) > 200:
        return None
    if re.match(r"^(?:\d+[.)]|\(\w{1,4}\)|[a-z][.)]\s|[-•–])", nxt) or nxt[:1].islower():
        return None
    if nxt.endswith((".", ";", ":")) and len(nxt) > 60:
        return None
    parts = [nxt]
    j = k + 1
    while j < end_line and len(parts) < 4:
        ln = lines[j]
        if not ln or _PAGE_NO_RE.match(ln):
            break
        if ln[:1].islower() and len(ln) < 150 and not parts[-1].endswith((".", ";", ":")):
            parts.append(ln)
            j += 1
            continue
        break
    heading = " ".join(parts)
    if len(heading) > 300:
        return None
    return heading


def _instrument_title_at(lines: list[str], start: int, stop: int) -> int | None:
    """After a signature block: the line index of a new instrument's title within the next lines, or None."""
    from ingest.metadata import instrument_type_of

    seen = 0
    for k in range(start, min(stop, start + 40)):
        ln = lines[k]
        if not ln or _PAGE_NO_RE.match(ln):
            continue
        seen += 1
        if seen > 14:
            return None
        if _SIGNATURE_RE.match(ln) or _TESTIMONIUM_RE.match(ln):
            continue
        if len(ln) > 300 or _ANNEX_RE.match(ln) or _ART_RE.match(ln):
            return None
        typ, international = instrument_type_of(ln)
        if typ and international and typ not in ("record of discussions", "minutes"):
            words = ln.split()
            # a title, not a sentence about the instrument ("Hiệp định này có hiệu lực …", "This Protocol …")
            sentence = len(words) > 1 and words[1].lower() in ("này", "this", "that", "shall", "is", "was", "có",
                                                                 "được", "sẽ")
            if not sentence and (_upper_ratio(ln) >= 0.6 or len(words) <= 14):
                return k
        # names, titles and places of the signatories: short lines without a sentence
        if len(ln) > 120 or re.search(r"[.;:]\s+[a-zà-ỹđ]{2,}", ln):
            return None
    return None



def instruments(text: str) -> list[dict]:
    """Only the instrument ranges of ``split(text)`` ([{part, start, end, title}]), without the rest of the
    structure: the lines after each testimonium are all it reads."""
    st = Structure()
    if not text or not text.strip():
        return [{"part": 1, "start": 0, "end": len(text or ""), "title": None}]
    lines = text.split("\n")
    stripped = [ln.strip() for ln in lines]
    heads = [_Head("testimonium", i) for i, ln in enumerate(stripped)
             if ln and ln[0] in _TESTIMONIUM_FIRST and _TESTIMONIUM_RE.match(ln)]
    if not heads:
        return [{"part": 1, "start": 0, "end": len(text), "title": None}]
    offsets: list[int] = []
    pos = 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    offsets.append(len(text) + 1)
    _split_instruments(text, stripped, offsets, heads, st)
    return st.instruments


def split(text: str) -> Structure:
    """The structure of ``text`` (see the module docstring)."""
    st = Structure()
    if not text or not text.strip():
        st.instruments = [{"part": 1, "start": 0, "end": len(text or ""), "title": None}]
        return st
    lines = text.split("\n")
    offsets: list[int] = []
    pos = 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln) + 1
    offsets.append(len(text) + 1)
    stripped = [ln.strip() for ln in lines]
    toc = _toc_lines(stripped)
    # contiguous TOC ranges as character spans
    if toc:
        runs: list[list[int]] = []
        for i in sorted(toc):
            if runs and i == runs[-1][1] + 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
        st.toc = [(offsets[a], min(len(text), offsets[b + 1] - 1)) for a, b in runs]
    heads = _heads(stripped, toc)
    heads = _split_instruments(text, stripped, offsets, heads, st)
    heads = _filter_articles(heads)
    heads_at = {h.line for h in heads}
    n_lines = len(stripped)

    def body(a_line: int, b_line: int) -> str:
        a = offsets[a_line]
        b = offsets[b_line] - 1 if b_line < n_lines else len(text)
        return text[a:max(a, b)].strip()

    # preamble: after the title block and any table of contents, up to the first chapter or article
    first_body = next((h.line for h in heads if h.kind in ("article", "chapter", "annex", "testimonium")), n_lines)
    pre = next((h for h in heads if h.kind == "preamble" and h.line < first_body), None)
    if pre is not None:
        p_start = pre.line + 1
    else:
        from ingest.metadata import find_title

        limit = offsets[first_body] if first_body < n_lines else len(text)
        tb = find_title(text[:limit])
        p_start = tb.end if tb.start >= 0 else 0
        toc_before = [i for i in toc if i < first_body]
        if toc_before:
            p_start = max(p_start, max(toc_before) + 1)
    # a cover page repeats the title: the preamble starts after the last upper-case title line before it
    for k in range(first_body - 1, p_start - 1, -1):
        ln = stripped[k]
        if k not in toc and len(ln) >= 15 and _upper_ratio(ln) >= 0.8 and not ln.endswith((":", ",", ";")) \
                and k + 1 < first_body and stripped[k + 1][:1].isupper() and _upper_ratio(stripped[k + 1]) < 0.5:
            p_start = k + 1
            break
    if first_body > p_start and any(h.kind == "article" for h in heads):
        pre_text = "\n".join(ln for i, ln in enumerate(lines[p_start:first_body], p_start)
                             if i not in toc and not _PAGE_NO_RE.match(ln.strip())).strip()
        st.preamble = pre_text or None

    # for each head, the line of the next annex / instrument / integral-part head after it (one backward pass:
    # a text of thousands of "DONE at" lines must not look ahead from every one of them)
    next_block = [n_lines] * len(heads)
    nb = n_lines
    for j in range(len(heads) - 1, -1, -1):
        next_block[j] = nb
        if heads[j].kind in ("annex", "instrument", "integral"):
            nb = heads[j].line
    chapter: str | None = None
    in_annex = False
    final_parts: list[str] = []
    testimonium_end = -1
    for idx, h in enumerate(heads):
        nxt = heads[idx + 1].line if idx + 1 < len(heads) else n_lines
        if h.kind == "instrument":
            in_annex = False
            chapter = None
            continue
        if h.kind == "chapter":
            if in_annex:
                continue
            title = _chapter_title(stripped, h, heads_at)
            st.chapters.append({"label": h.label, "title": title, "level": h.level})
            if h.level == 1:
                chapter = h.label
            elif chapter is None:
                chapter = h.label
            continue
        if h.kind == "article":
            if in_annex:
                continue  # an annex keeps its own articles inside its text
            st.articles.append({"label": h.label, "heading": _article_heading(stripped, h, nxt),
                                "text": _after_label(body(h.line, nxt), h), "chapter": chapter})
            continue
        if h.kind == "testimonium":
            if in_annex:
                continue
            if h.line < testimonium_end:
                continue  # a later head inside the block taken (a second "DONE at" line after "IN WITNESS")
            # up to the next annex, instrument or the end (signature block included)
            end = next_block[idx]
            testimonium_end = end
            final_parts.append(body(h.line, end))
            continue
        if h.kind == "annex" or h.kind == "integral":
            in_annex = True
            end = next_block[idx]
            title = h.rest or _chapter_title(stripped, _Head("chapter", h.line), heads_at) or None
            st.annexes.append({"label": h.label, "title": title, "text": body(h.line + 1, end)})
            continue
    # final clause blocks: drop nested duplicates (a "DONE at" line right after "IN WITNESS")
    uniq: list[str] = []
    for fp in final_parts:
        if uniq and fp in uniq[-1]:
            continue
        uniq.append(fp)
    st.final_clauses = "\n".join(uniq) or None
    return st


def _after_label(block: str, h: _Head) -> str:
    """The article text: everything after the label (the heading line included)."""
    first, _, restlines = block.partition("\n")
    tail = (h.rest + "\n" + restlines) if h.rest else restlines
    return tail.strip()


def _split_instruments(text: str, lines: list[str], offsets: list[int], heads: list[_Head],
                       st: Structure) -> list[_Head]:
    """Find further instruments after signature blocks; mark integral protocols as annexes. Returns the heads
    with "instrument" / "integral" markers inserted; fills ``st.instruments``."""
    from ingest.metadata import find_signature, instrument_type_of

    n = len(lines)
    testimonia = [h for h in heads if h.kind == "testimonium"]
    boundaries: list[tuple[int, str, str]] = []  # (line, "instrument" | "integral", type)
    part_start_line = 0
    prev_date = None
    checked_until = -1
    for t in testimonia:
        if t.line <= checked_until:
            continue
        # the signature block ends at the first title-like line that names an instrument
        k = _instrument_title_at(lines, t.line + 1, n)
        if k is None:
            continue
        checked_until = k
        # the candidate runs to the next candidate boundary or the end
        later = [x for x in testimonia if x.line > k]
        seg_end_line = n
        for x in later:
            k2 = _instrument_title_at(lines, x.line + 1, n)
            if k2 is not None:
                seg_end_line = k2
                break
        seg = text[offsets[k]:offsets[seg_end_line] - 1 if seg_end_line < n else len(text)]
        own_signature = any(x.line > k and x.line < seg_end_line for x in testimonia) or \
            sum(1 for ln in lines[k:seg_end_line] if _SIGNATURE_RE.match(ln)) >= 2
        before = text[offsets[part_start_line]:offsets[k]]
        if prev_date is None:
            prev_date = find_signature(before).date
        new_date = find_signature(seg).date if own_signature else None
        integral = bool(_INTEGRAL_RE.search(seg[:4000]))
        typ, _ = instrument_type_of(lines[k])
        separate = own_signature and (not integral or (new_date is not None and prev_date is not None
                                                        and new_date != prev_date))
        if separate:
            boundaries.append((k, "instrument", typ or ""))
            part_start_line = k
            prev_date = new_date
        elif integral or own_signature:
            boundaries.append((k, "integral", typ or ""))
    # instrument ranges
    starts = [0] + [b[0] for b in boundaries if b[1] == "instrument"]
    for p, a_line in enumerate(starts):
        b_line = starts[p + 1] if p + 1 < len(starts) else n
        a = offsets[a_line]
        b = offsets[b_line] - 1 if b_line < n else len(text)
        st.instruments.append({"part": p + 1, "start": a, "end": b, "title": None})
    if len(st.instruments) > 1:
        from ingest.metadata import find_title

        for r in st.instruments:
            r["title"] = find_title(text[r["start"]:r["end"]][:20000]).title
    if not boundaries:
        return heads
    out = list(heads)
    for line, kind, typ in boundaries:
        label = (typ or "protocol").capitalize() if kind == "integral" else None
        title_lines = [lines[line]]
        j = line + 1
        while j < n and len(title_lines) < 6 and lines[j] and _upper_ratio(lines[j]) >= 0.6 \
                and _upper_ratio(lines[line]) >= 0.6 and not _ART_RE.match(lines[j]):
            title_lines.append(lines[j])
            j += 1
        rest = " ".join(title_lines) if kind == "integral" else ""
        # drop heads on the title lines themselves (a "PROTOCOL" line is not an annex or chapter)
        out = [h for h in out if not (line <= h.line < line + len(title_lines))]
        out.append(_Head(kind, line, label, None, rest))
    out.sort(key=lambda h: (h.line, 0 if h.kind in ("instrument", "integral") else 1))
    return out
