"""Controlled vocabularies shared by both registers."""
from __future__ import annotations

from enum import Enum


class Family(str, Enum):
    treaty = "treaty"        # điều ước quốc tế (Law 108/2016/QH13)
    agreement = "agreement"  # thỏa thuận quốc tế (Law 70/2020/QH14)


class Classification(str, Enum):
    none = "none"
    mat = "mat"              # Mật
    toi_mat = "toi_mat"      # Tối mật
    tuyet_mat = "tuyet_mat"  # Tuyệt mật

    @property
    def label_vi(self) -> str:
        return {"none": "", "mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}[self.value]

    @property
    def rank(self) -> int:
        return ["none", "mat", "toi_mat", "tuyet_mat"].index(self.value)


class RecordState(str, Enum):
    draft = "draft"          # extracted or typed, awaiting a legal officer's confirmation
    confirmed = "confirmed"


class Status(str, Enum):
    """Status derived from dated events (never stored)."""
    pending = "pending"                      # no signature yet (negotiation, initialling …)
    signed = "signed"                        # signed, not yet in force
    consent_given = "consent_given"          # ratified / approved / acceded, not yet in force
    provisionally_applied = "provisionally_applied"
    in_force = "in_force"
    suspended = "suspended"
    terminated = "terminated"

    @property
    def label_vi(self) -> str:
        return {
            "pending": "Chưa ký", "signed": "Đã ký, chưa có hiệu lực",
            "consent_given": "Đã phê chuẩn/phê duyệt/gia nhập, chưa có hiệu lực",
            "provisionally_applied": "Áp dụng tạm thời", "in_force": "Đang có hiệu lực",
            "suspended": "Tạm đình chỉ thực hiện", "terminated": "Hết hiệu lực",
        }[self.value]


DANH_NGHIA = ("Nhà nước", "Chính phủ")            # Law 2016 Art. 4
LEGACY_DANH_NGHIA = ("Bộ",)                        # ministry level under the 1989/1998 Ordinances

# Law 2020 Art. 2(2): Vietnamese signatory levels of an international agreement
SIGNATORY_LEVELS = {
    "nha_nuoc": "Nhà nước", "chinh_phu": "Chính phủ", "quoc_hoi": "Quốc hội",
    "co_quan_quoc_hoi": "Cơ quan của Quốc hội, Kiểm toán nhà nước",
    "vp_ctn_toa_vks": "Văn phòng Chủ tịch nước, Tòa án nhân dân tối cao, Viện kiểm sát nhân dân tối cao",
    "bo": "Bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ",
    "tinh": "Hội đồng nhân dân, Ủy ban nhân dân cấp tỉnh",
    "cuc": "Cơ quan cấp cục thuộc bộ",
    "so": "Cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh",
    "huyen": "Ủy ban nhân dân cấp huyện",
    "xa_bien_gioi": "Ủy ban nhân dân cấp xã ở khu vực biên giới",
    "to_chuc": "Cơ quan trung ương của tổ chức",
    "to_chuc_tinh": "Cơ quan cấp tỉnh của tổ chức",
}
