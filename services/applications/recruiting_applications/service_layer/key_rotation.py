"""Key-ring rotation: after a new key-encryption key is put first in KEY_RING, every data key is re-wrapped with
it; afterwards the old key can be removed from the ring. Safe to run while the service runs (each vault entry is
replaced atomically) and to run again (entries already under the active key are left alone)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from ..adapters.crypto import WrappedKey
from ..adapters.keys import KeyMaterial


@dataclass(frozen=True)
class RewrapReport:
    entries: int
    rewrapped: int


def rewrap_all(keys: KeyMaterial) -> RewrapReport:
    entries = rewrapped = 0
    for application_id in keys.vault.application_ids():

        def under_active_key(wrapped: WrappedKey) -> WrappedKey | None:
            if wrapped.kek_id == keys.ring.active_id:
                return None
            return keys.ring.wrap(keys.ring.unwrap(wrapped, application_id))

        seen = keys.vault.get(application_id) is not None
        changed = keys.vault.replace_if_present(application_id, under_active_key)
        entries += seen
        rewrapped += changed
    return RewrapReport(entries=entries, rewrapped=rewrapped)


async def prune_orphans(keys: KeyMaterial, database_url: str, *, older_than: timedelta = timedelta(hours=1)) -> int:
    """Shred vault entries whose application is not in the database: left by a request whose transaction failed
    after its key was stored, or by an erasure whose shred did not happen. Entries younger than `older_than` are
    left alone (their application may be committing right now)."""
    cutoff = time.time() - older_than.total_seconds()
    conn = await asyncpg.connect(database_url)
    try:
        living = {row["application_id"] for row in await conn.fetch("SELECT application_id FROM applications")}
        pruned = 0
        for application_id in keys.vault.application_ids():
            if application_id in living or keys.vault.modified_at(application_id) > cutoff:
                continue
            if await conn.fetchval("SELECT 1 FROM applications WHERE application_id = $1", application_id):
                continue
            pruned += keys.vault.shred(application_id)
        return pruned
    finally:
        await conn.close()
