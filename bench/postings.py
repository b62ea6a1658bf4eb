"""Benchmark: the public job board with N published postings, side by side with a bare FastAPI + asyncpg endpoint
that runs the same SQL in the same run.

    uv run python bench/postings.py [--postings 10000] [--seconds 8] [--concurrency 16]

What runs: the real postings service process on a fresh database of its own (and its own exchange and queues) on
the local PostgreSQL and RabbitMQ (POSTGRES_URL / AMQP_URL), and a second process serving only GET /api/jobs with
FastAPI + asyncpg and the SQL that recruiting_postings.adapters.job_board builds (no projection, no problem
handlers, no middleware). N published postings of 200 companies with German texts are written straight into the
database (seeding is not what is measured), then each scenario is driven for a fixed time by one load generator
(httpx, `concurrency` requests in flight) against each server in turn.

Prints, per scenario and server: requests per second, p50 and p99 latency, and the median time of the query alone
in PostgreSQL. The load generator runs on the same machine, so the figures are for comparing the two servers and
the scenarios with each other, not absolute capacity. Everything it created is removed at the end."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
import asyncpg
import httpx

POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")

SCENARIOS = [
    ("newest, page 1", {}),
    ("search 'entwickler'", {"q": "entwickler"}),
    ("search + location + type", {"q": "pflege", "location": "Hamburg", "employment_type": "part_time"}),
    ("location only", {"location": "Köln"}),
    ("deep page (page 200)", {"page": 200}),
    ("search, no hit", {"q": "astronautin"}),
]

ROLES = ["Softwareentwickler", "Entwicklerin Backend", "Pflegefachkraft", "Gesundheits- und Krankenpfleger",
         "Buchhalterin", "Vertriebsmitarbeiter", "Elektroniker für Betriebstechnik", "Erzieherin", "Lagerlogistiker",
         "Projektmanager", "Kundenberaterin", "Data Engineer", "Koch", "Mechatroniker", "Steuerfachangestellte"]
PHRASES = ["Wir suchen zum nächstmöglichen Zeitpunkt", "in Voll- oder Teilzeit", "mit Erfahrung in der Pflege",
           "für unser wachsendes Team", "flexible Arbeitszeiten und Homeoffice", "betriebliche Altersvorsorge",
           "Weiterbildung und Entwicklung", "unbefristeter Arbeitsvertrag", "Kenntnisse in Python und PostgreSQL",
           "Führerschein Klasse B", "Schichtdienst mit Zuschlägen", "attraktive Vergütung nach Tarif"]
CITIES = ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Leipzig",
          "Dortmund", "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg"]
TYPES = ["full_time", "part_time", "contract", "temporary", "internship", "apprenticeship", "working_student"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the bare comparison server ------------------------------------------------------------------------------------
def bare_app(database_url: str):
    """FastAPI + asyncpg and nothing else, running the service's own job-board SQL."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Query, Response
    from recruiting_postings.adapters.job_board import BoardQuery, board_sql

    state: dict = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state["pool"] = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/api/jobs")
    async def jobs(q: str | None = None, location: str | None = None, employment_type: str | None = None,
                   page: int = Query(1, ge=1), page_size: int = Query(20, ge=1, le=100)) -> Response:
        sql = board_sql(BoardQuery(q or None, location or None, employment_type, page, page_size), datetime.now(UTC))
        async with state["pool"].acquire() as conn:
            rows = await conn.fetch(sql.items, *sql.args)
            total = await conn.fetchval(sql.count, *sql.count_args)
        body = {"items": [dict(row) for row in rows], "total": total, "page": page, "page_size": page_size}
        return Response(json.dumps(body, default=str), media_type="application/json")

    return app


def serve_bare(port: int, database_url: str) -> None:
    import uvicorn

    uvicorn.run(bare_app(database_url), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the run -------------------------------------------------------------------------------------------------------
class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_id = "bench" + uuid.uuid4().hex[:8]
        self.database = f"recruiting_postings_{self.run_id}"
        self.database_url = f"{POSTGRES_URL.rstrip('/')}/{self.database}"
        self.exchange = f"recruiting.events.{self.run_id}"
        self.queue_prefix = f"{self.run_id}."
        self.processes: list[subprocess.Popen] = []

    def start(self, command: list[str], env: dict[str, str]) -> None:
        self.processes.append(subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL))

    async def start_servers(self) -> tuple[str, str]:
        service_port, bare_port = free_port(), free_port()
        self.start([sys.executable, "-m", "recruiting_postings.bootstrap"], {
            "POSTGRES_URL": POSTGRES_URL, "AMQP_URL": AMQP_URL, "DATABASE_NAME": self.database,
            "EXCHANGE_NAME": self.exchange, "QUEUE_PREFIX": self.queue_prefix, "PORT": str(service_port),
            "LOG_LEVEL": "WARNING"})
        service_url = f"http://127.0.0.1:{service_port}"
        await wait_for(f"{service_url}/readyz")  # the service has migrated its database by then
        self.start([sys.executable, __file__, "--serve-bare", str(bare_port), self.database_url], {})
        bare_url = f"http://127.0.0.1:{bare_port}"
        await wait_for(f"{bare_url}/api/jobs")
        return service_url, bare_url

    async def seed(self) -> None:
        rng = random.Random(4)
        now = datetime.now(UTC)
        companies = [(uuid.uuid4(), f"Firma {i} GmbH", now) for i in range(200)]
        rows = []
        for i in range(self.args.postings):
            published = now - timedelta(minutes=i)
            low = rng.randrange(30_000, 70_000, 1000)
            rows.append((
                uuid.uuid4(), rng.choice(companies)[0], "published", f"{rng.choice(ROLES)} (m/w/d)",
                ". ".join(rng.sample(PHRASES, 5)), rng.choice(CITIES), rng.choice(TYPES), rng.random() < 0.3,
                low, low + 15_000, rng.random() < 0.5, now + timedelta(days=rng.randint(10, 90)),
                "intern", "REF", published, published, published,
            ))
        conn = await asyncpg.connect(self.database_url)
        try:
            await conn.copy_records_to_table("companies", records=companies,
                                             columns=["company_id", "name", "registered_at"])
            await conn.copy_records_to_table("postings", records=rows, columns=[
                "id", "company_id", "status", "title", "description", "location", "employment_type", "remote",
                "salary_min", "salary_max", "show_salary", "closes_at", "internal_notes", "internal_reference",
                "created_at", "updated_at", "published_at"])
            # The state autovacuum leaves a table in: statistics and visibility map, as on a board that has run a while.
            await conn.execute("VACUUM ANALYZE postings")
            await conn.execute("VACUUM ANALYZE companies")
        finally:
            await conn.close()

    async def query_time_ms(self, params: dict) -> float:
        """The median time of the page query and the count query alone, in PostgreSQL, over 30 runs."""
        from recruiting_postings.adapters.job_board import BoardQuery, board_sql

        sql = board_sql(BoardQuery(**params), datetime.now(UTC))
        conn = await asyncpg.connect(self.database_url)
        try:
            times = []
            for _ in range(30):
                started = time.perf_counter()
                await conn.fetch(sql.items, *sql.args)
                await conn.fetchval(sql.count, *sql.count_args)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            await conn.close()
        return statistics.median(times)

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
            for name in ("postings.quota", "postings.companies"):
                for queue in (f"{self.queue_prefix}{name}", f"{self.queue_prefix}{name}.dlq"):
                    channel = await connection.channel()
                    try:
                        await channel.queue_delete(queue)
                    except Exception:
                        pass
            for exchange in (self.exchange, f"{self.exchange}.dlx"):
                channel = await connection.channel()
                try:
                    await channel.exchange_delete(exchange)
                except Exception:
                    pass
        conn = await asyncpg.connect(f"{POSTGRES_URL.rstrip('/')}/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        finally:
            await conn.close()


async def wait_for(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


async def load(url: str, params: dict, *, seconds: float, concurrency: int) -> dict:
    """Closed-loop load: `concurrency` clients, each sending its next request when the last one is answered."""
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.get("/api/jobs", params=params)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        await client.get("/api/jobs", params=params)  # warm the connection and the server's prepared statements
        started = time.monotonic()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "requests": len(latencies), "failures": failures}


async def main(args: argparse.Namespace) -> None:
    run = Run(args)
    try:
        service_url, bare_url = await run.start_servers()
        await run.seed()
        async with httpx.AsyncClient(base_url=service_url) as client:
            total = (await client.get("/api/jobs")).json()["total"]
        print(f"postings service vs bare FastAPI + asyncpg, {total} published postings, "
              f"{args.concurrency} concurrent requests, {args.seconds:g} s per scenario and server, "
              f"{os.cpu_count()} CPU cores shared by servers, PostgreSQL and the load generator\n")
        print(f"{'scenario':<28}{'server':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'SQL ms':>9}{'errors':>8}")
        for name, params in SCENARIOS:
            sql_ms = await run.query_time_ms(params)
            for label, url in (("service", service_url), ("bare", bare_url)):
                figures = await load(url, params, seconds=args.seconds, concurrency=args.concurrency)
                print(f"{name:<28}{label:<10}{figures['rps']:>9.0f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}"
                      f"{sql_ms:>9.2f}{figures['failures']:>8}", flush=True)
    finally:
        await run.cleanup()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(main(parser.parse_args()))
