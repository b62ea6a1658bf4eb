"""An in-process producer: its own database with an outbox, a broker connection (possibly through a TcpProxy)
and OutboxRelay instances, all from the shared library."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path
from uuid import UUID

import aiormq
import asyncpg
from recruiting_shared import db
from recruiting_shared.config import Settings
from recruiting_shared.messaging import connect_with_retry, create_broker, publish_envelope
from recruiting_shared.outbox import Outbox, OutboxRelay

from .demo_service import demo_event

MIGRATIONS = Path(__file__).parent / "demo_migrations"


class Producer:
    def __init__(self, stack, name: str, *, amqp_url: str | None = None, exchange: str | None = None) -> None:
        self.settings = Settings(
            service_name=name, postgres_url=stack.infra.postgres_url, database_name=stack.database_name(name),
            amqp_url=amqp_url or stack.infra.amqp_url, exchange_name=exchange or stack.exchange, queue_prefix=stack.queue_prefix,
        )
        self.outbox = Outbox(name)
        self.pool: asyncpg.Pool | None = None
        self._tasks: list[asyncio.Task] = []
        self._brokers: list = []

    async def __aenter__(self) -> "Producer":
        await db.prepare_database(self.settings.postgres_url, self.settings.database, MIGRATIONS)
        self.pool = await db.create_pool(self.settings.database_url)
        return self

    async def commit_events(self, aggregate: UUID, count: int) -> None:
        """`count` events of one aggregate, each with its state change, in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            start = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM things WHERE aggregate = $1", aggregate)
            for seq in range(start + 1, start + count + 1):
                await conn.execute("INSERT INTO things (aggregate, seq) VALUES ($1, $2)", aggregate, seq)
                await self.outbox.add(conn, demo_event(aggregate, seq))

    def start_relay(self, *, batch_size: int = 200) -> None:
        """One more relay instance, with its own broker connection, as a second process of the service would have."""
        broker = create_broker(self.settings)
        self._brokers.append(broker)
        # Declares the events exchange (no consumers of its own), as a service's start-up does.
        relay = OutboxRelay(
            self.pool, lambda envelope: publish_envelope(broker, self.settings, envelope),
            listen_dsn=self.settings.database_url, batch_size=batch_size, poll_seconds=0.5,
            is_unroutable=lambda exc: isinstance(exc, aiormq.exceptions.PublishError),
        )
        self._tasks.append(asyncio.create_task(connect_with_retry(broker, self.settings, [])))
        self._tasks.append(asyncio.create_task(relay.run()))

    async def unpublished(self) -> int:
        return await self.pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")

    async def __aexit__(self, *exc_info) -> None:
        for task in self._tasks:
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task
        for broker in self._brokers:
            with suppress(Exception):
                await broker.stop()
        await self.pool.close()
