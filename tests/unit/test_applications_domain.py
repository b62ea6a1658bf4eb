"""The rules of an application's life cycle, the applicant session tokens, the settings' refusal of development
keys, and the form's field rules: plain code, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError
from recruiting_applications.adapters import applicant_tokens
from recruiting_applications.config import ApplicationsSettings
from recruiting_applications.domain.model import (
    LEGAL_MONTH, InvalidTransition, check_company_transition, check_invitable, check_withdrawable, deletion_date,
)
from recruiting_applications.entrypoints.schemas import ApplicationForm, InvitationIn


@pytest.mark.parametrize(("current", "wanted"), [
    ("received", "in_review"), ("received", "rejected"), ("in_review", "rejected"), ("in_review", "hired"),
])
def test_allowed_company_transitions(current, wanted):
    check_company_transition(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), [
    ("received", "hired"), ("received", "received"), ("in_review", "in_review"), ("rejected", "in_review"),
    ("hired", "rejected"), ("withdrawn", "in_review"), ("received", "withdrawn"),
])
def test_invalid_company_transitions(current, wanted):
    with pytest.raises(InvalidTransition):
        check_company_transition(current, wanted)


def test_only_open_applications_can_be_withdrawn_or_invited():
    for status in ("received", "in_review"):
        check_withdrawable(status)
        check_invitable(status)
    for status in ("rejected", "hired", "withdrawn"):
        with pytest.raises(InvalidTransition):
            check_withdrawable(status)
        with pytest.raises(InvalidTransition):
            check_invitable(status)


def test_deletion_date_follows_decision_consent_and_request():
    decided = datetime(2026, 1, 1, tzinfo=UTC)
    rule = {"retention_days": 180, "talent_pool_days": 730}
    assert deletion_date(decided_at=None, erasure_requested_at=None, talent_pool=False, **rule) is None
    assert deletion_date(decided_at=decided, erasure_requested_at=None, talent_pool=False, **rule) == decided + timedelta(days=180)
    assert deletion_date(decided_at=decided, erasure_requested_at=None, talent_pool=True, **rule) == decided + timedelta(days=730)
    requested = datetime(2026, 2, 1, tzinfo=UTC)
    assert deletion_date(decided_at=decided, erasure_requested_at=requested, talent_pool=True, **rule) == requested + LEGAL_MONTH


def test_an_applicant_session_opens_one_application_and_nothing_else():
    key, application_id = b"k" * 32, uuid4()
    token = applicant_tokens.issue(key, application_id, timedelta(minutes=15))
    assert applicant_tokens.verify(key, token) == application_id
    with pytest.raises(applicant_tokens.InvalidApplicantToken):
        applicant_tokens.verify(b"x" * 32, token)
    expired = applicant_tokens.issue(key, application_id, timedelta(seconds=-1))
    with pytest.raises(applicant_tokens.InvalidApplicantToken):
        applicant_tokens.verify(key, expired)
    with pytest.raises(applicant_tokens.InvalidApplicantToken):
        applicant_tokens.verify(key, "not.a.token")


def test_production_refuses_to_run_without_keys():
    with pytest.raises(ValidationError):
        ApplicationsSettings(environment="production", amqp_url="amqp://app:secret@mq/")
    settings = ApplicationsSettings(environment="production", amqp_url="amqp://app:secret@mq/", key_ring="k1:x",
                                    service_secret="y")
    assert settings.key_ring == "k1:x"


def valid_form(**overrides) -> dict:
    form = {"posting_id": str(uuid4()), "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org",
            "privacy_consent": "true"}
    form.update(overrides)
    return form


def test_the_form_accepts_a_plain_application_and_normalises_blanks():
    parsed = ApplicationForm.model_validate(valid_form(phone="  ", message="", talent_pool_consent="on"))
    assert parsed.phone is None and parsed.message is None and parsed.talent_pool_consent is True


@pytest.mark.parametrize("overrides", [
    {"privacy_consent": "false"}, {"email": "ada@"}, {"email": "Ada <ada@example.org>"}, {"first_name": "  "},
    {"last_name": "a\nb"}, {"first_name": "x" * 101}, {"phone": "0800-CALL-NOW"}, {"message": "x" * 5001},
    {"message": "bell \x07"},
])
def test_the_form_refuses_bad_fields(overrides):
    with pytest.raises(ValidationError):
        ApplicationForm.model_validate(valid_form(**overrides))


def test_an_invitation_needs_ordered_aware_slots():
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    InvitationIn(slots=[{"starts_at": start, "ends_at": start + timedelta(hours=1)}], location="Berlin")
    past = datetime(2020, 1, 1, 9, tzinfo=UTC)
    for slot in ({"starts_at": start, "ends_at": start}, {"starts_at": start.replace(tzinfo=None).isoformat(),
                                                             "ends_at": (start + timedelta(hours=1)).replace(tzinfo=None).isoformat()},
                 {"starts_at": past, "ends_at": past + timedelta(hours=1)}):
        with pytest.raises(ValidationError):
            InvitationIn(slots=[slot], location="Berlin")
    with pytest.raises(ValidationError):
        InvitationIn(slots=[], location="Berlin")
