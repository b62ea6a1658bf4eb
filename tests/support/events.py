"""Talking to the test run's exchange directly: publish an event as another service would, and tap the events a
service publishes. Both use the real broker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import aio_pika
from recruiting_shared.events import Envelope, EventData, envelope_for


async def publish_event(stack, data: EventData, *, producer: str = "test", envelope: Envelope | None = None) -> Envelope:
    """Publish `data` (or a given envelope, e.g. to send the same event twice) with confirms and mandatory routing."""
    envelope = envelope or envelope_for(data, producer=producer, correlation_id="test-" + stack.run_id)
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(stack.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        await exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.event_id),
                             content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=envelope.type, mandatory=True,
        )
    return envelope


class EventTap:
    """An exclusive queue bound to the run's exchange that records every event of the given types."""

    def __init__(self, stack, *event_types: str) -> None:
        self.stack = stack
        self.event_types = event_types or ("#",)
        self.received: list[dict] = []

    async def __aenter__(self) -> "EventTap":
        self.connection = await aio_pika.connect(self.stack.infra.amqp_url)
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(self.stack.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for event_type in self.event_types:
            await queue.bind(exchange, routing_key=event_type)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.received.append(json.loads(message.body))

    async def wait_for(self, predicate: Callable[[dict], bool] = lambda e: True, *, count: int = 1,
                       timeout: float = 20) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.received if predicate(e)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} matching events within {timeout}s, got {len(found)}: "
                                     f"{[e.get('type') for e in self.received]}")
            await asyncio.sleep(0.05)

    async def __aexit__(self, *exc_info) -> None:
        await self.connection.close()
