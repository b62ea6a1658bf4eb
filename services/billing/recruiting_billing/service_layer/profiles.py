"""Billing profiles: the buyer's name, address, VAT id and billing e-mail, as printed on its invoices."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..adapters.repository import Repository
from ..domain.invoices import Party
from ..domain.tax import normalise_vat_id, vat_treatment


async def save_profile(conn: asyncpg.Connection, company_id: UUID, profile: Party) -> Party:
    vat_id = normalise_vat_id(profile.country, profile.vat_id) if profile.vat_id else None
    vat_treatment(profile.country, vat_id)  # refuses countries we cannot invoice
    stored = Party(profile.legal_name.strip(), profile.street.strip(), profile.postal_code.strip(),
                   profile.city.strip(), profile.country, vat_id, profile.email.strip())
    await Repository(conn).save_profile(company_id=company_id, profile=stored)
    return stored
