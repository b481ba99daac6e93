"""The FastAPI application: wiring only."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

import agreements.deadlines  # noqa: F401  (registers the deadline rules of Law 2020 / Decree 64)
import agreements.rules  # noqa: F401  (registers the rules of Law 2020)
import treaties.deadlines  # noqa: F401  (registers the deadline rules of Law 2016)
import treaties.rules  # noqa: F401  (registers the rules of Law 2016)
from core.deadline_router import router as deadlines_router
from core.exceptions import TreatyDBError
from core.router import router as instruments_router
from core.settings import get_settings
from ingest.router import router as ingest_router
from reports.router import router as reports_router
from search.router import router as search_router

log = logging.getLogger("treatydb")


def create_app(*, start_worker: bool | None = None) -> FastAPI:
    settings = get_settings()
    run_worker = settings.search_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from core.db import init_db
        from search.service import SearchWorker, close_backend, get_backend

        init_db()
        worker = None
        if run_worker:
            get_backend()
            worker = SearchWorker(interval=settings.search_sync_interval)
            worker.start()
        app.state.search_worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
                worker.join(timeout=5)
            close_backend()
            from ingest.router import shutdown_pool

            shutdown_pool()

    app = FastAPI(
        title="treatydb",
        version="0.1.0",
        summary="Treaties (điều ước quốc tế) and international agreements (thỏa thuận quốc tế) of Viet Nam",
        description="Registry, public search and reports of the Department of International Law and Treaties, "
                    "Ministry of Foreign Affairs. Writes and reads of non-public records need "
                    "`Authorization: Bearer <registrar token>`.",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_req: Request, exc: RequestValidationError):
        """422 naming each problem, without echoing the input back (it may be huge or sensitive)."""
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:300], "type": e.get("type")}
                  for e in exc.errors()[:50]]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        """Refuse before reading the body: writes without a bearer token (401) and bodies over the limit (413)."""
        if request.url.path.startswith("/api/") and request.method in ("POST", "PATCH", "PUT", "DELETE"):
            auth = request.headers.get("authorization", "")
            if not auth.lower().startswith("bearer ") or not auth[7:].strip():
                return JSONResponse(status_code=401, headers={"WWW-Authenticate": "Bearer"}, content={"detail": {
                    "error": "Unauthorized", "message": "this call needs 'Authorization: Bearer <registrar token>'"}})
            limit = (settings.max_upload_mb << 20) + (1 << 20) if request.url.path == "/api/ingest" else 5 << 20
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                return JSONResponse(status_code=413, content={"detail": {
                    "error": "PayloadTooLarge", "message": f"the request body is larger than {limit >> 20} MB"}})
            response = await call_next(request)
            if response.status_code < 400 and getattr(app.state, "search_worker", None) is not None:
                # apply this write's outbox rows before answering: public search is never behind the writer
                from fastapi.concurrency import run_in_threadpool

                from search.service import drain_all

                try:
                    await run_in_threadpool(drain_all)
                except Exception as exc:  # the worker retries; the write itself succeeded
                    log.warning("immediate search sync failed: %s", exc)
            return response
        return await call_next(request)

    @app.exception_handler(TreatyDBError)
    async def _domain_error(_req: Request, exc: TreatyDBError):
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.to_dict()},
                            headers={"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None)

    @app.get("/api/health", tags=["health"])
    def health() -> dict:
        from sqlalchemy import text

        from core.db import get_engine

        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        worker = getattr(app.state, "search_worker", None)
        return {"status": "ok", "database": get_engine().dialect.name, "search_backend": settings.search_backend,
                "search_worker": worker.state() if worker is not None else None}

    app.include_router(instruments_router)
    app.include_router(search_router)
    app.include_router(ingest_router)
    app.include_router(deadlines_router)
    app.include_router(reports_router)
    return app


app = create_app()
