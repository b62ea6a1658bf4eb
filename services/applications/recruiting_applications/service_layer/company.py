"""The company's side, bound to the purpose: list, read (logged), decide, invite. Every query is scoped to the
caller's company; another company's application is simply not found."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

from recruiting_shared.events import ApplicationStatusChanged

from ..adapters import mail_templates, repository as repo
from ..adapters.keys import open_data_key
from ..adapters.mail_queue import queue_application_mail
from ..domain.commands import ChangeStatus, InviteToInterview
from ..domain.model import (
    ACCESS_PURPOSE, DECISIONS, ApplicationNotFound, InvalidTransition, Status, check_company_transition,
    check_invitable,
)
from .applying import queue_link
from .context import Services
from .views import full_view, open_document

PAGE_SIZE = 50


async def list_applications(company_id: UUID, services: Services, *, posting_id: UUID | None, status: str | None,
                            page: int) -> dict:
    """The index carries no personal data: reading a person is a deliberate, logged act (read_application)."""
    async with services.pool.acquire() as conn:
        rows, total = await repo.list_company_applications(
            conn, company_id=company_id, posting_id=posting_id, status=status, limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    return {"items": [dict(row) for row in rows], "total": total, "page": page, "page_size": PAGE_SIZE}


async def _load(conn, application_id: UUID, company_id: UUID, *, for_update: bool = False):
    row = await repo.get_application(conn, application_id=application_id, company_id=company_id, for_update=for_update)
    if row is None:
        raise ApplicationNotFound
    return row


async def read_application(application_id: UUID, company_id: UUID, user_id: UUID, services: Services) -> dict:
    async with services.pool.acquire() as conn, conn.transaction():
        row = await _load(conn, application_id, company_id)
        await repo.log_access(conn, application_id=application_id, company_id=company_id, user_id=user_id,
                              action="read_application", purpose=ACCESS_PURPOSE)
        view = await full_view(services, conn, row, open_data_key(services.keys, application_id))
    view.pop("deletion_rule")
    return view


async def read_document(application_id: UUID, document_id: UUID, company_id: UUID, user_id: UUID,
                        services: Services) -> tuple[str, bytes]:
    async with services.pool.acquire() as conn, conn.transaction():
        await _load(conn, application_id, company_id)
        row = await repo.get_document(conn, application_id=application_id, document_id=document_id)
        if row is None:
            raise ApplicationNotFound
        await repo.log_access(conn, application_id=application_id, company_id=company_id, user_id=user_id,
                              action="read_document", document_id=document_id, purpose=ACCESS_PURPOSE)
    return await asyncio.to_thread(open_document, open_data_key(services.keys, application_id), row)


async def access_log(application_id: UUID, company_id: UUID, services: Services) -> list[dict]:
    async with services.pool.acquire() as conn:
        await _load(conn, application_id, company_id)
        return [dict(r) for r in await repo.access_log(conn, application_id=application_id)]


async def change_status(cmd: ChangeStatus, services: Services) -> dict:
    async with services.pool.acquire() as conn, conn.transaction():
        row = await _load(conn, cmd.application_id, cmd.company_id, for_update=True)
        check_company_transition(row["status"], cmd.status)
        changed_at = await repo.change_status(conn, application_id=cmd.application_id, from_status=row["status"],
                                              to_status=cmd.status, decided=Status(cmd.status) in DECISIONS)
        if changed_at is None:
            raise InvalidTransition("The application changed meanwhile; please reload.")
        await services.outbox.add(conn, ApplicationStatusChanged(
            application_id=cmd.application_id, company_id=cmd.company_id, posting_id=row["posting_id"],
            old_status=row["status"], new_status=cmd.status, changed_at=changed_at,
        ))
        if cmd.notify:
            data_key = open_data_key(services.keys, cmd.application_id)
            subject, body = mail_templates.status_notice(
                first_name=data_key.open_text("first_name", row["first_name_enc"]), status=cmd.status)
            await queue_application_mail(conn, data_key, to=data_key.open_text("email", row["email_enc"]),
                                         subject=subject, body=body)
    services.mail.wake.set()
    return {"application_id": cmd.application_id, "status": cmd.status, "status_changed_at": changed_at}


async def invite(cmd: InviteToInterview, services: Services) -> dict:
    invitation_id = uuid4()
    slots = [(uuid4(), slot.starts_at, slot.ends_at) for slot in cmd.slots]
    async with services.pool.acquire() as conn, conn.transaction():
        row = await _load(conn, cmd.application_id, cmd.company_id, for_update=True)
        check_invitable(row["status"])
        data_key = open_data_key(services.keys, cmd.application_id)
        await repo.insert_invitation(
            conn, invitation_id=invitation_id, application_id=cmd.application_id, company_id=cmd.company_id,
            invited_by=cmd.user_id,
            location_enc=data_key.seal_text("invitation.location", cmd.location, record_id=invitation_id),
            message_enc=data_key.seal_text("invitation.message", cmd.message, record_id=invitation_id),
            slots=slots,
        )
        first_name = data_key.open_text("first_name", row["first_name_enc"])
        await queue_link(
            conn, services, data_key, first_name=first_name, to=data_key.open_text("email", row["email_enc"]),
            template=lambda url, token, first_name, valid_days: mail_templates.interview_invitation(
                url, token, first_name=first_name, location=cmd.location, message=cmd.message,
                slots=[(start, end) for _, start, end in slots]),
        )
    services.mail.wake.set()
    return {"invitation_id": invitation_id, "application_id": cmd.application_id, "location": cmd.location,
            "message": cmd.message, "chosen_slot_id": None,
            "slots": [{"slot_id": s, "starts_at": start, "ends_at": end} for s, start, end in slots]}
