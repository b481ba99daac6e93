import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import CORPUS, SHARED  # noqa: E402
from dbutil import drop_pg_schema, pg_schema_url  # noqa: E402

TOKEN = "test-registrar-token"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'treatydb.sqlite3'}"
    else:
        schema, url = pg_schema_url()
        try:
            yield url
        finally:
            from core.db import reset_engine
            reset_engine()
            drop_pg_schema(schema)


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    """Settings pointing at a fresh data dir and database; caches reset before and after."""
    from core.db import reset_engine
    from core.settings import reset_settings
    from search.service import close_backend

    data = tmp_path / "data"
    monkeypatch.setenv("TREATYDB_DATA_DIR", str(data))
    monkeypatch.setenv("TREATYDB_DATABASE_URL", db_url)
    monkeypatch.setenv("TREATYDB_REGISTRAR_TOKEN", TOKEN)
    monkeypatch.setenv("TREATYDB_SEARCH_BACKEND", "tantivy")
    reset_settings()
    reset_engine()
    close_backend()
    from core.db import init_db
    import treaties.rules  # noqa: F401
    import agreements.rules  # noqa: F401
    init_db()
    yield data
    close_backend()
    reset_engine()
    reset_settings()


@pytest.fixture
def session(env):
    from sqlmodel import Session

    from core.db import get_engine

    with Session(get_engine()) as s:
        yield s


@pytest.fixture
def client(env):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(start_worker=False)) as c:
        yield c


@pytest.fixture
def auth():
    return {"Authorization": f"Bearer {TOKEN}"}
