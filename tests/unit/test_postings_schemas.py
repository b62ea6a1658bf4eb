"""Bad input to the company endpoints is refused by the request schemas with a field-level error (422)."""

import pytest
from pydantic import ValidationError

from recruiting_postings.entrypoints.schemas import PostingChanges, PostingFields

VALID = {"title": "Backend-Entwickler (m/w/d)", "employment_type": "full_time"}


def refused_field(body: dict, schema=PostingFields) -> str:
    with pytest.raises(ValidationError) as refused:
        schema.model_validate(body)
    return refused.value.errors()[0]["loc"][0]


def test_a_minimal_posting_is_accepted_with_defaults():
    fields = PostingFields.model_validate(VALID)
    assert fields.remote is False and fields.show_salary is False and fields.closes_at is None


@pytest.mark.parametrize("closes_at", ["2026-02-30T10:00:00+00:00", "tomorrow", "2026-12-24T10:00:00", ""])
def test_invalid_or_naive_dates_are_refused(closes_at):
    assert refused_field({**VALID, "closes_at": closes_at}) == "closes_at"


@pytest.mark.parametrize("body, field", [
    ({**VALID, "employment_type": "freelance_ninja"}, "employment_type"),
    ({**VALID, "title": "   "}, "title"),
    ({**VALID, "title": "x" * 201}, "title"),
    ({**VALID, "description": "x" * 1_000_000}, "description"),
    ({**VALID, "salary_min": -1}, "salary_min"),
    ({**VALID, "salary_max": "50000"}, "salary_max"),
    ({**VALID, "remote": "yes"}, "remote"),
    ({**VALID, "title": "Null\x00Byte"}, "title"),
    ({**VALID, "location": "Berlin\nMitte"}, "location"),
    ({**VALID, "status": "published"}, "status"),
    ({"employment_type": "full_time"}, "title"),
])
def test_bad_fields_are_refused(body, field):
    assert refused_field(body) == field


def test_markup_is_kept_as_plain_text():
    script = "<script>alert('x')</script><b>fett</b>"
    fields = PostingFields.model_validate({**VALID, "title": script, "description": script})
    assert fields.title == script and fields.description == script


def test_a_patch_changes_only_what_was_sent_and_may_clear_optional_fields():
    changes = PostingChanges.model_validate({"closes_at": None, "internal_notes": "neu"}).changes()
    assert changes == {"closes_at": None, "internal_notes": "neu"}


@pytest.mark.parametrize("body, field", [({"title": None}, "title"), ({"employment_type": "x"}, "employment_type"),
                                         ({"id": "x"}, "id")])
def test_a_patch_cannot_null_a_required_field_or_touch_unknown_ones(body, field):
    assert refused_field(body, PostingChanges) == field
