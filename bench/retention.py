"""Benchmark: N due applications erased end to end through the retention service and the real broker.

    uv run python bench/retention.py [--applications 100000] [--batch 1000] [--instances 1]

What runs: the real retention service process(es) (sweeper, outbox relay, consumer) on a fresh database, exchange
and queues of their own on the local PostgreSQL and RabbitMQ (POSTGRES_URL / AMQP_URL). A stand-in for the
applications service consumes retention.erasure_due and answers each with application.erased, as the real one does
after erasing (the real one would need N complete applications with encrypted documents first; its own erasure
speed is its own benchmark). The N due applications are written straight into retention's schedule table in one
transaction: seeding is not what is measured. The clock starts at that commit.

Prints: erasures issued per second (sweeper + outbox relay), erasures confirmed per second (the whole loop:
sweep, publish, stand-in, application.erased consumed, erasure log completed), and the time until the last
confirmation. Everything it created is removed at the end."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
import asyncpg
import httpx
from recruiting_shared import db
from recruiting_shared.events import ApplicationErased, envelope_for

POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_id = "bench" + uuid.uuid4().hex[:8]
        self.database = f"recruiting_retention_{self.run_id}"
        self.exchange = f"recruiting.events.{self.run_id}"
        self.queue_prefix = f"{self.run_id}."
        self.processes: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def start_service(self) -> None:
        port = free_port()
        env = {**os.environ, "POSTGRES_URL": POSTGRES_URL, "AMQP_URL": AMQP_URL, "DATABASE_NAME": self.database,
               "EXCHANGE_NAME": self.exchange, "QUEUE_PREFIX": self.queue_prefix, "PORT": str(port),
               "RETENTION_SWEEP_SECONDS": "1", "RETENTION_SWEEP_BATCH": str(self.args.batch),
               "RETENTION_CONFIRM_SECONDS": "3600", "OUTBOX_POLL_SECONDS": "0.5", "LOG_LEVEL": "WARNING"}
        log = tempfile.NamedTemporaryFile(prefix=f"{self.run_id}-", suffix=".log", delete=False)
        self.processes.append(subprocess.Popen([sys.executable, "-m", "recruiting_retention.bootstrap"], env=env,
                                               stdout=log, stderr=subprocess.STDOUT))
        self.ports.append(port)
        print(f"retention instance on port {port}, log {log.name}")

    async def wait_ready(self) -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            for port in self.ports:
                for _ in range(300):
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.2)
                else:
                    raise SystemExit(f"retention on port {port} did not become ready")

    async def cleanup(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            queues = [f"{self.queue_prefix}retention.{name}{suffix}" for name in ("schedule", "erasures")
                      for suffix in ("", ".dlq")]
            for name in queues + [f"{self.queue_prefix}bench.applications"]:
                channel = await connection.channel()
                try:
                    await channel.queue_delete(name)
                except Exception:
                    pass
            for name in (self.exchange, f"{self.exchange}.dlx"):
                channel = await connection.channel()
                try:
                    await channel.exchange_delete(name)
                except Exception:
                    pass
        await db.drop_database(POSTGRES_URL, self.database)


async def stand_in_for_applications(run: Run) -> aio_pika.abc.AbstractConnection:
    """Answers each retention.erasure_due with application.erased, publisher confirms on."""
    connection = await aio_pika.connect(AMQP_URL)
    consume_channel = await connection.channel()
    await consume_channel.set_qos(prefetch_count=500)
    publish_channel = await connection.channel(publisher_confirms=True)
    exchange = await publish_channel.declare_exchange(run.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await consume_channel.declare_queue(f"{run.queue_prefix}bench.applications", auto_delete=True)
    await queue.bind(run.exchange, routing_key="retention.erasure_due")

    async def on_command(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        command = json.loads(message.body)["data"]
        erased = ApplicationErased(application_id=command["application_id"], company_id=command["company_id"],
                                   trigger=command["trigger"], erased_at=datetime.now(UTC))
        envelope = envelope_for(erased, producer="bench-applications", correlation_id=run.run_id)
        await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.event_id),
                                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                               routing_key=envelope.type)
        await message.ack()

    await queue.consume(on_command)
    return connection


async def seed(run: Run, count: int) -> float:
    """N applications of one company, rejected a year ago: all due now. Returns the commit time (monotonic)."""
    conn = await asyncpg.connect(f"{POSTGRES_URL}/{run.database}")
    try:
        company_id = uuid.uuid4()
        decided = datetime.now(UTC) - timedelta(days=365)
        rows = [(uuid.uuid4(), company_id, "rejected", decided, decided + timedelta(days=180), "rejected", decided)
                for _ in range(count)]
        async with conn.transaction():
            await conn.copy_records_to_table(
                "tracked_applications", records=rows,
                columns=["application_id", "company_id", "status", "status_changed_at", "due_at",
                         "clock_started_by", "clock_started_at"])
        return time.monotonic()
    finally:
        await conn.close()


async def watch(run: Run, count: int, started: float) -> dict[str, float]:
    """Seconds from the seeding commit until each stage had handled all N erasures."""
    conn = await asyncpg.connect(f"{POSTGRES_URL}/{run.database}")
    finished: dict[str, float] = {}
    try:
        while True:
            stages = await conn.fetchrow(
                """SELECT (SELECT count(*) FROM erasure_log) AS issued,
                          (SELECT count(*) FROM outbox WHERE event_type = 'retention.erasure_due'
                                                       AND published_at IS NOT NULL) AS published,
                          (SELECT count(*) FROM erasure_log WHERE erased_at IS NOT NULL) AS confirmed""")
            elapsed = time.monotonic() - started
            for stage, done in stages.items():
                if done >= count:
                    finished.setdefault(stage, elapsed)
            print(f"  {elapsed:7.1f}s  " + "  ".join(f"{k} {v:>7}" for k, v in stages.items()), flush=True)
            if "confirmed" in finished:
                return finished
            await asyncio.sleep(2)
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="RETENTION_SWEEP_BATCH")
    parser.add_argument("--instances", type=int, default=1, help="retention processes sweeping the same database")
    args = parser.parse_args()
    run = Run(args)
    from recruiting_retention.bootstrap import MIGRATIONS

    await db.prepare_database(POSTGRES_URL, run.database, MIGRATIONS)
    stand_in = None
    try:
        for _ in range(args.instances):
            run.start_service()
        await run.wait_ready()
        stand_in = await stand_in_for_applications(run)
        main_task = asyncio.current_task()
        for stop_signal in (signal.SIGINT, signal.SIGTERM):  # stop early, still clean up
            asyncio.get_running_loop().add_signal_handler(stop_signal, main_task.cancel)
        print(f"seeding {args.applications} due applications ...")
        started = await seed(run, args.applications)
        finished = await watch(run, args.applications, started)
        print(f"\n{args.applications} erasures, {args.instances} retention instance(s), sweep batch {args.batch}")
        labels = {"issued": "issued (sweeper)", "published": "published (outbox relay)",
                  "confirmed": "confirmed (end to end)"}
        for stage, label in labels.items():
            seconds = finished[stage]
            print(f"{label:<26} all after {seconds:8.1f}s  {args.applications / seconds:8.0f} erasures/s")
        print(f"time until the last erasure was confirmed: {finished['confirmed']:.1f}s")
    except asyncio.CancelledError:
        print("stopped before the end; cleaning up")
    finally:
        if stand_in:
            await stand_in.close()
        await run.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
