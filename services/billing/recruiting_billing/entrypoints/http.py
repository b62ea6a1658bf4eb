"""HTTP endpoints of the billing service (SPEC section 3, Billing). Thin: parse, call a handler in a transaction,
map the result. Company users see their own company's data only (another company's resource answers 404);
admins change things; operators record payments and cancel invoices, and may read every invoice."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from recruiting_shared.auth import CompanyAdmin, CompanyUser, Operator, Principal, current_principal
from recruiting_shared.problems import Forbidden, NotFound
from recruiting_shared.service import Runtime, get_runtime

from ..adapters.repository import Repository
from ..domain.errors import InvalidInput, InvoiceNotFound
from ..service_layer import invoicing, payments, profiles, subscriptions
from ..service_layer.context import BillingContext
from .schemas import BookIn, ChangeIn, PaymentIn, ProfileIn, invoice_out, package_out, profile_out, subscription_out

router = APIRouter(prefix="/api/billing", tags=["billing"])
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def billing_context(request: Request) -> BillingContext:
    return request.app.state.billing


ContextDep = Annotated[BillingContext, Depends(billing_context)]


async def invoice_reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role == "operator" or principal.is_company_user:
        return principal
    raise Forbidden("This endpoint is for company users and operators.")


InvoiceReader = Annotated[Principal, Depends(invoice_reader)]


def _scope(principal: Principal) -> UUID | None:
    """The company an invoice query is limited to; operators see all companies."""
    return None if principal.role == "operator" else principal.company_id


@router.get("/packages")
async def list_packages(context: ContextDep) -> list[dict]:
    return [package_out(p) for p in context.settings.billing_packages]


@router.get("/profile")
async def get_profile(user: CompanyUser, runtime: RuntimeDep) -> dict:
    async with runtime.pool.acquire() as conn:
        profile = await Repository(conn).get_profile(company_id=user.company_id)
    if profile is None:
        raise NotFound("No billing profile yet; an admin creates it with PUT /api/billing/profile.")
    return profile_out(profile)


@router.put("/profile")
async def put_profile(body: ProfileIn, admin: CompanyAdmin, runtime: RuntimeDep) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        return profile_out(await profiles.save_profile(conn, admin.company_id, body.to_party()))


@router.post("/subscriptions", status_code=201)
async def book(body: BookIn, admin: CompanyAdmin, runtime: RuntimeDep, context: ContextDep) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        subscription = await subscriptions.book_subscription(conn, context, admin.company_id, body.package_id,
                                                             body.cycle)
    return subscription_out(subscription, context.settings)


@router.get("/subscriptions")
async def list_subscriptions(user: CompanyUser, runtime: RuntimeDep, context: ContextDep) -> list[dict]:
    async with runtime.pool.acquire() as conn:
        found = await Repository(conn).list_subscriptions(company_id=user.company_id)
    return [subscription_out(s, context.settings) for s in found]


@router.post("/subscriptions/{subscription_id}/change")
async def change(subscription_id: UUID, body: ChangeIn, admin: CompanyAdmin, runtime: RuntimeDep,
                 context: ContextDep) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        changed = await subscriptions.change_subscription(conn, context, admin.company_id, subscription_id,
                                                          body.package_id)
    return subscription_out(changed, context.settings)


@router.post("/subscriptions/{subscription_id}/cancel")
async def cancel(subscription_id: UUID, admin: CompanyAdmin, runtime: RuntimeDep, context: ContextDep) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        cancelled = await subscriptions.cancel_subscription(conn, context, admin.company_id, subscription_id)
    return subscription_out(cancelled, context.settings)


@router.get("/invoices")
async def list_invoices(reader: InvoiceReader, runtime: RuntimeDep, company_id: UUID | None = None) -> list[dict]:
    scope = _scope(reader) or company_id
    if scope is None:
        raise InvalidInput("Operators list the invoices of one company: ?company_id=...")
    async with runtime.pool.acquire() as conn:
        return [invoice_out(i) for i in await Repository(conn).list_invoices(company_id=scope)]


async def _invoice_or_404(runtime: Runtime, reader: Principal, invoice_id: UUID):
    async with runtime.pool.acquire() as conn:
        invoice = await Repository(conn).get_invoice(invoice_id=invoice_id, company_id=_scope(reader))
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


@router.get("/invoices/{invoice_id}")
async def get_invoice(invoice_id: UUID, reader: InvoiceReader, runtime: RuntimeDep) -> dict:
    invoice = await _invoice_or_404(runtime, reader, invoice_id)
    async with runtime.pool.acquire() as conn:
        paid = await Repository(conn).list_payments(invoice_id=invoice.id)
    return invoice_out(invoice, paid)


@router.get("/invoices/{invoice_id}/pdf")
async def get_invoice_pdf(invoice_id: UUID, reader: InvoiceReader, runtime: RuntimeDep) -> Response:
    invoice = await _invoice_or_404(runtime, reader, invoice_id)
    pdf, _ = await invoicing.documents_of(runtime.pool, invoice)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{invoice.number}.pdf"'})


@router.get("/invoices/{invoice_id}/xml")
async def get_invoice_xml(invoice_id: UUID, reader: InvoiceReader, runtime: RuntimeDep) -> Response:
    invoice = await _invoice_or_404(runtime, reader, invoice_id)
    _, xml = await invoicing.documents_of(runtime.pool, invoice)
    return Response(xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{invoice.number}.xml"'})


@router.post("/invoices/{invoice_id}/payments", status_code=201)
async def record_payment(invoice_id: UUID, body: PaymentIn, operator: Operator, runtime: RuntimeDep,
                         context: ContextDep) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        invoice = await payments.record_payment(conn, context, invoice_id, body.amount_cents, body.paid_on,
                                                operator.user_id)
        paid = await Repository(conn).list_payments(invoice_id=invoice.id)
    return invoice_out(invoice, paid)


@router.post("/invoices/{invoice_id}/cancel", status_code=201)
async def cancel_invoice(invoice_id: UUID, operator: Operator, runtime: RuntimeDep, context: ContextDep) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        credit_note = await invoicing.cancel_invoice(conn, context, invoice_id)
    return invoice_out(credit_note)
