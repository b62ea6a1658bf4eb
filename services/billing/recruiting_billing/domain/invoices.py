"""Invoices and credit notes as documents (§14 Abs. 4 UStG, EN 16931), payments and dunning.

An invoice is never edited or deleted once it has a number (GoBD); what changes afterwards is only its status and
the running figures beside it (paid_cents, reminders). A mistake is corrected by a credit note: a document of its
own with its own number series, citing the original, with the same (positive) amounts.

Totals: net = sum of line nets; VAT = net × rate, rounded half up to whole cents once per invoice (one rate per
invoice); gross = net + VAT."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal
from uuid import UUID, uuid4

from .errors import InvalidInput, InvoiceNotCancellable, InvoiceNotPayable, Overpayment
from .money import percent_of
from .periods import Period
from .subscriptions import Charge
from .tax import VatTreatment

Kind = Literal["invoice", "credit_note"]
InvoiceStatus = Literal["open", "paid", "overdue", "cancelled"]
SERIES = {"invoice": "RE", "credit_note": "GS"}


@dataclass(frozen=True)
class Party:
    legal_name: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_id: str | None = None
    email: str | None = None
    tax_number: str | None = None


@dataclass(frozen=True)
class BankAccount:
    bank_name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Line:
    position: int
    description: str
    period: Period
    quantity: int
    unit_net_cents: int
    net_cents: int


@dataclass(frozen=True)
class CitedInvoice:
    id: UUID
    number: str
    issue_date: date


@dataclass(frozen=True)
class Invoice:
    id: UUID
    company_id: UUID
    subscription_id: UUID | None
    kind: Kind
    number: str
    issue_date: date
    due_date: date
    period: Period
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    vat: VatTreatment
    net_cents: int
    vat_cents: int
    gross_cents: int
    currency: str
    bank_accounts: tuple[BankAccount, ...]
    cites: CitedInvoice | None = None
    charge_id: UUID | None = None
    status: InvoiceStatus = "open"
    paid_cents: int = 0
    reminders_sent: int = 0
    last_reminder_on: date | None = None
    extras: dict = field(default_factory=dict, compare=False)

    @property
    def payment_reference(self) -> str:
        return self.number

    @property
    def outstanding_cents(self) -> int:
        return 0 if self.kind == "credit_note" or self.status == "cancelled" else self.gross_cents - self.paid_cents

    @property
    def type_code(self) -> str:
        """UNTDID 1001: 380 commercial invoice, 381 credit note."""
        return "381" if self.kind == "credit_note" else "380"


def invoice_number(kind: Kind, year: int, sequence: int) -> str:
    """RE-2026-000042: series, year of the issue date, gapless sequence within that series and year."""
    return f"{SERIES[kind]}-{year}-{sequence:06d}"


def due_date_for(issue_date: date, payment_days: int) -> date:
    return issue_date + timedelta(days=payment_days)


def totals(lines: tuple[Line, ...], vat: VatTreatment) -> tuple[int, int, int]:
    net = sum(line.net_cents for line in lines)
    vat_cents = percent_of(net, vat.rate)
    return net, vat_cents, net + vat_cents


def invoice_for_charge(charge: Charge, *, number: str, seller: Party, buyer: Party, vat: VatTreatment,
                       bank_accounts: tuple[BankAccount, ...], currency: str, payment_days: int) -> Invoice:
    line = Line(1, charge.description, charge.period, 1, charge.net_cents, charge.net_cents)
    net, vat_cents, gross = totals((line,), vat)
    return Invoice(
        id=uuid4(), company_id=charge.company_id, subscription_id=charge.subscription_id, kind="invoice",
        number=number, issue_date=charge.billable_on, due_date=due_date_for(charge.billable_on, payment_days),
        period=charge.period, seller=seller, buyer=buyer, lines=(line,), vat=vat, net_cents=net, vat_cents=vat_cents,
        gross_cents=gross, currency=currency, bank_accounts=bank_accounts, charge_id=charge.id,
    )


def credit_note_for(original: Invoice, *, number: str, issue_date: date) -> Invoice:
    """The credit note that cancels `original` in full: same parties, lines, VAT and amounts; its own number."""
    if original.kind != "invoice" or original.status not in ("open", "overdue"):
        raise InvoiceNotCancellable(f"Only open or overdue invoices can be cancelled; this one is {original.status}.")
    return replace(
        original, id=uuid4(), kind="credit_note", number=number, issue_date=issue_date, due_date=issue_date,
        cites=CitedInvoice(original.id, original.number, original.issue_date), charge_id=None, status="paid",
        paid_cents=0, reminders_sent=0, last_reminder_on=None,
    )


@dataclass(frozen=True)
class PaymentOutcome:
    paid_cents: int
    settled: bool


def apply_payment(invoice: Invoice, amount_cents: int) -> PaymentOutcome:
    """Partial payments add up; the payment that reaches the gross total settles the invoice."""
    if amount_cents <= 0:
        raise InvalidInput("amount_cents must be a positive number of cents.")
    if invoice.kind != "invoice" or invoice.status not in ("open", "overdue"):
        raise InvoiceNotPayable(f"This {invoice.kind.replace('_', ' ')} is {invoice.status}.")
    if amount_cents > invoice.outstanding_cents:
        raise Overpayment(f"At most {invoice.outstanding_cents} cents are outstanding.",
                          outstanding_cents=invoice.outstanding_cents)
    paid = invoice.paid_cents + amount_cents
    return PaymentOutcome(paid, settled=paid >= invoice.gross_cents)


DunningStep = Literal["remind", "suspend"]


def dunning_step(invoice: Invoice, today: date, *, interval_days: int, max_reminders: int) -> DunningStep | None:
    """What the daily run does with an unpaid invoice today. The first reminder goes out the day after the due
    date (and marks the invoice overdue); the next ones every `interval_days`; `interval_days` after the last
    reminder the subscription is suspended."""
    if invoice.kind != "invoice" or invoice.status not in ("open", "overdue") or today <= invoice.due_date:
        return None
    if invoice.reminders_sent == 0:
        return "remind"
    if invoice.last_reminder_on is not None and today < invoice.last_reminder_on + timedelta(days=interval_days):
        return None
    return "remind" if invoice.reminders_sent < max_reminders else "suspend"
