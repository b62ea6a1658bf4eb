"""What the billing handlers need besides a database connection: settings, the outbox, the mailer and the clock.

The clock is injectable: the daily run, bookings and payments all ask it for "today", so tests (and a demo with
BILLING_TODAY) can move time without touching the system clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from recruiting_shared.mailer import Mailer
from recruiting_shared.outbox import Outbox

from ..config import BillingSettings
from ..domain.invoices import BankAccount, Party

Clock = Callable[[], date]
BUSINESS_TIMEZONE = ZoneInfo("Europe/Berlin")  # invoice dates are German calendar days


def system_clock(settings: BillingSettings) -> Clock:
    if settings.billing_today is not None:
        fixed = settings.billing_today
        return lambda: fixed
    return lambda: datetime.now(BUSINESS_TIMEZONE).date()


@dataclass
class BillingContext:
    settings: BillingSettings
    outbox: Outbox
    mailer: Mailer
    clock: Clock

    @classmethod
    def create(cls, settings: BillingSettings, clock: Clock | None = None) -> "BillingContext":
        return cls(settings, Outbox(settings.service_name), Mailer(settings), clock or system_clock(settings))

    @property
    def seller(self) -> Party:
        s = self.settings.billing_seller
        return Party(s.legal_name, s.street, s.postal_code, s.city, s.country, s.vat_id, s.email, s.tax_number)

    @property
    def bank_accounts(self) -> tuple[BankAccount, ...]:
        return tuple(BankAccount(a.bank_name, a.iban, a.bic) for a in self.settings.billing_bank_accounts)
