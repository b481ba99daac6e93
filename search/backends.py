"""Backend factory: ``make_backend("tantivy", path=...)`` or ``make_backend("meilisearch", url=..., ...)``."""
from __future__ import annotations

from typing import Any

from search.protocol import SearchBackend, SearchBackendError

BACKEND_KINDS = ("tantivy", "meilisearch")


def make_backend(kind: str, **kw: Any) -> SearchBackend:
    kind = (kind or "").strip().lower()
    if kind == "tantivy":
        from search.tantivy_backend import TantivyBackend
        if not kw.get("path"):
            raise SearchBackendError("the tantivy backend needs path= (a directory)")
        return TantivyBackend(**kw)
    if kind in ("meilisearch", "meili"):
        from search.meili_backend import MeilisearchBackend
        if not kw.get("url"):
            raise SearchBackendError("the meilisearch backend needs url=")
        return MeilisearchBackend(**kw)
    raise SearchBackendError(f"unknown search backend {kind!r}; choose one of {', '.join(BACKEND_KINDS)}")
