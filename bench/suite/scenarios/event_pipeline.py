"""3. The event pipeline: application.submitted, published with confirms to the run's exchange as the
applications service's outbox relay does, until retention's consumer has written the application's schedule entry
(its inbox row and tracked_applications row, one transaction). Two measurements:
- lag p50/p99 at a fixed rate (open loop): from the publish call to the start of that transaction (its now());
- the highest sustained rate: a backlog of N events published as fast as the broker confirms, drained by the
  consumer; N / (last entry - first publish).
Baseline: the same two measurements with raw aio-pika: publish with confirms to a quorum queue, consume with ack at
prefetch 1 (the platform's consumers take one message at a time to keep the order)."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime

import aio_pika
import asyncpg
from recruiting_shared.events import ApplicationSubmitted, envelope_for

from .. import broker
from ..environment import BenchEnvironment
from ..results import Figures, Row, figures_from

NAME = "event_pipeline"
CONSUMER = "retention.schedule"


class Submissions:
    """Publishes application.submitted events and remembers when each was sent."""

    def __init__(self, env: BenchEnvironment) -> None:
        self.env = env
        self.sent: dict[uuid.UUID, float] = {}
        self.company_id, self.posting_id = uuid.uuid4(), uuid.uuid4()

    async def __aenter__(self) -> "Submissions":
        self.connection = await aio_pika.connect(self.env.amqp_url)
        channel = await self.connection.channel(publisher_confirms=True)
        self.exchange = await channel.declare_exchange(self.env.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        return self

    async def publish(self, _: int) -> None:
        event = ApplicationSubmitted(application_id=uuid.uuid4(), company_id=self.company_id,
                                     posting_id=self.posting_id, submitted_at=datetime.now(UTC))
        envelope = envelope_for(event, producer="bench", correlation_id=self.env.run_id)
        self.sent[envelope.event_id] = time.time()
        await self.exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.event_id),
                             content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=envelope.type, mandatory=True)

    async def __aexit__(self, *exc_info) -> None:
        await self.connection.close()


async def entries(database_url: str, sent: dict[uuid.UUID, float], timeout: float) -> dict[uuid.UUID, float]:
    """When retention began writing each event's schedule entry (inbox.received_at), once all are there."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            rows = await conn.fetch("SELECT event_id, received_at FROM inbox WHERE consumer = $1 AND event_id = ANY($2)",
                                    CONSUMER, list(sent))
            if len(rows) >= len(sent):
                return {row["event_id"]: row["received_at"].timestamp() for row in rows}
            if time.monotonic() > deadline:
                raise RuntimeError(f"retention wrote {len(rows)} of {len(sent)} schedule entries in {timeout:.0f} s")
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def measure(env: BenchEnvironment, database_url: str, drive, timeout: float) -> Figures:
    async with Submissions(env) as submissions:
        await drive(submissions.publish)
        written = await entries(database_url, submissions.sent, timeout)
    lags = [written[event_id] - sent for event_id, sent in submissions.sent.items()]
    return figures_from(lags, len(lags), max(written.values()) - min(submissions.sent.values()))


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    service = await env.service("retention")
    database_url = f"{env.postgres_url}/{service.env['DATABASE_NAME']}"
    rate, seconds, burst = sizes.event_rate, sizes.event_seconds, sizes.event_burst
    at_rate = await measure(env, database_url,
                            lambda publish: broker.publish_at_rate(publish, rate=rate, seconds=seconds), seconds + 300)
    drained = await measure(env, database_url, lambda publish: broker.publish_all(publish, burst), 900)

    queue = f"{env.queue_prefix}baseline.pipeline"
    env.track_queue(queue)
    raw_at_rate = await broker.raw_lag_at_rate(env.amqp_url, queue, rate=rate, seconds=seconds)
    raw_drained = await broker.raw_drain(env.amqp_url, queue, count=burst)
    platform = Figures(drained.throughput, at_rate.p50_ms, at_rate.p99_ms, at_rate.count + drained.count,
                       drained.seconds)
    baseline = Figures(raw_drained.throughput, raw_at_rate.p50_ms, raw_at_rate.p99_ms,
                       raw_at_rate.count + raw_drained.count, raw_drained.seconds)
    return [Row("event pipeline: submitted -> schedule entry", "events", platform,
                "raw aio-pika confirm+ack, quorum queue", baseline,
                notes={"fixed_rate_per_s": rate, "fixed_rate_seconds": seconds, "backlog": burst,
                       "throughput_is": "highest sustained rate: a backlog drained",
                       "latency_is": f"lag at {rate:g} events/s"})]
