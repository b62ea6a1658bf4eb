"""End to end with the real applications service and the real broker: a company rejects an application under a
policy of retention_days = 0; retention's sweeper issues retention.erasure_due, applications erases it and confirms
with application.erased, the erasure log shows it, and the application is gone for the company (404)."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.test_applications_helpers import apply, open_posting, shared_services, wait_until
from tests.support.auth_helpers import signup_company
from tests.support.events import EventTap

# Starting auth, applications and retention is part of the test: generous on a busy machine (a safety net).
pytestmark = pytest.mark.timeout(300)
SWEEP_SECONDS = 0.5


@pytest.fixture(scope="module")
async def services(stack):
    auth, applications = await shared_services(stack)
    retention = stack.service("retention", auth_jwks_url=f"{auth.url}/api/auth/jwks.json",
                              RETENTION_SWEEP_SECONDS=str(SWEEP_SECONDS))
    await retention.wait_ready()
    yield auth, applications, retention
    retention.stop()


async def test_a_rejection_under_zero_retention_days_is_erased_by_the_sweeper(stack, services):
    auth, applications, retention = services
    company = await signup_company(auth.url)
    posting_id, _ = await open_posting(stack, applications, company_id=company.company_id)
    async with httpx.AsyncClient(base_url=retention.url, headers=company.headers, timeout=30) as retention_api, \
            httpx.AsyncClient(base_url=applications.url, timeout=30) as applications_api, \
            EventTap(stack, "retention.erasure_due", "application.erased") as tap:
        policy = await retention_api.put("/api/retention/policy", json={"retention_days": 0})
        assert policy.json()["retention_days"] == 0
        submitted, _, _ = await apply(applications_api, posting_id)
        assert submitted.status_code == 201, submitted.text
        application_id = submitted.json()["application_id"]

        async def scheduled():
            entries = (await retention_api.get("/api/retention/schedule")).json()
            return [e for e in entries if e["application_id"] == application_id]

        [entry] = await wait_until(scheduled, what="application.submitted reached retention")
        assert entry["due_at"] is None  # no decision yet, the posting is open: no clock runs

        rejected = await applications_api.post(f"/api/applications/{application_id}/status", headers=company.headers,
                                               json={"status": "rejected", "notify": False})
        assert rejected.status_code == 200, rejected.text

        [command] = await tap.wait_for(lambda e: e["type"] == "retention.erasure_due"
                                       and e["data"]["application_id"] == application_id, timeout=30)
        assert command["data"]["trigger"] == "deadline"
        [confirmation] = await tap.wait_for(lambda e: e["type"] == "application.erased"
                                            and e["data"]["application_id"] == application_id, timeout=30)
        assert confirmation["data"]["trigger"] == "deadline"

        async def erasure_logged():
            entries = (await retention_api.get("/api/retention/erasures")).json()
            return [e for e in entries if e["application_id"] == application_id and e["erased_at"]]

        [logged] = await wait_until(erasure_logged, what="the erasure log completed")
        assert (logged["trigger"], logged["attempts"]) == ("deadline", 1)
        assert logged["requested_at"] <= logged["erased_at"]
        assert await scheduled() == []

        gone = await applications_api.get(f"/api/applications/{application_id}", headers=company.headers)
        assert gone.status_code == 404
        assert gone.headers["content-type"] == "application/problem+json"
