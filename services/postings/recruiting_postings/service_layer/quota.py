"""Handlers of billing's subscription events and auth's company.registered. They run in the consumer's inbox
transaction, so each event takes effect once however often it is delivered.

The rule when a subscription ends (see docs/postings.md): after a cancellation the company's published postings
stay online until they close, but no new ones can be published; after a suspension for non-payment the published
postings go offline at once (posting.closed, reason subscription_ended)."""

from __future__ import annotations

from recruiting_shared.events import (
    CompanyRegistered, SubscriptionActivated, SubscriptionChanged, SubscriptionEnded, SubscriptionRenewed,
)

from ..adapters.unit_of_work import UnitOfWork
from .handlers import closed_event, utcnow


async def subscription_activated(event: SubscriptionActivated, uow: UnitOfWork) -> None:
    await uow.postings.lock_company(event.company_id)
    await uow.subscriptions.activate(
        subscription_id=event.subscription_id, company_id=event.company_id, package_id=event.package_id,
        max_active_postings=event.max_active_postings, period_start=event.period_start, period_end=event.period_end,
    )


async def subscription_changed(event: SubscriptionChanged, uow: UnitOfWork) -> None:
    await uow.postings.lock_company(event.company_id)
    await uow.subscriptions.set_package(
        subscription_id=event.subscription_id, company_id=event.company_id, package_id=event.package_id,
        max_active_postings=event.max_active_postings, since=event.effective_on,
    )


async def subscription_renewed(event: SubscriptionRenewed, uow: UnitOfWork) -> None:
    await uow.postings.lock_company(event.company_id)
    await uow.subscriptions.set_package(
        subscription_id=event.subscription_id, company_id=event.company_id, package_id=event.package_id,
        max_active_postings=event.max_active_postings, since=event.period_start, period_end=event.period_end,
    )


async def subscription_ended(event: SubscriptionEnded, uow: UnitOfWork) -> None:
    await uow.postings.lock_company(event.company_id)
    await uow.subscriptions.end(subscription_id=event.subscription_id, company_id=event.company_id,
                                ended_on=event.ended_on, reason=event.reason)
    if event.reason != "suspended_for_non_payment":
        return
    # Another active package (one booked before this one ended) keeps the postings online.
    if await uow.subscriptions.allowance(company_id=event.company_id) is not None:
        return
    closed = await uow.postings.close_all_published(company_id=event.company_id, now=utcnow(),
                                                    reason="subscription_ended")
    for posting in closed:
        await uow.emit(closed_event(posting))


async def company_registered(event: CompanyRegistered, uow: UnitOfWork) -> None:
    await uow.companies.register(company_id=event.company_id, name=event.company_name,
                                 registered_at=event.registered_at)
