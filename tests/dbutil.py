"""Database fixtures: every DB test runs on a SQLite file and on the PostgreSQL server of this machine."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

PG_BASE = os.environ.get("TREATYDB_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_available() -> str | None:
    """None if reachable, else the reason."""
    try:
        eng = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def pg_schema_url() -> tuple[str, str]:
    """A fresh schema on the test database, and a URL whose connections use it."""
    why = pg_available()
    if why is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_BASE}: {why}")
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE} ({why}); start it with "
                    "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'")
    schema = "t_" + uuid.uuid4().hex[:12]
    eng = create_engine(PG_BASE)
    with eng.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    return schema, f"{PG_BASE}?options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    eng = create_engine(PG_BASE)
    with eng.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()
