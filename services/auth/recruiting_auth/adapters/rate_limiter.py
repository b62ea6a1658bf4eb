"""Rate-limit counters in PostgreSQL: every instance of the service counts in the same place, and a restart does
not hand an attacker a fresh budget. Buckets name a hash of the e-mail address or client address, never the value."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import asyncpg

from ..domain.rate_limits import Limit, Verdict


def bucket(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class RateLimiter:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def hit(self, bucket_name: str, limit: Limit) -> Verdict:
        """Count one hit; refused once the window holds more than `limit.hits`."""
        now = datetime.now(UTC)
        window = limit.window_start(now)
        hits = await self.pool.fetchval(
            """INSERT INTO rate_limit_hits (bucket, window_start, expires_at, hits) VALUES ($1, $2, $3, 1)
               ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
               RETURNING hits""",
            bucket_name, window, window + timedelta(seconds=limit.seconds),
        )
        return self._verdict(hits, limit, now, counted=True)

    async def peek(self, bucket_name: str, limit: Limit) -> Verdict:
        """Whether the bucket is already full, without counting (failure budgets are counted only on failure)."""
        now = datetime.now(UTC)
        hits = await self.pool.fetchval(
            "SELECT hits FROM rate_limit_hits WHERE bucket = $1 AND window_start = $2", bucket_name,
            limit.window_start(now),
        )
        return self._verdict(hits or 0, limit, now, counted=False)

    async def clear(self, bucket_name: str) -> None:
        await self.pool.execute("DELETE FROM rate_limit_hits WHERE bucket = $1", bucket_name)

    async def purge_expired(self) -> None:
        await self.pool.execute("DELETE FROM rate_limit_hits WHERE expires_at < now()")

    @staticmethod
    def _verdict(hits: int, limit: Limit, now: datetime, *, counted: bool) -> Verdict:
        allowed = hits <= limit.hits if counted else hits < limit.hits
        return Verdict(allowed, 0 if allowed else limit.retry_after(now))
