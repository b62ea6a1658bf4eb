"""The full picture of one application, opened with its data key: what the applicant sees (GDPR Art. 15), what the
export holds (Art. 20), and what a company user reads (logged)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from ..adapters import repository as repo
from ..adapters.crypto import DataKey
from ..domain.model import deletion_date
from .context import Services

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "message")


def open_personal_data(row: asyncpg.Record, data_key: DataKey) -> dict[str, str | None]:
    return {name: data_key.open_text(name, row[f"{name}_enc"]) for name in PERSONAL_FIELDS}


def open_document(data_key: DataKey, row: asyncpg.Record) -> tuple[str, bytes]:
    """File name and content of a document row (CPU-bound for large documents: call it in a thread)."""
    document_id = row["document_id"]
    return (data_key.open_text("document.filename", row["filename_enc"], record_id=document_id),
            data_key.open("document.content", row["content_enc"], record_id=document_id))


async def documents_view(conn: asyncpg.Connection, data_key: DataKey, application_id: UUID) -> list[dict]:
    return [
        {"document_id": d["document_id"], "filename": data_key.open_text("document.filename", d["filename_enc"],
                                                                         record_id=d["document_id"]),
         "size_bytes": d["size_bytes"], "page_count": d["page_count"], "content_type": "application/pdf"}
        for d in await repo.list_documents(conn, application_id=application_id)
    ]


async def invitations_view(conn: asyncpg.Connection, data_key: DataKey, application_id: UUID) -> list[dict]:
    result = []
    for row in await repo.invitations(conn, application_id=application_id):
        invitation_id = row["invitation_id"]
        result.append({
            "invitation_id": invitation_id,
            "created_at": row["created_at"],
            "location": data_key.open_text("invitation.location", row["location_enc"], record_id=invitation_id),
            "message": data_key.open_text("invitation.message", row["message_enc"], record_id=invitation_id),
            "slots": row["slots"],
            "chosen_slot_id": row["chosen_slot_id"],
            "chosen_at": row["chosen_at"],
        })
    return result


async def full_view(services: Services, conn: asyncpg.Connection, row: asyncpg.Record, data_key: DataKey) -> dict[str, Any]:
    application_id = row["application_id"]
    settings = services.settings
    return {
        "application_id": application_id,
        "posting_id": row["posting_id"],
        "company_id": row["company_id"],
        "status": row["status"],
        "submitted_at": row["submitted_at"],
        "status_changed_at": row["status_changed_at"],
        "decided_at": row["decided_at"],
        "applicant": open_personal_data(row, data_key),
        "documents": await documents_view(conn, data_key, application_id),
        "interview_invitations": await invitations_view(conn, data_key, application_id),
        "consents": {
            "privacy": {"granted": True, "granted_at": row["privacy_consent_at"]},
            "talent_pool": row["talent_pool_consent"],
            "history": [dict(r) for r in await repo.consent_history(conn, application_id=application_id)],
        },
        "access_log": [dict(r) for r in await repo.access_log(conn, application_id=application_id)],
        "deletion_date": deletion_date(
            decided_at=row["decided_at"], erasure_requested_at=row["erasure_requested_at"],
            talent_pool=row["talent_pool_consent"], retention_days=settings.default_retention_days,
            talent_pool_days=settings.talent_pool_days,
        ),
        "deletion_rule": "the company's retention period after the decision (platform default "
                         f"{settings.default_retention_days} days, {settings.talent_pool_days} with talent-pool "
                         "consent); at once when you ask for erasure",
    }
