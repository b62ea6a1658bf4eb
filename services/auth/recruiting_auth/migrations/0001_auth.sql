-- Companies and their users; operators are users without a company.
CREATE TABLE companies (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    company_id     uuid REFERENCES companies (id),
    email          text NOT NULL UNIQUE CHECK (email = lower(email)),
    name           text NOT NULL,
    role           text NOT NULL CHECK (role IN ('admin', 'recruiter', 'operator')),
    status         text NOT NULL CHECK (status IN ('invited', 'active')),
    password_hash  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'operator') = (company_id IS NULL)),
    CHECK (status = 'invited' OR password_hash IS NOT NULL)
);
CREATE INDEX users_company ON users (company_id);

-- Refresh tokens: opaque, stored as SHA-256, rotated on every use; a family is one login's chain of tokens.
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- Password reset and invitation tokens: stored as SHA-256, single use, expiring.
CREATE TABLE link_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'invitation')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX link_tokens_user ON link_tokens (user_id, purpose) WHERE used_at IS NULL;

-- Ed25519 signing keys; the private half sealed with AES-GCM under AUTH_ENCRYPTION_KEY.
CREATE TABLE signing_keys (
    kid                 text PRIMARY KEY,
    public_key          bytea NOT NULL,
    private_key_sealed  bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    activates_at        timestamptz NOT NULL
);

-- Fixed-window rate-limit counters; buckets are hashes of an address, never the address.
CREATE TABLE rate_limit_hits (
    bucket        text NOT NULL,
    window_start  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    hits          integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (expires_at);

-- Forgot-password requests, taken in the request path as they are and worked off in the background, so that the
-- answer is the same work whether the address exists or not. The address is sealed (AES-GCM).
CREATE TABLE reset_requests (
    id              bigserial PRIMARY KEY,
    email_sealed    bytea NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now()
);

-- E-mail waiting for delivery: written in the transaction of what it tells about, delivered by a background
-- loop with retries, deleted once the SMTP server took it. Sealed, since reset and invitation links are inside.
CREATE TABLE outgoing_mail (
    id               bigserial PRIMARY KEY,
    message_sealed   bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at);
