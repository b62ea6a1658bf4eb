"""Each company's subscriptions as billing reports them, reduced to what the quota needs.

Billing's outbox publishes the events of one company in order, but with several instances of this service (or a
redelivery) they can be handled out of order, so a late event must not undo a later one: an ended subscription stays
ended, `activated` never overwrites what `changed` or `renewed` already wrote, and a package change only applies
when it is not older (`package_since`) than the package stored."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from ..domain.quota import Allowance, largest


class SubscriptionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def allowance(self, *, company_id: UUID) -> Allowance | None:
        rows = await self.conn.fetch(
            """SELECT package_id, max_active_postings FROM subscriptions
               WHERE company_id = $1 AND status = 'active'""",
            company_id,
        )
        return largest([Allowance(r["package_id"], r["max_active_postings"]) for r in rows])

    async def activate(self, *, subscription_id: UUID, company_id: UUID, package_id: str, max_active_postings: int,
                       period_start: date, period_end: date) -> None:
        await self.conn.execute(
            """INSERT INTO subscriptions (subscription_id, company_id, package_id, max_active_postings, status,
                                          package_since, period_end)
               VALUES ($1, $2, $3, $4, 'active', $5, $6) ON CONFLICT (subscription_id) DO NOTHING""",
            subscription_id, company_id, package_id, max_active_postings, period_start, period_end,
        )

    async def set_package(self, *, subscription_id: UUID, company_id: UUID, package_id: str,
                          max_active_postings: int, since: date, period_end: date | None = None) -> None:
        """For `changed` and `renewed`; also creates the subscription if its `activated` has not arrived (yet)."""
        await self.conn.execute(
            """INSERT INTO subscriptions (subscription_id, company_id, package_id, max_active_postings, status,
                                          package_since, period_end)
               VALUES ($1, $2, $3, $4, 'active', $5, $6)
               ON CONFLICT (subscription_id) DO UPDATE
                   SET package_id = excluded.package_id, max_active_postings = excluded.max_active_postings,
                       package_since = excluded.package_since,
                       period_end = coalesce(excluded.period_end, subscriptions.period_end), updated_at = now()
                   WHERE subscriptions.status = 'active' AND subscriptions.package_since <= excluded.package_since""",
            subscription_id, company_id, package_id, max_active_postings, since, period_end,
        )

    async def end(self, *, subscription_id: UUID, company_id: UUID, ended_on: date, reason: str) -> None:
        await self.conn.execute(
            """INSERT INTO subscriptions (subscription_id, company_id, package_id, max_active_postings, status,
                                          ended_on, end_reason)
               VALUES ($1, $2, '', 0, 'ended', $3, $4)
               ON CONFLICT (subscription_id) DO UPDATE
                   SET status = 'ended', ended_on = excluded.ended_on, end_reason = excluded.end_reason,
                       updated_at = now()""",
            subscription_id, company_id, ended_on, reason,
        )
