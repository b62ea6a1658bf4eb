"""What a company user asks of the postings service. Commands are imperative; handlers in service_layer carry
them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID


@dataclass(frozen=True)
class CreatePosting:
    company_id: UUID
    fields: dict[str, object]


@dataclass(frozen=True)
class EditPosting:
    company_id: UUID
    posting_id: UUID
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishPosting:
    company_id: UUID
    posting_id: UUID


@dataclass(frozen=True)
class ClosePosting:
    company_id: UUID
    posting_id: UUID


@dataclass(frozen=True)
class DeletePosting:
    company_id: UUID
    posting_id: UUID
