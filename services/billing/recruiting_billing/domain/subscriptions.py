"""Subscriptions: booking, changing, cancelling and renewing a package, and the charges each step creates.

A charge is what an invoice will be issued for; the state change writes it in the same transaction as its
`subscription.*` event, and the invoicing consumer turns it into an invoice later (see service_layer/invoicing.py).

Upgrades (a higher price in the subscription's cycle) take effect at once and are charged pro rata: the price
difference times the remaining days of the current period (today included) over the period's days, rounded once to
whole cents. Downgrades (same or lower price) take effect at the start of the next period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID, uuid4

from .errors import PlanUnchanged, SubscriptionNotActive
from .money import round_cents
from .packages import Cycle, Package
from .periods import Period

Status = Literal["active", "ended", "suspended"]
ChargeKind = Literal["booking", "upgrade", "renewal"]


@dataclass(frozen=True)
class Subscription:
    id: UUID
    company_id: UUID
    package_id: str
    cycle: Cycle
    status: Status
    period: Period
    started_on: date
    cancel_at_period_end: bool = False
    pending_package_id: str | None = None
    ended_on: date | None = None
    end_reason: str | None = None

    def require_active(self) -> None:
        if self.status != "active":
            raise SubscriptionNotActive(f"The subscription is {self.status}.")


@dataclass(frozen=True)
class Charge:
    id: UUID
    subscription_id: UUID
    company_id: UUID
    kind: ChargeKind
    package_id: str
    description: str
    period: Period
    net_cents: int
    billable_on: date


def cycle_label(cycle: Cycle) -> str:
    return "monatlich" if cycle == "monthly" else "jährlich"


def book(company_id: UUID, package: Package, cycle: Cycle, today: date) -> tuple[Subscription, Charge]:
    period = Period.starting(today, cycle)
    subscription = Subscription(uuid4(), company_id, package.id, cycle, "active", period, started_on=today)
    return subscription, _period_charge(subscription, package, "booking", today)


def renew(subscription: Subscription, package: Package, today: date) -> tuple[Subscription, Charge]:
    """The next period, on `package` (the pending downgrade, if any, is the caller's `package`)."""
    subscription.require_active()
    renewed = replace(subscription, package_id=package.id, period=subscription.period.next(subscription.cycle),
                      pending_package_id=None)
    return renewed, _period_charge(renewed, package, "renewal", today)


def _period_charge(subscription: Subscription, package: Package, kind: ChargeKind, today: date) -> Charge:
    description = f"Lizenzpaket {package.name} ({cycle_label(subscription.cycle)}), " \
                  f"bis zu {package.max_active_postings} aktive Stellenanzeigen"
    return Charge(uuid4(), subscription.id, subscription.company_id, kind, package.id, description,
                  subscription.period, package.net_cents(subscription.cycle), billable_on=today)


@dataclass(frozen=True)
class PlanChange:
    subscription: Subscription
    kind: Literal["upgrade", "downgrade"]
    charge: Charge | None  # upgrades only; None when the pro-rata amount rounds to zero
    effective_on: date


def change_package(subscription: Subscription, current: Package, new: Package, today: date) -> PlanChange:
    subscription.require_active()
    if new.id == current.id:
        if subscription.pending_package_id is None:
            raise PlanUnchanged()
        # Asking for the current package again withdraws a scheduled downgrade.
        return PlanChange(replace(subscription, pending_package_id=None), "downgrade", None, subscription.period.end)
    cycle = subscription.cycle
    if new.net_cents(cycle) <= current.net_cents(cycle):
        scheduled = replace(subscription, pending_package_id=new.id)
        return PlanChange(scheduled, "downgrade", None, subscription.period.next(cycle).start)
    upgraded = replace(subscription, package_id=new.id, pending_package_id=None)
    amount = prorated_upgrade_cents(current.net_cents(cycle), new.net_cents(cycle), subscription.period, today)
    remaining = Period(today, subscription.period.end)
    charge = None
    if amount > 0:
        description = (f"Upgrade von {current.name} auf {new.name} ({cycle_label(cycle)}), anteilig "
                       f"{subscription.period.days_from(today)}/{subscription.period.days} Tage")
        charge = Charge(uuid4(), subscription.id, subscription.company_id, "upgrade", new.id, description,
                        remaining, amount, billable_on=today)
    return PlanChange(upgraded, "upgrade", charge, today)


def prorated_upgrade_cents(old_net_cents: int, new_net_cents: int, period: Period, effective_on: date) -> int:
    """(new - old) × remaining days / period days, rounded half up to whole cents, once."""
    if effective_on not in period:
        raise ValueError("the upgrade date lies outside the current period")
    exact = Decimal(new_net_cents - old_net_cents) * period.days_from(effective_on) / period.days
    return round_cents(exact)


def cancel_at_period_end(subscription: Subscription) -> Subscription:
    subscription.require_active()
    return replace(subscription, cancel_at_period_end=True)
