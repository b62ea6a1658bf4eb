"""Login throughput and latency of the auth service on this machine, and the share of it that is Argon2id.

    uv run python bench/auth.py [--users 20] [--logins 200] [--concurrency 8]

Starts the real service (its production entry point) on a database of its own against the local PostgreSQL and
RabbitMQ (POSTGRES_URL / AMQP_URL), signs up users, then logs them in: first one at a time (latency without
queueing), then `--concurrency` at a time (throughput). The Argon2id share compares the login latency with one
verify at the service's parameters, timed in this process. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
from argon2 import PasswordHasher
from recruiting_auth.config import AuthSettings
from recruiting_shared import db

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.auth_helpers import strong_password  # noqa: E402
from tests.support.tcp_proxy import free_port  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def wait_ready(url: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit("the auth service exited during start-up")
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the auth service did not become ready")


async def sign_up(client: httpx.AsyncClient, count: int) -> list[tuple[str, str]]:
    users = []
    for _ in range(count):
        email, password = f"bench-{uuid.uuid4().hex[:12]}@example.com", strong_password()
        response = await client.post("/api/auth/signup", json={"company_name": "Bench GmbH", "email": email,
                                                               "password": password, "name": "Ben Ch"})
        response.raise_for_status()
        users.append((email, password))
    return users


async def timed_login(client: httpx.AsyncClient, email: str, password: str) -> float:
    started = time.perf_counter()
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"login failed with {response.status_code}: {response.text}")
    return elapsed


async def run_logins(client: httpx.AsyncClient, users: list[tuple[str, str]], total: int,
                     concurrency: int) -> tuple[list[float], float]:
    queue = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(users[i % len(users)])
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            email, password = queue.get_nowait()
            latencies.append(await timed_login(client, email, password))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def argon2_verify_seconds(rounds: int = 20) -> float:
    settings = AuthSettings()
    hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism)
    stored = hasher.hash("correct-horse-battery-staple-9")
    started = time.perf_counter()
    for _ in range(rounds):
        hasher.verify(stored, "correct-horse-battery-staple-9")
    return (time.perf_counter() - started) / rounds


def report(name: str, latencies: list[float], seconds: float) -> None:
    print(f"{name}: {len(latencies)} logins in {seconds:.2f} s = {len(latencies) / seconds:.1f} logins/s; "
          f"latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    postgres_url = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    database = f"recruiting_auth_bench_{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {**os.environ, "POSTGRES_URL": postgres_url, "DATABASE_NAME": database, "PORT": str(port),
           "EXCHANGE_NAME": f"recruiting.events.{database}", "DATA_DIR": tempfile.mkdtemp(prefix="auth-bench-"),
           "LOG_LEVEL": "WARNING", "RATE_LIMIT_LOGIN_IP": "1000000/60", "RATE_LIMIT_SIGNUP_IP": "1000000/60"}
    process = subprocess.Popen([sys.executable, "-m", "recruiting_auth.bootstrap"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, process)
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            users = await sign_up(client, args.users)
            await run_logins(client, users, 10, 1)  # warm-up
            sequential, sequential_seconds = await run_logins(client, users, max(20, args.logins // 4), 1)
            # Timed right here, so that the hash and the logins see the same load on the machine.
            hash_seconds = await asyncio.to_thread(argon2_verify_seconds)
            parallel, parallel_seconds = await run_logins(client, users, args.logins, args.concurrency)
    finally:
        process.terminate()
        process.wait(15)
        await db.drop_database(postgres_url, database)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work on the machine skews every figure); "
          f"Argon2id m={AuthSettings().argon2_memory_kib} KiB, t=2, p=1")
    report("one at a time", sequential, sequential_seconds)
    report(f"{args.concurrency} at a time", parallel, parallel_seconds)
    mean_login = statistics.mean(sequential)
    print(f"Argon2id verify alone: {hash_seconds * 1000:.1f} ms = {hash_seconds / mean_login:.0%} of a login's "
          f"{mean_login * 1000:.1f} ms mean latency; the hash bounds throughput at about "
          f"{min(os.cpu_count() or 1, AuthSettings().hashing_threads) / hash_seconds:.0f} logins/s on this machine")


if __name__ == "__main__":
    asyncio.run(main())
