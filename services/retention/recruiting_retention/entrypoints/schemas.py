"""Request and response bodies of the retention API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..domain.model import MAX_RETENTION_DAYS, MAX_TALENT_POOL_DAYS


class PolicyIn(BaseModel):
    """Fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")
    retention_days: int | None = Field(None, ge=0, le=MAX_RETENTION_DAYS)
    talent_pool_days: int | None = Field(None, ge=0, le=MAX_TALENT_POOL_DAYS)


class PolicyOut(BaseModel):
    retention_days: int
    talent_pool_days: int


class ScheduleEntry(BaseModel):
    application_id: UUID
    trigger: Literal["deadline", "applicant_request", "company_request"]
    due_at: datetime | None = Field(description="null while no clock runs yet or an open-ended hold pauses it")
    on_hold: bool
    clock_started_by: Literal["rejected", "hired", "withdrawn", "posting_closed"] | None
    clock_started_at: datetime | None
    talent_pool: bool
    erasure_issued_at: datetime | None


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    application_id: UUID
    reason: str = Field(min_length=1, max_length=500)
    until: AwareDatetime | None = None


class HoldOut(BaseModel):
    id: UUID
    application_id: UUID
    reason: str
    placed_at: datetime
    until: datetime | None
    released_at: datetime | None


class ErasureEntry(BaseModel):
    application_id: UUID
    trigger: Literal["deadline", "applicant_request", "company_request"]
    requested_at: datetime
    erased_at: datetime | None
    attempts: int = Field(description="how often retention.erasure_due was issued (0: erased without being asked)")
