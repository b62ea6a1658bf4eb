"""Where the test run's PostgreSQL and RabbitMQ come from.

1. POSTGRES_URL / AMQP_URL when given;
2. otherwise the defaults of SPEC section 5 when something answers there;
3. otherwise testcontainers, when a Docker engine answers;
4. otherwise the run fails loudly: these tests never skip for want of a server."""

from __future__ import annotations

import os
import socket
from contextlib import suppress
from urllib.parse import urlparse

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


class NoInfrastructure(RuntimeError):
    pass


def answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    with suppress(OSError), socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 2):
        return True
    return False


def docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


class Infrastructure:
    def __init__(self) -> None:
        self._containers: list = []
        self.postgres_url = self._postgres()
        self.amqp_url = self._rabbitmq()

    def _postgres(self) -> str:
        if url := os.environ.get("POSTGRES_URL"):
            return url
        if answers(DEFAULT_POSTGRES_URL, 5432):
            return DEFAULT_POSTGRES_URL
        if docker_available():
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer("postgres:16-alpine", username="postgres", password="postgres").start()
            self._containers.append(container)
            host, port = container.get_container_host_ip(), container.get_exposed_port(5432)
            return f"postgresql://postgres:postgres@{host}:{port}"
        raise NoInfrastructure(
            "No PostgreSQL for the tests: set POSTGRES_URL, start one on 127.0.0.1:5432, or provide Docker."
        )

    def _rabbitmq(self) -> str:
        if url := os.environ.get("AMQP_URL"):
            return url
        if answers(DEFAULT_AMQP_URL, 5672):
            return DEFAULT_AMQP_URL
        if docker_available():
            from testcontainers.rabbitmq import RabbitMqContainer

            container = RabbitMqContainer("rabbitmq:3.13-management").start()
            self._containers.append(container)
            host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
            return f"amqp://guest:guest@{host}:{port}/"
        raise NoInfrastructure(
            "No RabbitMQ for the tests: set AMQP_URL, start one on 127.0.0.1:5672, or provide Docker."
        )

    def stop(self) -> None:
        for container in self._containers:
            with suppress(Exception):
                container.stop()
