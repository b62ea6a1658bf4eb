"""Request and response bodies of the billing API (SPEC section 3, Billing)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..config import BillingSettings
from ..domain.invoices import Invoice, Party
from ..domain.packages import Package
from ..domain.subscriptions import Subscription
from ..domain.tax import vat_rate_text

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileIn(Body):
    legal_name: Text
    street: Text
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=12,
                                                  pattern=r"^[A-Za-z0-9 -]+$")]
    city: Text
    country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]
    vat_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    billing_email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254,
                                                    pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]

    def to_party(self) -> Party:
        return Party(self.legal_name, self.street, self.postal_code, self.city, self.country, self.vat_id or None,
                     self.billing_email)


def profile_out(party: Party) -> dict:
    return {"legal_name": party.legal_name, "street": party.street, "postal_code": party.postal_code,
            "city": party.city, "country": party.country, "vat_id": party.vat_id, "billing_email": party.email}


class BookIn(Body):
    package_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    cycle: Literal["monthly", "yearly"]


class ChangeIn(Body):
    package_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class PaymentIn(Body):
    amount_cents: int = Field(gt=0, le=10_000_000_000, description="positive, at most 100 million euros")
    paid_on: date


def package_out(package: Package) -> dict:
    return package.model_dump()


def subscription_out(subscription: Subscription, settings: BillingSettings) -> dict:
    package = settings.package(subscription.package_id)
    return {
        "id": str(subscription.id),
        "package_id": subscription.package_id,
        "package_name": package.name if package else subscription.package_id,
        "max_active_postings": package.max_active_postings if package else 0,
        "cycle": subscription.cycle,
        "status": subscription.status,
        "current_period": {"start": subscription.period.start, "end": subscription.period.end},
        "started_on": subscription.started_on,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "pending_package_id": subscription.pending_package_id,
        "ended_on": subscription.ended_on,
        "end_reason": subscription.end_reason,
    }


def _party_out(party: Party) -> dict:
    data = {"name": party.legal_name, "street": party.street, "postal_code": party.postal_code, "city": party.city,
            "country": party.country, "vat_id": party.vat_id}
    if party.tax_number:
        data["tax_number"] = party.tax_number
    return data


def invoice_out(invoice: Invoice, payments: list[dict] | None = None) -> dict:
    first_account = invoice.bank_accounts[0]
    return {
        "id": str(invoice.id),
        "number": invoice.number,
        "kind": invoice.kind,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "service_period": {"start": invoice.period.start, "end": invoice.period.end},
        "seller": _party_out(invoice.seller),
        "buyer": {**_party_out(invoice.buyer), "billing_email": invoice.buyer.email},
        "lines": [{"position": line.position, "description": line.description, "quantity": line.quantity,
                   "unit_net_cents": line.unit_net_cents, "net_cents": line.net_cents,
                   "service_period": {"start": line.period.start, "end": line.period.end}}
                  for line in invoice.lines],
        "net_cents": invoice.net_cents,
        "vat_rate": float(invoice.vat.rate),
        "vat_rate_text": vat_rate_text(invoice.vat.rate),
        "vat_category": invoice.vat.category,
        "vat_note": invoice.vat.note,
        "vat_cents": invoice.vat_cents,
        "gross_cents": invoice.gross_cents,
        "currency": invoice.currency,
        "payment": {
            "iban": first_account.iban, "bic": first_account.bic, "reference": invoice.payment_reference,
            "accounts": [{"bank_name": a.bank_name, "iban": a.iban, "bic": a.bic} for a in invoice.bank_accounts],
        },
        "status": invoice.status,
        "paid_cents": invoice.paid_cents,
        "outstanding_cents": invoice.outstanding_cents,
        "reminders_sent": invoice.reminders_sent,
        "cites": ({"id": str(invoice.cites.id), "number": invoice.cites.number,
                   "issue_date": invoice.cites.issue_date} if invoice.cites else None),
        "subscription_id": str(invoice.subscription_id) if invoice.subscription_id else None,
        **({"payments": [{"id": str(p["id"]), "amount_cents": p["amount_cents"], "paid_on": p["paid_on"]}
                         for p in payments]} if payments is not None else {}),
    }
