"""5. Retention: N due erasures confirmed. N applications whose deadline has passed are written into retention's
schedule (one transaction; seeding is not measured, the clock starts at its commit). The real retention process
sweeps them, publishes retention.erasure_due through its outbox, a stand-in for the applications service answers
each with application.erased (the retention engineer's stand-in from bench/retention.py: the real applications
service would first need N complete applications with encrypted documents), and retention's consumer completes the
erasure log. Throughput: erasures confirmed per second; p50/p99: when half / 99 % of them were confirmed.
Baseline: the same two broker hops with raw aio-pika and no database (broker.raw_round_trip), half of N before
the platform's run and half after it, taken together as one batch."""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from types import SimpleNamespace

import asyncpg

from bench import retention as retention_bench

from .. import broker
from ..environment import BenchEnvironment
from ..results import Figures, Row, batch_figures

NAME = "erasures"
POLL_SECONDS = 0.5


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    count = sizes.erasures
    for name in ("commands", "replies"):
        env.track_queue(f"{env.queue_prefix}baseline.{name}")
    # The baseline is measured half before and half after the platform: both see the same stretch of other load.
    baseline_before = await broker.raw_round_trip(env.amqp_url, env.queue_prefix, count=max(1, count // 2))
    service = await env.service("retention", database="retention_erasures", RETENTION_SWEEP_SECONDS="1",
                                RETENTION_SWEEP_BATCH=str(sizes.sweep_batch), RETENTION_CONFIRM_SECONDS="3600")
    database = service.env["DATABASE_NAME"]
    bench_run = SimpleNamespace(exchange=env.exchange, queue_prefix=env.queue_prefix, run_id=env.run_id,
                                database=database)
    env.track_queue(f"{env.queue_prefix}bench.applications")
    stand_in = await retention_bench.stand_in_for_applications(bench_run)
    try:
        started = await retention_bench.seed(bench_run, count)
        platform = await confirmations(f"{env.postgres_url}/{database}", count, started,
                                       timeout=max(600, count / 5))
    finally:
        await stand_in.close()
    env.stop_processes()  # the baseline gets the machine to itself
    baseline_after = await broker.raw_round_trip(env.amqp_url, env.queue_prefix, count=max(1, count - count // 2))
    baseline = batch_figures([baseline_before, baseline_after])
    return [Row(f"retention: {count} due erasures confirmed", "erasures", platform,
                "raw aio-pika command+reply, no database", baseline,
                notes={"sweep_batch": sizes.sweep_batch, "latency_is": "time until 50 % / 99 % were confirmed"})]


async def confirmations(database_url: str, count: int, started: float, *, timeout: float) -> Figures:
    """Polls the erasure log until all `count` erasures are confirmed; the samples give when each share was done."""
    samples: list[tuple[float, int]] = []
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            confirmed = await conn.fetchval("SELECT count(*) FROM erasure_log WHERE erased_at IS NOT NULL")
            elapsed = time.monotonic() - started
            samples.append((elapsed, confirmed))
            if confirmed >= count:
                break
            if elapsed > timeout:
                raise RuntimeError(f"{confirmed} of {count} erasures confirmed after {elapsed:.0f} s")
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await conn.close()

    def done_after(share: float) -> float:
        needed = math.ceil(share * count)
        return next(elapsed for elapsed, confirmed in samples if confirmed >= needed)

    total = samples[-1][0]
    return Figures(count / total, done_after(0.5) * 1000, done_after(0.99) * 1000, count, total)
