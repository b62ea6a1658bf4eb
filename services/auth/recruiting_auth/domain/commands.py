"""What callers ask of the auth service, as plain data (the HTTP layer builds these from requests)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from .model import CompanyRole


@dataclass(frozen=True)
class SignUpCompany:
    company_name: str
    email: str
    password: str
    name: str
    client_ip: str


@dataclass(frozen=True)
class LogIn:
    email: str
    password: str
    client_ip: str


@dataclass(frozen=True)
class InviteUser:
    company_id: UUID
    invited_by: UUID
    email: str
    name: str
    role: CompanyRole


@dataclass(frozen=True)
class RequestPasswordReset:
    email: str
    client_ip: str


@dataclass(frozen=True)
class SetPasswordWithToken:
    token: str
    password: str
