"""Tables shared by both registers: the instrument core, parties, dated events, stored documents,
the search outbox and the audit log."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Named constraints: needed by Alembic batch mode on SQLite.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Instrument(SQLModel, table=True):
    __tablename__ = "instrument"

    id: Optional[int] = Field(default=None, primary_key=True)
    family: str = Field(index=True, max_length=16)                  # treaty | agreement
    title: str = Field(sa_column=Column(Text, nullable=False))
    titles: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # lang → title
    instrument_type: str = Field(max_length=120, index=True)        # hiệp định, bản ghi nhớ, agreement …
    number: Optional[str] = Field(default=None, max_length=120)     # registry or document number
    danh_nghia: Optional[str] = Field(default=None, max_length=40)  # treaties: Nhà nước | Chính phủ | Bộ (legacy)
    signatory_level: Optional[str] = Field(default=None, max_length=40)  # agreements: Law 2020 Art. 2(2) key
    vn_agency: Optional[str] = Field(default=None, max_length=300)  # agreements: the concrete Vietnamese signatory
    bilateral: bool = True
    field: Optional[str] = Field(default=None, max_length=200)      # lĩnh vực
    signed_date: Optional[date] = Field(default=None, index=True)
    signed_place: Optional[str] = Field(default=None, max_length=200)
    language: Optional[str] = Field(default=None, max_length=8)
    authentic_languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    eif_rule: Optional[str] = Field(default=None, max_length=40)
    eif_days: Optional[int] = None
    classification: str = Field(default="none", max_length=16, index=True)
    publish: Optional[bool] = Field(default=None)                   # None: no decision yet
    publish_basis: Optional[str] = Field(default=None, max_length=500)
    is_draft_text: bool = False                                     # the stored text is marked DỰ THẢO / DRAFT
    record_state: str = Field(default="confirmed", max_length=16, index=True)  # draft | confirmed
    source: str = Field(default="manual", max_length=16)            # manual | ingest | import
    notes: Optional[str] = Field(default=None, sa_column=Column(Text))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    created_by: Optional[str] = Field(default=None, max_length=120)
    updated_by: Optional[str] = Field(default=None, max_length=120)


class InstrumentParty(SQLModel, table=True):
    __tablename__ = "instrument_party"

    id: Optional[int] = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True, ondelete="CASCADE")
    position: int = 0
    code: Optional[str] = Field(default=None, max_length=16, index=True)  # ISO 3166-1 alpha-3 or organisation code
    name: str = Field(sa_column=Column(Text, nullable=False))             # as written
    kind: Optional[str] = Field(default=None, max_length=24)              # state | organisation | local | agency


class InstrumentEvent(SQLModel, table=True):
    __tablename__ = "instrument_event"

    id: Optional[int] = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True, ondelete="CASCADE")
    type: str = Field(max_length=40, index=True)
    date: date
    party_code: Optional[str] = Field(default=None, max_length=16)  # None: the instrument as a whole / Viet Nam
    legal_basis: Optional[str] = Field(default=None, max_length=300)
    document_ref: Optional[str] = Field(default=None, max_length=300)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: Optional[str] = Field(default=None, max_length=120)


class StoredDocument(SQLModel, table=True):
    __tablename__ = "stored_document"
    __table_args__ = (UniqueConstraint("sha256", "part", name="uq_stored_document_sha256_part"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    instrument_id: Optional[int] = Field(default=None, foreign_key="instrument.id", index=True, ondelete="SET NULL")
    sha256: str = Field(max_length=64, index=True)
    part: int = 1
    filename: str = Field(max_length=500)
    media_type: str = Field(max_length=120)
    size: int = 0
    storage_path: str = Field(max_length=500)   # relative to the data dir
    pages: int = 0
    chars: int = 0
    ocr: bool = False
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    extraction: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class SearchOutbox(SQLModel, table=True):
    """Written in the same transaction as every instrument write; drained into the search backend."""
    __tablename__ = "search_outbox"

    id: Optional[int] = Field(default=None, primary_key=True)
    instrument_id: int = Field(index=True)
    op: str = Field(default="sync", max_length=16)   # sync: re-evaluate and upsert or delete
    created_at: datetime = Field(default_factory=utcnow)
    done_at: Optional[datetime] = Field(default=None, index=True)
    attempts: int = 0
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))


class AuditLog(SQLModel, table=True):
    """Append-only record of every write: who, when, which fields, before and after."""
    __tablename__ = "audit_log"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: Optional[int] = Field(default=None, index=True)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
