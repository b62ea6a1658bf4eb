"""This run's corner of the shared PostgreSQL and RabbitMQ, built on the test suite's Stack: databases named
`recruiting_<name>_bench_<id>`, the exchange `recruiting.events.bench_<id>`, queues prefixed `bench_<id>.`, an SMTP
sink, the services as processes with their production entry points, and the nginx gateway with the platform's one
routing configuration. `cleanup()` stops every process and removes every database, queue and exchange."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import httpx
from recruiting_shared import db

from tests.support.gateway import TestGateway
from tests.support.mailbox import SmtpCapture
from tests.support.processes import REPO_ROOT, ServiceProcess
from tests.support.stack import Stack
from tests.support.tcp_proxy import free_port

BENCH_DIR = REPO_ROOT / "bench"
# The gateway's per-client limits on login and signup are for attackers; the benchmark is one client that logs in
# thousands of times on purpose.
UNLIMITED_RATE, UNLIMITED_BURST = "1000000r/s", 1_000_000


@dataclass
class Servers:
    postgres_url: str
    amqp_url: str


class BenchEnvironment:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        servers = Servers(os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/"),
                          os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
        self.smtp = SmtpCapture(workdir / "mail")
        self.stack = Stack(servers, self.smtp, workdir)
        # Named so that an operator sees at a glance what a left-over database or queue belongs to.
        self.run_id = "bench_" + uuid.uuid4().hex[:8]
        self.stack.run_id = self.run_id
        self.stack.exchange = self.exchange = f"recruiting.events.{self.run_id}"
        self.stack.queue_prefix = self.queue_prefix = f"{self.run_id}."
        self.gateways: list[TestGateway] = []
        self.bare_processes: list[subprocess.Popen] = []

    @property
    def postgres_url(self) -> str:
        return self.stack.infra.postgres_url

    @property
    def amqp_url(self) -> str:
        return self.stack.infra.amqp_url

    def database(self, name: str) -> str:
        """A database of this run (dropped at cleanup)."""
        return self.stack.database_name(name)

    def database_url(self, name: str) -> str:
        return f"{self.postgres_url}/{self.database(name)}"

    def track_queue(self, name: str) -> None:
        self.stack.queues.add(name)

    async def service(self, name: str, **env: str) -> ServiceProcess:
        """The real service process (its production entry point), ready. Logs go to the run's work folder."""
        process = self.stack.service(name, LOG_LEVEL="WARNING", **env)
        await process.wait_ready(timeout=120)
        return process

    async def gateway(self, **service_urls: str) -> TestGateway:
        gateway = TestGateway(self.workdir, service_urls, auth_rate_limit=UNLIMITED_RATE,
                              auth_rate_burst=UNLIMITED_BURST).start()
        self.gateways.append(gateway)
        await gateway.wait_ready()
        return gateway

    async def bare_server(self, script: str, database: str, *, ready_path: str) -> str:
        """A service engineer's bare comparison server (`bench/<script> --serve-bare PORT DATABASE_URL`), ready."""
        await db.ensure_database(self.postgres_url, database)
        port = free_port()
        log = (self.workdir / f"bare-{script}-{port}.log").open("ab")
        process = subprocess.Popen([sys.executable, str(BENCH_DIR / script), "--serve-bare", str(port),
                                    f"{self.postgres_url}/{database}"], stdout=log, stderr=subprocess.STDOUT,
                                   cwd=REPO_ROOT)
        self.bare_processes.append(process)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(600):
                if process.poll() is not None:
                    raise RuntimeError(f"the bare server of {script} exited with {process.returncode}")
                try:
                    if (await client.get(url + ready_path)).status_code == 200:
                        return url
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the bare server of {script} did not answer on {url}")

    async def event_sink(self) -> aio_pika.abc.AbstractConnection:
        """A queue bound to every event of the run, as the consumers are in production: without a binding a
        service's outbox would keep retrying unroutable events, and the figures would include that."""
        connection = await aio_pika.connect(self.amqp_url)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")
        await queue.consume(_discard, no_ack=True)
        return connection

    def stop_processes(self) -> None:
        """Between scenarios: each scenario gets the machine to itself."""
        for gateway in self.gateways:
            gateway.stop()
        self.gateways.clear()
        for process in self.stack.processes:
            process.stop()
        for process in self.bare_processes:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.bare_processes.clear()

    async def cleanup(self) -> None:
        self.stop_processes()
        await self.stack.cleanup()
        self.smtp.stop()


async def _discard(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    """The sink only has to exist; what arrives there is not looked at."""
