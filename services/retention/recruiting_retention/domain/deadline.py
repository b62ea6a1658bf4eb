"""When an application's data must be erased. Pure: the current time is never read here.

- The clock starts at the decision (rejected, hired, withdrawn), or at the posting's closing when no decision was
  made, so that no application is kept forever. Before either, there is no deadline.
- It runs for `retention_days`, or `talent_pool_days` while the applicant consents to the talent pool.
- A legal hold pauses it: time under a hold does not count. A hold placed after the deadline had already passed
  (but before the erasure was issued) still keeps the data until it ends; the clock then has no time left.
  An open-ended hold means there is no deadline until it is lifted.
- Days are exact 24-hour days in UTC, so month ends and leap days need no special rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import ApplicationFacts, Hold, Policy


@dataclass(frozen=True)
class Deadline:
    due_at: datetime | None
    clock_started_by: str | None  # rejected | hired | withdrawn | posting_closed
    clock_started_at: datetime | None


def clock_start(facts: ApplicationFacts) -> tuple[str | None, datetime | None]:
    if facts.decided_at is not None:
        return facts.status, facts.decided_at
    if facts.posting_closed_at is not None:
        return "posting_closed", facts.posting_closed_at
    return None, None


def retention_period(facts: ApplicationFacts, policy: Policy) -> timedelta:
    return timedelta(days=policy.talent_pool_days if facts.talent_pool else policy.retention_days)


def deadline(facts: ApplicationFacts, policy: Policy) -> Deadline:
    started_by, started_at = clock_start(facts)
    if started_at is None:
        return Deadline(None, None, None)
    due_at = paused_by_holds(started_at + retention_period(facts, policy), started_at, facts.holds)
    return Deadline(due_at, started_by, started_at)


def paused_by_holds(due_at: datetime, started_at: datetime, holds: tuple[Hold, ...]) -> datetime | None:
    """Push `due_at` back by the time the clock stood still. Holds are applied in the order they were placed;
    overlapping holds are merged first so that time held twice is not counted twice."""
    for placed_at, ends_at in _merged(holds):
        if ends_at is None:
            return None
        pause_from = max(placed_at, started_at)
        if ends_at <= pause_from:
            continue  # the hold ended before the clock started
        due_at = max(due_at, pause_from) + (ends_at - pause_from)
    return due_at


def _merged(holds: tuple[Hold, ...]) -> list[tuple[datetime, datetime | None]]:
    merged: list[tuple[datetime, datetime | None]] = []
    for hold in sorted(holds, key=lambda h: h.placed_at):
        if merged:
            start, end = merged[-1]
            if end is None:
                break
            if hold.placed_at <= end:
                later = None if hold.ends_at is None else max(end, hold.ends_at)
                merged[-1] = (start, later)
                continue
        merged.append((hold.placed_at, hold.ends_at))
    return merged
