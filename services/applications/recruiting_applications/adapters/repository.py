"""asyncpg queries of the applications service: one function per query, keyword-only filters. Ciphertexts go in
and come out as they are; sealing and opening happens in the service layer, with the application's data key."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

Conn = asyncpg.Connection


# --- postings --------------------------------------------------------------------------------------------------------
async def record_posting_published(conn: Conn, *, posting_id: UUID, company_id: UUID, published_at: datetime,
                                   closes_at: datetime | None) -> None:
    """Order-independent: a late `published` never reopens a posting closed after it."""
    await conn.execute(
        """INSERT INTO postings (posting_id, company_id, published_at, closes_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (posting_id) DO UPDATE SET
               published_at = greatest(postings.published_at, EXCLUDED.published_at),
               closes_at = CASE WHEN postings.published_at IS NULL OR EXCLUDED.published_at >= postings.published_at
                                THEN EXCLUDED.closes_at ELSE postings.closes_at END""",
        posting_id, company_id, published_at, closes_at,
    )


async def record_posting_closed(conn: Conn, *, posting_id: UUID, company_id: UUID, closed_at: datetime) -> None:
    await conn.execute(
        """INSERT INTO postings (posting_id, company_id, closed_at) VALUES ($1, $2, $3)
           ON CONFLICT (posting_id) DO UPDATE SET closed_at = greatest(postings.closed_at, EXCLUDED.closed_at)""",
        posting_id, company_id, closed_at,
    )


async def open_posting_company(conn: Conn, *, posting_id: UUID) -> UUID | None:
    """The company of a posting that takes applications now, or None."""
    return await conn.fetchval(
        """SELECT company_id FROM postings
           WHERE posting_id = $1 AND published_at IS NOT NULL
             AND (closed_at IS NULL OR closed_at < published_at)
             AND (closes_at IS NULL OR closes_at > now())""",
        posting_id,
    )


# --- applications ----------------------------------------------------------------------------------------------------
async def insert_application(conn: Conn, *, application_id: UUID, company_id: UUID, posting_id: UUID,
                             submitted_at: datetime, talent_pool_consent: bool, email_lookup: bytes,
                             sealed: dict[str, bytes | None]) -> None:
    await conn.execute(
        """INSERT INTO applications (application_id, company_id, posting_id, submitted_at, status_changed_at,
               privacy_consent_at, talent_pool_consent, email_lookup, first_name_enc, last_name_enc, email_enc,
               phone_enc, message_enc)
           VALUES ($1, $2, $3, $4, $4, $4, $5, $6, $7, $8, $9, $10, $11)""",
        application_id, company_id, posting_id, submitted_at, talent_pool_consent, email_lookup,
        sealed["first_name"], sealed["last_name"], sealed["email"], sealed["phone"], sealed["message"],
    )


async def insert_document(conn: Conn, *, document_id: UUID, application_id: UUID, position: int, size_bytes: int,
                          page_count: int, filename_enc: bytes, content_enc: bytes) -> None:
    await conn.execute(
        """INSERT INTO documents (document_id, application_id, position, size_bytes, page_count, filename_enc,
               content_enc) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        document_id, application_id, position, size_bytes, page_count, filename_enc, content_enc,
    )


async def get_application(conn: Conn, *, application_id: UUID, company_id: UUID | None = None,
                          for_update: bool = False) -> asyncpg.Record | None:
    """A living application: not erased and no erasure pending. With company_id, only that company's."""
    return await conn.fetchrow(
        f"""SELECT * FROM applications WHERE application_id = $1 AND erasure_requested_at IS NULL
            AND ($2::uuid IS NULL OR company_id = $2) {"FOR UPDATE" if for_update else ""}""",
        application_id, company_id,
    )


async def get_application_for_erasure(conn: Conn, *, application_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM applications WHERE application_id = $1 FOR UPDATE", application_id)


async def list_company_applications(conn: Conn, *, company_id: UUID, posting_id: UUID | None, status: str | None,
                                    limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    where = """company_id = $1 AND erasure_requested_at IS NULL AND ($2::uuid IS NULL OR posting_id = $2)
               AND ($3::text IS NULL OR status = $3)"""
    rows = await conn.fetch(
        f"""SELECT a.application_id, a.posting_id, a.status, a.submitted_at, a.status_changed_at, a.decided_at,
                   (SELECT count(*) FROM documents d WHERE d.application_id = a.application_id) AS document_count
            FROM applications a WHERE {where} ORDER BY submitted_at DESC, application_id LIMIT $4 OFFSET $5""",
        company_id, posting_id, status, limit, offset,
    )
    total = await conn.fetchval(f"SELECT count(*) FROM applications WHERE {where}", company_id, posting_id, status)
    return rows, total


async def application_ids_by_email_lookup(conn: Conn, *, email_lookup: bytes) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT application_id FROM applications WHERE email_lookup = $1 AND erasure_requested_at IS NULL",
        email_lookup,
    )
    return [row["application_id"] for row in rows]


async def change_status(conn: Conn, *, application_id: UUID, from_status: str, to_status: str,
                        decided: bool) -> datetime | None:
    """Conditional: returns the time of the change, or None when the status was no longer `from_status`."""
    return await conn.fetchval(
        """UPDATE applications SET status = $3, status_changed_at = now(),
               decided_at = CASE WHEN $4 THEN now() ELSE decided_at END
           WHERE application_id = $1 AND status = $2 AND erasure_requested_at IS NULL
           RETURNING status_changed_at""",
        application_id, from_status, to_status, decided,
    )


async def set_talent_pool_consent(conn: Conn, *, application_id: UUID, granted: bool) -> datetime | None:
    """Returns the time of the change, or None when the consent already had that value."""
    changed_at = await conn.fetchval(
        """UPDATE applications SET talent_pool_consent = $2
           WHERE application_id = $1 AND talent_pool_consent <> $2 RETURNING now()""",
        application_id, granted,
    )
    if changed_at:
        await add_consent(conn, application_id=application_id, kind="talent_pool", granted=granted)
    return changed_at


async def add_consent(conn: Conn, *, application_id: UUID, kind: str, granted: bool) -> None:
    await conn.execute(
        "INSERT INTO consent_history (application_id, kind, granted) VALUES ($1, $2, $3)", application_id, kind, granted,
    )


async def consent_history(conn: Conn, *, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT kind, granted, changed_at FROM consent_history WHERE application_id = $1 ORDER BY id", application_id,
    )


async def mark_erasure_requested(conn: Conn, *, application_id: UUID, trigger: str) -> datetime | None:
    """Conditional: the first request wins and returns its time; access links stop working at once."""
    requested_at = await conn.fetchval(
        """UPDATE applications SET erasure_requested_at = now(), erasure_trigger = $2
           WHERE application_id = $1 AND erasure_requested_at IS NULL RETURNING erasure_requested_at""",
        application_id, trigger,
    )
    if requested_at:
        await conn.execute("DELETE FROM access_links WHERE application_id = $1", application_id)
    return requested_at


async def delete_application(conn: Conn, *, application_id: UUID) -> None:
    """Every row of the application goes with it (ON DELETE CASCADE): documents, links, consents, access log,
    invitations and e-mails still waiting."""
    await conn.execute("DELETE FROM applications WHERE application_id = $1", application_id)


async def record_erased(conn: Conn, *, application_id: UUID, company_id: UUID, trigger: str) -> datetime:
    return await conn.fetchval(
        """INSERT INTO erased_applications (application_id, company_id, trigger) VALUES ($1, $2, $3)
           ON CONFLICT (application_id) DO UPDATE SET application_id = EXCLUDED.application_id
           RETURNING erased_at""",
        application_id, company_id, trigger,
    )


async def erased(conn: Conn, *, application_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM erased_applications WHERE application_id = $1", application_id)


# --- documents -------------------------------------------------------------------------------------------------------
async def list_documents(conn: Conn, *, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT document_id, position, size_bytes, page_count, filename_enc FROM documents
           WHERE application_id = $1 ORDER BY position""",
        application_id,
    )


async def get_document(conn: Conn, *, application_id: UUID, document_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM documents WHERE application_id = $1 AND document_id = $2", application_id, document_id,
    )


async def all_documents(conn: Conn, *, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM documents WHERE application_id = $1 ORDER BY position", application_id)


# --- access links ----------------------------------------------------------------------------------------------------
async def insert_access_link(conn: Conn, *, token_hash: bytes, application_id: UUID, expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO access_links (token_hash, application_id, expires_at) VALUES ($1, $2, $3)",
        token_hash, application_id, expires_at,
    )


async def recent_links(conn: Conn, *, application_id: UUID) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM access_links WHERE application_id = $1 AND created_at > now() - interval '1 hour'",
        application_id,
    )


async def application_for_link(conn: Conn, *, token_hash: bytes) -> UUID | None:
    return await conn.fetchval(
        """SELECT l.application_id FROM access_links l JOIN applications a USING (application_id)
           WHERE l.token_hash = $1 AND l.expires_at > now() AND a.erasure_requested_at IS NULL""",
        token_hash,
    )


# --- access log ------------------------------------------------------------------------------------------------------
async def log_access(conn: Conn, *, application_id: UUID, company_id: UUID, user_id: UUID, action: str,
                     purpose: str, document_id: UUID | None = None) -> None:
    await conn.execute(
        """INSERT INTO access_log (application_id, company_id, user_id, action, document_id, purpose)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        application_id, company_id, user_id, action, document_id, purpose,
    )


async def access_log(conn: Conn, *, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT user_id, action, document_id, purpose, accessed_at FROM access_log
           WHERE application_id = $1 ORDER BY id""",
        application_id,
    )


# --- interviews ------------------------------------------------------------------------------------------------------
async def insert_invitation(conn: Conn, *, invitation_id: UUID, application_id: UUID, company_id: UUID,
                            invited_by: UUID, location_enc: bytes, message_enc: bytes | None,
                            slots: list[tuple[UUID, datetime, datetime]]) -> None:
    await conn.execute(
        """INSERT INTO interview_invitations (invitation_id, application_id, company_id, invited_by, location_enc,
               message_enc) VALUES ($1, $2, $3, $4, $5, $6)""",
        invitation_id, application_id, company_id, invited_by, location_enc, message_enc,
    )
    await conn.executemany(
        "INSERT INTO interview_slots (slot_id, invitation_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        [(slot_id, invitation_id, starts_at, ends_at) for slot_id, starts_at, ends_at in slots],
    )


async def invitations(conn: Conn, *, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT i.invitation_id, i.invited_by, i.created_at, i.location_enc, i.message_enc, i.chosen_slot_id,
                  i.chosen_at,
                  coalesce(json_agg(json_build_object('slot_id', s.slot_id, 'starts_at', s.starts_at,
                                                      'ends_at', s.ends_at) ORDER BY s.starts_at)
                           FILTER (WHERE s.slot_id IS NOT NULL), '[]') AS slots
           FROM interview_invitations i LEFT JOIN interview_slots s USING (invitation_id)
           WHERE i.application_id = $1 GROUP BY i.invitation_id ORDER BY i.created_at""",
        application_id,
    )


async def choose_slot(conn: Conn, *, application_id: UUID, slot_id: UUID) -> asyncpg.Record | None:
    """Conditional: only an invitation of this application whose slot is not chosen yet."""
    return await conn.fetchrow(
        """UPDATE interview_invitations i SET chosen_slot_id = s.slot_id, chosen_at = now()
           FROM interview_slots s
           WHERE s.slot_id = $2 AND s.invitation_id = i.invitation_id AND i.application_id = $1
             AND i.chosen_slot_id IS NULL
           RETURNING i.invitation_id, s.starts_at, s.ends_at""",
        application_id, slot_id,
    )


async def slot_exists(conn: Conn, *, application_id: UUID, slot_id: UUID) -> bool:
    return bool(await conn.fetchval(
        """SELECT 1 FROM interview_slots s JOIN interview_invitations i USING (invitation_id)
           WHERE s.slot_id = $2 AND i.application_id = $1""",
        application_id, slot_id,
    ))
