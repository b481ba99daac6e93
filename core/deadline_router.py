"""HTTP routes of the deadline engine (registrar only). The rules are registered by the family packages:
the app must ``import treaties.deadlines, agreements.deadlines`` (core never imports them)."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query

from core.auth import Registrar
from core.db import SessionDep
from core.deadlines import compute_deadlines, deadline_rules

router = APIRouter(prefix="/api/deadlines", tags=["deadlines"])


@router.get("", response_model=list[dict[str, Any]])
def list_deadlines(
    session: SessionDep,
    actor: Registrar,
    as_of: date | None = Query(None, description="Day the deadlines are judged on, YYYY-MM-DD (default today); "
                                                 "events dated later are not taken into account"),
    overdue: bool = Query(False, description="true: only obligations past their due date and not fulfilled"),
    family: Literal["treaty", "agreement"] | None = Query(None),
    agency: str | None = Query(None, max_length=300, description="Agency id, or part of its name (any spelling)"),
    upcoming_days: int | None = Query(None, ge=0, le=3660,
                                      description="Only open obligations due within N days of as_of "
                                                  "(with overdue=true: overdue ones as well)"),
    fulfilled: bool | None = Query(None, description="true: fulfilled only; false: open only"),
    instrument_id: int | None = Query(None, ge=1, le=2**31 - 1),
) -> list[dict[str, Any]]:
    """Obligations computed from the recorded events by the deadline rules (Law 2016 §1.6, Law 2020 §2.2–2.4,
    the 15 November reports), sorted by due date."""
    from core.exceptions import ValidationFailed

    if as_of is not None and not (date(1900, 1, 1) <= as_of <= date(2200, 12, 31)):
        raise ValidationFailed(f"as_of {as_of.isoformat()} is outside 1900-2200", field="as_of")
    items = compute_deadlines(session, as_of, family=family, agency=agency, overdue=overdue,
                              upcoming_days=upcoming_days, fulfilled=fulfilled, instrument_id=instrument_id)
    return [d.to_dict() for d in items]


@router.get("/rules", response_model=list[dict[str, Any]])
def list_rules(actor: Registrar,
               family: Literal["treaty", "agreement"] | None = Query(None)) -> list[dict[str, Any]]:
    """The loaded deadline rules with their article, period, unit and effective period."""
    return [r.to_dict() for r in deadline_rules(family)]
