"""Request and response bodies of the company endpoints. Field limits match domain.model; the rules across fields
(salary range, closing date) live in the domain so that a PATCH is checked against the whole edited posting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from ..domain import model
from ..domain.model import EmploymentType, Posting


def _text(multiline: bool):
    def check(value: str) -> str:
        problem = model.text_problem(value, multiline=multiline)
        if problem:
            raise ValueError(problem)
        return value
    return AfterValidator(check)


def _stripped(value: str) -> str:
    return value.strip()


Title = Annotated[str, AfterValidator(_stripped), Field(min_length=1, max_length=model.MAX_TITLE), _text(False)]
Description = Annotated[str, Field(max_length=model.MAX_DESCRIPTION), _text(True)]
Location = Annotated[str, AfterValidator(_stripped), Field(max_length=model.MAX_LOCATION), _text(False)]
InternalNotes = Annotated[str, Field(max_length=model.MAX_INTERNAL_NOTES), _text(True)]
InternalReference = Annotated[str, AfterValidator(_stripped), Field(max_length=model.MAX_INTERNAL_REFERENCE),
                              _text(False)]
Salary = Annotated[StrictInt, Field(ge=0, le=model.MAX_SALARY, description="euros per year, gross")]


class PostingFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    location: Location = ""
    employment_type: EmploymentType
    remote: StrictBool = False
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    show_salary: StrictBool = False
    closes_at: AwareDatetime | None = Field(None, description="with a time zone; the posting closes by itself then")
    internal_notes: InternalNotes = ""
    internal_reference: InternalReference = ""


class PostingChanges(BaseModel):
    """PATCH: only the fields sent are changed; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    title: Title = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    location: Location = None  # type: ignore[assignment]
    employment_type: EmploymentType = None  # type: ignore[assignment]
    remote: StrictBool = None  # type: ignore[assignment]
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    show_salary: StrictBool = None  # type: ignore[assignment]
    closes_at: AwareDatetime | None = None
    internal_notes: InternalNotes = None  # type: ignore[assignment]
    internal_reference: InternalReference = None  # type: ignore[assignment]

    def changes(self) -> dict[str, Any]:
        # A `null` for a required field never gets here: its type is not optional, so validation refuses it.
        return {name: getattr(self, name) for name in self.model_fields_set}


class PostingOut(BaseModel):
    """What the company sees of its own posting, internal fields included."""

    id: UUID
    status: str
    title: str
    description: str
    location: str
    employment_type: str
    remote: bool
    salary_min: int | None
    salary_max: int | None
    show_salary: bool
    closes_at: datetime | None
    internal_notes: str
    internal_reference: str
    created_at: datetime
    updated_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None

    @classmethod
    def of(cls, posting: Posting) -> PostingOut:
        return cls(**{name: getattr(posting, name) for name in cls.model_fields})


class QuotaOut(BaseModel):
    package_id: str | None
    max_active_postings: int
    active_postings: int
    may_publish: bool


class PublicSalary(BaseModel):
    min: int | None
    max: int | None
    currency: str
    period: str


class PublicCompany(BaseModel):
    id: UUID
    name: str | None


class PublicPosting(BaseModel):
    """For the OpenAPI document only: the bytes come from domain.projection.render_public."""

    id: UUID
    title: str
    description: str
    location: str
    employment_type: str
    remote: bool
    closes_at: datetime | None
    company: PublicCompany
    salary: PublicSalary | None = Field(None, description="absent when the company hides the salary")


class JobBoardPage(BaseModel):
    items: list[PublicPosting]
    total: int
    page: int
    page_size: int
