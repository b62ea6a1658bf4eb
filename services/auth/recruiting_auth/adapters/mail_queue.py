"""Outgoing e-mail through a queue table, so that an SMTP hiccup loses nothing and a request never waits for SMTP.

`enqueue` writes the message (sealed) in the caller's transaction: the mail exists if and only if what it tells
about was committed. `deliver_due` sends what is due, each message claimed with FOR UPDATE SKIP LOCKED so several
instances never send one twice, and deletes it once the SMTP server accepted it. A failure backs off exponentially;
a message whose content has expired (a reset link after 30 minutes) or that failed `max_attempts` times is dropped
with an error in the log. At least once: a crash between the server's acceptance and the commit sends it again."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress
from datetime import datetime

import asyncpg
from recruiting_shared.mailer import Mailer

from . import metrics
from .crypto import EncryptionKeyError, Sealer

log = logging.getLogger(__name__)

BATCH = 20
MAX_BACKOFF_SECONDS = 300


class MailQueue:
    def __init__(self, sealer: Sealer, mailer: Mailer, *, max_attempts: int, poll_seconds: float) -> None:
        self._sealer = sealer
        self._mailer = mailer
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    async def enqueue(self, conn: asyncpg.Connection, *, to: str, subject: str, text: str,
                      expires_at: datetime) -> None:
        message = json.dumps({"to": to, "subject": subject, "text": text}).encode()
        mail_id = await conn.fetchval("SELECT nextval(pg_get_serial_sequence('outgoing_mail', 'id'))")
        await conn.execute(
            "INSERT INTO outgoing_mail (id, message_sealed, expires_at) VALUES ($1, $2, $3)",
            mail_id, self._sealer.seal(message, _context(mail_id)), expires_at,
        )

    def wake(self) -> None:
        """Call after the enqueuing transaction committed: this instance delivers without waiting for the poll."""
        self._wake.set()

    async def run(self, pool: asyncpg.Pool) -> None:
        while True:
            try:
                while await self.deliver_due(pool) == BATCH:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("mail delivery round failed", extra={"error_type": type(exc).__name__})
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def deliver_due(self, pool: asyncpg.Pool) -> int:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, message_sealed, expires_at < now() AS expired, attempts FROM outgoing_mail
                   WHERE next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                BATCH,
            )
            for row in rows:
                await self._deliver(conn, row)
        return len(rows)

    async def _deliver(self, conn: asyncpg.Connection, row: asyncpg.Record) -> None:
        if row["expired"]:
            log.error("undelivered mail expired, dropped", extra={"attempt": row["attempts"]})
            await conn.execute("DELETE FROM outgoing_mail WHERE id = $1", row["id"])
            metrics.mail_dropped.inc()
            return
        try:
            message = json.loads(self._sealer.open(row["message_sealed"], _context(row["id"])))
        except (EncryptionKeyError, ValueError) as exc:
            # Permanent: sealed under another key or damaged. Dropped, so that it cannot hold up the queue.
            log.error("undecryptable mail dropped", extra={"error_type": type(exc).__name__})
            await conn.execute("DELETE FROM outgoing_mail WHERE id = $1", row["id"])
            metrics.mail_dropped.inc()
            return
        try:
            await self._mailer.send(message["to"], message["subject"], message["text"])
        except Exception as exc:
            await self._failed(conn, row, exc)
            return
        await conn.execute("DELETE FROM outgoing_mail WHERE id = $1", row["id"])
        metrics.mail_sent.inc()

    async def _failed(self, conn: asyncpg.Connection, row: asyncpg.Record, exc: Exception) -> None:
        attempts = row["attempts"] + 1
        if attempts >= self.max_attempts:
            log.error("mail failed too often, dropped", extra={"attempt": attempts, "error_type": type(exc).__name__})
            await conn.execute("DELETE FROM outgoing_mail WHERE id = $1", row["id"])
            metrics.mail_dropped.inc()
            return
        metrics.mail_failures.inc()
        log.warning("mail delivery failed, will retry", extra={"attempt": attempts, "error_type": type(exc).__name__})
        await conn.execute(
            """UPDATE outgoing_mail SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4)
               WHERE id = $1""",
            row["id"], attempts, type(exc).__name__, retry_delay(attempts),
        )


def retry_delay(attempts: int) -> float:
    """Seconds until the next try: 2, 4, 8, ... capped at five minutes."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** attempts))


def _context(mail_id: int) -> bytes:
    return f"outgoing_mail:{mail_id}".encode()
