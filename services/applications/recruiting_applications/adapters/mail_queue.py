"""E-mails wait in the database until they are sent, sealed: under the application's data key while the
application lives (erasure shreds a waiting e-mail with everything else), under the service's mail key for the
erasure confirmation (sent after the data key is gone). A background loop sends them and deletes each once sent."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID, uuid4

import asyncpg

from .crypto import DataKey, DecryptionFailed
from .keys import KeyMaterial, open_data_key

log = logging.getLogger(__name__)

BATCH = 20
MAX_ATTEMPTS = 25  # with the backoff capped at 10 minutes: about three hours of trying


async def queue_application_mail(conn: asyncpg.Connection, data_key: DataKey, *, to: str, subject: str, body: str) -> None:
    mail_id = uuid4()
    await conn.execute(
        """INSERT INTO outgoing_mail (mail_id, application_id, sealed_with, subject, recipient_enc, body_enc)
           VALUES ($1, $2, 'application', $3, $4, $5)""",
        mail_id, data_key.application_id, subject,
        data_key.seal("mail.recipient", to.encode(), record_id=mail_id),
        data_key.seal("mail.body", body.encode(), record_id=mail_id),
    )


async def queue_service_mail(conn: asyncpg.Connection, keys: KeyMaterial, *, to: str, subject: str, body: str) -> None:
    mail_id = uuid4()
    await conn.execute(
        """INSERT INTO outgoing_mail (mail_id, application_id, sealed_with, subject, recipient_enc, body_enc)
           VALUES ($1, NULL, 'service', $2, $3, $4)""",
        mail_id, subject, keys.service.seal_mail(mail_id, "recipient", to), keys.service.seal_mail(mail_id, "body", body),
    )


class MailSender:
    def __init__(self, pool_ref, keys: KeyMaterial, mailer_ref, poll_seconds: float) -> None:
        self.pool_ref = pool_ref
        self.keys = keys
        self.mailer_ref = mailer_ref
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.send_due()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("mail queue: database unavailable", extra={"error_type": type(exc).__name__})
                sent = 0
            if sent == 0:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), self.poll_seconds)
                except TimeoutError:
                    pass

    async def send_due(self) -> int:
        sent = 0
        async with self.pool_ref().acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT * FROM outgoing_mail WHERE next_attempt_at <= now()
                   ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED""",
                BATCH,
            )
            for row in rows:
                if await self._send(conn, row):
                    sent += 1
        return sent

    async def _send(self, conn: asyncpg.Connection, row: asyncpg.Record) -> bool:
        try:
            to, body = self._open(row)
        except DecryptionFailed:
            # Its key is gone (the application was erased in between): nothing left that could be sent.
            log.warning("mail dropped, its key is gone", extra={"application_id": row["application_id"]})
            await conn.execute("DELETE FROM outgoing_mail WHERE mail_id = $1", row["mail_id"])
            return False
        try:
            await self.mailer_ref().send(to, row["subject"], body)
        except Exception as exc:
            if row["attempts"] + 1 >= MAX_ATTEMPTS:
                log.error("mail given up", extra={"error_type": type(exc).__name__, "attempt": row["attempts"] + 1})
                await conn.execute("DELETE FROM outgoing_mail WHERE mail_id = $1", row["mail_id"])
                return False
            log.warning("mail not sent, will retry", extra={"error_type": type(exc).__name__, "attempt": row["attempts"] + 1})
            await conn.execute(
                """UPDATE outgoing_mail SET attempts = attempts + 1,
                       next_attempt_at = now() + least(interval '1 second' * power(2, attempts), interval '10 minutes')
                   WHERE mail_id = $1""",
                row["mail_id"],
            )
            return False
        await conn.execute("DELETE FROM outgoing_mail WHERE mail_id = $1", row["mail_id"])
        return True

    def _open(self, row: asyncpg.Record) -> tuple[str, str]:
        mail_id: UUID = row["mail_id"]
        if row["sealed_with"] == "service":
            return (self.keys.service.open_mail(mail_id, "recipient", row["recipient_enc"]),
                    self.keys.service.open_mail(mail_id, "body", row["body_enc"]))
        data_key = open_data_key(self.keys, row["application_id"])
        return (data_key.open_text("mail.recipient", row["recipient_enc"], record_id=mail_id),
                data_key.open_text("mail.body", row["body_enc"], record_id=mail_id))
