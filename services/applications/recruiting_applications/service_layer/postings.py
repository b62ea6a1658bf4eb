"""Which postings take applications, learnt only from the posting events (never from postings' database)."""

from __future__ import annotations

import asyncpg
from recruiting_shared.events import PostingClosed, PostingPublished

from ..adapters import repository as repo


async def record_posting_published(event: PostingPublished, conn: asyncpg.Connection) -> None:
    await repo.record_posting_published(conn, posting_id=event.posting_id, company_id=event.company_id,
                                        published_at=event.published_at, closes_at=event.closes_at)


async def record_posting_closed(event: PostingClosed, conn: asyncpg.Connection) -> None:
    await repo.record_posting_closed(conn, posting_id=event.posting_id, company_id=event.company_id,
                                     closed_at=event.closed_at)
