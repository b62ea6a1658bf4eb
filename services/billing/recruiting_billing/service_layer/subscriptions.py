"""Booking, changing, cancelling and renewing subscriptions. Each state change writes its `subscription.*` event
(and, when money is due, a charge) in the same transaction; invoices follow asynchronously (invoicing.py)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from uuid import UUID

import asyncpg
from recruiting_shared.events import SubscriptionActivated, SubscriptionChanged, SubscriptionEnded, SubscriptionRenewed

from ..adapters.repository import Repository
from ..domain import subscriptions as rules
from ..domain.errors import ProfileRequired, SubscriptionExists, SubscriptionNotFound, UnknownPackage
from ..domain.packages import Cycle, Package
from .context import BillingContext

log = logging.getLogger(__name__)
RENEWAL_BATCH = 100


def package_or_422(context: BillingContext, package_id: str) -> Package:
    package = context.settings.package(package_id)
    if package is None:
        raise UnknownPackage("There is no package with this id; see GET /api/billing/packages.")
    return package


async def book_subscription(conn: asyncpg.Connection, context: BillingContext, company_id: UUID, package_id: str,
                            cycle: Cycle) -> rules.Subscription:
    package = package_or_422(context, package_id)
    repository = Repository(conn)
    if await repository.get_profile(company_id=company_id) is None:
        raise ProfileRequired("Fill in the billing profile (PUT /api/billing/profile) before booking a package.")
    subscription, charge = rules.book(company_id, package, cycle, context.clock())
    try:
        async with conn.transaction():  # a savepoint, so that the unique violation leaves the caller's transaction usable
            await repository.add_subscription(subscription)
    except asyncpg.UniqueViolationError:
        raise SubscriptionExists("Change or cancel the active subscription instead.") from None
    await _add_charge(repository, charge)
    await context.outbox.add(conn, SubscriptionActivated(
        subscription_id=subscription.id, company_id=company_id, package_id=package.id,
        max_active_postings=package.max_active_postings, cycle=cycle, period_start=subscription.period.start,
        period_end=subscription.period.end,
    ))
    return subscription


async def change_subscription(conn: asyncpg.Connection, context: BillingContext, company_id: UUID,
                              subscription_id: UUID, package_id: str) -> rules.Subscription:
    new_package = package_or_422(context, package_id)
    repository = Repository(conn)
    subscription = await _subscription_or_404(repository, company_id, subscription_id)
    current = package_or_422(context, subscription.package_id)
    change = rules.change_package(subscription, current, new_package, context.clock())
    await repository.update_subscription(change.subscription, expected_period_end=subscription.period.end)
    if change.kind == "upgrade":
        if change.charge:
            await _add_charge(repository, change.charge)
        await context.outbox.add(conn, SubscriptionChanged(
            subscription_id=subscription.id, company_id=company_id, package_id=new_package.id,
            previous_package_id=current.id, max_active_postings=new_package.max_active_postings,
            effective_on=change.effective_on,
        ))
    # A downgrade is only noted here; its event goes out when it takes effect, at the renewal.
    return change.subscription


async def cancel_subscription(conn: asyncpg.Connection, context: BillingContext, company_id: UUID,
                              subscription_id: UUID) -> rules.Subscription:
    repository = Repository(conn)
    subscription = await _subscription_or_404(repository, company_id, subscription_id)
    cancelled = rules.cancel_at_period_end(subscription)
    await repository.update_subscription(cancelled, expected_period_end=subscription.period.end)
    return cancelled


async def renew_due_subscriptions(pool: asyncpg.Pool, context: BillingContext, today: date) -> int:
    """Renew (or end, when cancelled) every active subscription whose period ended before `today`, catching up
    several periods if the run was away. Safe with several instances: rows are claimed FOR UPDATE SKIP LOCKED and
    updated conditionally on the period they had."""
    handled = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            due = await Repository(conn).subscriptions_due_for_renewal(today=today, limit=RENEWAL_BATCH)
            for subscription in due:
                await _renew_or_end(conn, context, subscription, today)
        if not due:  # also after catching up several periods: a renewed row may still be due
            return handled
        handled += len(due)


async def _renew_or_end(conn: asyncpg.Connection, context: BillingContext, subscription: rules.Subscription,
                        today: date) -> None:
    repository = Repository(conn)
    if subscription.cancel_at_period_end:
        await end_subscription(conn, context, subscription, ended_on=subscription.period.end, reason="cancelled")
        return
    current = package_or_422(context, subscription.package_id)
    package = context.settings.package(subscription.pending_package_id or "") or current
    renewed, charge = rules.renew(subscription, package, today)
    if not await repository.update_subscription(renewed, expected_period_end=subscription.period.end):
        return
    await _add_charge(repository, charge)
    if package.id != current.id:
        await context.outbox.add(conn, SubscriptionChanged(
            subscription_id=renewed.id, company_id=renewed.company_id, package_id=package.id,
            previous_package_id=current.id, max_active_postings=package.max_active_postings,
            effective_on=renewed.period.start,
        ))
    await context.outbox.add(conn, SubscriptionRenewed(
        subscription_id=renewed.id, company_id=renewed.company_id, package_id=package.id,
        max_active_postings=package.max_active_postings, period_start=renewed.period.start,
        period_end=renewed.period.end,
    ))


async def end_subscription(conn: asyncpg.Connection, context: BillingContext, subscription: rules.Subscription, *,
                           ended_on: date, reason: str) -> bool:
    """End (cancelled) or suspend (non-payment) an active subscription, once."""
    status = "suspended" if reason == "suspended_for_non_payment" else "ended"
    ended = replace(subscription, status=status, ended_on=ended_on, end_reason=reason)
    if not await Repository(conn).update_subscription(ended, expected_period_end=subscription.period.end):
        return False
    await context.outbox.add(conn, SubscriptionEnded(
        subscription_id=subscription.id, company_id=subscription.company_id, ended_on=ended_on, reason=reason,
    ))
    return True


async def _add_charge(repository: Repository, charge: rules.Charge) -> None:
    if charge.net_cents > 0:  # a free package or an upgrade that rounds to nothing needs no invoice
        await repository.add_charge(charge)


async def _subscription_or_404(repository: Repository, company_id: UUID, subscription_id: UUID) -> rules.Subscription:
    subscription = await repository.get_subscription(subscription_id=subscription_id, company_id=company_id,
                                                     for_update=True)
    if subscription is None:
        raise SubscriptionNotFound()
    return subscription
