"""The printed invoice: a PDF drawn with ReportLab, with the CII XML embedded as a Factur-X / ZUGFeRD attachment
(PDF/A-3 metadata and the `factur-x.xml` file added by the `factur-x` library), so that one file is both the
human-readable and the machine-readable invoice.

The fonts are the Bitstream Vera fonts shipped inside ReportLab and are embedded in the file (no system fonts are
needed, and PDF/A asks for embedded fonts). Rendering is CPU work: callers run it off the event loop."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from facturx import generate_from_binary
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..domain.invoices import Invoice, Party
from ..domain.money import german_amount
from ..domain.tax import vat_rate_text

_FONTS = Path(reportlab.__file__).parent / "fonts"
pdfmetrics.registerFont(TTFont("Vera", _FONTS / "Vera.ttf"))
pdfmetrics.registerFont(TTFont("Vera-Bold", _FONTS / "VeraBd.ttf"))

BODY = ParagraphStyle("body", fontName="Vera", fontSize=9, leading=12)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444"))
TITLE = ParagraphStyle("title", parent=BODY, fontName="Vera-Bold", fontSize=15, leading=20, spaceAfter=4)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Vera-Bold")
RIGHT = ParagraphStyle("right", parent=BODY, alignment=2)
RIGHT_BOLD = ParagraphStyle("right_bold", parent=BOLD, alignment=2)


def invoice_pdf(invoice: Invoice, xml: bytes) -> bytes:
    """The Factur-X PDF of `invoice` with `xml` (its CII XML) embedded."""
    return generate_from_binary(_visual_pdf(invoice), xml, flavor="factur-x", level="en16931", check_xsd=False,
                                lang="de-DE")


def _visual_pdf(invoice: Invoice) -> bytes:
    buffer = BytesIO()
    title = _title(invoice)
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=f"{title} {invoice.number}",
                                 author=invoice.seller.legal_name, invariant=1)
    story = [
        Paragraph(escape(_one_line(invoice.seller)), SMALL), Spacer(0, 4 * mm),
        Paragraph(_address_block(invoice.buyer), BODY), Spacer(0, 10 * mm),
        Paragraph(f"{title} {escape(invoice.number)}", TITLE),
        _facts_table(invoice), Spacer(0, 6 * mm),
        _lines_table(invoice), Spacer(0, 6 * mm),
        *[Paragraph(escape(text), BODY) for text in _closing_texts(invoice)], Spacer(0, 8 * mm),
        Paragraph(escape(_seller_footer(invoice.seller)), SMALL),
    ]
    document.build(story)
    return buffer.getvalue()


def _title(invoice: Invoice) -> str:
    return "Rechnungskorrektur (Storno)" if invoice.kind == "credit_note" else "Rechnung"


def _one_line(party: Party) -> str:
    return f"{party.legal_name} · {party.street} · {party.postal_code} {party.city}"


def _address_block(party: Party) -> str:
    lines = [party.legal_name, party.street, f"{party.postal_code} {party.city}", party.country]
    if party.vat_id:
        lines.append(f"USt-IdNr.: {party.vat_id}")
    return "<br/>".join(escape(line) for line in lines)


def _facts_table(invoice: Invoice) -> Table:
    facts = [
        ("Rechnungsnummer", invoice.number),
        ("Rechnungsdatum", f"{invoice.issue_date:%d.%m.%Y}"),
        ("Leistungszeitraum", invoice.period.german()),
        ("Kundennummer", str(invoice.company_id)),
    ]
    if invoice.kind == "invoice":
        facts.append(("Fällig am", f"{invoice.due_date:%d.%m.%Y}"))
    if invoice.cites:
        facts.append(("Korrigiert Rechnung", f"{invoice.cites.number} vom {invoice.cites.issue_date:%d.%m.%Y}"))
    table = Table([[Paragraph(k, BOLD), Paragraph(escape(v), BODY)] for k, v in facts], colWidths=[42 * mm, 128 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _lines_table(invoice: Invoice) -> Table:
    currency = invoice.currency
    rows = [[Paragraph(h, style) for h, style in (("Pos.", BOLD), ("Leistung", BOLD), ("Menge", RIGHT_BOLD),
                                                   ("Einzelpreis", RIGHT_BOLD), ("Betrag", RIGHT_BOLD))]]
    for line in invoice.lines:
        rows.append([
            Paragraph(str(line.position), BODY),
            Paragraph(f"{escape(line.description)}<br/>Zeitraum {line.period.german()}", BODY),
            Paragraph(str(line.quantity), RIGHT),
            Paragraph(german_amount(line.unit_net_cents, currency), RIGHT),
            Paragraph(german_amount(line.net_cents, currency), RIGHT),
        ])
    rate = vat_rate_text(invoice.vat.rate).replace(".", ",")
    vat_label = f"Umsatzsteuer {rate} %" + (" (Reverse Charge)" if invoice.vat.reverse_charge else "")
    total_label = "Gesamtbetrag" if invoice.kind == "credit_note" else "Rechnungsbetrag"
    for label, cents, style in (("Summe netto", invoice.net_cents, RIGHT), (vat_label, invoice.vat_cents, RIGHT),
                                (total_label, invoice.gross_cents, RIGHT_BOLD)):
        rows.append(["", Paragraph(label, style), "", "", Paragraph(german_amount(cents, currency), style)])
    table = Table(rows, colWidths=[12 * mm, 83 * mm, 19 * mm, 28 * mm, 28 * mm], repeatRows=1, hAlign="LEFT")
    body_end = len(invoice.lines)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, body_end), (-1, body_end), 0.4, colors.grey),
        ("LINEABOVE", (1, -1), (-1, -1), 0.6, colors.black),
    ]))
    return table


def _closing_texts(invoice: Invoice) -> list[str]:
    texts = []
    if invoice.vat.note:
        texts.append(invoice.vat.note + ".")
    if invoice.kind == "credit_note":
        texts.append(f"Diese Rechnungskorrektur hebt die Rechnung {invoice.cites.number} vollständig auf. "
                     "Ein bereits gezahlter Betrag wird erstattet.")
        return texts
    texts.append(f"Bitte überweisen Sie den Rechnungsbetrag ohne Abzug bis zum {invoice.due_date:%d.%m.%Y} "
                 f"unter Angabe der Rechnungsnummer {invoice.payment_reference} als Verwendungszweck "
                 "auf eines unserer Konten:")
    for account in invoice.bank_accounts:
        texts.append(f"{account.bank_name} · IBAN {_grouped(account.iban)} · BIC {account.bic}")
    texts.append("Beträge in Euro; die Umsatzsteuer wird auf den Nettobetrag berechnet und kaufmännisch "
                 "auf volle Cent gerundet.")
    return texts


def _seller_footer(seller: Party) -> str:
    return (f"{seller.legal_name} · {seller.street} · {seller.postal_code} {seller.city} · {seller.email} · "
            f"USt-IdNr. {seller.vat_id} · Steuernummer {seller.tax_number}")


def _grouped(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
