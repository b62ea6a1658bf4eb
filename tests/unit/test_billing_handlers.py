"""The subscription and invoicing handlers with a fake repository, outbox and clock: which events and charges each
state change writes, and that an invoice is issued once per charge with the right number."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import date, timedelta

import asyncpg
import pytest
from recruiting_billing.config import BillingSettings
from recruiting_billing.domain import errors
from recruiting_billing.service_layer import invoicing, subscriptions
from recruiting_billing.service_layer.context import BillingContext
from recruiting_shared.events import (
    InvoiceIssued,
    SubscriptionActivated,
    SubscriptionChanged,
    SubscriptionEnded,
    SubscriptionRenewed,
)

from tests.unit.test_billing_domain import buyer


class FakeConnection:
    """The state a Repository would keep in PostgreSQL."""

    def __init__(self) -> None:
        self.profiles, self.subscriptions, self.charges, self.invoices, self.counters = {}, {}, {}, {}, {}

    @asynccontextmanager
    async def transaction(self):
        yield


class FakeRepository:
    def __init__(self, conn: FakeConnection) -> None:
        self.db = conn

    async def get_profile(self, *, company_id):
        return self.db.profiles.get(company_id)

    async def add_subscription(self, subscription):
        if any(s.company_id == subscription.company_id and s.status == "active" for s in self.db.subscriptions.values()):
            raise asyncpg.UniqueViolationError("one active subscription")
        self.db.subscriptions[subscription.id] = subscription

    async def get_subscription(self, *, subscription_id, company_id=None, for_update=False):
        found = self.db.subscriptions.get(subscription_id)
        return found if found and company_id in (None, found.company_id) else None

    async def update_subscription(self, subscription, *, expected_period_end, expected_status="active"):
        current = self.db.subscriptions[subscription.id]
        if (current.period.end, current.status) != (expected_period_end, expected_status):
            return False
        self.db.subscriptions[subscription.id] = subscription
        return True

    async def add_charge(self, charge):
        self.db.charges[charge.id] = [charge, None]

    async def uninvoiced_charges(self, *, subscription_id):
        return [c for c, invoice_id in self.db.charges.values() if c.subscription_id == subscription_id and not invoice_id]

    async def mark_charge_invoiced(self, *, charge_id, invoice_id):
        self.db.charges[charge_id][1] = invoice_id
        return True

    async def next_number(self, *, series, year):
        self.db.counters[(series, year)] = self.db.counters.get((series, year), 0) + 1
        return self.db.counters[(series, year)]

    async def add_invoice(self, invoice):
        self.db.invoices[invoice.id] = invoice


class FakeOutbox:
    def __init__(self) -> None:
        self.events = []

    async def add(self, conn, data):
        self.events.append(data)


@pytest.fixture
def world(monkeypatch):
    for module in (subscriptions, invoicing):
        monkeypatch.setattr(module, "Repository", FakeRepository)
    today = {"value": date(2026, 1, 1)}
    context = BillingContext(BillingSettings(), FakeOutbox(), mailer=None, clock=lambda: today["value"])
    conn = FakeConnection()
    company = uuid.uuid4()
    conn.profiles[company] = buyer("DE")
    return conn, context, company, today


async def test_booking_writes_the_activation_event_and_a_charge(world):
    conn, context, company, _ = world
    subscription = await subscriptions.book_subscription(conn, context, company, "business", "monthly")
    [event] = context.outbox.events
    assert isinstance(event, SubscriptionActivated) and event.max_active_postings == 10
    assert (event.period_start, event.period_end) == (date(2026, 1, 1), date(2026, 1, 31))
    [(charge, _)] = conn.charges.values()
    assert (charge.kind, charge.net_cents, charge.subscription_id) == ("booking", 14_900, subscription.id)
    with pytest.raises(errors.SubscriptionExists):
        await subscriptions.book_subscription(conn, context, company, "starter", "monthly")
    with pytest.raises(errors.ProfileRequired):
        await subscriptions.book_subscription(conn, context, uuid.uuid4(), "starter", "monthly")
    with pytest.raises(errors.UnknownPackage):
        await subscriptions.book_subscription(conn, context, company, "platinum", "monthly")


async def test_invoices_are_issued_once_per_charge_with_consecutive_numbers(world):
    conn, context, company, today = world
    subscription = await subscriptions.book_subscription(conn, context, company, "starter", "monthly")
    today["value"] = date(2026, 1, 17)
    await subscriptions.change_subscription(conn, context, company, subscription.id, "business")
    issued = await invoicing.issue_invoices_for_subscription(conn, context, subscription.id)
    again = await invoicing.issue_invoices_for_subscription(conn, context, subscription.id)
    assert again == []
    assert [(i.number, i.net_cents, i.issue_date) for i in issued] == [
        ("RE-2026-000001", 4_900, date(2026, 1, 1)), ("RE-2026-000002", 4_839, date(2026, 1, 17))]
    assert [type(e) for e in context.outbox.events] == [SubscriptionActivated, SubscriptionChanged, InvoiceIssued,
                                                         InvoiceIssued]
    assert all(i.due_date == i.issue_date + timedelta(days=10) for i in issued)


async def test_downgrade_is_silent_until_the_renewal(world):
    conn, context, company, today = world
    subscription = await subscriptions.book_subscription(conn, context, company, "enterprise", "monthly")
    await subscriptions.change_subscription(conn, context, company, subscription.id, "starter")
    assert len(context.outbox.events) == 1 and len(conn.charges) == 1
    await subscriptions._renew_or_end(conn, context, conn.subscriptions[subscription.id], date(2026, 2, 1))
    changed, renewed = context.outbox.events[1:]
    assert isinstance(changed, SubscriptionChanged) and changed.max_active_postings == 3
    assert changed.effective_on == date(2026, 2, 1)
    assert isinstance(renewed, SubscriptionRenewed) and renewed.package_id == "starter"
    assert conn.subscriptions[subscription.id].period.start == date(2026, 2, 1)


async def test_a_cancelled_subscription_ends_instead_of_renewing(world):
    conn, context, company, _ = world
    subscription = await subscriptions.book_subscription(conn, context, company, "starter", "yearly")
    await subscriptions.cancel_subscription(conn, context, company, subscription.id)
    await subscriptions._renew_or_end(conn, context, conn.subscriptions[subscription.id], date(2027, 1, 1))
    ended = context.outbox.events[-1]
    assert isinstance(ended, SubscriptionEnded) and ended.reason == "cancelled"
    assert ended.ended_on == date(2026, 12, 31)
    assert conn.subscriptions[subscription.id].status == "ended" and len(conn.charges) == 1
    with pytest.raises(errors.SubscriptionNotFound):  # another company's subscription
        await subscriptions.cancel_subscription(conn, context, uuid.uuid4(), subscription.id)
    assert conn.subscriptions[subscription.id].end_reason == "cancelled"
