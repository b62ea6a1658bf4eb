"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
PHONE = re.compile(r"^\+?[0-9 ()/.-]{3,40}$")


def _clean_text(value: str) -> str:
    value = value.strip()
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError("control characters are not allowed")
    return value


class ApplicationForm(BaseModel):
    """The text fields of the multipart form."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    posting_id: UUID
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str = Field(max_length=254)
    phone: str | None = Field(None, max_length=40)
    message: str | None = Field(None, max_length=5000)
    privacy_consent: bool
    talent_pool_consent: bool = False

    @field_validator("first_name", "last_name", "message")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value)

    @field_validator("first_name", "last_name")
    @classmethod
    def _single_line(cls, value: str) -> str:
        if "\n" in value or "\t" in value:
            raise ValueError("names are one line")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("phone", "message", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value):
            raise ValueError("not a phone number")
        return value

    @model_validator(mode="after")
    def _consent_given(self) -> "ApplicationForm":
        if not self.privacy_consent:
            raise ValueError("privacy_consent must be true")
        return self


class Submitted(BaseModel):
    application_id: UUID
    status: str = "received"


class SessionRequest(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class SessionToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class LinkRequest(BaseModel):
    email: str = Field(max_length=254)


class ConsentUpdate(BaseModel):
    talent_pool: bool


class SlotChoice(BaseModel):
    slot_id: UUID


class ErasureAccepted(BaseModel):
    erase_by: datetime


class StatusChange(BaseModel):
    status: Literal["in_review", "rejected", "hired"]
    notify: bool = False


class SlotIn(BaseModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> "SlotIn":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.starts_at <= datetime.now(UTC):
            raise ValueError("a slot must start in the future")
        return self


class InvitationIn(BaseModel):
    slots: list[SlotIn] = Field(min_length=1, max_length=10)
    location: str = Field(min_length=1, max_length=500)
    message: str | None = Field(None, max_length=2000)
