"""The benchmark suite's smoke test: every scenario at a tiny size, through the real command (`python -m bench`,
what bin/bench runs), against the real PostgreSQL and RabbitMQ. It proves the scenarios work end to end and that
the run cleans up after itself; it asserts nothing about speed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import aio_pika
import asyncpg
import pytest

from tests.support.processes import REPO_ROOT

SCENARIOS = {"job_board", "applying", "event_pipeline", "login", "erasures", "invoicing"}


@pytest.fixture(scope="module")
def tiny_run(infra, tmp_path_factory):
    results = tmp_path_factory.mktemp("bench") / "results.json"
    env = {**os.environ, "POSTGRES_URL": infra.postgres_url, "AMQP_URL": infra.amqp_url}
    completed = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--seconds", "1", "--json", str(results)],
                               cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=540)
    return completed, json.loads(results.read_text()) if results.exists() else None


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_scenario_reports_a_row_with_positive_figures(tiny_run):
    completed, results = tiny_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert results["failures"] == {}
    assert {row["key"] for row in results["rows"]} == SCENARIOS
    for row in results["rows"]:
        for side in ("platform", "baseline"):
            figures = row[side]
            assert figures["count"] > 0 and figures["seconds"] > 0, (row["scenario"], side, figures)
            assert figures["throughput"] > 0 and figures["p50_ms"] > 0 and figures["p99_ms"] >= figures["p50_ms"], \
                (row["scenario"], side, figures)
            assert figures["errors"] == 0, (row["scenario"], side, figures)
        assert row["ratio"] == pytest.approx(row["platform"]["throughput"] / row["baseline"]["throughput"])
        assert row["baseline_name"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_table_has_a_line_per_row_with_its_baseline_and_ratio(tiny_run):
    completed, results = tiny_run
    lines = completed.stdout.splitlines()
    assert lines[0].split("|")[0].strip() == "scenario"
    for column in ("throughput", "p50", "p99", "baseline", "ratio"):
        assert column in lines[0]
    for row in results["rows"]:
        line = next((l for l in lines if l.startswith(row["scenario"])), None)
        assert line is not None, f"no table line for {row['scenario']}"
        cells = [cell.strip() for cell in line.split("|")]
        assert cells[4] == row["baseline_name"]
        assert float(cells[-1]) == pytest.approx(row["ratio"], abs=0.006)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_run_removes_its_databases_queues_and_exchange(tiny_run, infra):
    _, results = tiny_run
    run_id = results["run_id"]

    async def leftovers() -> tuple[list[str], list[str]]:
        conn = await asyncpg.connect(f"{infra.postgres_url.rstrip('/')}/postgres")
        try:
            databases = [r["datname"] for r in await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE '%' || $1", run_id)]
        finally:
            await conn.close()
        present = []
        connection = await aio_pika.connect(infra.amqp_url)
        async with connection:
            names = [f"{run_id}.{name}" for name in ("retention.schedule", "retention.erasures", "postings.quota",
                                                     "applications.postings", "baseline.pipeline",
                                                     "baseline.commands", "baseline.replies")]
            for name in names:
                channel = await connection.channel()
                try:
                    await channel.declare_queue(name, passive=True)
                    present.append(name)
                except aio_pika.exceptions.ChannelClosed:
                    pass
            channel = await connection.channel()
            try:
                await channel.declare_exchange(f"recruiting.events.{run_id}", passive=True)
                present.append("exchange")
            except aio_pika.exceptions.ChannelClosed:
                pass
        return databases, present

    databases, broker_objects = asyncio.run(leftovers())
    assert databases == []
    assert broker_objects == []
