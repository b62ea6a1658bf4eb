"""Argon2id with OWASP's parameters, run on the hashing thread pool rather than on the event loop."""

from __future__ import annotations

import threading

from argon2 import extract_parameters
from recruiting_auth.adapters.hashing import Passwords
from recruiting_auth.config import AuthSettings


async def test_hashes_are_argon2id_with_owasp_parameters_made_off_the_event_loop():
    passwords = Passwords(AuthSettings())
    threads = []
    real = passwords._hasher

    class RecordingHasher:
        def hash(self, password: str) -> str:
            threads.append(threading.current_thread())
            return real.hash(password)

    passwords._hasher = RecordingHasher()
    try:
        await passwords.start()
        stored = await passwords.hash("correct-horse-battery-staple-9")
    finally:
        passwords.close()
    parameters = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)
    assert threads and all(thread is not threading.main_thread() for thread in threads)
    assert all(thread.name.startswith("argon2") for thread in threads)


async def test_verify_accepts_the_password_only_and_refuses_a_missing_hash():
    passwords = Passwords(AuthSettings())
    try:
        await passwords.start()
        stored = await passwords.hash("correct-horse-battery-staple-9")
        assert await passwords.verify(stored, "correct-horse-battery-staple-9")
        assert not await passwords.verify(stored, "correct-horse-battery-staple-8")
        assert not await passwords.verify(None, "correct-horse-battery-staple-9")
        assert not await passwords.verify("not-a-hash", "x")
        assert not passwords.needs_rehash(stored)
    finally:
        passwords.close()
