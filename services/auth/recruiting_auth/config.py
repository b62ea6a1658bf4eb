"""The auth service's settings: token lifetimes, password hashing, rate limits, key management, bootstrap operator."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from recruiting_shared.config import Settings

from .domain.rate_limits import Limit

# OWASP Password Storage Cheat Sheet, Argon2id minimum: 19 MiB, 2 iterations, parallelism 1.
OWASP_ARGON2_MEMORY_KIB = 19 * 1024


class AuthSettings(Settings):
    service_name: str = "auth"

    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, ge=3600)
    password_reset_ttl_seconds: int = Field(1800, ge=60, le=24 * 3600, description="OWASP: short-lived reset tokens")
    invitation_ttl_seconds: int = Field(7 * 24 * 3600, ge=3600)

    argon2_memory_kib: int = Field(OWASP_ARGON2_MEMORY_KIB, ge=OWASP_ARGON2_MEMORY_KIB)
    argon2_time_cost: int = Field(2, ge=2)
    argon2_parallelism: int = Field(1, ge=1)
    hashing_threads: int = Field(2, ge=1, description="threads that run Argon2id; each needs argon2_memory_kib")

    auth_encryption_key: SecretStr | None = Field(
        None, description="base64url of 32 random bytes; encrypts signing keys and queued e-mails at rest. "
                          "Development generates DATA_DIR/auth-encryption.key when it is missing.")
    signing_key_rotation_days: float = Field(30, gt=0)
    signing_key_publish_ahead_seconds: float = Field(
        60, ge=0, description="a new key is in the JWKS this long before it signs, so verifiers' caches know it; "
                              "keep it above the JWKS max-age (30 s) and signing_key_reload_seconds")
    signing_key_reload_seconds: float = Field(15, gt=0, description="how often an instance re-reads the key table")

    bootstrap_operator_email: str | None = None
    bootstrap_operator_password: SecretStr | None = None

    # Rate limits as "hits/seconds" (fixed windows, counted in PostgreSQL so every instance sees the same count).
    rate_limit_login_ip: str = "600/60"
    rate_limit_login_failures_ip: str = "50/900"
    rate_limit_login_failures_account: str = "10/900"
    rate_limit_forgot_ip: str = "20/900"
    rate_limit_forgot_account: str = "3/900"
    rate_limit_signup_ip: str = "500/3600"

    mail_poll_seconds: float = Field(1.0, gt=0)
    mail_max_attempts: int = Field(20, ge=1)

    @field_validator("rate_limit_login_ip", "rate_limit_login_failures_ip", "rate_limit_login_failures_account",
                     "rate_limit_forgot_ip", "rate_limit_forgot_account", "rate_limit_signup_ip")
    @classmethod
    def _parses_as_limit(cls, value: str) -> str:
        Limit.parse(value)
        return value

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> "AuthSettings":
        if self.environment != "development" and self.auth_encryption_key is None:
            raise ValueError("AUTH_ENCRYPTION_KEY is required outside development")
        if bool(self.bootstrap_operator_email) != bool(self.bootstrap_operator_password):
            raise ValueError("BOOTSTRAP_OPERATOR_EMAIL and BOOTSTRAP_OPERATOR_PASSWORD go together")
        return self

    def limit(self, name: str) -> Limit:
        return Limit.parse(getattr(self, f"rate_limit_{name}"))
