"""Handlers: load, change, commit. Each runs inside one unit of work, so the state change and its events
(posting.published, posting.closed) are committed together. The applications service learns which postings are
open only from these events, so every way a posting stops being open emits posting.closed."""

from __future__ import annotations

from datetime import UTC, datetime

from recruiting_shared.events import PostingClosed, PostingPublished

from ..adapters.unit_of_work import UnitOfWork
from ..domain.commands import ClosePosting, CreatePosting, DeletePosting, EditPosting, PublishPosting
from ..domain.errors import PostingClosedAlready, PostingNotFound, PostingNotPublished
from ..domain.model import Posting, PostingStatus
from ..domain.quota import check_may_publish


def utcnow() -> datetime:
    return datetime.now(UTC)


async def create_posting(cmd: CreatePosting, uow: UnitOfWork) -> Posting:
    posting = Posting.draft(company_id=cmd.company_id, now=utcnow(), **cmd.fields)
    await uow.postings.add(posting)
    return posting


async def edit_posting(cmd: EditPosting, uow: UnitOfWork) -> Posting:
    before = await _load(uow, cmd.company_id, cmd.posting_id)
    edited = before.edit(cmd.changes, utcnow())
    if not await uow.postings.save_edit(edited):
        raise PostingClosedAlready()
    if edited.public_changes_need_announcing(before):
        await uow.emit(published_event(edited))
    return edited


async def publish_posting(cmd: PublishPosting, uow: UnitOfWork) -> Posting:
    """Publishing twice is harmless: an already published posting is returned as it is."""
    await uow.postings.lock_company(cmd.company_id)
    posting = await _load(uow, cmd.company_id, cmd.posting_id)
    if posting.status == PostingStatus.PUBLISHED:
        return posting
    now = utcnow()
    published = posting.publish(now)
    allowance = await uow.subscriptions.allowance(company_id=cmd.company_id)
    check_may_publish(allowance, await uow.postings.count_active(company_id=cmd.company_id, now=now))
    if not await uow.postings.mark_published(published):
        raise PostingClosedAlready()
    await uow.emit(published_event(published))
    return published


async def close_posting(cmd: ClosePosting, uow: UnitOfWork) -> Posting:
    posting = await _load(uow, cmd.company_id, cmd.posting_id)
    if posting.status == PostingStatus.CLOSED:
        return posting
    closed = posting.close(utcnow(), "closed_by_company")
    if not await uow.postings.mark_closed(closed):
        raise PostingNotPublished()
    await uow.emit(closed_event(closed))
    return closed


async def delete_posting(cmd: DeletePosting, uow: UnitOfWork) -> None:
    deleted = await uow.postings.delete(posting_id=cmd.posting_id, company_id=cmd.company_id)
    if deleted is None:
        raise PostingNotFound()
    if deleted.is_open:
        await uow.emit(closed_event(deleted.close(utcnow(), "deleted")))


async def close_due_postings(uow: UnitOfWork, *, limit: int = 100) -> int:
    """One batch of the closing loop; returns how many postings it closed."""
    closed = await uow.postings.close_due(now=utcnow(), limit=limit)
    for posting in closed:
        await uow.emit(closed_event(posting))
    return len(closed)


async def _load(uow: UnitOfWork, company_id, posting_id) -> Posting:
    posting = await uow.postings.get(posting_id=posting_id, company_id=company_id, for_update=True)
    if posting is None:
        raise PostingNotFound()
    return posting


def published_event(posting: Posting) -> PostingPublished:
    return PostingPublished(posting_id=posting.id, company_id=posting.company_id, title=posting.title,
                            published_at=posting.published_at, closes_at=posting.closes_at)


def closed_event(posting: Posting) -> PostingClosed:
    return PostingClosed(posting_id=posting.id, company_id=posting.company_id, closed_at=posting.closed_at,
                         reason=posting.close_reason)
