"""Settings of the billing service: the package catalogue, the seller (the operator) and the dunning rules.

Everything comes from the environment (pydantic-settings parses JSON for the list fields, e.g.
`BILLING_PACKAGES='[{"id": "starter", ...}]'`). The defaults describe a development operator; outside development
the validator refuses the example seller, so that no real invoice goes out with a made-up tax identity."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator, model_validator
from recruiting_shared.config import Settings
from stdnum import iban as iban_number
from stdnum.eu import vat as eu_vat

from .domain.packages import Package

DEVELOPMENT_SELLER_VAT_ID = "DE136695976"


class BankAccount(BaseModel):
    bank_name: str
    iban: str
    bic: str

    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str) -> str:
        return iban_number.validate(value)


class Seller(BaseModel):
    """The operator as it appears on every invoice (§14 Abs. 4 Nr. 1 and 2 UStG)."""

    legal_name: str = "Recruiting Platform GmbH (development)"
    street: str = "Musterstraße 1"
    postal_code: str = "10115"
    city: str = "Berlin"
    country: str = "DE"
    vat_id: str = DEVELOPMENT_SELLER_VAT_ID
    tax_number: str = "30/123/45678"
    email: str = "billing@recruiting.localhost"
    phone: str = "+49 30 0000000"

    @field_validator("vat_id")
    @classmethod
    def _valid_vat_id(cls, value: str) -> str:
        return eu_vat.validate(value)


DEFAULT_PACKAGES = [
    Package(id="starter", name="Starter", max_active_postings=3, monthly_net_cents=4_900, yearly_net_cents=49_000),
    Package(id="business", name="Business", max_active_postings=10, monthly_net_cents=14_900, yearly_net_cents=149_000),
    Package(id="enterprise", name="Enterprise", max_active_postings=50, monthly_net_cents=39_900,
            yearly_net_cents=399_000),
]

DEFAULT_BANK_ACCOUNTS = [
    BankAccount(bank_name="Development Bank", iban="DE02120300000000202051", bic="BYLADEM1001"),
    BankAccount(bank_name="Second Development Bank", iban="DE02500105170137075030", bic="INGDDEFFXXX"),
]


class BillingSettings(Settings):
    service_name: str = "billing"
    billing_packages: list[Package] = Field(default_factory=lambda: list(DEFAULT_PACKAGES))
    billing_seller: Seller = Field(default_factory=Seller)
    billing_bank_accounts: list[BankAccount] = Field(default_factory=lambda: list(DEFAULT_BANK_ACCOUNTS), min_length=1)
    billing_currency: str = "EUR"
    billing_payment_days: int = Field(10, ge=1, description="invoice due date = issue date + this many days")
    billing_reminder_interval_days: int = Field(7, ge=1, description="days between two payment reminders")
    billing_max_reminders: int = Field(3, ge=1, description="reminders before the subscription is suspended")
    billing_daily_run_seconds: float = Field(3600, gt=0, description="how often the daily run looks for work")
    billing_today: date | None = Field(None, description="development only: a fixed 'today' for demos and tests")

    @field_validator("billing_packages")
    @classmethod
    def _unique_packages(cls, packages: list[Package]) -> list[Package]:
        if not packages:
            raise ValueError("the package catalogue is empty")
        if len({p.id for p in packages}) != len(packages):
            raise ValueError("package ids must be unique")
        return packages

    @model_validator(mode="after")
    def _no_development_seller_in_production(self) -> "BillingSettings":
        if self.environment != "development":
            if self.billing_seller.vat_id == DEVELOPMENT_SELLER_VAT_ID:
                raise ValueError("BILLING_SELLER is the development example outside development")
            if self.billing_today is not None:
                raise ValueError("BILLING_TODAY is for development only")
        return self

    def package(self, package_id: str) -> Package | None:
        return next((p for p in self.billing_packages if p.id == package_id), None)
