"""Companies and their users: sign-up, invitations, the user list, deletion, the bootstrap operator, /me."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
from recruiting_shared.auth import Principal
from recruiting_shared.events import CompanyRegistered
from recruiting_shared.problems import Unauthorized

from ..adapters import emails
from ..adapters import repository as repo
from ..adapters.rate_limiter import bucket
from ..domain.commands import InviteUser, SignUpCompany
from ..domain.errors import CannotDeleteSelf, EmailTaken, RateLimited, UserNotFound, WeakPassword
from ..domain.model import Company, User, normalize_email
from ..domain.tokens import new_token
from .context import Auth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Me:
    user: User
    company: Company | None


async def sign_up(cmd: SignUpCompany, auth: Auth) -> tuple[UUID, UUID]:
    """The company and its first user (an admin), and company.registered in the same transaction."""
    verdict = await auth.limiter.hit(bucket("signup-ip", cmd.client_ip), auth.settings.limit("signup_ip"))
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    email = normalize_email(cmd.email)
    await check_password_policy(cmd.password, email, auth, cmd.name, cmd.company_name)
    password_hash = await auth.passwords.hash(cmd.password)
    company_id, user_id = uuid4(), uuid4()
    async with auth.pool.acquire() as conn, conn.transaction():
        registered_at = await repo.add_company(conn, company_id=company_id, name=cmd.company_name)
        user = User(user_id, email, cmd.name, "admin", "active", company_id, password_hash)
        await _add_user(conn, user)
        await auth.runtime.outbox.add(
            conn, CompanyRegistered(company_id=company_id, company_name=cmd.company_name, registered_at=registered_at))
    log.info("company registered", extra={"company_id": str(company_id), "user_id": str(user_id)})
    return company_id, user_id


async def check_password_policy(password: str, email: str, auth: Auth, *other_inputs: str) -> None:
    problems = await auth.passwords.policy_problems(password, email=email, other_inputs=other_inputs)
    if problems:
        raise WeakPassword(problems)


async def _add_user(conn: asyncpg.Connection, user: User) -> None:
    try:
        async with conn.transaction():
            await repo.add_user(conn, user)
    except asyncpg.UniqueViolationError:
        raise EmailTaken() from None


async def invite_user(cmd: InviteUser, auth: Auth) -> User:
    """An invited user has no password until they follow the link in the invitation and choose one. Inviting an
    address again while its invitation is pending (in the same company) sends a fresh link instead of failing."""
    token, token_hash = new_token()
    ttl = timedelta(seconds=auth.settings.invitation_ttl_seconds)
    email = normalize_email(cmd.email)
    async with auth.pool.acquire() as conn, conn.transaction():
        company = await repo.get_company(conn, cmd.company_id)
        inviter = await repo.user_by_id(conn, cmd.invited_by, company_id=cmd.company_id)
        if company is None or inviter is None:
            raise UserNotFound()
        user = await repo.user_by_email(conn, email)
        if user is None:
            user = User(uuid4(), email, cmd.name, cmd.role, "invited", cmd.company_id, None)
            await _add_user(conn, user)
        elif user.company_id != cmd.company_id or user.status != "invited":
            raise EmailTaken()
        await repo.replace_link_token(conn, user_id=user.id, purpose="invitation", token_hash=token_hash,
                                      expires_at=datetime.now(UTC) + ttl)
        subject, text = emails.invitation(auth.settings.public_url, token, company.name, inviter.name, ttl.days)
        await auth.mail.enqueue(conn, to=user.email, subject=subject, text=text, expires_at=datetime.now(UTC) + ttl)
    auth.mail.wake()
    log.info("user invited", extra={"company_id": str(cmd.company_id), "user_id": str(user.id)})
    return user


async def list_users(company_id: UUID, auth: Auth) -> list[asyncpg.Record]:
    async with auth.pool.acquire() as conn:
        return await repo.users_of_company(conn, company_id=company_id)


async def delete_user(admin: Principal, user_id: UUID, auth: Auth) -> None:
    """A user of another company is 'not found'. The user's sessions end with it (their refresh tokens are gone);
    an access token already issued lives out its few minutes, but /me and refresh refuse it at once."""
    if user_id == admin.user_id:
        raise CannotDeleteSelf()
    async with auth.pool.acquire() as conn:
        if not await repo.delete_user(conn, user_id, company_id=admin.company_id):
            raise UserNotFound()
    log.info("user deleted", extra={"company_id": str(admin.company_id), "user_id": str(user_id)})


async def me(principal: Principal, auth: Auth) -> Me:
    async with auth.pool.acquire() as conn:
        user = await repo.user_by_id(conn, principal.user_id)
        if user is None or not user.can_log_in:
            # Deleted since the token was issued: the token no longer stands for anyone.
            raise Unauthorized("The access token is not valid.")
        company = await repo.get_company(conn, user.company_id) if user.company_id else None
    return Me(user, company)


async def bootstrap_operator(auth: Auth) -> None:
    """Creates the first operator from BOOTSTRAP_OPERATOR_EMAIL / _PASSWORD when no account has that address. An
    existing account is left alone: the variables seed the platform once, they do not reset a password."""
    settings = auth.settings
    if not settings.bootstrap_operator_email or settings.bootstrap_operator_password is None:
        return
    email = normalize_email(settings.bootstrap_operator_email)
    async with auth.pool.acquire() as conn:
        if await repo.user_by_email(conn, email):
            return
        password = settings.bootstrap_operator_password.get_secret_value()
        user = User(uuid4(), email, "Platform operator", "operator", "active", None, await auth.passwords.hash(password))
        try:
            await repo.add_user(conn, user)
        except asyncpg.UniqueViolationError:
            return  # another instance was quicker
    log.info("bootstrap operator created", extra={"user_id": str(user.id)})
