"""Erasure (GDPR Art. 17) in two steps that retention connects:

1. A request (applicant or company) stops all access at once (no link, no session, no company read) and publishes
   `application.erasure_requested`. Retention records it, checks its legal holds and answers with
   `retention.erasure_due`, as its deadline sweeper also does when a retention period ends.
2. On `retention.erasure_due` the application is crypto-shredded (its vault entry deleted) and every row of it
   deleted, a tombstone with ids only is kept, the confirmation e-mail is queued and `application.erased` published.
   A later command for the same application finds the tombstone and only confirms again (same erasure date);
   a redelivered message is absorbed by the inbox."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import asyncpg
from recruiting_shared.events import ApplicationErased, ApplicationErasureRequested, ErasureDue

from ..adapters import mail_templates, repository as repo
from ..adapters.crypto import DecryptionFailed
from ..adapters.keys import open_data_key
from ..adapters.mail_queue import queue_service_mail
from ..domain.commands import RequestErasure
from ..domain.model import LEGAL_MONTH, ApplicationNotFound
from .context import Services

log = logging.getLogger(__name__)


async def request_erasure(cmd: RequestErasure, services: Services) -> datetime:
    """Returns the date by which the erasure happens at the latest."""
    async with services.pool.acquire() as conn, conn.transaction():
        row = await repo.get_application(conn, application_id=cmd.application_id, company_id=cmd.company_id,
                                         for_update=True)
        if row is None:
            raise ApplicationNotFound
        requested_at = await repo.mark_erasure_requested(conn, application_id=cmd.application_id, trigger=cmd.trigger)
        await services.outbox.add(conn, ApplicationErasureRequested(
            application_id=cmd.application_id, company_id=row["company_id"], trigger=cmd.trigger,
            requested_at=requested_at,
        ))
    return requested_at + LEGAL_MONTH


async def erase_application(event: ErasureDue, conn: asyncpg.Connection, services: Services) -> None:
    """Runs in the consumer's inbox transaction. The vault entry is shredded last, just before the commit: if the
    commit then fails, the redelivered command finds rows it can no longer read and deletes them all the same."""
    application_id = event.application_id
    row = await repo.get_application_for_erasure(conn, application_id=application_id)
    if row is None:
        await _confirm_again(event, conn, services)
        return
    email = _email_or_none(services, row)
    await repo.delete_application(conn, application_id=application_id)
    erased_at = await repo.record_erased(conn, application_id=application_id, company_id=row["company_id"],
                                         trigger=event.trigger)
    if email:
        subject, body = mail_templates.erasure_confirmation(trigger=event.trigger)
        await queue_service_mail(conn, services.keys, to=email, subject=subject, body=body)
    await services.outbox.add(conn, ApplicationErased(
        application_id=application_id, company_id=row["company_id"], trigger=event.trigger,
        erased_at=erased_at or datetime.now(UTC),
    ))
    await asyncio.to_thread(services.keys.vault.shred, application_id)
    services.mail.wake.set()
    log.info("application erased", extra={"application_id": application_id, "reason": event.trigger})


async def _confirm_again(event: ErasureDue, conn: asyncpg.Connection, services: Services) -> None:
    """A command for an application that is already gone: confirm once more with the original date (retention
    re-issues erasures it has not seen confirmed), send nothing, change nothing. An id never seen is logged."""
    await asyncio.to_thread(services.keys.vault.shred, event.application_id)
    tombstone = await repo.erased(conn, application_id=event.application_id)
    if tombstone is None:
        log.warning("erasure due for an unknown application", extra={"application_id": event.application_id})
        return
    await services.outbox.add(conn, ApplicationErased(
        application_id=event.application_id, company_id=tombstone["company_id"], trigger=event.trigger,
        erased_at=tombstone["erased_at"],
    ))


def _email_or_none(services: Services, row) -> str | None:
    try:
        return open_data_key(services.keys, row["application_id"]).open_text("email", row["email_enc"])
    except DecryptionFailed:
        return None  # already shredded by an attempt whose commit failed: no address left to confirm to
