"""API input and output models for instruments."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.text import nfc

ClassificationT = Literal["none", "mat", "toi_mat", "tuyet_mat"]
FamilyT = Literal["treaty", "agreement"]


def _nfc_all(v: Any) -> Any:
    if isinstance(v, str):
        return nfc(v).strip()
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


class InstrumentCreate(InstrumentBase):
    family: FamilyT
    title: str = Field(min_length=3, max_length=5000)
    instrument_type: str = Field(min_length=2, max_length=120)
    classification: ClassificationT = "none"
    events: list[EventIn] = Field(default_factory=list)


class InstrumentUpdate(InstrumentBase):
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
