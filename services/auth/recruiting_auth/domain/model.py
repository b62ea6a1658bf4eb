"""Companies, users and roles: plain data and the rules about them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

Role = Literal["admin", "recruiter", "operator"]
CompanyRole = Literal["admin", "recruiter"]
UserStatus = Literal["invited", "active"]


def normalize_email(email: str) -> str:
    """One account per address whatever its case: addresses are stored and looked up in lower case."""
    return email.strip().lower()


@dataclass(frozen=True)
class User:
    id: UUID
    email: str
    name: str
    role: Role
    status: UserStatus
    company_id: UUID | None
    password_hash: str | None

    @property
    def can_log_in(self) -> bool:
        return self.status == "active" and self.password_hash is not None


@dataclass(frozen=True)
class Company:
    id: UUID
    name: str
