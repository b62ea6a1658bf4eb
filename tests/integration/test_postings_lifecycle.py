"""How postings open and close, and the license quota, through the real broker: billing's subscription events (sent
here as billing would send them), posting.published / posting.closed on every path, duplicate deliveries, and the
closing loop running in two instances at once."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest_asyncio
from recruiting_shared.events import (
    SubscriptionActivated, SubscriptionChanged, SubscriptionEnded, SubscriptionRenewed, envelope_for,
)

from tests.integration.test_postings_api import create, eventually, publish, running_platform
from tests.support.auth_helpers import signup_company
from tests.support.events import publish_event

PROBLEMS = "https://recruiting-platform.dev/problems/"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(stack):
    """Two postings instances on one database, as in production: they share the queues and the closing work."""
    async with running_platform(stack, "lifecycle", postings_instances=2, closing_sweep_seconds="0.5") as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def client(platform):
    async with httpx.AsyncClient(base_url=platform.postings.url, timeout=30) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def database(platform):
    conn = await asyncpg.connect(f"{platform.stack.infra.postgres_url}/{platform.postings.env['DATABASE_NAME']}")
    yield conn
    await conn.close()


def activated(company_id, subscription_id, max_active_postings) -> SubscriptionActivated:
    return SubscriptionActivated(subscription_id=subscription_id, company_id=company_id, package_id="starter",
                                 max_active_postings=max_active_postings, cycle="monthly",
                                 period_start=date.today(), period_end=date.today() + timedelta(days=30))


async def quota_of(client, session) -> dict:
    return (await client.get("/api/postings/quota", headers=session.headers)).json()


async def duplicates_seen(platform) -> float:
    """How many deliveries the quota consumers recognised as already applied (their inbox said so)."""
    seen = 0.0
    for instance in (platform.postings, *platform.replicas):
        async with httpx.AsyncClient(base_url=instance.url) as http:
            text = (await http.get("/metrics")).text
        match = re.search(r'consumer_messages_total\{consumer="postings.quota",outcome="duplicate"\} ([0-9.]+)', text)
        seen += float(match.group(1)) if match else 0.0
    return seen


async def deliver_twice(platform, data) -> None:
    """The same message twice, as the broker does after a lost acknowledgement; returns once both were handled."""
    before = await duplicates_seen(platform)
    envelope = await publish_event(platform.stack, data)
    await publish_event(platform.stack, data, envelope=envelope)
    for _ in range(200):
        if await duplicates_seen(platform) >= before + 1:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the second delivery was never handled")


def closed_reasons(platform, posting_ids) -> dict[str, list[str]]:
    reasons = {posting_id: [] for posting_id in posting_ids}
    for event in platform.events.received:
        if event["type"] == "posting.closed" and event["data"]["posting_id"] in reasons:
            reasons[event["data"]["posting_id"]].append(event["data"]["reason"])
    return reasons


async def test_publishing_without_a_license_package_answers_402(platform, client):
    session = await signup_company(platform.auth.url)
    posting = await create(client, session)
    response = await client.post(f"/api/postings/{posting['id']}/publish", headers=session.headers)
    assert response.status_code == 402 and response.json()["type"] == PROBLEMS + "no-active-license"
    assert (await client.get(f"/api/jobs/{posting['id']}")).status_code == 404


async def test_the_quota_follows_the_package_and_duplicate_events_change_nothing(platform, client):
    session = await signup_company(platform.auth.url)
    subscription = uuid.uuid4()
    await deliver_twice(platform, activated(session.company_id, subscription, 1))
    assert await quota_of(client, session) == {"package_id": "starter", "max_active_postings": 1,
                                               "active_postings": 0, "may_publish": True}
    first, second = await create(client, session), await create(client, session)
    await publish(client, session, first["id"])
    refused = await client.post(f"/api/postings/{second['id']}/publish", headers=session.headers)
    assert refused.status_code == 402
    assert refused.json()["type"] == PROBLEMS + "posting-quota-exhausted"
    assert (refused.json()["max_active_postings"], refused.json()["active_postings"]) == (1, 1)

    await deliver_twice(platform, SubscriptionChanged(
        subscription_id=subscription, company_id=session.company_id, package_id="business",
        previous_package_id="starter", max_active_postings=2, effective_on=date.today()))
    assert (await quota_of(client, session))["max_active_postings"] == 2
    await publish(client, session, second["id"])
    third = await create(client, session)
    assert (await client.post(f"/api/postings/{third['id']}/publish", headers=session.headers)).status_code == 402
    # A renewal that repeats the package keeps the allowance, however often it arrives.
    await deliver_twice(platform, SubscriptionRenewed(
        subscription_id=subscription, company_id=session.company_id, package_id="business", max_active_postings=2,
        period_start=date.today(), period_end=date.today() + timedelta(days=30)))
    assert await quota_of(client, session) == {"package_id": "business", "max_active_postings": 2,
                                               "active_postings": 2, "may_publish": False}
    # An event about an older state (handled late, e.g. by another instance) does not bring the old package back.
    await deliver_twice(platform, SubscriptionChanged(
        subscription_id=subscription, company_id=session.company_id, package_id="starter",
        previous_package_id="business", max_active_postings=1, effective_on=date.today() - timedelta(days=1)))
    assert (await quota_of(client, session))["package_id"] == "business"


async def test_after_a_cancellation_published_postings_stay_online_but_nothing_new_is_published(platform, client):
    session = await signup_company(platform.auth.url)
    subscription = uuid.uuid4()
    await publish_event(platform.stack, activated(session.company_id, subscription, 5))
    await eventually(lambda: client.get("/api/postings/quota", headers=session.headers),
                     lambda r: r.json()["max_active_postings"] == 5)
    online, waiting = await create(client, session), await create(client, session)
    await publish(client, session, online["id"])
    await deliver_twice(platform, SubscriptionEnded(subscription_id=subscription, company_id=session.company_id,
                                                    ended_on=date.today(), reason="cancelled"))
    assert (await quota_of(client, session))["may_publish"] is False
    refused = await client.post(f"/api/postings/{waiting['id']}/publish", headers=session.headers)
    assert (refused.status_code, refused.json()["type"]) == (402, PROBLEMS + "no-active-license")
    assert (await client.get(f"/api/jobs/{online['id']}")).status_code == 200
    # A late activation of the ended subscription does not bring it back.
    await publish_event(platform.stack, activated(session.company_id, subscription, 5))
    await deliver_twice(platform, SubscriptionEnded(subscription_id=subscription, company_id=session.company_id,
                                                    ended_on=date.today(), reason="cancelled"))
    assert (await quota_of(client, session))["may_publish"] is False
    assert closed_reasons(platform, [online["id"]]) == {online["id"]: []}


async def test_a_suspension_for_non_payment_takes_the_postings_offline(platform, client):
    session = await signup_company(platform.auth.url)
    subscription = uuid.uuid4()
    await publish_event(platform.stack, activated(session.company_id, subscription, 5))
    await eventually(lambda: client.get("/api/postings/quota", headers=session.headers),
                     lambda r: r.json()["max_active_postings"] == 5)
    postings = [await create(client, session) for _ in range(2)]
    for posting in postings:
        await publish(client, session, posting["id"])
    await deliver_twice(platform, SubscriptionEnded(subscription_id=subscription, company_id=session.company_id,
                                                    ended_on=date.today(), reason="suspended_for_non_payment"))
    ids = [p["id"] for p in postings]
    await platform.events.wait_for(lambda e: e["type"] == "posting.closed" and e["data"]["posting_id"] in ids, count=2)
    assert closed_reasons(platform, ids) == {posting_id: ["subscription_ended"] for posting_id in ids}
    for posting_id in ids:
        assert (await client.get(f"/api/jobs/{posting_id}")).status_code == 404
        assert (await client.get(f"/api/postings/{posting_id}", headers=session.headers)).json()["status"] == "closed"


async def test_closing_and_deleting_announce_posting_closed_and_a_draft_leaves_no_trace(platform, client, database):
    session = await platform.company()
    closed, deleted, draft = [await create(client, session) for _ in range(3)]
    for posting in (closed, deleted):
        await publish(client, session, posting["id"])
    await client.post(f"/api/postings/{closed['id']}/close", headers=session.headers)
    again = await client.post(f"/api/postings/{closed['id']}/close", headers=session.headers)
    assert again.status_code == 200 and again.json()["status"] == "closed"
    assert (await client.delete(f"/api/postings/{deleted['id']}", headers=session.headers)).status_code == 204
    assert (await client.delete(f"/api/postings/{draft['id']}", headers=session.headers)).status_code == 204
    ids = [closed["id"], deleted["id"]]
    await platform.events.wait_for(lambda e: e["type"] == "posting.closed" and e["data"]["posting_id"] in ids, count=2)
    assert closed_reasons(platform, ids) == {closed["id"]: ["closed_by_company"], deleted["id"]: ["deleted"]}
    # The draft was never open, so nothing was announced about it, then or later.
    outbox = await database.fetch("SELECT event_type FROM outbox WHERE envelope->'data'->>'posting_id' = $1", draft["id"])
    assert outbox == []


async def test_postings_close_at_their_closing_date_once_with_two_instances_running(platform, client, database):
    assert len(platform.replicas) == 1 and platform.replicas[0].process.poll() is None
    session = await platform.company()
    postings = [await create(client, session) for _ in range(6)]
    later = await create(client, session)
    for posting in (*postings, later):
        await publish(client, session, posting["id"])
    # The closing date arrives: set in the database rather than waited for, so a slow machine cannot make the
    # publishing itself come too late.
    closes_at = datetime.now(UTC).replace(microsecond=0)
    ids = [p["id"] for p in postings]
    await database.execute("UPDATE postings SET closes_at = $1 WHERE id = ANY($2::uuid[])", closes_at, ids)
    await platform.events.wait_for(lambda e: e["type"] == "posting.closed" and e["data"]["posting_id"] in ids,
                                   count=6, timeout=30)
    assert closed_reasons(platform, ids) == {posting_id: ["closing_date_reached"] for posting_id in ids}
    rows = await database.fetch(
        """SELECT envelope->'data'->>'posting_id' AS posting_id, count(*) AS closings FROM outbox
           WHERE event_type = 'posting.closed' AND envelope->'data'->>'posting_id' = ANY($1::text[])
           GROUP BY 1""", ids)
    assert sorted((r["posting_id"], r["closings"]) for r in rows) == sorted((posting_id, 1) for posting_id in ids)
    for posting_id in ids:
        assert (await client.get(f"/api/jobs/{posting_id}")).status_code == 404
        own = (await client.get(f"/api/postings/{posting_id}", headers=session.headers)).json()
        assert (own["status"], own["close_reason"]) == ("closed", "closing_date_reached")
        assert datetime.fromisoformat(own["closed_at"]) == closes_at
    # The sweeps that closed them left alone the posting whose date has not come.
    assert (await client.get(f"/api/jobs/{later['id']}")).status_code == 200


async def test_concurrent_publishes_cannot_overrun_the_quota(platform, client):
    session = await platform.company(max_active_postings=2)
    drafts = [await create(client, session) for _ in range(6)]
    # Half of them through each instance: the quota holds across processes, not just within one.
    async with httpx.AsyncClient(base_url=platform.replicas[0].url, timeout=30) as other_instance:
        answers = await asyncio.gather(*(
            (client if i % 2 else other_instance).post(f"/api/postings/{d['id']}/publish", headers=session.headers)
            for i, d in enumerate(drafts)))
    assert sorted(r.status_code for r in answers) == [200, 200, 402, 402, 402, 402]
    assert (await quota_of(client, session))["active_postings"] == 2
