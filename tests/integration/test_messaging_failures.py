"""Messages that cannot be processed end in the consumer's dead-letter queue and the consumer goes on with the
messages behind them (issue 2, tests 4 and 5), against the real RabbitMQ."""

import asyncio
import json
from uuid import uuid4

import aio_pika

from tests.support.demo_service import demo_event
from tests.support.events import publish_event
from tests.support.probe import Probe, record


async def dead_letters(stack, queue: str, expected: int, timeout: float = 30) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Read (and acknowledge) `expected` messages from the queue's dead-letter queue."""
    connection = await aio_pika.connect(stack.infra.amqp_url)
    found = []
    async with connection:
        channel = await connection.channel()
        dlq = await channel.get_queue(f"{queue}.dlq", ensure=True)
        for _ in range(int(timeout * 10)):
            message = await dlq.get(fail=False)
            if message:
                await message.ack()
                found.append(message)
                if len(found) == expected:
                    break
            else:
                await asyncio.sleep(0.1)
    return found


async def publish_raw(stack, body: bytes, routing_key: str = "posting.published") -> None:
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(stack.exchange)
        await exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                               routing_key=routing_key, mandatory=True)


async def test_a_message_that_always_fails_is_dead_lettered_and_the_consumer_goes_on(stack):
    poison = uuid4()
    attempts = []

    async def fail_on_poison(event, conn):
        if event.posting_id == poison:
            attempts.append(1)
            raise RuntimeError("this handler always fails for the poison aggregate")
        await record(event, conn)

    async with Probe(stack, handler=fail_on_poison, delivery_limit=3) as probe:
        await publish_event(stack, demo_event(poison, 1))
        good = uuid4()
        for seq in (1, 2, 3):
            await publish_event(stack, demo_event(good, seq))

        [dead] = await dead_letters(stack, probe.queue, 1)
        assert json.loads(dead.body)["data"]["posting_id"] == str(poison)
        assert dead.headers["x-death"][0]["queue"] == probe.queue
        rows = await probe.wait_for_count(3)
        assert [(row["aggregate"], row["seq"]) for row in rows] == [(good, 1), (good, 2), (good, 3)]
        # retried, then given up after the delivery limit: neither once nor forever
        assert 2 <= len(attempts) <= 4
        assert await probe.inbox_count() == 3  # the failed attempts left no trace in the inbox


async def test_malformed_messages_are_dead_lettered_with_a_reason(stack):
    async with Probe(stack) as probe:
        aggregate = uuid4()
        good_event = demo_event(aggregate, 1)
        valid = json.loads(good_event.model_dump_json())
        envelope = {"event_id": str(uuid4()), "type": "posting.published", "version": 1,
                    "occurred_at": "2026-12-03T10:00:00Z", "producer": "test", "correlation_id": "c1"}
        await publish_raw(stack, b"this is not json {")
        await publish_raw(stack, json.dumps({**envelope, "type": "posting.teleported", "data": valid}).encode())
        await publish_raw(stack, json.dumps({**envelope, "data": {**valid, "posting_id": "not-a-uuid"}}).encode())
        await publish_raw(stack, json.dumps({"type": "posting.published"}).encode())
        await publish_event(stack, good_event)  # a good message behind them

        dead = await dead_letters(stack, probe.queue, 4)
        reasons = [message.headers["x-error"] for message in dead]
        assert "body is not JSON" in reasons[0]
        assert "unknown event type 'posting.teleported'" in reasons[1]
        assert "data does not match its schema: posting_id: uuid_parsing" in reasons[2]
        assert "not-a-uuid" not in reasons[2]  # the reason names the field, never the input
        assert "envelope does not match its schema" in reasons[3]
        rows = await probe.wait_for_count(1)
        assert [(row["aggregate"], row["seq"]) for row in rows] == [(aggregate, 1)]
