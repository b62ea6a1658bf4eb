"""PostgreSQL: the service's own database, created when missing, migrated under an advisory lock, and a pool."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number works; it only has to be the same for every instance of every service.
MIGRATION_LOCK_KEY = 7_311_002


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str
    checksum: str


def load_migrations(*folders: Path) -> list[Migration]:
    """The shared library's migrations first (as `shared:NNNN_name`), then the service's, each in file-name order."""
    found = []
    for folder in folders:
        prefix = "shared:" if folder == SHARED_MIGRATIONS else ""
        for path in sorted(folder.glob("*.sql")):
            sql = path.read_text()
            found.append(Migration(prefix + path.stem, sql, hashlib.sha256(sql.encode()).hexdigest()))
    return found


async def ensure_database(server_url: str, name: str) -> None:
    """Create the database when missing; two processes racing here both succeed."""
    conn = await asyncpg.connect(f"{server_url.rstrip('/')}/postgres")
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            pass
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(f"{server_url.rstrip('/')}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrate(database_url: str, migrations: Sequence[Migration]) -> list[str]:
    """Apply what is not applied yet, each migration in its own transaction, under a session advisory lock so that
    two instances starting together apply every migration once. Returns the versions applied by this call."""
    conn = await asyncpg.connect(database_url)
    applied_now = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {r["version"]: r["checksum"] for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")}
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    log.warning("applied migration changed on disk", extra={"version": migration.version})
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version, migration.checksum,
                )
            applied_now.append(migration.version)
            log.info("migration applied", extra={"version": migration.version})
    finally:
        try:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        finally:
            await conn.close()
    return applied_now


async def _init_connection(conn: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await conn.set_type_codec(json_type, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(database_url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(database_url, min_size=min_size, max_size=max_size, init=_init_connection)


async def prepare_database(server_url: str, name: str, *migration_folders: Path) -> list[str]:
    await ensure_database(server_url, name)
    return await migrate(f"{server_url.rstrip('/')}/{name}", load_migrations(SHARED_MIGRATIONS, *migration_folders))
