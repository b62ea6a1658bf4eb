"""Applying: check the documents by content, seal everything under a new data key, store, and queue the link
e-mail, all in one transaction with `application.submitted`."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from recruiting_shared.events import ApplicationSubmitted

from .. import metrics
from ..adapters import mail_templates, repository as repo
from ..adapters.crypto import DataKey, new_token, token_hash
from ..adapters.keys import open_data_key
from ..adapters.mail_queue import queue_application_mail
from ..adapters.pdf import NotAPdf, UnreadablePdf, inspect_pdf
from ..domain.commands import SubmitApplication, UploadedDocument
from ..domain.model import NotAPdfDocument, PostingNotOpen, UnreadableDocument
from .context import Services

LINKS_PER_HOUR = 3


async def submit_application(cmd: SubmitApplication, services: Services) -> UUID:
    async with services.pool.acquire() as conn:
        company_id = await repo.open_posting_company(conn, posting_id=cmd.posting_id)
    if company_id is None:
        raise PostingNotOpen("The posting does not exist or does not take applications.")
    page_counts = await asyncio.to_thread(_inspect_documents, cmd.documents)

    application_id = uuid4()
    data_key = DataKey.generate(application_id)
    document_ids = [uuid4() for _ in cmd.documents]
    sealed_fields, sealed_documents = await asyncio.to_thread(_seal, data_key, cmd, document_ids)
    await asyncio.to_thread(_store_key, services, data_key)

    submitted_at = datetime.now(UTC)
    try:
        async with services.pool.acquire() as conn, conn.transaction():
            await repo.insert_application(
                conn, application_id=application_id, company_id=company_id, posting_id=cmd.posting_id,
                submitted_at=submitted_at, talent_pool_consent=cmd.talent_pool_consent,
                email_lookup=services.keys.service.lookup_hash(cmd.applicant.email), sealed=sealed_fields,
            )
            for position, (document_id, document, page_count, (filename_enc, content_enc)) in enumerate(
                zip(document_ids, cmd.documents, page_counts, sealed_documents)
            ):
                await repo.insert_document(
                    conn, document_id=document_id, application_id=application_id, position=position,
                    size_bytes=len(document.content), page_count=page_count, filename_enc=filename_enc,
                    content_enc=content_enc,
                )
            await repo.add_consent(conn, application_id=application_id, kind="privacy", granted=True)
            if cmd.talent_pool_consent:
                await repo.add_consent(conn, application_id=application_id, kind="talent_pool", granted=True)
            await queue_link(conn, services, data_key, first_name=cmd.applicant.first_name, to=cmd.applicant.email,
                              template=mail_templates.application_link)
            await services.outbox.add(conn, ApplicationSubmitted(
                application_id=application_id, company_id=company_id, posting_id=cmd.posting_id,
                submitted_at=submitted_at, talent_pool_consent=cmd.talent_pool_consent,
            ))
    except BaseException:
        await asyncio.to_thread(services.keys.vault.shred, application_id)  # no key without its application
        raise
    services.mail.wake.set()
    return application_id


def _store_key(services: Services, data_key: DataKey) -> None:
    started = time.perf_counter()
    services.keys.vault.put(data_key.application_id, services.keys.ring.wrap(data_key))
    metrics.key_vault_seconds.observe(time.perf_counter() - started)


def _inspect_documents(documents: list[UploadedDocument]) -> list[int]:
    page_counts = []
    for position, document in enumerate(documents, start=1):
        try:
            page_counts.append(inspect_pdf(document.content).page_count)
        except NotAPdf:
            raise NotAPdfDocument(f"Document {position} is not a PDF.") from None
        except UnreadablePdf as exc:
            raise UnreadableDocument(f"Document {position} cannot be read: {exc}.") from None
    return page_counts


def _seal(data_key: DataKey, cmd: SubmitApplication, document_ids: list[UUID]):
    started = time.perf_counter()
    applicant = cmd.applicant
    fields = {name: data_key.seal_text(name, getattr(applicant, name))
              for name in ("first_name", "last_name", "email", "phone", "message")}
    documents = [
        (data_key.seal_text("document.filename", document.filename, record_id=document_id),
         data_key.seal("document.content", document.content, record_id=document_id))
        for document_id, document in zip(document_ids, cmd.documents)
    ]
    metrics.encryption_seconds.observe(time.perf_counter() - started)
    return fields, documents


async def queue_link(conn, services: Services, data_key: DataKey, *, first_name: str, to: str, template) -> str:
    """A new private link for the application and the e-mail that carries it (rendered by `template`)."""
    token = new_token()
    days = services.settings.link_token_days
    await repo.insert_access_link(conn, token_hash=token_hash(token), application_id=data_key.application_id,
                                  expires_at=datetime.now(UTC) + timedelta(days=days))
    subject, body = template(services.settings.public_url, token, first_name=first_name, valid_days=days)
    await queue_application_mail(conn, data_key, to=to, subject=subject, body=body)
    return token


async def send_fresh_links(email: str, services: Services) -> None:
    """For "send me my link again": the address is only compared as its keyed hash. At most LINKS_PER_HOUR links
    per application and hour (the one of the application e-mail included)."""
    lookup = services.keys.service.lookup_hash(email)
    async with services.pool.acquire() as conn:
        for application_id in await repo.application_ids_by_email_lookup(conn, email_lookup=lookup):
            async with conn.transaction():
                row = await repo.get_application(conn, application_id=application_id, for_update=True)
                if row is None or await repo.recent_links(conn, application_id=application_id) >= LINKS_PER_HOUR:
                    continue  # gone, or asked for too often: no one can flood an applicant's inbox through this
                data_key = open_data_key(services.keys, application_id)
                first_name = data_key.open_text("first_name", row["first_name_enc"])
                to = data_key.open_text("email", row["email_enc"])
                await queue_link(conn, services, data_key, first_name=first_name, to=to,
                                  template=mail_templates.fresh_link)
    services.mail.wake.set()
