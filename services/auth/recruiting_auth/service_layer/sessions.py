"""Login, refresh-token rotation, logout.

Access tokens are short-lived JWTs; refresh tokens are opaque, stored as hashes, and rotated on every use. A refresh
token used a second time means it was copied: the whole family (every token descended from the same login) is
revoked, so the thief and the user both have to log in again, and the thief cannot."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
from recruiting_shared.auth import AUDIENCE, ISSUER

from ..adapters import metrics
from ..adapters import repository as repo
from ..adapters.rate_limiter import bucket
from ..domain.commands import LogIn
from ..domain.errors import InvalidCredentials, InvalidRefreshToken, RateLimited
from ..domain.model import User, normalize_email
from ..domain.refresh_tokens import is_replay
from ..domain.tokens import hash_token, new_token
from .context import Auth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


async def log_in(cmd: LogIn, auth: Auth) -> TokenPair:
    email = normalize_email(cmd.email)
    try:
        await _check_login_limits(email, cmd.client_ip, auth)
    except RateLimited:
        metrics.logins.labels("throttled").inc()
        raise
    async with auth.pool.acquire() as conn:
        user = await repo.user_by_email(conn, email)
    password_hash = user.password_hash if user and user.can_log_in else None
    if not await auth.passwords.verify(password_hash, cmd.password):
        await _count_failure(email, cmd.client_ip, auth)
        metrics.logins.labels("failed").inc()
        raise InvalidCredentials()
    metrics.logins.labels("succeeded").inc()
    async with auth.pool.acquire() as conn:
        if auth.passwords.needs_rehash(password_hash):
            await repo.upgrade_password_hash(conn, user.id, old_hash=password_hash,
                                             new_hash=await auth.passwords.hash(cmd.password))
        return await issue_pair(conn, user, auth, family_id=uuid4())


async def _check_login_limits(email: str, client_ip: str, auth: Auth) -> None:
    """Every attempt counts against the address's request budget; only failures count against the failure budgets
    of the address and of the account, so a busy office behind one address is not throttled for logging in."""
    settings = auth.settings
    verdicts = await auth.limiter.check(
        hits=[(bucket("login-ip", client_ip), settings.limit("login_ip"))],
        peeks=[(bucket("login-fail-ip", client_ip), settings.limit("login_failures_ip")),
               (bucket("login-fail-account", email), settings.limit("login_failures_account"))],
    )
    refused = [verdict.retry_after for verdict in verdicts if not verdict.allowed]
    if refused:
        raise RateLimited(max(refused))


async def _count_failure(email: str, client_ip: str, auth: Auth) -> None:
    await auth.limiter.check(hits=[(bucket("login-fail-ip", client_ip), auth.settings.limit("login_failures_ip")),
                                   (bucket("login-fail-account", email), auth.settings.limit("login_failures_account"))])


async def clear_login_failures(email: str, auth: Auth) -> None:
    """After a password reset the owner has proved control of the mailbox: give the account its budget back."""
    await auth.limiter.clear(bucket("login-fail-account", normalize_email(email)))


async def refresh(token: str, auth: Auth) -> TokenPair:
    token_hash = hash_token(token)
    async with auth.pool.acquire() as conn:
        async with conn.transaction():
            pair = await _rotate(conn, token_hash, auth)
    if pair is None:
        # Raised after the commit: a revoked family must stay revoked.
        raise InvalidRefreshToken()
    return pair


async def _rotate(conn: asyncpg.Connection, token_hash: bytes, auth: Auth) -> TokenPair | None:
    stored = await repo.refresh_token(conn, token_hash)
    if stored is None:
        return None
    if not await repo.mark_refresh_token_rotated(conn, token_hash):
        if is_replay(rotated_at=stored["rotated_at"], revoked_at=stored["revoked_at"],
                     expires_at=stored["expires_at"], now=datetime.now(UTC)):
            await repo.revoke_family(conn, stored["family_id"])
            metrics.refresh_reuse.inc()
            log.warning("refresh token reused, family revoked", extra={"user_id": str(stored["user_id"])})
        return None
    user = await repo.user_by_id(conn, stored["user_id"])
    if user is None or not user.can_log_in:
        return None
    return await issue_pair(conn, user, auth, family_id=stored["family_id"])


async def log_out(token: str, auth: Auth) -> None:
    """Ends the login the token belongs to; an unknown token is not an error (logging out twice is fine)."""
    async with auth.pool.acquire() as conn, conn.transaction():
        stored = await repo.refresh_token(conn, hash_token(token))
        if stored is not None:
            await repo.revoke_family(conn, stored["family_id"])


async def issue_pair(conn: asyncpg.Connection, user: User, auth: Auth, *, family_id: UUID) -> TokenPair:
    """On the caller's connection; when refreshing, inside the transaction that rotated the old token."""
    refresh_token, refresh_hash = new_token()
    expires_at = datetime.now(UTC) + timedelta(seconds=auth.settings.refresh_token_ttl_seconds)
    await repo.add_refresh_token(conn, token_hash=refresh_hash, family_id=family_id, user_id=user.id,
                                 expires_at=expires_at)
    return TokenPair(access_token=access_token(user, auth), refresh_token=refresh_token,
                     expires_in=auth.settings.access_token_ttl_seconds)


def access_token(user: User, auth: Auth) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(user.id), "role": user.role, "iat": now,
              "exp": now + auth.settings.access_token_ttl_seconds, "jti": uuid4().hex}
    if user.company_id is not None:
        claims["company_id"] = str(user.company_id)
    return auth.keyring.sign(claims)
