"""Settings, read from the environment with the prefix ``TREATYDB_`` (and from ``.env``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
