"""4. Login through the gateway (the real auth service: account lookup, Argon2id verify on its hashing threads,
token signing, refresh token stored), against the Argon2id verify alone at the service's own parameters, run on as
many threads as the service hashes on (`hashing_threads`), in this process."""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from argon2 import PasswordHasher
from recruiting_auth.config import AuthSettings

from tests.support.auth_helpers import strong_password

from ..environment import BenchEnvironment
from ..load import HttpRequest, http_load
from ..results import Figures, Row, alternating, figures_from

NAME = "login"
# The service's own per-address limits: a benchmark is one address that logs in thousands of times.
UNLIMITED = "100000000/60"


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    service = await env.service("auth", RATE_LIMIT_LOGIN_IP=UNLIMITED, RATE_LIMIT_SIGNUP_IP=UNLIMITED)
    email, password = "bench.login@example.com", strong_password()
    async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
        response = await client.post("/api/auth/signup", json={"company_name": "Bench GmbH", "email": email,
                                                               "password": password, "name": "Ben Ch"})
        response.raise_for_status()
    gateway = await env.gateway(auth=service.url)
    login = HttpRequest("POST", gateway.url + "/api/auth/login", {"Content-Type": "application/json"},
                        json.dumps({"email": email, "password": password}).encode())
    settings = AuthSettings()
    platform, baseline = await alternating(
        lambda: http_load(login, seconds=sizes.round_seconds, connections=sizes.login_connections),
        lambda: asyncio.to_thread(argon2_alone, settings, sizes.round_seconds),
        sizes.rounds)
    return [Row("login", "logins", platform, f"Argon2id verify alone, {settings.hashing_threads} threads", baseline,
                notes={"connections": sizes.login_connections, "argon2_memory_kib": settings.argon2_memory_kib,
                       "argon2_time_cost": settings.argon2_time_cost,
                       "argon2_parallelism": settings.argon2_parallelism})]


def argon2_alone(settings: AuthSettings, seconds: float) -> Figures:
    """Verifies of one stored hash for `seconds` on `hashing_threads` threads (argon2-cffi releases the GIL)."""
    hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism)
    password = "correct-horse-battery-staple-9"
    stored = hasher.hash(password)
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def verify_until_deadline() -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            hasher.verify(stored, password)
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    with ThreadPoolExecutor(settings.hashing_threads) as pool:
        for future in [pool.submit(verify_until_deadline) for _ in range(settings.hashing_threads)]:
            future.result()
    return figures_from(latencies, len(latencies), time.monotonic() - started)
