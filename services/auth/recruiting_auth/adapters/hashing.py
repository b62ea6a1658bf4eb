"""Password hashing with Argon2id on a small thread pool of its own.

argon2-cffi releases the GIL while hashing, so the event loop keeps serving while a hash runs; the pool is bounded
(`hashing_threads`) because every running hash holds `argon2_memory_kib` of memory. The password policy check
(zxcvbn, a few milliseconds of pure Python) runs on the same pool."""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..config import AuthSettings
from ..domain.passwords import password_problems


class Passwords:
    def __init__(self, settings: AuthSettings) -> None:
        self._hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                                      parallelism=settings.argon2_parallelism)
        self._pool = ThreadPoolExecutor(settings.hashing_threads, thread_name_prefix="argon2")
        # Verified against when the account does not exist, so an unknown address costs the same time as a known one.
        self._dummy_hash: str | None = None

    async def _run(self, function, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(function, *args, **kwargs))

    async def start(self) -> None:
        self._dummy_hash = await self.hash(secrets.token_urlsafe(16))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password and for a missing hash (after the same amount of work)."""
        try:
            return await self._run(self._hasher.verify, password_hash or self._dummy_hash, password) and bool(password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than configured now (upgrade it at the next login)."""
        return self._hasher.check_needs_rehash(password_hash)

    async def policy_problems(self, password: str, *, email: str, other_inputs: tuple[str, ...] = ()) -> list[str]:
        return await self._run(password_problems, password, email=email, other_inputs=other_inputs)
