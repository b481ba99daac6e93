"""Generating reports and storing them: one entry point for the API, the CLI and the scheduler.

    params = ReportParams(kind="annual", family="treaty", year=2024, format="docx")
    render_report(session, params, "out.docx")                 # just the file (CLI)
    rf = generate_report(session, params, actor="registrar")   # file under settings.reports_dir + ReportFile row

Kinds: ``annual`` (family, year or from/to; optional register appendix), ``in_force`` (as_of, optional family),
``deadlines`` (as_of, optional family, upcoming_days), ``agency_reports`` (year, family). Formats: docx, xlsx, pdf
(the DOCX converted by LibreOffice, reports/preview.py). A report includes classified instruments only when
``include_classified`` is true; its classification is then the highest among the instruments it includes, stored on
the ReportFile row and marked in the document.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from core.exceptions import NotFound, TreatyDBError, ValidationFailed
from core.models import ReportFile

KINDS = ("annual", "in_force", "deadlines", "agency_reports")
FORMATS = ("docx", "xlsx", "pdf")
FAMILIES = ("treaty", "agreement")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class ReportUnavailable(TreatyDBError):
    """The report cannot be produced on this server right now (LibreOffice missing, deadline engine not loaded)."""
    status_code = 503


@dataclass
class ReportParams:
    kind: str
    family: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None
    format: str = "docx"
    include_classified: bool = False
    appendix: bool = True            # annual: add the register appendix (domain.md §2.7 columns)
    upcoming_days: int = 30          # deadlines: the window of "upcoming"
    number: int | str | None = None  # document number (Số), blank when not given

    def resolved(self) -> "ReportParams":
        """Checked and completed copy (period from the year, as_of defaulting to today); ValidationFailed names the
        field at fault."""
        p = ReportParams(**asdict(self))
        if p.kind not in KINDS:
            raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
        if p.format not in FORMATS:
            raise ValidationFailed(f"format must be one of {', '.join(FORMATS)}", field="format")
        if p.family is not None and p.family not in FAMILIES:
            raise ValidationFailed("family must be 'treaty' or 'agreement'", field="family")
        if p.include_classified is not True:
            p.include_classified = False
        if p.kind in ("annual", "agency_reports") and p.family is None:
            raise ValidationFailed(f"a {p.kind} report needs a family: 'treaty' or 'agreement'", field="family")
        if p.kind == "annual":
            if p.year is not None and (p.date_from or p.date_to) and \
                    (p.date_from, p.date_to) != (date(p.year, 1, 1), date(p.year, 12, 31)):
                raise ValidationFailed("give either year or from/to, not both", field="year")
            if p.year is not None:
                p.date_from, p.date_to = date(p.year, 1, 1), date(p.year, 12, 31)
            elif p.date_from is None or p.date_to is None:
                raise ValidationFailed("an annual report needs year, or from and to", field="year")
            if p.date_to < p.date_from:
                raise ValidationFailed(f"the period ends ({p.date_to.isoformat()}) before it starts "
                                       f"({p.date_from.isoformat()})", field="to")
        elif p.kind == "agency_reports":
            if p.year is None:
                raise ValidationFailed("an agency_reports summary needs year", field="year")
        else:
            p.as_of = p.as_of or date.today()
        if p.upcoming_days < 0:
            raise ValidationFailed("upcoming_days must be >= 0", field="upcoming_days")
        return p

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items() if v is not None}

    def slug(self) -> str:
        """File-name part: annual-treaty-2024, in_force-2025-01-01, agency_reports-treaty-2024 …"""
        parts = [self.kind]
        if self.family:
            parts.append(self.family)
        if self.kind == "annual":
            if (self.date_from and self.date_to and self.date_from == date(self.date_from.year, 1, 1)
                    and self.date_to == date(self.date_from.year, 12, 31)):
                parts.append(str(self.date_from.year))
            else:
                parts.append(f"{self.date_from.isoformat()}_{self.date_to.isoformat()}")
        elif self.kind == "agency_reports":
            parts.append(str(self.year))
        else:
            parts.append(self.as_of.isoformat())
        if self.include_classified:
            parts.append("mat")
        return "-".join(parts)


@dataclass
class RenderResult:
    path: Path
    kind: str
    format: str
    classification: str
    seconds: float


def _settings(settings: Any = None) -> Any:
    if settings is not None:
        return settings
    from core.settings import get_settings

    return get_settings()


def _render_docx_or_xlsx(session: Session, p: ReportParams, out: Path, fmt: str, settings: Any,
                         config: dict[str, Any] | None, issued: date | None) -> str:
    """Write ``out`` (docx or xlsx); return the classification of the report."""
    if p.kind == "annual":
        from reports.annual import (ANNUAL_DEFAULTS, build_annual_data, merged_config, render_annual_docx,
                                    render_annual_xlsx)

        cfg = merged_config(config)
        scope = (cfg.get("appendix") or {}).get("scope", ANNUAL_DEFAULTS["appendix"]["scope"])
        data = build_annual_data(session, p.family, p.date_from, p.date_to,
                                 include_classified=p.include_classified, appendix_scope=scope)
        if fmt == "xlsx":
            render_annual_xlsx(data, out, settings=settings, config=cfg, issued=issued, appendix=p.appendix)
        else:
            render_annual_docx(data, out, settings=settings, config=cfg, number=p.number, issued=issued,
                               appendix=p.appendix)
        return data.highest_classification
    if p.kind == "in_force":
        from reports.in_force import build_in_force, render_in_force_docx, render_in_force_xlsx

        data = build_in_force(session, p.as_of, family=p.family, include_classified=p.include_classified)
        if fmt == "xlsx":
            render_in_force_xlsx(data, out, issued=issued)
        else:
            render_in_force_docx(data, out, settings=settings, issued=issued, number=p.number)
        return data.highest_classification
    if p.kind == "deadlines":
        from reports.deadlines_report import build_deadlines, render_deadlines_docx, render_deadlines_xlsx

        try:
            data = build_deadlines(session, p.as_of, family=p.family, upcoming_days=p.upcoming_days,
                                   include_classified=p.include_classified)
        except (ImportError, RuntimeError) as exc:
            raise ReportUnavailable(f"the deadline engine is not available: {exc}") from exc
        if fmt == "xlsx":
            render_deadlines_xlsx(data, out, issued=issued)
        else:
            render_deadlines_docx(data, out, settings=settings, issued=issued, number=p.number)
        return data.highest_classification
    from reports.agency_reports import (build_agency_reports, render_agency_reports_docx,
                                        render_agency_reports_xlsx)

    data = build_agency_reports(session, p.year, p.family, include_classified=p.include_classified)
    if fmt == "xlsx":
        render_agency_reports_xlsx(data, out, issued=issued)
    else:
        render_agency_reports_docx(data, out, settings=settings, issued=issued, number=p.number)
    return data.highest_classification


def render_report(session: Session, params: ReportParams, out_path: str | Path, *, settings: Any = None,
                  config: dict[str, Any] | None = None, issued: date | None = None,
                  pdf_timeout: float = 180) -> RenderResult:
    """Write the report to ``out_path`` in ``params.format``."""
    t0 = time.perf_counter()
    p = params.resolved()
    settings = _settings(settings)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if p.format in ("docx", "xlsx"):
        cls = _render_docx_or_xlsx(session, p, out, p.format, settings, config, issued)
    else:
        from reports.preview import PreviewError, docx_to_pdf, find_soffice

        if find_soffice() is None:
            raise ReportUnavailable("PDF needs LibreOffice ('soffice') on the server; ask for docx or xlsx")
        with tempfile.TemporaryDirectory(prefix="treatydb-report-") as tmp:
            src = Path(tmp) / "report.docx"
            cls = _render_docx_or_xlsx(session, p, src, "docx", settings, config, issued)
            try:
                pdf = docx_to_pdf(src, Path(tmp) / "pdf", timeout=pdf_timeout)
            except PreviewError as exc:
                raise ReportUnavailable(str(exc)) from exc
            shutil.move(str(pdf), str(out))
    return RenderResult(out, p.kind, p.format, cls, time.perf_counter() - t0)


def generate_report(session: Session, params: ReportParams, *, actor: str, settings: Any = None,
                    config: dict[str, Any] | None = None, issued: date | None = None) -> ReportFile:
    """Render the report into ``settings.reports_dir/YYYY/`` and record it (ReportFile: size, sha256,
    classification, parameters)."""
    from core.storage import sha256_file

    settings = _settings(settings)
    p = params.resolved()
    year_dir = Path(settings.reports_dir) / f"{date.today():%Y}"
    year_dir.mkdir(parents=True, exist_ok=True)
    name = f"{p.slug()}-{uuid.uuid4().hex[:10]}.{p.format}"
    final = year_dir / name
    fd, tmp = tempfile.mkstemp(dir=year_dir, prefix=".part-", suffix=f".{p.format}")
    os.close(fd)
    try:
        res = render_report(session, p, tmp, settings=settings, config=config, issued=issued)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        rel = final.resolve().relative_to(Path(settings.data_dir).resolve())
    except ValueError:  # reports_dir outside the data dir
        rel = final.resolve()
    rf = ReportFile(kind=p.kind, params=p.to_json(), format=p.format, storage_path=str(rel),
                    size=final.stat().st_size, sha256=sha256_file(final), classification=res.classification,
                    created_by=actor)
    session.add(rf)
    try:
        session.commit()
    except BaseException:
        session.rollback()
        final.unlink(missing_ok=True)
        raise
    session.refresh(rf)
    return rf


def get_report(session: Session, report_id: int) -> ReportFile:
    rf = session.get(ReportFile, report_id)
    if rf is None:
        raise NotFound(f"report {report_id} does not exist")
    return rf


def list_reports(session: Session, *, kind: str | None = None, limit: int = 50, offset: int = 0) -> list[ReportFile]:
    q = select(ReportFile)
    if kind:
        q = q.where(ReportFile.kind == kind)
    return list(session.exec(q.order_by(ReportFile.id.desc()).offset(offset).limit(limit)))


def report_path(rf: ReportFile, settings: Any = None) -> Path:
    p = Path(rf.storage_path)
    return p if p.is_absolute() else Path(_settings(settings).data_dir) / p


def download_name(rf: ReportFile) -> str:
    """ASCII file name for Content-Disposition: <kind>-<family>-<period>.<format>."""
    try:
        p = ReportParams(**{k: v for k, v in (rf.params or {}).items() if k in ReportParams.__dataclass_fields__})
        for k in ("date_from", "date_to", "as_of"):
            v = getattr(p, k)
            if isinstance(v, str):
                setattr(p, k, date.fromisoformat(v))
        stem = p.slug()
    except Exception:
        stem = f"{rf.kind}-{rf.id}"
    return f"{stem}.{rf.format}"


def report_out(rf: ReportFile) -> dict[str, Any]:
    return {"id": rf.id, "kind": rf.kind, "format": rf.format, "size": rf.size, "sha256": rf.sha256,
            "classification": rf.classification, "params": rf.params, "media_type": MEDIA_TYPES[rf.format],
            "filename": download_name(rf),
            "created_at": rf.created_at.isoformat() if rf.created_at else None, "created_by": rf.created_by,
            "download_url": f"/api/reports/{rf.id}/download"}
