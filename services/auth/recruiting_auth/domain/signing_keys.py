"""When a signing key signs and when it is published.

Keys form a timeline: each has an activation time, and the newest activated key signs. A new key is published in
the JWKS `publish_ahead` before it activates, so every verifier's cache has it before the first token that names
it. A key stops signing when its successor activates, and stays published until every token it signed has expired
(the access-token lifetime plus a margin for instances that have not re-read the key table yet). Nobody is logged
out by a rotation: old tokens verify until they expire, refresh tokens are opaque and do not depend on keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class KeyVersion:
    kid: str
    activates_at: datetime


def signing_key(keys: Sequence[KeyVersion], now: datetime) -> KeyVersion | None:
    active = [key for key in keys if key.activates_at <= now]
    return max(active, key=lambda key: key.activates_at, default=None)


def retired_at(key: KeyVersion, keys: Sequence[KeyVersion]) -> datetime | None:
    """When the key's successor took over, or None while it is the newest."""
    later = [other.activates_at for other in keys if other.activates_at > key.activates_at]
    return min(later, default=None)


def published_keys(keys: Sequence[KeyVersion], now: datetime, keep_after_retirement: timedelta) -> list[KeyVersion]:
    published = []
    for key in keys:
        retired = retired_at(key, keys)
        if retired is None or retired > now - keep_after_retirement:
            published.append(key)
    return sorted(published, key=lambda key: key.activates_at)


def forgettable_keys(keys: Sequence[KeyVersion], now: datetime, keep_after_retirement: timedelta) -> list[KeyVersion]:
    """Retired keys that no live token can name any more."""
    published = {key.kid for key in published_keys(keys, now, keep_after_retirement)}
    return [key for key in keys if key.kid not in published]


def rotation_due(keys: Sequence[KeyVersion], now: datetime, max_age: timedelta) -> bool:
    """True when there is no key, or the newest key (pending or active) is older than `max_age`."""
    newest = max(keys, key=lambda key: key.activates_at, default=None)
    return newest is None or newest.activates_at <= now - max_age
