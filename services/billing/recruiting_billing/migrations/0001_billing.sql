-- Billing profiles: one per company, the buyer data printed on its invoices.
CREATE TABLE billing_profiles (
    company_id    uuid PRIMARY KEY,
    legal_name    text NOT NULL,
    street        text NOT NULL,
    postal_code   text NOT NULL,
    city          text NOT NULL,
    country       char(2) NOT NULL,
    vat_id        text,
    billing_email text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    id                   uuid PRIMARY KEY,
    company_id           uuid NOT NULL,
    package_id           text NOT NULL,
    cycle                text NOT NULL CHECK (cycle IN ('monthly', 'yearly')),
    status               text NOT NULL CHECK (status IN ('active', 'ended', 'suspended')),
    period_start         date NOT NULL,
    period_end           date NOT NULL,
    started_on           date NOT NULL,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    pending_package_id   text,
    ended_on             date,
    end_reason           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- At most one active subscription per company, also when two bookings race.
CREATE UNIQUE INDEX subscriptions_one_active ON subscriptions (company_id) WHERE status = 'active';
CREATE INDEX subscriptions_due_for_renewal ON subscriptions (period_end) WHERE status = 'active';

-- What is to be invoiced: written with the subscription event, turned into an invoice by the invoicing consumer.
CREATE TABLE charges (
    id              uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    company_id      uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('booking', 'upgrade', 'renewal')),
    package_id      text NOT NULL,
    description     text NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    net_cents       bigint NOT NULL CHECK (net_cents >= 0),
    billable_on     date NOT NULL,
    invoice_id      uuid,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charges_uninvoiced ON charges (subscription_id, created_at) WHERE invoice_id IS NULL;

-- Gapless numbering: one row per series and year, incremented in the transaction that issues the document. The
-- row lock serialises issuers until commit; a rolled-back issue rolls its number back too.
CREATE TABLE invoice_counters (
    series      text NOT NULL,
    year        integer NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE invoices (
    id               uuid PRIMARY KEY,
    company_id       uuid NOT NULL,
    subscription_id  uuid REFERENCES subscriptions (id),
    charge_id        uuid UNIQUE REFERENCES charges (id),
    kind             text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number           text NOT NULL UNIQUE,
    issue_date       date NOT NULL,
    due_date         date NOT NULL,
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    seller           jsonb NOT NULL,
    buyer            jsonb NOT NULL,
    lines            jsonb NOT NULL,
    vat_category     text NOT NULL,
    vat_rate         numeric(5, 2) NOT NULL,
    vat_note         text,
    vat_exemption_code text,
    net_cents        bigint NOT NULL,
    vat_cents        bigint NOT NULL,
    gross_cents      bigint NOT NULL,
    currency         char(3) NOT NULL,
    bank_accounts    jsonb NOT NULL,
    cites_invoice_id uuid REFERENCES invoices (id),
    cites_number     text,
    cites_issue_date date,
    -- The only columns that change after issue:
    status           text NOT NULL CHECK (status IN ('open', 'paid', 'overdue', 'cancelled')),
    paid_cents       bigint NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    reminders_sent   integer NOT NULL DEFAULT 0,
    last_reminder_on date,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_by_company ON invoices (company_id, issue_date DESC, number DESC);
CREATE INDEX invoices_unpaid ON invoices (due_date) WHERE status IN ('open', 'overdue') AND kind = 'invoice';
CREATE UNIQUE INDEX invoices_one_credit_note ON invoices (cites_invoice_id) WHERE kind = 'credit_note';

-- GoBD: an issued document is never edited or deleted. Enforced by the database, not only by the code.
CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoices are never deleted (GoBD)';
    END IF;
    IF (NEW.id, NEW.company_id, NEW.subscription_id, NEW.charge_id, NEW.kind, NEW.number, NEW.issue_date,
        NEW.due_date, NEW.period_start, NEW.period_end, NEW.seller, NEW.buyer, NEW.lines, NEW.vat_category,
        NEW.vat_rate, NEW.vat_note, NEW.vat_exemption_code, NEW.net_cents, NEW.vat_cents, NEW.gross_cents,
        NEW.currency, NEW.bank_accounts, NEW.cites_invoice_id, NEW.cites_number, NEW.cites_issue_date)
       IS DISTINCT FROM
       (OLD.id, OLD.company_id, OLD.subscription_id, OLD.charge_id, OLD.kind, OLD.number, OLD.issue_date,
        OLD.due_date, OLD.period_start, OLD.period_end, OLD.seller, OLD.buyer, OLD.lines, OLD.vat_category,
        OLD.vat_rate, OLD.vat_note, OLD.vat_exemption_code, OLD.net_cents, OLD.vat_cents, OLD.gross_cents,
        OLD.currency, OLD.bank_accounts, OLD.cites_invoice_id, OLD.cites_number, OLD.cites_issue_date) THEN
        RAISE EXCEPTION 'issued invoices are never edited (GoBD)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_immutable();

-- The rendered documents (PDF with embedded Factur-X XML, and the XML), written once and then kept as sent.
CREATE TABLE invoice_documents (
    invoice_id uuid PRIMARY KEY REFERENCES invoices (id),
    pdf        bytea NOT NULL,
    xml        bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are written once (GoBD)', TG_TABLE_NAME;
END $$;
CREATE TRIGGER invoice_documents_write_once BEFORE UPDATE OR DELETE ON invoice_documents
    FOR EACH ROW EXECUTE FUNCTION write_once();

CREATE TABLE payments (
    id           uuid PRIMARY KEY,
    invoice_id   uuid NOT NULL REFERENCES invoices (id),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    paid_on      date NOT NULL,
    recorded_by  uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_by_invoice ON payments (invoice_id);
CREATE TRIGGER payments_write_once BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION write_once();
