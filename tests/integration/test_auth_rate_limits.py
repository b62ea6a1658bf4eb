"""Rate limits of login and forgot-password, per account and per client address, with 429 and Retry-After; a
throttled account can still reset its password. The process runs with small limits and a database of its own."""

from __future__ import annotations

import httpx
import pytest_asyncio

from tests.support.auth_helpers import client_address, login, signup_company, strong_password, unique_email
from tests.support.mailbox import link_token


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def auth(stack):
    process = stack.service(
        "auth", database="auth_limits",
        RATE_LIMIT_LOGIN_FAILURES_ACCOUNT="3/3600", RATE_LIMIT_LOGIN_FAILURES_IP="5/3600",
        RATE_LIMIT_FORGOT_IP="2/3600", RATE_LIMIT_FORGOT_ACCOUNT="1/3600",
    )
    await process.wait_ready()
    yield process
    process.stop()


async def attempt(auth, email: str, password: str, address: int) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/login", json={"email": email, "password": password},
                                 headers=client_address(address))


async def forgot(auth, email: str, address: int) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/password/forgot", json={"email": email}, headers=client_address(address))


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1


async def test_failures_slow_an_account_down_but_the_owner_can_still_reset(auth, smtp):
    victim = await signup_company(auth.url)
    for address in (20, 21, 22):  # spread over addresses, as a distributed attacker would
        assert (await attempt(auth, victim.email, "wrong-password-guess", address)).status_code == 401
    assert_throttled(await attempt(auth, victim.email, "wrong-password-guess", 23))
    assert_throttled(await attempt(auth, victim.email, victim.password, 24))  # even the right password waits
    bystander = await signup_company(auth.url)
    assert (await attempt(auth, bystander.email, bystander.password, 23)).status_code == 200

    assert (await forgot(auth, victim.email, 25)).status_code == 202
    token = link_token((await smtp.wait_for(victim.email, "Reset your password"))[0], "/reset-password")
    new_password = strong_password()
    async with httpx.AsyncClient(base_url=auth.url) as client:
        assert (await client.post("/api/auth/password/reset", json={"token": token, "password": new_password})).status_code == 204
    assert (await login(auth.url, victim.email, new_password)).user_id == victim.user_id


async def test_failures_from_one_address_throttle_that_address_only(auth):
    for _ in range(5):
        assert (await attempt(auth, unique_email("guess"), "some-password-guess", 30)).status_code == 401
    throttled = await attempt(auth, unique_email("guess"), "some-password-guess", 30)
    assert_throttled(throttled)
    assert throttled.json()["retry_after"] == int(throttled.headers["Retry-After"])
    user = await signup_company(auth.url)
    assert_throttled(await attempt(auth, user.email, user.password, 30))
    assert (await attempt(auth, user.email, user.password, 31)).status_code == 200


async def test_forgot_password_is_limited_per_address_with_429(auth):
    assert (await forgot(auth, unique_email(), 40)).status_code == 202
    assert (await forgot(auth, unique_email(), 40)).status_code == 202
    assert_throttled(await forgot(auth, unique_email(), 40))
    assert (await forgot(auth, unique_email(), 41)).status_code == 202


async def test_repeated_forgot_requests_cannot_lock_the_owner_out_of_the_reset(auth, smtp):
    """Per account, further requests are silently dropped: the same 202, no new e-mail, and the link already in the
    owner's mailbox keeps working (a newer link would have replaced it)."""
    owner = await signup_company(auth.url)
    assert (await forgot(auth, owner.email, 50)).status_code == 202
    [mail] = await smtp.wait_for(owner.email, "Reset your password")
    for address in (51, 52, 53):
        assert (await forgot(auth, owner.email, address)).status_code == 202
    # A request queued after the attacker's is done once its own e-mail is here.
    marker = await signup_company(auth.url)
    await forgot(auth, marker.email, 54)
    await smtp.wait_for(marker.email, "Reset your password")
    assert len(smtp.messages(owner.email)) == 1
    async with httpx.AsyncClient(base_url=auth.url) as client:
        response = await client.post("/api/auth/password/reset",
                                     json={"token": link_token(mail, "/reset-password"), "password": strong_password()})
    assert response.status_code == 204
