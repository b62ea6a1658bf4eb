"""Encryption at rest and erasure, checked from the outside: the raw tables, the service's log lines and the event
bodies never hold a personal datum or a document byte; after erasure a copy of the database taken before it no
longer opens with the keys that remain."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from recruiting_applications.adapters.crypto import DecryptionFailed
from recruiting_applications.adapters.keys import load_key_material
from recruiting_applications.adapters.keys import open_data_key
from recruiting_applications.config import ApplicationsSettings
from recruiting_shared.events import ErasureDue
from tests.support.auth_helpers import signup_company
from tests.support.events import EventTap, publish_event
from tests.unit.test_applications_pdf import make_pdf

from tests.integration.test_applications_helpers import (
    apply, database, open_posting, raw_dump, session_for, shared_services, wait_until,
)


@pytest.fixture(scope="module")
async def services(stack):
    return await shared_services(stack)


def keys_of(process):
    """The key material the service process uses (the development key ring of its DATA_DIR)."""
    return load_key_material(ApplicationsSettings(data_dir=Path(process.env["DATA_DIR"])))


async def test_no_personal_datum_in_the_database_the_logs_or_the_events(stack, smtp, services):
    auth, process = services
    company = await signup_company(auth.url)
    posting_id, _ = await open_posting(stack, process, company_id=company.company_id)
    pdf_marker = f"PDFSECRET{uuid.uuid4().hex[:12]}"
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client, EventTap(stack) as tap:
        response, fields, _ = await apply(client, posting_id, talent_pool_consent="true",
                                          documents=[("Zofia-CV.pdf", make_pdf(pdf_marker, size=200_000))])
        assert response.status_code == 201, response.text
        application_id = response.json()["application_id"]
        # Touch every path that handles the data: applicant, company reads, a status e-mail, an invitation.
        applicant = await session_for(client, smtp, fields["email"])
        assert (await client.get("/api/applicant/export", headers=applicant)).status_code == 200
        read = await client.get(f"/api/applications/{application_id}", headers=company.headers)
        assert read.json()["applicant"]["phone"] == fields["phone"]
        document_id = read.json()["documents"][0]["document_id"]
        document = await client.get(f"/api/applications/{application_id}/documents/{document_id}", headers=company.headers)
        assert pdf_marker.encode() in document.content
        status = await client.post(f"/api/applications/{application_id}/status", headers=company.headers,
                                   json={"status": "in_review", "notify": True})
        assert status.status_code == 200
        await smtp.wait_for(fields["email"], "Update on your application")
        await tap.wait_for(lambda e: e["type"] == "application.status_changed")

    secrets = [fields[k] for k in ("first_name", "last_name", "email", "phone", "message")] + [pdf_marker, "Zofia-CV"]
    stored = await raw_dump(process)
    assert application_id.encode() in stored  # the dump does see this application's rows
    logs = process.log_path.read_bytes()
    events = str(tap.received).encode()
    assert b"application.submitted" in events
    for secret in secrets:
        assert secret.encode() not in stored, f"{secret!r} in the database"
        assert secret.encode() not in logs, f"{secret!r} in the log"
        assert secret.encode() not in events, f"{secret!r} in an event"


async def test_erasure_shreds_the_key_so_an_earlier_database_copy_cannot_be_read(stack, smtp, services):
    auth, process = services
    company = await signup_company(auth.url)
    posting_id, _ = await open_posting(stack, process, company_id=company.company_id)
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client, \
            EventTap(stack, "application.*") as tap:
        response, fields, _ = await apply(client, posting_id)
        application_id = response.json()["application_id"]
        applicant = await session_for(client, smtp, fields["email"])

        conn = await database(process)
        try:
            copy = await conn.fetchrow("SELECT application_id, email_enc, last_name_enc FROM applications "
                                       "WHERE application_id = $1", uuid.UUID(application_id))
            document_copy = await conn.fetchrow("SELECT document_id, content_enc FROM documents WHERE application_id = $1",
                                                uuid.UUID(application_id))
        finally:
            await conn.close()
        # Before the erasure the copy opens with the service's keys: the check at the end can fail.
        keys = keys_of(process)
        data_key = open_data_key(keys, copy["application_id"])
        assert data_key.open_text("email", copy["email_enc"]) == fields["email"]
        assert data_key.open("document.content", document_copy["content_enc"],
                             record_id=document_copy["document_id"]).startswith(b"%PDF-")
        # The data key, wrapped or not, is nowhere in the database: it lives in the vault only.
        database_copy = await raw_dump(process)
        assert keys.vault.get(copy["application_id"]).blob not in database_copy
        assert data_key.raw not in database_copy

        deleted = await client.delete(f"/api/applications/{application_id}", headers=company.headers)
        assert deleted.status_code == 202
        requested = (await tap.wait_for(lambda e: e["type"] == "application.erasure_requested"))[0]["data"]
        assert requested["trigger"] == "company_request"
        assert (await client.get("/api/applicant/application", headers=applicant)).status_code == 401
        assert (await client.get(f"/api/applications/{application_id}", headers=company.headers)).status_code == 404

        due = ErasureDue(application_id=application_id, company_id=company.company_id, trigger="company_request",
                         due_at=requested["requested_at"], requested_at=requested["requested_at"])
        first = await publish_event(stack, due)
        await publish_event(stack, due, envelope=first)  # the same message twice
        second = await publish_event(stack, due)  # and the command once more, as a new message
        await tap.wait_for(lambda e: e["type"] == "application.erased")
        await smtp.wait_for(fields["email"], "erased")

        conn = await database(process)
        try:
            await wait_until(lambda: conn.fetchval(
                "SELECT count(*) = 2 FROM inbox WHERE event_id = ANY($1::uuid[])", [first.event_id, second.event_id]),
                what="both erasure commands handled")
            await wait_until(lambda: duplicates_seen(client), what="the duplicate delivery acknowledged")
            leftovers = await conn.fetchval(
                """SELECT (SELECT count(*) FROM applications WHERE application_id = $1)
                        + (SELECT count(*) FROM documents WHERE application_id = $1)
                        + (SELECT count(*) FROM access_log WHERE application_id = $1)
                        + (SELECT count(*) FROM outgoing_mail WHERE application_id = $1)""", uuid.UUID(application_id))
            tombstone = await conn.fetchrow("SELECT * FROM erased_applications WHERE application_id = $1",
                                            uuid.UUID(application_id))
            erased_events = await conn.fetch(
                "SELECT envelope FROM outbox WHERE event_type = 'application.erased' AND aggregate_key = $1",
                f"application:{application_id}")
        finally:
            await conn.close()
        assert leftovers == 0
        assert tombstone["trigger"] == "company_request"
        # The second command only confirms again, with the date of the one erasure; one confirmation e-mail.
        assert len(erased_events) == 2
        assert len({json.loads(e["envelope"])["data"]["erased_at"] for e in erased_events}) == 1
        assert len(await smtp.wait_for(fields["email"], "erased")) == 1
        assert (await client.get(f"/api/applications/{application_id}", headers=company.headers)).status_code == 404
        assert (await client.get("/api/applicant/application", headers=applicant)).status_code == 401

    with pytest.raises(DecryptionFailed):
        open_data_key(keys_of(process), copy["application_id"])
    assert not data_key_file(process, application_id).exists()


async def duplicates_seen(client: httpx.AsyncClient) -> bool:
    metrics = (await client.get("/metrics")).text
    return any(line.startswith("consumer_messages_total") and 'consumer="applications.erasure"' in line
               and 'outcome="duplicate"' in line and not line.rstrip().endswith(" 0.0") for line in metrics.splitlines())


def data_key_file(process, application_id: str) -> Path:
    return Path(process.env["DATA_DIR"]) / "key-vault" / application_id[:2] / f"{application_id}.key"
