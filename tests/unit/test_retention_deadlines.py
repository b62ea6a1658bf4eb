"""Deadlines of the retention service for every trigger, with the time given, never waited for."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from recruiting_retention.domain.deadline import deadline
from recruiting_retention.domain.model import ApplicationFacts, Hold, InvalidPolicy, Policy


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def submitted(on: str = "2026-01-05T09:00", *, talent_pool: bool = False) -> ApplicationFacts:
    facts = ApplicationFacts(application_id=uuid4(), company_id=uuid4())
    return facts.with_submission(posting_id=uuid4(), submitted_at=at(on), talent_pool=talent_pool)


@pytest.mark.parametrize("decision", ["rejected", "hired", "withdrawn"])
def test_a_decision_starts_the_default_180_day_clock(decision):
    facts = submitted().with_status(decision, at("2026-02-10T14:30"))
    result = deadline(facts, Policy())
    assert result.due_at == at("2026-08-09T14:30")
    assert (result.clock_started_by, result.clock_started_at) == (decision, at("2026-02-10T14:30"))


def test_no_decision_and_an_open_posting_means_no_deadline_yet():
    facts = submitted().with_status("in_review", at("2026-01-06T10:00"))
    assert deadline(facts, Policy()).due_at is None


def test_a_closed_posting_starts_the_clock_when_no_decision_was_made():
    facts = submitted()
    closed = ApplicationFacts(**{**facts.__dict__, "posting_closed_at": at("2026-03-01T00:00")})
    result = deadline(closed, Policy(retention_days=30))
    assert (result.due_at, result.clock_started_by) == (at("2026-03-31T00:00"), "posting_closed")


def test_a_decision_after_the_posting_closed_counts_from_the_decision():
    facts = ApplicationFacts(**{**submitted().__dict__, "posting_closed_at": at("2026-03-01T00:00")})
    decided = facts.with_status("rejected", at("2026-03-20T12:00"))
    assert deadline(decided, Policy(retention_days=10)).due_at == at("2026-03-30T12:00")


def test_retention_days_zero_is_due_at_the_decision():
    facts = submitted().with_status("rejected", at("2026-04-01T08:00"))
    assert deadline(facts, Policy(retention_days=0)).due_at == at("2026-04-01T08:00")


@pytest.mark.parametrize(("decided", "days", "due"), [
    ("2026-01-31T23:59", 30, "2026-03-02T23:59"),   # last day of a month, into a short February
    ("2026-02-28T12:00", 1, "2026-03-01T12:00"),    # not a leap year
    ("2028-02-28T12:00", 1, "2028-02-29T12:00"),    # leap day exists in 2028
    ("2028-02-29T12:00", 365, "2029-02-28T12:00"),  # decided on a leap day: 365 days later, no Feb 29
    ("2026-12-31T23:59", 1, "2027-01-01T23:59"),    # across the year
])
def test_calendar_edges_count_exact_days(decided, days, due):
    facts = submitted().with_status("rejected", at(decided))
    assert deadline(facts, Policy(retention_days=days, talent_pool_days=max(days, 730))).due_at == at(due)


def test_talent_pool_consent_extends_and_withdrawing_it_shortens():
    decided = submitted(talent_pool=True).with_status("rejected", at("2026-01-10T00:00"))
    assert deadline(decided, Policy()).due_at == at("2026-01-10T00:00") + timedelta(days=730)
    revoked = decided.with_consent(False, at("2026-02-01T00:00"))
    assert deadline(revoked, Policy()).due_at == at("2026-01-10T00:00") + timedelta(days=180)
    given_later = submitted().with_status("hired", at("2026-01-10T00:00")).with_consent(True, at("2026-05-01T00:00"))
    assert deadline(given_later, Policy()).due_at == at("2026-01-10T00:00") + timedelta(days=730)


def test_a_hold_pauses_the_clock_for_its_duration():
    facts = submitted().with_status("rejected", at("2026-01-01T00:00"))
    held = ApplicationFacts(**{**facts.__dict__, "holds": (Hold(at("2026-01-11T00:00"), until=at("2026-01-21T00:00")),)})
    assert deadline(held, Policy(retention_days=30)).due_at == at("2026-02-10T00:00")


def test_an_open_ended_hold_means_no_deadline_until_lifted():
    facts = submitted().with_status("rejected", at("2026-01-01T00:00"))
    held = ApplicationFacts(**{**facts.__dict__, "holds": (Hold(at("2026-01-05T00:00")),)})
    assert deadline(held, Policy(retention_days=30)).due_at is None


def test_a_hold_lifted_after_the_deadline_passed_gives_back_only_the_time_that_was_left():
    facts = submitted().with_status("rejected", at("2026-01-01T00:00"))  # due 2026-01-31 without the hold
    lifted = Hold(at("2026-01-21T00:00"), released_at=at("2026-03-01T00:00"))  # 10 days were left
    held = ApplicationFacts(**{**facts.__dict__, "holds": (lifted,)})
    assert deadline(held, Policy(retention_days=30)).due_at == at("2026-03-11T00:00")


def test_a_hold_placed_after_the_deadline_keeps_the_data_until_it_ends_then_it_is_due_at_once():
    facts = submitted().with_status("rejected", at("2026-01-01T00:00"))  # due 2026-01-31
    late = Hold(at("2026-02-05T00:00"), released_at=at("2026-02-20T00:00"))
    held = ApplicationFacts(**{**facts.__dict__, "holds": (late,)})
    assert deadline(held, Policy(retention_days=30)).due_at == at("2026-02-20T00:00")


def test_a_hold_before_the_clock_started_pauses_only_from_the_start():
    facts = submitted().with_status("rejected", at("2026-01-10T00:00"))
    early = Hold(at("2026-01-01T00:00"), until=at("2026-01-15T00:00"))  # 5 days of it overlap the clock
    ended_before = Hold(at("2026-01-02T00:00"), until=at("2026-01-03T00:00"))
    held = ApplicationFacts(**{**facts.__dict__, "holds": (early, ended_before)})
    assert deadline(held, Policy(retention_days=30)).due_at == at("2026-02-14T00:00")


def test_overlapping_holds_do_not_count_the_same_time_twice():
    facts = submitted().with_status("rejected", at("2026-01-01T00:00"))
    holds = (Hold(at("2026-01-05T00:00"), until=at("2026-01-15T00:00")),
             Hold(at("2026-01-10T00:00"), until=at("2026-01-20T00:00")))
    held = ApplicationFacts(**{**facts.__dict__, "holds": holds})
    assert deadline(held, Policy(retention_days=30)).due_at == at("2026-02-15T00:00")


def test_an_open_ended_hold_overlapping_a_timed_one_still_pauses_indefinitely():
    facts = submitted().with_status("rejected", at("2026-01-01T00:00"))
    holds = (Hold(at("2026-01-05T00:00"), until=at("2026-01-15T00:00")), Hold(at("2026-01-10T00:00")))
    held = ApplicationFacts(**{**facts.__dict__, "holds": holds})
    assert deadline(held, Policy(retention_days=30)).due_at is None


def test_a_hold_is_active_between_placing_and_its_end():
    hold = Hold(at("2026-01-05T00:00"), until=at("2026-02-01T00:00"), released_at=at("2026-01-20T00:00"))
    assert hold.ends_at == at("2026-01-20T00:00")
    assert [hold.active_at(at(t)) for t in ("2026-01-04T23:59", "2026-01-10T00:00", "2026-01-20T00:00")] == \
        [False, True, False]


@pytest.mark.parametrize(("retention", "talent_pool"), [(-1, 730), (366, 730), (180, 3651), (200, 100)])
def test_a_policy_outside_its_bounds_is_refused(retention, talent_pool):
    with pytest.raises(InvalidPolicy):
        Policy(retention_days=retention, talent_pool_days=talent_pool)
