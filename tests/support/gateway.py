"""The real nginx gateway in front of a test run's service processes, with the platform's one routing
configuration (deploy/nginx/gateway.conf.template), on a free port.

    gateway = TestGateway(tmp_path, {"auth": auth.url, "postings": postings.url, ...}).start()
    await gateway.wait_ready()
    ... httpx.AsyncClient(base_url=gateway.url) ...
    gateway.stop()

A service left out is routed to a closed port, so its paths answer 502 (problem+json). The per-client rate limits on
login, password/forgot and signup are the production defaults unless given: a test that logs in many times from
127.0.0.1 passes e.g. auth_rate_limit="600r/m", auth_rate_burst=100."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from deploy.local.gateway import (
    DEFAULT_AUTH_RATE_BURST,
    DEFAULT_AUTH_RATE_LIMIT,
    SERVICES,
    GatewayConfig,
    NginxGateway,
)

from .tcp_proxy import free_port

# Nothing listens on the discard port on these machines: a stand-in upstream for a service that is not running.
UNREACHABLE = "127.0.0.1:9"


class TestGateway:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, workdir: Path, service_urls: Mapping[str, str], *, auth_rate_limit: str = DEFAULT_AUTH_RATE_LIMIT,
                 auth_rate_burst: int = DEFAULT_AUTH_RATE_BURST) -> None:
        unknown = set(service_urls) - set(SERVICES)
        if unknown:
            raise ValueError(f"not services of the platform: {sorted(unknown)}")
        self.port = free_port()
        self.access_log = workdir / "gateway-access.log"
        config = GatewayConfig(
            listen=f"127.0.0.1:{self.port}",
            upstreams={name: _address(service_urls[name]) if name in service_urls else UNREACHABLE for name in SERVICES},
            access_log=self.access_log,
            auth_rate_limit=auth_rate_limit,
            auth_rate_burst=auth_rate_burst,
        )
        self.nginx = NginxGateway(config, workdir / f"gateway-{self.port}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "TestGateway":
        self.nginx.start()
        return self

    async def wait_ready(self, timeout: float = 20) -> None:
        await asyncio.to_thread(self.nginx.wait_ready, timeout)

    def stop(self) -> None:
        self.nginx.stop()

    def access_log_entries(self) -> list[dict]:
        """The access log's lines, parsed (nginx writes one JSON object per request)."""
        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text().splitlines() if line.strip()]

    def error_log_tail(self, lines: int = 20) -> str:
        return self.nginx.error_log_tail(lines)


def _address(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port}"
