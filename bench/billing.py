"""Benchmark of the billing service's renewal path: N subscriptions reach the end of their period; the daily run
renews them (charge + events), the invoicing handler issues their invoices (gapless numbers, as the consumer does),
and every invoice is rendered to XML (EN 16931 CII, XSD-checked) and PDF (Factur-X with the XML embedded) in a
process pool and stored. Prints the figures of each stage and invoices per second end to end.

    uv run python bench/billing.py                # 10,000 subscriptions
    uv run python bench/billing.py --count 500 --workers 2 --concurrency 8

Uses a throw-away database on POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432); needs no broker."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

from recruiting_billing.adapters.repository import Repository
from recruiting_billing.bootstrap import MIGRATIONS
from recruiting_billing.config import BillingSettings
from recruiting_billing.domain.periods import Period
from recruiting_billing.service_layer.context import BillingContext
from recruiting_billing.service_layer.invoicing import issue_invoices_for_subscription, render
from recruiting_billing.service_layer.subscriptions import renew_due_subscriptions
from recruiting_shared import db


async def seed(pool, count: int, today: date) -> list[uuid.UUID]:
    """`count` companies with a German profile and a monthly subscription whose period ended yesterday."""
    period = Period(today - timedelta(days=31), today - timedelta(days=1))
    companies = [uuid.uuid4() for _ in range(count)]
    subscriptions = [uuid.uuid4() for _ in range(count)]
    async with pool.acquire() as conn:
        await conn.copy_records_to_table("billing_profiles", records=[
            (c, f"Kunde {n} GmbH", "Hauptstraße 5", "80331", "München", "DE", "DE136695976", f"billing{n}@example.com")
            for n, c in enumerate(companies)],
            columns=["company_id", "legal_name", "street", "postal_code", "city", "country", "vat_id", "billing_email"])
        await conn.copy_records_to_table("subscriptions", records=[
            (s, c, ("starter", "business", "enterprise")[n % 3], "monthly", "active", period.start, period.end,
             period.start) for n, (s, c) in enumerate(zip(subscriptions, companies))],
            columns=["id", "company_id", "package_id", "cycle", "status", "period_start", "period_end", "started_on"])
    return subscriptions


async def issue_all(pool, context, subscriptions, concurrency: int) -> list:
    queue = asyncio.Queue()
    for subscription_id in subscriptions:
        queue.put_nowait(subscription_id)
    issued = []

    async def worker():
        while not queue.empty():
            subscription_id = queue.get_nowait()
            async with pool.acquire() as conn, conn.transaction():
                issued.extend(await issue_invoices_for_subscription(conn, context, subscription_id))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return issued


async def render_all(pool, invoices, workers: int) -> int:
    loop = asyncio.get_running_loop()
    stored = 0
    with ProcessPoolExecutor(workers) as executor:
        chunk = 200
        for start in range(0, len(invoices), chunk):
            batch = invoices[start:start + chunk]
            documents = await asyncio.gather(*(loop.run_in_executor(executor, render, i) for i in batch))
            async with pool.acquire() as conn, conn.transaction():
                for invoice, (pdf, xml) in zip(batch, documents):
                    stored += await Repository(conn).add_documents(invoice_id=invoice.id, pdf=pdf, xml=xml)
    return stored


def _children_cpu_seconds() -> float:
    """CPU time of finished child processes (the render pool's workers once it has shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def line(stage: str, count: int, seconds: float) -> None:
    print(f"{stage:<34} {count:>7} in {seconds:8.2f} s  = {count / seconds:9.1f} /s")


async def main(count: int, workers: int, concurrency: int) -> None:
    server = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    name = f"recruiting_billing_bench_{uuid.uuid4().hex[:8]}"
    settings = BillingSettings(postgres_url=server, database_name=name)
    today = date.today()
    context = BillingContext.create(settings, clock=lambda: today)
    await db.prepare_database(server, name, MIGRATIONS)
    pool = await db.create_pool(settings.database_url, max_size=concurrency + 2)
    try:
        subscriptions = await seed(pool, count, today)
        print(f"billing benchmark: {count} subscriptions due for renewal, {os.cpu_count()} cores, "
              f"{workers} render processes, {concurrency} concurrent issuers, "
              f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")
        started = time.perf_counter()
        renewed = await renew_due_subscriptions(pool, context, today)
        renewed_at = time.perf_counter()
        line("renewals (charge + 1 event each)", renewed, renewed_at - started)
        invoices = await issue_all(pool, context, subscriptions, concurrency)
        issued_at = time.perf_counter()
        line("invoices issued (numbered)", len(invoices), issued_at - renewed_at)
        numbers = sorted(int(i.number.rsplit("-", 1)[1]) for i in invoices)
        assert numbers == list(range(1, len(invoices) + 1)), "numbers are not gapless"
        children_cpu = _children_cpu_seconds()
        stored = await render_all(pool, invoices, workers)
        rendered_at = time.perf_counter()
        render_cpu = _children_cpu_seconds() - children_cpu
        line("rendered XML + PDF and stored", stored, rendered_at - issued_at)
        print(f"{'render CPU per invoice':<34} {1000 * render_cpu / max(stored, 1):7.1f} ms  "
              f"(load-independent: {stored / render_cpu if render_cpu else 0:.1f} /s per core)")
        line("end to end", len(invoices), rendered_at - started)
        async with pool.acquire() as conn:
            size = await conn.fetchval("SELECT avg(length(pdf))::int FROM invoice_documents")
        print(f"average PDF size: {size / 1024:.0f} KiB; numbers RE-{today.year}-000001..{len(invoices):06d} gapless")
    finally:
        await pool.close()
        await db.drop_database(server, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="render processes")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent issuing transactions")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.workers, args.concurrency))
