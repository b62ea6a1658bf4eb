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


async def preview(uow: UnitOfWork, *, company_id: UUID, posting_id: UUID) -> bytes:
    posting = await company_posting(uow, company_id=company_id, posting_id=posting_id)
    return render_public(posting, await uow.companies.name_of(company_id))


async def public_job(conn: asyncpg.Connection, posting_id: UUID) -> bytes:
    found = await job_board.open_posting(conn, posting_id, utcnow())
    if found is None:
        raise JobNotFound()
    return render_public(*found)


async def job_board_page(conn: asyncpg.Connection, query: job_board.BoardQuery) -> dict:
    found, total = await job_board.search(conn, query, utcnow())
    return {
        "items": [public_document(posting, company_name) for posting, company_name in found],
        "total": total, "page": query.page, "page_size": query.page_size,
    }
