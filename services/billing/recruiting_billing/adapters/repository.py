"""asyncpg queries of the billing service: one method per query, keyword-only filters, rows mapped to domain data.

A `Repository` wraps one connection; the caller owns the transaction (`async with conn.transaction()`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg

from ..domain.invoices import BankAccount, CitedInvoice, Invoice, Line, Party
from ..domain.periods import Period
from ..domain.subscriptions import Charge, Subscription
from ..domain.tax import VatTreatment


class Repository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # --- billing profiles ------------------------------------------------------------------------------------------
    async def get_profile(self, *, company_id: UUID) -> Party | None:
        row = await self.conn.fetchrow("SELECT * FROM billing_profiles WHERE company_id = $1", company_id)
        return _party(row) if row else None

    async def save_profile(self, *, company_id: UUID, profile: Party) -> None:
        await self.conn.execute(
            """INSERT INTO billing_profiles (company_id, legal_name, street, postal_code, city, country, vat_id,
                                             billing_email)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (company_id) DO UPDATE SET legal_name = $2, street = $3, postal_code = $4, city = $5,
                   country = $6, vat_id = $7, billing_email = $8, updated_at = now()""",
            company_id, profile.legal_name, profile.street, profile.postal_code, profile.city, profile.country,
            profile.vat_id, profile.email,
        )

    # --- subscriptions ---------------------------------------------------------------------------------------------
    async def add_subscription(self, subscription: Subscription) -> None:
        """Raises asyncpg.UniqueViolationError when the company already has an active subscription."""
        s = subscription
        await self.conn.execute(
            """INSERT INTO subscriptions (id, company_id, package_id, cycle, status, period_start, period_end,
                                          started_on, cancel_at_period_end, pending_package_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            s.id, s.company_id, s.package_id, s.cycle, s.status, s.period.start, s.period.end, s.started_on,
            s.cancel_at_period_end, s.pending_package_id,
        )

    async def get_subscription(self, *, subscription_id: UUID, company_id: UUID | None = None,
                               for_update: bool = False) -> Subscription | None:
        row = await self.conn.fetchrow(
            f"""SELECT * FROM subscriptions WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)
                {'FOR UPDATE' if for_update else ''}""",
            subscription_id, company_id,
        )
        return _subscription(row) if row else None

    async def list_subscriptions(self, *, company_id: UUID) -> list[Subscription]:
        rows = await self.conn.fetch(
            "SELECT * FROM subscriptions WHERE company_id = $1 ORDER BY created_at DESC", company_id
        )
        return [_subscription(r) for r in rows]

    async def update_subscription(self, subscription: Subscription, *, expected_period_end: date,
                                  expected_status: str = "active") -> bool:
        """Conditional: only if the row still has the period and status the caller read. False if another
        transaction got there first."""
        s = subscription
        result = await self.conn.execute(
            """UPDATE subscriptions SET package_id = $2, status = $3, period_start = $4, period_end = $5,
                   cancel_at_period_end = $6, pending_package_id = $7, ended_on = $8, end_reason = $9,
                   updated_at = now()
               WHERE id = $1 AND period_end = $10 AND status = $11""",
            s.id, s.package_id, s.status, s.period.start, s.period.end, s.cancel_at_period_end,
            s.pending_package_id, s.ended_on, s.end_reason, expected_period_end, expected_status,
        )
        return result == "UPDATE 1"

    async def subscriptions_due_for_renewal(self, *, today: date, limit: int) -> list[Subscription]:
        """Active subscriptions whose period ended before today. SKIP LOCKED lets two instances share the work."""
        rows = await self.conn.fetch(
            """SELECT * FROM subscriptions WHERE status = 'active' AND period_end < $1
               ORDER BY period_end LIMIT $2 FOR UPDATE SKIP LOCKED""",
            today, limit,
        )
        return [_subscription(r) for r in rows]

    # --- charges ---------------------------------------------------------------------------------------------------
    async def add_charge(self, charge: Charge) -> None:
        c = charge
        await self.conn.execute(
            """INSERT INTO charges (id, subscription_id, company_id, kind, package_id, description, period_start,
                                    period_end, net_cents, billable_on)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            c.id, c.subscription_id, c.company_id, c.kind, c.package_id, c.description, c.period.start,
            c.period.end, c.net_cents, c.billable_on,
        )

    async def uninvoiced_charges(self, *, subscription_id: UUID) -> list[Charge]:
        """Locked until commit; a concurrent invoicer waits and then no longer sees them (invoice_id is set)."""
        rows = await self.conn.fetch(
            """SELECT * FROM charges WHERE subscription_id = $1 AND invoice_id IS NULL
               ORDER BY created_at, id FOR UPDATE""",
            subscription_id,
        )
        return [_charge(r) for r in rows]

    async def mark_charge_invoiced(self, *, charge_id: UUID, invoice_id: UUID) -> bool:
        result = await self.conn.execute(
            "UPDATE charges SET invoice_id = $2 WHERE id = $1 AND invoice_id IS NULL", charge_id, invoice_id
        )
        return result == "UPDATE 1"

    # --- numbering -------------------------------------------------------------------------------------------------
    async def next_number(self, *, series: str, year: int) -> int:
        """The next number of the series in `year`. The upsert locks the counter row until the caller commits, so
        numbers are handed out in commit order without gaps, across any number of instances."""
        return await self.conn.fetchval(
            """INSERT INTO invoice_counters (series, year, last_number) VALUES ($1, $2, 1)
               ON CONFLICT (series, year) DO UPDATE SET last_number = invoice_counters.last_number + 1
               RETURNING last_number""",
            series, year,
        )

    # --- invoices --------------------------------------------------------------------------------------------------
    async def add_invoice(self, invoice: Invoice) -> None:
        i = invoice
        await self.conn.execute(
            """INSERT INTO invoices (id, company_id, subscription_id, charge_id, kind, number, issue_date, due_date,
                   period_start, period_end, seller, buyer, lines, vat_category, vat_rate, vat_note,
                   vat_exemption_code, net_cents, vat_cents, gross_cents, currency, bank_accounts,
                   cites_invoice_id, cites_number, cites_issue_date, status, paid_cents)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                       $21, $22, $23, $24, $25, $26, $27)""",
            i.id, i.company_id, i.subscription_id, i.charge_id, i.kind, i.number, i.issue_date, i.due_date,
            i.period.start, i.period.end, asdict(i.seller), asdict(i.buyer), [_line_json(line) for line in i.lines],
            i.vat.category, i.vat.rate, i.vat.note, i.vat.exemption_code, i.net_cents, i.vat_cents, i.gross_cents,
            i.currency, [asdict(a) for a in i.bank_accounts], i.cites.id if i.cites else None,
            i.cites.number if i.cites else None, i.cites.issue_date if i.cites else None, i.status, i.paid_cents,
        )

    async def get_invoice(self, *, invoice_id: UUID, company_id: UUID | None = None,
                          for_update: bool = False) -> Invoice | None:
        row = await self.conn.fetchrow(
            f"""SELECT * FROM invoices WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)
                {'FOR UPDATE' if for_update else ''}""",
            invoice_id, company_id,
        )
        return _invoice(row) if row else None

    async def list_invoices(self, *, company_id: UUID) -> list[Invoice]:
        rows = await self.conn.fetch(
            "SELECT * FROM invoices WHERE company_id = $1 ORDER BY issue_date DESC, number DESC", company_id
        )
        return [_invoice(r) for r in rows]

    async def credit_note_citing(self, *, invoice_id: UUID) -> Invoice | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM invoices WHERE cites_invoice_id = $1 AND kind = 'credit_note'", invoice_id
        )
        return _invoice(row) if row else None

    async def set_invoice_status(self, *, invoice_id: UUID, status: str, expected_statuses: tuple[str, ...],
                                 paid_cents: int | None = None) -> bool:
        result = await self.conn.execute(
            """UPDATE invoices SET status = $2, paid_cents = coalesce($4, paid_cents)
               WHERE id = $1 AND status = ANY($3::text[])""",
            invoice_id, status, list(expected_statuses), paid_cents,
        )
        return result == "UPDATE 1"

    async def record_reminder(self, *, invoice_id: UUID, reminders_seen: int, today: date) -> bool:
        """One reminder per invoice and step, whichever instance gets here first."""
        result = await self.conn.execute(
            """UPDATE invoices SET status = 'overdue', reminders_sent = reminders_sent + 1, last_reminder_on = $3
               WHERE id = $1 AND reminders_sent = $2 AND status IN ('open', 'overdue')""",
            invoice_id, reminders_seen, today,
        )
        return result == "UPDATE 1"

    async def unpaid_invoices_past_due(self, *, today: date, limit: int, after: UUID | None) -> list[Invoice]:
        rows = await self.conn.fetch(
            """SELECT * FROM invoices WHERE kind = 'invoice' AND status IN ('open', 'overdue') AND due_date < $1
                   AND ($3::uuid IS NULL OR id > $3)
               ORDER BY id LIMIT $2""",
            today, limit, after,
        )
        return [_invoice(r) for r in rows]

    # --- documents and payments ------------------------------------------------------------------------------------
    async def get_documents(self, *, invoice_id: UUID) -> tuple[bytes, bytes] | None:
        row = await self.conn.fetchrow("SELECT pdf, xml FROM invoice_documents WHERE invoice_id = $1", invoice_id)
        return (row["pdf"], row["xml"]) if row else None

    async def add_documents(self, *, invoice_id: UUID, pdf: bytes, xml: bytes) -> bool:
        """Write-once: False if another renderer stored them first (the caller then uses the stored ones)."""
        result = await self.conn.execute(
            """INSERT INTO invoice_documents (invoice_id, pdf, xml) VALUES ($1, $2, $3)
               ON CONFLICT (invoice_id) DO NOTHING""",
            invoice_id, pdf, xml,
        )
        return result == "INSERT 0 1"

    async def add_payment(self, *, invoice_id: UUID, amount_cents: int, paid_on: date, recorded_by: UUID) -> UUID:
        payment_id = uuid4()
        await self.conn.execute(
            """INSERT INTO payments (id, invoice_id, amount_cents, paid_on, recorded_by)
               VALUES ($1, $2, $3, $4, $5)""",
            payment_id, invoice_id, amount_cents, paid_on, recorded_by,
        )
        return payment_id

    async def list_payments(self, *, invoice_id: UUID) -> list[dict]:
        rows = await self.conn.fetch(
            "SELECT id, amount_cents, paid_on FROM payments WHERE invoice_id = $1 ORDER BY created_at", invoice_id
        )
        return [dict(r) for r in rows]


def _party(row) -> Party:
    return Party(row["legal_name"], row["street"], row["postal_code"], row["city"], row["country"].strip(),
                 row["vat_id"], row["billing_email"])


def _subscription(row) -> Subscription:
    return Subscription(
        id=row["id"], company_id=row["company_id"], package_id=row["package_id"], cycle=row["cycle"],
        status=row["status"], period=Period(row["period_start"], row["period_end"]), started_on=row["started_on"],
        cancel_at_period_end=row["cancel_at_period_end"], pending_package_id=row["pending_package_id"],
        ended_on=row["ended_on"], end_reason=row["end_reason"],
    )


def _charge(row) -> Charge:
    return Charge(row["id"], row["subscription_id"], row["company_id"], row["kind"], row["package_id"],
                  row["description"], Period(row["period_start"], row["period_end"]), row["net_cents"],
                  row["billable_on"])


def _line_json(line: Line) -> dict:
    return {"position": line.position, "description": line.description, "period_start": line.period.start.isoformat(),
            "period_end": line.period.end.isoformat(), "quantity": line.quantity,
            "unit_net_cents": line.unit_net_cents, "net_cents": line.net_cents}


def _line(data: dict) -> Line:
    return Line(data["position"], data["description"],
                Period(date.fromisoformat(data["period_start"]), date.fromisoformat(data["period_end"])),
                data["quantity"], data["unit_net_cents"], data["net_cents"])


def _invoice(row) -> Invoice:
    cites = None
    if row["cites_invoice_id"]:
        cites = CitedInvoice(row["cites_invoice_id"], row["cites_number"], row["cites_issue_date"])
    return Invoice(
        id=row["id"], company_id=row["company_id"], subscription_id=row["subscription_id"], kind=row["kind"],
        number=row["number"], issue_date=row["issue_date"], due_date=row["due_date"],
        period=Period(row["period_start"], row["period_end"]), seller=Party(**row["seller"]),
        buyer=Party(**row["buyer"]), lines=tuple(_line(x) for x in row["lines"]),
        vat=VatTreatment(row["vat_category"], Decimal(row["vat_rate"]), row["vat_note"], row["vat_exemption_code"]),
        net_cents=row["net_cents"], vat_cents=row["vat_cents"], gross_cents=row["gross_cents"],
        currency=row["currency"].strip(), bank_accounts=tuple(BankAccount(**a) for a in row["bank_accounts"]),
        cites=cites, charge_id=row["charge_id"], status=row["status"], paid_cents=row["paid_cents"],
        reminders_sent=row["reminders_sent"], last_reminder_on=row["last_reminder_on"],
    )
