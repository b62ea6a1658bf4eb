"""The daily run: renew subscriptions whose period ended, send payment reminders for unpaid invoices past their due
date, and suspend the subscription when the last reminder went unanswered.

Safe with two (or more) instances running it at the same time: renewals claim rows with SKIP LOCKED and update
them conditionally; a reminder is recorded by a conditional update on the number of reminders already sent, and
its e-mail goes out from the `invoice.overdue` event it writes in the same transaction (so once per reminder,
whoever recorded it); a suspension is a conditional update of an active subscription."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

import asyncpg
from recruiting_shared.events import InvoiceOverdue

from ..adapters.repository import Repository
from ..domain.invoices import Invoice, dunning_step
from .context import BillingContext
from .subscriptions import end_subscription, renew_due_subscriptions

log = logging.getLogger(__name__)
DUNNING_BATCH = 200


@dataclass
class DailyReport:
    renewed_or_ended: int = 0
    reminders: int = 0
    suspended: int = 0


async def run_daily(pool: asyncpg.Pool, context: BillingContext, today: date | None = None) -> DailyReport:
    today = today or context.clock()
    report = DailyReport(renewed_or_ended=await renew_due_subscriptions(pool, context, today))
    after = None
    while True:
        async with pool.acquire() as conn:
            batch = await Repository(conn).unpaid_invoices_past_due(today=today, limit=DUNNING_BATCH, after=after)
        for invoice in batch:
            await _dun(pool, context, invoice, today, report)
        if len(batch) < DUNNING_BATCH:
            break
        after = batch[-1].id
    log.info("daily billing run done", extra={"renewed": report.renewed_or_ended, "reminders": report.reminders,
                                              "suspended": report.suspended})
    return report


async def _dun(pool: asyncpg.Pool, context: BillingContext, invoice: Invoice, today: date,
               report: DailyReport) -> None:
    settings = context.settings
    step = dunning_step(invoice, today, interval_days=settings.billing_reminder_interval_days,
                        max_reminders=settings.billing_max_reminders)
    if step is None:
        return
    async with pool.acquire() as conn, conn.transaction():
        repository = Repository(conn)
        if step == "remind":
            if await repository.record_reminder(invoice_id=invoice.id, reminders_seen=invoice.reminders_sent,
                                                today=today):
                await context.outbox.add(conn, InvoiceOverdue(
                    invoice_id=invoice.id, company_id=invoice.company_id, due_date=invoice.due_date,
                    reminders_sent=invoice.reminders_sent + 1,
                ))
                report.reminders += 1
            return
        subscription = invoice.subscription_id and await repository.get_subscription(
            subscription_id=invoice.subscription_id, for_update=True)
        if subscription and subscription.status == "active":
            if await end_subscription(conn, context, subscription, ended_on=today, reason="suspended_for_non_payment"):
                report.suspended += 1


async def daily_loop(pool_ref, context: BillingContext) -> None:
    """Runs the daily run every `billing_daily_run_seconds` (default hourly: each run only does what is due, so a
    missed hour or a restart costs nothing)."""
    while True:
        try:
            await run_daily(pool_ref(), context)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("daily billing run failed, will retry", extra={"error_type": type(exc).__name__})
        await asyncio.sleep(context.settings.billing_daily_run_seconds)
