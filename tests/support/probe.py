"""The probe: an in-process consumer built from the shared library (queue, inbox, handler transaction) that records
each posting.published it applies. Foundation tests watch delivery guarantees through it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import uuid4

import asyncpg
from recruiting_shared import db
from recruiting_shared.config import Settings
from recruiting_shared.events import PostingPublished
from recruiting_shared.messaging import Consumer, connect_with_retry, create_broker, register_consumer

MIGRATIONS = Path(__file__).parent / "probe_migrations"


async def record(event: PostingPublished, conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO received (event_id, aggregate, seq) VALUES ($1, $2, $3)",
                       # the inbox already holds this event id; `received` keeps the order of application
                       uuid4(), event.posting_id, int(event.title))


class Probe:
    def __init__(self, stack, *, name: str | None = None, delivery_limit: int = 3,
                 handler: Callable[[PostingPublished, asyncpg.Connection], Awaitable[None]] = record) -> None:
        self.name = name or f"probe{uuid4().hex[:6]}"
        self.settings = Settings(
            service_name=self.name, postgres_url=stack.infra.postgres_url, database_name=stack.database_name(self.name),
            amqp_url=stack.infra.amqp_url, exchange_name=stack.exchange, queue_prefix=stack.queue_prefix,
            delivery_limit=delivery_limit,
        )
        self.consumer = Consumer("received", {PostingPublished: handler})
        self.queue = stack.track_queue(self.settings, self.consumer)
        self.broker = create_broker(self.settings)
        self.pool: asyncpg.Pool | None = None

    async def __aenter__(self) -> "Probe":
        await db.prepare_database(self.settings.postgres_url, self.settings.database, MIGRATIONS)
        self.pool = await db.create_pool(self.settings.database_url)
        register_consumer(self.broker, self.settings, self.consumer, lambda: self.pool)
        await connect_with_retry(self.broker, self.settings, [self.consumer])
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.broker.stop()
        await self.pool.close()

    async def received(self) -> list[asyncpg.Record]:
        return await self.pool.fetch("SELECT aggregate, seq FROM received ORDER BY position")

    async def inbox_count(self) -> int:
        return await self.pool.fetchval("SELECT count(*) FROM inbox")

    async def wait_for_count(self, expected: int, timeout: float = 60) -> list[asyncpg.Record]:
        deadline = time.monotonic() + timeout
        while True:
            rows = await self.received()
            if len(rows) >= expected or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.1)


def assert_in_order_per_aggregate(rows) -> None:
    """Each aggregate's events were applied in the order 1, 2, 3, ... without gaps or repeats."""
    seen: dict = {}
    for row in rows:
        expected = seen.get(row["aggregate"], 0) + 1
        assert row["seq"] == expected, f"aggregate {row['aggregate']}: got {row['seq']} after {expected - 1}; " + str([r["seq"] for r in rows if r["aggregate"] == row["aggregate"]])
        seen[row["aggregate"]] = expected
