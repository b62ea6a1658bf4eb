"""The company's side: tenant isolation, the access log, status changes, and the applicant's own changes
(withdrawal, consent, a fresh link) as the company and the events see them.

Event taps bind every application event: the outbox publishes with `mandatory`, so an application's events wait
behind its `application.submitted` until something (retention, in production) is bound to it."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from tests.support.auth_helpers import signup_company
from tests.support.events import EventTap

from tests.integration.test_applications_helpers import (
    apply, database, future_slots, open_posting, session_for, shared_services,
)


@pytest.fixture(scope="module")
async def services(stack):
    return await shared_services(stack)


@pytest.fixture(scope="module")
async def companies(services):
    auth = services[0]
    return await signup_company(auth.url), await signup_company(auth.url)


async def submitted(stack, process, client, company) -> tuple[str, dict, str]:
    posting_id, _ = await open_posting(stack, process, company_id=company.company_id)
    response, fields, _ = await apply(client, posting_id)
    assert response.status_code == 201, response.text
    return response.json()["application_id"], fields, posting_id


async def test_another_company_sees_nothing_and_gets_404_everywhere(stack, services, companies):
    process = services[1]
    owner, other = companies
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        application_id, _, posting_id = await submitted(stack, process, client, owner)
        document_id = (await client.get(f"/api/applications/{application_id}", headers=owner.headers)).json()["documents"][0]["document_id"]
        listed = (await client.get("/api/applications", headers=other.headers, params={"posting_id": posting_id})).json()
        assert listed["items"] == [] and listed["total"] == 0
        base = f"/api/applications/{application_id}"
        attempts = [
            client.get(base, headers=other.headers),
            client.get(f"{base}/documents/{document_id}", headers=other.headers),
            client.get(f"{base}/access-log", headers=other.headers),
            client.post(f"{base}/status", headers=other.headers, json={"status": "in_review"}),
            client.post(f"{base}/interview-invitations", headers=other.headers,
                        json={"slots": future_slots(1), "location": "x"}),
            client.delete(base, headers=other.headers),
        ]
        for attempt in attempts:
            response = await attempt
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"
        still_there = await client.get(base, headers=owner.headers)
        assert still_there.status_code == 200 and still_there.json()["status"] == "received"
        assert (await client.get(base)).status_code == 401


async def test_every_company_read_is_in_the_access_log_that_both_sides_see(stack, smtp, services, companies):
    process = services[1]
    owner, _ = companies
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        application_id, fields, posting_id = await submitted(stack, process, client, owner)
        listed = (await client.get("/api/applications", headers=owner.headers, params={"posting_id": posting_id})).json()
        assert [item["application_id"] for item in listed["items"]] == [application_id]
        assert fields["last_name"] not in str(listed)  # the index carries no personal data and is not a read
        log = (await client.get(f"/api/applications/{application_id}/access-log", headers=owner.headers)).json()
        assert log["items"] == []

        read = (await client.get(f"/api/applications/{application_id}", headers=owner.headers)).json()
        document_id = read["documents"][0]["document_id"]
        pdf = await client.get(f"/api/applications/{application_id}/documents/{document_id}", headers=owner.headers)
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")

        log = (await client.get(f"/api/applications/{application_id}/access-log", headers=owner.headers)).json()["items"]
        assert [entry["action"] for entry in log] == ["read_application", "read_document"]
        assert all(entry["user_id"] == owner.user_id and entry["purpose"] and entry["accessed_at"] for entry in log)
        assert log[1]["document_id"] == document_id

        applicant = await session_for(client, smtp, fields["email"])
        seen = (await client.get("/api/applicant/application", headers=applicant)).json()["access_log"]
        assert [entry["action"] for entry in seen] == ["read_application", "read_document"]


async def test_status_changes_follow_the_rules_and_announce_the_decision(stack, smtp, services, companies):
    process = services[1]
    owner, _ = companies
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client, \
            EventTap(stack, "application.*") as tap:
        application_id, fields, _ = await submitted(stack, process, client, owner)
        status = f"/api/applications/{application_id}/status"
        assert (await client.post(status, headers=owner.headers, json={"status": "hired"})).status_code == 409
        assert (await client.post(status, headers=owner.headers, json={"status": "withdrawn"})).status_code == 422
        moved = await client.post(status, headers=owner.headers, json={"status": "in_review"})
        assert moved.status_code == 200 and moved.json()["status"] == "in_review"
        rejected = await client.post(status, headers=owner.headers, json={"status": "rejected", "notify": True})
        assert rejected.status_code == 200
        conflict = await client.post(status, headers=owner.headers, json={"status": "in_review"})
        assert conflict.status_code == 409 and conflict.json()["type"].endswith("/invalid-transition")
        mail = (await smtp.wait_for(fields["email"], "Update on your application"))[0]
        assert "not to continue" in mail.get_body().get_content()
        events = await tap.wait_for(lambda e: e["type"] == "application.status_changed"
                                    and e["data"]["application_id"] == application_id, count=2)
        assert [e["data"]["new_status"] for e in events] == ["in_review", "rejected"]
        assert events[1]["data"]["old_status"] == "in_review" and events[1]["data"]["changed_at"]
        invite = await client.post(f"/api/applications/{application_id}/interview-invitations", headers=owner.headers,
                                   json={"slots": future_slots(1), "location": "Berlin"})
        assert invite.status_code == 409  # a decided application is not invited any more


async def test_applicant_withdraws_changes_consent_and_asks_for_a_fresh_link(stack, smtp, services, companies):
    process = services[1]
    owner, _ = companies
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client, \
            EventTap(stack, "application.*", "consent.changed") as tap:
        application_id, fields, _ = await submitted(stack, process, client, owner)
        applicant = await session_for(client, smtp, fields["email"])

        consent = await client.put("/api/applicant/consents", headers=applicant, json={"talent_pool": True})
        assert consent.status_code == 200 and consent.json() == {"talent_pool": True}
        assert (await client.put("/api/applicant/consents", headers=applicant, json={"talent_pool": "maybe"})).status_code == 422
        changed = (await tap.wait_for(lambda e: e["type"] == "consent.changed"))[0]["data"]
        assert changed == {"application_id": application_id, "company_id": owner.company_id, "talent_pool": True,
                           "changed_at": changed["changed_at"]}

        assert (await client.post("/api/applicant/withdraw", headers=applicant)).status_code == 200
        assert (await client.post("/api/applicant/withdraw", headers=applicant)).status_code == 409
        withdrawn = (await tap.wait_for(lambda e: e["type"] == "application.withdrawn"))[0]["data"]
        assert withdrawn["application_id"] == application_id
        view = (await client.get("/api/applicant/application", headers=applicant)).json()
        assert view["status"] == "withdrawn" and view["deletion_date"] is not None
        assert [(c["kind"], c["granted"]) for c in view["consents"]["history"]] == [("privacy", True), ("talent_pool", True)]
        company_view = await client.get(f"/api/applications/{application_id}/status", headers=owner.headers)
        assert company_view.status_code == 405
        late = await client.post(f"/api/applications/{application_id}/status", headers=owner.headers,
                                 json={"status": "in_review"})
        assert late.status_code == 409

        for address in (fields["email"].upper(), f"nobody-{uuid.uuid4().hex[:8]}@example.org"):
            response = await client.post("/api/applicant/link", json={"email": address})
            assert response.status_code == 202 and response.json() == {"status": "accepted"}
        fresh = await session_for(client, smtp, fields["email"], subject="new private link")
        assert (await client.get("/api/applicant/application", headers=fresh)).json()["application_id"] == application_id


async def test_a_forged_or_foreign_token_opens_no_application(services, companies):
    process = services[1]
    owner, _ = companies
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        assert (await client.post("/api/applicant/session", json={"token": "not-a-real-link-token"})).status_code == 401
        # A company user's token is no applicant session, and an applicant session is no company token.
        assert (await client.get("/api/applicant/application", headers=owner.headers)).status_code == 401
        assert (await client.get("/api/applicant/application")).status_code == 401


async def test_two_decisions_at_once_one_wins_the_other_is_a_conflict(stack, services, companies):
    process = services[1]
    owner, _ = companies
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        application_id, _, _ = await submitted(stack, process, client, owner)
        status = f"/api/applications/{application_id}/status"
        assert (await client.post(status, headers=owner.headers, json={"status": "in_review"})).status_code == 200
        answers = await asyncio.gather(
            client.post(status, headers=owner.headers, json={"status": "hired"}),
            client.post(status, headers=owner.headers, json={"status": "rejected"}),
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        winner = next(a for a in answers if a.status_code == 200).json()["status"]
        assert (await client.get(f"/api/applications/{application_id}", headers=owner.headers)).json()["status"] == winner
    # Both requests have answered, so their transactions are over: the outbox holds exactly the winner's event.
    conn = await database(process)
    try:
        rows = await conn.fetch("SELECT envelope FROM outbox WHERE event_type = 'application.status_changed' "
                                "AND aggregate_key = $1 ORDER BY id", f"application:{application_id}")
    finally:
        await conn.close()
    assert [json.loads(r["envelope"])["data"]["new_status"] for r in rows] == ["in_review", winner]
