"""The delivery guarantees of the messaging backbone (issue 2), against the real PostgreSQL and RabbitMQ:
outbox -> broker -> consumer with inbox. Each test uses its own producer and probe, so queues and databases are
its own."""

import asyncio
import json
from urllib.parse import urlparse
from uuid import uuid4

import aio_pika
import httpx

from tests.support.events import EventTap, publish_event
from tests.support.probe import Probe, assert_in_order_per_aggregate
from tests.support.producer import Producer
from tests.support.tcp_proxy import TcpProxy
from tests.support.demo_service import demo_event


def proxied_amqp_url(amqp_url: str, proxy: TcpProxy) -> str:
    parsed = urlparse(amqp_url)
    return parsed._replace(netloc=f"{parsed.username}:{parsed.password}@127.0.0.1:{proxy.port}").geturl()


def broker_proxy(stack) -> TcpProxy:
    parsed = urlparse(stack.infra.amqp_url)
    return TcpProxy(parsed.hostname, parsed.port or 5672).start()


async def test_events_committed_during_a_broker_outage_are_all_delivered_once_in_order(stack):
    proxy = broker_proxy(stack)
    proxy.block()
    aggregates = [uuid4() for _ in range(10)]
    try:
        async with Probe(stack) as probe, Producer(stack, f"outage{uuid4().hex[:6]}",
                                                   amqp_url=proxied_amqp_url(stack.infra.amqp_url, proxy)) as producer:
            producer.start_relay()
            for round_ in range(10):  # 1,000 events, interleaved across the aggregates
                for aggregate in aggregates:
                    await producer.commit_events(aggregate, 10)
            await asyncio.sleep(2)  # the relay is trying all along; nothing can get through
            assert await producer.unpublished() == 1000
            assert await probe.received() == []

            proxy.unblock()
            await probe.wait_for_count(300)
            proxy.block()  # a second outage in the middle of the stream
            await asyncio.sleep(1)
            proxy.unblock()

            rows = await probe.wait_for_count(1000)
            await asyncio.sleep(1)  # anything re-published after the cut has arrived by now
            rows = await probe.received()
            assert len(rows) == 1000
            assert await probe.inbox_count() == 1000
            assert_in_order_per_aggregate(rows)
            assert await producer.unpublished() == 0
    finally:
        proxy.stop()


async def test_a_service_killed_between_commit_and_publish_delivers_after_restart(stack):
    proxy = broker_proxy(stack)
    proxy.block()
    aggregate = uuid4()
    database = f"demo{uuid4().hex[:6]}"
    env = {"database": database, "AMQP_URL": proxied_amqp_url(stack.infra.amqp_url, proxy)}
    try:
        async with Probe(stack) as probe:
            first = stack.service("demo", module="tests.support.demo_service", **env)
            await first.wait_live()
            async with httpx.AsyncClient(base_url=first.url) as client:
                response = await client.post("/demo/things", json={"aggregate": str(aggregate), "count": 50})
            assert response.status_code == 201
            first.kill()  # SIGKILL with 50 committed, unpublished events

            proxy.unblock()
            second = stack.service("demo", module="tests.support.demo_service", **env)
            await second.wait_ready()
            rows = await probe.wait_for_count(50)
            assert [row["seq"] for row in rows] == list(range(1, 51))
            second.stop()
    finally:
        proxy.stop()


async def test_the_same_event_delivered_twice_has_its_effect_once(stack):
    async with Probe(stack) as probe:
        aggregate = uuid4()
        envelope = await publish_event(stack, demo_event(aggregate, 1))
        await publish_event(stack, demo_event(aggregate, 1), envelope=envelope)  # same event_id
        await publish_event(stack, demo_event(aggregate, 2))  # a marker behind the duplicate
        rows = await probe.wait_for_count(2)
        await asyncio.sleep(0.5)
        assert [row["seq"] for row in await probe.received()] == [1, 2]
        assert await probe.inbox_count() == 2


async def test_two_relay_instances_publish_each_event_once(stack):
    aggregates = [uuid4() for _ in range(20)]
    async with EventTap(stack, "posting.published") as tap, Producer(stack, f"twin{uuid4().hex[:6]}") as producer:
        for aggregate in aggregates:
            await producer.commit_events(aggregate, 25)
        producer.start_relay(batch_size=30)
        producer.start_relay(batch_size=30)
        received = await tap.wait_for(lambda e: e["producer"] == producer.outbox.producer, count=500)
        await asyncio.sleep(1)
        received = [e for e in tap.received if e["producer"] == producer.outbox.producer]
        event_ids = [e["event_id"] for e in received]
        assert len(event_ids) == 500 and len(set(event_ids)) == 500
        for aggregate in aggregates:
            sequence = [int(e["data"]["title"]) for e in received if e["data"]["posting_id"] == str(aggregate)]
            assert sequence == list(range(1, 26))


async def test_the_correlation_id_flows_from_the_http_request_into_the_event(stack):
    async with EventTap(stack, "posting.published") as tap:
        service = stack.service("demo", module="tests.support.demo_service", database=f"demo{uuid4().hex[:6]}")
        await service.wait_ready()
        async with httpx.AsyncClient(base_url=service.url) as client:
            response = await client.post("/demo/things", json={"aggregate": str(uuid4()), "count": 1},
                                         headers={"X-Request-ID": "req-flow-42"})
        assert response.headers["x-request-id"] == "req-flow-42"
        [event] = await tap.wait_for(lambda e: e["correlation_id"] == "req-flow-42")
        assert event["producer"] == "demo"
        service.stop()


async def test_an_unroutable_event_stays_in_the_outbox_until_a_queue_takes_it(stack):
    """Nobody is bound to the event type: the broker returns the message (mandatory), the relay keeps the row and
    retries with backoff, and the aggregate's later events wait behind it; once a queue is bound, all arrive in order."""
    exchange = f"{stack.exchange}.unrouted"
    aggregate = uuid4()
    connection = await aio_pika.connect(stack.infra.amqp_url)
    try:
        async with Producer(stack, f"unrouted{uuid4().hex[:6]}", exchange=exchange) as producer:
            await producer.commit_events(aggregate, 3)
            producer.start_relay()
            for _ in range(300):
                first = await producer.pool.fetchrow("SELECT attempts, last_error FROM outbox ORDER BY id LIMIT 1")
                if first["last_error"]:
                    break
                await asyncio.sleep(0.1)
            assert first["last_error"] == "unroutable" and first["attempts"] >= 1
            assert await producer.unpublished() == 3

            channel = await connection.channel()
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(exchange, routing_key="posting.published")
            received = []

            async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                received.append(json.loads(message.body))

            await queue.consume(collect, no_ack=True)
            for _ in range(600):
                if len(received) == 3:
                    break
                await asyncio.sleep(0.1)
            assert [int(event["data"]["title"]) for event in received] == [1, 2, 3]
            assert await producer.unpublished() == 0
    finally:
        channel = await connection.channel()
        await channel.exchange_delete(exchange)
        await connection.close()
