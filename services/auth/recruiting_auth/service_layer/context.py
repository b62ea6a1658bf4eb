"""What the auth handlers work with, built once in bootstrap.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
from recruiting_shared.service import Runtime

from ..adapters.hashing import Passwords
from ..adapters.keyring import Keyring
from ..adapters.mail_queue import MailQueue
from ..adapters.rate_limiter import RateLimiter
from ..adapters.crypto import Sealer
from ..config import AuthSettings


@dataclass
class Auth:
    settings: AuthSettings
    runtime: Runtime
    passwords: Passwords
    keyring: Keyring
    mail: MailQueue
    limiter: RateLimiter
    request_sealer: Sealer
    reset_requests_waiting: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool
