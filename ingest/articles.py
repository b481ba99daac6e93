"""Split an instrument's text into articles (Điều / Article / Artículo / Статья), skipping tables of contents,
so that search can say which article matched. The splitting itself is ``ingest.structure.split``; this module
keeps the small interface search and older callers use."""
from __future__ import annotations

from ingest.structure import search_articles, split

__all__ = ["split_articles", "search_chunks"]


def split_articles(text: str, max_articles: int = 5000) -> list[dict]:
    """[{label, heading, text}] of the articles, in document order (tables of contents skipped; articles inside
    annexes stay in their annex's text)."""
    if not text:
        return []
    return [{"label": a["label"], "heading": a["heading"], "text": a["text"]}
            for a in split(text).articles[:max_articles]]


def search_chunks(text: str) -> list[dict]:
    """What a stored document gives search: [{label, heading, text}] for the preamble, every article, the final
    clauses and every annex — all the text, labelled ("Preamble", "Article 5", "Final clauses", "Annex I").
    Empty when the text has no articles (search then reads the whole text)."""
    if not text:
        return []
    return search_articles(split(text))
