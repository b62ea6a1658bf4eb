"""Issuing invoices and credit notes, rendering them, and e-mailing them.

Issuing is short: take the next number of the series (which locks the counter row until commit), write the
document and its `invoice.issued` event. Rendering (PDF and XML) happens afterwards, off the event loop, and the
result is stored once; the e-mail attaches the stored files."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import asyncpg
from recruiting_shared.events import InvoiceIssued

from ..adapters.repository import Repository
from ..domain import invoices as documents
from ..domain.errors import InvoiceNotCancellable, InvoiceNotFound
from ..domain.invoices import Invoice
from ..domain.subscriptions import Charge
from ..domain.tax import vat_treatment
from .context import BillingContext

log = logging.getLogger(__name__)


async def issue_invoices_for_subscription(conn: asyncpg.Connection, context: BillingContext,
                                          subscription_id: UUID) -> list[Invoice]:
    """One invoice per charge of the subscription that has none yet. Runs in the consumer's inbox transaction;
    the charge rows stay locked until commit, so a concurrent run for the same subscription issues nothing twice."""
    repository = Repository(conn)
    issued = []
    for charge in await repository.uninvoiced_charges(subscription_id=subscription_id):
        issued.append(await _issue_for_charge(conn, context, repository, charge))
    return issued


async def _issue_for_charge(conn: asyncpg.Connection, context: BillingContext, repository: Repository,
                            charge: Charge) -> Invoice:
    buyer = await repository.get_profile(company_id=charge.company_id)
    if buyer is None:  # booking requires a profile and profiles are never deleted
        raise RuntimeError("billing profile missing for a charged company")
    sequence = await repository.next_number(series=documents.SERIES["invoice"], year=charge.billable_on.year)
    invoice = documents.invoice_for_charge(
        charge, number=documents.invoice_number("invoice", charge.billable_on.year, sequence),
        seller=context.seller, buyer=buyer, vat=vat_treatment(buyer.country, buyer.vat_id),
        bank_accounts=context.bank_accounts, currency=context.settings.billing_currency,
        payment_days=context.settings.billing_payment_days,
    )
    await repository.add_invoice(invoice)
    await repository.mark_charge_invoiced(charge_id=charge.id, invoice_id=invoice.id)
    await context.outbox.add(conn, _issued_event(invoice))
    return invoice


async def cancel_invoice(conn: asyncpg.Connection, context: BillingContext, invoice_id: UUID) -> Invoice:
    """Cancel an open or overdue invoice with a credit note. The original stays as it was, except its status."""
    repository = Repository(conn)
    original = await repository.get_invoice(invoice_id=invoice_id, for_update=True)
    if original is None:
        raise InvoiceNotFound()
    if original.kind != "invoice":
        raise InvoiceNotCancellable("A credit note cannot be cancelled.")
    today = context.clock()
    # If the rules refuse the credit note below, the transaction rolls back and takes the number with it.
    sequence = await repository.next_number(series=documents.SERIES["credit_note"], year=today.year)
    credit_note = documents.credit_note_for(
        original, number=documents.invoice_number("credit_note", today.year, sequence), issue_date=today,
    )
    await repository.add_invoice(credit_note)
    await repository.set_invoice_status(invoice_id=original.id, status="cancelled",
                                        expected_statuses=("open", "overdue"))
    await context.outbox.add(conn, _issued_event(credit_note))
    return credit_note


def _issued_event(invoice: Invoice) -> InvoiceIssued:
    return InvoiceIssued(invoice_id=invoice.id, company_id=invoice.company_id, number=invoice.number,
                         kind=invoice.kind, gross_cents=invoice.gross_cents, currency=invoice.currency,
                         issue_date=invoice.issue_date, due_date=invoice.due_date)


def render(invoice: Invoice) -> tuple[bytes, bytes]:
    """PDF (with the XML embedded) and XML of a document. CPU-bound: call it through asyncio.to_thread."""
    # Imported here: factur-x, pypdf and ReportLab take seconds to import, which every process start (and
    # every test that starts the service) would pay before it answers its first request.
    from ..adapters import einvoice, pdf

    xml = einvoice.cii_xml(invoice)
    return pdf.invoice_pdf(invoice, xml), xml


async def documents_of(pool_or_conn, invoice: Invoice) -> tuple[bytes, bytes]:
    """The stored PDF and XML of an invoice, rendered and stored first if this is the first request."""
    stored = await Repository(pool_or_conn).get_documents(invoice_id=invoice.id)
    if stored:
        return stored
    rendered = await asyncio.to_thread(render, invoice)
    if await Repository(pool_or_conn).add_documents(invoice_id=invoice.id, pdf=rendered[0], xml=rendered[1]):
        return rendered
    return await Repository(pool_or_conn).get_documents(invoice_id=invoice.id)  # another renderer was first
