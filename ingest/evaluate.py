"""Accuracy of ``to_json_line`` against a labelled folder (the format of shared/corpus/cases).

``evaluate(dir) -> {"fields": {field: accuracy}, "overall": mean, "files": N, "details": [...],
"extra": {field: accuracy}}``.

Comparison rules:
* ``title``: case-insensitive, whitespace-normalised (NFC);
* ``parties``: the set of codes;
* ``authentic_languages``: the set of codes (None ≠ []);
* ``entry_into_force``: rule, days and date together (the label's ``accept`` may give alternatives for
  ``entry_into_force.rule`` / ``entry_into_force.date`` separately);
* a label's ``accept`` {field: [values]} lists other values that count as right.

``extra`` holds fields that are not in the JSON line (``vn_signatory_level``, ``duration``), read from the
metadata, and ``notices`` the notice fields when the labels are notices.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

from ingest.extract import extract_file, to_json_line

__all__ = ["evaluate", "compare_field", "LINE_FIELDS"]

LINE_FIELDS = ("family", "instrument_type", "title", "language", "authentic_languages", "parties", "signed_date",
               "signed_place", "entry_into_force", "is_draft")
EXTRA_FIELDS = ("vn_signatory_level", "duration")


def _norm_text(s) -> str | None:
    if s is None:
        return None
    s = unicodedata.normalize("NFC", str(s)).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", s).strip().casefold()


def _eq(field: str, got, want) -> bool:
    if field in ("title", "signed_place", "instrument_type", "vn_signatory_level", "vn_signatory"):
        return _norm_text(got) == _norm_text(want)
    if field == "parties":
        g = {p.get("code") for p in (got or [])}
        w = {p.get("code") for p in (want or [])}
        return g == w
    if field == "authentic_languages":
        if got is None or want is None:
            return got is None and want is None
        return set(got) == set(want)
    if field == "duration":
        got = got or {}
        want = want or {}
        return all(got.get(k) == want.get(k) for k in ("years", "auto_renewal"))
    return got == want


def compare_field(field: str, got, label: dict) -> bool:
    """True when ``got`` matches the label's value for ``field`` or one of its ``accept`` alternatives."""
    accept = label.get("accept") or {}
    want = label.get(field)
    if field == "entry_into_force":
        got = got or {}
        want = want or {}
        for part in ("rule", "days", "date"):
            alts = [want.get(part)] + list(accept.get(f"entry_into_force.{part}", []))
            if got.get(part) not in alts:
                return False
        return True
    if _eq(field, got, want):
        return True
    return any(_eq(field, got, alt) for alt in accept.get(field, []))


def evaluate(directory: str | os.PathLike, *, ocr: bool | None = None) -> dict:
    d = Path(directory)
    labels = [json.loads(ln) for ln in (d / "labels.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    per_field: dict[str, list[bool]] = {}
    extra: dict[str, list[bool]] = {}
    details = []
    for lab in labels:
        res = extract_file(d / lab["file"], ocr=ocr)
        line = to_json_line(res)
        row = {"file": lab["file"], "status": line["status"], "fields": {}, "wrong": {}}
        if lab.get("document_kind") == "eif_notice":
            notice = res.metadata.notice or {}
            checks = {
                "notice_number": compare_field("notice_number", notice.get("notice_number"), lab),
                "notice_date": compare_field("notice_date", notice.get("notice_date"), lab),
                "instruments": _instruments_equal(notice.get("instruments") or [], lab.get("instruments") or []),
                "family": compare_field("family", line["family"], lab),
            }
            for k, ok in checks.items():
                per_field.setdefault(k, []).append(ok)
                row["fields"][k] = ok
                if not ok:
                    row["wrong"][k] = {"got": notice.get(k, line.get(k)), "want": lab.get(k)}
            details.append(row)
            continue
        for f in LINE_FIELDS:
            if f not in lab:
                continue
            ok = compare_field(f, line.get(f), lab)
            per_field.setdefault(f, []).append(ok)
            row["fields"][f] = ok
            if not ok:
                row["wrong"][f] = {"got": line.get(f), "want": lab.get(f)}
        md = res.metadata
        for f in EXTRA_FIELDS:
            if f not in lab:
                continue
            got = getattr(md, f, None)
            ok = compare_field(f, got, lab)
            extra.setdefault(f, []).append(ok)
            row["fields"][f] = ok
            if not ok:
                row["wrong"][f] = {"got": got, "want": lab.get(f)}
        details.append(row)
    fields = {k: round(sum(v) / len(v), 4) for k, v in per_field.items()}
    overall = round(sum(fields.values()) / len(fields), 4) if fields else 0.0
    return {"fields": fields, "overall": overall, "files": len(labels), "details": details,
            "extra": {k: round(sum(v) / len(v), 4) for k, v in extra.items()}}


def _instruments_equal(got: list[dict], want: list[dict]) -> bool:
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        for k in ("signed_place", "signed_date", "event", "event_date"):
            if g.get(k) != w.get(k):
                return False
        if _norm_text(g.get("title")) != _norm_text(w.get("title")):
            return False
    return True


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(json.dumps(evaluate(sys.argv[1] if len(sys.argv) > 1 else "."), ensure_ascii=False, indent=1))
