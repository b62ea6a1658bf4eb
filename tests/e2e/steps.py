"""The steps of the end-to-end journeys, every request through the gateway. A `Story` remembers what it has done, so
a journey that needs an earlier one's result (a booked company, a published posting, an application) gets it
whether or not that journey's test ran first in this module; the checks of a journey are in its test, the steps
here only insist on the status codes that let the story go on."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx

from tests.support.auth_helpers import Session, signup_company, unique_email
from tests.support.mailbox import SmtpCapture, link_token
from tests.support.platform import Platform
from tests.unit.test_applications_pdf import make_pdf

# Waits for asynchronous work (an event through the broker, a sweep, an e-mail); generous because CI machines are
# busy, and a wait ends as soon as its condition holds.
EVENTUAL = 45


async def wait_until(condition, *, what: str, timeout: float = EVENTUAL, interval: float = 0.2):
    """Polls `condition` (an async callable) until it returns something truthy, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        result = await condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout}s")
        await asyncio.sleep(interval)


def marker() -> str:
    """Letters only, so that the job board's German full-text search keeps it as one word."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Company:
    session: Session
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return self.session.headers


@dataclass
class Booking:
    subscription: dict
    billing_email: str


@dataclass
class Posting:
    id: str
    fields: dict
    created: dict  # the answer to POST /api/postings
    preview: bytes  # GET .../preview before publishing
    published: dict  # the answer to POST .../publish


@dataclass
class Applicant:
    application_id: str
    fields: dict[str, str]
    pdf: bytes
    link_mail: EmailMessage
    headers: dict[str, str]  # the applicant's session, opened with the e-mailed link


# --- single steps ----------------------------------------------------------------------------------------------------
async def sign_up(api: httpx.AsyncClient) -> Company:
    name = f"Muster {marker()} GmbH"
    session = await signup_company(str(api.base_url).rstrip("/"), company_name=name, name="Hanna Admin")
    return Company(session=session, name=name)


async def fill_billing_profile(api: httpx.AsyncClient, company: Company) -> str:
    billing_email = unique_email("billing")
    response = await api.put("/api/billing/profile", headers=company.headers, json={
        "legal_name": company.name, "street": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin",
        "country": "DE", "vat_id": None, "billing_email": billing_email,
    })
    assert response.status_code == 200, response.text
    return billing_email


async def book(api: httpx.AsyncClient, company: Company, package_id: str = "starter") -> dict:
    response = await api.post("/api/billing/subscriptions", headers=company.headers,
                              json={"package_id": package_id, "cycle": "monthly"})
    assert response.status_code == 201, response.text
    return response.json()


def posting_fields(word: str) -> dict:
    return {
        "title": f"Pflegefachkraft {word}", "description": "Wir suchen Verstärkung für unser Team.\nVollzeit.",
        "location": "Berlin", "employment_type": "full_time", "remote": False, "salary_min": 42000,
        "salary_max": 52000, "show_salary": True,
        "closes_at": (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat(),
        "internal_notes": f"internal note {word} budget approved", "internal_reference": f"REF-{word}",
    }


async def draft(api: httpx.AsyncClient, company: Company) -> tuple[dict, dict]:
    fields = posting_fields(marker())
    response = await api.post("/api/postings", headers=company.headers, json=fields)
    assert response.status_code == 201, response.text
    return fields, response.json()


async def preview_once_the_company_is_known(api: httpx.AsyncClient, company: Company, posting_id: str) -> bytes:
    """The preview names the company as soon as postings has handled auth's company.registered."""
    async def named_preview():
        response = await api.get(f"/api/postings/{posting_id}/preview", headers=company.headers)
        assert response.status_code == 200, response.text
        return response.content if response.json()["company"]["name"] == company.name else None

    return await wait_until(named_preview, what="postings learnt the company's name (company.registered)")


async def wait_until_publishing_is_allowed(api: httpx.AsyncClient, company: Company, package_id: str) -> dict:
    """Postings learns of the booking from billing's subscription.activated."""
    async def allowed():
        quota = (await api.get("/api/postings/quota", headers=company.headers)).json()
        return quota if quota["may_publish"] and quota["package_id"] == package_id else None

    return await wait_until(allowed, what="postings learnt of the booked package (subscription.activated)")


async def publish(api: httpx.AsyncClient, company: Company, posting_id: str) -> dict:
    response = await api.post(f"/api/postings/{posting_id}/publish", headers=company.headers)
    assert response.status_code == 200, response.text
    return response.json()


def applicant_fields(posting_id: str) -> dict[str, str]:
    word = marker()
    return {
        "posting_id": posting_id, "first_name": f"Zofia {word}", "last_name": f"Nowak {word}",
        "email": f"zofia.{word}@example.org", "phone": "+49 30 1234567",
        "message": f"I would love to join ({word}).", "privacy_consent": "true",
    }


async def apply(api: httpx.AsyncClient, posting_id: str) -> tuple[str, dict[str, str], bytes]:
    """Applies with one PDF. Applications learns of a published posting from posting.published; until then the
    posting is not open there (404, and nothing is stored), so a refused attempt is simply repeated."""
    fields = applicant_fields(posting_id)
    pdf = make_pdf(f"CV of applicant {marker()}")

    async def submitted():
        response = await api.post("/api/applications", data=fields,
                                  files=[("documents", ("cv.pdf", pdf, "application/pdf"))])
        if response.status_code == 404:
            return None
        assert response.status_code == 201, response.text
        return response.json()

    answer = await wait_until(submitted, what="applications learnt of the published posting (posting.published)",
                              interval=0.5)
    assert answer["status"] == "received"
    return answer["application_id"], fields, pdf


async def applicant_session(api: httpx.AsyncClient, mail: EmailMessage) -> dict[str, str]:
    response = await api.post("/api/applicant/session", json={"token": link_token(mail, "/my-application")})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def apply_and_open_the_link(api: httpx.AsyncClient, smtp: SmtpCapture, posting_id: str) -> Applicant:
    application_id, fields, pdf = await apply(api, posting_id)
    [mail] = await smtp.wait_for(fields["email"], "private link", timeout=EVENTUAL)
    return Applicant(application_id, fields, pdf, mail, await applicant_session(api, mail))


async def erasure_logged(api: httpx.AsyncClient, company: Company, application_id: str) -> dict:
    """Waits until retention's erasure log shows the application erased, and returns that entry."""
    async def done():
        response = await api.get("/api/retention/erasures", headers=company.headers)
        assert response.status_code == 200, response.text
        return next((e for e in response.json() if e["application_id"] == application_id and e["erased_at"]), None)

    return await wait_until(done, what=f"the erasure of {application_id} in retention's erasure log")


def future_slots(count: int) -> list[dict[str, str]]:
    start = (datetime.now(UTC) + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    return [{"starts_at": (start + timedelta(days=i)).isoformat(),
             "ends_at": (start + timedelta(days=i, hours=1)).isoformat()} for i in range(count)]


# --- the story of company A, step by step, each step once per module -------------------------------------------------
class Story:
    """Company A's way through the platform. Each step runs the steps before it when they have not run yet."""

    def __init__(self, platform: Platform, smtp: SmtpCapture) -> None:
        self.platform = platform
        self.smtp = smtp
        self.api = platform.client()
        self._company: Company | None = None
        self._booking: Booking | None = None
        self._posting: Posting | None = None
        self._applicant: Applicant | None = None

    async def close(self) -> None:
        await self.api.aclose()

    async def company(self) -> Company:
        if self._company is None:
            self._company = await sign_up(self.api)
        return self._company

    async def booking(self) -> Booking:
        if self._booking is None:
            company = await self.company()
            billing_email = await fill_billing_profile(self.api, company)
            self._booking = Booking(await book(self.api, company), billing_email)
        return self._booking

    async def posting(self) -> Posting:
        if self._posting is None:
            company = await self.company()
            booking = await self.booking()
            fields, created = await draft(self.api, company)
            preview = await preview_once_the_company_is_known(self.api, company, created["id"])
            await wait_until_publishing_is_allowed(self.api, company, booking.subscription["package_id"])
            published = await publish(self.api, company, created["id"])
            self._posting = Posting(created["id"], fields, created, preview, published)
        return self._posting

    async def applicant(self) -> Applicant:
        if self._applicant is None:
            posting = await self.posting()
            self._applicant = await apply_and_open_the_link(self.api, self.smtp, posting.id)
        return self._applicant
