"""The daily run with an injected clock, run by two "instances" at once (two connection pools, concurrently)
against the billing service's real database, while the real billing process relays the events, issues the
invoices and sends the e-mails: overdue -> reminders -> suspension; renewals (with a scheduled downgrade), a
cancellation at the period end and catching up missed periods, each happening exactly once.

The state changes that set the scene (booking, downgrade, cancel, payment) call the service layer in-process with
the same injected clock, so every date here is chosen, not today's. The billing process has a database, queues
and an exchange of its own, because moving the clock forward would otherwise dun and renew the other modules'
invoices and subscriptions; its own daily loop stays asleep (once a day)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from types import SimpleNamespace

import aio_pika
import pytest
import pytest_asyncio
from recruiting_billing.adapters.repository import Repository
from recruiting_billing.config import BillingSettings
from recruiting_billing.domain.invoices import Party
from recruiting_billing.service_layer import payments, profiles, subscriptions
from recruiting_billing.service_layer.context import BillingContext
from recruiting_billing.service_layer.daily import run_daily
from recruiting_shared import db

from tests.integration.test_billing_api import unique_email
from tests.support.events import EventTap

# Starting the billing process belongs to the first test: generous on a busy machine (a safety net, not a timing check).
pytestmark = pytest.mark.timeout(300)
BOOKED_ON = date(2026, 1, 15)  # monthly period 15 Jan - 14 Feb, first invoice due 25 Jan


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def daily(stack):
    exchange = f"{stack.exchange}.daily"
    billing = stack.service("billing", database="billing_daily", exchange_name=exchange,
                            queue_prefix=f"{stack.queue_prefix}daily.", billing_max_reminders="2",
                            billing_reminder_interval_days="7", billing_daily_run_seconds="86400")
    settings = BillingSettings(**{key.lower(): value for key, value in billing.env.items() if key != "PORT"})
    await billing.wait_ready()
    pools = [await db.create_pool(settings.database_url) for _ in range(2)]
    async with EventTap(SimpleNamespace(infra=stack.infra, exchange=exchange), "subscription.*", "invoice.*") as tap:
        yield SimpleNamespace(settings=settings, pools=pools, events=tap, smtp=stack.smtp)
    for pool in pools:
        await pool.close()
    billing.stop()
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        for name in (exchange, f"{exchange}.dlx"):
            await (await connection.channel()).exchange_delete(name)


def on(daily, today: date) -> BillingContext:
    return BillingContext.create(daily.settings, clock=lambda: today)


async def in_transaction(daily, handler, *args, today: date = BOOKED_ON):
    async with daily.pools[0].acquire() as conn, conn.transaction():
        return await handler(conn, on(daily, today), *args)


async def company_with_subscription(daily, package_id: str) -> tuple[uuid.UUID, str, object]:
    company, email = uuid.uuid4(), unique_email("billing")
    async with daily.pools[0].acquire() as conn, conn.transaction():
        await profiles.save_profile(conn, company, Party("Kunde GmbH", "Hauptstraße 5", "80331", "München", "DE",
                                                         "DE136695976", email))
    subscription = await in_transaction(daily, subscriptions.book_subscription, company, package_id, "monthly")
    return company, email, subscription


async def company_invoices(daily, company: uuid.UUID, count: int = 1, timeout: float = 60) -> list:
    """Issued asynchronously by the billing process's invoicing consumer."""
    for _ in range(int(timeout / 0.1)):
        async with daily.pools[0].acquire() as conn:
            found = await Repository(conn).list_invoices(company_id=company)
        if len(found) >= count:
            return sorted(found, key=lambda i: i.number)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(found)} of {count} invoices issued")


async def read(daily, **query):
    async with daily.pools[0].acquire() as conn:
        repository = Repository(conn)
        if "invoice_id" in query:
            return await repository.get_invoice(**query)
        return await repository.get_subscription(**query)


async def pay_in_full(daily, invoice) -> None:
    await in_transaction(daily, payments.record_payment, invoice.id, invoice.gross_cents, invoice.issue_date,
                         uuid.uuid4(), today=invoice.issue_date)


async def two_instances_run(daily, today: date) -> None:
    """Both "instances" run the daily run for `today` at the same time, each with its own clock and pool."""
    await asyncio.gather(*(run_daily(pool, on(daily, today)) for pool in daily.pools))


def events(daily, event_type: str, **data) -> list[dict]:
    return [e for e in daily.events.received
            if e["type"] == event_type and all(e["data"].get(k) == str(v) for k, v in data.items())]


async def test_overdue_reminders_and_suspension_happen_once_each(daily):
    company, email, subscription = await company_with_subscription(daily, "business")
    [invoice] = await company_invoices(daily, company)
    await daily.smtp.wait_for(email, f"Rechnung {invoice.number}", timeout=60)
    assert invoice.due_date == date(2026, 1, 25)

    await two_instances_run(daily, date(2026, 1, 25))  # due today is not late
    assert (await read(daily, invoice_id=invoice.id)).status == "open"

    await two_instances_run(daily, date(2026, 1, 26))
    overdue = await read(daily, invoice_id=invoice.id)
    assert (overdue.status, overdue.reminders_sent, overdue.last_reminder_on) == ("overdue", 1, date(2026, 1, 26))
    await daily.smtp.wait_for(email, f"Zahlungserinnerung 1: Rechnung {invoice.number}", timeout=60)

    await two_instances_run(daily, date(2026, 1, 27))  # within the reminder interval: nothing
    await two_instances_run(daily, date(2026, 2, 2))
    final = await daily.smtp.wait_for(email, "Zahlungserinnerung 2", timeout=60)
    assert "letzte Erinnerung" in final[0].get_body(preferencelist=("plain",)).get_content()
    assert (await read(daily, invoice_id=invoice.id)).reminders_sent == 2

    await two_instances_run(daily, date(2026, 2, 9))
    suspended = await read(daily, subscription_id=subscription.id)
    assert (suspended.status, suspended.end_reason, suspended.ended_on) == \
        ("suspended", "suspended_for_non_payment", date(2026, 2, 9))
    await daily.smtp.wait_for(email, "ausgesetzt", timeout=60)
    ended = await daily.events.wait_for(
        lambda e: e["type"] == "subscription.ended" and e["data"]["subscription_id"] == str(subscription.id), timeout=60)
    assert ended[0]["data"]["reason"] == "suspended_for_non_payment"

    await two_instances_run(daily, date(2026, 3, 1))  # suspended: no renewal, no more reminders
    await asyncio.sleep(1.5)  # let a (wrong) duplicate event or e-mail arrive before counting
    assert [e["data"]["reminders_sent"] for e in events(daily, "invoice.overdue", invoice_id=invoice.id)] == [1, 2]
    assert len(events(daily, "subscription.ended", subscription_id=subscription.id)) == 1
    assert len(daily.smtp.messages(email)) == 4  # invoice, two reminders, suspension notice
    assert len(await company_invoices(daily, company)) == 1


async def test_renewal_applies_a_scheduled_downgrade_and_a_cancellation_ends_once(daily):
    renewing, _, renewing_sub = await company_with_subscription(daily, "business")
    cancelling, _, cancelling_sub = await company_with_subscription(daily, "starter")
    downgraded = await in_transaction(daily, subscriptions.change_subscription, renewing, renewing_sub.id, "starter")
    assert (downgraded.package_id, downgraded.pending_package_id) == ("business", "starter")
    await in_transaction(daily, subscriptions.cancel_subscription, cancelling, cancelling_sub.id)
    for company in (renewing, cancelling):  # settle the first invoices, so that only renewals are in play
        await pay_in_full(daily, (await company_invoices(daily, company))[0])

    await two_instances_run(daily, date(2026, 2, 14))  # the period's last day: not yet
    assert (await read(daily, subscription_id=renewing_sub.id)).period.start == BOOKED_ON
    await two_instances_run(daily, date(2026, 2, 15))

    first, renewal = await company_invoices(daily, renewing, count=2)
    assert (renewal.issue_date, renewal.net_cents, renewal.period.start, renewal.period.end) == \
        (date(2026, 2, 15), 4_900, date(2026, 2, 15), date(2026, 3, 14))
    assert "Starter" in renewal.lines[0].description and renewal.due_date == date(2026, 2, 25)
    renewed = await read(daily, subscription_id=renewing_sub.id)
    assert (renewed.package_id, renewed.pending_package_id, renewed.status) == ("starter", None, "active")
    changed = await daily.events.wait_for(
        lambda e: e["type"] == "subscription.changed" and e["data"]["subscription_id"] == str(renewing_sub.id), timeout=60)
    assert (changed[0]["data"]["max_active_postings"], changed[0]["data"]["effective_on"]) == (3, "2026-02-15")

    ended = await read(daily, subscription_id=cancelling_sub.id)
    assert (ended.status, ended.end_reason, ended.ended_on) == ("ended", "cancelled", date(2026, 2, 14))
    await daily.events.wait_for(
        lambda e: e["type"] == "subscription.ended" and e["data"]["subscription_id"] == str(cancelling_sub.id), timeout=60)
    await asyncio.sleep(1.5)
    assert len(events(daily, "subscription.renewed", subscription_id=renewing_sub.id)) == 1
    assert len(events(daily, "subscription.ended", subscription_id=cancelling_sub.id)) == 1
    assert len(await company_invoices(daily, cancelling)) == 1
    assert len(await company_invoices(daily, renewing)) == 2


async def test_a_run_after_a_long_pause_catches_up_every_missed_period(daily):
    company, _, subscription = await company_with_subscription(daily, "starter")
    await pay_in_full(daily, (await company_invoices(daily, company))[0])

    await two_instances_run(daily, date(2026, 3, 31))  # periods from 15 Feb and from 15 Mar have started since

    renewals = (await company_invoices(daily, company, count=3))[1:]
    assert [(i.period.start, i.period.end) for i in renewals] == [
        (date(2026, 2, 15), date(2026, 3, 14)), (date(2026, 3, 15), date(2026, 4, 14))]
    current = await read(daily, subscription_id=subscription.id)
    assert current.period == renewals[-1].period and current.status == "active"
    await asyncio.sleep(1)
    assert len(events(daily, "subscription.renewed", subscription_id=subscription.id)) == 2
