"""Facts about an application arrive as events, possibly late, twice or out of order; the result is the same."""

import itertools
from datetime import UTC, datetime
from uuid import uuid4

from recruiting_retention.domain.deadline import deadline
from recruiting_retention.domain.model import ApplicationFacts, Policy

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POSTING = uuid4()


def at(hours: int) -> datetime:
    return T0.replace(hour=9 + hours)


EVENTS = [
    lambda f: f.with_submission(posting_id=POSTING, submitted_at=at(0), talent_pool=True),
    lambda f: f.with_status("in_review", at(1), posting_id=POSTING),
    lambda f: f.with_consent(False, at(2)),
    lambda f: f.with_status("rejected", at(3), posting_id=POSTING),
]


def test_every_order_and_every_duplicate_of_the_events_gives_the_same_facts_and_deadline():
    empty = ApplicationFacts(application_id=uuid4(), company_id=uuid4())
    outcomes = set()
    for order in itertools.permutations(EVENTS):
        facts = empty
        for apply in order + order:  # each event twice
            facts = apply(facts)
        outcomes.add((facts.status, facts.talent_pool, facts.posting_id, deadline(facts, Policy()).due_at))
    assert outcomes == {("rejected", False, POSTING, datetime(2026, 8, 28, 12, 0, tzinfo=UTC))}


def test_the_consent_given_with_the_application_does_not_override_a_later_change_that_came_first():
    facts = ApplicationFacts(application_id=uuid4(), company_id=uuid4()).with_consent(True, at(2))
    facts = facts.with_submission(posting_id=POSTING, submitted_at=at(0), talent_pool=False)
    assert facts.talent_pool is True


def test_a_withdrawal_is_final():
    facts = ApplicationFacts(application_id=uuid4(), company_id=uuid4()).with_status("withdrawn", at(1))
    facts = facts.with_status("in_review", at(2))
    assert (facts.status, facts.decided_at) == ("withdrawn", at(1))


def test_a_decision_taken_back_stops_the_clock():
    facts = ApplicationFacts(application_id=uuid4(), company_id=uuid4()).with_status("rejected", at(1))
    facts = facts.with_status("in_review", at(2))
    assert deadline(facts, Policy()).due_at is None
