-- Postings as the posting events describe them: the only thing this service knows about postings.
CREATE TABLE postings (
    posting_id    uuid PRIMARY KEY,
    company_id    uuid NOT NULL,
    published_at  timestamptz,
    closes_at     timestamptz,
    closed_at     timestamptz
);

-- One row per application. Every personal field is AES-GCM ciphertext under the application's own data key,
-- whose wrapped form lives in the key vault (outside this database). email_lookup is an HMAC of the normalised
-- address, for "send me my link again"; it is not reversible without the service secret.
CREATE TABLE applications (
    application_id         uuid PRIMARY KEY,
    company_id             uuid NOT NULL,
    posting_id             uuid NOT NULL,
    status                 text NOT NULL DEFAULT 'received'
                           CHECK (status IN ('received', 'in_review', 'rejected', 'hired', 'withdrawn')),
    submitted_at           timestamptz NOT NULL DEFAULT now(),
    status_changed_at      timestamptz NOT NULL DEFAULT now(),
    decided_at             timestamptz,
    privacy_consent_at     timestamptz NOT NULL,
    talent_pool_consent    boolean NOT NULL DEFAULT false,
    erasure_requested_at   timestamptz,
    erasure_trigger        text,
    email_lookup           bytea NOT NULL,
    first_name_enc         bytea NOT NULL,
    last_name_enc          bytea NOT NULL,
    email_enc              bytea NOT NULL,
    phone_enc              bytea,
    message_enc            bytea
);
CREATE INDEX applications_by_company ON applications (company_id, submitted_at DESC);
CREATE INDEX applications_by_email_lookup ON applications (email_lookup);

CREATE TABLE documents (
    document_id     uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications ON DELETE CASCADE,
    position        integer NOT NULL,
    size_bytes      integer NOT NULL,
    page_count      integer NOT NULL,
    filename_enc    bytea NOT NULL,
    content_enc     bytea NOT NULL
);
CREATE INDEX documents_by_application ON documents (application_id, position);

-- The private links of the e-mails: only a hash of each token is kept.
CREATE TABLE access_links (
    token_hash      bytea PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX access_links_by_application ON access_links (application_id);

CREATE TABLE consent_history (
    id              bigserial PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('privacy', 'talent_pool')),
    granted         boolean NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_history_by_application ON consent_history (application_id, id);

-- Who at the company read what and why. Ids only; it is erased with the application.
CREATE TABLE access_log (
    id              bigserial PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications ON DELETE CASCADE,
    company_id      uuid NOT NULL,
    user_id         uuid NOT NULL,
    action          text NOT NULL,
    document_id     uuid,
    purpose         text NOT NULL,
    accessed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_by_application ON access_log (application_id, id);

CREATE TABLE interview_invitations (
    invitation_id   uuid PRIMARY KEY,
    application_id  uuid NOT NULL REFERENCES applications ON DELETE CASCADE,
    company_id      uuid NOT NULL,
    invited_by      uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    location_enc    bytea NOT NULL,
    message_enc     bytea,
    chosen_slot_id  uuid,
    chosen_at       timestamptz
);
CREATE INDEX invitations_by_application ON interview_invitations (application_id, created_at);

CREATE TABLE interview_slots (
    slot_id        uuid PRIMARY KEY,
    invitation_id  uuid NOT NULL REFERENCES interview_invitations ON DELETE CASCADE,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL CHECK (ends_at > starts_at)
);
CREATE INDEX slots_by_invitation ON interview_slots (invitation_id, starts_at);

-- E-mails waiting to be sent. Recipient and body are sealed: under the application's data key when the mail
-- belongs to a living application (so erasure shreds it too), under the service's mail key otherwise.
CREATE TABLE outgoing_mail (
    mail_id          uuid PRIMARY KEY,
    application_id   uuid REFERENCES applications ON DELETE CASCADE,
    sealed_with      text NOT NULL CHECK (sealed_with IN ('application', 'service')),
    subject          text NOT NULL,
    recipient_enc    bytea NOT NULL,
    body_enc         bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at);

-- Proof that an application existed and was erased, without anything personal: ids, trigger and dates.
CREATE TABLE erased_applications (
    application_id  uuid PRIMARY KEY,
    company_id      uuid NOT NULL,
    trigger         text NOT NULL,
    erased_at       timestamptz NOT NULL DEFAULT now()
);
