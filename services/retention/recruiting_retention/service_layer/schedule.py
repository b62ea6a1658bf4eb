"""Handlers of the events retention consumes: each loads what it needs, applies the fact, recomputes the deadline
and saves, inside the consumer's inbox transaction (so a redelivered event changes nothing twice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from recruiting_shared.events import (
    ApplicationErased, ApplicationErasureRequested, ApplicationStatusChanged, ApplicationSubmitted,
    ApplicationWithdrawn, ConsentChanged, PostingClosed,
)
from recruiting_shared.messaging import PermanentError
from recruiting_shared.outbox import Outbox

from ..adapters import metrics
from ..adapters.repository import IssuedErasure, RetentionRepository, TrackedApplication
from ..domain.deadline import Deadline, deadline
from ..domain.model import ApplicationFacts, Policy
from .erasures import issue_erasure


async def application_submitted(event: ApplicationSubmitted, repo: RetentionRepository) -> None:
    tracked = await _lock(repo, event)
    await _save(repo, tracked, tracked.facts.with_submission(
        posting_id=event.posting_id, submitted_at=event.submitted_at, talent_pool=event.talent_pool_consent))


async def application_status_changed(event: ApplicationStatusChanged, repo: RetentionRepository) -> None:
    tracked = await _lock(repo, event)
    await _save(repo, tracked, tracked.facts.with_status(event.new_status, event.changed_at, posting_id=event.posting_id))


async def application_withdrawn(event: ApplicationWithdrawn, repo: RetentionRepository) -> None:
    tracked = await _lock(repo, event)
    await _save(repo, tracked, tracked.facts.with_status("withdrawn", event.withdrawn_at, posting_id=event.posting_id))


async def consent_changed(event: ConsentChanged, repo: RetentionRepository) -> None:
    tracked = await _lock(repo, event)
    await _save(repo, tracked, tracked.facts.with_consent(event.talent_pool, event.changed_at))


async def posting_closed(event: PostingClosed, repo: RetentionRepository) -> None:
    """Starts the clock of every application of the posting that has no decision yet."""
    await repo.record_posting_closed(posting_id=event.posting_id, company_id=event.company_id, closed_at=event.closed_at)
    await recompute(repo, await repo.lock_open_applications(posting_id=event.posting_id))


async def erasure_requested(event: ApplicationErasureRequested, repo: RetentionRepository, outbox: Outbox, *,
                            now: datetime | None = None) -> None:
    """Answered at once with retention.erasure_due carrying the request's trigger."""
    now = now or datetime.now(UTC)
    tracked = await _lock(repo, event)
    if tracked.erased_at is not None:
        return
    erasure = IssuedErasure(event.application_id, event.company_id, event.trigger,
                            due_at=event.requested_at, requested_at=event.requested_at)
    if not await repo.log_erasure(erasure, issued_at=now):
        return
    await repo.mark_erasure_issued(application_id=event.application_id, issued_at=now)
    await issue_erasure(outbox, repo.conn, erasure)


async def application_erased(event: ApplicationErased, repo: RetentionRepository) -> None:
    """Completes the erasure log; the application stays as a tombstone (ids and dates) to ignore late events."""
    completed = await repo.confirm_erasure(application_id=event.application_id, company_id=event.company_id,
                                           trigger=event.trigger, erased_at=event.erased_at)
    metrics.erasures_confirmed.inc(completed)


async def recompute(repo: RetentionRepository, applications: list[TrackedApplication]) -> int:
    """New deadlines for applications whose facts did not change but whose policy, posting or holds did."""
    policies = {}
    changes = []
    for tracked in applications:
        company_id = tracked.facts.company_id
        if company_id not in policies:
            policies[company_id] = await repo.policy(company_id=company_id)
        changes.append((tracked.facts, _deadline(tracked.facts, policies[company_id])))
    await repo.save_many(changes)
    return len(changes)


def _deadline(facts: ApplicationFacts, policy: Policy) -> Deadline:
    try:
        return deadline(facts, policy)
    except OverflowError:
        # Only an event with dates near the year 9999 gets here; it is refused, never stored.
        raise PermanentError("the event's dates are out of range") from None


async def _lock(repo: RetentionRepository, event) -> TrackedApplication:
    tracked = await repo.lock_application(application_id=event.application_id, company_id=event.company_id)
    if tracked.facts.company_id != event.company_id:
        # An application never changes company; such an event is corrupt and must not move another company's data.
        raise PermanentError("the application belongs to another company")
    return tracked


async def _save(repo: RetentionRepository, tracked: TrackedApplication, facts: ApplicationFacts) -> None:
    if not tracked.schedule_is_open:
        return  # erased or being erased: a late fact changes nothing
    if facts.posting_id is not None and facts.posting_closed_at is None:
        # The first event naming the posting may come after the posting closed.
        facts = replace(facts, posting_closed_at=await repo.posting_closed_at(posting_id=facts.posting_id))
    policy = await repo.policy(company_id=facts.company_id)
    await repo.save_facts(facts, _deadline(facts, policy))
