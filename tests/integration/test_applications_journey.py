"""The applicant's whole journey with real e-mails, and what is (not) stored in clear on the way. The erasure goes
through the real retention service: applications asks, retention answers with retention.erasure_due."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from tests.support.auth_helpers import signup_company
from tests.support.events import EventTap
from tests.support.mailbox import body_text

from tests.integration.test_applications_helpers import (
    apply, future_slots, open_posting, raw_dump, session_for, shared_services, wait_until,
)


@pytest.fixture(scope="module")
async def services(stack):
    auth, applications = await shared_services(stack)
    retention = stack.service("retention", auth_jwks_url=f"{auth.url}/api/auth/jwks.json")
    await retention.wait_ready()
    yield auth, applications, retention
    retention.stop()


async def test_apply_view_export_invite_choose_and_erase(stack, smtp, services):
    auth, process, retention = services
    company = await signup_company(auth.url)
    posting_id, _ = await open_posting(stack, process, company_id=company.company_id)
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client, \
            EventTap(stack, "application.*") as tap:
        response, fields, documents = await apply(client, posting_id)
        assert response.status_code == 201, response.text
        application_id = response.json()["application_id"]
        assert response.json()["status"] == "received"

        applicant = await session_for(client, smtp, fields["email"])
        mine_response = await client.get("/api/applicant/application", headers=applicant)
        assert mine_response.headers["cache-control"] == "no-store"
        mine = mine_response.json()
        assert mine["applicant"]["first_name"] == fields["first_name"]
        assert mine["applicant"]["email"] == fields["email"]
        assert mine["status"] == "received"
        assert mine["documents"][0]["filename"] == "cv.pdf"
        assert mine["consents"]["talent_pool"] is False

        export = await client.get("/api/applicant/export", headers=applicant)
        assert export.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
            data = json.loads(archive.read("data.json"))
            assert data["applicant"]["last_name"] == fields["last_name"]
            pdf_name = next(n for n in archive.namelist() if n.startswith("documents/"))
            assert archive.read(pdf_name) == documents[0][1]

        invitation = await client.post(f"/api/applications/{application_id}/interview-invitations",
                                       headers=company.headers,
                                       json={"slots": future_slots(2), "location": "Berlin office", "message": "Welcome"})
        assert invitation.status_code == 201, invitation.text
        invite_mail = (await smtp.wait_for(fields["email"], "Interview invitation"))[0]
        assert "Berlin office" in body_text(invite_mail)
        slot_id = invitation.json()["slots"][1]["slot_id"]
        chosen = await client.post("/api/applicant/interview", headers=applicant, json={"slot_id": slot_id})
        assert chosen.status_code == 200, chosen.text
        again = await client.post("/api/applicant/interview", headers=applicant, json={"slot_id": slot_id})
        assert again.status_code == 409
        seen_by_company = (await client.get(f"/api/applications/{application_id}", headers=company.headers)).json()
        assert seen_by_company["interview_invitations"][0]["chosen_slot_id"] == slot_id

        erasure = await client.post("/api/applicant/erasure", headers=applicant)
        assert erasure.status_code == 202
        assert "erase_by" in erasure.json()
        assert (await client.get("/api/applicant/application", headers=applicant)).status_code == 401
        requested = (await tap.wait_for(lambda e: e["type"] == "application.erasure_requested"))[0]
        assert requested["data"]["trigger"] == "applicant_request"
        erased = (await tap.wait_for(lambda e: e["type"] == "application.erased"))[0]
        assert erased["data"]["application_id"] == application_id
        confirmation = (await smtp.wait_for(fields["email"], "erased"))[0]
        assert "erased" in body_text(confirmation)
        assert (await client.get(f"/api/applications/{application_id}", headers=company.headers)).status_code == 404

        async def erasure_logged_as_done():
            response = await client.get(f"{retention.url}/api/retention/erasures", headers=company.headers)
            return [e for e in response.json() if e["application_id"] == application_id and e["erased_at"]]

        logged = await wait_until(erasure_logged_as_done, what="retention's erasure log completed")
        assert logged[0]["trigger"] == "applicant_request"

    everything = await raw_dump(process)
    for value in (fields["first_name"], fields["last_name"], fields["email"]):
        assert value.encode() not in everything
