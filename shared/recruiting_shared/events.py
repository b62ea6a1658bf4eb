"""The event catalog (SPEC section 4): the envelope and one typed, versioned model per event type.

Events carry ids, dates and company data, never applicant personal data: no model here has a field for a name,
an e-mail address or a document. `extra="forbid"` keeps it that way at the producer and at the consumer."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    event_type: ClassVar[str]
    version: ClassVar[int] = 1

    def aggregate_key(self) -> str:
        """Events of one aggregate are delivered in the order they were written."""
        raise NotImplementedError


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: UUID = Field(default_factory=uuid4)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    correlation_id: str
    data: dict[str, Any]


class UnknownEventType(Exception):
    pass


class InvalidEvent(Exception):
    pass


# --- auth ----------------------------------------------------------------------------------------------------------
class CompanyRegistered(EventData):
    event_type = "company.registered"
    company_id: UUID
    company_name: str
    registered_at: datetime

    def aggregate_key(self) -> str:
        return f"company:{self.company_id}"


# --- postings ------------------------------------------------------------------------------------------------------
class _PostingEvent(EventData):
    posting_id: UUID
    company_id: UUID

    def aggregate_key(self) -> str:
        return f"posting:{self.posting_id}"


class PostingPublished(_PostingEvent):
    event_type = "posting.published"
    title: str
    published_at: datetime
    closes_at: datetime | None = None


class PostingClosed(_PostingEvent):
    event_type = "posting.closed"
    closed_at: datetime
    reason: Literal["closed_by_company", "closing_date_reached", "deleted", "subscription_ended"]


# --- applications --------------------------------------------------------------------------------------------------
class _ApplicationEvent(EventData):
    application_id: UUID
    company_id: UUID

    def aggregate_key(self) -> str:
        return f"application:{self.application_id}"


ErasureTrigger = Literal["deadline", "applicant_request", "company_request"]


class ApplicationSubmitted(_ApplicationEvent):
    event_type = "application.submitted"
    posting_id: UUID
    submitted_at: datetime
    talent_pool_consent: bool = False


class ApplicationStatusChanged(_ApplicationEvent):
    event_type = "application.status_changed"
    posting_id: UUID
    old_status: str
    new_status: Literal["received", "in_review", "rejected", "hired"]
    changed_at: datetime


class ApplicationWithdrawn(_ApplicationEvent):
    event_type = "application.withdrawn"
    posting_id: UUID
    withdrawn_at: datetime


class ApplicationErasureRequested(_ApplicationEvent):
    event_type = "application.erasure_requested"
    trigger: Literal["applicant_request", "company_request"]
    requested_at: datetime


class ApplicationErased(_ApplicationEvent):
    event_type = "application.erased"
    trigger: ErasureTrigger
    erased_at: datetime


class ConsentChanged(_ApplicationEvent):
    event_type = "consent.changed"
    talent_pool: bool
    changed_at: datetime


class ErasureDue(_ApplicationEvent):
    """A command from retention to applications, published as an event so that it goes through the outbox."""

    event_type = "retention.erasure_due"
    trigger: ErasureTrigger
    due_at: datetime
    requested_at: datetime


# --- billing -------------------------------------------------------------------------------------------------------
class _SubscriptionEvent(EventData):
    subscription_id: UUID
    company_id: UUID

    def aggregate_key(self) -> str:
        # The quota belongs to the company, so order is kept per company, across its subscriptions.
        return f"company:{self.company_id}"


class SubscriptionActivated(_SubscriptionEvent):
    event_type = "subscription.activated"
    package_id: str
    max_active_postings: int = Field(ge=0)
    cycle: Literal["monthly", "yearly"]
    period_start: date
    period_end: date


class SubscriptionChanged(_SubscriptionEvent):
    event_type = "subscription.changed"
    package_id: str
    previous_package_id: str
    max_active_postings: int = Field(ge=0)
    effective_on: date


class SubscriptionRenewed(_SubscriptionEvent):
    event_type = "subscription.renewed"
    package_id: str
    max_active_postings: int = Field(ge=0)
    period_start: date
    period_end: date


class SubscriptionEnded(_SubscriptionEvent):
    event_type = "subscription.ended"
    ended_on: date
    reason: Literal["cancelled", "suspended_for_non_payment"]


class _InvoiceEvent(EventData):
    invoice_id: UUID
    company_id: UUID

    def aggregate_key(self) -> str:
        return f"invoice:{self.invoice_id}"


class InvoiceIssued(_InvoiceEvent):
    event_type = "invoice.issued"
    number: str
    kind: Literal["invoice", "credit_note"]
    gross_cents: int
    currency: str
    issue_date: date
    due_date: date


class InvoicePaid(_InvoiceEvent):
    event_type = "invoice.paid"
    paid_on: date
    amount_cents: int


class InvoiceOverdue(_InvoiceEvent):
    event_type = "invoice.overdue"
    due_date: date
    reminders_sent: int


CATALOG: dict[str, type[EventData]] = {
    model.event_type: model
    for model in (
        CompanyRegistered, PostingPublished, PostingClosed, ApplicationSubmitted, ApplicationStatusChanged,
        ApplicationWithdrawn, ApplicationErasureRequested, ApplicationErased, ConsentChanged, ErasureDue,
        SubscriptionActivated, SubscriptionChanged, SubscriptionRenewed, SubscriptionEnded,
        InvoiceIssued, InvoicePaid, InvoiceOverdue,
    )
}


def envelope_for(data: EventData, *, producer: str, correlation_id: str) -> Envelope:
    return Envelope(
        type=data.event_type, version=data.version, producer=producer, correlation_id=correlation_id,
        data=data.model_dump(mode="json"),
    )


def describe_validation_error(error: ValidationError) -> str:
    """Where and what, never the offending input (it could be personal data)."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['type']}" for e in error.errors(include_input=False))


def parse_event(body: bytes, catalog: dict[str, type[EventData]] = CATALOG) -> tuple[Envelope, EventData]:
    """Envelope and typed data of a message body, or InvalidEvent / UnknownEventType with a reason that is safe to log."""
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"body is not JSON: {type(exc).__name__}") from None
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"envelope does not match its schema: {describe_validation_error(exc)}") from None
    model = catalog.get(envelope.type)
    if model is None:
        raise UnknownEventType(f"unknown event type {envelope.type!r}")
    if envelope.version != model.version:
        raise UnknownEventType(f"unsupported version {envelope.version} of {envelope.type}")
    try:
        return envelope, model.model_validate(envelope.data)
    except ValidationError as exc:
        raise InvalidEvent(f"{envelope.type} data does not match its schema: {describe_validation_error(exc)}") from None
