"""Two retention processes sweep the same database; one is killed (SIGKILL) in the middle and restarted. Every due
application gets exactly one retention.erasure_due command; the broker may deliver one twice (at least once), but
then with the same event id, which the applications service's inbox absorbs."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import aio_pika
import asyncpg
import pytest
from recruiting_shared.events import ApplicationSubmitted, EventData, PostingClosed, envelope_for

from tests.support.events import EventTap

APPLICATIONS = 400
# Three service starts and a few hundred messages: generous on a busy machine. A safety net, not a timing check.
pytestmark = pytest.mark.timeout(300)


async def publish_many(stack, events: list[EventData]) -> None:
    """Like tests.support.events.publish_event, on one channel for many events."""
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(stack.exchange, aio_pika.ExchangeType.TOPIC, durable=True)

        async def publish(event: EventData) -> None:
            envelope = envelope_for(event, producer="test", correlation_id="test-" + stack.run_id)
            await exchange.publish(
                aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.event_id),
                                 content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=envelope.type, mandatory=True)

        for start in range(0, len(events), 100):  # confirms awaited 100 at a time
            await asyncio.gather(*(publish(event) for event in events[start:start + 100]))


async def wait_until(conn: asyncpg.Connection, query: str, expected, *, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (value := await conn.fetchval(query)) != expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{query!r} is {value}, expected {expected} after {timeout}s")
        await asyncio.sleep(0.2)


async def tap_has_every_application(tap: EventTap, application_ids: set[str], *, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while {e["data"]["application_id"] for e in tap.received} != application_ids:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(tap.received)} commands seen, not every application after {timeout}s")
        await asyncio.sleep(0.1)


async def test_a_sweeper_killed_midway_and_restarted_issues_every_erasure_once(stack):
    env = dict(database="retention_sweepers", RETENTION_SWEEP_SECONDS="0.2", RETENTION_SWEEP_BATCH="20",
               RETENTION_CONFIRM_SECONDS="600")
    first, second = stack.service("retention", **env), stack.service("retention", **env)
    await asyncio.gather(first.wait_ready(), second.wait_ready())
    conn = await asyncpg.connect(f"{stack.infra.postgres_url}/{first.env['DATABASE_NAME']}")
    try:
        company_id, posting_id = uuid4(), uuid4()
        applications = [ApplicationSubmitted(application_id=uuid4(), company_id=company_id, posting_id=posting_id,
                                             submitted_at=datetime.now(UTC) - timedelta(days=400))
                        for _ in range(APPLICATIONS)]
        await publish_many(stack, applications)
        await wait_until(conn, "SELECT count(*) FROM tracked_applications", APPLICATIONS)

        async with EventTap(stack, "retention.erasure_due") as tap:
            # One closing makes every application due at once (no decision, closed 200 days ago).
            await publish_many(stack, [PostingClosed(posting_id=posting_id, company_id=company_id,
                                                     closed_at=datetime.now(UTC) - timedelta(days=200),
                                                     reason="closed_by_company")])
            await tap.wait_for(count=1, timeout=60)
            first.kill()
            first.start()
            await first.wait_ready()
            await wait_until(conn, "SELECT count(*) FROM tracked_applications WHERE erasure_issued_at IS NULL", 0)
            await wait_until(conn, "SELECT count(*) FROM outbox WHERE published_at IS NULL", 0)
            await tap_has_every_application(tap, {str(a.application_id) for a in applications})

        commands = [json.loads(r["envelope"]) for r in
                    await conn.fetch("SELECT envelope FROM outbox WHERE event_type = 'retention.erasure_due'")]
        assert len(commands) == APPLICATIONS
        assert {c["data"]["application_id"] for c in commands} == \
            {str(a.application_id) for a in applications}
        event_ids_per_application = defaultdict(set)
        for event in tap.received:
            event_ids_per_application[event["data"]["application_id"]].add(event["event_id"])
        assert set(event_ids_per_application) == {str(a.application_id) for a in applications}
        assert {len(ids) for ids in event_ids_per_application.values()} == {1}
        assert await conn.fetchval("SELECT count(*) FROM erasure_log WHERE trigger = 'deadline'") == APPLICATIONS
    finally:
        await conn.close()
        first.stop()
        second.stop()
