"""Settings of the applications service: the shared ones plus the key material and the limits of an application."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from recruiting_shared.config import Settings


class ApplicationsSettings(Settings):
    service_name: str = "applications"

    key_ring: str = Field(
        "",
        description="key-encryption keys as 'id:base64url(32 bytes)' separated by commas; the first wraps new data "
        "keys, the others only open old wraps. Empty in development: a key ring is created under DATA_DIR.",
    )
    service_secret: str = Field(
        "",
        description="base64url of 32+ random bytes; the e-mail lookup HMAC, the applicant session tokens and "
        "the mail queue's key are derived from it. Empty in development: created under DATA_DIR.",
    )
    key_vault_dir: Path | None = Field(
        None, description="where the wrapped data keys live, outside the database; default DATA_DIR/key-vault"
    )
    max_documents: int = Field(5, ge=1)
    max_document_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    link_token_days: int = Field(7, ge=1, description="how long the private link of an e-mail works")
    applicant_session_minutes: int = Field(15, ge=1, description="lifetime of an applicant's session token")
    default_retention_days: int = Field(180, description="shown to applicants as the deletion date after a decision")
    talent_pool_days: int = Field(730)
    mail_poll_seconds: float = Field(1.0, gt=0)

    @property
    def vault_dir(self) -> Path:
        return self.key_vault_dir or self.data_dir / "key-vault"

    @model_validator(mode="after")
    def _no_development_keys_in_production(self) -> "ApplicationsSettings":
        if self.environment != "development" and not (self.key_ring and self.service_secret):
            raise ValueError("KEY_RING and SERVICE_SECRET are required outside development")
        return self
