"""Queries of the auth database: one async function per query, on the caller's connection (and transaction)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from ..domain.model import Company, User

_USER_COLUMNS = "id, email, name, role, status, company_id, password_hash"


def _user(row: asyncpg.Record | None) -> User | None:
    return User(**dict(row)) if row else None


# --- companies and users -------------------------------------------------------------------------------------------
async def add_company(conn: asyncpg.Connection, *, company_id: UUID, name: str) -> datetime:
    return await conn.fetchval("INSERT INTO companies (id, name) VALUES ($1, $2) RETURNING created_at", company_id, name)


async def get_company(conn: asyncpg.Connection, company_id: UUID) -> Company | None:
    row = await conn.fetchrow("SELECT id, name FROM companies WHERE id = $1", company_id)
    return Company(**dict(row)) if row else None


async def add_user(conn: asyncpg.Connection, user: User) -> None:
    """Raises asyncpg.UniqueViolationError when the address is taken (one account per address, platform-wide)."""
    await conn.execute(
        f"INSERT INTO users ({_USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        user.id, user.email, user.name, user.role, user.status, user.company_id, user.password_hash,
    )


async def user_by_email(conn: asyncpg.Connection, email: str) -> User | None:
    return _user(await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE email = $1", email))


async def user_by_id(conn: asyncpg.Connection, user_id: UUID, *, company_id: UUID | None = None) -> User | None:
    """With `company_id`, a user of another company is not found (tenant isolation)."""
    row = await conn.fetchrow(
        f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)",
        user_id, company_id,
    )
    return _user(row)


async def users_of_company(conn: asyncpg.Connection, *, company_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, email, name, role, status, created_at FROM users WHERE company_id = $1 ORDER BY created_at, email",
        company_id,
    )


async def delete_user(conn: asyncpg.Connection, user_id: UUID, *, company_id: UUID) -> bool:
    """Refresh, reset and invitation tokens go with the user (ON DELETE CASCADE)."""
    result = await conn.execute("DELETE FROM users WHERE id = $1 AND company_id = $2", user_id, company_id)
    return result == "DELETE 1"


async def set_password(conn: asyncpg.Connection, user_id: UUID, password_hash: str) -> None:
    """Also activates an invited user: setting a password is how an invitation is accepted."""
    await conn.execute("UPDATE users SET password_hash = $2, status = 'active' WHERE id = $1", user_id, password_hash)


async def upgrade_password_hash(conn: asyncpg.Connection, user_id: UUID, *, old_hash: str, new_hash: str) -> None:
    """Conditional on the old hash: a password changed meanwhile is not overwritten with a stale one."""
    await conn.execute("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
                       user_id, old_hash, new_hash)


# --- refresh tokens ------------------------------------------------------------------------------------------------
async def add_refresh_token(conn: asyncpg.Connection, *, token_hash: bytes, family_id: UUID, user_id: UUID,
                            expires_at: datetime) -> None:
    await conn.execute(
        """INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)""",
        token_hash, family_id, user_id, expires_at,
    )


async def refresh_token(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT token_hash, family_id, user_id, expires_at, rotated_at, revoked_at FROM refresh_tokens
           WHERE token_hash = $1""",
        token_hash,
    )


async def mark_refresh_token_rotated(conn: asyncpg.Connection, token_hash: bytes) -> bool:
    """The one call that wins a race between two uses of the same token gets True."""
    result = await conn.execute(
        """UPDATE refresh_tokens SET rotated_at = now()
           WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()""",
        token_hash,
    )
    return result == "UPDATE 1"


async def revoke_family(conn: asyncpg.Connection, family_id: UUID) -> None:
    await conn.execute("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
                       family_id)


async def revoke_user_sessions(conn: asyncpg.Connection, user_id: UUID) -> None:
    await conn.execute("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
                       user_id)


# --- reset and invitation tokens -----------------------------------------------------------------------------------
async def replace_link_token(conn: asyncpg.Connection, *, user_id: UUID, purpose: str, token_hash: bytes,
                             expires_at: datetime) -> None:
    """A newer token of the same purpose makes the earlier ones useless."""
    await conn.execute("DELETE FROM link_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
                       user_id, purpose)
    await conn.execute(
        "INSERT INTO link_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash, user_id, purpose, expires_at,
    )


async def usable_link_token(conn: asyncpg.Connection, *, token_hash: bytes, purpose: str) -> UUID | None:
    """The user id of an unused, unexpired token, without using it."""
    return await conn.fetchval(
        """SELECT user_id FROM link_tokens
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()""",
        token_hash, purpose,
    )


async def use_link_token(conn: asyncpg.Connection, *, token_hash: bytes, purpose: str) -> UUID | None:
    """Single use: only the first call gets the user id."""
    return await conn.fetchval(
        """UPDATE link_tokens SET used_at = now()
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id""",
        token_hash, purpose,
    )


async def purge_expired_tokens(conn: asyncpg.Connection) -> None:
    await conn.execute("DELETE FROM link_tokens WHERE expires_at < now() - interval '1 day'")
    await conn.execute("DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'")


# --- forgot-password requests ----------------------------------------------------------------------------------------
async def next_reset_request_id(conn: asyncpg.Connection) -> int:
    """Taken before the insert: the id is part of what the sealed address is bound to."""
    return await conn.fetchval("SELECT nextval(pg_get_serial_sequence('reset_requests', 'id'))")


async def add_reset_request(conn: asyncpg.Connection, *, request_id: int, email_sealed: bytes) -> None:
    await conn.execute("INSERT INTO reset_requests (id, email_sealed) VALUES ($1, $2)", request_id, email_sealed)


async def claim_reset_requests(conn: asyncpg.Connection, *, limit: int) -> list[asyncpg.Record]:
    """Oldest first; rows another instance is working on are skipped."""
    return await conn.fetch(
        "SELECT id, email_sealed FROM reset_requests ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", limit)


async def delete_reset_request(conn: asyncpg.Connection, request_id: int) -> None:
    await conn.execute("DELETE FROM reset_requests WHERE id = $1", request_id)
