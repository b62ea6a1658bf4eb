"""The retention event handlers with a fake repository and outbox: what each event changes, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from recruiting_retention.adapters.repository import IssuedErasure, TrackedApplication
from recruiting_retention.domain.model import ApplicationFacts, Policy
from recruiting_retention.service_layer import schedule
from recruiting_shared.events import (
    ApplicationErasureRequested, ApplicationStatusChanged, ApplicationSubmitted, ErasureDue,
)
from recruiting_shared.messaging import PermanentError

T0 = datetime(2026, 5, 31, 23, 0, tzinfo=UTC)


class FakeRepository:
    conn = None

    def __init__(self, policy: Policy = Policy()) -> None:
        self._policy = policy
        self.applications: dict[UUID, TrackedApplication] = {}
        self.deadlines: dict[UUID, datetime | None] = {}
        self.log: dict[tuple[UUID, str], IssuedErasure] = {}
        self.closed_postings: dict[UUID, datetime] = {}

    async def lock_application(self, *, application_id: UUID, company_id: UUID) -> TrackedApplication:
        return self.applications.setdefault(application_id, TrackedApplication(
            ApplicationFacts(application_id=application_id, company_id=company_id), None, None))

    async def policy(self, *, company_id: UUID) -> Policy:
        return self._policy

    async def posting_closed_at(self, *, posting_id: UUID) -> datetime | None:
        return self.closed_postings.get(posting_id)

    async def save_facts(self, facts, deadline) -> None:
        self.applications[facts.application_id] = replace(self.applications[facts.application_id], facts=facts)
        self.deadlines[facts.application_id] = deadline.due_at

    async def log_erasure(self, erasure: IssuedErasure, *, issued_at: datetime) -> bool:
        return self.log.setdefault((erasure.application_id, erasure.trigger), erasure) is erasure

    async def mark_erasure_issued(self, *, application_id: UUID, issued_at: datetime) -> None:
        tracked = self.applications[application_id]
        self.applications[application_id] = replace(tracked, erasure_issued_at=tracked.erasure_issued_at or issued_at)


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list = []

    async def add_many(self, conn, events) -> None:
        self.events.extend(events)


def submitted(application_id: UUID, company_id: UUID, at: datetime = T0) -> ApplicationSubmitted:
    return ApplicationSubmitted(application_id=application_id, company_id=company_id, posting_id=uuid4(),
                                submitted_at=at)


def rejected(application_id: UUID, company_id: UUID, at: datetime) -> ApplicationStatusChanged:
    return ApplicationStatusChanged(application_id=application_id, company_id=company_id, posting_id=uuid4(),
                                    old_status="received", new_status="rejected", changed_at=at)


async def test_a_rejection_on_the_last_day_of_a_month_sets_the_deadline_from_the_policy():
    repo, app, company = FakeRepository(Policy(retention_days=30)), uuid4(), uuid4()
    await schedule.application_submitted(submitted(app, company), repo)
    assert repo.deadlines[app] is None
    await schedule.application_status_changed(rejected(app, company, T0), repo)
    assert repo.deadlines[app] == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)


async def test_an_erasure_request_issues_one_command_with_its_trigger_and_a_repeat_issues_none():
    repo, outbox, app, company = FakeRepository(), FakeOutbox(), uuid4(), uuid4()
    request = ApplicationErasureRequested(application_id=app, company_id=company, trigger="company_request",
                                          requested_at=T0)
    await schedule.erasure_requested(request, repo, outbox, now=T0 + timedelta(seconds=1))
    await schedule.erasure_requested(request, repo, outbox, now=T0 + timedelta(seconds=2))
    assert outbox.events == [ErasureDue(application_id=app, company_id=company, trigger="company_request",
                                        due_at=T0, requested_at=T0)]
    assert repo.applications[app].erasure_issued_at == T0 + timedelta(seconds=1)


async def test_once_an_erasure_is_issued_later_facts_no_longer_move_the_deadline():
    repo, outbox, app, company = FakeRepository(), FakeOutbox(), uuid4(), uuid4()
    await schedule.erasure_requested(ApplicationErasureRequested(
        application_id=app, company_id=company, trigger="applicant_request", requested_at=T0), repo, outbox, now=T0)
    await schedule.application_status_changed(rejected(app, company, T0), repo)
    assert app not in repo.deadlines


async def test_an_event_moving_an_application_to_another_company_is_permanent_error():
    repo, app = FakeRepository(), uuid4()
    await schedule.application_submitted(submitted(app, uuid4()), repo)
    with pytest.raises(PermanentError):
        await schedule.application_status_changed(rejected(app, uuid4(), T0), repo)
