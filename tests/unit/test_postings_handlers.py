"""The handlers with an in-memory unit of work: which events each way of opening and closing a posting emits, and
how the quota follows billing's subscription events."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from recruiting_shared.events import (
    PostingClosed, PostingPublished, SubscriptionActivated, SubscriptionChanged, SubscriptionEnded,
)
from recruiting_postings.domain.commands import ClosePosting, CreatePosting, DeletePosting, EditPosting, PublishPosting
from recruiting_postings.domain.errors import NoActiveLicense, PostingNotFound, QuotaExhausted
from recruiting_postings.domain.model import PostingStatus
from recruiting_postings.domain.quota import Allowance, largest
from recruiting_postings.service_layer import handlers, quota


class FakePostings:
    def __init__(self):
        self.rows = {}

    async def add(self, posting):
        self.rows[posting.id] = posting

    async def get(self, *, posting_id, company_id, for_update=False):
        posting = self.rows.get(posting_id)
        return posting if posting and posting.company_id == company_id else None

    async def save_edit(self, posting):
        if self.rows[posting.id].status == PostingStatus.CLOSED:
            return False
        self.rows[posting.id] = posting
        return True

    async def _transition(self, posting, from_status):
        if self.rows[posting.id].status != from_status:
            return False
        self.rows[posting.id] = posting
        return True

    async def mark_published(self, posting):
        return await self._transition(posting, PostingStatus.DRAFT)

    async def mark_closed(self, posting):
        return await self._transition(posting, PostingStatus.PUBLISHED)

    async def delete(self, *, posting_id, company_id):
        posting = await self.get(posting_id=posting_id, company_id=company_id)
        return self.rows.pop(posting_id) if posting else None

    async def lock_company(self, company_id):
        pass

    async def count_active(self, *, company_id, now):
        return sum(1 for p in self.rows.values() if p.company_id == company_id and p.status == PostingStatus.PUBLISHED
                   and (p.closes_at is None or p.closes_at > now))

    async def close_due(self, *, now, limit):
        due = [p for p in self.rows.values()
               if p.status == PostingStatus.PUBLISHED and p.closes_at and p.closes_at <= now]
        for posting in due[:limit]:
            self.rows[posting.id] = replace(posting, status=PostingStatus.CLOSED, closed_at=posting.closes_at,
                                            close_reason="closing_date_reached")
        return [self.rows[p.id] for p in due[:limit]]

    async def close_all_published(self, *, company_id, now, reason):
        open_ = [p for p in self.rows.values() if p.company_id == company_id and p.status == PostingStatus.PUBLISHED]
        for posting in open_:
            self.rows[posting.id] = posting.close(now, reason)
        return [self.rows[p.id] for p in open_]


class FakeSubscriptions:
    def __init__(self):
        self.rows = {}

    async def allowance(self, *, company_id):
        return largest([Allowance(s["package_id"], s["max"]) for s in self.rows.values()
                        if s["company_id"] == company_id and s["status"] == "active"])

    async def activate(self, *, subscription_id, company_id, package_id, max_active_postings, period_start, period_end):
        self.rows.setdefault(subscription_id, {"company_id": company_id, "package_id": package_id,
                                               "max": max_active_postings, "status": "active"})

    async def set_package(self, *, subscription_id, company_id, package_id, max_active_postings, since, period_end=None):
        row = self.rows.setdefault(subscription_id, {"company_id": company_id, "status": "active"})
        if row["status"] == "active":
            row.update(package_id=package_id, max=max_active_postings)

    async def end(self, *, subscription_id, company_id, ended_on, reason):
        self.rows.setdefault(subscription_id, {"company_id": company_id, "package_id": "", "max": 0})["status"] = "ended"


class FakeUnitOfWork:
    def __init__(self):
        self.postings = FakePostings()
        self.subscriptions = FakeSubscriptions()
        self.events = []

    async def emit(self, event):
        self.events.append(event)


COMPANY = uuid4()
SUBSCRIPTION = uuid4()


@pytest.fixture
def uow():
    return FakeUnitOfWork()


async def new_posting(uow, **fields):
    return await handlers.create_posting(
        CreatePosting(COMPANY, {"title": "Pflegefachkraft", "employment_type": "part_time", **fields}), uow)


async def licensed(uow, max_active_postings):
    await quota.subscription_activated(SubscriptionActivated(
        subscription_id=SUBSCRIPTION, company_id=COMPANY, package_id="starter", max_active_postings=max_active_postings,
        cycle="monthly", period_start=date(2026, 12, 1), period_end=date(2026, 12, 31)), uow)


async def test_publishing_without_a_package_is_refused(uow):
    posting = await new_posting(uow)
    with pytest.raises(NoActiveLicense):
        await handlers.publish_posting(PublishPosting(COMPANY, posting.id), uow)
    assert uow.events == []


async def test_publish_emits_posting_published_once_and_respects_the_quota(uow):
    await licensed(uow, 1)
    first, second = await new_posting(uow), await new_posting(uow)
    await handlers.publish_posting(PublishPosting(COMPANY, first.id), uow)
    await handlers.publish_posting(PublishPosting(COMPANY, first.id), uow)  # a double click
    assert [type(e) for e in uow.events] == [PostingPublished]
    with pytest.raises(QuotaExhausted):
        await handlers.publish_posting(PublishPosting(COMPANY, second.id), uow)
    await quota.subscription_changed(SubscriptionChanged(
        subscription_id=SUBSCRIPTION, company_id=COMPANY, package_id="business", previous_package_id="starter",
        max_active_postings=5, effective_on=date(2026, 12, 3)), uow)
    assert (await handlers.publish_posting(PublishPosting(COMPANY, second.id), uow)).status == PostingStatus.PUBLISHED


async def test_every_way_a_posting_stops_being_open_emits_posting_closed(uow):
    await licensed(uow, 10)
    by_company, deleted, due = await new_posting(uow), await new_posting(uow), await new_posting(uow)
    draft = await new_posting(uow)
    for posting in (by_company, deleted, due):
        await handlers.publish_posting(PublishPosting(COMPANY, posting.id), uow)
    uow.events.clear()
    await handlers.close_posting(ClosePosting(COMPANY, by_company.id), uow)
    await handlers.delete_posting(DeletePosting(COMPANY, deleted.id), uow)
    await handlers.delete_posting(DeletePosting(COMPANY, draft.id), uow)  # never open: nothing to announce
    uow.postings.rows[due.id] = replace(uow.postings.rows[due.id], closes_at=datetime.now(UTC) - timedelta(seconds=1))
    assert await handlers.close_due_postings(uow) == 1
    assert await handlers.close_due_postings(uow) == 0
    assert [(e.posting_id, e.reason) for e in uow.events if isinstance(e, PostingClosed)] == [
        (by_company.id, "closed_by_company"), (deleted.id, "deleted"), (due.id, "closing_date_reached")]


async def test_another_companys_posting_is_not_found(uow):
    posting = await new_posting(uow)
    for attempt in (handlers.publish_posting(PublishPosting(uuid4(), posting.id), uow),
                    handlers.close_posting(ClosePosting(uuid4(), posting.id), uow),
                    handlers.edit_posting(EditPosting(uuid4(), posting.id, {"title": "x"}), uow),
                    handlers.delete_posting(DeletePosting(uuid4(), posting.id), uow)):
        with pytest.raises(PostingNotFound):
            await attempt
    assert uow.postings.rows[posting.id].title == "Pflegefachkraft"


async def test_renaming_a_published_posting_announces_it_again(uow):
    await licensed(uow, 1)
    posting = await new_posting(uow)
    await handlers.publish_posting(PublishPosting(COMPANY, posting.id), uow)
    await handlers.edit_posting(EditPosting(COMPANY, posting.id, {"title": "Pflegefachkraft (Nacht)"}), uow)
    await handlers.edit_posting(EditPosting(COMPANY, posting.id, {"internal_notes": "intern"}), uow)
    assert [e.title for e in uow.events] == ["Pflegefachkraft", "Pflegefachkraft (Nacht)"]


@pytest.mark.parametrize("reason, stays_online", [("cancelled", True), ("suspended_for_non_payment", False)])
async def test_when_the_subscription_ends(uow, reason, stays_online):
    await licensed(uow, 2)
    posting, draft = await new_posting(uow), await new_posting(uow)
    await handlers.publish_posting(PublishPosting(COMPANY, posting.id), uow)
    uow.events.clear()
    await quota.subscription_ended(SubscriptionEnded(subscription_id=SUBSCRIPTION, company_id=COMPANY,
                                                     ended_on=date(2026, 12, 31), reason=reason), uow)
    assert uow.postings.rows[posting.id].is_open is stays_online
    assert [e.reason for e in uow.events] == ([] if stays_online else ["subscription_ended"])
    with pytest.raises(NoActiveLicense):
        await handlers.publish_posting(PublishPosting(COMPANY, draft.id), uow)
    # A late redelivery of the activation does not bring the ended subscription back.
    await licensed(uow, 2)
    assert await uow.subscriptions.allowance(company_id=COMPANY) is None
