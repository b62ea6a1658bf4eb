-- Retention holds ids and dates only, never applicant personal data: the erasure log can be kept as proof.

CREATE TABLE retention_policies (
    company_id        uuid PRIMARY KEY,
    retention_days    integer NOT NULL CHECK (retention_days BETWEEN 0 AND 365),
    talent_pool_days  integer NOT NULL CHECK (talent_pool_days BETWEEN 0 AND 3650),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Closings of postings, so that applications without a decision still get a deadline.
CREATE TABLE closed_postings (
    posting_id  uuid PRIMARY KEY,
    company_id  uuid NOT NULL,
    closed_at   timestamptz NOT NULL
);

-- One row per application ever seen; after the erasure it stays as a tombstone so that late events are ignored.
CREATE TABLE tracked_applications (
    application_id      uuid PRIMARY KEY,
    company_id          uuid NOT NULL,
    posting_id          uuid,
    submitted_at        timestamptz,
    status              text,
    status_changed_at   timestamptz,
    talent_pool         boolean NOT NULL DEFAULT false,
    consent_changed_at  timestamptz,
    -- derived by the domain from the facts above, the policy, the posting's closing and the holds:
    due_at              timestamptz,
    clock_started_by    text,
    clock_started_at    timestamptz,
    erasure_issued_at   timestamptz,
    erased_at           timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracked_applications_due ON tracked_applications (due_at)
    WHERE erasure_issued_at IS NULL AND erased_at IS NULL AND due_at IS NOT NULL;
CREATE INDEX tracked_applications_company ON tracked_applications (company_id, due_at);
CREATE INDEX tracked_applications_posting ON tracked_applications (posting_id);

CREATE TABLE legal_holds (
    hold_id         uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES tracked_applications (application_id),
    company_id      uuid NOT NULL,
    reason          text NOT NULL,
    placed_by       uuid NOT NULL,
    placed_at       timestamptz NOT NULL,
    until           timestamptz,
    released_at     timestamptz,
    released_by     uuid
);
CREATE INDEX legal_holds_application ON legal_holds (application_id);

-- The proof of erasure: one entry per application and trigger, completed by application.erased.
CREATE TABLE erasure_log (
    application_id  uuid NOT NULL,
    company_id      uuid NOT NULL,
    trigger         text NOT NULL CHECK (trigger IN ('deadline', 'applicant_request', 'company_request')),
    requested_at    timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    issued_at       timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 1,
    erased_at       timestamptz,
    PRIMARY KEY (application_id, trigger)
);
CREATE INDEX erasure_log_unconfirmed ON erasure_log (issued_at) WHERE erased_at IS NULL;
CREATE INDEX erasure_log_company ON erasure_log (company_id, requested_at DESC);
