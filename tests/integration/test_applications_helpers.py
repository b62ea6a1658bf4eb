"""Helpers of the applications tests (no tests here): the service with a real auth service, open postings through
real posting events, applying with real PDFs, reading the raw database and the key vault."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from recruiting_shared.events import PostingPublished

from tests.support.events import publish_event
from tests.support.mailbox import link_token
from tests.unit.test_applications_pdf import make_pdf


async def start_applications(stack, auth, **env):
    process = stack.service("applications", auth_jwks_url=f"{auth.url}/api/auth/jwks.json", **env)
    await process.wait_ready()
    return process


async def database(process) -> asyncpg.Connection:
    return await asyncpg.connect(f"{process.env['POSTGRES_URL'].rstrip('/')}/{process.env['DATABASE_NAME']}")


async def wait_until(condition, *, timeout: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = await condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached after {timeout}s")
        await asyncio.sleep(0.1)


async def open_posting(stack, process, company_id: str | None = None, **fields) -> tuple[str, str]:
    """Publishes posting.published through the broker and waits until the service has recorded it."""
    posting_id, company_id = str(uuid.uuid4()), company_id or str(uuid.uuid4())
    await publish_event(stack, PostingPublished(
        posting_id=posting_id, company_id=company_id, title="Engineer", published_at=datetime.now(UTC), **fields))
    conn = await database(process)
    try:
        await wait_until(lambda: conn.fetchval("SELECT 1 FROM postings WHERE posting_id = $1", uuid.UUID(posting_id)),
                         what="posting recorded")
    finally:
        await conn.close()
    return posting_id, company_id


def applicant_fields(posting: str, **overrides) -> dict[str, str]:
    marker = uuid.uuid4().hex[:8]
    fields = {
        "posting_id": posting, "first_name": f"Zofia{marker}", "last_name": f"Brzeczyszczykiewicz{marker}",
        "email": f"zofia.{marker}@example.org", "phone": f"+49 30 {int(marker, 16) % 10**8:08d}",
        "message": f"I would love to join, note {marker}", "privacy_consent": "true",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


async def apply(client: httpx.AsyncClient, posting: str, *, documents: list[tuple[str, bytes]] | None = None,
                **overrides) -> tuple[httpx.Response, dict[str, str], list[tuple[str, bytes]]]:
    fields = applicant_fields(posting, **overrides)
    if documents is None:
        documents = [("cv.pdf", make_pdf(f"PDFMARKER{uuid.uuid4().hex[:10]}"))]
    files = [("documents", (name, content, "application/pdf")) for name, content in documents]
    response = await client.post("/api/applications", data=fields, files=files)
    return response, fields, documents


async def session_for(client: httpx.AsyncClient, smtp, email: str, subject: str = "private link") -> dict[str, str]:
    message = (await smtp.wait_for(email, subject))[-1]
    token = link_token(message, "/my-application")
    response = await client.post("/api/applicant/session", json={"token": token})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def raw_dump(process) -> bytes:
    """Every row of every table of the service's database, as text and as raw bytes, in one blob to search."""
    conn = await database(process)
    try:
        tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        chunks = []
        for table in tables:
            for row in await conn.fetch(f'SELECT * FROM "{table}"'):
                for value in row.values():
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
        return b"\n".join(chunks)
    finally:
        await conn.close()


def vault_dir(process) -> Path:
    return Path(process.env["DATA_DIR"]) / "key-vault"


def future_slots(count: int = 2) -> list[dict[str, str]]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    return [{"starts_at": (start + timedelta(hours=2 * i)).isoformat(),
             "ends_at": (start + timedelta(hours=2 * i + 1)).isoformat()} for i in range(count)]


async def shared_services(stack):
    """One auth and one applications process for all applications test modules of the run (stopped by the
    stack's cleanup): starting them is most of the cost of these tests."""
    cached = getattr(stack, "_applications_services", None)
    if cached is None:
        auth = stack.service("auth")
        # The JWKS is fetched on the first company request, so both can start at the same time.
        applications = stack.service("applications", auth_jwks_url=f"{auth.url}/api/auth/jwks.json")
        await asyncio.gather(auth.wait_ready(), applications.wait_ready())
        cached = stack._applications_services = (auth, applications)
    return cached
