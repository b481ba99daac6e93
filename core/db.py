"""Engine, sessions and schema migrations (Alembic is the only way tables are created)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from core.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kw) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _rec):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
        return eng
    return create_engine(url, pool_pre_ping=True, **kw)


@lru_cache
def get_engine() -> Engine:
    s = get_settings()
    if s.db_url.startswith("sqlite"):
        s.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(s.db_url)


def reset_engine() -> None:
    try:
        get_engine().dispose()
    except Exception:  # pragma: no cover
        pass
    get_engine.cache_clear()


def alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().db_url).replace("%", "%%"))
    return cfg


def migrate(url: str | None = None, revision: str = "head", engine: Engine | None = None) -> None:
    """Bring the schema to ``revision`` (default head)."""
    from alembic import command

    cfg = alembic_config(url)
    engine = engine or make_engine(url or get_settings().db_url)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite batch migrations copy and drop tables: with foreign keys on, dropping the old table would
            # cascade-delete the rows of dependent tables. The pragma only works outside a transaction, so it
            # goes straight to the driver connection before any statement opens one.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
        if sqlite:
            raw = conn.connection.driver_connection
            bad = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys=ON")
            if bad:
                raise RuntimeError(f"foreign key violations after migration: {bad[:5]}")


def init_db() -> None:
    """Create the data dir, migrate to head and seed the reference tables (idempotent)."""
    from sqlmodel import Session

    from core.agency_table import seed_agencies

    s = get_settings()
    s.ensure_dirs()
    migrate(engine=get_engine())
    with Session(get_engine()) as session:
        seed_agencies(session)


def begin_write(session: Session) -> None:
    """Start the unit of work as a writer. On SQLite a transaction opened by a read (a SAVEPOINT, say) that later
    writes fails at once with "database is locked" when another process committed meanwhile (busy_timeout does
    not help there); BEGIN IMMEDIATE takes the write lock first, waiting up to busy_timeout. No-op elsewhere."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def get_session() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for CLI and workers: commits on success, rolls back on error."""
    with Session(get_engine()) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
