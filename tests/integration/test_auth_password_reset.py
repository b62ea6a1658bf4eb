"""The password reset journey of FAQ promise 7 with real e-mail, following OWASP's Forgot Password Cheat Sheet."""

from __future__ import annotations

import httpx
import pytest_asyncio
from recruiting_auth.domain.tokens import hash_token

from tests.support.auth_helpers import (
    auth_database, client_address, login, shared_auth_service, signup_company, strong_password, unique_email,
)
from tests.support.mailbox import body_text, link_token

RESET_SUBJECT = "Reset your password"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def auth(stack):
    return await shared_auth_service(stack)


async def forgot(auth, email: str, address: int, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/password/forgot", json={"email": email},
                                 headers={**client_address(address), **headers})


async def reset(auth, token: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/password/reset", json={"token": token, "password": password})


async def refresh(auth, refresh_token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/token/refresh", json={"refresh_token": refresh_token})


async def test_the_whole_reset_journey_with_a_real_email(auth, smtp):
    user = await signup_company(auth.url)
    # A forged Host header must not end up in the link: links are built from PUBLIC_URL.
    answer = await forgot(auth, user.email, 10, Host="attacker.example")
    assert answer.status_code == 202

    [mail] = await smtp.wait_for(user.email, RESET_SUBJECT)
    assert "http://127.0.0.1:8080/reset-password?token=" in body_text(mail)
    assert "attacker.example" not in body_text(mail)
    token = link_token(mail, "/reset-password")
    assert len(token) >= 22  # at least 128 bits, base64url

    new_password = strong_password()
    assert (await reset(auth, token, new_password)).status_code == 204

    async with httpx.AsyncClient(base_url=auth.url) as client:
        old = await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    assert old.status_code == 401
    assert (await login(auth.url, user.email, new_password)).user_id == user.user_id
    assert (await refresh(auth, user.refresh_token)).status_code == 401, "sessions from before the reset end"
    used_again = await reset(auth, token, strong_password())
    assert used_again.status_code == 400 and used_again.json()["type"].endswith("/invalid-token")
    [notice] = await smtp.wait_for(user.email, "Your password was changed")
    assert "reset" in body_text(notice)


async def test_unknown_address_gets_the_same_answer_and_no_email(auth, smtp):
    known = await signup_company(auth.url)
    stranger = unique_email("nobody")
    unknown_answer = await forgot(auth, stranger, 11)
    known_answer = await forgot(auth, known.email, 11)
    assert unknown_answer.status_code == known_answer.status_code == 202
    assert unknown_answer.json() == known_answer.json()
    # Requests are worked off in order: once the later one's e-mail is here, the earlier one is done.
    await smtp.wait_for(known.email, RESET_SUBJECT)
    assert smtp.messages(stranger) == []


async def test_an_expired_token_is_refused(auth, smtp):
    user = await signup_company(auth.url)
    await forgot(auth, user.email, 12)
    token = link_token((await smtp.wait_for(user.email, RESET_SUBJECT))[0], "/reset-password")
    conn = await auth_database(auth)
    try:
        expired = await conn.execute("UPDATE link_tokens SET expires_at = now() - interval '1 second' "
                                     "WHERE token_hash = $1", hash_token(token))
    finally:
        await conn.close()
    assert expired == "UPDATE 1"
    refused = await reset(auth, token, strong_password())
    assert refused.status_code == 400
    assert (await login(auth.url, user.email, user.password)).user_id == user.user_id


async def test_a_newer_link_invalidates_the_earlier_one(auth, smtp):
    user = await signup_company(auth.url)
    await forgot(auth, user.email, 13)
    first = link_token((await smtp.wait_for(user.email, RESET_SUBJECT))[0], "/reset-password")
    await forgot(auth, user.email, 13)
    second = link_token((await smtp.wait_for(user.email, RESET_SUBJECT, count=2))[1], "/reset-password")
    assert (await reset(auth, first, strong_password())).status_code == 400
    assert (await reset(auth, second, strong_password())).status_code == 204


async def test_a_weak_password_is_refused_without_using_up_the_link(auth, smtp):
    user = await signup_company(auth.url)
    await forgot(auth, user.email, 14)
    token = link_token((await smtp.wait_for(user.email, RESET_SUBJECT))[0], "/reset-password")
    for weak in ("short", "password1234", user.email + "-x"):
        refused = await reset(auth, token, weak)
        assert refused.status_code == 422 and refused.json()["type"].endswith("/weak-password"), weak
        assert refused.json()["reasons"]
    assert (await reset(auth, token, strong_password())).status_code == 204


async def test_a_tampered_token_is_refused(auth):
    assert (await reset(auth, "A" * 43, strong_password())).status_code == 400
