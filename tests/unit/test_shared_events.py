"""The event catalog: every event of SPEC section 4, typed and versioned, with nothing personal in it."""

import json
import re
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError
from recruiting_shared.events import CATALOG, InvalidEvent, UnknownEventType, envelope_for, parse_event, PostingClosed

SPEC = Path(__file__).resolve().parents[3] / "shared" / "SPEC.md"
PERSONAL_FIELD = re.compile(r"name$|email|mail|phone|first|last|address|street|message|document|birth")
COMPANY_FIELDS = {"company_name"}  # company data may travel in events; applicant data never


def spec_event_types() -> set[str]:
    section = SPEC.read_text().split("## 4. Events", 1)[1].split("## 5.", 1)[0]
    return set(re.findall(r"`([a-z_]+\.[a-z_]+)`", section))


def test_the_catalog_has_exactly_the_events_of_the_spec():
    assert set(CATALOG) == spec_event_types()


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_no_event_has_a_field_for_personal_data(event_type):
    fields = set(CATALOG[event_type].model_fields) - COMPANY_FIELDS
    assert not [field for field in fields if PERSONAL_FIELD.search(field)]


def test_an_event_survives_the_round_trip_through_its_envelope():
    data = PostingClosed(posting_id=uuid4(), company_id=uuid4(), closed_at="2026-12-03T10:00:00Z", reason="deleted")
    envelope = envelope_for(data, producer="postings", correlation_id="req-1")
    parsed_envelope, parsed = parse_event(envelope.model_dump_json().encode())
    assert parsed == data
    assert (parsed_envelope.event_id, parsed_envelope.type, parsed_envelope.version) == (envelope.event_id, "posting.closed", 1)


def test_events_refuse_fields_they_do_not_declare():
    with pytest.raises(ValidationError):
        PostingClosed(posting_id=uuid4(), company_id=uuid4(), closed_at="2026-12-03T10:00:00Z", reason="deleted",
                      applicant_email="someone@example.org")


@pytest.mark.parametrize(
    ("body", "error", "reason"),
    [
        (b"\xff\xfe", InvalidEvent, "not JSON"),
        (b"[1, 2]", InvalidEvent, "envelope does not match"),
        (json.dumps({"event_id": str(uuid4()), "type": "x.y", "version": 1, "occurred_at": "2026-01-01T00:00:00Z",
                     "producer": "p", "correlation_id": "c", "data": {}}).encode(), UnknownEventType, "unknown event type"),
        (json.dumps({"event_id": str(uuid4()), "type": "posting.closed", "version": 2, "occurred_at": "2026-01-01T00:00:00Z",
                     "producer": "p", "correlation_id": "c", "data": {}}).encode(), UnknownEventType, "unsupported version"),
        (json.dumps({"event_id": str(uuid4()), "type": "posting.closed", "version": 1, "occurred_at": "2026-01-01T00:00:00Z",
                     "producer": "p", "correlation_id": "c", "data": {"posting_id": "secret-input"}}).encode(),
         InvalidEvent, "posting_id: uuid_parsing"),
    ],
)
def test_unusable_messages_are_refused_with_a_reason_that_does_not_quote_the_input(body, error, reason):
    with pytest.raises(error) as raised:
        parse_event(body)
    assert reason in str(raised.value)
    assert "secret-input" not in str(raised.value)
