"""Sessions of the auth service for any service's tests: sign up a fresh company, log in, log in the operator.

    auth = stack.service("auth", BOOTSTRAP_OPERATOR_EMAIL="ops@example.com", BOOTSTRAP_OPERATOR_PASSWORD="...")
    await auth.wait_ready()
    admin = await signup_company(auth.url)            # a new company with a unique admin address
    await client.get("/api/postings", headers=admin.headers)
    ops = await operator_session(auth.url, "ops@example.com", "...")

Other services verify these tokens with the JWKS at f"{auth.url}/api/auth/jwks.json" (their AUTH_JWKS_URL)."""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass

import httpx


# The operator and encryption key of the auth process that `shared_auth_service` starts once per test run.
OPERATOR_EMAIL = "operator@example.com"
OPERATOR_PASSWORD = "operator-password-for-tests-7"
ENCRYPTION_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
_shared_processes: dict[str, object] = {}


async def shared_auth_service(stack):
    """One auth process per test run (database `auth_shared`, the operator above, ENCRYPTION_KEY as
    AUTH_ENCRYPTION_KEY) that any test module may use; the stack stops it at the end of the run. Starting a process
    per module costs seconds each on a busy machine."""
    process = _shared_processes.get(stack.run_id)
    if process is None or process.process.poll() is not None:
        process = stack.service("auth", database="auth_shared", BOOTSTRAP_OPERATOR_EMAIL=OPERATOR_EMAIL,
                                BOOTSTRAP_OPERATOR_PASSWORD=OPERATOR_PASSWORD, AUTH_ENCRYPTION_KEY=ENCRYPTION_KEY)
        _shared_processes[stack.run_id] = process
    await process.wait_ready()
    return process


@dataclass
class Session:
    access_token: str
    refresh_token: str
    user_id: str
    company_id: str | None
    email: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def strong_password() -> str:
    """Random and long: passes the password policy every time."""
    return f"pw-{uuid.uuid4().hex}-Sx"


async def signup_company(auth_url: str, *, company_name: str | None = None, email: str | None = None,
                         password: str | None = None, name: str = "Ada Admin") -> Session:
    """Signs up a new company (its first user is the admin) and logs that admin in."""
    email = email or unique_email("admin")
    password = password or strong_password()
    company_name = company_name or f"Company {uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as client:
        response = await client.post("/api/auth/signup", json={"company_name": company_name, "email": email,
                                                               "password": password, "name": name})
        assert response.status_code == 201, response.text
    return await login(auth_url, email, password)


async def login(auth_url: str, email: str, password: str) -> Session:
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as client:
        response = await client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        tokens = response.json()
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200, me.text
    profile = me.json()
    return Session(access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
                   user_id=profile["user_id"], company_id=profile["company_id"], email=profile["email"],
                   password=password)


async def operator_session(auth_url: str, email: str, password: str) -> Session:
    """The operator bootstrapped from BOOTSTRAP_OPERATOR_EMAIL / BOOTSTRAP_OPERATOR_PASSWORD (company_id None)."""
    session = await login(auth_url, email, password)
    assert session.company_id is None, "not an operator account"
    return session


async def auth_database(process) -> "asyncpg.Connection":
    """A connection to the auth process's own database (for auth's own tests: expiring a token, reading keys)."""
    import asyncpg

    server = process.env["POSTGRES_URL"].rstrip("/")
    return await asyncpg.connect(f"{server}/{process.env['DATABASE_NAME']}")


def client_address(n: int) -> dict[str, str]:
    """A distinct client address per test (uvicorn trusts X-Forwarded-For from 127.0.0.1, as behind the gateway),
    so per-address rate limits of one test do not spill into another."""
    return {"X-Forwarded-For": f"198.51.100.{n}"}
