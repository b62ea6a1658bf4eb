"""The EN 16931 e-invoice: Factur-X / ZUGFeRD 2 profile EN 16931 (UN/CEFACT CII XML), built with the `factur-x`
library (akretion, BSD), which also checks it against the official Factur-X XSD while generating.

The mapping below names the EN 16931 business terms (BT-x / BG-x) it fills; see docs/billing.md for what is
validated and how (XSD here at generation time; XSD and the EN 16931 schematron in the tests)."""

from __future__ import annotations

import logging

from facturx.generate_xml import generate_cii_xml

from ..domain.invoices import Invoice, Party
from ..domain.money import decimal_amount
from ..domain.tax import vat_rate_text

LEVEL = "en16931"
SPECIFICATION = "urn:cen.eu:en16931:2017"
UNIT_ONE = "C62"  # UN/ECE Rec 20: "one"
SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461

logging.getLogger("factur-x").setLevel(logging.WARNING)


def cii_xml(invoice: Invoice) -> bytes:
    """The CII XML of an invoice or credit note; raises if it does not satisfy the Factur-X EN 16931 XSD."""
    return generate_cii_xml(_data(invoice), level=LEVEL, check_xsd=True, check_schematron=False)


def _data(invoice: Invoice) -> dict:
    vat_rate = vat_rate_text(invoice.vat.rate)
    data = {
        "BT-1": invoice.number,
        "BT-2": invoice.issue_date,
        "BT-3": invoice.type_code,
        "BT-5": invoice.currency,
        "BT-10": str(invoice.company_id),  # buyer reference: the customer's account, also for XRechnung-minded readers
        "BT-24": SPECIFICATION,
        "BT-72": invoice.period.start,  # the service is delivered over the period; its start is the delivery date
        "BT-73": invoice.period.start,
        "BT-74": invoice.period.end,
        "BG-1": [{"BT-22": note} for note in _notes(invoice)],
        "BG-4": _party(invoice.seller, seller=True),
        "BG-7": _party(invoice.buyer, seller=False),
        "BG-23": [{
            "BT-116": decimal_amount(invoice.net_cents),
            "BT-117": decimal_amount(invoice.vat_cents),
            "BT-118": invoice.vat.category,
            "BT-119": vat_rate,
            **({"BT-120": invoice.vat.note, "BT-121": invoice.vat.exemption_code} if invoice.vat.note else {}),
        }],
        "BG-25": [{
            "BT-126": str(line.position),
            "BT-129": str(line.quantity),
            "BT-130": UNIT_ONE,
            "BT-131": decimal_amount(line.net_cents),
            "BT-134": line.period.start,
            "BT-135": line.period.end,
            "BT-146": decimal_amount(line.unit_net_cents),
            "BT-151": invoice.vat.category,
            "BT-152": vat_rate,
            "BT-153": line.description,
        } for line in invoice.lines],
        "BT-106": decimal_amount(invoice.net_cents),
        "BT-109": decimal_amount(invoice.net_cents),
        "BT-110": decimal_amount(invoice.vat_cents),
        "BT-112": decimal_amount(invoice.gross_cents),
        "BT-115": decimal_amount(invoice.gross_cents),
    }
    if invoice.kind == "invoice":
        account = invoice.bank_accounts[0]
        data.update({
            "BT-9": invoice.due_date,
            "BT-20": f"Zahlbar ohne Abzug bis {invoice.due_date:%d.%m.%Y} per Überweisung, "
                     f"Verwendungszweck {invoice.payment_reference}.",
            "BT-81": SEPA_CREDIT_TRANSFER,
            "BT-83": invoice.payment_reference,
            "BT-84": account.iban,
            "BT-86": account.bic,
        })
    if invoice.cites:
        data["BG-3"] = [{"BT-25": invoice.cites.number, "BT-26": invoice.cites.issue_date}]
    return data


def _notes(invoice: Invoice) -> list[str]:
    notes = []
    if invoice.cites:
        notes.append(f"Korrektur (Storno) der Rechnung {invoice.cites.number} vom {invoice.cites.issue_date:%d.%m.%Y}.")
    if invoice.vat.note:
        notes.append(invoice.vat.note)
    return notes


def _party(party: Party, *, seller: bool) -> dict:
    data = {
        "name": party.legal_name,
        "addr_l1": party.street,
        "postcode": party.postal_code,
        "city": party.city,
        "country_code": party.country,
    }
    if party.vat_id:
        data["vat_identifier"] = party.vat_id
    if seller and party.tax_number:
        data["tax_identifier"] = party.tax_number
    if party.email:
        data["einvoicing_addr"] = party.email
        data["einvoicing_addr_schemeid"] = "EM"
    return data
