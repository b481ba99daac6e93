"""HTTP routes for reports (registrar only): generate, read the record, download the file.

    POST /api/reports                  {kind, family, year | from/to, as_of, format, include_classified, …} → 201
    GET  /api/reports                  the latest reports (metadata)
    GET  /api/reports/{id}             metadata: kind, format, size, sha256, classification, params, download_url
    GET  /api/reports/{id}/download    the file, with its media type

Classified instruments are included only when ``include_classified`` is the JSON value ``true``.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from core.auth import Registrar
from core.db import SessionDep
from core.exceptions import NotFound
from reports import service

router = APIRouter(prefix="/api/reports", tags=["reports"])


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["annual", "in_force", "deadlines", "agency_reports"]
    family: Literal["treaty", "agreement"] | None = Field(
        default=None, description="annual, agency_reports: required; in_force, deadlines: optional (both)")
    year: int | None = Field(default=None, ge=1945, le=2200, description="annual (calendar year), agency_reports")
    date_from: date | None = Field(default=None, alias="from", description="annual: period start (with 'to')")
    date_to: date | None = Field(default=None, alias="to", description="annual: period end")
    as_of: date | None = Field(default=None, description="in_force, deadlines: the date (default today)")
    format: Literal["docx", "xlsx", "pdf"] = "docx"
    include_classified: StrictBool = Field(default=False, description="include classified instruments; the "
                                           "report then carries the highest classification")
    appendix: StrictBool = Field(default=True, description="annual: add the register appendix (§2.7 columns)")
    upcoming_days: int = Field(default=30, ge=0, le=3650, description="deadlines: window of 'upcoming'")
    number: int | None = Field(default=None, ge=1, le=999999, description="document number (Số)")

    def params(self) -> service.ReportParams:
        return service.ReportParams(kind=self.kind, family=self.family, year=self.year, date_from=self.date_from,
                                    date_to=self.date_to, as_of=self.as_of, format=self.format,
                                    include_classified=self.include_classified is True, appendix=self.appendix,
                                    upcoming_days=self.upcoming_days, number=self.number)


@router.post("", status_code=201)
def create_report(body: ReportRequest, session: SessionDep, actor: Registrar) -> dict[str, Any]:
    rf = service.generate_report(session, body.params(), actor=actor)
    return service.report_out(rf)


@router.get("")
def list_reports(session: SessionDep, actor: Registrar, kind: str | None = None,
                 limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    rows = service.list_reports(session, kind=kind, limit=limit, offset=offset)
    return {"data": [service.report_out(r) for r in rows], "count": len(rows)}


@router.get("/{report_id}")
def get_report(report_id: int, session: SessionDep, actor: Registrar) -> dict[str, Any]:
    return service.report_out(service.get_report(session, report_id))


@router.get("/{report_id}/download")
def download_report(report_id: int, session: SessionDep, actor: Registrar) -> FileResponse:
    rf = service.get_report(session, report_id)
    path = service.report_path(rf)
    if not path.is_file():
        raise NotFound(f"the file of report {report_id} is no longer in the report store")
    headers = {"X-Content-SHA256": rf.sha256, "Cache-Control": "no-store"}
    if rf.classification and rf.classification != "none":
        headers["X-Classification"] = rf.classification
    return FileResponse(path, media_type=service.MEDIA_TYPES[rf.format], filename=service.download_name(rf),
                        headers=headers)
