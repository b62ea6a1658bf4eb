"""HTTP endpoints of the retention service (SPEC section 3, Retention). Thin: parse, call a handler, map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from recruiting_shared.auth import CompanyAdmin, CompanyUser
from recruiting_shared.problems import Conflict, NotFound, Problem
from recruiting_shared.service import Runtime, get_runtime

from ..adapters.repository import RetentionRepository
from ..domain.model import InvalidPolicy
from ..service_layer import company
from ..service_layer.errors import ApplicationNotFound, ErasureUnderWay, HoldNotFound, InvalidHold
from .schemas import ErasureEntry, HoldIn, HoldOut, PolicyIn, PolicyOut, ScheduleEntry

router = APIRouter(prefix="/api/retention", tags=["retention"])

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Limit = Annotated[int, Query(ge=1, le=5000)]
Offset = Annotated[int, Query(ge=0)]


class InvalidRequest(Problem):
    status, slug, title = 422, "validation-error", "Invalid request"


@router.get("/policy")
async def get_policy(principal: CompanyUser, runtime: RuntimeDep) -> PolicyOut:
    async with runtime.pool.acquire() as conn:
        policy = await RetentionRepository(conn).policy(company_id=principal.company_id)
    return PolicyOut(retention_days=policy.retention_days, talent_pool_days=policy.talent_pool_days)


@router.put("/policy")
async def put_policy(body: PolicyIn, principal: CompanyAdmin, runtime: RuntimeDep) -> PolicyOut:
    async with runtime.pool.acquire() as conn:
        try:
            policy = await company.change_policy(conn, company_id=principal.company_id,
                                                 retention_days=body.retention_days,
                                                 talent_pool_days=body.talent_pool_days)
        except InvalidPolicy as exc:
            raise InvalidRequest(str(exc)) from None
    return PolicyOut(retention_days=policy.retention_days, talent_pool_days=policy.talent_pool_days)


@router.get("/schedule")
async def get_schedule(principal: CompanyUser, runtime: RuntimeDep, limit: Limit = 1000,
                       offset: Offset = 0) -> list[ScheduleEntry]:
    async with runtime.pool.acquire() as conn:
        rows = await RetentionRepository(conn).schedule(
            company_id=principal.company_id, now=datetime.now(UTC), limit=limit, offset=offset)
    return [
        ScheduleEntry(
            application_id=r["application_id"], trigger=r["erasure_trigger"] or "deadline", due_at=r["due_at"],
            on_hold=r["on_hold"], clock_started_by=r["clock_started_by"], clock_started_at=r["clock_started_at"],
            talent_pool=r["talent_pool"], erasure_issued_at=r["erasure_issued_at"],
        )
        for r in rows
    ]


@router.post("/holds", status_code=201)
async def post_hold(body: HoldIn, principal: CompanyAdmin, runtime: RuntimeDep) -> HoldOut:
    async with runtime.pool.acquire() as conn:
        try:
            hold = await company.place_hold(
                conn, company_id=principal.company_id, user_id=principal.user_id, application_id=body.application_id,
                reason=body.reason, until=body.until, now=datetime.now(UTC))
        except ApplicationNotFound as exc:
            raise NotFound(str(exc)) from None
        except ErasureUnderWay as exc:
            raise Conflict(str(exc)) from None
        except InvalidHold as exc:
            raise InvalidRequest(str(exc)) from None
    return _hold_out(hold)


@router.get("/holds")
async def get_holds(principal: CompanyUser, runtime: RuntimeDep, application_id: UUID | None = None,
                    limit: Limit = 1000, offset: Offset = 0) -> list[HoldOut]:
    async with runtime.pool.acquire() as conn:
        rows = await RetentionRepository(conn).holds(
            company_id=principal.company_id, application_id=application_id, limit=limit, offset=offset)
    return [_hold_out(r) for r in rows]


@router.delete("/holds/{hold_id}", status_code=204)
async def delete_hold(hold_id: UUID, principal: CompanyAdmin, runtime: RuntimeDep) -> Response:
    async with runtime.pool.acquire() as conn:
        try:
            await company.lift_hold(conn, company_id=principal.company_id, user_id=principal.user_id,
                                    hold_id=hold_id, now=datetime.now(UTC))
        except HoldNotFound as exc:
            raise NotFound(str(exc)) from None
    return Response(status_code=204)


@router.get("/erasures")
async def get_erasures(principal: CompanyUser, runtime: RuntimeDep, limit: Limit = 1000,
                       offset: Offset = 0) -> list[ErasureEntry]:
    async with runtime.pool.acquire() as conn:
        rows = await RetentionRepository(conn).erasures(company_id=principal.company_id, limit=limit, offset=offset)
    return [ErasureEntry(**dict(r)) for r in rows]


def _hold_out(row) -> HoldOut:
    return HoldOut(id=row["hold_id"], application_id=row["application_id"], reason=row["reason"],
                   placed_at=row["placed_at"], until=row["until"], released_at=row["released_at"])
