"""Bad input on the application form: each a clear 4xx problem, and nothing stored after a refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from recruiting_shared.events import PostingClosed
from tests.support.events import publish_event
from tests.unit.test_applications_pdf import bomb_pdf, deeply_nested_pdf, make_pdf, nested_page_tree_pdf

from tests.integration.test_applications_helpers import (
    apply, database, open_posting, shared_services, vault_dir, wait_until,
)

MB = 1024 * 1024


@pytest.fixture(scope="module")
async def services(stack):
    return await shared_services(stack)


@pytest.fixture(scope="module")
async def posting(stack, services):
    posting_id, _ = await open_posting(stack, services[1])
    return posting_id


def problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/" + slug), body
    return body


async def stored_for(process, posting_id: str, since: datetime | None = None) -> tuple[int, int]:
    """Applications to the posting, and e-mails queued since `since` (earlier tests' e-mails may still be leaving)."""
    conn = await database(process)
    try:
        applications = await conn.fetchval("SELECT count(*) FROM applications WHERE posting_id = $1", uuid.UUID(posting_id))
        mails = await conn.fetchval("SELECT count(*) FROM outgoing_mail WHERE created_at >= $1",
                                    since or datetime.now(UTC))
    finally:
        await conn.close()
    return applications, mails


@pytest.mark.parametrize(("documents", "status", "slug"), [
    pytest.param([("cv.pdf", make_pdf("x", size=10 * MB + 1))], 413, "document-too-large", id="10MB+1"),
    pytest.param([(f"cv{i}.pdf", make_pdf(f"doc{i}")) for i in range(6)], 413, "too-many-documents", id="sixth-file"),
    pytest.param([("cv.pdf", b"MZ\x90\x00\x03" + b"\0" * 5000)], 415, "not-a-pdf", id="exe-renamed-pdf"),
    pytest.param([("cv.pdf", make_pdf("x", size=50_000)[:25_000])], 422, "unreadable-document", id="truncated"),
    pytest.param([("cv.pdf", bomb_pdf())], 422, "unreadable-document", id="bomb"),
    pytest.param([("cv.pdf", deeply_nested_pdf())], 422, "unreadable-document", id="nested-arrays"),
    pytest.param([("cv.pdf", nested_page_tree_pdf())], 422, "unreadable-document", id="nested-page-tree"),
    pytest.param([("ok.pdf", make_pdf("fine")), ("bad.pdf", b"%PDF-1.4 nothing else")], 422, "unreadable-document",
                 id="one-good-one-bad"),
])
async def test_a_bad_document_is_refused_and_nothing_is_stored(services, posting, documents, status, slug):
    process = services[1]
    vault_before = set(vault_dir(process).glob("*/*.key"))
    started = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=process.url, timeout=60) as client:
        response, fields, _ = await apply(client, posting, documents=documents)
    body = problem(response, status, slug)
    assert fields["email"] not in response.text and fields["last_name"] not in response.text
    assert "detail" in body
    assert await stored_for(process, posting, since=started) == (0, 0)
    assert set(vault_dir(process).glob("*/*.key")) - vault_before == set()  # no data key was kept


async def test_an_empty_form_names_every_missing_field(services, posting):
    async with httpx.AsyncClient(base_url=services[1].url, timeout=30) as client:
        response = await client.post("/api/applications", content=b"--B--\r\n",
                                     headers={"content-type": "multipart/form-data; boundary=B"})
    body = problem(response, 422, "validation-error")
    assert {"posting_id", "first_name", "last_name", "email", "privacy_consent"} <= {e["field"] for e in body["errors"]}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"privacy_consent": "false"}, "privacy_consent"),
    ({"privacy_consent": None}, "privacy_consent"),
    ({"email": "not-an-address"}, "email"),
    ({"first_name": ""}, "first_name"),
    ({"phone": "call me maybe"}, "phone"),
    ({"posting_id": "nope"}, "posting_id"),
])
async def test_invalid_fields_are_422_without_echoing_the_input(services, posting, overrides, field):
    async with httpx.AsyncClient(base_url=services[1].url, timeout=30) as client:
        response, fields, _ = await apply(client, posting, **overrides)
    body = problem(response, 422, "validation-error")
    assert field in {e["field"] for e in body["errors"]} or body["errors"][0]["field"] == "form"
    for value in overrides.values():
        if value and len(value) > 5:
            assert value not in response.text


async def test_a_form_without_documents_is_refused(services, posting):
    """As a browser sends it when no file was chosen: a file part with an empty name and no content."""
    async with httpx.AsyncClient(base_url=services[1].url, timeout=30) as client:
        response, _, _ = await apply(client, posting, documents=[("", b"")])
    body = problem(response, 422, "validation-error")
    assert body["errors"] == [{"field": "documents", "type": "missing"}]


@pytest.mark.parametrize(("content_type", "body", "status", "slug"), [
    ("multipart/form-data; boundary=B", b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue", 400,
     "malformed-multipart"),
    ("multipart/form-data; boundary=B", b"this is not multipart at all", 400, "malformed-multipart"),
    ("multipart/form-data", b"--B--\r\n", 400, "malformed-multipart"),
    ("application/json", b'{"first_name": "x"}', 415, "unsupported-media-type"),
])
async def test_malformed_multipart_is_a_clear_4xx(services, content_type, body, status, slug):
    async with httpx.AsyncClient(base_url=services[1].url, timeout=30) as client:
        response = await client.post("/api/applications", content=body, headers={"content-type": content_type})
    problem(response, status, slug)


async def test_closed_unknown_and_expired_postings_take_no_applications(stack, services):
    process = services[1]
    closed, company_id = await open_posting(stack, process)
    await publish_event(stack, PostingClosed(posting_id=closed, company_id=company_id, closed_at=datetime.now(UTC),
                                             reason="closed_by_company"))
    conn = await database(process)
    try:
        await wait_until(lambda: conn.fetchval("SELECT closed_at FROM postings WHERE posting_id = $1", uuid.UUID(closed)),
                         what="posting closed")
    finally:
        await conn.close()
    expired, _ = await open_posting(stack, process, closes_at=datetime(2020, 1, 1, tzinfo=UTC))
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        for posting_id in (closed, expired, str(uuid.uuid4())):
            response, _, _ = await apply(client, posting_id)
            problem(response, 404, "posting-not-open")
            assert (await stored_for(process, posting_id))[0] == 0
