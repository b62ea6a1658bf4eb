"""Benchmark: applying with a 200 KB PDF to the real applications service, side by side with a bare endpoint that
stores the same bytes unencrypted, in one run.

    uv run python bench/applications.py [--requests 200] [--concurrency 8] [--pdf-kb 200]

What runs: the real applications service process on a fresh database, exchange, queues, key vault and SMTP sink of
its own (on the local PostgreSQL and RabbitMQ: POSTGRES_URL / AMQP_URL), and a second process (this file with
--serve-bare) that runs the same streaming multipart reader and the same PDF check, then writes the fields and the
document bytes in clear into a table in one transaction: no envelope encryption, no key vault, no outbox, no
e-mail. One load generator (httpx, `concurrency` requests in flight) sends the same requests to each in turn.

Prints per server: applications per second, p50 and p99 latency; for the real service also the time spent
sealing and storing the data key (its `applications_encryption_seconds` metric) and that time's share of the mean
latency. The load generator shares the machine, so the figures compare the two servers, not absolute capacity.
Everything it created is removed at the end."""


import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
import asyncpg
import httpx

POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_pdf(marker: str, size: int) -> bytes:
    """A one-page PDF with text, padded with an unreferenced stream to about `size` bytes."""
    def assemble(objects: list[bytes]) -> bytes:
        out, offsets = bytearray(b"%PDF-1.4\n"), []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)

    def stream(data: bytes) -> bytes:
        return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"

    padding = os.urandom(max(size - 700, 0))
    return assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream(f"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET".encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", stream(padding),
    ])


# --- the bare endpoint -------------------------------------------------------------------------------------------------
BARE_TABLE = """CREATE TABLE IF NOT EXISTS bare_applications (
    application_id uuid PRIMARY KEY, posting_id uuid NOT NULL, fields jsonb NOT NULL, submitted_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS bare_documents (
    document_id uuid PRIMARY KEY, application_id uuid NOT NULL REFERENCES bare_applications, filename text, content bytea)"""


def serve_bare(port: int, database_url: str) -> None:
    import uvicorn
    from fastapi import FastAPI, Request
    from recruiting_applications.adapters.pdf import inspect_pdf
    from recruiting_applications.adapters.upload import read_form

    app = FastAPI()
    state: dict = {}

    @app.on_event("startup")
    async def start() -> None:
        state["pool"] = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
        async with state["pool"].acquire() as conn:
            await conn.execute(BARE_TABLE)

    @app.get("/readyz")
    async def ready() -> dict:
        return {"status": "ready"}

    @app.post("/api/applications", status_code=201)
    async def submit(request: Request) -> dict:
        form = await read_form(request.headers.get("content-type"), request.stream(), file_field="documents",
                               max_files=5, max_file_bytes=10 * 1024 * 1024)
        for document in form.files:
            await asyncio.to_thread(inspect_pdf, document.content)
        application_id = uuid.uuid4()
        async with state["pool"].acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO bare_applications (application_id, posting_id, fields) VALUES ($1, $2, $3::jsonb)",
                               application_id, uuid.UUID(form.fields["posting_id"]),
                               __import__("json").dumps(form.fields))
            for document in form.files:
                await conn.execute("INSERT INTO bare_documents VALUES ($1, $2, $3, $4)", uuid.uuid4(), application_id,
                                   document.filename, document.content)
        return {"application_id": str(application_id), "status": "received"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# --- the run -----------------------------------------------------------------------------------------------------------
async def wait_ready(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"server at {url} exited with {process.returncode}")
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"server at {url} not ready")


async def drive(url: str, posting_id: str, pdf: bytes, requests: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            fields = {"posting_id": posting_id, "first_name": f"Bench{n}", "last_name": "Applicant",
                      "email": f"bench{n}@example.org", "privacy_consent": "true"}
            started = time.perf_counter()
            response = await client.post("/api/applications", data=fields,
                                         files=[("documents", ("cv.pdf", pdf, "application/pdf"))])
            latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await worker_warmup(client, posting_id, pdf)
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


async def worker_warmup(client: httpx.AsyncClient, posting_id: str, pdf: bytes) -> None:
    for n in range(3):
        await client.post("/api/applications", data={"posting_id": posting_id, "first_name": "Warm", "last_name": "Up",
                                                      "email": f"warm{n}@example.org", "privacy_consent": "true"},
                          files=[("documents", ("cv.pdf", pdf, "application/pdf"))])


async def service_metrics(url: str) -> dict[str, float]:
    """Sum and count of the service's own timing histograms."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{url}/metrics")).text
    return {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
            if line.startswith("applications_") and ("_sum " in line or "_count " in line)}


def per_application_ms(before: dict, after: dict, name: str) -> float:
    count = after.get(f"{name}_count", 0) - before.get(f"{name}_count", 0)
    return (after.get(f"{name}_sum", 0) - before.get(f"{name}_sum", 0)) / count * 1000 if count else 0.0


def report(name: str, latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)
    figures = {"rate": len(latencies) / elapsed, "p50": statistics.median(ordered) * 1000,
               "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
               "mean": statistics.fmean(ordered) * 1000}
    print(f"{name:<34} {figures['rate']:8.1f} applications/s   p50 {figures['p50']:7.1f} ms   "
          f"p99 {figures['p99']:7.1f} ms")
    return figures


async def main(args: argparse.Namespace) -> None:
    from recruiting_shared import db
    from recruiting_shared.devmail import start_mailbox

    run_id = "bench" + uuid.uuid4().hex[:8]
    database, bare_database = f"recruiting_applications_{run_id}", f"recruiting_applications_bare_{run_id}"
    workdir = Path(tempfile.mkdtemp(prefix="applications-bench-"))
    smtp_port = free_port()
    controller, _ = start_mailbox(workdir / "mail", "127.0.0.1", smtp_port)
    port, bare_port = free_port(), free_port()
    env = {**os.environ, "POSTGRES_URL": POSTGRES_URL, "AMQP_URL": AMQP_URL, "DATABASE_NAME": database,
           "EXCHANGE_NAME": f"recruiting.events.{run_id}", "QUEUE_PREFIX": f"{run_id}.", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp_port), "PORT": str(port), "DATA_DIR": str(workdir / "data"), "LOG_LEVEL": "WARNING"}
    await db.ensure_database(POSTGRES_URL, bare_database)
    service = subprocess.Popen([sys.executable, "-m", "recruiting_applications.bootstrap"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bare = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(bare_port), f"{POSTGRES_URL}/{bare_database}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sink = await bind_event_sink(run_id)
    try:
        await wait_ready(f"http://127.0.0.1:{port}", service)
        await wait_ready(f"http://127.0.0.1:{bare_port}", bare)
        posting_id = str(uuid.uuid4())
        conn = await asyncpg.connect(f"{POSTGRES_URL}/{database}")
        try:  # the benchmark's own fixture: an open posting, as the posting.published consumer would record it
            await conn.execute("INSERT INTO postings (posting_id, company_id, published_at) VALUES ($1, $2, now())",
                               uuid.UUID(posting_id), uuid.uuid4())
        finally:
            await conn.close()
        pdf = make_pdf("benchmark", args.pdf_kb * 1024)
        print(f"{args.requests} applications, {args.concurrency} in flight, one {len(pdf) // 1024} KB PDF each\n")

        bare_latencies, bare_elapsed = await drive(f"http://127.0.0.1:{bare_port}", posting_id, pdf, args.requests,
                                                   args.concurrency)
        bare_figures = report("bare (same parse + check, clear)", bare_latencies, bare_elapsed)
        before = await service_metrics(f"http://127.0.0.1:{port}")
        latencies, elapsed = await drive(f"http://127.0.0.1:{port}", posting_id, pdf, args.requests, args.concurrency)
        figures = report("applications service (encrypted)", latencies, elapsed)
        after = await service_metrics(f"http://127.0.0.1:{port}")
        sealing = per_application_ms(before, after, "applications_encryption_seconds")
        vault = per_application_ms(before, after, "applications_key_vault_seconds")
        mean = figures["mean"]
        print(f"\nper application, of a mean latency of {mean:.1f} ms:")
        print(f"  AES-GCM sealing of the fields and the document   {sealing:7.2f} ms  {sealing / mean * 100:5.1f} %")
        print(f"  wrapping the data key + durable vault write      {vault:7.2f} ms  {vault / mean * 100:5.1f} %")
        print(f"the service vs the bare endpoint: {figures['rate'] / bare_figures['rate'] * 100:.0f} % of its rate, "
              f"p99 {figures['p99'] / bare_figures['p99']:.2f}x")
    finally:
        for process in (service, bare):
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
        await sink.close()
        await db.drop_database(POSTGRES_URL, database)
        await db.drop_database(POSTGRES_URL, bare_database)
        await delete_broker_objects(run_id)


async def bind_event_sink(run_id: str):
    """A queue bound to the service's events, as retention is in production: without a binding the outbox would
    keep retrying unroutable events and the figures would include that."""
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(f"recruiting.events.{run_id}", aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange, routing_key="#")
    return connection


async def delete_broker_objects(run_id: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        for name in ("postings", "erasure"):
            for queue in (f"{run_id}.applications.{name}", f"{run_id}.applications.{name}.dlq"):
                channel = await connection.channel()
                try:
                    await channel.queue_delete(queue)
                except Exception:
                    pass
        for exchange in (f"recruiting.events.{run_id}", f"recruiting.events.{run_id}.dlx"):
            channel = await connection.channel()
            try:
                await channel.exchange_delete(exchange)
            except Exception:
                pass


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pdf-kb", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
