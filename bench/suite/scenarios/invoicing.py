"""6. Invoicing: N subscriptions reach the end of their period; the billing service's own handlers renew them
(charge + subscription.renewed in the outbox), issue their invoices (gapless numbers, one transaction each, as its
consumer does) and render every invoice to EN 16931 XML and a PDF with the XML embedded (in a process pool of one
worker per core) and store both. This is the billing engineer's bench/billing.py pipeline, run in this process on a
database of the run: the figure is the work of the renewal path, without the broker hop between the daily run and
the invoicing consumer. Throughput: invoices with PDF and XML stored per second, from the start of the renewals;
p50/p99: when half / 99 % of the invoices had their documents stored.
Baseline: the rendering alone, the same invoices in the same size of process pool, no database."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date

from recruiting_billing.bootstrap import MIGRATIONS
from recruiting_billing.config import BillingSettings
from recruiting_billing.service_layer.context import BillingContext
from recruiting_billing.service_layer.invoicing import render
from recruiting_billing.service_layer.subscriptions import renew_due_subscriptions
from recruiting_shared import db

from bench import billing as billing_bench

from ..environment import BenchEnvironment
from ..results import Figures, Row, figures_from

NAME = "invoicing"
ISSUING_CONCURRENCY = 8


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    database = env.database("billing_invoicing")
    await db.prepare_database(env.postgres_url, database, MIGRATIONS)
    settings = BillingSettings(postgres_url=env.postgres_url, database_name=database)
    today = date.today()
    context = BillingContext.create(settings, clock=lambda: today)
    workers = os.cpu_count() or 2
    pool = await db.create_pool(settings.database_url, max_size=ISSUING_CONCURRENCY + 2)
    try:
        subscriptions = await billing_bench.seed(pool, sizes.invoices, today)
        started_wall, started = time.time(), time.perf_counter()
        renewed = await renew_due_subscriptions(pool, context, today)
        invoices = await billing_bench.issue_all(pool, context, subscriptions, ISSUING_CONCURRENCY)
        stored = await billing_bench.render_all(pool, invoices, workers)
        seconds = time.perf_counter() - started
        stored_at = [row["created_at"].timestamp() - started_wall
                     for row in await pool.fetch("SELECT created_at FROM invoice_documents")]
    finally:
        await pool.close()
    if not renewed == len(invoices) == stored == sizes.invoices:
        raise RuntimeError(f"{sizes.invoices} due, {renewed} renewed, {len(invoices)} invoiced, {stored} rendered")
    platform = figures_from(stored_at, stored, seconds)
    baseline = await render_alone(invoices, workers)
    return [Row(f"invoicing: {sizes.invoices} renewals -> PDF+XML", "invoices", platform,
                f"rendering alone, {workers} processes", baseline,
                notes={"render_processes": workers, "issuing_concurrency": ISSUING_CONCURRENCY,
                       "latency_is": "time until 50 % / 99 % of the invoices were stored"})]


async def render_alone(invoices: list, workers: int) -> Figures:
    loop = asyncio.get_running_loop()
    done: list[float] = []
    with ProcessPoolExecutor(workers) as executor:
        started = time.perf_counter()

        async def one(invoice) -> None:
            await loop.run_in_executor(executor, render, invoice)
            done.append(time.perf_counter() - started)

        await asyncio.gather(*(one(invoice) for invoice in invoices))
        seconds = time.perf_counter() - started
    return figures_from(done, len(done), seconds)
