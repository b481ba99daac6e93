"""Public search: no token needed; only in-force, unclassified, published records are ever returned."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from search.protocol import SearchQuery
from search.service import public_search

router = APIRouter(prefix="/api", tags=["search"])


def build_query(q: str, family: list[str] | None, instrument_type: list[str] | None, party: list[str] | None,
                year: list[int] | None, danh_nghia: list[str] | None, signatory_level: list[str] | None,
                field: list[str] | None, signed_from: date | None, signed_to: date | None,
                eif_from: date | None, eif_to: date | None, sort: str, page: int, per_page: int) -> SearchQuery:
    filters: dict[str, Any] = {}
    for k, v in (("family", family), ("instrument_type", instrument_type), ("party", party), ("danh_nghia", danh_nghia),
                 ("signatory_level", signatory_level), ("field", field)):
        if v:
            filters[k] = v
    if year:
        filters["year"] = [str(y) for y in year]
    ranges = {}
    if signed_from or signed_to:
        ranges["signed"] = (signed_from, signed_to)
    if eif_from or eif_to:
        ranges["eif"] = (eif_from, eif_to)
    return SearchQuery(q=q, filters=filters, date_ranges=ranges, sort=sort, page=page, per_page=per_page)


def _check_filters(family, party, year) -> list[str] | None:
    """Unknown filter values are errors (never a silent empty result); party filters take any spelling."""
    from core.exceptions import ValidationFailed
    from core.parties import resolve_party

    for f in family or []:
        if f not in ("treaty", "agreement"):
            raise ValidationFailed(f"family must be 'treaty' or 'agreement', not {f[:40]!r}", field="family")
    for y in year or []:
        if not 1000 <= y <= 2200:
            raise ValidationFailed(f"year {y} is outside 1000-2200", field="year")
    codes = []
    for p in party or []:
        m = resolve_party(p)
        if m is None:
            raise ValidationFailed(f"unknown party {p[:80]!r}: give an ISO 3166-1 alpha-3 code, an organisation "
                                   "code or a name", field="party")
        codes.append(m.code)
    return codes or None


@router.get("/search")
async def search(q: str = Query("", max_length=500), family: list[str] | None = Query(None),
                 instrument_type: list[str] | None = Query(None), party: list[str] | None = Query(None),
                 year: list[int] | None = Query(None), danh_nghia: list[str] | None = Query(None),
                 signatory_level: list[str] | None = Query(None), field: list[str] | None = Query(None),
                 signed_from: date | None = None, signed_to: date | None = None,
                 eif_from: date | None = None, eif_to: date | None = None,
                 sort: Literal["relevance", "signed_desc", "signed_asc", "eif_desc"] = "relevance",
                 page: int = Query(1, ge=1, le=10000), per_page: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    party = _check_filters(family, party, year)
    query = build_query(q, family, instrument_type, party, year, danh_nghia, signatory_level, field, signed_from,
                        signed_to, eif_from, eif_to, sort, page, per_page)
    result = await run_in_threadpool(public_search, query)
    # the plain JSON of the result: FastAPI's generic encoding of a returned dict (jsonable_encoder) costs more
    # than the search itself on a page of highlighted hits
    return JSONResponse(result.to_dict())
