"""Entry-into-force notices of the Ministry of Foreign Affairs ("Số: 24/2024/TB-LPQT").

``parse_notice(text)`` → {document_kind, notice_number, notice_date, notice_place, instruments: [{title,
signed_place, signed_date, event, event_date}]}. An instrument line reads like

    <title>, ký tại <place> ngày <date>, có hiệu lực (kể) từ ngày <date>.
    <title>, làm tại Luân-đôn ngày 13/02/2004 (<English title>), …, có hiệu lực đối với Việt Nam từ ngày …
    <title> (<English title>) [MEPC.296(72)], thông qua ngày 13 tháng 4 năm 2019; có hiệu lực …
    <title>, ký tại …, chấm dứt hiệu lực (kể) từ ngày …
"""
from __future__ import annotations

import re

from core.text import fold, nfc
from ingest.dates import find_dates

__all__ = ["is_notice", "parse_notice", "NOTICE_NUMBER_RE"]

NOTICE_NUMBER_RE = re.compile(r"S[ốôo]\s*:?\s*(?P<num>\d{1,4})\s*/\s*(?P<year>\d{4})\s*/\s*TB\s*-\s*LPQT", re.IGNORECASE)
_EVENT_RE = re.compile(
    r"(?P<kind>chấm dứt hiệu lực|hết hiệu lực|có hiệu lực|bắt đầu có hiệu lực)(?P<mid>[^.;]{0,120}?)"
    r"(?:(?:kể\s+)?từ\s+|vào\s+)?(?=ngày\s*\d|\d{1,2}/\d{1,2}/\d{4})",
    re.IGNORECASE,
)
_SIGN_RE = re.compile(
    r",?\s*(?:được\s+)?(?P<verb>ký|làm|thông qua|ký kết)\s+(?:tại\s+(?P<place>[^,;()]{2,40}?)\s*,?\s*)?"
    r"(?=ngày\s*\d|\d{1,2}/\d{1,2}/\d{4})",
    re.IGNORECASE,
)


def is_notice(text: str) -> bool:
    head = text[:4000]
    return bool(NOTICE_NUMBER_RE.search(head)) or ("TB-LPQT" in head.replace(" ", ""))


def _strip_code_and_english(title: str) -> str:
    """Drop a trailing document code "[MEPC.296(72)]" together with the English title in brackets
    right before it; keep a bracketed English title that has no code after it."""
    t = title.strip().rstrip(",;")
    m = re.search(r"\s*\[[^\[\]]+\]\s*$", t)
    if not m:
        return t
    t = t[:m.start()].rstrip()
    if t.endswith(")"):
        depth = 0
        for i in range(len(t) - 1, -1, -1):
            if t[i] == ")":
                depth += 1
            elif t[i] == "(":
                depth -= 1
                if depth == 0:
                    inner = t[i + 1:-1]
                    if inner.isascii() or sum(c.isascii() for c in inner) / max(1, len(inner)) > 0.9:
                        t = t[:i].rstrip()
                    break
    return t


def _items(body: str) -> list[str]:
    """Split the notified part into one string per instrument."""
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    items: list[str] = []
    for ln in lines:
        if re.match(r"^\d{1,2}[.)]\s+", ln) or not items:
            items.append(re.sub(r"^\d{1,2}[.)]\s+", "", ln))
        elif re.match(r"^(?:[-–•]\s+)", ln):
            items.append(ln[1:].strip())
        else:
            items[-1] += " " + ln
    return [it for it in items if re.search(r"hiệu lực", it, re.IGNORECASE)]


def _parse_item(item: str) -> dict | None:
    ev = None
    for m in _EVENT_RE.finditer(item):
        ev = m
        break
    if ev is None:
        return None
    ds = [d for d in find_dates(item) if d.start >= ev.end() - 1]
    event_date = ds[0].value.isoformat() if ds else None
    kind = "terminated" if re.match(r"chấm dứt|hết", ev.group("kind"), re.IGNORECASE) else "entered_into_force"
    head = item[:ev.start()]
    sm = _SIGN_RE.search(head)
    title_part = head[:sm.start()] if sm else head
    signed_place = signed_date = None
    if sm:
        place = sm.group("place")
        signed_place = nfc(place.strip()) if place else None
        sd = [d for d in find_dates(head) if d.start >= sm.start()]
        signed_date = sd[0].value.isoformat() if sd else None
    title = _strip_code_and_english(re.sub(r"\s+", " ", title_part))
    title = re.sub(r"[,;]\s*$", "", title).strip()
    return {"title": nfc(title), "signed_place": signed_place, "signed_date": signed_date, "event": kind,
            "event_date": event_date}


def parse_notice(text: str) -> dict:
    out: dict = {"document_kind": "eif_notice", "notice_number": None, "notice_date": None, "notice_place": None,
                 "instruments": []}
    m = NOTICE_NUMBER_RE.search(text)
    if m:
        out["notice_number"] = f"{int(m.group('num')):02d}/{m.group('year')}/TB-LPQT" \
            if len(m.group("num")) < 2 else f"{m.group('num')}/{m.group('year')}/TB-LPQT"
    # "Hà Nội, ngày 02 tháng 02 năm 2015" in the header
    for ln in text.split("\n")[:25]:
        hm = re.match(r"^\s*(?P<place>[^\d,]{2,30}),\s*(?P<rest>ngày.*)$", ln.strip())
        if hm:
            ds = find_dates(hm.group("rest"))
            if ds:
                out["notice_date"] = ds[0].value.isoformat()
                out["notice_place"] = nfc(hm.group("place").strip())
                break
    # the notified part: after "… thông báo:" up to the copy sentence / signature
    body = text
    bm = re.search(r"thông báo\s*:\s*", text, re.IGNORECASE)
    if bm:
        body = text[bm.end():]
    end = re.search(r"\n\s*(?:Bộ Ngoại giao trân trọng gửi|TL\.|KT\.|TM\.|Nơi nhận)", body)
    if end:
        body = body[:end.start()]
    for it in _items(body):
        parsed = _parse_item(it)
        if parsed:
            out["instruments"].append(parsed)
    return out


def _fold_eq(a: str | None, b: str | None) -> bool:  # pragma: no cover - helper for callers
    return fold(a or "") == fold(b or "")
