"""2. Applying with one PDF of about 200 KB through the gateway (the real applications service: streaming parse,
PDF check, envelope encryption, key vault, outbox, e-mail), against a bare endpoint that runs the same parse and
check and stores the same bytes unencrypted (the applications engineer's `bench/applications.py --serve-bare`)."""

from __future__ import annotations

import argparse
import uuid

import asyncpg

from bench import applications as applications_bench

from ..environment import BenchEnvironment
from ..load import HttpRequest, http_load, multipart
from ..results import Row, alternating

NAME = "applying"


async def run(env: BenchEnvironment, sizes: argparse.Namespace) -> list[Row]:
    sink = await env.event_sink()
    try:
        service = await env.service("applications")
        posting_id = await open_posting(f"{env.postgres_url}/{service.env['DATABASE_NAME']}")
        bare_url = await env.bare_server("applications.py", env.database("applications_bare"), ready_path="/readyz")
        gateway = await env.gateway(applications=service.url)
        pdf = applications_bench.make_pdf("benchmark", sizes.pdf_kb * 1024)
        body, content_type = multipart(
            {"posting_id": str(posting_id), "first_name": "Bench", "last_name": "Applicant",
             "email": "bench.applicant@example.org", "privacy_consent": "true"},
            [("documents", ("cv.pdf", pdf, "application/pdf"))])
        headers = {"Content-Type": content_type}
        platform, baseline = await alternating(
            lambda: http_load(HttpRequest("POST", gateway.url + "/api/applications", headers, body),
                              seconds=sizes.round_seconds, connections=sizes.upload_connections),
            lambda: http_load(HttpRequest("POST", bare_url + "/api/applications", headers, body),
                              seconds=sizes.round_seconds, connections=sizes.upload_connections),
            sizes.rounds)
    finally:
        await sink.close()
    return [Row(f"apply with a {len(pdf) // 1024} KB PDF", "applications", platform,
                "bare endpoint, same parse, stored in clear", baseline,
                notes={"connections": sizes.upload_connections, "body_bytes": len(body)})]


async def open_posting(database_url: str) -> uuid.UUID:
    """A published posting as the service's posting.published consumer records it (the benchmark's fixture)."""
    posting_id = uuid.uuid4()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("INSERT INTO postings (posting_id, company_id, published_at) VALUES ($1, $2, now())",
                           posting_id, uuid.uuid4())
    finally:
        await conn.close()
    return posting_id
