"""The login handler with fakes for the database, the limiter, the hasher and the keyring: what it asks of each,
in which case (no I/O)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from types import SimpleNamespace
from uuid import uuid4

import pytest
from recruiting_auth.adapters import repository
from recruiting_auth.config import AuthSettings
from recruiting_auth.domain.commands import LogIn
from recruiting_auth.domain.errors import InvalidCredentials, RateLimited
from recruiting_auth.domain.model import User
from recruiting_auth.domain.rate_limits import Verdict
from recruiting_auth.service_layer import sessions


class FakePool:
    @asynccontextmanager
    async def acquire(self):
        yield SimpleNamespace()


class FakeLimiter:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.counted: list[str] = []
        self.peeked: list[str] = []

    async def check(self, *, hits=(), peeks=()):
        self.counted += [name.split(":")[0] for name, _ in hits]
        self.peeked += [name.split(":")[0] for name, _ in peeks]
        verdict = Verdict(False, 42) if self.refuse else Verdict(True)
        return [verdict for _ in (*hits, *peeks)]


class FakePasswords:
    def __init__(self, correct: str) -> None:
        self.correct = correct
        self.verified_hashes: list[str | None] = []

    async def verify(self, password_hash, password):
        self.verified_hashes.append(password_hash)
        return password_hash is not None and password == self.correct

    def needs_rehash(self, password_hash):
        return False


class FakeKeyring:
    def sign(self, claims: dict) -> str:
        return f"jwt-for-{claims['sub']}-{claims['role']}"


def fake_auth(*, refuse: bool = False, correct: str = "right-password"):
    return SimpleNamespace(settings=AuthSettings(), pool=FakePool(), limiter=FakeLimiter(refuse),
                           passwords=FakePasswords(correct), keyring=FakeKeyring())


@pytest.fixture
def users(monkeypatch):
    known: dict[str, User] = {}
    stored_refresh: list[bytes] = []

    async def user_by_email(conn, email):
        return known.get(email)

    async def add_refresh_token(conn, *, token_hash, family_id, user_id, expires_at):
        stored_refresh.append(token_hash)

    monkeypatch.setattr(repository, "user_by_email", user_by_email)
    monkeypatch.setattr(repository, "add_refresh_token", add_refresh_token)
    return SimpleNamespace(known=known, stored_refresh=stored_refresh)


def a_user(status: str = "active") -> User:
    return User(uuid4(), "ada@example.com", "Ada", "admin", status, uuid4(),
                "$argon2id$stored" if status == "active" else None)


async def test_a_throttled_login_costs_no_hash_and_counts_nothing_more(users):
    users.known["ada@example.com"] = a_user()
    auth = fake_auth(refuse=True)
    with pytest.raises(RateLimited) as refused:
        await sessions.log_in(LogIn("Ada@Example.com", "right-password", "203.0.113.9"), auth)
    assert refused.value.headers == {"Retry-After": "42"}
    assert auth.passwords.verified_hashes == []
    assert auth.limiter.counted == ["login-ip"]


async def test_an_unknown_address_is_verified_against_nothing_and_counted_as_a_failure(users):
    auth = fake_auth()
    with pytest.raises(InvalidCredentials):
        await sessions.log_in(LogIn("nobody@example.com", "right-password", "203.0.113.9"), auth)
    assert auth.passwords.verified_hashes == [None], "the dummy hash is verified, as long as a real one"
    assert auth.limiter.counted == ["login-ip", "login-fail-ip", "login-fail-account"]


async def test_an_invited_user_without_a_password_cannot_log_in(users):
    users.known["ada@example.com"] = a_user(status="invited")
    auth = fake_auth()
    with pytest.raises(InvalidCredentials):
        await sessions.log_in(LogIn("ada@example.com", "right-password", "203.0.113.9"), auth)


async def test_a_successful_login_stores_only_the_refresh_token_hash(users):
    user = users.known["ada@example.com"] = a_user()
    auth = fake_auth()
    pair = await sessions.log_in(LogIn(" ADA@example.com ", "right-password", "203.0.113.9"), auth)
    assert pair.access_token == f"jwt-for-{user.id}-admin"
    assert pair.expires_in == 900 and pair.token_type == "Bearer"
    assert len(users.stored_refresh) == 1 and pair.refresh_token.encode() not in users.stored_refresh[0]
    assert auth.limiter.counted == ["login-ip"], "a success does not touch the failure budgets"
