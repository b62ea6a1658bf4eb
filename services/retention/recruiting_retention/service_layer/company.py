"""What a company user does: read and change the policy, place and lift legal holds, read the schedule and the
erasure log. Every query is scoped to the caller's company; another company's application answers like an unknown
one. Retention holds no applicant personal data (ids and dates only), so its reads need no access-log entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from ..adapters.repository import RetentionRepository
from ..domain.model import Policy
from .errors import ApplicationNotFound, ErasureUnderWay, HoldNotFound, InvalidHold
from .schedule import recompute

MAX_HOLD = timedelta(days=36_500)  # keeps every date computed from a hold far inside what datetime can hold


async def change_policy(conn: asyncpg.Connection, *, company_id: UUID, retention_days: int | None,
                        talent_pool_days: int | None) -> Policy:
    """Saves the policy (a value left out keeps its current one) and recomputes the open schedule. Raises
    InvalidPolicy."""
    async with conn.transaction():
        repo = RetentionRepository(conn)
        await repo.lock_policy(company_id=company_id)
        current = await repo.policy(company_id=company_id)
        policy = Policy(
            retention_days=current.retention_days if retention_days is None else retention_days,
            talent_pool_days=current.talent_pool_days if talent_pool_days is None else talent_pool_days,
        )
        await repo.save_policy(company_id=company_id, policy=policy)
        await recompute(repo, await repo.lock_open_applications(company_id=company_id))
        return policy


async def place_hold(conn: asyncpg.Connection, *, company_id: UUID, user_id: UUID, application_id: UUID,
                     reason: str, until: datetime | None, now: datetime) -> asyncpg.Record:
    if until is not None and until <= now:
        raise InvalidHold("until must be in the future.")
    if until is not None and until > now + MAX_HOLD:
        raise InvalidHold("until must be within 100 years; leave it out for a hold until it is lifted.")
    async with conn.transaction():
        repo = RetentionRepository(conn)
        tracked = await repo.find_application(application_id=application_id, company_id=company_id)
        if tracked is None or tracked.erased_at is not None:
            raise ApplicationNotFound("No such application.")
        if tracked.erasure_issued_at is not None:
            raise ErasureUnderWay("The erasure of this application is already under way.")
        hold = await repo.add_hold(hold_id=uuid4(), application_id=application_id, company_id=company_id,
                                   reason=reason, placed_by=user_id, placed_at=now, until=until)
        await recompute(repo, [await repo.find_application(application_id=application_id, company_id=company_id)])
        return hold


async def lift_hold(conn: asyncpg.Connection, *, company_id: UUID, user_id: UUID, hold_id: UUID,
                    now: datetime) -> None:
    """Idempotent: lifting a lifted hold changes nothing."""
    async with conn.transaction():
        repo = RetentionRepository(conn)
        hold = await repo.lock_hold(hold_id=hold_id, company_id=company_id)
        if hold is None:
            raise HoldNotFound("No such hold.")
        tracked = await repo.find_application(application_id=hold["application_id"], company_id=company_id)
        if not await repo.release_hold(hold_id=hold_id, released_by=user_id, released_at=now):
            return
        if tracked is not None and tracked.schedule_is_open:
            await recompute(repo, [await repo.find_application(application_id=hold["application_id"],
                                                               company_id=company_id)])
