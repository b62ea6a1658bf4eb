"""The public view of a posting: the one projection behind both the company's preview and the public job page.

Both endpoints send the bytes of `render_public`, so the preview is byte for byte what applicants see once the
posting is published (FAQ promise 6). Nothing here depends on the posting's status or publication time, otherwise
the preview of a draft could not equal the published page. The projection names the fields it shows (an allow-list):
a field added to `Posting` later stays private until someone adds it here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from .model import Posting

SALARY_CURRENCY = "EUR"
SALARY_PERIOD = "year"


def public_document(posting: Posting, company_name: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": str(posting.id),
        "title": posting.title,
        "description": posting.description,
        "location": posting.location,
        "employment_type": posting.employment_type,
        "remote": posting.remote,
        "closes_at": _timestamp(posting.closes_at),
        "company": {"id": str(posting.company_id), "name": company_name},
    }
    salary = public_salary(posting)
    if salary is not None:
        document["salary"] = salary
    return document


def public_salary(posting: Posting) -> dict[str, Any] | None:
    """A hidden salary is left out entirely, not shown as null: the page must not even hint that there is one."""
    if not posting.show_salary or (posting.salary_min is None and posting.salary_max is None):
        return None
    return {"min": posting.salary_min, "max": posting.salary_max, "currency": SALARY_CURRENCY, "period": SALARY_PERIOD}


def render_public(posting: Posting, company_name: str | None) -> bytes:
    return encode(public_document(posting, company_name))


def encode(document: Any) -> bytes:
    """Deterministic JSON: the same document always gives the same bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode()


def _timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _json_default(value: object) -> str:
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
