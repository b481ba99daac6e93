import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

MEILI_URL = os.environ.get("MEILI_URL")


def backend_kinds() -> list:
    kinds = ["tantivy"]
    kinds.append(pytest.param("meilisearch", marks=[pytest.mark.meili, pytest.mark.skipif(
        not MEILI_URL, reason="MEILI_URL not set: no live Meilisearch")]))
    return kinds


def new_backend(kind: str, tmp_path: Path):
    from search.backends import make_backend
    if kind == "tantivy":
        b = make_backend("tantivy", path=str(tmp_path / f"idx-{uuid.uuid4().hex[:6]}"))
    else:
        import meilisearch

        from search.meili_backend import create_app_key, create_search_key
        master = meilisearch.Client(MEILI_URL, os.environ.get("MEILI_MASTER_KEY"))
        name = f"test_{uuid.uuid4().hex[:10]}"
        # the master key only creates keys: the backend writes with a scoped key, searches with a search-only key
        app = create_app_key(master, index_prefix=name, description="treatydb contract test (writer)")
        search = create_search_key(master, index_name=name, description="treatydb contract test (search)")
        b = make_backend("meilisearch", url=MEILI_URL, api_key=app["key"], search_api_key=search["key"],
                         index_name=name)
        b._test_cleanup = lambda: [master.delete_key(k["uid"]) for k in (app, search)]
    b.ensure_index()
    return b


def drop_backend(b) -> None:
    drop = getattr(b, "drop", None)
    if drop is not None:
        drop()
    cleanup = getattr(b, "_test_cleanup", None)
    if cleanup is not None:
        cleanup()
    b.close()
