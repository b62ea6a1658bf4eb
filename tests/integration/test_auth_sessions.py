"""Refresh-token rotation with reuse detection, logout, and signing-key rotation that logs nobody out."""

from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest_asyncio
from recruiting_shared.auth import TokenVerifier

from tests.support.auth_helpers import auth_database, login, operator_session, shared_auth_service, signup_company

OPERATOR_EMAIL = "keys-operator@example.com"
OPERATOR_PASSWORD = "operator-password-for-key-tests-3"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def auth(stack):
    return await shared_auth_service(stack)


async def post(url: str, path: str, body: dict, headers: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as client:
        return await client.post(path, json=body, headers=headers)


async def me(url: str, access_token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as client:
        return await client.get("/api/auth/me", headers={"Authorization": f"Bearer {access_token}"})


async def test_refresh_rotates_and_the_reuse_of_an_old_token_revokes_the_family(auth):
    session = await signup_company(auth.url)
    first = await post(auth.url, "/api/auth/token/refresh", {"refresh_token": session.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != session.refresh_token
    assert (await me(auth.url, pair["access_token"])).json()["user_id"] == session.user_id
    second = await post(auth.url, "/api/auth/token/refresh", {"refresh_token": pair["refresh_token"]})
    assert second.status_code == 200

    # The first token again: someone kept a copy. The whole chain dies, including the newest token.
    replayed = await post(auth.url, "/api/auth/token/refresh", {"refresh_token": session.refresh_token})
    assert replayed.status_code == 401 and replayed.json()["type"].endswith("/invalid-refresh-token")
    newest = await post(auth.url, "/api/auth/token/refresh", {"refresh_token": second.json()["refresh_token"]})
    assert newest.status_code == 401
    # Another login of the same user is another family and lives on.
    other = await login(auth.url, session.email, session.password)
    assert (await post(auth.url, "/api/auth/token/refresh", {"refresh_token": other.refresh_token})).status_code == 200


async def test_two_simultaneous_uses_of_one_refresh_token_end_the_family(auth):
    session = await signup_company(auth.url)
    answers = await asyncio.gather(*(post(auth.url, "/api/auth/token/refresh", {"refresh_token": session.refresh_token})
                                     for _ in range(2)))
    assert sorted(answer.status_code for answer in answers) in ([200, 401], [401, 401])
    for answer in answers:
        if answer.status_code == 200:
            again = await post(auth.url, "/api/auth/token/refresh", {"refresh_token": answer.json()["refresh_token"]})
            assert again.status_code == 401, "the winner's new token died with its family"


async def test_logout_ends_that_login_only(auth):
    session = await signup_company(auth.url)
    other = await login(auth.url, session.email, session.password)
    assert (await post(auth.url, "/api/auth/logout", {"refresh_token": session.refresh_token})).status_code == 204
    assert (await post(auth.url, "/api/auth/logout", {"refresh_token": session.refresh_token})).status_code == 204
    assert (await post(auth.url, "/api/auth/token/refresh", {"refresh_token": session.refresh_token})).status_code == 401
    assert (await post(auth.url, "/api/auth/token/refresh", {"refresh_token": other.refresh_token})).status_code == 200


async def test_key_rotation_publishes_the_new_key_first_and_logs_nobody_out(stack):
    keys = stack.service("auth", database="auth_keys", SIGNING_KEY_PUBLISH_AHEAD_SECONDS="3600",
                         BOOTSTRAP_OPERATOR_EMAIL=OPERATOR_EMAIL, BOOTSTRAP_OPERATOR_PASSWORD=OPERATOR_PASSWORD)
    try:
        await keys.wait_ready()
        user = await signup_company(keys.url)
        old_kid = jwt.get_unverified_header(user.access_token)["kid"]
        operator = await operator_session(keys.url, OPERATOR_EMAIL, OPERATOR_PASSWORD)
        assert (await post(keys.url, "/api/auth/keys/rotate", {}, user.headers)).status_code == 403

        scheduled = await post(keys.url, "/api/auth/keys/rotate", {}, operator.headers)
        assert scheduled.status_code == 202
        next_kid = scheduled.json()["kid"]
        assert await published_kids(keys.url) == {old_kid, next_kid}, "the new key is published before it signs"
        still_old = await login(keys.url, user.email, user.password)
        assert jwt.get_unverified_header(still_old.access_token)["kid"] == old_kid

        # An hour later (moved forward in the database), the next rotation finds the first new key active.
        conn = await auth_database(keys)
        try:
            await conn.execute("UPDATE signing_keys SET activates_at = now() WHERE kid = $1", next_kid)
        finally:
            await conn.close()
        later_kid = (await post(keys.url, "/api/auth/keys/rotate", {}, operator.headers)).json()["kid"]
        fresh = await login(keys.url, user.email, user.password)
        assert jwt.get_unverified_header(fresh.access_token)["kid"] == next_kid
        assert await published_kids(keys.url) == {old_kid, next_kid, later_kid}

        verifier = TokenVerifier(f"{keys.url}/api/auth/jwks.json")
        for token in (user.access_token, fresh.access_token):
            assert str((await verifier.verify(token)).user_id) == user.user_id
            assert (await me(keys.url, token)).status_code == 200
        assert (await post(keys.url, "/api/auth/token/refresh", {"refresh_token": user.refresh_token})).status_code == 200
    finally:
        keys.stop()


async def published_kids(url: str) -> set[str]:
    async with httpx.AsyncClient(base_url=url) as client:
        return {key["kid"] for key in (await client.get("/api/auth/jwks.json")).json()["keys"]}
