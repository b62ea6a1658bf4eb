"""Payments, recorded by an operator from the bank statement. Partial payments add up."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
from recruiting_shared.events import InvoicePaid

from ..adapters.repository import Repository
from ..domain.errors import InvalidInput, InvoiceNotFound
from ..domain.invoices import Invoice, apply_payment
from .context import BillingContext


async def record_payment(conn: asyncpg.Connection, context: BillingContext, invoice_id: UUID, amount_cents: int,
                         paid_on: date, recorded_by: UUID) -> Invoice:
    repository = Repository(conn)
    invoice = await repository.get_invoice(invoice_id=invoice_id, for_update=True)  # payments queue up per invoice
    if invoice is None:
        raise InvoiceNotFound()
    if paid_on > context.clock():
        raise InvalidInput("paid_on lies in the future.")
    outcome = apply_payment(invoice, amount_cents)
    await repository.add_payment(invoice_id=invoice.id, amount_cents=amount_cents, paid_on=paid_on,
                                 recorded_by=recorded_by)
    status = "paid" if outcome.settled else invoice.status
    await repository.set_invoice_status(invoice_id=invoice.id, status=status, paid_cents=outcome.paid_cents,
                                        expected_statuses=(invoice.status,))
    if outcome.settled:
        await context.outbox.add(conn, InvoicePaid(invoice_id=invoice.id, company_id=invoice.company_id,
                                                   paid_on=paid_on, amount_cents=outcome.paid_cents))
    return await repository.get_invoice(invoice_id=invoice.id)
