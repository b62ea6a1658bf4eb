"""The test run's own corner of the shared servers: databases named `..._<run id>`, an exchange and queues named
with the run id, an SMTP capture. Everything it creates is removed when the run ends."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import aio_pika
from recruiting_shared import db
from recruiting_shared.config import Settings
from recruiting_shared.messaging import Consumer, consumer_queue

from .infra import Infrastructure
from .mailbox import SmtpCapture
from .processes import ServiceProcess
from .tcp_proxy import free_port

SERVICES = ("auth", "postings", "applications", "retention", "billing")


class Stack:
    def __init__(self, infra: Infrastructure, smtp: SmtpCapture, workdir: Path) -> None:
        self.infra = infra
        self.smtp = smtp
        self.workdir = workdir
        self.run_id = "t" + uuid.uuid4().hex[:10]
        self.exchange = f"recruiting.events.{self.run_id}"
        self.queue_prefix = f"{self.run_id}."
        self.databases: set[str] = set()
        self.queues: set[str] = set()
        self.processes: list[ServiceProcess] = []

    def database_name(self, name: str) -> str:
        database = f"recruiting_{name}_{self.run_id}"
        self.databases.add(database)
        return database

    def env(self, service: str, *, database: str | None = None, port: int | None = None, **overrides: str) -> dict[str, str]:
        """The environment a service process of this run gets; `database` lets a test use a fresh database."""
        env = {
            "POSTGRES_URL": self.infra.postgres_url,
            "DATABASE_NAME": self.database_name(database or service),
            "AMQP_URL": self.infra.amqp_url,
            "EXCHANGE_NAME": self.exchange,
            "QUEUE_PREFIX": self.queue_prefix,
            "SMTP_HOST": self.smtp.host,
            "SMTP_PORT": str(self.smtp.port),
            "PUBLIC_URL": "http://127.0.0.1:8080",
            "PORT": str(port or free_port()),
            "DATA_DIR": str(self.workdir / f"data-{service}"),
            "OUTBOX_POLL_SECONDS": "0.5",
            "LOG_LEVEL": "INFO",
        }
        env.update({key.upper(): str(value) for key, value in overrides.items()})
        self._track_service_queues(service, env)
        return env

    def settings(self, settings_class: type[Settings] = Settings, **overrides) -> Settings:
        """Settings for code run inside the test process."""
        values = {key.lower(): value for key, value in self.env(overrides.pop("service_name", "test"), **overrides).items()}
        values.pop("port")
        return settings_class(**values)

    def track_queue(self, settings: Settings, consumer: Consumer) -> str:
        name = consumer_queue(settings, consumer).name
        self.queues.add(name)
        return name

    def _track_service_queues(self, service: str, env: dict[str, str]) -> None:
        if service not in SERVICES:
            return
        consumers = importlib.import_module(f"recruiting_{service}.entrypoints.consumers").CONSUMERS
        settings = Settings(service_name=service, queue_prefix=env["QUEUE_PREFIX"])
        for consumer in consumers:
            self.track_queue(settings, consumer)

    def service(self, service: str, *, module: str | None = None, **env_overrides: str) -> ServiceProcess:
        env = self.env(service, **env_overrides)
        process = ServiceProcess(service, env, self.workdir / f"{service}-{env['PORT']}.log", module=module)
        self.processes.append(process)
        return process.start()

    async def cleanup(self) -> None:
        for process in self.processes:
            process.stop()
        connection = await aio_pika.connect(self.infra.amqp_url)
        async with connection:
            for queue in sorted(self.queues):
                for name in (queue, f"{queue}.dlq"):
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
        for database in self.databases:
            await db.drop_database(self.infra.postgres_url, database)
