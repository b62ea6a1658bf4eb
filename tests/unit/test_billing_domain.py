"""Billing rules without I/O: money and rounding, periods, pro-rata upgrades, VAT treatment, invoice totals and
numbers, payments, credit notes and the dunning schedule."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from recruiting_billing.config import DEFAULT_PACKAGES, BillingSettings
from recruiting_billing.domain import errors
from recruiting_billing.domain import invoices as inv
from recruiting_billing.domain import subscriptions as subs
from recruiting_billing.domain.money import decimal_amount, german_amount, percent_of, round_cents
from recruiting_billing.domain.periods import Period, add_months
from recruiting_billing.domain.tax import REVERSE_CHARGE_NOTE, normalise_vat_id, vat_treatment

STARTER, BUSINESS, ENTERPRISE = DEFAULT_PACKAGES
SELLER = inv.Party("Recruiting Platform GmbH", "Musterstraße 1", "10115", "Berlin", "DE", "DE136695976",
                   "billing@example.com", "30/123/45678")
BANKS = (inv.BankAccount("Bank", "DE02120300000000202051", "BYLADEM1001"),)


def buyer(country="DE", vat_id=None) -> inv.Party:
    return inv.Party("Kunde GmbH", "Hauptstraße 5", "80331", "München", country, vat_id, "billing@kunde.example")


def invoice_for(charge, party=None, number="RE-2026-000001") -> inv.Invoice:
    party = party or buyer()
    return inv.invoice_for_charge(charge, number=number, seller=SELLER, buyer=party,
                                  vat=vat_treatment(party.country, party.vat_id), bank_accounts=BANKS,
                                  currency="EUR", payment_days=10)


def test_commercial_rounding_to_whole_cents():
    assert round_cents(Decimal("0.5")) == 1
    assert round_cents(Decimal("1.49")) == 1
    assert round_cents(Decimal("-0.5")) == -1
    assert percent_of(4839, Decimal(19)) == 919  # 919.41
    assert percent_of(50, Decimal(19)) == 10  # 9.5 rounds up
    assert decimal_amount(17731) == "177.31" and decimal_amount(5) == "0.05"
    assert german_amount(123456789) == "1.234.567,89 EUR"


def test_periods_are_closed_ranges_and_months_clamp():
    assert Period.starting(date(2026, 3, 3), "monthly") == Period(date(2026, 3, 3), date(2026, 4, 2))
    assert Period.starting(date(2026, 3, 3), "yearly") == Period(date(2026, 3, 3), date(2027, 3, 2))
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    january = Period.starting(date(2026, 1, 1), "monthly")
    assert january.days == 31 and january.next("monthly") == Period(date(2026, 2, 1), date(2026, 2, 28))


@pytest.mark.parametrize(("old", "new", "period", "upgrade_on", "expected"), [
    # whole January, Starter -> Business on the 17th: 10,000 ct × 15/31 days = 4,838.71 -> 4,839
    (4_900, 14_900, Period(date(2026, 1, 1), date(2026, 1, 31)), date(2026, 1, 17), 4_839),
    # on the first day the whole difference, on the last day one day's worth (322.58 -> 323)
    (4_900, 14_900, Period(date(2026, 1, 1), date(2026, 1, 31)), date(2026, 1, 1), 10_000),
    (4_900, 14_900, Period(date(2026, 1, 1), date(2026, 1, 31)), date(2026, 1, 31), 323),
    # yearly Business -> Enterprise, 183 of 365 days left: 250,000 × 183/365 = 125,342.47 -> 125,342
    (149_000, 399_000, Period(date(2026, 3, 3), date(2027, 3, 2)), date(2026, 9, 1), 125_342),
    # exactly half a cent rounds up
    (0, 1, Period(date(2026, 2, 1), date(2026, 2, 2)), date(2026, 2, 2), 1),
])
def test_pro_rata_upgrade_amounts(old, new, period, upgrade_on, expected):
    assert subs.prorated_upgrade_cents(old, new, period, upgrade_on) == expected


def test_upgrade_takes_effect_at_once_with_a_pro_rata_charge():
    subscription, _ = subs.book(uuid.uuid4(), STARTER, "monthly", date(2026, 1, 1))
    change = subs.change_package(subscription, STARTER, BUSINESS, date(2026, 1, 17))
    assert change.kind == "upgrade" and change.subscription.package_id == "business"
    assert change.charge.net_cents == 4_839
    assert change.charge.period == Period(date(2026, 1, 17), date(2026, 1, 31))
    assert "15/31 Tage" in change.charge.description


def test_downgrade_waits_for_the_next_period_and_renewal_applies_it():
    subscription, _ = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 1, 1))
    change = subs.change_package(subscription, BUSINESS, STARTER, date(2026, 1, 10))
    assert change.kind == "downgrade" and change.charge is None
    assert change.subscription.package_id == "business" and change.subscription.pending_package_id == "starter"
    assert change.effective_on == date(2026, 2, 1)
    renewed, charge = subs.renew(change.subscription, STARTER, date(2026, 2, 1))
    assert renewed.package_id == "starter" and renewed.pending_package_id is None
    assert renewed.period == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert charge.net_cents == STARTER.monthly_net_cents and charge.kind == "renewal"


def test_same_package_is_refused_and_inactive_subscriptions_do_not_change():
    subscription, _ = subs.book(uuid.uuid4(), BUSINESS, "yearly", date(2026, 1, 1))
    with pytest.raises(errors.PlanUnchanged):
        subs.change_package(subscription, BUSINESS, BUSINESS, date(2026, 1, 2))
    ended = replace(subscription, status="suspended")
    with pytest.raises(errors.SubscriptionNotActive):
        subs.change_package(ended, BUSINESS, ENTERPRISE, date(2026, 1, 2))
    with pytest.raises(errors.SubscriptionNotActive):
        subs.cancel_at_period_end(ended)


def test_vat_for_german_eu_and_other_customers():
    german = vat_treatment("DE", "DE136695976")
    assert (german.category, german.rate, german.note) == ("S", Decimal(19), None)
    french = vat_treatment("FR", "FR40303265045")
    assert (french.category, french.rate) == ("AE", Decimal(0))
    assert french.note == REVERSE_CHARGE_NOTE and "Steuerschuldnerschaft des Leistungsempfängers" in french.note
    assert vat_treatment("FR", None).rate == Decimal(19)
    with pytest.raises(errors.UnsupportedCountry):
        vat_treatment("US", None)


def test_vat_ids_are_checked_for_format_check_digits_and_country():
    assert normalise_vat_id("DE", "de 136 695 976") == "DE136695976"
    assert normalise_vat_id("GR", "EL094259216") == "EL094259216"
    for country, vat_id in (("DE", "DE123456789"), ("DE", "not-a-vat-id"), ("FR", "DE136695976")):
        with pytest.raises(errors.InvalidProfile):
            normalise_vat_id(country, vat_id)


def test_invoice_totals_due_date_and_number():
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    invoice = invoice_for(charge)
    assert (invoice.net_cents, invoice.vat_cents, invoice.gross_cents) == (14_900, 2_831, 17_731)
    assert invoice.issue_date == date(2026, 3, 3) and invoice.due_date == date(2026, 3, 13)
    assert invoice.period == Period(date(2026, 3, 3), date(2026, 4, 2))
    assert invoice.payment_reference == invoice.number == "RE-2026-000001"
    assert inv.invoice_number("credit_note", 2027, 42) == "GS-2027-000042"
    reverse_charge = invoice_for(charge, buyer("AT", "ATU13585627"))
    assert (reverse_charge.vat_cents, reverse_charge.gross_cents) == (0, 14_900)


def test_partial_payments_add_up_and_overpayment_is_refused():
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    invoice = invoice_for(charge)
    first = inv.apply_payment(invoice, 10_000)
    assert first == inv.PaymentOutcome(10_000, settled=False)
    halfway = replace(invoice, paid_cents=first.paid_cents)
    assert inv.apply_payment(halfway, 7_731) == inv.PaymentOutcome(17_731, settled=True)
    with pytest.raises(errors.Overpayment):
        inv.apply_payment(halfway, 7_732)
    with pytest.raises(errors.InvalidInput):
        inv.apply_payment(invoice, -5)
    with pytest.raises(errors.InvoiceNotPayable):
        inv.apply_payment(replace(invoice, status="paid"), 1)


def test_credit_note_cites_the_original_and_repeats_its_amounts():
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    original = invoice_for(charge)
    credit_note = inv.credit_note_for(original, number="GS-2026-000001", issue_date=date(2026, 3, 5))
    assert credit_note.kind == "credit_note" and credit_note.type_code == "381" and credit_note.id != original.id
    assert credit_note.cites == inv.CitedInvoice(original.id, original.number, original.issue_date)
    assert (credit_note.net_cents, credit_note.vat_cents, credit_note.gross_cents) == (14_900, 2_831, 17_731)
    with pytest.raises(errors.InvoiceNotCancellable):
        inv.credit_note_for(replace(original, status="paid"), number="x", issue_date=date(2026, 3, 5))


def test_dunning_schedule():
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    invoice = invoice_for(charge)  # due 13 March

    def step(today, **state):
        return inv.dunning_step(replace(invoice, **state), today, interval_days=7, max_reminders=2)

    assert step(date(2026, 3, 13)) is None  # due today: not yet late
    assert step(date(2026, 3, 14)) == "remind"
    assert step(date(2026, 3, 20), status="overdue", reminders_sent=1, last_reminder_on=date(2026, 3, 14)) is None
    assert step(date(2026, 3, 21), status="overdue", reminders_sent=1, last_reminder_on=date(2026, 3, 14)) == "remind"
    assert step(date(2026, 3, 28), status="overdue", reminders_sent=2, last_reminder_on=date(2026, 3, 21)) == "suspend"
    assert step(date(2026, 4, 28), status="paid") is None


def test_settings_refuse_the_development_seller_in_production():
    with pytest.raises(ValueError):
        BillingSettings(environment="production", amqp_url="amqp://billing:secret@broker/")
    with pytest.raises(ValueError):
        BillingSettings(billing_packages=[STARTER, STARTER])

