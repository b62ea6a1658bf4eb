"""6. Invoicing: N subscriptions reach the end of their period; the billing service's own handlers renew them
(charge + subscription.renewed in the outbox), issue their invoices (gapless numbers, one transaction each, as its
consumer does) and render every invoice to EN 16931 XML and a PDF with the XML embedded (in a process pool of one
worker per core) and store both. This is the billing engineer's bench/billing.py pipeline, run in this process on a
database of the run: the figure is the work of the renewal path, without the broker hop between the daily run and
the invoicing consumer. Throughput: invoices with PDF and XML stored per second, from the start of the renewals;
p50/p99: when half / 99 % of the invoices had their documents stored.
Baseline: the rendering alone, in the same size of process pool, no database: N/2 invoices (issued beforehand in a
database of their own, not timed) rendered before the platform's run and again after it, taken as one batch."""

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
from ..results import Row, batch_figures, figures_from

NAME = "invoicing"
ISSUING_CONCURRENCY = 8


class Billing:
    """A billing database of the run with N subscriptions due for renewal, and the service's handlers on it."""

    def __init__(self, env: BenchEnvironment, name: str, count: int) -> None:
        self.env, self.database, self.count = env, env.database(name), count
        self.today = date.today()

    async def __aenter__(self) -> "Billing":
        await db.prepare_database(self.env.postgres_url, self.database, MIGRATIONS)
        settings = BillingSettings(postgres_url=self.env.postgres_url, database_name=self.database)
        self.context = BillingContext.create(settings, clock=lambda: self.today)
        self.pool = await db.create_pool(settings.database_url, max_size=ISSUING_CONCURRENCY + 2)
        self.subscriptions = await billing_bench.seed(self.pool, self.count, self.today)
        return self

    async def renew_and_issue(self) -> list:
        renewed = await renew_due_subscriptions(self.pool, self.context, self.today)
        invoices = await billing_bench.issue_all(self.pool, self.context, self.subscriptions, ISSUING_CONCURRENCY)
        if not renewed == len(invoices) == self.count:
            raise RuntimeError(f"{self.count} due, {renewed} renewed, {len(invoices)} invoiced")
        return invoices

    async def __aexit__(self, *exc_info) -> None:
        await self.pool.close()


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    workers = os.cpu_count() or 2
    async with Billing(env, "billing_baseline", max(1, sizes.invoices // 2)) as baseline_billing:
        baseline_invoices = await baseline_billing.renew_and_issue()
    baseline_before = await render_alone(baseline_invoices, workers)
    async with Billing(env, "billing_invoicing", sizes.invoices) as billing:
        started_wall, started = time.time(), time.perf_counter()
        invoices = await billing.renew_and_issue()
        stored = await billing_bench.render_all(billing.pool, invoices, workers)
        seconds = time.perf_counter() - started
        stored_at = [row["created_at"].timestamp() - started_wall
                     for row in await billing.pool.fetch("SELECT created_at FROM invoice_documents")]
    if stored != sizes.invoices:
        raise RuntimeError(f"{sizes.invoices} invoices, {stored} rendered and stored")
    baseline_after = await render_alone(baseline_invoices, workers)
    platform = figures_from(stored_at, stored, seconds)
    return [Row(f"invoicing: {sizes.invoices} renewals -> PDF+XML", "invoices", platform,
                f"rendering alone, {workers} processes", batch_figures([baseline_before, baseline_after]),
                notes={"render_processes": workers, "issuing_concurrency": ISSUING_CONCURRENCY,
                       "latency_is": "time until 50 % / 99 % of the invoices were stored"})]


async def render_alone(invoices: list, workers: int) -> tuple[list[float], float]:
    """XML + PDF of each invoice in a fresh process pool (as render_all starts one): when each was done, and the
    length of the run."""
    loop = asyncio.get_running_loop()
    done: list[float] = []
    with ProcessPoolExecutor(workers) as executor:
        started = time.perf_counter()

        async def one(invoice) -> None:
            await loop.run_in_executor(executor, render, invoice)
            done.append(time.perf_counter() - started)

        await asyncio.gather(*(one(invoice) for invoice in invoices))
        seconds = time.perf_counter() - started
    return done, seconds
