"""What the public index holds: built from the database, only for records that may be public, and only their
publishable fields (no notes, classification details, decisions or internal documents)."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session, select

from core.models import Instrument, StoredDocument
from core.service import documents_of, entry_into_force_date, events_of, is_public, parties_of

MAX_TEXT_CHARS = 2_000_000
# the Ministry's entry-into-force notices ("Thông báo số 24/2024/TB-LPQT"), published in Công báo: searchable
# by their number. (Other references on events, such as decisions, are not publishable fields.)
_NOTICE_NUMBER = re.compile(r"(?<![\w/])[0-9]{1,5}/[0-9]{4}/TB-LPQT(?![\w/-])", re.IGNORECASE)


def notice_numbers(events) -> list[str]:
    """The entry-into-force notice numbers named by the events' document references, upper-cased, in order."""
    out: list[str] = []
    for e in events:
        for m in _NOTICE_NUMBER.finditer(e.document_ref or ""):
            n = m.group(0).upper()
            if n not in out:
                out.append(n)
    return out


def doc_id(instrument_id: int) -> str:
    return f"i{instrument_id}"


def instrument_id_of(doc_id_: str) -> int:
    return int(doc_id_[1:])


def _aliases(codes: list[str]) -> list[str]:
    try:
        from core.parties import party_names
    except ImportError:  # pragma: no cover
        return []
    out: list[str] = []
    for c in codes:
        out.extend(party_names(c))
    return sorted(set(out))


def _articles(docs: list[StoredDocument]) -> tuple[list[dict[str, Any]], str]:
    articles: list[dict[str, Any]] = []
    texts: list[str] = []
    for d in docs:
        arts = (d.extraction or {}).get("articles") or []
        for a in arts:
            if a.get("text"):
                articles.append({"label": a.get("label") or "", "heading": a.get("heading"), "text": a["text"]})
        if not arts and d.text:
            texts.append(d.text)
    return articles, "\n\n".join(texts)[:MAX_TEXT_CHARS]


def build_document(session: Session, inst: Instrument, as_of: date | None = None) -> dict[str, Any] | None:
    """The public search document of ``inst``, or None when the record may not be public."""
    events = events_of(session, inst.id)
    if not is_public(inst, events, as_of):
        return None
    parties = parties_of(session, inst.id)
    codes = [p.code for p in parties if p.code]
    articles, text = _articles(documents_of(session, inst.id))
    eif = entry_into_force_date(events)
    acronyms = [a for a in ((inst.titles or {}).get("acronym"),) if a]
    return {
        "id": doc_id(inst.id),
        "instrument_id": inst.id,
        "family": inst.family,
        "title": inst.title,
        "titles_other": [v for k, v in sorted((inst.titles or {}).items()) if k != "acronym" and v],
        "instrument_type": inst.instrument_type,
        "number": inst.number,
        "numbers_other": [n for n in notice_numbers(events) if n != (inst.number or "").upper()],
        "danh_nghia": inst.danh_nghia,
        "signatory_level": inst.signatory_level,
        "field": inst.field,
        "bilateral": inst.bilateral,
        "parties": codes,
        "party_names": [p.name for p in parties],
        "party_aliases": _aliases(codes),
        "acronyms": acronyms,
        "signed_date": inst.signed_date.isoformat() if inst.signed_date else None,
        "signed_year": inst.signed_date.year if inst.signed_date else None,
        "eif_date": eif.isoformat() if eif else None,
        "status": "in_force",
        "articles": articles,
        "text": text,
    }


def public_documents(session: Session, as_of: date | None = None):
    """Every public document, streamed (used by the full rebuild and the consistency check)."""
    last = 0
    while True:
        batch = list(session.exec(select(Instrument).where(Instrument.id > last).order_by(Instrument.id).limit(200)))
        if not batch:
            return
        for inst in batch:
            last = inst.id
            d = build_document(session, inst, as_of)
            if d is not None:
                yield d
