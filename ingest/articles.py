"""Split an instrument's text into articles (Điều / Article / Artículo / Статья), skipping tables of contents,
so that search can say which article matched."""
from __future__ import annotations

import re

_HEAD = re.compile(
    r"^\s*(?P<label>(?:Điều|ĐIỀU|Article|ARTICLE|Artículo|ARTÍCULO|Статья|СТАТЬЯ)\s+(?:\d+[A-Za-z]?(?:\.\d+)*|[IVXLC]+))"
    r"\s*[.:\-–]?\s*(?P<rest>.*)$", re.M)
_TOC_LINE = re.compile(r"(\.{4,}|…{2,}|(\s\.){4,})\s*\d+\s*$")


def split_articles(text: str, max_articles: int = 5000) -> list[dict]:
    """[{label, heading, text}] in document order; a heading line followed by dot leaders is a TOC entry."""
    if not text:
        return []
    heads = []
    for m in _HEAD.finditer(text):
        line = text[m.start():text.find("\n", m.start()) if "\n" in text[m.start():] else len(text)]
        if _TOC_LINE.search(line):
            continue
        heads.append(m)
    out: list[dict] = []
    for i, m in enumerate(heads[:max_articles]):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[m.end():end].strip()
        rest = (m.group("rest") or "").strip()
        label = re.sub(r"\s+", " ", m.group("label")).strip()
        label = label[0] + label[1:].lower() if label.isupper() else label
        out.append({"label": label, "heading": rest or None, "text": (rest + "\n" + body).strip() if rest else body})
    return out
