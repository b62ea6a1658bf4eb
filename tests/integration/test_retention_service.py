"""The retention service as a process: events in through the real broker, retention.erasure_due out, and its HTTP
API read with company tokens from the real auth service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from recruiting_shared.events import (
    ApplicationErased, ApplicationErasureRequested, ApplicationStatusChanged, ApplicationSubmitted, ConsentChanged,
)

from tests.support.auth_helpers import signup_company
from tests.support.events import EventTap, publish_event

# Starting auth and retention is part of the first test: generous on a busy machine (a safety net, not a timing check).
pytestmark = pytest.mark.timeout(300)
SWEEP_SECONDS = 0.3


@pytest_asyncio.fixture(scope="module")
async def services(stack):
    auth = stack.service("auth")
    await auth.wait_ready()
    retention = stack.service("retention", AUTH_JWKS_URL=f"{auth.url}/api/auth/jwks.json",
                              RETENTION_SWEEP_SECONDS=str(SWEEP_SECONDS), RETENTION_CONFIRM_SECONDS="600")
    await retention.wait_ready()
    yield auth, retention
    retention.stop()


@pytest_asyncio.fixture
async def company(services):
    auth, retention = services
    session = await signup_company(auth.url)
    async with httpx.AsyncClient(base_url=retention.url, headers=session.headers, timeout=10) as client:
        client.company_id = UUID(session.company_id)
        yield client


def submitted(company_id: UUID, application_id: UUID | None = None, **fields) -> ApplicationSubmitted:
    return ApplicationSubmitted(application_id=application_id or uuid4(), company_id=company_id, posting_id=uuid4(),
                                submitted_at=fields.pop("submitted_at", datetime.now(UTC)), **fields)


def status_changed(app: ApplicationSubmitted, new_status: str, changed_at: datetime) -> ApplicationStatusChanged:
    return ApplicationStatusChanged(application_id=app.application_id, company_id=app.company_id,
                                    posting_id=app.posting_id, old_status="in_review", new_status=new_status,
                                    changed_at=changed_at)


async def eventually(read, predicate, *, timeout: float = 20):
    """Polls `read()` until `predicate(result)`; fails with the last result."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await read()
        if predicate(result):
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s; last: {result}")
        await asyncio.sleep(0.1)


async def schedule_entry(client: httpx.AsyncClient, application_id: UUID) -> dict | None:
    response = await client.get("/api/retention/schedule")
    assert response.status_code == 200, response.text
    return next((e for e in response.json() if e["application_id"] == str(application_id)), None)


def is_problem(response: httpx.Response, status: int, slug: str) -> bool:
    return (response.status_code == status and response.headers["content-type"] == "application/problem+json"
            and response.json()["type"].endswith("/" + slug))


async def test_company_endpoints_need_a_valid_company_token(services):
    _, retention = services
    async with httpx.AsyncClient(base_url=retention.url, timeout=10) as client:
        assert is_problem(await client.get("/api/retention/policy"), 401, "unauthorized")
        forged = {"Authorization": "Bearer eyJhbGciOiJFZERTQSIsImtpZCI6Im5vIn0.e30.c2ln"}
        assert is_problem(await client.get("/api/retention/schedule", headers=forged), 401, "unauthorized")


async def test_policy_defaults_to_180_and_730_days_and_refuses_values_out_of_bounds(company):
    assert (await company.get("/api/retention/policy")).json() == {"retention_days": 180, "talent_pool_days": 730}
    assert is_problem(await company.put("/api/retention/policy", json={"retention_days": 366}), 422, "validation-error")
    assert is_problem(await company.put("/api/retention/policy", json={"retention_days": -1}), 422, "validation-error")
    too_short = await company.put("/api/retention/policy", json={"retention_days": 200, "talent_pool_days": 100})
    assert is_problem(too_short, 422, "validation-error")
    assert "talent_pool_days" in too_short.json()["detail"]
    assert is_problem(await company.put("/api/retention/policy", json={"retention": 3}), 422, "validation-error")
    changed = await company.put("/api/retention/policy", json={"retention_days": 90})
    assert changed.json() == {"retention_days": 90, "talent_pool_days": 730}
    assert (await company.get("/api/retention/policy")).json() == {"retention_days": 90, "talent_pool_days": 730}


async def test_events_twice_and_out_of_order_build_the_schedule_and_a_policy_change_recomputes_it(stack, company):
    # Recent dates: a deadline already in the past would be swept at once, and an issued erasure is final.
    rejected_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    app = submitted(company.company_id, talent_pool_consent=False, submitted_at=rejected_at - timedelta(days=20))
    rejected = await publish_event(stack, status_changed(app, "rejected", rejected_at))
    await publish_event(stack, app)
    await publish_event(stack, status_changed(app, "rejected", rejected_at), envelope=rejected)  # delivered twice
    entry = await eventually(lambda: schedule_entry(company, app.application_id), lambda e: e is not None)
    assert entry["due_at"] == (rejected_at + timedelta(days=180)).isoformat().replace("+00:00", "Z")
    assert (entry["trigger"], entry["on_hold"], entry["clock_started_by"]) == ("deadline", False, "rejected")

    await publish_event(stack, ConsentChanged(application_id=app.application_id, company_id=app.company_id,
                                              talent_pool=True, changed_at=rejected_at + timedelta(days=1)))
    longer = (rejected_at + timedelta(days=730)).isoformat().replace("+00:00", "Z")
    await eventually(lambda: schedule_entry(company, app.application_id), lambda e: e["due_at"] == longer)
    assert (await company.put("/api/retention/policy", json={"talent_pool_days": 365})).status_code == 200
    entry = await schedule_entry(company, app.application_id)
    assert entry["due_at"] == (rejected_at + timedelta(days=365)).isoformat().replace("+00:00", "Z")


async def test_holds_pause_the_deadline_and_another_company_sees_nothing(stack, services, company):
    auth, retention = services
    app = submitted(company.company_id)
    await publish_event(stack, app)
    await publish_event(stack, status_changed(app, "rejected", datetime.now(UTC)))
    await eventually(lambda: schedule_entry(company, app.application_id), lambda e: e and e["due_at"])

    other = await signup_company(auth.url)
    async with httpx.AsyncClient(base_url=retention.url, headers=other.headers, timeout=10) as stranger:
        assert (await stranger.get("/api/retention/schedule")).json() == []
        foreign = await stranger.post("/api/retention/holds", json={"application_id": str(app.application_id),
                                                                     "reason": "lawsuit"})
        assert is_problem(foreign, 404, "not-found")

    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert is_problem(await company.post("/api/retention/holds", json={
        "application_id": str(app.application_id), "reason": "lawsuit", "until": past}), 422, "validation-error")
    assert is_problem(await company.post("/api/retention/holds", json={
        "application_id": str(app.application_id), "reason": "  "}), 422, "validation-error")
    for until in ("9999-12-31T23:59:59Z", "2030-01-01T00:00:00"):  # too far; no time zone
        assert is_problem(await company.post("/api/retention/holds", json={
            "application_id": str(app.application_id), "reason": "x", "until": until}), 422, "validation-error")
    assert is_problem(await company.post("/api/retention/holds", json={
        "application_id": str(uuid4()), "reason": "lawsuit"}), 404, "not-found")
    placed = await company.post("/api/retention/holds", json={"application_id": str(app.application_id),
                                                              "reason": "Arbeitsgericht, Az. 4 Ca 12/26"})
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert (hold["reason"], hold["until"], hold["released_at"]) == ("Arbeitsgericht, Az. 4 Ca 12/26", None, None)
    entry = await schedule_entry(company, app.application_id)
    assert (entry["on_hold"], entry["due_at"]) == (True, None)
    assert [h["id"] for h in (await company.get(f"/api/retention/holds?application_id={app.application_id}")).json()] \
        == [hold["id"]]

    async with httpx.AsyncClient(base_url=retention.url, headers=other.headers, timeout=10) as stranger:
        assert is_problem(await stranger.delete(f"/api/retention/holds/{hold['id']}"), 404, "not-found")
    assert (await company.delete(f"/api/retention/holds/{hold['id']}")).status_code == 204
    assert (await company.delete(f"/api/retention/holds/{hold['id']}")).status_code == 204
    entry = await schedule_entry(company, app.application_id)
    assert entry["on_hold"] is False and entry["due_at"] is not None
    assert is_problem(await company.delete(f"/api/retention/holds/{uuid4()}"), 404, "not-found")
    assert is_problem(await company.delete("/api/retention/holds/not-a-uuid"), 422, "validation-error")


async def test_an_applicant_request_is_answered_at_once_and_the_confirmation_completes_the_log(stack, company):
    app = submitted(company.company_id)
    await publish_event(stack, app)
    requested_at = datetime.now(UTC)
    async with EventTap(stack, "retention.erasure_due") as tap:
        await publish_event(stack, ApplicationErasureRequested(
            application_id=app.application_id, company_id=app.company_id, trigger="applicant_request",
            requested_at=requested_at))
        [command] = await tap.wait_for(lambda e: e["data"]["application_id"] == str(app.application_id))
    assert command["producer"] == "retention"
    assert command["data"]["trigger"] == "applicant_request"
    assert set(command["data"]) == {"application_id", "company_id", "trigger", "due_at", "requested_at"}

    erased_at = datetime.now(UTC)
    await publish_event(stack, ApplicationErased(application_id=app.application_id, company_id=app.company_id,
                                                 trigger="applicant_request", erased_at=erased_at))
    log = await eventually(lambda: _erasures(company), lambda entries: any(
        e["application_id"] == str(app.application_id) and e["erased_at"] for e in entries))
    [entry] = [e for e in log if e["application_id"] == str(app.application_id)]
    assert entry["trigger"] == "applicant_request" and entry["attempts"] == 1
    assert await schedule_entry(company, app.application_id) is None


async def test_a_passed_deadline_is_swept_and_metrics_show_no_overdue_erasure(stack, services, company):
    _, retention = services
    assert (await company.put("/api/retention/policy", json={"retention_days": 0})).status_code == 200
    app = submitted(company.company_id)
    async with EventTap(stack, "retention.erasure_due") as tap:
        await publish_event(stack, app)
        await publish_event(stack, status_changed(app, "hired", datetime.now(UTC)))
        [command] = await tap.wait_for(lambda e: e["data"]["application_id"] == str(app.application_id))
    assert command["data"]["trigger"] == "deadline"
    entry = await schedule_entry(company, app.application_id)
    assert entry["erasure_issued_at"] is not None
    metrics = (await company.get(f"{retention.url}/metrics")).text
    assert 'retention_erasures_overdue{kind="unconfirmed"} 0.0' in metrics
    assert 'retention_erasures_issued_total{trigger="deadline"}' in metrics


async def _erasures(client: httpx.AsyncClient) -> list[dict]:
    response = await client.get("/api/retention/erasures")
    assert response.status_code == 200, response.text
    return response.json()
