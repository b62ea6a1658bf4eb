"""The whole platform for end-to-end tests: the five real service processes wired to each other and the real nginx
gateway in front of them, on a database set, exchange and queues of their own (so that service processes of other
test modules in the same run neither take their messages nor send them any).

    from tests.support.platform import platform   # the module-scoped fixture (tests/e2e/conftest.py imports it)

    async def test_something(platform, smtp):
        async with platform.client() as api:          # every request goes through the gateway
            await api.get("/api/jobs")
        platform.kill("postings")                     # SIGKILL: nothing but what was committed survives
        await platform.restart("postings")            # same port, database, queues and data folder

Wiring: every service verifies company tokens with auth's JWKS (AUTH_JWKS_URL), e-mail links point at the gateway
(PUBLIC_URL), mail goes to the run's SMTP capture, auth seeds an operator (BOOTSTRAP_OPERATOR_*), and the loops
that a journey waits for run often (outbox and mail every 0.5 s, the retention sweeper every second). The gateway's
per-client limits on login, forgot-password and sign-up are raised: every request of a test comes from 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import aio_pika
import httpx
import pytest_asyncio

from .events import EventTap
from .gateway import TestGateway
from .processes import ServiceProcess
from .stack import SERVICES
from .tcp_proxy import free_port

OPERATOR_EMAIL = "operator.e2e@example.com"
OPERATOR_PASSWORD = "operator-password-for-e2e-tests-7"

# Loops a journey waits for; the defaults (2 s outbox, 60 s sweeper) are for production, not for a test run.
FAST_LOOPS = {
    "OUTBOX_POLL_SECONDS": "0.5",
    "MAIL_POLL_SECONDS": "0.5",
    "RETENTION_SWEEP_SECONDS": "1",
}


@dataclass
class Platform:
    stack: object
    gateway: TestGateway
    services: dict[str, ServiceProcess]
    exchange: str
    operator_email: str = OPERATOR_EMAIL
    operator_password: str = OPERATOR_PASSWORD

    @property
    def url(self) -> str:
        return self.gateway.url

    def client(self, **kwargs) -> httpx.AsyncClient:
        """An HTTP client whose every request goes through the gateway."""
        return httpx.AsyncClient(base_url=self.gateway.url, timeout=30, **kwargs)

    def events(self, *event_types: str) -> EventTap:
        """Records the events of the given types on this platform's exchange (async context manager)."""
        return EventTap(SimpleNamespace(infra=self.stack.infra, exchange=self.exchange), *event_types)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hooks, no flushing, unacknowledged messages go back to the queue."""
        process = self.services[name]
        process.kill()
        assert process.process.poll() is not None, f"{name} still runs after SIGKILL"

    async def restart(self, name: str) -> ServiceProcess:
        """Start the service again as it was: same port (the gateway's upstream), database, queues, data folder."""
        process = self.services[name]
        assert process.process.poll() is not None, f"{name} is still running; kill or stop it first"
        process.start()
        await process.wait_ready()
        return process


def _service_env(name: str, *, tag: str, stack, workdir: Path, gateway_url: str, jwks_url: str,
                 encryption_key: str) -> dict[str, str]:
    env = {
        "database": f"{name}_{tag}",
        "EXCHANGE_NAME": f"{stack.exchange}.{tag}",
        "QUEUE_PREFIX": f"{stack.queue_prefix}{tag}.",
        "DATA_DIR": str(workdir / f"data-{name}"),
        "PUBLIC_URL": gateway_url,
        "AUTH_JWKS_URL": jwks_url,
        **FAST_LOOPS,
    }
    if name == "auth":
        env.update(BOOTSTRAP_OPERATOR_EMAIL=OPERATOR_EMAIL, BOOTSTRAP_OPERATOR_PASSWORD=OPERATOR_PASSWORD,
                   AUTH_ENCRYPTION_KEY=encryption_key)
    return env


async def start_platform(stack, workdir: Path) -> Platform:
    """Ports first (the gateway needs every upstream, every service needs the gateway's URL for its links), then the
    gateway and all five services at once; returns when every /readyz and the gateway answer."""
    tag = "e2e" + uuid.uuid4().hex[:6]
    ports = {name: free_port() for name in SERVICES}
    gateway = TestGateway(workdir / "gateway", {name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
                          auth_rate_limit="600r/m", auth_rate_burst=200)
    jwks_url = f"http://127.0.0.1:{ports['auth']}/api/auth/jwks.json"
    encryption_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    services: dict[str, ServiceProcess] = {}
    try:
        gateway.start()
        for name in SERVICES:
            env = _service_env(name, tag=tag, stack=stack, workdir=workdir, gateway_url=gateway.url,
                               jwks_url=jwks_url, encryption_key=encryption_key)
            services[name] = stack.service(name, port=ports[name], **env)
        await asyncio.gather(gateway.wait_ready(), *(process.wait_ready() for process in services.values()))
    except BaseException:
        await _stop(gateway, services, stack, f"{stack.exchange}.{tag}")
        raise
    return Platform(stack=stack, gateway=gateway, services=services, exchange=f"{stack.exchange}.{tag}")


async def stop_platform(platform: Platform) -> None:
    await _stop(platform.gateway, platform.services, platform.stack, platform.exchange)


async def _stop(gateway: TestGateway, services: dict[str, ServiceProcess], stack, exchange: str) -> None:
    """Gateway first, then SIGTERM to all services at once (each may take seconds to finish), then the exchange.
    The databases and queues are dropped by the stack at the end of the run."""
    gateway.stop()
    for process in services.values():
        if process.process and process.process.poll() is None:
            process.process.terminate()
    await asyncio.gather(*(asyncio.to_thread(process.stop) for process in services.values()))
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        for name in (exchange, f"{exchange}.dlx"):
            channel = await connection.channel()
            try:
                await channel.exchange_delete(name)
            except aio_pika.exceptions.AMQPError:
                pass


@pytest_asyncio.fixture(scope="module")
async def platform(stack, tmp_path_factory):
    """All five services and the gateway, started once per test module and stopped after it."""
    started = await start_platform(stack, tmp_path_factory.mktemp("platform"))
    yield started
    await stop_platform(started)
