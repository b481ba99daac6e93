"""Settings, read from the environment with the prefix ``TREATYDB_`` (and from ``.env``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TREATYDB_", env_file=".env", env_ignore_empty=True, extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="All local state: SQLite database, search index, stored files.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in the data dir. "
                                     "postgresql+psycopg://… switches to PostgreSQL.")
    registrar_token: str | None = Field(default=None, description="Bearer token for writes and for reads of non-public records.")
    search_backend: Literal["tantivy", "meilisearch"] = "tantivy"
    meili_url: str | None = None
    meili_api_key: str | None = Field(default=None, description="Scoped key of the app (never the master key).")
    meili_search_key: str | None = Field(default=None, description="Search-only key used for public searches.")
    meili_index: str = "treatydb_public"
    search_sync_interval: float = Field(default=0.5, description="Seconds between outbox drains in the API process.")
    search_worker: bool = Field(default=True, description="Run the outbox worker inside the API process.")
    max_upload_mb: int = 50
    ingest_max_pages: int = 1000
    ocr_enabled: bool = True
    ocr_languages: str = "vie+eng"
    report_issuer: str = "BỘ NGOẠI GIAO"
    report_parent: str | None = None
    report_place: str = "Hà Nội"
    report_symbol: str = "BC-BNG"
    report_signer_title: str = "BỘ TRƯỞNG"
    report_signer_prefix: str = "KT."
    report_signer_subtitle: str = "THỨ TRƯỞNG"
    report_signer_name: str = ""
    # scheduler (treatydb scheduler)
    scheduler_timezone: str = Field(default="Asia/Ho_Chi_Minh", description="Time zone of the scheduled jobs.")
    annual_report_draft_dates: str = Field(default="11-16", description="MM-DD[,MM-DD…]: days the annual reports "
                                           "of the current year are drafted.")
    annual_report_draft_time: str = Field(default="07:00", description="HH:MM of the annual report drafts.")
    reminder_schedule: str = Field(default="mon 07:30", description="Weekly deadline reminders: 'DOW HH:MM'.")
    reminder_days_ahead: int = Field(default=14, description="Remind of overdue deadlines and those due within "
                                     "this many days.")
    index_check_schedule: str = Field(default="02:30", description="Nightly search index check: 'HH:MM'.")
    notify_email_to: str | None = Field(default=None, description="Recipients of reminder e-mails, comma-separated.")
    smtp_host: str | None = Field(default=None, description="SMTP server; unset: reminders are only stored.")
    smtp_port: int | None = Field(default=None, description="Default 587, or 465 with smtp_security=ssl.")
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, description="From address (default smtp_user, else treatydb@localhost).")
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_timeout: float = 30.0

    @field_validator("database_url")
    @classmethod
    def _normalise_pg(cls, v: str | None) -> str | None:
        if v and v.startswith("postgres://"):
            v = "postgresql+psycopg://" + v[len("postgres://"):]
        elif v and v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v[len("postgresql://"):]
        return v

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'treatydb.sqlite3').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def search_dir(self) -> Path:
        return self.data_dir / "search"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def ensure_dirs(self) -> None:
        for p in (self.data_dir, self.files_dir, self.search_dir, self.reports_dir):
            p.mkdir(parents=True, exist_ok=True)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
