"""API input and output models for instruments."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.text import nfc

ClassificationT = Literal["none", "mat", "toi_mat", "tuyet_mat"]
FamilyT = Literal["treaty", "agreement"]


_INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200d\u2060\ufeff"
                        "\u202a-\u202e\u2066-\u2069]")


def clean_text(v: str) -> str:
    """NFC; control characters, zero-width characters and bidi overrides removed (they hide or disguise text);
    lone surrogates refused."""
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text holds invalid Unicode (a lone surrogate)") from None
    return _INVISIBLE.sub("", nfc(v)).strip()


def _nfc_all(v: Any) -> Any:
    if isinstance(v, str):
        return clean_text(v)
    if isinstance(v, list):
        return [_nfc_all(x) for x in v]
    if isinstance(v, dict):
        return {k: _nfc_all(x) for k, x in v.items()}
    return v


class _NFCModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, v: Any) -> Any:
        return _nfc_all(v)


class PartyIn(_NFCModel):
    name: str = Field(min_length=1, max_length=1000, description="The party's name as written")
    code: str | None = Field(default=None, max_length=16, description="ISO 3166-1 alpha-3 or organisation code; "
                             "resolved from the name when omitted")
    kind: Literal["state", "organisation", "local", "agency"] | None = None


class PartyOut(BaseModel):
    name: str
    code: str | None
    kind: str | None


class EventIn(_NFCModel):
    type: str = Field(min_length=2, max_length=40, description="signed, ratified, approved, acceded, "
                      "entered_into_force, suspended, terminated, …")
    date: date
    party_code: str | None = Field(default=None, max_length=16)
    legal_basis: str | None = Field(default=None, max_length=300)
    document_ref: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=5000)


class EventOut(BaseModel):
    id: int
    type: str
    label_vi: str
    date: date
    party_code: str | None
    legal_basis: str | None
    document_ref: str | None
    note: str | None


class InstrumentBase(_NFCModel):
    title: str | None = Field(default=None, min_length=3, max_length=5000)
    titles: dict[str, str] | None = Field(default=None, description="Titles in other languages, by ISO 639-1 code")
    instrument_type: str | None = Field(default=None, min_length=2, max_length=120)
    number: str | None = Field(default=None, max_length=120)
    danh_nghia: str | None = Field(default=None, max_length=40, description="Treaties: Nhà nước | Chính phủ")
    signatory_level: str | None = Field(default=None, max_length=40,
                                        description="Agreements: level under Law 2020 Art. 2(2)")
    vn_agency: str | None = Field(default=None, max_length=300)
    bilateral: bool | None = None
    field: str | None = Field(default=None, max_length=200)
    parties: list[PartyIn] | None = None
    signed_date: date | None = None
    signed_place: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    authentic_languages: list[str] | None = None
    eif_rule: str | None = Field(default=None, max_length=40)
    eif_days: int | None = Field(default=None, ge=0, le=3650)
    classification: ClassificationT | None = None
    publish: bool | None = None
    publish_basis: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=20000)
    # full record (domain.md §2.7)
    content_summary: str | None = Field(default=None, max_length=20000)
    proposing_agency: str | None = Field(default=None, max_length=300, description="Cơ quan đề xuất (any spelling)")
    implementing_agency: str | None = Field(default=None, max_length=300, description="Cơ quan chủ trì thực hiện")
    vn_signer: str | None = Field(default=None, max_length=300)
    foreign_signer: str | None = Field(default=None, max_length=300)
    depositary: str | None = Field(default=None, max_length=300)
    consent_mode: Literal["definitive_signature", "ratification", "approval", "accession", "acceptance",
                          "succession", "exchange_of_instruments", "other"] | None = None
    consent_body: str | None = Field(default=None, max_length=120)
    consent_decision_number: str | None = Field(default=None, max_length=120)
    consent_decision_date: date | None = None
    duration_years: int | None = Field(default=None, ge=0, le=1000)
    expiry_date: date | None = None
    auto_renewal: bool | None = None
    renewal_years: int | None = Field(default=None, ge=0, le=1000)
    notice_months: int | None = Field(default=None, ge=0, le=600)
    custody_type: Literal["luu_tru", "luu_chieu"] | None = None
    classification_date: date | None = None
    protection_until: date | None = None
    publish_decision_ref: str | None = Field(default=None, max_length=300)


def _check_title_keys(v: dict[str, str] | None) -> dict[str, str] | None:
    if v is None:
        return v
    for k in v:
        if not re.fullmatch(r"[a-z]{2,3}|acronym", k):
            raise ValueError(f"titles key {k!r} must be an ISO 639-1 language code (e.g. 'en') or 'acronym'")
    return v


class InstrumentCreate(InstrumentBase):
    family: FamilyT
    title: str = Field(min_length=3, max_length=5000)
    instrument_type: str = Field(min_length=2, max_length=120)
    classification: ClassificationT = "none"
    events: list[EventIn] = Field(default_factory=list)
    external_ref: str | None = Field(default=None, max_length=300, description="Key of the record in an imported "
                                     "source; re-importing the same row updates instead of duplicating")

    @field_validator("titles")
    @classmethod
    def _titles(cls, v):
        return _check_title_keys(v)


class InstrumentUpdate(InstrumentBase):
    @field_validator("titles")
    @classmethod
    def _titles(cls, v):
        return _check_title_keys(v)

    version: int | None = Field(default=None, description="The version the change was made against; "
                                "a stale version gets 409")


class InstrumentOut(BaseModel):
    id: int
    family: str
    title: str
    titles: dict[str, str]
    instrument_type: str
    number: str | None
    danh_nghia: str | None
    signatory_level: str | None
    vn_agency: str | None
    bilateral: bool
    field: str | None
    parties: list[PartyOut]
    signed_date: date | None
    signed_place: str | None
    language: str | None
    authentic_languages: list[str]
    eif_rule: str | None
    eif_days: int | None
    classification: str
    publish: bool | None
    publish_basis: str | None
    is_draft_text: bool
    record_state: str
    source: str
    notes: str | None
    content_summary: str | None
    proposing_agency: dict[str, Any] | None
    implementing_agency: dict[str, Any] | None
    vn_signer: str | None
    foreign_signer: str | None
    depositary: str | None
    consent_mode: str | None
    consent_body: str | None
    consent_decision_number: str | None
    consent_decision_date: date | None
    duration_years: int | None
    expiry_date: date | None
    auto_renewal: bool | None
    renewal_years: int | None
    notice_months: int | None
    custody_type: str | None
    classification_date: date | None
    protection_until: date | None
    publish_decision_ref: str | None
    external_ref: str | None
    legal_regime: str | None
    register_facts: dict[str, Any]
    relations: list[dict[str, Any]]
    status: str
    status_label_vi: str
    status_as_of: date
    entry_into_force_date: date | None
    events: list[EventOut]
    documents: list[dict[str, Any]]
    public: bool
    version: int
    created_at: datetime
    updated_at: datetime
