"""A job posting and its life: draft -> published -> closed. Plain data and rules, no I/O.

Public fields are what applicants may see (FAQ promise 6); internal notes and the internal reference never leave
the company, and the salary is public only when the company switched `show_salary` on."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID, uuid4

from .errors import ClosingDatePassed, InvalidPosting, PostingClosedAlready, PostingNotPublished

EMPLOYMENT_TYPES = (
    "full_time", "part_time", "contract", "temporary", "internship", "apprenticeship", "working_student", "mini_job",
)
EmploymentType = Literal[
    "full_time", "part_time", "contract", "temporary", "internship", "apprenticeship", "working_student", "mini_job",
]
CloseReason = Literal["closed_by_company", "closing_date_reached", "deleted", "subscription_ended"]

# Limits that keep one posting a job ad and not a file store; the request schemas enforce the same numbers.
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_LOCATION = 200
MAX_INTERNAL_NOTES = 10_000
MAX_INTERNAL_REFERENCE = 100
MAX_SALARY = 10_000_000
MAX_CLOSING_HORIZON = timedelta(days=730)

PUBLIC_FIELDS = ("title", "description", "location", "employment_type", "remote", "salary_min", "salary_max",
                 "show_salary", "closes_at")
INTERNAL_FIELDS = ("internal_notes", "internal_reference")
EDITABLE_FIELDS = PUBLIC_FIELDS + INTERNAL_FIELDS


class PostingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


@dataclass(frozen=True)
class Posting:
    company_id: UUID
    title: str
    employment_type: str
    created_at: datetime
    description: str = ""
    location: str = ""
    remote: bool = False
    salary_min: int | None = None
    salary_max: int | None = None
    show_salary: bool = False
    closes_at: datetime | None = None
    internal_notes: str = ""
    internal_reference: str = ""
    id: UUID = field(default_factory=uuid4)
    status: PostingStatus = PostingStatus.DRAFT
    updated_at: datetime | None = None
    published_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None

    @classmethod
    def draft(cls, *, company_id: UUID, now: datetime, **fields: object) -> Posting:
        posting = cls(company_id=company_id, created_at=now, updated_at=now, **fields)  # type: ignore[arg-type]
        posting.check(now)
        return posting

    @property
    def is_open(self) -> bool:
        return self.status == PostingStatus.PUBLISHED

    def check(self, now: datetime, *, closing_date: bool = True) -> None:
        """Rules across fields, for a new posting and for the result of every edit."""
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            raise InvalidPosting("salary_min must not be greater than salary_max.", field="salary_min")
        if closing_date and self.closes_at is not None:
            if self.closes_at <= now:
                raise InvalidPosting("closes_at must be in the future.", field="closes_at")
            if self.closes_at > now + MAX_CLOSING_HORIZON:
                raise InvalidPosting("closes_at must be within two years.", field="closes_at")

    def edit(self, changes: dict[str, object], now: datetime) -> Posting:
        """Editing a published posting changes what the public sees at once; a closed posting is final."""
        if self.status == PostingStatus.CLOSED:
            raise PostingClosedAlready()
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidPosting(f"{sorted(unknown)[0]} cannot be changed.", field=sorted(unknown)[0])
        edited = replace(self, **changes, updated_at=now)  # type: ignore[arg-type]
        # Only a changed closing date has to lie ahead: an unrelated edit must not fail on a date set earlier.
        edited.check(now, closing_date="closes_at" in changes)
        return edited

    def publish(self, now: datetime) -> Posting:
        if self.status == PostingStatus.CLOSED:
            raise PostingClosedAlready()
        if self.closes_at is not None and self.closes_at <= now:
            raise ClosingDatePassed()
        return replace(self, status=PostingStatus.PUBLISHED, published_at=now, updated_at=now)

    def close(self, now: datetime, reason: CloseReason) -> Posting:
        if self.status != PostingStatus.PUBLISHED:
            raise PostingNotPublished()
        return replace(self, status=PostingStatus.CLOSED, closed_at=now, close_reason=reason, updated_at=now)

    def public_changes_need_announcing(self, before: Posting) -> bool:
        """Other services know a published posting by its title and closing date (posting.published)."""
        return self.is_open and (self.title != before.title or self.closes_at != before.closes_at)


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why a text cannot be stored, or None. PostgreSQL text cannot hold NUL, UTF-8 cannot hold lone surrogates,
    and control characters in a one-line field are never what a person typed."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            return "must be valid Unicode text"
        if category == "Cc" and char not in allowed:
            return "must not contain control characters"
    return None
