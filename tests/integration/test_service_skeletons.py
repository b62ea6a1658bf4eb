"""Every service starts with its production entry point, migrates its own database and answers the operational
endpoints that SPEC section 3 asks of each service."""

import asyncpg
import httpx
import pytest

from tests.support.stack import SERVICES


@pytest.mark.parametrize("service", SERVICES)
async def test_service_starts_migrates_and_answers_operational_endpoints(stack, service):
    process = stack.service(service)
    await process.wait_ready()
    async with httpx.AsyncClient(base_url=process.url, timeout=10) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": service}
        ready = await client.get("/readyz")
        assert ready.json()["checks"] == {"database": True, "broker": True}
        assert "outbox_published_total" in (await client.get("/metrics")).text
        assert (await client.get("/openapi.json")).json()["info"]["title"] == f"{service} service"
        assert (await client.get("/asyncapi.json")).json()["asyncapi"].startswith("3.")
        missing = await client.get("/no-such-path")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["type"].endswith("/not-found")
        assert missing.headers["x-request-id"]
    conn = await asyncpg.connect(f"{stack.infra.postgres_url}/{process.env['DATABASE_NAME']}")
    try:
        versions = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    finally:
        await conn.close()
    assert "shared:0001_messaging" in versions
    process.stop()
