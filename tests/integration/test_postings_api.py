"""The postings service's HTTP API against the real auth service (tokens), PostgreSQL and RabbitMQ: drafts, the
exact preview, the public job board, tenant isolation and bad input."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recruiting_shared.events import SubscriptionActivated

from tests.support.auth_helpers import Session, operator_session, signup_company
from tests.support.events import EventTap, publish_event
from tests.support.processes import ServiceProcess
from tests.support.tcp_proxy import free_port

PROBLEM = "application/problem+json"
OPERATOR_EMAIL = "postings-operator@example.com"
OPERATOR_PASSWORD = "operator-password-for-postings-tests-7"


@dataclass
class Platform:
    stack: object
    auth: ServiceProcess
    postings: ServiceProcess
    events: EventTap
    replicas: list[ServiceProcess] = field(default_factory=list)  # more postings instances on the same database

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


@asynccontextmanager
async def running_platform(stack, name: str, *, postings_instances: int = 1,
                           **postings_env: str) -> AsyncIterator[Platform]:
    """Postings starts first so that its queues are bound before auth announces the first company; every posting
    event is tapped while the platform runs, so the outbox always has somewhere to deliver. Its database and queues
    are its own (`name`), so a postings process of another test module can never take its messages."""
    auth_port = free_port()
    postings = [stack.service("postings", database=f"postings_{name}", queue_prefix=f"{stack.queue_prefix}{name}.",
                              auth_jwks_url=f"http://127.0.0.1:{auth_port}/api/auth/jwks.json", **postings_env)
                for _ in range(postings_instances)]
    auth = stack.service("auth", port=auth_port, rate_limit_signup_ip="10000/3600",
                         bootstrap_operator_email=OPERATOR_EMAIL, bootstrap_operator_password=OPERATOR_PASSWORD)
    try:
        for process in (*postings, auth):
            await process.wait_ready()
        async with EventTap(stack, "posting.published", "posting.closed") as tap:
            yield Platform(stack, auth, postings[0], tap, postings[1:])
    finally:
        for process in (*postings, auth):
            process.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(stack):
    async with running_platform(stack, "api") as running:
        yield running


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


# --- tenant isolation and the uniform 404 --------------------------------------------------------------------------
async def test_another_companys_posting_answers_404_on_every_company_endpoint(platform, client):
    owner, other = await platform.company(), await platform.company()
    posting = await create(client, owner)
    path = f"/api/postings/{posting['id']}"
    attempts = [client.get(path, headers=other.headers),
                client.patch(path, json={"title": "übernommen"}, headers=other.headers),
                client.get(f"{path}/preview", headers=other.headers),
                client.post(f"{path}/publish", headers=other.headers),
                client.post(f"{path}/close", headers=other.headers),
                client.delete(path, headers=other.headers)]
    for response in [await attempt for attempt in attempts]:
        assert (response.status_code, response.json()["type"]) == (
            404, "https://recruiting-platform.dev/problems/posting-not-found"), response.request.url
        assert response.headers["content-type"] == PROBLEM
        assert "Budget" not in response.text
    assert posting["id"] not in (await client.get("/api/postings", headers=other.headers)).text
    assert (await client.get("/api/postings/quota", headers=other.headers)).json()["active_postings"] == 0
    assert (await client.get(path, headers=owner.headers)).json() == posting


async def test_company_endpoints_need_a_valid_token(platform, client):
    owner = await platform.company()
    posting = await create(client, owner)
    tampered = {"Authorization": owner.headers["Authorization"][:-4] + "AAAA"}
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, tampered):
        response = await client.get(f"/api/postings/{posting['id']}", headers=headers)
        assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
    assert (await client.post("/api/postings", json=posting_body())).status_code == 401
    # The platform's operators are not a company: they have no postings to manage.
    operator = await operator_session(platform.auth.url, OPERATOR_EMAIL, OPERATOR_PASSWORD)
    refused = await client.get("/api/postings", headers=operator.headers)
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)


async def test_drafts_closed_and_unknown_ids_answer_the_same_404_on_the_job_board(platform, client):
    session = await platform.company()
    draft = await create(client, session)
    closed = await create(client, session)
    await publish(client, session, closed["id"])
    assert (await client.post(f"/api/postings/{closed['id']}/close", headers=session.headers)).json()["status"] == "closed"
    answers = [await client.get(f"/api/jobs/{posting_id}")
               for posting_id in (draft["id"], closed["id"], uuid.uuid4(), "not-an-id")]
    assert {(r.status_code, r.json()["type"], r.json()["detail"]) for r in answers} == {
        (404, "https://recruiting-platform.dev/problems/job-not-found", "No such job.")}


# --- bad input ------------------------------------------------------------------------------------------------------
def soon(**delta) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fussy_company(platform):
    """One company for all the refused postings: none of them may leave a trace in its list."""
    return await platform.company()


BAD_POSTINGS = [
    ({"closes_at": "2026-02-30T12:00:00+01:00"}, 422, "validation-error", "closes_at"),
    ({"closes_at": "next friday"}, 422, "validation-error", "closes_at"),
    ({"closes_at": "2030-01-01T12:00:00"}, 422, "validation-error", "closes_at"),  # no time zone
    ({"closes_at": "2020-01-01T12:00:00Z"}, 422, "invalid-posting", "closes_at"),  # in the past
    ({"salary_min": 80_000, "salary_max": 60_000}, 422, "invalid-posting", "salary_min"),
    ({"employment_type": "freelance_ninja"}, 422, "validation-error", "employment_type"),
    ({"description": "x" * 30_000}, 422, "validation-error", "description"),
    ({"description": "x" * 1_000_000}, 413, "payload-too-large", None),
    ({"title": "Null\u0000Byte"}, 422, "validation-error", "title"),
    ({"title": " "}, 422, "validation-error", "title"),
    ({"status": "published"}, 422, "validation-error", "status"),
    ({"salary_max": "viel"}, 422, "validation-error", "salary_max"),
]


@pytest.mark.parametrize("fields, status, problem, field", BAD_POSTINGS)
async def test_bad_postings_get_a_clear_4xx(fussy_company, client, fields, status, problem, field):
    session = fussy_company
    response = await client.post("/api/postings", json=posting_body(**fields), headers=session.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"https://recruiting-platform.dev/problems/{problem}"
    if problem == "validation-error":
        assert [e["loc"] for e in body["errors"]][0][-1] == field
    elif problem == "invalid-posting":
        assert body["field"] == field
    assert (await client.get("/api/postings", headers=session.headers)).json() == []


async def test_an_edit_is_checked_against_the_whole_posting(platform, client):
    session = await platform.company()
    posting = await create(client, session)
    path = f"/api/postings/{posting['id']}"
    too_low = await client.patch(path, json={"salary_max": 50_000}, headers=session.headers)
    assert (too_low.status_code, too_low.json()["field"]) == (422, "salary_min")
    assert (await client.patch(path, json={"title": None}, headers=session.headers)).status_code == 422
    assert (await client.patch(path, content=b"{not json", headers={**session.headers, "content-type": "application/json"})).status_code == 422
    assert (await client.get(path, headers=session.headers)).json() == posting
    cleared = await client.patch(path, json={"closes_at": None, "salary_min": None}, headers=session.headers)
    assert (cleared.json()["closes_at"], cleared.json()["salary_min"]) == (None, None)


async def test_a_closed_posting_is_final(platform, client):
    session = await platform.company()
    posting = await create(client, session)
    path = f"/api/postings/{posting['id']}"
    not_open = await client.post(f"{path}/close", headers=session.headers)
    assert (not_open.status_code, not_open.json()["type"].rsplit("/", 1)[1]) == (409, "posting-not-published")
    await publish(client, session, posting["id"])
    await client.post(f"{path}/close", headers=session.headers)
    for response in (await client.post(f"{path}/publish", headers=session.headers),
                     await client.patch(path, json={"title": "wieder da"}, headers=session.headers)):
        assert (response.status_code, response.json()["type"].rsplit("/", 1)[1]) == (409, "posting-closed")


async def test_markup_is_stored_and_served_as_plain_text(platform, client):
    session = await platform.company()
    markup = "<script>alert('x')</script><img src=x onerror=alert(1)> & \"Quotes\""
    posting = await create(client, session, title=markup, description=markup, location="<b>Köln</b>")
    await publish(client, session, posting["id"])
    job = await client.get(f"/api/jobs/{posting['id']}")
    assert (job.json()["title"], job.json()["description"], job.json()["location"]) == (markup, markup, "<b>Köln</b>")
    assert job.headers["content-type"] == "application/json"
    assert job.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 500}, {"employment_type": "pirate"},
                                    {"q": "a\u0000b"}, {"q": "x" * 300}, {"page": "zwei"}])
async def test_bad_job_board_queries_get_422(client, params):
    response = await client.get("/api/jobs", params=params)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


# --- the job board --------------------------------------------------------------------------------------------------
async def test_the_job_board_searches_in_german_filters_and_pages_stably(platform, client):
    session = await platform.company("Stadtwerke Teststadt GmbH")
    town = f"Teststadt-{uuid.uuid4().hex[:8]}"
    texts = [("Entwickler für Datenbanken", "full_time"), ("Pflegefachkräfte gesucht", "part_time"),
             ("Wir suchen Entwicklerinnen und Entwickler", "full_time"), ("Ausbildung zur Köchin", "apprenticeship"),
             ("Werkstudent Datenbankentwicklung", "working_student")]
    ids = []
    for title, employment_type in texts:
        posting = await create(client, session, title=title, location=town, employment_type=employment_type)
        await publish(client, session, posting["id"])
        ids.append(posting["id"])
    unpublished = await create(client, session, title="Entwickler (Entwurf)", location=town)

    async def board(**params) -> dict:
        response = await client.get("/api/jobs", params={"location": town.upper(), **params})
        assert response.status_code == 200, response.text
        return response.json()

    everything = await board(page_size=100)
    assert everything["total"] == 5 and [item["id"] for item in everything["items"]] == ids[::-1]
    assert unpublished["id"] not in str(everything)
    assert {item["company"]["name"] for item in everything["items"]} == {"Stadtwerke Teststadt GmbH"}
    # German stemming: "Entwickler" and "Entwicklern" are the same word; stop words like "für" do not matter.
    assert {item["title"] for item in (await board(q="entwicklern"))["items"]} == {
        "Entwickler für Datenbanken", "Wir suchen Entwicklerinnen und Entwickler"}
    assert [item["title"] for item in (await board(q="Pflegefachkraft"))["items"]] == ["Pflegefachkräfte gesucht"]
    assert (await board(q="Entwickler -Datenbanken"))["total"] == 1
    assert [item["id"] for item in (await board(employment_type="part_time"))["items"]] == [ids[1]]
    # Pages of two: no posting twice, none missing, the same total on every page.
    pages = [await board(page=page, page_size=2) for page in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0] and {p["total"] for p in pages} == {5}
    assert [item["id"] for p in pages for item in p["items"]] == ids[::-1]

    await client.post(f"/api/postings/{ids[0]}/close", headers=session.headers)
    await client.delete(f"/api/postings/{ids[1]}", headers=session.headers)
    assert [item["id"] for item in (await board())["items"]] == ids[:1:-1]
