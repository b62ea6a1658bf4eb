"""The platform's main journeys end to end (issue 8): the five services as real processes wired through RabbitMQ,
every request through the nginx gateway, every e-mail read from the SMTP capture. The platform starts once for the
module (tests/support/platform.py); company A's story (tests/e2e/steps.py) is shared by journeys 2 to 7, so each
journey adds only its own steps."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
import pytest_asyncio

from tests.e2e.steps import (
    EVENTUAL, Story, applicant_session, apply_and_open_the_link, bearer, book, draft, erasure_logged,
    fill_billing_profile, future_slots, marker, preview_once_the_company_is_known, publish, sign_up,
    wait_until_publishing_is_allowed,
)
from tests.support.auth_helpers import strong_password, unique_email
from tests.support.mailbox import body_text, link_token

# Starting five services is most of this module's time, and on a busy two-core machine it alone can take a minute.
pytestmark = pytest.mark.timeout(300)


@pytest_asyncio.fixture(scope="module")
async def story(platform, smtp):
    told = Story(platform, smtp)
    yield told
    await told.close()


@pytest_asyncio.fixture
async def api(platform):
    async with platform.client() as client:
        yield client


async def test_1_a_company_signs_up_logs_in_and_resets_its_forgotten_password(platform, api, smtp):
    email, old_password, new_password = unique_email("hr"), strong_password(), strong_password()
    company_name = f"Acme {marker()} GmbH"

    signed_up = await api.post("/api/auth/signup", json={"company_name": company_name, "email": email,
                                                         "password": old_password, "name": "Hanna"})
    assert signed_up.status_code == 201, signed_up.text
    login = await api.post("/api/auth/login", json={"email": email, "password": old_password})
    assert login.status_code == 200, login.text
    tokens = login.json()
    me = (await api.get("/api/auth/me", headers=bearer(tokens["access_token"]))).json()
    assert (me["email"], me["role"], me["company_name"]) == (email, "admin", company_name)
    assert me["company_id"] == signed_up.json()["company_id"]

    forgot = await api.post("/api/auth/password/forgot", json={"email": email})
    unknown = await api.post("/api/auth/password/forgot", json={"email": unique_email("nobody")})
    assert forgot.status_code == unknown.status_code == 202
    assert forgot.json() == unknown.json()  # the answer does not tell whether the account exists

    [reset_mail] = await smtp.wait_for(email, "Reset your password", timeout=EVENTUAL)
    assert f"{platform.url}/reset-password?token=" in body_text(reset_mail)  # PUBLIC_URL: the gateway
    token = link_token(reset_mail, "/reset-password")
    reset = await api.post("/api/auth/password/reset", json={"token": token, "password": new_password})
    assert reset.status_code == 204, reset.text
    await smtp.wait_for(email, "Your password was changed", timeout=EVENTUAL)

    assert (await api.post("/api/auth/login", json={"email": email, "password": old_password})).status_code == 401
    relogin = await api.post("/api/auth/login", json={"email": email, "password": new_password})
    assert relogin.status_code == 200, relogin.text
    assert (await api.get("/api/auth/me", headers=bearer(relogin.json()["access_token"]))).json()["email"] == email
    # The reset logged every session out and the link worked once.
    refreshed = await api.post("/api/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    again = await api.post("/api/auth/password/reset", json={"token": token, "password": strong_password()})
    assert again.status_code == 400


async def test_2_booking_a_package_sends_an_invoice_due_ten_days_after_issue(story, api, smtp):
    packages = {p["id"]: p for p in (await api.get("/api/billing/packages")).json()}
    company = await story.company()
    booking = await story.booking()
    assert booking.subscription["status"] == "active"
    assert booking.subscription["package_id"] == "starter"

    [mail] = await smtp.wait_for(booking.billing_email, "Rechnung", timeout=EVENTUAL)
    invoices = (await api.get("/api/billing/invoices", headers=company.headers)).json()
    assert len(invoices) == 1
    invoice = invoices[0]
    issued, due = date.fromisoformat(invoice["issue_date"]), date.fromisoformat(invoice["due_date"])
    assert due == issued + timedelta(days=10)
    assert (invoice["kind"], invoice["status"], invoice["currency"]) == ("invoice", "open", "EUR")
    assert invoice["net_cents"] == packages["starter"]["monthly_net_cents"]
    assert invoice["gross_cents"] == invoice["net_cents"] + invoice["vat_cents"]
    assert invoice["buyer"]["name"] == company.name
    assert invoice["payment"]["reference"] == invoice["number"] and invoice["payment"]["iban"]

    assert invoice["number"] in str(mail["Subject"])
    text = body_text(mail)
    assert f"zahlbar bis {due:%d.%m.%Y}" in text and f"due on {due:%Y-%m-%d}" in text
    assert invoice["payment"]["iban"] in text
    attached = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert set(attached) == {f"{invoice['number']}.pdf", f"{invoice['number']}.xml"}
    pdf = await api.get(f"/api/billing/invoices/{invoice['id']}/pdf", headers=company.headers)
    assert pdf.status_code == 200 and pdf.content == attached[f"{invoice['number']}.pdf"]  # the bytes that were sent


async def test_3_a_draft_is_previewed_published_and_the_board_shows_exactly_the_preview(story, api):
    company = await story.company()
    posting = await story.posting()
    assert posting.created["status"] == "draft"
    assert posting.published["status"] == "published"

    public = await api.get(f"/api/jobs/{posting.id}")
    assert public.status_code == 200
    assert public.content == posting.preview  # byte for byte what the company previewed as a draft
    after = await api.get(f"/api/postings/{posting.id}/preview", headers=company.headers)
    assert after.content == posting.preview

    document = json.loads(posting.preview)
    assert document["title"] == posting.fields["title"]
    assert document["company"]["name"] == company.name
    assert document["salary"]["min"] == posting.fields["salary_min"]
    assert posting.fields["internal_notes"] not in public.text
    assert posting.fields["internal_reference"] not in public.text
    word = posting.fields["internal_reference"].removeprefix("REF-")
    board = (await api.get("/api/jobs", params={"q": word, "employment_type": "full_time"})).json()
    assert board["total"] == 1 and board["items"] == [document]


async def test_4_an_applicant_applies_with_a_pdf_sees_their_data_and_the_company_reads_it_logged(story, api, platform):
    company = await story.company()
    posting = await story.posting()
    applicant = await story.applicant()
    assert f"{platform.url}/my-application?token=" in body_text(applicant.link_mail)

    mine = (await api.get("/api/applicant/application", headers=applicant.headers)).json()
    assert mine["status"] == "received" and mine["posting_id"] == posting.id
    for field in ("first_name", "last_name", "email", "phone", "message"):
        assert mine["applicant"][field] == applicant.fields[field]
    [document] = mine["documents"]
    assert document["filename"] == "cv.pdf"
    own_copy = await api.get(f"/api/applicant/documents/{document['document_id']}", headers=applicant.headers)
    assert own_copy.content == applicant.pdf
    assert mine["access_log"] == []  # nobody at the company has read it yet
    export = await api.get("/api/applicant/export", headers=applicant.headers)
    assert export.status_code == 200 and export.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        assert json.loads(archive.read("data.json"))["applicant"]["email"] == applicant.fields["email"]
        [pdf_name] = [name for name in archive.namelist() if name.endswith(".pdf")]
        assert archive.read(pdf_name) == applicant.pdf

    listed = (await api.get("/api/applications", headers=company.headers, params={"posting_id": posting.id})).json()
    assert [item["application_id"] for item in listed["items"]] == [applicant.application_id]
    assert applicant.fields["email"] not in json.dumps(listed)  # the list is no way around the access log

    read = await api.get(f"/api/applications/{applicant.application_id}", headers=company.headers)
    assert read.status_code == 200, read.text
    assert read.json()["applicant"]["last_name"] == applicant.fields["last_name"]
    pdf = await api.get(f"/api/applications/{applicant.application_id}/documents/{document['document_id']}",
                        headers=company.headers)
    assert pdf.status_code == 200 and pdf.content == applicant.pdf

    log = (await api.get(f"/api/applications/{applicant.application_id}/access-log", headers=company.headers)).json()
    assert [(e["action"], e["user_id"]) for e in log["items"]] == [
        ("read_application", company.session.user_id), ("read_document", company.session.user_id)]
    assert all(e["purpose"] and e["accessed_at"] for e in log["items"])
    seen_by_applicant = (await api.get("/api/applicant/application", headers=applicant.headers)).json()
    assert [e["action"] for e in seen_by_applicant["access_log"]] == ["read_application", "read_document"]


async def test_5_the_company_invites_to_an_interview_and_the_applicant_picks_a_slot(story, api, smtp):
    company = await story.company()
    applicant = await story.applicant()

    invited = await api.post(f"/api/applications/{applicant.application_id}/interview-invitations",
                             headers=company.headers,
                             json={"slots": future_slots(3), "location": "Berlin, Hauptstraße 5",
                                   "message": "Please bring your certificates."})
    assert invited.status_code == 201, invited.text
    [mail] = await smtp.wait_for(applicant.fields["email"], "Interview invitation", timeout=EVENTUAL)
    assert "Berlin, Hauptstraße 5" in body_text(mail)

    session = await applicant_session(api, mail)  # the invitation's own link
    offered = (await api.get("/api/applicant/interview", headers=session)).json()["interview_invitations"]
    assert [s["slot_id"] for s in offered[0]["slots"]] == [s["slot_id"] for s in invited.json()["slots"]]
    chosen_slot = offered[0]["slots"][1]["slot_id"]
    chosen = await api.post("/api/applicant/interview", headers=session, json={"slot_id": chosen_slot})
    assert chosen.status_code == 200, chosen.text
    twice = await api.post("/api/applicant/interview", headers=session, json={"slot_id": chosen_slot})
    assert twice.status_code == 409

    seen = (await api.get(f"/api/applications/{applicant.application_id}", headers=company.headers)).json()
    assert seen["interview_invitations"][0]["chosen_slot_id"] == chosen_slot


async def test_6_a_rejection_under_zero_retention_days_is_erased_end_to_end(story, api, smtp):
    company = await story.company()
    applicant = await story.applicant()
    policy = await api.put("/api/retention/policy", headers=company.headers, json={"retention_days": 0})
    assert policy.status_code == 200, policy.text
    assert policy.json()["retention_days"] == 0

    rejected = await api.post(f"/api/applications/{applicant.application_id}/status", headers=company.headers,
                              json={"status": "rejected", "notify": False})
    assert rejected.status_code == 200, rejected.text

    entry = await erasure_logged(api, company, applicant.application_id)
    assert entry["trigger"] == "deadline"
    assert entry["requested_at"] <= entry["erased_at"]
    [confirmation] = await smtp.wait_for(applicant.fields["email"], "has been erased", timeout=EVENTUAL)
    assert "retention period has ended" in body_text(confirmation)
    gone = await api.get(f"/api/applications/{applicant.application_id}", headers=company.headers)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert (await api.get("/api/applicant/application", headers=applicant.headers)).status_code == 401
    schedule = (await api.get("/api/retention/schedule", headers=company.headers)).json()
    assert applicant.application_id not in [e["application_id"] for e in schedule]


async def test_6_an_applicant_asks_for_erasure_and_gets_the_confirmation(story, api, smtp):
    company = await story.company()
    posting = await story.posting()
    second = await apply_and_open_the_link(api, smtp, posting.id)

    asked = await api.post("/api/applicant/erasure", headers=second.headers)
    assert asked.status_code == 202, asked.text
    assert asked.json()["erase_by"]
    # Restricted at once: the session no longer works and the company no longer finds it.
    assert (await api.get("/api/applicant/application", headers=second.headers)).status_code == 401
    assert (await api.get(f"/api/applications/{second.application_id}", headers=company.headers)).status_code == 404

    [confirmation] = await smtp.wait_for(second.fields["email"], "has been erased", timeout=EVENTUAL)
    assert "as you asked" in body_text(confirmation)
    entry = await erasure_logged(api, company, second.application_id)
    assert entry["trigger"] == "applicant_request"
    again = await api.post("/api/applicant/session", json={"token": link_token(second.link_mail, "/my-application")})
    assert again.status_code == 401  # the e-mailed link is dead too


async def test_6_a_request_id_given_at_the_gateway_follows_the_erasure_through_every_service(story, api, platform,
                                                                                            smtp):
    posting = await story.posting()
    applicant = await apply_and_open_the_link(api, smtp, posting.id)
    request_id = f"trace-{marker()}"
    chain = ("application.erasure_requested", "retention.erasure_due", "application.erased")

    async with platform.events(*chain) as tap:
        asked = await api.post("/api/applicant/erasure", headers={**applicant.headers, "X-Request-ID": request_id})
        assert asked.status_code == 202, asked.text
        assert asked.headers["x-request-id"] == request_id
        events = await tap.wait_for(lambda e: e["data"]["application_id"] == applicant.application_id,
                                    count=len(chain), timeout=EVENTUAL)

    # applications (HTTP) -> retention (consumer) -> applications (consumer): one correlation id all the way.
    assert [(e["type"], e["correlation_id"]) for e in events] == [(t, request_id) for t in chain]
    assert [e["producer"] for e in events] == ["applications", "retention", "applications"]


async def test_7_a_second_company_sees_none_of_the_first_companys_postings_applications_or_invoices(
        story, api, smtp):
    first = await story.company()
    await story.booking()
    posting = await story.posting()
    applicant = await apply_and_open_the_link(api, smtp, posting.id)
    [invoice] = (await api.get("/api/billing/invoices", headers=first.headers)).json()
    [subscription] = (await api.get("/api/billing/subscriptions", headers=first.headers)).json()
    [document] = (await api.get("/api/applicant/application", headers=applicant.headers)).json()["documents"]
    other = await sign_up(api)
    as_other = other.headers

    # Its own lists are empty.
    assert (await api.get("/api/postings", headers=as_other)).json() == []
    assert (await api.get("/api/applications", headers=as_other)).json()["items"] == []
    by_posting = await api.get("/api/applications", headers=as_other, params={"posting_id": posting.id})
    assert by_posting.json()["items"] == []
    assert (await api.get("/api/billing/invoices", headers=as_other)).json() == []
    assert (await api.get("/api/billing/subscriptions", headers=as_other)).json() == []
    assert (await api.get("/api/retention/schedule", headers=as_other)).json() == []
    assert (await api.get("/api/retention/erasures", headers=as_other)).json() == []

    # The first company's resources answer 404, reading and changing alike.
    application = f"/api/applications/{applicant.application_id}"
    attempts = [
        ("GET", f"/api/postings/{posting.id}", None), ("GET", f"/api/postings/{posting.id}/preview", None),
        ("PATCH", f"/api/postings/{posting.id}", {"title": "Taken over"}),
        ("POST", f"/api/postings/{posting.id}/close", None), ("DELETE", f"/api/postings/{posting.id}", None),
        ("GET", application, None), ("GET", f"{application}/access-log", None),
        ("GET", f"{application}/documents/{document['document_id']}", None),
        ("POST", f"{application}/status", {"status": "rejected"}),
        ("POST", f"{application}/interview-invitations", {"slots": future_slots(1), "location": "Anywhere"}),
        ("DELETE", application, None),
        ("GET", f"/api/billing/invoices/{invoice['id']}", None),
        ("GET", f"/api/billing/invoices/{invoice['id']}/pdf", None),
        ("GET", f"/api/billing/invoices/{invoice['id']}/xml", None),
        ("POST", f"/api/billing/subscriptions/{subscription['id']}/cancel", None),
        ("POST", "/api/retention/holds", {"application_id": applicant.application_id, "reason": "evidence"}),
    ]
    for method, path, body in attempts:
        response = await api.request(method, path, headers=as_other, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"

    # Nothing of the first company changed, and the other company's attempts left no read in the access log.
    unchanged = (await api.get(f"/api/postings/{posting.id}", headers=first.headers)).json()
    assert (unchanged["status"], unchanged["title"]) == ("published", posting.fields["title"])
    [still_running] = (await api.get("/api/billing/subscriptions", headers=first.headers)).json()
    assert (still_running["status"], still_running["cancel_at_period_end"]) == ("active", False)
    mine = (await api.get("/api/applicant/application", headers=applicant.headers)).json()
    assert (mine["status"], mine["access_log"], mine["interview_invitations"]) == ("received", [], [])


async def test_8_a_service_killed_during_the_journey_loses_nothing(platform, api, smtp):
    company = await sign_up(api)
    billing_email = await fill_billing_profile(api, company)

    # Postings is down while the company books: billing's subscription.activated waits in postings' queue.
    platform.kill("postings")
    down = await api.get("/api/postings", headers=company.headers)
    assert down.status_code == 502 and down.headers["content-type"] == "application/problem+json"
    await book(api, company)
    await smtp.wait_for(billing_email, "Rechnung", timeout=EVENTUAL)  # billing has published its events
    await platform.restart("postings")
    _, created = await draft(api, company)
    quota = await wait_until_publishing_is_allowed(api, company, "starter")
    assert (quota["max_active_postings"], quota["active_postings"]) == (3, 0)
    await preview_once_the_company_is_known(api, company, created["id"])

    # Applications is down while the posting is published: posting.published waits in its queue.
    platform.kill("applications")
    await publish(api, company, created["id"])
    assert (await api.get(f"/api/jobs/{created['id']}")).status_code == 200
    await platform.restart("applications")
    applicant = await apply_and_open_the_link(api, smtp, created["id"])

    # Retention is down while the applicant asks for erasure: the request waits, and is carried out after.
    platform.kill("retention")
    asked = await api.post("/api/applicant/erasure", headers=applicant.headers)
    assert asked.status_code == 202, asked.text
    assert (await api.get(f"/api/applications/{applicant.application_id}", headers=company.headers)).status_code == 404
    await platform.restart("retention")
    entry = await erasure_logged(api, company, applicant.application_id)
    assert entry["trigger"] == "applicant_request"
    await smtp.wait_for(applicant.fields["email"], "has been erased", timeout=EVENTUAL)
