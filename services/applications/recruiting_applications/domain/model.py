"""Applications: plain data and the rules of their life cycle. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class Status(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    HIRED = "hired"
    WITHDRAWN = "withdrawn"


DECISIONS = frozenset({Status.REJECTED, Status.HIRED, Status.WITHDRAWN})

# What a company may change a status to. Withdrawing is the applicant's alone; decisions are final.
COMPANY_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.IN_REVIEW, Status.REJECTED}),
    Status.IN_REVIEW: frozenset({Status.REJECTED, Status.HIRED}),
}
WITHDRAWABLE = frozenset({Status.RECEIVED, Status.IN_REVIEW})
INVITABLE = frozenset({Status.RECEIVED, Status.IN_REVIEW})

# The latest an applicant's erasure request is carried out (GDPR Art. 12(3): one month).
LEGAL_MONTH = timedelta(days=30)
ACCESS_PURPOSE = "assess the application and arrange an interview"


class ApplicationsError(Exception):
    """Base of the domain's errors; entry points map them to problem responses."""


class InvalidTransition(ApplicationsError):
    pass


class InvitationClosed(ApplicationsError):
    pass


def check_company_transition(current: str, wanted: str) -> None:
    if Status(wanted) not in COMPANY_TRANSITIONS.get(Status(current), frozenset()):
        raise InvalidTransition(f"An application in status {current} cannot change to {wanted}.")


def check_withdrawable(current: str) -> None:
    if Status(current) not in WITHDRAWABLE:
        raise InvalidTransition(f"An application in status {current} can no longer be withdrawn.")


def check_invitable(current: str) -> None:
    if Status(current) not in INVITABLE:
        raise InvalidTransition(f"An application in status {current} cannot be invited to an interview.")


@dataclass(frozen=True)
class Applicant:
    """The personal data of an application, in clear: exists only in memory, between decryption and response."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    page_count: int = 0


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


@dataclass
class NewApplication:
    application_id: UUID
    posting_id: UUID
    company_id: UUID
    applicant: Applicant
    documents: list[Document]
    talent_pool_consent: bool
    submitted_at: datetime
    document_ids: list[UUID] = field(default_factory=list)


def deletion_date(*, decided_at: datetime | None, erasure_requested_at: datetime | None, talent_pool: bool,
                  retention_days: int, talent_pool_days: int) -> datetime | None:
    """When the data will be gone at the latest, as far as this service can tell: retention's schedule decides,
    with the company's own policy and holds; this is the platform default."""
    if erasure_requested_at:
        return erasure_requested_at + LEGAL_MONTH
    if decided_at is None:
        return None
    return decided_at + timedelta(days=talent_pool_days if talent_pool else retention_days)


class PostingNotOpen(ApplicationsError):
    pass


class NotAPdfDocument(ApplicationsError):
    pass


class UnreadableDocument(ApplicationsError):
    pass


class ApplicationNotFound(ApplicationsError):
    pass


class SlotNotFound(ApplicationsError):
    pass
