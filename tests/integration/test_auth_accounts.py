"""Sign-up, login, /me and the JWKS of the real auth service process, as the other services rely on them."""

from __future__ import annotations

import asyncio

import httpx
import pytest_asyncio
from recruiting_shared.auth import TokenVerifier

from tests.support.auth_helpers import (
    OPERATOR_EMAIL, OPERATOR_PASSWORD, login, operator_session, shared_auth_service, signup_company, strong_password,
    unique_email,
)
from tests.support.events import EventTap

@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def auth(stack):
    return await shared_auth_service(stack)


async def test_signup_creates_a_company_whose_admin_can_log_in_and_see_themselves(auth, stack):
    email = unique_email("Founder").replace("founder", "Founder")
    async with EventTap(stack, "company.registered") as tap:
        session = await signup_company(auth.url, company_name="Acme Recruiting GmbH", email=email)
        events = await tap.wait_for(lambda e: e["data"]["company_id"] == session.company_id)
    assert events[0]["data"]["company_name"] == "Acme Recruiting GmbH"
    assert events[0]["producer"] == "auth"
    async with httpx.AsyncClient(base_url=auth.url) as client:
        me = (await client.get("/api/auth/me", headers=session.headers)).json()
    assert me == {"user_id": session.user_id, "email": email.lower(), "name": "Ada Admin", "role": "admin",
                  "company_id": session.company_id, "company_name": "Acme Recruiting GmbH"}
    # The address is one account whatever its case.
    assert (await login(auth.url, email.upper(), session.password)).user_id == session.user_id


async def test_login_gives_a_token_pair_that_the_shared_verifier_accepts(auth):
    session = await signup_company(auth.url)
    async with httpx.AsyncClient(base_url=auth.url) as client:
        response = await client.post("/api/auth/login", json={"email": session.email, "password": session.password})
        jwks = (await client.get("/api/auth/jwks.json")).json()
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["refresh_token"]
    assert [(k["kty"], k["crv"], k["alg"], k["use"]) for k in jwks["keys"]] == [("OKP", "Ed25519", "EdDSA", "sig")]
    principal = await TokenVerifier(f"{auth.url}/api/auth/jwks.json").verify(body["access_token"])
    assert str(principal.user_id) == session.user_id
    assert str(principal.company_id) == session.company_id
    assert principal.role == "admin"


async def test_wrong_password_and_unknown_address_get_the_same_401(auth):
    session = await signup_company(auth.url)
    async with httpx.AsyncClient(base_url=auth.url) as client:
        wrong = await client.post("/api/auth/login", json={"email": session.email, "password": "not-the-password-1"})
        unknown = await client.post("/api/auth/login", json={"email": unique_email(), "password": session.password})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert {k: v for k, v in wrong.json().items() if k != "instance"} == \
           {k: v for k, v in unknown.json().items() if k != "instance"}


async def test_a_taken_address_cannot_sign_up_again(auth):
    session = await signup_company(auth.url)
    async with httpx.AsyncClient(base_url=auth.url) as client:
        again = await client.post("/api/auth/signup", json={"company_name": "Other", "email": session.email.upper(),
                                                            "password": strong_password(), "name": "Eve"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("/email-taken")


async def test_the_bootstrap_operator_logs_in_without_a_company(auth):
    operator = await operator_session(auth.url, OPERATOR_EMAIL, OPERATOR_PASSWORD)
    async with httpx.AsyncClient(base_url=auth.url) as client:
        me = (await client.get("/api/auth/me", headers=operator.headers)).json()
    assert me["role"] == "operator" and me["company_id"] is None and me["company_name"] is None


async def test_many_sign_ups_and_logins_from_one_address_are_not_throttled(auth):
    """Other services' tests sign up many companies from 127.0.0.1 in one run."""
    sessions = await asyncio.gather(*(signup_company(auth.url) for _ in range(12)))
    assert len({session.company_id for session in sessions}) == 12
