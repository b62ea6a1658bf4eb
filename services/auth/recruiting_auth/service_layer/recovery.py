"""Password reset (OWASP Forgot Password Cheat Sheet) and accepting an invitation; both set a password with a token
from an e-mailed link.

Forgot password: the request path only rate-limits by client address and queues the request (the address sealed);
a background loop looks the account up, makes the token and queues the e-mail. So the answer is the same, and costs
the same, whether or not the account exists. Per account at most `rate_limit_forgot_account` e-mails go out per
window; further requests are dropped silently, never answered with an error, so an attacker can neither learn
anything nor keep the owner from resetting: a dropped request makes no new token, so the link already in the owner's mailbox keeps working."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import asyncpg

from ..adapters import emails
from ..adapters import repository as repo
from ..adapters.rate_limiter import bucket
from ..domain.commands import RequestPasswordReset, SetPasswordWithToken
from ..domain.errors import InvalidLinkToken, RateLimited
from ..domain.model import normalize_email
from ..domain.tokens import hash_token, new_token
from .accounts import check_password_policy
from .context import Auth
from .sessions import clear_login_failures

log = logging.getLogger(__name__)

RESET = "password_reset"
INVITATION = "invitation"
BATCH = 50


async def request_password_reset(cmd: RequestPasswordReset, auth: Auth) -> None:
    verdict = await auth.limiter.hit(bucket("forgot-ip", cmd.client_ip), auth.settings.limit("forgot_ip"))
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    async with auth.pool.acquire() as conn:
        request_id = await repo.next_reset_request_id(conn)
        sealed = auth.request_sealer.seal(normalize_email(cmd.email).encode(), _context(request_id))
        await repo.add_reset_request(conn, request_id=request_id, email_sealed=sealed)
    auth.reset_requests_waiting.set()


async def process_reset_requests(auth: Auth) -> None:
    """Background loop: works off queued forgot-password requests."""
    while True:
        try:
            while await process_reset_batch(auth) == BATCH:
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("reset requests round failed", extra={"error_type": type(exc).__name__})
        with suppress(TimeoutError):
            await asyncio.wait_for(auth.reset_requests_waiting.wait(), auth.settings.mail_poll_seconds)
        auth.reset_requests_waiting.clear()


async def process_reset_batch(auth: Auth) -> int:
    sent = 0
    async with auth.pool.acquire() as conn, conn.transaction():
        rows = await repo.claim_reset_requests(conn, limit=BATCH)
        for row in rows:
            await repo.delete_reset_request(conn, row["id"])
            try:
                async with conn.transaction():  # a savepoint: one bad request must not hold up the others
                    email = auth.request_sealer.open(row["email_sealed"], _context(row["id"])).decode()
                    sent += await _send_reset_link(conn, email, auth)
            except Exception as exc:
                log.error("password reset request dropped", extra={"error_type": type(exc).__name__})
    if sent:
        auth.mail.wake()
    return len(rows)


async def _send_reset_link(conn: asyncpg.Connection, email: str, auth: Auth) -> int:
    user = await repo.user_by_email(conn, email)
    if user is None or not user.can_log_in:
        return 0
    verdict = await auth.limiter.hit(bucket("forgot-account", email), auth.settings.limit("forgot_account"))
    if not verdict.allowed:
        log.warning("password reset e-mails for this account are throttled", extra={"user_id": str(user.id)})
        return 0
    token, token_hash = new_token()
    ttl = timedelta(seconds=auth.settings.password_reset_ttl_seconds)
    expires_at = datetime.now(UTC) + ttl
    await repo.replace_link_token(conn, user_id=user.id, purpose=RESET, token_hash=token_hash, expires_at=expires_at)
    subject, text = emails.password_reset(auth.settings.public_url, token, int(ttl.total_seconds() // 60))
    await auth.mail.enqueue(conn, to=user.email, subject=subject, text=text, expires_at=expires_at)
    log.info("password reset link queued", extra={"user_id": str(user.id)})
    return 1


async def reset_password(cmd: SetPasswordWithToken, auth: Auth) -> None:
    """A new password, every session of the user ended, a notification e-mail; no automatic login."""
    user = await _set_password(cmd, RESET, auth, notify=True)
    await clear_login_failures(user.email, auth)
    log.info("password reset", extra={"user_id": str(user.id)})


async def accept_invitation(cmd: SetPasswordWithToken, auth: Auth) -> None:
    user = await _set_password(cmd, INVITATION, auth, notify=False)
    log.info("invitation accepted", extra={"user_id": str(user.id)})


async def _set_password(cmd: SetPasswordWithToken, purpose: str, auth: Auth, *, notify: bool):
    token_hash = hash_token(cmd.token)
    async with auth.pool.acquire() as conn:
        user_id = await repo.usable_link_token(conn, token_hash=token_hash, purpose=purpose)
        user = await repo.user_by_id(conn, user_id) if user_id else None
    if user is None:
        raise InvalidLinkToken()
    # The policy is checked before the token is used, so a refused password does not cost the user the link.
    await check_password_policy(cmd.password, user.email, auth, user.name)
    password_hash = await auth.passwords.hash(cmd.password)
    async with auth.pool.acquire() as conn, conn.transaction():
        if await repo.use_link_token(conn, token_hash=token_hash, purpose=purpose) != user.id:
            raise InvalidLinkToken()
        await repo.set_password(conn, user.id, password_hash)
        await repo.revoke_user_sessions(conn, user.id)
        if notify:
            subject, text = emails.password_changed()
            await auth.mail.enqueue(conn, to=user.email, subject=subject, text=text,
                                    expires_at=datetime.now(UTC) + timedelta(days=1))
    if notify:
        auth.mail.wake()
    return user


def _context(request_id: int) -> bytes:
    return f"reset_requests:{request_id}".encode()
