"""Commands: what a user asks the applications service to do, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from .model import Applicant, Slot


@dataclass(frozen=True)
class UploadedDocument:
    filename: str
    content: bytes


@dataclass(frozen=True)
class SubmitApplication:
    posting_id: UUID
    applicant: Applicant
    talent_pool_consent: bool
    documents: list[UploadedDocument]


@dataclass(frozen=True)
class ChangeStatus:
    application_id: UUID
    company_id: UUID
    status: str
    notify: bool


@dataclass(frozen=True)
class InviteToInterview:
    application_id: UUID
    company_id: UUID
    user_id: UUID
    slots: list[Slot]
    location: str
    message: str | None


@dataclass(frozen=True)
class RequestErasure:
    application_id: UUID
    trigger: str  # applicant_request | company_request
    company_id: UUID | None = None


@dataclass(frozen=True)
class EraseApplication:
    application_id: UUID
    trigger: str
    due_at: datetime
