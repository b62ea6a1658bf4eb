"""Request and response bodies of the auth API. Lengths are bounded everywhere: an over-long field is a 422, never
a database error."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


def _valid_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValueError("not a valid e-mail address") from None


def _printable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no name or address needs control characters.
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("control characters are not allowed")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
                  AfterValidator(_printable), AfterValidator(_valid_email)]
LoginEmail = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
                       AfterValidator(_printable)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 AfterValidator(_printable)]
# The policy allows up to 128 characters and says so; this bound only keeps absurd bodies away from the hasher.
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
OpaqueToken = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpRequest(Body):
    company_name: Name
    email: Email
    password: Password
    name: Name


class SignUpResponse(BaseModel):
    company_id: UUID
    user_id: UUID


class LoginRequest(Body):
    email: LoginEmail
    password: Password


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class RefreshRequest(Body):
    refresh_token: OpaqueToken


class MeResponse(BaseModel):
    user_id: UUID
    email: str
    name: str
    role: str
    company_id: UUID | None
    company_name: str | None


class ForgotPasswordRequest(Body):
    email: LoginEmail


class SetPasswordRequest(Body):
    token: OpaqueToken
    password: Password


class InviteRequest(Body):
    email: Email
    name: Name
    role: Literal["admin", "recruiter"]


class UserResponse(BaseModel):
    id: UUID
    email: str
    name: str
    role: str
    status: str
    created_at: datetime | None = None


class RotationResponse(BaseModel):
    kid: str
    activates_at: datetime
