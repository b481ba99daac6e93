"""Rules of the Law on International Agreements 70/2020/QH14 and Decree 64/2021/NĐ-CP (as amended by
Decree 177/2025/NĐ-CP) applied to agreement records."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from core.enums import SIGNATORY_LEVELS
from core.exceptions import RuleViolation
from core.registry import register_rule
from core.text import fold

# Law 2020 Art. 6: names reserved for treaties
RESERVED_NAMES = ("công ước", "hiệp ước", "định ước", "hiệp định")
_RESERVED_FOLDED = {fold(n): n for n in RESERVED_NAMES}
# Decree 177/2025 Art. 3: district People's Committees ceased on 01/07/2025
DISTRICT_LEVEL_ENDED = date(2025, 7, 1)

_LEVEL_ALIASES = {
    "nha nuoc": "nha_nuoc", "chinh phu": "chinh_phu", "quoc hoi": "quoc_hoi",
    "bo": "bo", "co quan ngang bo": "bo", "co quan thuoc chinh phu": "bo",
    "ubnd tinh": "tinh", "hdnd tinh": "tinh", "uy ban nhan dan tinh": "tinh", "tinh": "tinh",
    "cuc": "cuc", "tong cuc": "cuc", "so": "so", "ubnd huyen": "huyen", "huyen": "huyen",
    "ubnd xa bien gioi": "xa_bien_gioi", "xa bien gioi": "xa_bien_gioi",
    "to chuc": "to_chuc", "to chuc tinh": "to_chuc_tinh",
    "toa an nhan dan toi cao": "vp_ctn_toa_vks", "vien kiem sat nhan dan toi cao": "vp_ctn_toa_vks",
    "van phong chu tich nuoc": "vp_ctn_toa_vks", "kiem toan nha nuoc": "co_quan_quoc_hoi",
}


def normalise_signatory_level(value: str | None) -> str | None:
    """'UBND tỉnh', 'Bộ', 'tổ chức', 'Tòa án nhân dân tối cao' … → the Law 2020 Art. 2(2) key."""
    if value is None:
        return None
    if value in SIGNATORY_LEVELS:
        return value
    f = fold(value)
    if f in _LEVEL_ALIASES:
        return _LEVEL_ALIASES[f]
    for key, label in SIGNATORY_LEVELS.items():
        if fold(label) == f:
            return key
    return None


def leading_name(text: str) -> str:
    """The name form at the head of a title or type ('Hiệp định giữa …' → 'hiep dinh')."""
    return re.sub(r"\s+", " ", fold(text)).strip()


def check_name(record: dict[str, Any]) -> None:
    """Law 2020 Art. 6: an international agreement may not be named công ước, hiệp ước, định ước or hiệp định."""
    for fld in ("instrument_type", "title"):
        value = record.get(fld) or ""
        head = leading_name(value)
        for folded, name in _RESERVED_FOLDED.items():
            if head == folded or head.startswith(folded + " "):
                raise RuleViolation(
                    f"an international agreement may not be named '{name}' (Law 2020 Art. 6: công ước, hiệp ước, "
                    f"định ước and hiệp định are reserved for treaties); the {fld} is {value[:80]!r}. Register it as "
                    "a treaty if it was concluded in the name of the State or Government and binds Viet Nam under "
                    "international law, or use a name such as thỏa thuận, bản ghi nhớ, biên bản thỏa thuận",
                    field=fld, article="Law 2020 Art. 6")


def check_signatory(record: dict[str, Any]) -> None:
    """Law 2020 Art. 2(2): the Vietnamese signatory level; a treaty's danh nghĩa does not apply."""
    if record.get("danh_nghia"):
        raise RuleViolation("an international agreement has a Vietnamese signatory level (Law 2020 Art. 2(2)), "
                            "not a treaty's danh nghĩa", field="danh_nghia", article="Law 2020 Art. 2(2)")
    level = record.get("signatory_level")
    if level is None:
        return
    if level not in SIGNATORY_LEVELS:
        options = "; ".join(f"{k} ({v})" for k, v in SIGNATORY_LEVELS.items())
        raise RuleViolation(f"signatory level {level!r} is not one of Law 2020 Art. 2(2): {options}",
                            field="signatory_level", article="Law 2020 Art. 2(2)")
    signed = record.get("signed_date")
    if level == "huyen" and signed is not None and signed >= DISTRICT_LEVEL_ENDED:
        raise RuleViolation("district People's Committees ceased on 01/07/2025 and cannot sign agreements after "
                            "that date; their agreements passed to the provincial People's Committee "
                            "(Decree 177/2025/NĐ-CP Art. 3)", field="signatory_level",
                            article="Decree 177/2025 Art. 3")


# Law 2020 Arts. 9-23, Decree 64/2021 Arts. 4-8 (domain.md §2.2): who decides the signature, by level
SIGNATURE_DECIDED_BY: dict[str, tuple[tuple[str, ...], str]] = {
    "nha_nuoc": (("Chủ tịch nước",), "Law 2020 Art. 9"),
    "chinh_phu": (("Thủ tướng Chính phủ",), "Law 2020 Art. 9"),
    "quoc_hoi": (("Chủ tịch Quốc hội",), "Law 2020 Art. 12"),
    "co_quan_quoc_hoi": (("Người đứng đầu cơ quan", "Thủ trưởng cơ quan"), "Law 2020 Art. 12"),
    "vp_ctn_toa_vks": (("Người đứng đầu cơ quan", "Chánh án Tòa án nhân dân tối cao",
                        "Viện trưởng Viện kiểm sát nhân dân tối cao", "Chủ nhiệm Văn phòng Chủ tịch nước"),
                       "Law 2020 Art. 14"),
    "bo": (("Bộ trưởng", "Thủ trưởng cơ quan ngang bộ", "Thủ trưởng cơ quan thuộc Chính phủ", "Người đứng đầu cơ quan"),
           "Law 2020 Art. 16"),
    "tinh": (("Chủ tịch Hội đồng nhân dân tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh"), "Law 2020 Art. 18"),
    "cuc": (("Bộ trưởng", "Thủ trưởng cơ quan ngang bộ", "Thủ trưởng cơ quan thuộc Chính phủ"),
            "Law 2020 Art. 20; Decree 64/2021 Art. 4"),
    "so": (("Chủ tịch Ủy ban nhân dân tỉnh",), "Law 2020 Art. 20; Decree 64/2021 Art. 5"),
    "huyen": (("Chủ tịch Ủy ban nhân dân tỉnh",), "Law 2020 Art. 20"),
    "xa_bien_gioi": (("Chủ tịch Ủy ban nhân dân tỉnh",), "Law 2020 Art. 20; Decree 64/2021 Art. 7"),
    "to_chuc": (("Người đứng đầu cơ quan trung ương của tổ chức",), "Law 2020 Art. 21"),
    "to_chuc_tinh": (("Cơ quan quản lý nhà nước về đối ngoại", "Chủ tịch Ủy ban nhân dân tỉnh"),
                     "Law 2020 Art. 23; Decree 64/2021 Art. 8"),
}


def check_decided_by(record: dict[str, Any]) -> None:
    """For an agreement, ``consent_body`` records who decided the signature; it must match the level."""
    level, body = record.get("signatory_level"), record.get("consent_body")
    if not level or not body or level not in SIGNATURE_DECIDED_BY:
        return
    allowed, article = SIGNATURE_DECIDED_BY[level]
    fb = fold(body)
    if not any(fb == fold(a) or fb.startswith(fold(a)) for a in allowed):
        raise RuleViolation(f"the signature of an agreement at level {SIGNATORY_LEVELS[level]!r} is decided by "
                            f"{' or '.join(allowed)}, not {body!r} ({article})", field="consent_body", article=article)


register_rule("agreement", check_name)
register_rule("agreement", check_decided_by)
register_rule("agreement", check_signatory)
