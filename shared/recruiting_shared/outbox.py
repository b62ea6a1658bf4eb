"""Transactional outbox: `Outbox.add` writes an event in the caller's transaction; `OutboxRelay` publishes it.

Guarantees
- At least once: a row is marked published only after the broker confirmed it, in the transaction that claimed
  it. A crash between confirm and commit publishes the row again; consumers' inboxes absorb the duplicate.
- Order per aggregate, with any number of relay instances: rows are claimed with `FOR UPDATE SKIP LOCKED`, and the
  rows of one aggregate are only published by the instance holding that aggregate's advisory lock, starting at the
  aggregate's oldest unpublished row and stopping at the first gap.
- Broker outages: the relay backs off and keeps everything; it wakes on NOTIFY at commit, and polls as well."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any
from uuid import UUID

import asyncpg

from . import metrics
from .correlation import current_correlation_id
from .events import EventData, envelope_for

log = logging.getLogger(__name__)

AGGREGATE_LOCK_SPACE = 7_311_003
Publish = Callable[[dict[str, Any]], Awaitable[None]]


class Outbox:
    def __init__(self, producer: str) -> None:
        self.producer = producer

    async def add(self, conn: asyncpg.Connection, data: EventData) -> UUID:
        """Write an event; it is published if and only if the caller's transaction commits."""
        envelope = envelope_for(data, producer=self.producer, correlation_id=current_correlation_id())
        await conn.execute(
            """INSERT INTO outbox (event_id, event_type, aggregate_key, envelope) VALUES ($1, $2, $3, $4)""",
            envelope.event_id, envelope.type, data.aggregate_key(), envelope.model_dump(mode="json"),
        )
        return envelope.event_id

    async def add_many(self, conn: asyncpg.Connection, events: list[EventData]) -> list[UUID]:
        """`add` for a batch, in one pipelined round trip (a sweeper issuing thousands of commands)."""
        correlation = current_correlation_id()
        envelopes = [(envelope_for(data, producer=self.producer, correlation_id=correlation), data) for data in events]
        await conn.executemany(
            """INSERT INTO outbox (event_id, event_type, aggregate_key, envelope) VALUES ($1, $2, $3, $4)""",
            [(e.event_id, e.type, data.aggregate_key(), e.model_dump(mode="json")) for e, data in envelopes],
        )
        return [e.event_id for e, _ in envelopes]


class BrokerUnavailable(Exception):
    pass


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        publish: Publish,
        *,
        listen_dsn: str | None = None,
        batch_size: int = 200,
        poll_seconds: float = 2.0,
        is_unroutable: Callable[[Exception], bool] = lambda exc: False,
        keep_published_days: int = 7,
    ) -> None:
        self.pool = pool
        self.publish = publish
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.is_unroutable = is_unroutable
        self.keep_published_days = keep_published_days
        self._wake = asyncio.Event()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen()) if self.listen_dsn else None
        backoff = 0.0
        try:
            while True:
                try:
                    published = await self.relay_once()
                    backoff = 0.0
                except BrokerUnavailable:
                    backoff = min(max(backoff * 2, 0.25), 5.0)
                    await asyncio.sleep(backoff)
                    continue
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("outbox relay: database unavailable", extra={"error_type": type(exc).__name__})
                    await asyncio.sleep(1.0)
                    continue
                if published == 0:
                    await self._wait_for_work()
        finally:
            if listener:
                listener.cancel()

    async def _wait_for_work(self) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        except TimeoutError:
            await self._update_pending_gauge()

    async def _listen(self) -> None:
        """LISTEN on its own connection; when it breaks, polling carries on and the listener reconnects."""
        while True:
            try:
                conn = await asyncpg.connect(self.listen_dsn)
                try:
                    await conn.add_listener("outbox", lambda *_: self._wake.set())
                    self._wake.set()
                    while not conn.is_closed():
                        await asyncio.sleep(self.poll_seconds)
                finally:
                    await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox listener reconnecting", extra={"error_type": type(exc).__name__})
                await asyncio.sleep(self.poll_seconds)

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows were published."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, aggregate_key, envelope FROM outbox
                   WHERE published_at IS NULL AND next_attempt_at <= now()
                   ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self.batch_size,
            )
            if not rows:
                return 0
            ordered = sorted(rows, key=lambda r: (r["aggregate_key"], r["id"]))
            plan = []
            for aggregate, group in groupby(ordered, key=lambda r: r["aggregate_key"]):
                if prefix := await self._publishable_prefix(conn, aggregate, list(group)):
                    plan.append(prefix)
            # Aggregates go out side by side, each one's rows one after the other: the broker's confirms are awaited
            # in parallel across aggregates, never between two events of the same aggregate.
            outcomes = await asyncio.gather(*(self._publish_in_order(prefix) for prefix in plan))
            published = [row_id for confirmed, _ in outcomes for row_id in confirmed]
            for _, failure in outcomes:
                if failure is not None and failure.unroutable:
                    await self._defer(conn, failure.row)
            await self._mark_published(conn, published)
        if published:
            metrics.outbox_published.inc(len(published))
        if any(failure is not None and not failure.unroutable for _, failure in outcomes):
            raise BrokerUnavailable  # what was confirmed is marked; the rest is retried after a pause
        return len(published)

    async def _publishable_prefix(self, conn: asyncpg.Connection, aggregate: str, claimed: list[asyncpg.Record]) -> list:
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1, hashtext($2))", AGGREGATE_LOCK_SPACE, aggregate):
            return []
        pending = await conn.fetch(
            """SELECT id FROM outbox WHERE aggregate_key = $1 AND published_at IS NULL AND id <= $2 ORDER BY id""",
            aggregate, claimed[-1]["id"],
        )
        prefix = []
        for pending_row, claimed_row in zip(pending, claimed):
            if pending_row["id"] != claimed_row["id"]:
                break
            prefix.append(claimed_row)
        return prefix

    async def _publish_in_order(self, rows: list[asyncpg.Record]) -> tuple[list[int], "_Failure | None"]:
        """Publish one aggregate's rows in order, stopping at the first failure."""
        confirmed: list[int] = []
        for row in rows:
            try:
                await self.publish(row["envelope"])
            except Exception as exc:
                unroutable = self.is_unroutable(exc)
                metrics.outbox_failures.labels("unroutable" if unroutable else "broker").inc()
                return confirmed, _Failure(row, unroutable)
            confirmed.append(row["id"])
        return confirmed, None

    @staticmethod
    async def _defer(conn: asyncpg.Connection, row: asyncpg.Record) -> None:
        """Nobody is bound to this event type (yet): keep the event and try again later, with backoff; the rest of
        its aggregate waits behind it."""
        log.error("outbox event unroutable, will retry", extra={"event_type": row["envelope"]["type"]})
        await conn.execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = 'unroutable',
                   next_attempt_at = now() + least(interval '1 second' * power(2, attempts), interval '5 minutes')
               WHERE id = $1""",
            row["id"],
        )

    @staticmethod
    async def _mark_published(conn: asyncpg.Connection, ids: list[int]) -> None:
        if ids:
            await conn.execute(
                "UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])", ids
            )

    async def _update_pending_gauge(self) -> None:
        async with self.pool.acquire() as conn:
            metrics.outbox_pending.set(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            await conn.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(days => $1)", self.keep_published_days
            )


@dataclass(frozen=True)
class _Failure:
    row: asyncpg.Record
    unroutable: bool

