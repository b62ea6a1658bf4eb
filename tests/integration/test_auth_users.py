"""Company users: invitations with a set-password e-mail, the user list, deletion, and tenant isolation."""

from __future__ import annotations

import httpx
import pytest_asyncio

from tests.support.auth_helpers import (
    OPERATOR_EMAIL, OPERATOR_PASSWORD, login, operator_session, shared_auth_service, signup_company, strong_password,
    unique_email,
)
from tests.support.mailbox import body_text, link_token


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def auth(stack):
    return await shared_auth_service(stack)


async def invite(auth, admin, email: str, role: str = "recruiter", name: str = "Rita Recruiter") -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/users", json={"email": email, "name": name, "role": role},
                                 headers=admin.headers)


async def accept(auth, token: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.post("/api/auth/invitations/accept", json={"token": token, "password": password})


async def users_of(auth, session) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.get("/api/auth/users", headers=session.headers)


async def test_an_invited_recruiter_sets_a_password_from_the_email_and_logs_in(auth, smtp):
    admin = await signup_company(auth.url, company_name="Invite GmbH")
    email = unique_email("rita")
    created = await invite(auth, admin, email)
    assert created.status_code == 201
    assert created.json()["status"] == "invited" and created.json()["role"] == "recruiter"

    [lost] = await smtp.wait_for(email, "invited to Invite GmbH")
    # The invitee lost the e-mail: inviting again sends a fresh link, and only the fresh link works.
    assert (await invite(auth, admin, email)).json()["id"] == created.json()["id"]
    mail = (await smtp.wait_for(email, "invited to Invite GmbH", count=2))[1]
    assert "Ada Admin" in body_text(mail)
    token = link_token(mail, "/accept-invitation")
    assert (await accept(auth, link_token(lost, "/accept-invitation"), strong_password())).status_code == 400
    async with httpx.AsyncClient(base_url=auth.url) as client:
        before = await client.post("/api/auth/login", json={"email": email, "password": "anything-at-all-1"})
    assert before.status_code == 401, "no login before the invitation is accepted"

    password = strong_password()
    assert (await accept(auth, token, password)).status_code == 204
    assert (await accept(auth, token, strong_password())).status_code == 400, "the link works once"
    recruiter = await login(auth.url, email, password)
    assert recruiter.company_id == admin.company_id
    assert (await invite(auth, admin, email)).status_code == 409, "an active user is not invited again"
    listed = {user["email"]: user for user in (await users_of(auth, admin)).json()}
    assert listed[email]["status"] == "active" and listed[email]["role"] == "recruiter"
    assert listed[admin.email]["role"] == "admin"
    forbidden = await users_of(auth, recruiter)
    assert forbidden.status_code == 403, "user management is for admins"


async def test_an_admin_cannot_see_invite_into_or_delete_users_of_another_company(auth, smtp):
    company_a = await signup_company(auth.url)
    company_b = await signup_company(auth.url)
    b_recruiter_email = unique_email("b-recruiter")
    b_user_id = (await invite(auth, company_b, b_recruiter_email)).json()["id"]

    a_list = (await users_of(auth, company_a)).json()
    assert [user["email"] for user in a_list] == [company_a.email]
    async with httpx.AsyncClient(base_url=auth.url) as client:
        deleted = await client.delete(f"/api/auth/users/{b_user_id}", headers=company_a.headers)
        b_admin_deleted = await client.delete(f"/api/auth/users/{company_b.user_id}", headers=company_a.headers)
    assert deleted.status_code == 404 and b_admin_deleted.status_code == 404
    assert {user["id"] for user in (await users_of(auth, company_b)).json()} == {company_b.user_id, b_user_id}

    # An invitation always goes into the inviter's own company, and an address belongs to one account.
    taken = await invite(auth, company_a, b_recruiter_email)
    assert taken.status_code == 409
    a_invitee = unique_email("a-invitee")
    assert (await invite(auth, company_a, a_invitee, role="admin")).status_code == 201
    assert a_invitee not in {user["email"] for user in (await users_of(auth, company_b)).json()}


async def test_a_deleted_user_can_no_longer_log_in_or_refresh(auth, smtp):
    admin = await signup_company(auth.url)
    email = unique_email("leaver")
    user_id = (await invite(auth, admin, email)).json()["id"]
    token = link_token((await smtp.wait_for(email, "invited"))[0], "/accept-invitation")
    password = strong_password()
    await accept(auth, token, password)
    leaver = await login(auth.url, email, password)

    async with httpx.AsyncClient(base_url=auth.url) as client:
        assert (await client.delete(f"/api/auth/users/{user_id}", headers=admin.headers)).status_code == 204
        assert (await client.delete(f"/api/auth/users/{user_id}", headers=admin.headers)).status_code == 404
        assert (await client.post("/api/auth/login", json={"email": email, "password": password})).status_code == 401
        refreshed = await client.post("/api/auth/token/refresh", json={"refresh_token": leaver.refresh_token})
        me = await client.get("/api/auth/me", headers=leaver.headers)
        self_delete = await client.delete(f"/api/auth/users/{admin.user_id}", headers=admin.headers)
    assert refreshed.status_code == 401 and me.status_code == 401
    assert self_delete.status_code == 409


async def test_operators_and_anonymous_callers_cannot_manage_company_users(auth):
    operator = await operator_session(auth.url, OPERATOR_EMAIL, OPERATOR_PASSWORD)
    async with httpx.AsyncClient(base_url=auth.url) as client:
        anonymous = await client.get("/api/auth/users")
        as_operator = await client.get("/api/auth/users", headers=operator.headers)
        invite_as_operator = await client.post("/api/auth/users", headers=operator.headers,
                                               json={"email": unique_email(), "name": "Op", "role": "admin"})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert as_operator.status_code == invite_as_operator.status_code == 403
