"""Company names for the job board, from auth's company.registered."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg


class CompanyRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def register(self, *, company_id: UUID, name: str, registered_at: datetime) -> None:
        await self.conn.execute(
            """INSERT INTO companies (company_id, name, registered_at) VALUES ($1, $2, $3)
               ON CONFLICT (company_id) DO UPDATE SET name = excluded.name, registered_at = excluded.registered_at
               WHERE companies.registered_at <= excluded.registered_at""",
            company_id, name, registered_at,
        )

    async def name_of(self, company_id: UUID) -> str | None:
        return await self.conn.fetchval("SELECT name FROM companies WHERE company_id = $1", company_id)
