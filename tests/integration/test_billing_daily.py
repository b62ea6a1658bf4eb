"""The daily run with an injected clock, run by two "instances" at once (two connection pools, concurrently)
against the billing service's real database, while the real billing process relays the events and sends the
e-mails: overdue -> reminders -> suspension, and renewals (with a scheduled downgrade) and cancellations at the
period end, each happening exactly once.

This module's billing process has a database, queues and an exchange of its own, because moving the clock forward
would otherwise dun and renew the other modules' invoices and subscriptions."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from types import SimpleNamespace

import aio_pika
import asyncpg
import httpx
import pytest_asyncio
from recruiting_billing.config import BillingSettings
from recruiting_billing.service_layer.context import BillingContext
from recruiting_billing.service_layer.daily import run_daily
from recruiting_shared import db

from tests.integration.test_billing_api import Billing, book, eventually, german_profile, invoices, start_billing_platform
from tests.support.auth_helpers import operator_session
from tests.support.events import EventTap
from tests.integration.test_billing_api import OPERATOR

DUNNING = {"billing_max_reminders": "2", "billing_reminder_interval_days": "7"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def daily(stack):
    exchange = f"{stack.exchange}.daily"
    own = {"database": "billing_daily", "exchange_name": exchange, "queue_prefix": f"{stack.queue_prefix}daily.",
           **DUNNING}
    auth, billing = await start_billing_platform(stack, **own)
    settings = BillingSettings(**{key.lower(): value for key, value in billing.env.items() if key != "PORT"})
    pools = [await db.create_pool(settings.database_url) for _ in range(2)]
    async with EventTap(SimpleNamespace(infra=stack.infra, exchange=exchange), "subscription.*", "invoice.*") as tap:
        platform = Billing(stack, auth, billing, tap, await operator_session(auth.url, *OPERATOR))
        yield SimpleNamespace(platform=platform, settings=settings, pools=pools)
    for pool in pools:
        await pool.close()
    billing.stop()
    auth.stop()
    connection = await aio_pika.connect(stack.infra.amqp_url)
    async with connection:
        for name in (exchange, f"{exchange}.dlx"):
            await (await connection.channel()).exchange_delete(name)


@pytest_asyncio.fixture(loop_scope="session")
async def client(daily):
    async with httpx.AsyncClient(base_url=daily.platform.billing.url, timeout=30) as http:
        yield http


async def two_instances_run(daily, today: date) -> None:
    """Both "instances" run the daily run for `today` at the same time, each with its own clock and pool."""
    contexts = [BillingContext.create(daily.settings, clock=lambda: today) for _ in daily.pools]
    await asyncio.gather(*(run_daily(pool, context) for pool, context in zip(daily.pools, contexts)))


def events(daily, event_type: str, **data) -> list[dict]:
    return [e for e in daily.platform.events.received
            if e["type"] == event_type and all(e["data"].get(k) == v for k, v in data.items())]


async def test_overdue_reminders_and_suspension_happen_once_each(daily, client):
    platform, smtp = daily.platform, daily.platform.stack.smtp
    admin = await platform.company()
    profile = german_profile()
    subscription = await book(client, admin, profile)
    [invoice] = await invoices(client, admin)
    due = date.fromisoformat(invoice["due_date"])
    read = lambda: client.get(f"/api/billing/invoices/{invoice['id']}", headers=admin.headers)  # noqa: E731

    await two_instances_run(daily, due)  # due today is not late
    assert (await read()).json()["status"] == "open"

    await two_instances_run(daily, due + timedelta(days=1))
    overdue = (await read()).json()
    assert (overdue["status"], overdue["reminders_sent"]) == ("overdue", 1)
    first = await smtp.wait_for(profile["billing_email"], "Zahlungserinnerung 1")
    assert invoice["number"] in str(first[0]["Subject"])
    await platform.events.wait_for(lambda e: e["type"] == "invoice.overdue" and e["data"]["invoice_id"] == invoice["id"])

    await two_instances_run(daily, due + timedelta(days=2))  # within the reminder interval: nothing
    await two_instances_run(daily, due + timedelta(days=8))
    final = await smtp.wait_for(profile["billing_email"], "Zahlungserinnerung 2")
    assert "letzte Erinnerung" in final[0].get_body(preferencelist=("plain",)).get_content()
    assert (await read()).json()["reminders_sent"] == 2

    await two_instances_run(daily, due + timedelta(days=15))
    suspended = await eventually(lambda: client.get("/api/billing/subscriptions", headers=admin.headers),
                                 lambda r: r.json()[0]["status"] == "suspended")
    assert suspended.json()[0]["end_reason"] == "suspended_for_non_payment"
    await smtp.wait_for(profile["billing_email"], "ausgesetzt")
    ended = await platform.events.wait_for(
        lambda e: e["type"] == "subscription.ended" and e["data"]["subscription_id"] == subscription["id"])
    assert ended[0]["data"]["reason"] == "suspended_for_non_payment"

    await two_instances_run(daily, due + timedelta(days=30))  # nothing more to do for this invoice
    await asyncio.sleep(1.5)  # let a (wrong) duplicate event or e-mail arrive before counting
    assert [e["data"]["reminders_sent"] for e in events(daily, "invoice.overdue", invoice_id=invoice["id"])] == [1, 2]
    assert len(events(daily, "subscription.ended", subscription_id=subscription["id"])) == 1
    assert len(smtp.messages(profile["billing_email"])) == 4  # invoice, two reminders, suspension notice


async def test_renewal_applies_a_scheduled_downgrade_and_a_cancellation_ends_once(daily, client):
    platform = daily.platform
    renewing, cancelling = await platform.company(), await platform.company()
    renewing_sub = await book(client, renewing, german_profile(), package_id="business")
    cancelling_sub = await book(client, cancelling, german_profile(), package_id="starter")
    downgrade = await client.post(f"/api/billing/subscriptions/{renewing_sub['id']}/change",
                                  json={"package_id": "starter"}, headers=renewing.headers)
    assert downgrade.json()["pending_package_id"] == "starter"
    cancelled = await client.post(f"/api/billing/subscriptions/{cancelling_sub['id']}/cancel",
                                  headers=cancelling.headers)
    assert cancelled.json()["cancel_at_period_end"] is True and cancelled.json()["status"] == "active"
    for company in (renewing, cancelling):  # settle the first invoices, so that only renewals are in play
        [first] = await invoices(client, company)
        paid = await client.post(f"/api/billing/invoices/{first['id']}/payments", headers=platform.operator.headers,
                                 json={"amount_cents": first["gross_cents"], "paid_on": first["issue_date"]})
        assert paid.json()["status"] == "paid"

    period_end = date.fromisoformat(renewing_sub["current_period"]["end"])
    await two_instances_run(daily, period_end)  # the period's last day: not yet
    await two_instances_run(daily, period_end + timedelta(days=1))

    renewal = next(i for i in await invoices(client, renewing, count=2) if i["issue_date"] != renewing_sub["started_on"])
    assert renewal["issue_date"] == (period_end + timedelta(days=1)).isoformat()
    assert renewal["net_cents"] == 4_900 and "Starter" in renewal["lines"][0]["description"]
    assert renewal["service_period"]["start"] == (period_end + timedelta(days=1)).isoformat()
    [renewed_sub] = (await client.get("/api/billing/subscriptions", headers=renewing.headers)).json()
    assert (renewed_sub["package_id"], renewed_sub["pending_package_id"], renewed_sub["status"]) == ("starter", None, "active")
    changed = await platform.events.wait_for(
        lambda e: e["type"] == "subscription.changed" and e["data"]["subscription_id"] == renewing_sub["id"])
    assert (changed[0]["data"]["max_active_postings"], changed[0]["data"]["effective_on"]) == \
        (3, renewal["service_period"]["start"])

    [ended_sub] = (await client.get("/api/billing/subscriptions", headers=cancelling.headers)).json()
    assert (ended_sub["status"], ended_sub["end_reason"]) == ("ended", "cancelled")
    await platform.events.wait_for(
        lambda e: e["type"] == "subscription.ended" and e["data"]["subscription_id"] == cancelling_sub["id"])
    await asyncio.sleep(1.5)
    assert len(events(daily, "subscription.renewed", subscription_id=renewing_sub["id"])) == 1
    assert len(events(daily, "subscription.ended", subscription_id=cancelling_sub["id"])) == 1
    assert len(await invoices(client, cancelling)) == 1
    assert len(await invoices(client, renewing)) == 2


async def test_a_run_after_a_long_pause_catches_up_every_missed_period(daily, client):
    platform = daily.platform
    admin = await platform.company()
    subscription = await book(client, admin, german_profile(), package_id="starter")
    first_end = date.fromisoformat(subscription["current_period"]["end"])
    [first] = await invoices(client, admin)
    await client.post(f"/api/billing/invoices/{first['id']}/payments", headers=platform.operator.headers,
                      json={"amount_cents": first["gross_cents"], "paid_on": first["issue_date"]})

    today = first_end + timedelta(days=45)  # two monthly periods have started since
    await two_instances_run(daily, today)

    renewals = [i for i in await invoices(client, admin, count=3) if i["id"] != first["id"]]
    periods = sorted((i["service_period"]["start"], i["service_period"]["end"]) for i in renewals)
    assert len(renewals) == 2 and periods[0][0] == (first_end + timedelta(days=1)).isoformat()
    assert date.fromisoformat(periods[1][0]) == date.fromisoformat(periods[0][1]) + timedelta(days=1)
    [current] = (await client.get("/api/billing/subscriptions", headers=admin.headers)).json()
    assert current["current_period"]["start"] == periods[1][0]
    assert date.fromisoformat(current["current_period"]["start"]) <= today <= date.fromisoformat(current["current_period"]["end"])
