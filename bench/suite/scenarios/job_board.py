"""1. The public job board through the gateway, N published postings, against a bare FastAPI + asyncpg endpoint
that runs the same SQL on the same database (the postings engineer's `bench/postings.py --serve-bare`)."""

from __future__ import annotations

import argparse
from functools import partial
from urllib.parse import urlencode

from bench import postings as postings_bench

from ..environment import BenchEnvironment
from ..load import HttpRequest, http_load
from ..results import Row, alternating

NAME = "job_board"
QUERIES = [("job board, newest page", {}), ("job board, search", {"q": "entwickler"})]


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    service = await env.service("postings")
    database = service.env["DATABASE_NAME"]
    seeder = postings_bench.Run(argparse.Namespace(postings=sizes.postings))
    seeder.database_url = f"{env.postgres_url}/{database}"
    await seeder.seed()  # straight into the tables, as published postings of 200 companies: seeding is not measured
    gateway = await env.gateway(postings=service.url)
    bare_url = await env.bare_server("postings.py", database, ready_path="/api/jobs")
    rows = []
    for label, params in QUERIES:
        query = f"/api/jobs?{urlencode(params)}" if params else "/api/jobs"
        load = partial(http_load, seconds=sizes.round_seconds, connections=sizes.connections)
        platform, baseline = await alternating(partial(load, HttpRequest("GET", gateway.url + query)),
                                               partial(load, HttpRequest("GET", bare_url + query)), sizes.rounds)
        rows.append(Row(f"{label} ({sizes.postings} postings)", "req", platform, "bare FastAPI+asyncpg, same SQL",
                        baseline, notes={"path": query, "connections": sizes.connections}))
    return rows
