"""RabbitMQ with FastStream: the topology, publishing with confirms, and consumers with an inbox.

Topology: one durable topic exchange (routing key = event type). Each consumer owns a durable quorum queue bound to
the event types it handles, with a delivery limit and a dead-letter exchange that routes its dead letters to
`<queue>.dlq`.

Retries: a handler that raises is retried by `basic.reject(requeue=True)`. Reject-with-requeue counts towards the
quorum queue's `x-delivery-limit` on RabbitMQ 3.10 and on 4.x (4.3 stopped counting `basic.nack`), so the same code
dead-letters a poison message after `delivery_limit` deliveries on both. A message that can never succeed (not
JSON, unknown type, schema mismatch, a handler's PermanentError) is dead-lettered at once, with the reason in the
`x-error` header."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from faststream import AckPolicy
from faststream.rabbit import Channel, ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitMessage, RabbitQueue

from . import metrics
from .config import Settings
from .correlation import correlation_id
from .events import CATALOG, Envelope, EventData, InvalidEvent, UnknownEventType, parse_event

log = logging.getLogger(__name__)

Handler = Callable[[Any, asyncpg.Connection], Awaitable[None]]


class PermanentError(Exception):
    """Raised by a handler for a message that will never succeed: it is dead-lettered without retries."""


def events_exchange(settings: Settings) -> RabbitExchange:
    return RabbitExchange(settings.exchange_name, type=ExchangeType.TOPIC, durable=True)


def dead_letter_exchange(settings: Settings) -> RabbitExchange:
    return RabbitExchange(f"{settings.exchange_name}.dlx", type=ExchangeType.DIRECT, durable=True)


def create_broker(settings: Settings, *, prefetch: int = 20) -> RabbitBroker:
    return RabbitBroker(
        settings.amqp_url,
        default_channel=Channel(prefetch_count=prefetch, publisher_confirms=True, on_return_raises=True),
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,
    )


async def publish_envelope(broker: RabbitBroker, settings: Settings, envelope: dict[str, Any]) -> None:
    """Publish one event and return once the broker has confirmed it. Raises when the broker is unreachable, nacks
    the message, or returns it as unroutable (mandatory): no event is ever silently dropped."""
    await broker.publish(
        envelope,
        exchange=events_exchange(settings),
        routing_key=envelope["type"],
        mandatory=True,
        persist=True,
        message_id=str(envelope["event_id"]),
        correlation_id=envelope.get("correlation_id"),
        message_type=envelope["type"],
        content_type="application/json",
        timeout=10,
    )


@dataclass
class Consumer:
    """One durable queue of a service and the handlers of the event types it consumes. Each handler runs in the
    transaction that also records the event in the inbox, so its effect happens once per event."""

    name: str
    handlers: dict[type[EventData], Handler]
    queue_name: str = field(init=False, default="")

    def event_types(self) -> list[str]:
        return [model.event_type for model in self.handlers]


def consumer_queue(settings: Settings, consumer: Consumer) -> RabbitQueue:
    name = f"{settings.queue_prefix}{settings.service_name}.{consumer.name}"
    return RabbitQueue(
        name,
        queue_type=QueueType.QUORUM,
        durable=True,
        arguments={
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-exchange": dead_letter_exchange(settings).name,
            "x-dead-letter-routing-key": name,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


def dead_letter_queue(queue_name: str) -> RabbitQueue:
    return RabbitQueue(f"{queue_name}.dlq", queue_type=QueueType.QUORUM, durable=True)


async def declare_topology(broker: RabbitBroker, settings: Settings, consumers: Iterable[Consumer]) -> None:
    """Exchanges, dead-letter queues and the bindings of each consumer queue to its event types. Idempotent; the
    robust connection re-declares all of it after a reconnect."""
    exchange = await broker.declare_exchange(events_exchange(settings))
    dlx = await broker.declare_exchange(dead_letter_exchange(settings))
    for consumer in consumers:
        queue = await broker.declare_queue(consumer_queue(settings, consumer))
        for event_type in consumer.event_types():
            await queue.bind(exchange, routing_key=event_type)
        dlq = await broker.declare_queue(dead_letter_queue(queue.name))
        await dlq.bind(dlx, routing_key=queue.name)


async def connect_with_retry(broker: RabbitBroker, settings: Settings, consumers: Iterable[Consumer]) -> None:
    """Keep trying until the broker answers, then declare the topology; afterwards the robust connection reconnects
    (and re-declares) on its own."""
    delay = 0.5
    while True:
        try:
            await broker.start()
            await declare_topology(broker, settings, consumers)
            log.info("broker connected")
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("broker not reachable yet", extra={"error_type": type(exc).__name__})
            with suppress(Exception):
                await broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _raw_body(message: Any) -> bytes:
    return message.body


def register_consumer(
    broker: RabbitBroker, settings: Settings, consumer: Consumer, pool_ref: Callable[[], asyncpg.Pool]
) -> None:
    """Subscribe the consumer's queue. Acknowledgement is manual: ack after the commit, reject-with-requeue on a
    transient failure, dead-letter with a reason on a permanent one."""
    queue = consumer_queue(settings, consumer)
    consumer.queue_name = queue.name
    catalog = {model.event_type: model for model in consumer.handlers}
    inbox_name = f"{settings.service_name}.{consumer.name}"
    in_order = asyncio.Lock()

    async def dead_letter(message: RabbitMessage, reason: str) -> None:
        log.error("message dead-lettered", extra={"consumer": inbox_name, "reason": reason})
        metrics.consumer_messages.labels(inbox_name, "dead_lettered").inc()
        try:
            await broker.publish(
                message.body,
                exchange=dead_letter_exchange(settings),
                routing_key=queue.name,
                mandatory=True,
                persist=True,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
                headers={**(message.headers or {}), "x-error": reason[:500]},
                content_type=message.content_type,
                timeout=10,
            )
        except Exception:
            # The broker's own dead-lettering still keeps the message, only without our reason.
            await message.reject(requeue=False)
            return
        await message.ack()

    @broker.subscriber(
        queue,
        # aio-pika hands each prefetched message to its own task; one message in flight keeps the order per queue
        # (and so per aggregate). Throughput comes from one queue per consumer, not from parallelism inside one.
        channel=Channel(prefetch_count=1, publisher_confirms=True, on_return_raises=True),
        ack_policy=AckPolicy.MANUAL,
        no_reply=True,
        decoder=_raw_body,
        title=f"{queue.name}",
        description=f"{settings.service_name} consumes: {', '.join(consumer.event_types())}",
    )
    async def consume(body: bytes, message: RabbitMessage) -> None:
        # Prefetch 1 should make this redundant, but RabbitMQ 3.10 hands out a second message right after it
        # dead-letters one at the delivery limit; the lock keeps processing strictly one at a time, in arrival order.
        async with in_order:
            await _consume(body, message)

    async def _consume(body: bytes, message: RabbitMessage) -> None:
        try:
            envelope, data = parse_event(body, catalog)
        except (InvalidEvent, UnknownEventType) as exc:
            await dead_letter(message, str(exc))
            return
        token = correlation_id.set(envelope.correlation_id)
        try:
            await _handle(envelope, data, message)
        finally:
            correlation_id.reset(token)

    async def _handle(envelope: Envelope, data: EventData, message: RabbitMessage) -> None:
        facts = {"consumer": inbox_name, "event_id": str(envelope.event_id), "event_type": envelope.type}
        try:
            async with pool_ref().acquire() as conn, conn.transaction():
                fresh = await conn.fetchval(
                    """INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
                       ON CONFLICT DO NOTHING RETURNING true""",
                    inbox_name, envelope.event_id, envelope.type,
                )
                if fresh:
                    await consumer.handlers[type(data)](data, conn)
        except PermanentError as exc:
            await dead_letter(message, f"{type(exc).__name__}: {exc}")
            return
        except Exception as exc:
            attempt = int((message.headers or {}).get("x-delivery-count", 0)) + 1
            log.warning("handler failed, message requeued", extra={**facts, "attempt": attempt, "error_type": type(exc).__name__})
            metrics.consumer_messages.labels(inbox_name, "failed").inc()
            await asyncio.sleep(min(0.2 * attempt, 2.0))  # a short pause so that a retry is not a busy loop
            await message.reject(requeue=True)
            return
        await message.ack()
        outcome = "processed" if fresh else "duplicate"
        metrics.consumer_messages.labels(inbox_name, outcome).inc()
        log.info(f"event {outcome}", extra=facts)
