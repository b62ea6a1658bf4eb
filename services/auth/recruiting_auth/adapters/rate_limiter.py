"""Rate-limit counters in PostgreSQL: every instance of the service counts in the same place, and a restart does
not hand an attacker a fresh budget. Buckets name a hash of the e-mail address or client address, never the value."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg

from ..domain.rate_limits import Limit, Verdict

Counted = tuple[str, Limit]  # a bucket and its limit


def bucket(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class RateLimiter:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def hit(self, bucket_name: str, limit: Limit) -> Verdict:
        """Count one hit; refused once the window holds more than `limit.hits`."""
        return (await self.check(hits=[(bucket_name, limit)]))[0]

    async def check(self, *, hits: Sequence[Counted] = (), peeks: Sequence[Counted] = ()) -> list[Verdict]:
        """Count a hit in each of `hits` and look at each of `peeks` without counting (failure budgets are only
        counted on failure), in one round trip. A peeked bucket is refused once it is full."""
        now = datetime.now(UTC)
        windows = [limit.window_start(now) for _, limit in (*hits, *peeks)]
        rows = await self.pool.fetch(
            """WITH hit AS (
                   INSERT INTO rate_limit_hits (bucket, window_start, expires_at, hits)
                   SELECT bucket, window_start, expires_at, 1
                   FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS h(bucket, window_start, expires_at)
                   ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
                   RETURNING bucket, hits)
               SELECT bucket, hits FROM hit
               UNION ALL
               SELECT r.bucket, r.hits FROM rate_limit_hits r
               JOIN unnest($4::text[], $5::timestamptz[]) AS p(bucket, window_start)
                 ON r.bucket = p.bucket AND r.window_start = p.window_start""",
            [name for name, _ in hits], windows[:len(hits)],
            [window + timedelta(seconds=limit.seconds) for window, (_, limit) in zip(windows, hits)],
            [name for name, _ in peeks], windows[len(hits):],
        )
        counts = {row["bucket"]: row["hits"] for row in rows}
        return ([self._verdict(counts.get(name, 0), limit, now, counted=True) for name, limit in hits]
                + [self._verdict(counts.get(name, 0), limit, now, counted=False) for name, limit in peeks])

    async def clear(self, bucket_name: str) -> None:
        await self.pool.execute("DELETE FROM rate_limit_hits WHERE bucket = $1", bucket_name)

    async def purge_expired(self) -> None:
        await self.pool.execute("DELETE FROM rate_limit_hits WHERE expires_at < now()")

    @staticmethod
    def _verdict(hits: int, limit: Limit, now: datetime, *, counted: bool) -> Verdict:
        allowed = hits <= limit.hits if counted else hits < limit.hits
        return Verdict(allowed, 0 if allowed else limit.retry_after(now))
