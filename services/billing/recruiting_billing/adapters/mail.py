"""The billing e-mails: invoice (with PDF and XML attached), payment reminder, suspension notice. German first,
English below, plain text."""

from __future__ import annotations

from ..domain.invoices import Invoice, Party
from ..domain.money import german_amount


def invoice_mail(invoice: Invoice) -> tuple[str, str, str]:
    """(to, subject, text)."""
    if invoice.kind == "credit_note":
        subject = f"Rechnungskorrektur {invoice.number} zu Rechnung {invoice.cites.number}"
        text = (f"Guten Tag,\n\nanbei erhalten Sie die Rechnungskorrektur {invoice.number}, die die Rechnung "
                f"{invoice.cites.number} vom {invoice.cites.issue_date:%d.%m.%Y} aufhebt.\n\n"
                f"Please find attached credit note {invoice.number}, which cancels invoice {invoice.cites.number}.\n")
    else:
        subject = f"Rechnung {invoice.number}"
        text = (f"Guten Tag,\n\nanbei erhalten Sie die Rechnung {invoice.number} vom {invoice.issue_date:%d.%m.%Y} "
                f"über {german_amount(invoice.gross_cents, invoice.currency)}, zahlbar bis "
                f"{invoice.due_date:%d.%m.%Y}.\n{_payment_instructions(invoice)}\n"
                f"Please find attached invoice {invoice.number}, due on {invoice.due_date:%Y-%m-%d}. The attached "
                "PDF contains the EN 16931 e-invoice (Factur-X/ZUGFeRD); the XML is attached as well.\n")
    return invoice.buyer.email, subject, text + _signature(invoice.seller)


def reminder_mail(invoice: Invoice, reminders_sent: int, final: bool) -> tuple[str, str, str]:
    subject = f"Zahlungserinnerung {reminders_sent}: Rechnung {invoice.number}"
    outstanding = german_amount(invoice.outstanding_cents, invoice.currency)
    text = (f"Guten Tag,\n\nzur Rechnung {invoice.number} vom {invoice.issue_date:%d.%m.%Y}, fällig am "
            f"{invoice.due_date:%d.%m.%Y}, ist noch ein Betrag von {outstanding} offen.\n"
            f"{_payment_instructions(invoice)}\n")
    if final:
        text += ("Dies ist die letzte Erinnerung: Geht die Zahlung nicht ein, wird Ihr Lizenzpaket ausgesetzt.\n"
                 "This is the final reminder: without payment your subscription will be suspended.\n")
    text += f"Invoice {invoice.number} is overdue; {outstanding} are outstanding.\n"
    return invoice.buyer.email, subject, text + _signature(invoice.seller)


def payment_received_mail(invoice: Invoice) -> tuple[str, str, str]:
    subject = f"Zahlungseingang: Rechnung {invoice.number} ist bezahlt"
    text = (f"Guten Tag,\n\nvielen Dank: Die Rechnung {invoice.number} vom {invoice.issue_date:%d.%m.%Y} über "
            f"{german_amount(invoice.gross_cents, invoice.currency)} ist vollständig bezahlt.\n\n"
            f"Thank you: invoice {invoice.number} is paid in full.\n")
    return invoice.buyer.email, subject, text + _signature(invoice.seller)


def suspension_mail(buyer: Party, seller: Party) -> tuple[str, str, str]:
    subject = "Ihr Lizenzpaket wurde ausgesetzt"
    text = ("Guten Tag,\n\nweil eine Rechnung trotz Erinnerungen nicht bezahlt wurde, haben wir Ihr Lizenzpaket "
            "ausgesetzt. Ihre Stellenanzeigen werden nicht mehr veröffentlicht.\n\n"
            "Your subscription has been suspended because an invoice remained unpaid.\n")
    return buyer.email, subject, text + _signature(seller)


def attachments(invoice: Invoice, pdf: bytes, xml: bytes) -> list[tuple[str, str, bytes]]:
    return [(f"{invoice.number}.pdf", "application/pdf", pdf), (f"{invoice.number}.xml", "application/xml", xml)]


def _payment_instructions(invoice: Invoice) -> str:
    accounts = "\n".join(f"  {a.bank_name}: IBAN {a.iban}, BIC {a.bic}" for a in invoice.bank_accounts)
    return (f"Bitte überweisen Sie den Betrag mit dem Verwendungszweck {invoice.payment_reference} "
            f"auf eines unserer Konten:\n{accounts}\n")


def _signature(seller: Party) -> str:
    return f"\n{seller.legal_name}\n{seller.street}, {seller.postal_code} {seller.city}\n{seller.email}\n"
