"""Properties of the pro-rata rule (hypothesis), the e-mail texts and the configuration from the environment."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recruiting_billing.adapters import mail
from recruiting_billing.config import BillingSettings
from recruiting_billing.domain import invoices as inv
from recruiting_billing.domain import subscriptions as subs
from recruiting_billing.domain.periods import Period

from tests.unit.test_billing_domain import BUSINESS, buyer, invoice_for

prices = st.integers(min_value=0, max_value=1_000_000)


@given(old=prices, extra=prices, start=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
       cycle=st.sampled_from(["monthly", "yearly"]), offset=st.integers(min_value=0, max_value=400))
def test_pro_rata_is_between_nothing_and_the_full_difference_and_shrinks_over_the_period(old, extra, start, cycle,
                                                                                         offset):
    period = Period.starting(start, cycle)
    day = min(start + timedelta(days=offset), period.end)
    amount = subs.prorated_upgrade_cents(old, old + extra, period, day)
    assert 0 <= amount <= extra
    if day == period.start:
        assert amount == extra
    if day < period.end:
        assert subs.prorated_upgrade_cents(old, old + extra, period, day + timedelta(days=1)) <= amount


def test_invoice_mail_names_amount_due_date_accounts_and_reference():
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    invoice = invoice_for(charge)
    to, subject, text = mail.invoice_mail(invoice)
    assert to == "billing@kunde.example" and subject == "Rechnung RE-2026-000001"
    for fact in ("177,31 EUR", "13.03.2026", "DE02120300000000202051", "BYLADEM1001", "Verwendungszweck RE-2026-000001"):
        assert fact in text, fact
    files = mail.attachments(invoice, b"%PDF", b"<xml/>")
    assert [name for name, _, _ in files] == ["RE-2026-000001.pdf", "RE-2026-000001.xml"]


def test_reminder_and_credit_note_mails():
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    invoice = invoice_for(charge, buyer("DE"))
    _, subject, text = mail.reminder_mail(invoice, 2, final=False)
    assert subject == "Zahlungserinnerung 2: Rechnung RE-2026-000001" and "letzte" not in text
    assert "letzte Erinnerung" in mail.reminder_mail(invoice, 3, final=True)[2]
    credit_note = inv.credit_note_for(invoice, number="GS-2026-000001", issue_date=date(2026, 3, 4))
    assert mail.invoice_mail(credit_note)[1] == "Rechnungskorrektur GS-2026-000001 zu Rechnung RE-2026-000001"


def test_catalogue_seller_and_accounts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("BILLING_PACKAGES", json.dumps([
        {"id": "solo", "name": "Solo", "max_active_postings": 1, "monthly_net_cents": 1_900, "yearly_net_cents": 19_000},
    ]))
    monkeypatch.setenv("BILLING_BANK_ACCOUNTS", json.dumps([
        {"bank_name": "Hausbank", "iban": "DE02 5001 0517 0137 0750 30", "bic": "INGDDEFFXXX"}]))
    monkeypatch.setenv("BILLING_PAYMENT_DAYS", "14")
    settings = BillingSettings()
    assert [p.id for p in settings.billing_packages] == ["solo"] and settings.package("starter") is None
    assert settings.billing_bank_accounts[0].iban == "DE02500105170137075030"
    assert settings.billing_payment_days == 14
    monkeypatch.setenv("BILLING_BANK_ACCOUNTS", json.dumps([{"bank_name": "x", "iban": "DE00123", "bic": "X"}]))
    with pytest.raises(ValueError):
        BillingSettings()
