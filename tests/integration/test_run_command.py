"""bin/run, the README's "start the platform" command, run as a developer would: it starts the mailbox, the five
services and the gateway, says where to go, serves requests through the gateway, and Ctrl-C leaves nothing behind.

The run gets free ports, its own databases (DATABASE_SUFFIX), exchange and queue prefix and its own var/ folder,
so it never meets a developer's running platform or another test."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import smtplib
import subprocess
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import aio_pika
import httpx
import pytest
import pytest_asyncio
from recruiting_shared.config import Settings
from recruiting_shared.messaging import consumer_queue

from tests.support.stack import SERVICES
from tests.support.tcp_proxy import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_MESSAGE = "The platform is ready."
# Never taken from the shell that runs the tests: the run must use its own mailbox, databases and ports.
NOT_INHERITED = ("SMTP_HOST", "SMTP_PORT", "DATABASE_NAME", "PORT", "PUBLIC_URL", "DATA_DIR")


class RunCommand:
    """bin/run as a child process whose output is read line by line in a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.lines: list[str] = []
        inherited = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        self.process = subprocess.Popen([str(REPO_ROOT / "bin" / "run")], cwd=REPO_ROOT, env={**inherited, **env},
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_for_line(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.process.poll() is not None:
                await asyncio.to_thread(self._reader.join, 5)
                raise AssertionError(f"bin/run exited with {self.process.returncode}:\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} from bin/run after {timeout}s:\n{self.output}")
            await asyncio.sleep(0.2)

    def descendants(self) -> set[int]:
        """Every process below bin/run (services, mailbox, nginx master and workers), from /proc."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(stat.parent.name)] = int(fields[1])
        found, frontier = set(), {self.process.pid}
        while frontier:
            children = {pid for pid, parent in parents.items() if parent in frontier}
            found |= children
            frontier = children
        return found

    def stop_if_running(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest_asyncio.fixture
async def run_env(stack, tmp_path):
    """Free ports and names of this run's own; the databases and queues are dropped with the test stack, the
    exchange here."""
    suffix = f"_run_{stack.run_id}"
    env = {
        "POSTGRES_URL": stack.infra.postgres_url,
        "AMQP_URL": stack.infra.amqp_url,
        "GATEWAY_PORT": str(free_port()),
        "DEVMAIL_PORT": str(free_port()),
        "DATABASE_SUFFIX": suffix,
        "EXCHANGE_NAME": f"{stack.exchange}.run",
        "QUEUE_PREFIX": f"{stack.queue_prefix}run.",
        "VAR_DIR": str(tmp_path / "var"),
        "OUTBOX_POLL_SECONDS": "0.5",
    }
    for name in SERVICES:
        env[f"{name.upper()}_PORT"] = str(free_port())
        stack.databases.add(f"recruiting_{name}{suffix}")
        settings = Settings(service_name=name, queue_prefix=env["QUEUE_PREFIX"])
        for consumer in importlib.import_module(f"recruiting_{name}.entrypoints.consumers").CONSUMERS:
            stack.queues.add(consumer_queue(settings, consumer).name)
    yield env
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        for exchange in (f"{env['EXCHANGE_NAME']}.dlx", env["EXCHANGE_NAME"]):
            channel = await connection.channel()
            try:
                await channel.exchange_delete(exchange)
            except aio_pika.exceptions.AMQPError:
                pass


@pytest.mark.timeout(300)  # a first bin/run may install packages before five services start on two cores
async def test_bin_run_starts_everything_serves_through_the_gateway_and_stops_on_ctrl_c(run_env):
    env = run_env
    run = RunCommand(env)
    try:
        await run.wait_for_line(READY_MESSAGE)
        gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"

        # Where to go: the API base, each service's documents, the mailbox and how to list it.
        assert f"{gateway}/api/" in run.output
        for name in SERVICES:
            service = f"http://127.0.0.1:{env[f'{name.upper()}_PORT']}"
            for document in ("/docs", "/openapi.json", "/asyncapi.json"):
                assert f"{service}{document}" in run.output
        assert "recruiting_shared.devmail list" in run.output

        async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
            jobs = await client.get("/api/jobs")
            missing = await client.get("/api/billing/no-such-thing/a/b/c")
        assert jobs.status_code == 200
        assert jobs.json()["items"] == []  # this run's own, empty postings database
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        async with httpx.AsyncClient(timeout=10) as client:
            for name in SERVICES:
                ready = await client.get(f"http://127.0.0.1:{env[f'{name.upper()}_PORT']}/readyz")
                assert ready.json()["checks"] == {"database": True, "broker": True}

        # The development mailbox keeps what it receives as files.
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "probe@example.org", "dev@example.org", "mailbox probe"
        message.set_content("hello")
        with smtplib.SMTP("127.0.0.1", int(env["DEVMAIL_PORT"]), timeout=10) as smtp:
            smtp.send_message(message)
        mail_dir = Path(env["VAR_DIR"]) / "mail"
        assert any(b"mailbox probe" in path.read_bytes() for path in mail_dir.glob("*.eml"))

        children = run.descendants()
        assert len(children) >= 7  # mailbox, five services, nginx master (and its worker)

        run.process.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(run.process.wait, 90) == 0
    finally:
        run.stop_if_running()

    assert [pid for pid in children if alive(pid)] == []
    assert run.lines[-1] == "Stopped."
    log_dir = Path(env["VAR_DIR"]) / "log"
    for name in (*SERVICES, "devmail"):
        assert (log_dir / f"{name}.log").stat().st_size > 0
    access_log = (log_dir / "gateway-access.log").read_text()
    assert "/api/billing/no-such-thing/a/b/c" in access_log
    for port in (env["GATEWAY_PORT"], env["DEVMAIL_PORT"], *(env[f"{n.upper()}_PORT"] for n in SERVICES)):
        with httpx.Client(timeout=2) as client:
            try:
                client.get(f"http://127.0.0.1:{port}/")
                raise AssertionError(f"port {port} still answers after Ctrl-C")
            except httpx.ConnectError:
                pass
