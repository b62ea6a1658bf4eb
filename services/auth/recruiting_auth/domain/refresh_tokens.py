"""What a refresh token that could not be rotated means."""

from __future__ import annotations

from datetime import datetime


def is_replay(*, rotated_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime) -> bool:
    """True when the token was presented although it had been rotated already, or lost the rotation to a use at
    the same moment (it was neither revoked nor expired, yet could not be rotated): in both cases a copy of it is
    around, and its whole family must be revoked. A revoked or expired token is merely refused."""
    if rotated_at is not None:
        return True
    return revoked_at is None and expires_at > now
