"""The billing service against the real auth service (tokens), PostgreSQL, RabbitMQ and SMTP capture: the booking
journey with the invoice e-mail, VAT for German and EU customers, upgrades and downgrades, payments in parts,
credit notes, tenant isolation, operator-only actions and bad input."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import pytest_asyncio
from recruiting_billing.adapters.validation import business_rule_violations, xsd_errors
from recruiting_billing.domain.periods import Period
from recruiting_billing.domain.subscriptions import prorated_upgrade_cents
from recruiting_shared.events import Envelope, SubscriptionActivated

from tests.support.auth_helpers import Session, operator_session, signup_company, unique_email
from tests.support.events import EventTap, publish_event
from tests.support.processes import ServiceProcess
from tests.support.tcp_proxy import free_port

PROBLEM = "application/problem+json"
# Starting auth and billing belongs to the first test, and 50 sign-ups to another: generous on a busy machine.
# A safety net against hangs, not a timing check.
pytestmark = pytest.mark.timeout(300)
OPERATOR = ("billing-ops@example.com", "operator-password-for-billing-tests")
BILLING_EVENTS = ("subscription.*", "invoice.*")


@dataclass
class Billing:
    stack: object
    auth: ServiceProcess
    billing: ServiceProcess
    events: EventTap
    operator: Session

    async def company(self) -> Session:
        return await signup_company(self.auth.url)


async def start_billing_platform(stack, **billing_env):
    auth_port = free_port()
    billing = stack.service("billing", auth_jwks_url=f"http://127.0.0.1:{auth_port}/api/auth/jwks.json",
                            **billing_env)
    auth = stack.service("auth", port=auth_port, rate_limit_signup_ip="10000/3600",
                         bootstrap_operator_email=OPERATOR[0], bootstrap_operator_password=OPERATOR[1])
    await billing.wait_ready()
    await auth.wait_ready()
    return auth, billing


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(stack):
    auth, billing = await start_billing_platform(stack)
    async with EventTap(stack, *BILLING_EVENTS) as tap:
        yield Billing(stack, auth, billing, tap, await operator_session(auth.url, *OPERATOR))
    billing.stop()
    auth.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def client(platform):
    async with httpx.AsyncClient(base_url=platform.billing.url, timeout=30) as http:
        yield http


def german_profile(**fields) -> dict:
    return {"legal_name": "Klinikum Nord gGmbH", "street": "Hauptstraße 5", "postal_code": "80331",
            "city": "München", "country": "DE", "vat_id": "DE136695976", "billing_email": unique_email("billing"),
            **fields}


def french_profile(**fields) -> dict:
    return german_profile(legal_name="Hôpital Sud SARL", street="1 rue de la Paix", postal_code="75002",
                          city="Paris", country="FR", vat_id="FR40303265045", **fields)


async def book(client, session: Session, profile: dict, package_id: str = "business", cycle: str = "monthly") -> dict:
    saved = await client.put("/api/billing/profile", json=profile, headers=session.headers)
    assert saved.status_code == 200, saved.text
    booked = await client.post("/api/billing/subscriptions", json={"package_id": package_id, "cycle": cycle},
                               headers=session.headers)
    assert booked.status_code == 201, booked.text
    return booked.json()


async def eventually(request, accept, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = await request()
        if accept(response):
            return response
        assert time.monotonic() < deadline, f"still {response.status_code} {response.text[:300]}"
        await asyncio.sleep(0.1)


async def invoices(client, session: Session, count: int = 1) -> list[dict]:
    response = await eventually(lambda: client.get("/api/billing/invoices", headers=session.headers),
                                lambda r: r.status_code == 200 and len(r.json()) >= count)
    return response.json()


def attachment(message: EmailMessage, suffix: str) -> bytes:
    for part in message.iter_attachments():
        if part.get_filename().endswith(suffix):
            return part.get_content()
    raise AssertionError(f"no {suffix} attachment")


def berlin_today() -> date:
    return datetime.now(ZoneInfo("Europe/Berlin")).date()


# --- the booking journey -------------------------------------------------------------------------------------------
async def test_booking_journey_invoice_email_json_pdf_and_valid_xml(platform, client):
    admin = await platform.company()
    profile = german_profile()
    packages = (await client.get("/api/billing/packages")).json()
    business = next(p for p in packages if p["id"] == "business")
    assert len(packages) >= 3 and business["max_active_postings"] == 10 and business["monthly_net_cents"] == 14_900

    subscription = await book(client, admin, profile)
    assert subscription["status"] == "active" and subscription["package_id"] == "business"
    activated = (await platform.events.wait_for(
        lambda e: e["type"] == "subscription.activated" and e["data"]["subscription_id"] == subscription["id"], timeout=60))[0]
    assert activated["data"]["max_active_postings"] == 10 and activated["data"]["company_id"] == admin.company_id

    mail = (await platform.stack.smtp.wait_for(profile["billing_email"], "Rechnung", timeout=60))[0]
    pdf, xml = attachment(mail, ".pdf"), attachment(mail, ".xml")
    assert pdf.startswith(b"%PDF")

    [invoice] = await invoices(client, admin)
    issue_date = date.fromisoformat(invoice["issue_date"])
    assert invoice["number"] in str(mail["Subject"])
    assert date.fromisoformat(invoice["due_date"]) == issue_date + timedelta(days=10)
    assert invoice["kind"] == "invoice" and invoice["status"] == "open" and invoice["currency"] == "EUR"
    assert (invoice["net_cents"], invoice["vat_rate"], invoice["vat_cents"], invoice["gross_cents"]) == \
        (14_900, 19.0, 2_831, 17_731)
    assert invoice["payment"]["reference"] == invoice["number"] and invoice["payment"]["iban"]
    assert invoice["buyer"]["name"] == profile["legal_name"] and invoice["seller"]["vat_id"]
    assert invoice["service_period"]["start"] == subscription["current_period"]["start"]

    served_pdf = await client.get(f"/api/billing/invoices/{invoice['id']}/pdf", headers=admin.headers)
    served_xml = await client.get(f"/api/billing/invoices/{invoice['id']}/xml", headers=admin.headers)
    assert served_pdf.content == pdf and served_xml.content == xml
    assert served_pdf.headers["content-type"] == "application/pdf"
    assert xsd_errors(xml) == []
    violations, fired = business_rule_violations(xml)
    assert violations == [] and fired > 50
    issued = await platform.events.wait_for(
        lambda e: e["type"] == "invoice.issued" and e["data"]["invoice_id"] == invoice["id"], timeout=60)
    assert issued[0]["data"]["number"] == invoice["number"]


async def test_reverse_charge_for_an_eu_customer_with_vat_id(platform, client):
    admin = await platform.company()
    await book(client, admin, french_profile(), package_id="starter", cycle="yearly")
    [invoice] = await invoices(client, admin)
    assert (invoice["net_cents"], invoice["vat_rate"], invoice["vat_cents"], invoice["gross_cents"]) == \
        (49_000, 0.0, 0, 49_000)
    assert invoice["vat_category"] == "AE"
    assert "Steuerschuldnerschaft des Leistungsempfängers" in invoice["vat_note"]
    xml = (await client.get(f"/api/billing/invoices/{invoice['id']}/xml", headers=admin.headers)).content
    assert business_rule_violations(xml)[0] == []


async def test_upgrade_is_invoiced_pro_rata_and_downgrade_waits_for_the_period_end(platform, client):
    admin = await platform.company()
    subscription = await book(client, admin, german_profile(), package_id="starter")
    await invoices(client, admin)
    upgraded = await client.post(f"/api/billing/subscriptions/{subscription['id']}/change",
                                 json={"package_id": "enterprise"}, headers=admin.headers)
    assert upgraded.status_code == 200 and upgraded.json()["package_id"] == "enterprise"
    changed = await platform.events.wait_for(
        lambda e: e["type"] == "subscription.changed" and e["data"]["subscription_id"] == subscription["id"], timeout=60)
    assert changed[0]["data"]["max_active_postings"] == 50

    upgrade_invoice = next(i for i in await invoices(client, admin, count=2) if "Upgrade" in i["lines"][0]["description"])
    period = Period(date.fromisoformat(subscription["current_period"]["start"]),
                    date.fromisoformat(subscription["current_period"]["end"]))
    effective = date.fromisoformat(upgrade_invoice["issue_date"])
    assert upgrade_invoice["net_cents"] == prorated_upgrade_cents(4_900, 39_900, period, effective)
    assert upgrade_invoice["service_period"] == {"start": effective.isoformat(), "end": period.end.isoformat()}

    downgraded = await client.post(f"/api/billing/subscriptions/{subscription['id']}/change",
                                   json={"package_id": "business"}, headers=admin.headers)
    body = downgraded.json()
    assert downgraded.status_code == 200
    assert (body["package_id"], body["pending_package_id"]) == ("enterprise", "business")
    await asyncio.sleep(1)  # give a (wrong) downgrade invoice the time to appear
    assert len(await invoices(client, admin)) == 2


# --- at least once: redelivered and repeated events ----------------------------------------------------------------
async def test_repeated_subscription_events_issue_no_second_invoice(platform, client):
    """The inbox absorbs a redelivery (same event id); a second, different event about the same subscription finds
    the charge already invoiced."""
    admin = await platform.company()
    profile = german_profile()
    subscription = await book(client, admin, profile)
    await invoices(client, admin)
    [activated] = await platform.events.wait_for(
        lambda e: e["type"] == "subscription.activated" and e["data"]["subscription_id"] == subscription["id"], timeout=60)
    envelope = Envelope.model_validate(activated)
    await publish_event(platform.stack, None, envelope=envelope)  # the very same message again
    await publish_event(platform.stack, SubscriptionActivated.model_validate(activated["data"]))  # a new event id
    await asyncio.sleep(1.5)  # time for a (wrong) second invoice or e-mail to appear
    assert len(await invoices(client, admin)) == 1
    assert len(platform.stack.smtp.messages(profile["billing_email"])) == 1


async def test_the_database_refuses_to_edit_or_delete_an_issued_invoice(platform, client):
    """GoBD, enforced below the code: only status and payment figures may change."""
    admin = await platform.company()
    await book(client, admin, german_profile())
    [invoice] = await invoices(client, admin)
    await client.get(f"/api/billing/invoices/{invoice['id']}/pdf", headers=admin.headers)
    env = platform.billing.env
    conn = await asyncpg.connect(f"{env['POSTGRES_URL'].rstrip('/')}/{env['DATABASE_NAME']}")
    try:
        for statement in ("UPDATE invoices SET net_cents = 1 WHERE id = $1",
                          "UPDATE invoices SET buyer = '{}'::jsonb WHERE id = $1",
                          "DELETE FROM invoices WHERE id = $1",
                          "UPDATE invoice_documents SET pdf = ''::bytea WHERE invoice_id = $1",
                          "DELETE FROM invoice_documents WHERE invoice_id = $1"):
            with pytest.raises(asyncpg.RaiseError, match="GoBD"):
                await conn.execute(statement, uuid.UUID(invoice["id"]))
        row = await conn.fetchrow("SELECT net_cents, number FROM invoices WHERE id = $1", uuid.UUID(invoice["id"]))
    finally:
        await conn.close()
    assert (row["net_cents"], row["number"]) == (invoice["net_cents"], invoice["number"])


# --- payments and credit notes -------------------------------------------------------------------------------------
async def test_payment_in_two_parts_marks_the_invoice_paid(platform, client):
    admin = await platform.company()
    profile = german_profile()
    await book(client, admin, profile)
    [invoice] = await invoices(client, admin)
    pay = f"/api/billing/invoices/{invoice['id']}/payments"
    ops = platform.operator.headers
    today = berlin_today().isoformat()

    assert (await client.post(pay, json={"amount_cents": 100, "paid_on": today}, headers=admin.headers)).status_code == 403
    first = await client.post(pay, json={"amount_cents": 10_000, "paid_on": today}, headers=ops)
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["paid_cents"], first.json()["outstanding_cents"]) == ("open", 10_000, 7_731)
    too_much = await client.post(pay, json={"amount_cents": 7_732, "paid_on": today}, headers=ops)
    assert too_much.status_code == 422 and too_much.json()["type"].endswith("/overpayment")
    second = await client.post(pay, json={"amount_cents": 7_731, "paid_on": today}, headers=ops)
    assert second.json()["status"] == "paid" and second.json()["paid_cents"] == 17_731
    assert [p["amount_cents"] for p in second.json()["payments"]] == [10_000, 7_731]
    paid = await platform.events.wait_for(lambda e: e["type"] == "invoice.paid" and e["data"]["invoice_id"] == invoice["id"], timeout=60)
    assert paid[0]["data"]["amount_cents"] == 17_731
    await platform.stack.smtp.wait_for(profile["billing_email"], f"Rechnung {invoice['number']} ist bezahlt", timeout=60)
    again = await client.post(pay, json={"amount_cents": 1, "paid_on": today}, headers=ops)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM


async def test_credit_note_cancels_an_invoice_and_the_original_stays_unchanged(platform, client):
    admin = await platform.company()
    profile = german_profile()
    await book(client, admin, profile)
    [original] = await invoices(client, admin)
    original_xml = (await client.get(f"/api/billing/invoices/{original['id']}/xml", headers=admin.headers)).content
    cancel = f"/api/billing/invoices/{original['id']}/cancel"

    assert (await client.post(cancel, headers=admin.headers)).status_code == 403
    response = await client.post(cancel, headers=platform.operator.headers)
    assert response.status_code == 201, response.text
    credit_note = response.json()
    assert credit_note["kind"] == "credit_note" and credit_note["number"].startswith("GS-")
    assert credit_note["number"] != original["number"]
    assert credit_note["cites"] == {"id": original["id"], "number": original["number"],
                                    "issue_date": original["issue_date"]}
    assert credit_note["gross_cents"] == original["gross_cents"]

    after = (await client.get(f"/api/billing/invoices/{original['id']}", headers=admin.headers)).json()
    unchanged = {k: v for k, v in original.items() if k not in ("status", "outstanding_cents")}
    assert {k: after[k] for k in unchanged} == unchanged and after["status"] == "cancelled"
    assert (await client.get(f"/api/billing/invoices/{original['id']}/xml", headers=admin.headers)).content == original_xml
    credit_xml = (await client.get(f"/api/billing/invoices/{credit_note['id']}/xml", headers=admin.headers)).content
    assert business_rule_violations(credit_xml)[0] == []
    await platform.stack.smtp.wait_for(profile["billing_email"], f"Rechnungskorrektur {credit_note['number']}", timeout=60)
    assert (await client.post(cancel, headers=platform.operator.headers)).status_code == 409


# --- isolation, roles, bad input ------------------------------------------------------------------------------------
async def test_another_companys_billing_data_answers_404(platform, client):
    owner, other = await platform.company(), await platform.company()
    subscription = await book(client, owner, german_profile())
    [invoice] = await invoices(client, owner)
    for path in (f"/api/billing/invoices/{invoice['id']}", f"/api/billing/invoices/{invoice['id']}/pdf",
                 f"/api/billing/invoices/{invoice['id']}/xml"):
        response = await client.get(path, headers=other.headers)
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    change = await client.post(f"/api/billing/subscriptions/{subscription['id']}/change",
                               json={"package_id": "enterprise"}, headers=other.headers)
    assert change.status_code == 404
    assert (await client.get("/api/billing/invoices", headers=other.headers)).json() == []
    assert (await client.get("/api/billing/profile", headers=other.headers)).status_code == 404
    # Operators read any company's invoice (to record payments), but may not book for a company.
    assert (await client.get(f"/api/billing/invoices/{invoice['id']}", headers=platform.operator.headers)).status_code == 200
    assert (await client.post("/api/billing/subscriptions", json={"package_id": "starter", "cycle": "monthly"},
                              headers=platform.operator.headers)).status_code == 403
    assert (await client.get("/api/billing/invoices")).status_code == 401


async def test_bad_input_gets_clear_4xx_problems(platform, client):
    admin = await platform.company()
    headers = admin.headers

    async def problem(response, status, slug=None):
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        if slug:
            assert response.json()["type"].endswith("/" + slug), response.json()
        return response.json()

    no_profile = await client.post("/api/billing/subscriptions", json={"package_id": "starter", "cycle": "monthly"},
                                   headers=headers)
    await problem(no_profile, 409, "billing-profile-required")
    without_address = {k: v for k, v in german_profile().items() if k not in ("street", "city")}
    body = await problem(await client.put("/api/billing/profile", json=without_address, headers=headers), 422)
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "street"), ("body", "city")}
    await problem(await client.put("/api/billing/profile", json=german_profile(street="  "), headers=headers), 422)
    bad_vat = await client.put("/api/billing/profile", json=german_profile(vat_id="DE123456789"), headers=headers)
    assert "DE123456789" not in (await problem(bad_vat, 422, "invalid-billing-profile"))["detail"]
    await problem(await client.put("/api/billing/profile", json=german_profile(vat_id="FR40303265045"), headers=headers),
                  422, "invalid-billing-profile")
    await problem(await client.put("/api/billing/profile", json=german_profile(country="US", vat_id=None),
                                   headers=headers), 422, "unsupported-country")
    await problem(await client.put("/api/billing/profile", json=german_profile(billing_email="nope"), headers=headers), 422)

    await book(client, admin, german_profile())
    await problem(await client.post("/api/billing/subscriptions", json={"package_id": "nope", "cycle": "monthly"},
                                    headers=headers), 422, "unknown-package")
    await problem(await client.post("/api/billing/subscriptions", json={"package_id": "starter", "cycle": "weekly"},
                                    headers=headers), 422)
    await problem(await client.post("/api/billing/subscriptions", json={"package_id": "starter", "cycle": "monthly"},
                                    headers=headers), 409, "subscription-exists")
    [invoice] = await invoices(client, admin)
    ops = platform.operator.headers
    pay = f"/api/billing/invoices/{invoice['id']}/payments"
    await problem(await client.post(pay, json={"amount_cents": -5, "paid_on": "2026-01-01"}, headers=ops), 422)
    await problem(await client.post(pay, json={"amount_cents": 0, "paid_on": "2026-01-01"}, headers=ops), 422)
    await problem(await client.post(pay, json={"amount_cents": 5, "paid_on": "not-a-date"}, headers=ops), 422)
    future = (berlin_today() + timedelta(days=3)).isoformat()
    await problem(await client.post(pay, json={"amount_cents": 5, "paid_on": future}, headers=ops), 422)
    await problem(await client.get("/api/billing/invoices/not-a-uuid", headers=headers), 422)
    await problem(await client.post("/api/billing/invoices/00000000-0000-0000-0000-000000000000/payments",
                                    json={"amount_cents": 5, "paid_on": "2026-01-01"}, headers=ops), 404)


# --- gapless numbers under concurrency -------------------------------------------------------------------------------
async def test_fifty_concurrent_bookings_on_two_instances_get_consecutive_numbers(platform):
    """The requests are spread over two billing instances sharing the database and the consumer queues, so the
    invoices are issued by both; the counter row incremented in the issuing transaction keeps the numbers gapless."""
    companies_count = 50
    second = platform.stack.service("billing", auth_jwks_url=platform.billing.env["AUTH_JWKS_URL"])
    limit = asyncio.Semaphore(8)

    async def signup():
        async with limit:
            return await platform.company()

    companies = await asyncio.gather(*(signup() for _ in range(companies_count)))
    await second.wait_ready()
    clients = [httpx.AsyncClient(base_url=process.url, timeout=60) for process in (platform.billing, second)]
    try:
        for n, company in enumerate(companies):
            saved = await clients[n % 2].put("/api/billing/profile", json=german_profile(), headers=company.headers)
            assert saved.status_code == 200, saved.text

        async def book_on_alternate_instances(n, company):
            return await clients[n % 2].post("/api/billing/subscriptions", headers=company.headers,
                                             json={"package_id": "starter", "cycle": "monthly"})

        booked = await asyncio.gather(*(book_on_alternate_instances(n, c) for n, c in enumerate(companies)))
        assert [r.status_code for r in booked] == [201] * companies_count
        issued = [await invoices(clients[n % 2], company) for n, company in enumerate(companies)]
    finally:
        for client in clients:
            await client.aclose()
        second.stop()

    assert all(len(company_invoices) == 1 for company_invoices in issued)
    numbers = [company_invoices[0]["number"] for company_invoices in issued]
    assert len(set(numbers)) == companies_count and all(number.startswith("RE-") for number in numbers)
    assert len({number.split("-")[1] for number in numbers}) == 1
    sequences = sorted(int(number.split("-")[2]) for number in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + companies_count))
