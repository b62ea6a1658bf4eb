"""Fixed-window rate limits: at most `hits` per window of `seconds`. Fixed windows allow a burst of twice the limit
around a window boundary; for throttling password guessing that is acceptable and keeps the counter one row."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Limit:
    hits: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """'10/900' is ten per 15 minutes."""
        match = _SPEC.match(text)
        if not match or int(match.group(2)) <= 0:
            raise ValueError(f"a rate limit is written hits/seconds, e.g. 10/900, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def window_start(self, now: datetime) -> datetime:
        epoch = now.timestamp()
        return datetime.fromtimestamp(epoch - epoch % self.seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the current window ends (at least 1), for the Retry-After header."""
        end = self.window_start(now) + timedelta(seconds=self.seconds)
        return max(1, math.ceil((end - now).total_seconds()))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
