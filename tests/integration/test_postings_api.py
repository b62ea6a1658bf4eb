"""The postings service's HTTP API against the real auth service (tokens), PostgreSQL and RabbitMQ: drafts, the
exact preview, the public job board, tenant isolation and bad input."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recruiting_shared.events import SubscriptionActivated

from tests.support.auth_helpers import Session, signup_company
from tests.support.events import EventTap, publish_event
from tests.support.processes import ServiceProcess
from tests.support.tcp_proxy import free_port

PROBLEM = "application/problem+json"


@dataclass
class Platform:
    stack: object
    auth: ServiceProcess
    postings: ServiceProcess
    events: EventTap

    async def company(self, name: str | None = None, *, max_active_postings: int = 100) -> Session:
        """A freshly signed-up company with a license package, once postings has applied it."""
        session = await signup_company(self.auth.url, company_name=name)
        await publish_event(self.stack, SubscriptionActivated(
            subscription_id=uuid.uuid4(), company_id=session.company_id, package_id="test",
            max_active_postings=max_active_postings, cycle="monthly", period_start=date.today(),
            period_end=date.today() + timedelta(days=30)))
        async with httpx.AsyncClient(base_url=self.postings.url) as http:
            await eventually(lambda: http.get("/api/postings/quota", headers=session.headers),
                             lambda r: r.json()["max_active_postings"] == max_active_postings)
        return session


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(stack):
    """Postings starts first so that its queues are bound before auth announces the first company; every posting
    event is tapped for the whole module, so the outbox always has somewhere to deliver."""
    auth_port = free_port()
    postings = stack.service("postings", auth_jwks_url=f"http://127.0.0.1:{auth_port}/api/auth/jwks.json")
    auth = stack.service("auth", port=auth_port, rate_limit_signup_ip="10000/3600")
    await postings.wait_ready()
    await auth.wait_ready()
    async with EventTap(stack, "posting.published", "posting.closed") as tap:
        yield Platform(stack, auth, postings, tap)
    postings.stop()
    auth.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def client(platform):
    async with httpx.AsyncClient(base_url=platform.postings.url, timeout=30) as http:
        yield http


async def eventually(request, accept, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = await request()
        if accept(response):
            return response
        assert time.monotonic() < deadline, f"still {response.status_code} {response.text[:300]}"
        await asyncio.sleep(0.1)


def posting_body(**fields) -> dict:
    return {"title": "Softwareentwicklerin / Softwareentwickler (m/w/d)",
            "description": "Wir entwickeln Software für Krankenhäuser.",
            "location": "Berlin", "employment_type": "full_time", "remote": True,
            "salary_min": 55_000, "salary_max": 70_000, "show_salary": False,
            "closes_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "internal_notes": "Budget intern mit Frau K. abgestimmt", "internal_reference": "REQ-4711", **fields}


async def create(client, session, **fields) -> dict:
    response = await client.post("/api/postings", json=posting_body(**fields), headers=session.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def publish(client, session, posting_id) -> dict:
    response = await client.post(f"/api/postings/{posting_id}/publish", headers=session.headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- drafts, preview, publishing -----------------------------------------------------------------------------------
async def test_the_preview_is_byte_for_byte_the_published_job_page(platform, client):
    session = await platform.company("Klinikum Nord gGmbH")
    draft = await create(client, session)
    assert draft["status"] == "draft" and draft["internal_notes"] == "Budget intern mit Frau K. abgestimmt"
    # The company's name arrives with auth's company.registered event.
    preview = await eventually(lambda: client.get(f"/api/postings/{draft['id']}/preview", headers=session.headers),
                               lambda r: r.json()["company"]["name"] == "Klinikum Nord gGmbH")
    assert (await client.get(f"/api/jobs/{draft['id']}")).status_code == 404

    await publish(client, session, draft["id"])
    job = await client.get(f"/api/jobs/{draft['id']}")
    assert job.status_code == 200
    assert job.content == preview.content
    assert job.headers["content-type"] == "application/json"
    for private in ("Budget intern", "REQ-4711", "internal_", "salary"):
        assert private not in job.text
    event = (await platform.events.wait_for(lambda e: e["data"]["posting_id"] == draft["id"]))[0]
    assert event["type"] == "posting.published" and event["producer"] == "postings"
    assert event["data"]["title"] == draft["title"] and event["data"]["company_id"] == session.company_id


async def test_editing_a_published_posting_changes_the_public_page_at_once(platform, client):
    session = await platform.company()
    posting = await create(client, session)
    await publish(client, session, posting["id"])
    edited = await client.patch(f"/api/postings/{posting['id']}", headers=session.headers,
                                json={"title": "Teamleitung Softwareentwicklung", "show_salary": True})
    assert edited.status_code == 200 and edited.json()["status"] == "published"
    job = await client.get(f"/api/jobs/{posting['id']}")
    assert job.json()["title"] == "Teamleitung Softwareentwicklung"
    assert job.json()["salary"] == {"min": 55_000, "max": 70_000, "currency": "EUR", "period": "year"}
    assert job.content == (await client.get(f"/api/postings/{posting['id']}/preview", headers=session.headers)).content
    # Other services know an open posting by its title: the new title is announced.
    titles = [e["data"]["title"] for e in await platform.events.wait_for(
        lambda e: e["data"]["posting_id"] == posting["id"], count=2)]
    assert titles == [posting["title"], "Teamleitung Softwareentwicklung"]


async def test_a_company_lists_reads_and_deletes_its_drafts(platform, client):
    session = await platform.company()
    first, second = await create(client, session, title="Erste"), await create(client, session, title="Zweite")
    listed = (await client.get("/api/postings", headers=session.headers)).json()
    assert [p["title"] for p in listed] == ["Zweite", "Erste"]
    assert (await client.get(f"/api/postings/{first['id']}", headers=session.headers)).json() == first
    assert (await client.delete(f"/api/postings/{first['id']}", headers=session.headers)).status_code == 204
    assert (await client.get(f"/api/postings/{first['id']}", headers=session.headers)).status_code == 404
    assert [p["id"] for p in (await client.get("/api/postings", headers=session.headers)).json()] == [second["id"]]
    drafts = await client.get("/api/postings", params={"status": "draft"}, headers=session.headers)
    assert [p["id"] for p in drafts.json()] == [second["id"]]


typed_text = st.characters(blacklist_categories=("Cs", "Cc"))
preview_fields = st.fixed_dictionaries({
    "title": st.text(typed_text, min_size=1, max_size=40).filter(str.strip),
    "description": st.text(typed_text | st.sampled_from("\n\t"), max_size=200),
    "location": st.text(typed_text, max_size=30),
    "employment_type": st.sampled_from(["full_time", "part_time", "internship", "mini_job"]),
    "show_salary": st.booleans(),
    "remote": st.booleans(),
    "salary_min": st.none() | st.integers(0, 40_000),
    "salary_max": st.none() | st.integers(40_000, 200_000),
    "internal_notes": st.text(typed_text | st.just("\n"), max_size=30).map(lambda t: "INTERN-" + t),
})


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def roomy_company(platform):
    return await platform.company(max_active_postings=1000)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=preview_fields)
async def test_for_any_posting_the_public_page_is_the_preview_without_internal_data(roomy_company, client, fields):
    posting = await create(client, roomy_company, **fields, internal_reference="REF-PRIVATE")
    preview = await client.get(f"/api/postings/{posting['id']}/preview", headers=roomy_company.headers)
    await publish(client, roomy_company, posting["id"])
    job = await client.get(f"/api/jobs/{posting['id']}")
    assert job.content == preview.content
    assert "INTERN-" not in job.text and "REF-PRIVATE" not in job.text
    salary_shown = fields["show_salary"] and (fields["salary_min"], fields["salary_max"]) != (None, None)
    assert ("salary" in job.json()) == salary_shown
