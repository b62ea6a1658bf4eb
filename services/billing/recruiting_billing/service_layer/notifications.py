"""E-mails to the company's billing address, sent by the `mail` consumer from billing's own events, so that each
goes out after the state change committed, and is retried until the mail server took it: the invoice, payment
reminders, the payment confirmation and the suspension notice."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from recruiting_shared.events import InvoiceIssued, InvoiceOverdue, InvoicePaid, SubscriptionEnded
from recruiting_shared.messaging import PermanentError

from ..adapters import mail
from ..adapters.repository import Repository
from ..domain.invoices import Invoice
from .context import BillingContext
from .invoicing import documents_of


async def _invoice(conn: asyncpg.Connection, invoice_id: UUID) -> Invoice:
    invoice = await Repository(conn).get_invoice(invoice_id=invoice_id)
    if invoice is None:
        raise PermanentError("invoice of the event does not exist")
    return invoice


async def send_invoice(event: InvoiceIssued, conn: asyncpg.Connection, context: BillingContext) -> None:
    invoice = await _invoice(conn, event.invoice_id)
    pdf, xml = await documents_of(conn, invoice)
    to, subject, text = mail.invoice_mail(invoice)
    await context.mailer.send(to, subject, text, attachments=mail.attachments(invoice, pdf, xml))


async def send_reminder(event: InvoiceOverdue, conn: asyncpg.Connection, context: BillingContext) -> None:
    invoice = await _invoice(conn, event.invoice_id)
    if invoice.status != "overdue":
        return  # paid or cancelled since: no reminder
    pdf, xml = await documents_of(conn, invoice)
    final = event.reminders_sent >= context.settings.billing_max_reminders
    to, subject, text = mail.reminder_mail(invoice, event.reminders_sent, final)
    await context.mailer.send(to, subject, text, attachments=mail.attachments(invoice, pdf, xml))


async def send_payment_confirmation(event: InvoicePaid, conn: asyncpg.Connection, context: BillingContext) -> None:
    invoice = await _invoice(conn, event.invoice_id)
    await context.mailer.send(*mail.payment_received_mail(invoice))


async def send_suspension_notice(event: SubscriptionEnded, conn: asyncpg.Connection, context: BillingContext) -> None:
    if event.reason != "suspended_for_non_payment":
        return
    buyer = await Repository(conn).get_profile(company_id=event.company_id)
    if buyer is not None:
        await context.mailer.send(*mail.suspension_mail(buyer, context.seller))
