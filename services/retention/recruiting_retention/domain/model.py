"""What retention knows about an application, built only from events, and the company's retention policy.

Events may arrive late, twice or out of order (a status change before the submission), so every fact is kept with
the time it became true and a newer fact never loses against an older one that arrives after it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

DEFAULT_RETENTION_DAYS = 180  # AGG: 2 months to claim + 3 months to sue + delivery time (SPEC 1.3)
DEFAULT_TALENT_POOL_DAYS = 730
MAX_RETENTION_DAYS = 365
MAX_TALENT_POOL_DAYS = 3650

DECISIONS = frozenset({"rejected", "hired", "withdrawn"})


class InvalidPolicy(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    retention_days: int = DEFAULT_RETENTION_DAYS
    talent_pool_days: int = DEFAULT_TALENT_POOL_DAYS

    def __post_init__(self) -> None:
        if not 0 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise InvalidPolicy(f"retention_days must be between 0 and {MAX_RETENTION_DAYS}.")
        if not 0 <= self.talent_pool_days <= MAX_TALENT_POOL_DAYS:
            raise InvalidPolicy(f"talent_pool_days must be between 0 and {MAX_TALENT_POOL_DAYS}.")
        # Consent to the talent pool is the applicant's permission to be kept longer, never a reason to delete sooner.
        if self.talent_pool_days < self.retention_days:
            raise InvalidPolicy("talent_pool_days must not be shorter than retention_days.")


@dataclass(frozen=True)
class Hold:
    """A legal hold pauses the clock from `placed_at` until `until` or until it is lifted, whichever comes first;
    with neither, it pauses indefinitely (`ends_at` is None)."""

    placed_at: datetime
    until: datetime | None = None
    released_at: datetime | None = None

    @property
    def ends_at(self) -> datetime | None:
        ends = [t for t in (self.until, self.released_at) if t is not None]
        return min(ends) if ends else None

    def active_at(self, now: datetime) -> bool:
        return self.placed_at <= now and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True)
class ApplicationFacts:
    application_id: UUID
    company_id: UUID
    posting_id: UUID | None = None
    submitted_at: datetime | None = None
    status: str | None = None
    status_changed_at: datetime | None = None
    talent_pool: bool = False
    consent_changed_at: datetime | None = None
    posting_closed_at: datetime | None = None
    holds: tuple[Hold, ...] = field(default=())

    def with_submission(self, *, posting_id: UUID, submitted_at: datetime, talent_pool: bool) -> ApplicationFacts:
        # The consent given with the application only counts when no later consent change is known.
        consent_known = self.consent_changed_at is not None and self.consent_changed_at >= submitted_at
        return replace(
            self,
            posting_id=self.posting_id or posting_id,
            submitted_at=submitted_at,
            talent_pool=self.talent_pool if consent_known else talent_pool,
            consent_changed_at=self.consent_changed_at if consent_known else submitted_at,
        )

    def with_status(self, status: str, changed_at: datetime, *, posting_id: UUID | None = None) -> ApplicationFacts:
        facts = replace(self, posting_id=self.posting_id or posting_id)
        if self.status_changed_at is not None and changed_at < self.status_changed_at:
            return facts  # an older status that arrived late
        if self.status == "withdrawn" and status != "withdrawn":
            return facts  # a withdrawal is final
        return replace(facts, status=status, status_changed_at=changed_at)

    def with_consent(self, talent_pool: bool, changed_at: datetime) -> ApplicationFacts:
        if self.consent_changed_at is not None and changed_at < self.consent_changed_at:
            return self
        return replace(self, talent_pool=talent_pool, consent_changed_at=changed_at)

    @property
    def decided_at(self) -> datetime | None:
        return self.status_changed_at if self.status in DECISIONS else None
