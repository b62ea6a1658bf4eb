"""The applicant's self-service: session, view, export, documents, withdrawal, consent, interview slot."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from uuid import UUID

from recruiting_shared.events import ApplicationWithdrawn, ConsentChanged

from ..adapters import applicant_tokens, repository as repo
from ..adapters.crypto import token_hash
from ..adapters.keys import open_data_key
from ..domain.model import ApplicationNotFound, InvitationClosed, SlotNotFound, Status, check_withdrawable
from ..domain.model import InvalidTransition
from .context import Services
from .views import full_view, open_document


class InvalidLink(Exception):
    pass


async def open_session(token: str, services: Services) -> tuple[str, int]:
    async with services.pool.acquire() as conn:
        application_id = await repo.application_for_link(conn, token_hash=token_hash(token))
    if application_id is None:
        raise InvalidLink
    lifetime = timedelta(minutes=services.settings.applicant_session_minutes)
    return applicant_tokens.issue(services.keys.service.applicant_session, application_id, lifetime), int(lifetime.total_seconds())


async def authenticate(token: str, services: Services) -> UUID:
    """The application of a session token, as long as the application lives (no erasure requested or done)."""
    try:
        application_id = applicant_tokens.verify(services.keys.service.applicant_session, token)
    except applicant_tokens.InvalidApplicantToken:
        raise InvalidLink from None
    async with services.pool.acquire() as conn:
        if await repo.get_application(conn, application_id=application_id) is None:
            raise InvalidLink
    return application_id


async def _load(conn, services: Services, application_id: UUID, *, for_update: bool = False):
    row = await repo.get_application(conn, application_id=application_id, for_update=for_update)
    if row is None:
        raise ApplicationNotFound
    return row, open_data_key(services.keys, application_id)


async def view(application_id: UUID, services: Services) -> dict:
    async with services.pool.acquire() as conn:
        row, data_key = await _load(conn, services, application_id)
        return await full_view(services, conn, row, data_key)


async def document(application_id: UUID, document_id: UUID, services: Services) -> tuple[str, bytes]:
    async with services.pool.acquire() as conn:
        _, data_key = await _load(conn, services, application_id)
        row = await repo.get_document(conn, application_id=application_id, document_id=document_id)
    if row is None:
        raise ApplicationNotFound
    return await asyncio.to_thread(open_document, data_key, row)


async def export(application_id: UUID, services: Services) -> bytes:
    """Art. 20: data.json with everything stored, and the documents as they were uploaded."""
    async with services.pool.acquire() as conn:
        row, data_key = await _load(conn, services, application_id)
        data = await full_view(services, conn, row, data_key)
        documents = await repo.all_documents(conn, application_id=application_id)
    return await asyncio.to_thread(_zip, data, data_key, documents)


def _zip(data: dict, data_key, documents) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, default=str, indent=2, ensure_ascii=False))
        for position, row in enumerate(documents, start=1):
            filename, content = open_document(data_key, row)
            safe_name = "".join(c if c.isalnum() or c in "._- " else "_" for c in filename) or "document.pdf"
            archive.writestr(f"documents/{position}-{safe_name}", content)
    return buffer.getvalue()


async def withdraw(application_id: UUID, services: Services) -> None:
    async with services.pool.acquire() as conn, conn.transaction():
        row, _ = await _load(conn, services, application_id, for_update=True)
        check_withdrawable(row["status"])
        changed_at = await repo.change_status(conn, application_id=application_id, from_status=row["status"],
                                              to_status=Status.WITHDRAWN, decided=True)
        if changed_at is None:
            raise InvalidTransition("The application changed meanwhile; please reload.")
        await services.outbox.add(conn, ApplicationWithdrawn(
            application_id=application_id, company_id=row["company_id"], posting_id=row["posting_id"],
            withdrawn_at=changed_at,
        ))


async def set_talent_pool_consent(application_id: UUID, granted: bool, services: Services) -> bool:
    async with services.pool.acquire() as conn, conn.transaction():
        row, _ = await _load(conn, services, application_id, for_update=True)
        changed_at = await repo.set_talent_pool_consent(conn, application_id=application_id, granted=granted)
        if changed_at:
            await services.outbox.add(conn, ConsentChanged(
                application_id=application_id, company_id=row["company_id"], talent_pool=granted, changed_at=changed_at,
            ))
    return granted


async def choose_slot(application_id: UUID, slot_id: UUID, services: Services) -> dict:
    async with services.pool.acquire() as conn, conn.transaction():
        await _load(conn, services, application_id, for_update=True)
        chosen = await repo.choose_slot(conn, application_id=application_id, slot_id=slot_id)
        if chosen is None:
            if await repo.slot_exists(conn, application_id=application_id, slot_id=slot_id):
                raise InvitationClosed("A time has already been chosen for this invitation.")
            raise SlotNotFound
    return {"invitation_id": chosen["invitation_id"], "slot_id": slot_id, "starts_at": chosen["starts_at"],
            "ends_at": chosen["ends_at"], "chosen_at": datetime.now(UTC)}
