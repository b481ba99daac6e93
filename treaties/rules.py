"""Rules of the Law on Treaties 108/2016/QH13 (amended by Law 137/2025/QH15) applied to treaty records."""
from __future__ import annotations

from datetime import date
from typing import Any

from core.enums import DANH_NGHIA
from core.exceptions import RuleViolation
from core.registry import register_rule
from core.text import fold

# Law 41/2005/QH11 (in force 01/01/2006) ended treaties concluded in the name of ministries
LEGACY_MINISTRY_LEVEL_UNTIL = date(2006, 1, 1)
_DANH_NGHIA_KEYS = {fold(v): v for v in DANH_NGHIA}


def normalise_danh_nghia(value: str | None) -> str | None:
    """'nha nuoc', 'NHÀ NƯỚC', 'State' → 'Nhà nước'; 'Government' → 'Chính phủ'; 'Bộ' kept (legacy)."""
    if value is None:
        return None
    f = fold(value)
    if f in _DANH_NGHIA_KEYS:
        return _DANH_NGHIA_KEYS[f]
    return {"state": "Nhà nước", "government": "Chính phủ", "bo": "Bộ", "ministry": "Bộ"}.get(f, value)


def check_danh_nghia(record: dict[str, Any]) -> None:
    """Law 2016 Art. 4: a treaty is concluded in the name of the State (Nhà nước) or the Government (Chính phủ);
    ministry-level treaties exist only from before Law 41/2005 took effect (01/01/2006)."""
    dn = record.get("danh_nghia")
    if record.get("signatory_level"):
        raise RuleViolation("a treaty has a danh nghĩa (Nhà nước or Chính phủ), not an agreement signatory level "
                            "(Law 2016 Art. 4)", field="signatory_level", article="Law 2016 Art. 4")
    if dn is None:
        if record.get("record_state") == "confirmed":
            raise RuleViolation("a confirmed treaty must state its danh nghĩa: Nhà nước or Chính phủ (Law 2016 Art. 4)",
                                field="danh_nghia", article="Law 2016 Art. 4")
        return
    norm = normalise_danh_nghia(dn)
    if norm in DANH_NGHIA and norm == dn:
        return
    if norm == "Bộ" and dn == "Bộ":
        signed = record.get("signed_date")
        if signed is not None and signed < LEGACY_MINISTRY_LEVEL_UNTIL:
            return
        raise RuleViolation("danh nghĩa 'Bộ' (ministry level) is only possible for treaties signed before "
                            "01/01/2006 (Ordinances 1989/1998); since then a treaty is concluded in the name of the "
                            "State or the Government (Law 2016 Art. 4)", field="danh_nghia", article="Law 2016 Art. 4")
    raise RuleViolation(f"danh nghĩa {dn!r} is not valid for a treaty: it must be 'Nhà nước' or 'Chính phủ' "
                        "(Law 2016 Art. 4)", field="danh_nghia", article="Law 2016 Art. 4")


# Law 2016 Arts. 28-29, 37-38, 43 (domain.md §1.5): who may give consent to be bound, by danh nghĩa
CONSENT_BODIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Nhà nước", "ratification"): ("Quốc hội", "Chủ tịch nước"),
    ("Chính phủ", "ratification"): ("Quốc hội",),  # a Government treaty conflicting with a law (Art. 28(3), 29(1)(d))
    ("Chính phủ", "approval"): ("Chính phủ",),
    ("Nhà nước", "accession"): ("Quốc hội", "Chủ tịch nước"),
    ("Chính phủ", "accession"): ("Chính phủ",),
    ("Nhà nước", "definitive_signature"): ("Chủ tịch nước",),   # decision to sign (Art. 15)
    ("Chính phủ", "definitive_signature"): ("Chính phủ",),
}
CONSENT_ARTICLES = {"ratification": "Law 2016 Arts. 28-29", "approval": "Law 2016 Arts. 37-38",
                    "accession": "Law 2016 Art. 43", "definitive_signature": "Law 2016 Art. 15"}


def check_consent_body(record: dict[str, Any]) -> None:
    """The body recorded as having decided must be the one the Law on Treaties names (domain.md §1.5)."""
    mode, body, dn = record.get("consent_mode"), record.get("consent_body"), record.get("danh_nghia")
    if not mode or not body or dn not in DANH_NGHIA:
        return
    allowed = CONSENT_BODIES.get((dn, mode))
    article = CONSENT_ARTICLES.get(mode, "Law 2016 Art. 2(12)")
    if allowed is None:
        if mode == "approval" and dn == "Nhà nước":
            raise RuleViolation("a treaty in the name of the State is ratified, not approved: approval (phê duyệt) "
                                "is by the Government for Government treaties (Law 2016 Arts. 28, 37)",
                                field="consent_mode", article="Law 2016 Arts. 28, 37")
        return
    if fold(body) not in {fold(b) for b in allowed}:
        raise RuleViolation(f"{mode} of a treaty in the name of {dn} is decided by {' or '.join(allowed)}, "
                            f"not {body!r} ({article})", field="consent_body", article=article)


register_rule("treaty", check_danh_nghia)
register_rule("treaty", check_consent_body)
