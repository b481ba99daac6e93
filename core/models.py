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
    # ---- full record (domain.md §2.7); dated facts (original received, sao lục, Công báo, portal, UN
    # registration, consent, amendment …) are events, so they keep their history
    content_summary: Optional[str] = Field(default=None, sa_column=Column(Text))  # nội dung, phương thức hợp tác
    proposing_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    implementing_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    vn_agency_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    vn_signer: Optional[str] = Field(default=None, max_length=300)        # name and title
    foreign_signer: Optional[str] = Field(default=None, max_length=300)
    depositary: Optional[str] = Field(default=None, max_length=300)
    consent_mode: Optional[str] = Field(default=None, max_length=40)      # ratification | approval | accession | …
    consent_body: Optional[str] = Field(default=None, max_length=120)     # Quốc hội | Chủ tịch nước | Chính phủ | …
    consent_decision_number: Optional[str] = Field(default=None, max_length=120)
    consent_decision_date: Optional[date] = None
    duration_years: Optional[int] = None                                  # None: indefinite
    expiry_date: Optional[date] = None
    auto_renewal: Optional[bool] = None
    renewal_years: Optional[int] = None
    notice_months: Optional[int] = None                                   # denunciation / non-renewal notice
    custody_type: Optional[str] = Field(default=None, max_length=16)      # luu_tru | luu_chieu (Law 2016 Arts. 57-58)
    classification_date: Optional[date] = None
    protection_until: Optional[date] = None
    publish_decision_ref: Optional[str] = Field(default=None, max_length=300)
    external_ref: Optional[str] = Field(default=None, max_length=300, unique=True)  # import key: re-import is a no-op
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


class Agency(SQLModel, table=True):
    """Vietnamese state agencies with validity dates; merged or abolished ones stay, linked to successors, so
    old records keep their agency and show who answers for it today."""
    __tablename__ = "agency"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, index=True)
    kind: str = Field(max_length=60)
    valid_from: Optional[date] = None
    valid_to: Optional[date] = None
    basis: Optional[str] = Field(default=None, sa_column=Column(Text))
    source: Optional[str] = Field(default=None, sa_column=Column(Text))


class AgencySuccession(SQLModel, table=True):
    __tablename__ = "agency_succession"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id", name="uq_agency_succession_pair"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    predecessor_id: int = Field(foreign_key="agency.id", index=True)
    successor_id: int = Field(foreign_key="agency.id", index=True)
    effective: Optional[date] = None
    basis: Optional[str] = Field(default=None, max_length=500)


class InstrumentRelation(SQLModel, table=True):
    """amends, supplements, extends, terminates, replaces, implements, protocol_to — shown inverse on the other."""
    __tablename__ = "instrument_relation"
    __table_args__ = (UniqueConstraint("from_id", "to_id", "type", name="uq_instrument_relation_triple"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    from_id: int = Field(foreign_key="instrument.id", index=True, ondelete="CASCADE")
    to_id: int = Field(foreign_key="instrument.id", index=True, ondelete="CASCADE")
    type: str = Field(max_length=24)
    note: Optional[str] = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: Optional[str] = Field(default=None, max_length=120)


class ReportFile(SQLModel, table=True):
    """A generated report, stored under the data dir and downloadable through the API."""
    __tablename__ = "report_file"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)                 # annual | in_force | deadlines | agency_reports
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    format: str = Field(max_length=8)                # docx | xlsx | pdf
    storage_path: str = Field(max_length=500)
    size: int = 0
    sha256: str = Field(max_length=64)
    classification: str = Field(default="none", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: Optional[str] = Field(default=None, max_length=120)


class Notification(SQLModel, table=True):
    """Reminders (deadlines, reports) stored for the officers; sent by e-mail when SMTP is configured."""
    __tablename__ = "notification"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=500)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    recipient: Optional[str] = Field(default=None, max_length=300)
    dedupe_key: Optional[str] = Field(default=None, max_length=300, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None
    send_error: Optional[str] = Field(default=None, max_length=1000)


class JobRun(SQLModel, table=True):
    """One row per (job, scheduled fire time): the unique key makes a job run once across processes."""
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "run_key", name="uq_job_run_job_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=120)
    run_key: str = Field(max_length=120)
    owner: str = Field(max_length=200)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None
    status: str = Field(default="running", max_length=16)   # running | ok | failed
    result: Optional[str] = Field(default=None, sa_column=Column(Text))


class AgencyReport(SQLModel, table=True):
    """An agency's own annual report received by MOFA (Law 2016 Art. 79(6); Law 2020 Art. 46(3): by 15 November)."""
    __tablename__ = "agency_report"
    __table_args__ = (UniqueConstraint("agency_id", "family", "year", name="uq_agency_report_agency_family_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    family: str = Field(max_length=16)
    year: int
    received_date: Optional[date] = None
    document_ref: Optional[str] = Field(default=None, max_length=300)
    summary: Optional[str] = Field(default=None, sa_column=Column(Text))
