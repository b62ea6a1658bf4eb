"""Key-ring rotation: after a new key-encryption key is put first in KEY_RING, every data key is re-wrapped with
it; afterwards the old key can be removed from the ring. Safe to run while the service runs (each vault entry is
replaced atomically) and to run again (entries already under the active key are left alone)."""

from __future__ import annotations

from dataclasses import dataclass

from ..adapters.keys import KeyMaterial


@dataclass(frozen=True)
class RewrapReport:
    entries: int
    rewrapped: int


def rewrap_all(keys: KeyMaterial) -> RewrapReport:
    entries = rewrapped = 0
    for application_id in keys.vault.application_ids():
        wrapped = keys.vault.get(application_id)
        if wrapped is None:  # erased meanwhile
            continue
        entries += 1
        if wrapped.kek_id == keys.ring.active_id:
            continue
        keys.vault.put(application_id, keys.ring.wrap(keys.ring.unwrap(wrapped, application_id)))
        rewrapped += 1
    return RewrapReport(entries=entries, rewrapped=rewrapped)
