"""Postings in PostgreSQL. Every company-facing query is scoped to the company: another company's posting is simply
not found. State changes are conditional updates whose RETURNING row says whether this call won."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from ..domain.model import EDITABLE_FIELDS, Posting, PostingStatus

COLUMNS = ("id", "company_id", "status", "title", "description", "location", "employment_type", "remote",
           "salary_min", "salary_max", "show_salary", "closes_at", "internal_notes", "internal_reference",
           "created_at", "updated_at", "published_at", "closed_at", "close_reason")
SELECT_COLUMNS = ", ".join(COLUMNS)
PLACEHOLDERS = ", ".join(f"${i}" for i in range(1, len(COLUMNS) + 1))
# Locks the company's row of postings while it publishes, so two publishes cannot both take the last place.
PUBLISH_LOCK_SPACE = 7_311_102


def to_posting(row: asyncpg.Record) -> Posting:
    values = {name: row[name] for name in COLUMNS}
    values["status"] = PostingStatus(values["status"])
    return Posting(**values)


class PostingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, posting: Posting) -> None:
        await self.conn.execute(
            f"INSERT INTO postings ({SELECT_COLUMNS}) VALUES ({PLACEHOLDERS})",
            *(getattr(posting, name) for name in COLUMNS),
        )

    async def get(self, *, posting_id: UUID, company_id: UUID, for_update: bool = False) -> Posting | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT {SELECT_COLUMNS} FROM postings WHERE id = $1 AND company_id = $2{lock}", posting_id, company_id
        )
        return to_posting(row) if row else None

    async def list_for_company(self, *, company_id: UUID, status: str | None = None) -> list[Posting]:
        if status is None:
            rows = await self.conn.fetch(
                f"SELECT {SELECT_COLUMNS} FROM postings WHERE company_id = $1 ORDER BY created_at DESC, id DESC",
                company_id,
            )
        else:
            rows = await self.conn.fetch(
                f"""SELECT {SELECT_COLUMNS} FROM postings WHERE company_id = $1 AND status = $2
                    ORDER BY created_at DESC, id DESC""",
                company_id, status,
            )
        return [to_posting(row) for row in rows]

    async def save_edit(self, posting: Posting) -> bool:
        """Writes the editable fields unless the posting was closed in the meantime."""
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(EDITABLE_FIELDS, start=4))
        updated = await self.conn.fetchval(
            f"""UPDATE postings SET updated_at = $3, {assignments}
                WHERE id = $1 AND company_id = $2 AND status <> 'closed' RETURNING true""",
            posting.id, posting.company_id, posting.updated_at, *(getattr(posting, name) for name in EDITABLE_FIELDS),
        )
        return bool(updated)

    async def mark_published(self, posting: Posting) -> bool:
        updated = await self.conn.fetchval(
            """UPDATE postings SET status = 'published', published_at = $3, updated_at = $3
               WHERE id = $1 AND company_id = $2 AND status = 'draft' RETURNING true""",
            posting.id, posting.company_id, posting.published_at,
        )
        return bool(updated)

    async def mark_closed(self, posting: Posting) -> bool:
        updated = await self.conn.fetchval(
            """UPDATE postings SET status = 'closed', closed_at = $3, updated_at = $3, close_reason = $4
               WHERE id = $1 AND company_id = $2 AND status = 'published' RETURNING true""",
            posting.id, posting.company_id, posting.closed_at, posting.close_reason,
        )
        return bool(updated)

    async def delete(self, *, posting_id: UUID, company_id: UUID) -> Posting | None:
        """The deleted posting as it was, so the caller knows whether it was still open."""
        row = await self.conn.fetchrow(
            f"DELETE FROM postings WHERE id = $1 AND company_id = $2 RETURNING {SELECT_COLUMNS}", posting_id, company_id
        )
        return to_posting(row) if row else None

    async def lock_company(self, company_id: UUID) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", PUBLISH_LOCK_SPACE, str(company_id))

    async def count_active(self, *, company_id: UUID, now: datetime) -> int:
        """A posting past its closing date no longer counts, even before the closing loop got to it."""
        return await self.conn.fetchval(
            """SELECT count(*) FROM postings WHERE company_id = $1 AND status = 'published'
                   AND (closes_at IS NULL OR closes_at > $2)""",
            company_id, now,
        )

    async def close_due(self, *, now: datetime, limit: int) -> list[Posting]:
        """Close published postings whose closing date has come. SKIP LOCKED lets several instances share the work
        without waiting on each other, and the status condition makes each posting close exactly once."""
        rows = await self.conn.fetch(
            f"""UPDATE postings SET status = 'closed', closed_at = closes_at, updated_at = $1,
                       close_reason = 'closing_date_reached'
                WHERE id IN (SELECT id FROM postings WHERE status = 'published' AND closes_at <= $1
                             ORDER BY closes_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                  AND status = 'published'
                RETURNING {SELECT_COLUMNS}""",
            now, limit,
        )
        return [to_posting(row) for row in rows]

    async def close_all_published(self, *, company_id: UUID, now: datetime, reason: str) -> list[Posting]:
        rows = await self.conn.fetch(
            f"""UPDATE postings SET status = 'closed', closed_at = $2, updated_at = $2, close_reason = $3
                WHERE company_id = $1 AND status = 'published' RETURNING {SELECT_COLUMNS}""",
            company_id, now, reason,
        )
        return [to_posting(row) for row in rows]
