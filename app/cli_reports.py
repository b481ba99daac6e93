"""`treatydb report …`: the report commands (mounted by app/cli.py as ``cli.add_typer(report_cli, name="report")``).

    treatydb report annual --family treaty --year 2024 --format docx --out bc-2024.docx [--include-classified]
    treatydb report annual --family agreement --from 2023-11-16 --to 2024-11-15 --out bc.xlsx
    treatydb report in-force --as-of 2025-01-01 --out tif-2025.docx [--family treaty] [--format xlsx]
    treatydb report deadlines --as-of 2025-01-01 --out thoi-han.docx [--upcoming-days 30]
    treatydb report agency-reports --year 2024 --family treaty --out bc-co-quan-2024.docx

The format follows --format, else the extension of --out (.docx, .xlsx, .pdf). Each command prints one JSON line
on stdout: path, kind, format, classification, size, sha256, seconds.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

report_cli = typer.Typer(help="Reports: annual report (Decree 30/2020 DOCX, XLSX annex, PDF), instruments in force, "
                              "deadlines per agency, agencies' annual reports.", no_args_is_help=True,
                         add_completion=False)
console = Console(stderr=True)

FamilyOpt = typer.Option(..., "--family", help="treaty | agreement")
IncludeOpt = typer.Option(False, "--include-classified",
                          help="Include classified instruments (the report then carries the highest classification)")
FormatOpt = typer.Option(None, "--format", help="docx | xlsx | pdf (default: from the --out extension, else docx)")
OutOpt = typer.Option(..., "--out", help="Output file")


def _fail(msg: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(code)


def _date(value: Optional[str], name: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)")
    return None  # pragma: no cover


def _format(fmt: Optional[str], out: Path) -> str:
    if fmt:
        fmt = fmt.lower().lstrip(".")
    else:
        fmt = out.suffix.lower().lstrip(".") or "docx"
    if fmt not in ("docx", "xlsx", "pdf"):
        _fail(f"--format must be docx, xlsx or pdf (not {fmt!r})")
    return fmt


def _run(params, out: Path) -> None:
    import agreements.rules  # noqa: F401  (the family rules, as the app loads them)
    import treaties.rules  # noqa: F401
    from core.db import init_db, session_scope
    from core.exceptions import TreatyDBError
    from core.storage import sha256_file
    from reports.service import render_report

    try:
        params = params.resolved()
    except TreatyDBError as exc:
        _fail(exc.message)
    init_db()
    try:
        with session_scope() as session:
            res = render_report(session, params, out)
    except TreatyDBError as exc:
        _fail(exc.message, 1)
    except ValueError as exc:
        _fail(str(exc))
    size = res.path.stat().st_size
    mark = {"mat": " [MẬT]", "toi_mat": " [TỐI MẬT]", "tuyet_mat": " [TUYỆT MẬT]"}.get(res.classification, "")
    console.print(f"written {res.path} ({size:,} bytes, {res.seconds:.2f} s){mark}")
    sys.stdout.write(json.dumps({"path": str(res.path), "kind": res.kind, "format": res.format,
                                 "classification": res.classification, "size": size,
                                 "sha256": sha256_file(res.path), "seconds": round(res.seconds, 3)}) + "\n")


@report_cli.command("annual")
def annual(family: str = FamilyOpt,
           year: Optional[int] = typer.Option(None, "--year", help="Calendar year of the report"),
           date_from: Optional[str] = typer.Option(None, "--from", help="Period start YYYY-MM-DD"),
           date_to: Optional[str] = typer.Option(None, "--to", help="Period end YYYY-MM-DD"),
           fmt: Optional[str] = FormatOpt, out: Path = OutOpt, include_classified: bool = IncludeOpt,
           appendix: bool = typer.Option(True, "--appendix/--no-appendix",
                                         help="Add the register appendix (domain.md §2.7 columns, landscape)"),
           number: Optional[int] = typer.Option(None, "--number", help="Document number (Số)")) -> None:
    """Annual report on the signing and implementation of treaties (Law 2016 Art. 77) or international agreements
    (Law 2020 Art. 44): Decree 30/2020 DOCX, XLSX annex with the same tables, or PDF."""
    from reports.service import ReportParams

    if year is None and not (date_from and date_to):
        _fail("give --year YYYY, or --from YYYY-MM-DD and --to YYYY-MM-DD")
    _run(ReportParams(kind="annual", family=family, year=year, date_from=_date(date_from, "--from"),
                      date_to=_date(date_to, "--to"), format=_format(fmt, out),
                      include_classified=include_classified, appendix=appendix, number=number), out)


@report_cli.command("in-force")
def in_force(as_of: Optional[str] = typer.Option(None, "--as-of", help="Date YYYY-MM-DD (default today)"),
             out: Path = OutOpt, fmt: Optional[str] = FormatOpt,
             family: Optional[str] = typer.Option(None, "--family", help="treaty | agreement (default both)"),
             include_classified: bool = IncludeOpt) -> None:
    """Instruments in force for Viet Nam on a date: bilateral by partner, multilateral by field."""
    from reports.service import ReportParams

    _run(ReportParams(kind="in_force", family=family, as_of=_date(as_of, "--as-of"), format=_format(fmt, out),
                      include_classified=include_classified), out)


@report_cli.command("deadlines")
def deadlines(as_of: Optional[str] = typer.Option(None, "--as-of", help="Date YYYY-MM-DD (default today)"),
              out: Path = OutOpt, fmt: Optional[str] = FormatOpt,
              family: Optional[str] = typer.Option(None, "--family", help="treaty | agreement (default both)"),
              upcoming_days: int = typer.Option(30, "--upcoming-days", min=0, help="Window of 'upcoming'"),
              include_classified: bool = IncludeOpt) -> None:
    """Overdue and upcoming deadlines per agency (deadline engine)."""
    from reports.service import ReportParams

    _run(ReportParams(kind="deadlines", family=family, as_of=_date(as_of, "--as-of"), format=_format(fmt, out),
                      upcoming_days=upcoming_days, include_classified=include_classified), out)


@report_cli.command("agency-reports")
def agency_reports(year: int = typer.Option(..., "--year", help="Reported year (due 15 November of that year)"),
                   family: str = FamilyOpt, out: Path = OutOpt, fmt: Optional[str] = FormatOpt,
                   include_classified: bool = IncludeOpt) -> None:
    """Agencies' own annual reports: received on time, late, missing."""
    from reports.service import ReportParams

    _run(ReportParams(kind="agency_reports", family=family, year=year, format=_format(fmt, out),
                      include_classified=include_classified), out)
