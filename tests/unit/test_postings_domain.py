"""The posting's rules without I/O: drafts, edits, publishing, closing, text that can be stored, the quota."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from recruiting_postings.domain.errors import (
    ClosingDatePassed, InvalidPosting, NoActiveLicense, PostingClosedAlready, PostingNotPublished, QuotaExhausted,
)
from recruiting_postings.domain.model import Posting, PostingStatus, text_problem
from recruiting_postings.domain.quota import Allowance, check_may_publish, largest

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def draft(**fields) -> Posting:
    fields = {"title": "Entwickler (m/w/d)", "employment_type": "full_time", **fields}
    return Posting.draft(company_id=uuid4(), now=NOW, **fields)


def test_a_new_posting_is_a_draft():
    posting = draft()
    assert posting.status == PostingStatus.DRAFT
    assert posting.published_at is None


def test_salary_min_above_max_is_refused_on_create_and_on_edit():
    with pytest.raises(InvalidPosting) as refused:
        draft(salary_min=60_000, salary_max=50_000)
    assert refused.value.extensions["field"] == "salary_min"
    posting = draft(salary_min=40_000, salary_max=50_000)
    with pytest.raises(InvalidPosting):
        posting.edit({"salary_min": 55_000}, NOW)
    assert posting.edit({"salary_min": 50_000}, NOW).salary_min == 50_000


def test_closing_date_must_lie_ahead_and_within_two_years():
    with pytest.raises(InvalidPosting):
        draft(closes_at=NOW - timedelta(seconds=1))
    with pytest.raises(InvalidPosting):
        draft(closes_at=NOW + timedelta(days=800))
    assert draft(closes_at=NOW + timedelta(days=30)).closes_at == NOW + timedelta(days=30)


def test_an_edit_that_leaves_the_closing_date_alone_does_not_trip_over_it():
    posting = draft(closes_at=NOW + timedelta(days=1))
    later = NOW + timedelta(days=2)
    assert posting.edit({"title": "Neu"}, later).title == "Neu"
    with pytest.raises(InvalidPosting):
        posting.edit({"closes_at": NOW + timedelta(hours=1)}, later)


def test_internal_fields_are_editable_but_status_is_not():
    posting = draft()
    assert posting.edit({"internal_notes": "call back"}, NOW).internal_notes == "call back"
    with pytest.raises(InvalidPosting):
        posting.edit({"status": "published"}, NOW)


def test_publish_then_close():
    published = draft().publish(NOW)
    assert published.status == PostingStatus.PUBLISHED and published.published_at == NOW
    closed = published.close(NOW, "closed_by_company")
    assert closed.status == PostingStatus.CLOSED and closed.close_reason == "closed_by_company"
    with pytest.raises(PostingClosedAlready):
        closed.publish(NOW)
    with pytest.raises(PostingClosedAlready):
        closed.edit({"title": "again"}, NOW)


def test_a_draft_cannot_be_closed():
    with pytest.raises(PostingNotPublished):
        draft().close(NOW, "closed_by_company")


def test_publishing_after_the_closing_date_is_refused():
    posting = draft(closes_at=NOW + timedelta(hours=1))
    with pytest.raises(ClosingDatePassed):
        posting.publish(NOW + timedelta(hours=2))


def test_editing_the_title_of_a_published_posting_is_announced_but_a_salary_change_is_not():
    published = draft().publish(NOW)
    assert published.edit({"title": "Senior"}, NOW).public_changes_need_announcing(published)
    assert not published.edit({"salary_min": 1}, NOW).public_changes_need_announcing(published)
    unpublished = draft()
    assert not unpublished.edit({"title": "Senior"}, NOW).public_changes_need_announcing(unpublished)


@pytest.mark.parametrize("value, multiline, ok", [
    ("<script>alert(1)</script>", False, True),
    ("Zeile 1\nZeile 2\tTab", True, True),
    ("Zeile 1\nZeile 2", False, False),
    ("nul\x00byte", True, False),
    ("bell\x07", True, False),
    ("lone \ud800 surrogate", True, False),
    ("Umlaute äöüß und Emoji 🚀", False, True),
])
def test_text_that_can_be_stored(value, multiline, ok):
    assert (text_problem(value, multiline=multiline) is None) is ok


def test_publishing_needs_an_active_package_and_a_free_place():
    with pytest.raises(NoActiveLicense) as no_license:
        check_may_publish(None, 0)
    assert no_license.value.status == 402 and no_license.value.slug == "no-active-license"
    check_may_publish(Allowance("starter", 1), 0)
    with pytest.raises(QuotaExhausted) as exhausted:
        check_may_publish(Allowance("starter", 1), 1)
    assert exhausted.value.status == 402 and exhausted.value.slug == "posting-quota-exhausted"
    assert exhausted.value.extensions == {"max_active_postings": 1, "active_postings": 1}


def test_overlapping_packages_do_not_add_up():
    assert largest([Allowance("starter", 1), Allowance("business", 10)]) == Allowance("business", 10)
    assert largest([]) is None
