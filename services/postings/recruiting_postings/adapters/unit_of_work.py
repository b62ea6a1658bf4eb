"""One transaction of the postings database with its repositories and the outbox: what a handler changes and the
events it emits are committed together or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from recruiting_shared.events import EventData
from recruiting_shared.outbox import Outbox

from .companies_repository import CompanyRepository
from .postings_repository import PostingRepository
from .subscriptions_repository import SubscriptionRepository

OUTBOX = Outbox("postings")


class UnitOfWork:
    def __init__(self, conn: asyncpg.Connection, outbox: Outbox = OUTBOX) -> None:
        self.conn = conn
        self.outbox = outbox
        self.postings = PostingRepository(conn)
        self.subscriptions = SubscriptionRepository(conn)
        self.companies = CompanyRepository(conn)

    async def emit(self, event: EventData) -> None:
        await self.outbox.add(self.conn, event)


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool, outbox: Outbox = OUTBOX) -> AsyncIterator[UnitOfWork]:
    async with pool.acquire() as conn, conn.transaction():
        yield UnitOfWork(conn, outbox)
