"""Reads: the company's own postings, the preview, the public job board. The preview and the public page both go
through domain.projection.render_public, so they cannot drift apart."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..adapters import job_board
from ..adapters.unit_of_work import UnitOfWork
from ..domain.errors import JobNotFound, PostingNotFound
from ..domain.model import Posting
from ..domain.projection import encode, public_document, render_public
from .handlers import utcnow


async def company_posting(uow: UnitOfWork, *, company_id: UUID, posting_id: UUID) -> Posting:
    posting = await uow.postings.get(posting_id=posting_id, company_id=company_id)
    if posting is None:
        raise PostingNotFound()
    return posting


async def quota(uow: UnitOfWork, *, company_id: UUID) -> dict:
    allowance = await uow.subscriptions.allowance(company_id=company_id)
    active = await uow.postings.count_active(company_id=company_id, now=utcnow())
    limit = allowance.max_active_postings if allowance else 0
    return {"package_id": allowance.package_id if allowance else None, "max_active_postings": limit,
            "active_postings": active, "may_publish": allowance is not None and active < limit}


async def preview(uow: UnitOfWork, *, company_id: UUID, posting_id: UUID) -> bytes:
    posting = await company_posting(uow, company_id=company_id, posting_id=posting_id)
    return render_public(posting, await uow.companies.name_of(company_id))


async def public_job(conn: asyncpg.Connection, posting_id: UUID) -> bytes:
    found = await job_board.open_posting(conn, posting_id, utcnow())
    if found is None:
        raise JobNotFound()
    return render_public(*found)


async def job_board_page(conn: asyncpg.Connection, query: job_board.BoardQuery) -> bytes:
    """Each item is the same public document as the posting's own page."""
    found, total = await job_board.search(conn, query, utcnow())
    return encode({
        "items": [public_document(posting, company_name) for posting, company_name in found],
        "total": total, "page": query.page, "page_size": query.page_size,
    })
