"""Baselines made of raw aio-pika: publish with publisher confirms to a durable quorum queue, consume with a manual
ack. No FastStream, no database, no inbox: what the broker and the client library alone cost on this machine."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import aio_pika

from .results import Figures, figures_from

PUBLISH_WINDOW = 200  # confirms awaited together when publishing as fast as possible


async def quorum_queue(channel: aio_pika.abc.AbstractChannel, name: str) -> aio_pika.abc.AbstractQueue:
    return await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})


def persistent(body: bytes) -> aio_pika.Message:
    return aio_pika.Message(body, message_id=str(uuid.uuid4()), delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            content_type="application/json")


async def publish_at_rate(publish: Callable[[int], Awaitable[None]], *, rate: float, seconds: float) -> int:
    """Call `publish(i)` at a fixed rate (open loop: a slow confirm does not delay the next message). Returns the
    number of messages."""
    count = max(1, round(rate * seconds))
    started = time.monotonic()
    tasks = []
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(publish(i)))
    await asyncio.gather(*tasks)
    return count


async def publish_all(publish: Callable[[int], Awaitable[None]], count: int) -> None:
    """As fast as the broker confirms: windows of PUBLISH_WINDOW confirms in flight."""
    for start in range(0, count, PUBLISH_WINDOW):
        await asyncio.gather(*(publish(i) for i in range(start, min(count, start + PUBLISH_WINDOW))))


class RawPipe:
    """One quorum queue, a confirming publisher and a consumer that acks each message after noting when it
    arrived. Prefetch 1 by default: the platform's consumers take one message at a time to keep the order."""

    def __init__(self, amqp_url: str, queue_name: str, *, prefetch: int = 1) -> None:
        self.amqp_url, self.queue_name, self.prefetch = amqp_url, queue_name, prefetch
        self.sent: dict[int, float] = {}
        self.received: dict[int, float] = {}
        self._expected = 0
        self._all_in = asyncio.Event()

    async def __aenter__(self) -> "RawPipe":
        self.connection = await aio_pika.connect(self.amqp_url)
        self.publish_channel = await self.connection.channel(publisher_confirms=True)
        consume_channel = await self.connection.channel()
        await consume_channel.set_qos(prefetch_count=self.prefetch)
        self.queue = await quorum_queue(consume_channel, self.queue_name)
        await self.queue.consume(self._on_message)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.received[int(message.body)] = time.time()
        await message.ack()
        if len(self.received) >= self._expected:
            self._all_in.set()

    async def publish(self, i: int) -> None:
        self.sent[i] = time.time()
        await self.publish_channel.default_exchange.publish(persistent(str(i).encode()), routing_key=self.queue_name)

    async def run(self, drive: Callable[[Callable[[int], Awaitable[None]]], Awaitable[None]], count: int,
                  timeout: float) -> None:
        self.sent.clear()
        self.received.clear()
        self._expected = count
        self._all_in.clear()
        await drive(self.publish)
        await asyncio.wait_for(self._all_in.wait(), timeout)

    def lag_figures(self) -> Figures:
        lags = [self.received[i] - self.sent[i] for i in self.sent]
        return figures_from(lags, len(lags), max(self.received.values()) - min(self.sent.values()))

    async def __aexit__(self, *exc_info) -> None:
        await self.connection.close()


async def raw_lag_at_rate(amqp_url: str, queue_name: str, *, rate: float, seconds: float) -> Figures:
    async with RawPipe(amqp_url, queue_name) as pipe:
        count = max(1, round(rate * seconds))
        await pipe.run(lambda publish: publish_at_rate(publish, rate=rate, seconds=seconds), count, seconds + 120)
        return pipe.lag_figures()


async def raw_drain(amqp_url: str, queue_name: str, *, count: int) -> Figures:
    """`count` messages published as fast as confirms come back; throughput = count / (last ack - first publish)."""
    async with RawPipe(amqp_url, queue_name) as pipe:
        await pipe.run(lambda publish: publish_all(publish, count), count, 600)
        return pipe.lag_figures()


async def raw_round_trip(amqp_url: str, queue_prefix: str, *, count: int) -> tuple[list[float], float]:
    """The two broker hops of an erasure without the services: a command published (confirmed) to a quorum queue,
    answered by a consumer (prefetch 500, like the applications stand-in) that publishes a reply (confirmed) to a
    second quorum queue, whose consumer (prefetch 1, like retention's) acks it. Latency: the time from the first
    command until each reply was acked. Returns those times and the length of the run."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        publish_channel = await connection.channel(publisher_confirms=True)
        answer_channel = await connection.channel(publisher_confirms=True)
        command_channel = await connection.channel()
        await command_channel.set_qos(prefetch_count=500)
        reply_channel = await connection.channel()
        await reply_channel.set_qos(prefetch_count=1)
        commands = await quorum_queue(command_channel, f"{queue_prefix}baseline.commands")
        replies = await quorum_queue(reply_channel, f"{queue_prefix}baseline.replies")
        done: list[float] = []
        all_done = asyncio.Event()

        async def answer(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await answer_channel.default_exchange.publish(persistent(message.body), routing_key=replies.name)
            await message.ack()

        async def confirm(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await message.ack()
            done.append(time.time())
            if len(done) >= count:
                all_done.set()

        await commands.consume(answer)
        await replies.consume(confirm)
        started = time.time()
        await publish_all(lambda i: publish_channel.default_exchange.publish(
            persistent(str(i).encode()), routing_key=commands.name), count)
        await asyncio.wait_for(all_done.wait(), max(600, count / 10))
        return [t - started for t in done], max(done) - started
