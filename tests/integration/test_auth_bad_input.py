"""Bad input and forged tokens get a clear 4xx problem, never a 500: malformed JSON, missing fields, over-long
strings, tampered and expired JWTs, `alg: none`, and HS256 signed with the public key (algorithm confusion)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from recruiting_auth.adapters.crypto import Sealer, decode_master_key
from recruiting_shared.auth import TokenVerifier
from recruiting_shared.problems import Unauthorized

from tests.support.auth_helpers import (
    ENCRYPTION_KEY, auth_database, shared_auth_service, signup_company, strong_password, unique_email,
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def auth(stack):
    return await shared_auth_service(stack)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def user(auth):
    return await signup_company(auth.url)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_parts(header: dict, claims: dict) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def me_with(auth, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=auth.url) as client:
        return await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("path", ["/api/auth/signup", "/api/auth/login", "/api/auth/token/refresh",
                                  "/api/auth/password/forgot", "/api/auth/password/reset"])
async def test_malformed_json_is_a_422(auth, path):
    async with httpx.AsyncClient(base_url=auth.url) as client:
        response = await client.post(path, content=b'{"email": "x@example.com", ', headers={"content-type": "application/json"})
    assert_problem(response, 422)


async def test_control_characters_are_a_422_not_a_database_error(auth):
    async with httpx.AsyncClient(base_url=auth.url) as client:
        signup = await client.post("/api/auth/signup", json={"company_name": "Nul\u0000 GmbH", "email": unique_email(),
                                                             "password": strong_password(), "name": "Nu"})
        login = await client.post("/api/auth/login", json={"email": "a\u0000@example.com", "password": "x"})
        forgot = await client.post("/api/auth/password/forgot", json={"email": "a\u0000@example.com"})
    for response in (signup, login, forgot):
        assert_problem(response, 422)


async def test_missing_fields_are_named(auth):
    async with httpx.AsyncClient(base_url=auth.url) as client:
        response = await client.post("/api/auth/signup", json={"email": unique_email()})
    assert_problem(response, 422)
    missing = {tuple(error["loc"])[-1] for error in response.json()["errors"]}
    assert missing == {"company_name", "password", "name"}


@pytest.mark.parametrize("field,value", [("company_name", "x" * 201), ("name", "x" * 201),
                                         ("email", "a" * 250 + "@example.com"), ("password", "p" * 1025),
                                         ("email", "not-an-address"), ("company_name", "   ")])
async def test_over_long_or_invalid_fields_are_a_422(auth, field, value):
    body = {"company_name": "Valid GmbH", "email": unique_email(), "password": strong_password(), "name": "Val"}
    async with httpx.AsyncClient(base_url=auth.url) as client:
        response = await client.post("/api/auth/signup", json={**body, field: value})
    assert_problem(response, 422)
    assert value not in response.text, "the rejected input is not echoed"


async def test_a_weak_password_is_refused_at_sign_up_with_reasons(auth):
    email = unique_email("weakling")
    async with httpx.AsyncClient(base_url=auth.url) as client:
        for password in ("Password123!", "qwertyuiop12", email, "aaaaaaaaaaaaaaaa", "x" * 129):
            response = await client.post("/api/auth/signup", json={"company_name": "Weak GmbH", "email": email,
                                                                   "password": password, "name": "Wes"})
            assert_problem(response, 422)
            assert response.json()["type"].endswith("/weak-password") and response.json()["reasons"], password


async def test_over_long_token_and_unknown_user_id_shapes(auth, user):
    async with httpx.AsyncClient(base_url=auth.url) as client:
        assert_problem(await client.post("/api/auth/token/refresh", json={"refresh_token": "x" * 257}), 422)
        assert_problem(await client.delete("/api/auth/users/not-a-uuid", headers=user.headers), 422)
        assert_problem(await client.post("/api/auth/users", json={"email": unique_email(), "name": "N",
                                                                  "role": "operator"}, headers=user.headers), 422)


async def test_a_tampered_token_is_a_401(auth, user):
    header, payload, signature = user.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "operator"
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    assert_problem(await me_with(auth, forged), 401)
    assert_problem(await me_with(auth, user.access_token[:-4] + "AAAA"), 401)
    assert_problem(await me_with(auth, "not.a.jwt"), 401)
    assert_problem(await me_with(auth, "x" * 5000), 401)


async def test_alg_none_is_a_401(auth, user):
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(user.access_token)["kid"]
    for alg in ("none", "None", "NONE"):
        assert_problem(await me_with(auth, unsigned_parts({"alg": alg, "kid": kid, "typ": "JWT"}, claims) + "."), 401)


async def test_hs256_signed_with_the_public_key_is_a_401(auth, user):
    """Algorithm confusion: an HMAC 'signature' keyed with the published public key in every form it is published."""
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    async with httpx.AsyncClient(base_url=auth.url) as client:
        jwk = (await client.get("/api/auth/jwks.json")).json()["keys"][0]
    raw_x = base64.urlsafe_b64decode(jwk["x"] + "==")
    for secret in (jwk["x"].encode(), raw_x, json.dumps(jwk).encode()):
        signing_input = unsigned_parts({"alg": "HS256", "kid": jwk["kid"], "typ": "JWT"}, claims)
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_problem(await me_with(auth, f"{signing_input}.{b64url(signature)}"), 401)


async def test_odd_headers_are_a_401_here_and_in_the_shared_verifier(auth, user):
    _, payload, signature = user.access_token.split(".")
    verifier = TokenVerifier(f"{auth.url}/api/auth/jwks.json")
    for header in ({"alg": "EdDSA", "kid": ["a", "b"]}, {"alg": "EdDSA", "kid": 7}, {"alg": ["EdDSA"], "kid": "x"},
                   {"alg": "EdDSA"}, {"alg": "ES256", "kid": "x"}):
        token = f"{b64url(json.dumps(header).encode())}.{payload}.{signature}"
        assert_problem(await me_with(auth, token), 401)
        with pytest.raises(Unauthorized):
            await verifier.verify(token)


async def test_a_token_signed_by_another_key_under_a_known_kid_is_a_401(auth, user):
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(user.access_token)["kid"]
    impostor = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})
    assert_problem(await me_with(auth, impostor), 401)


async def test_expired_and_wrong_audience_tokens_signed_with_the_real_key_are_a_401(auth, user):
    """The real private key (decrypted with the configured AUTH_ENCRYPTION_KEY) proves that only the claims fail."""
    kid = jwt.get_unverified_header(user.access_token)["kid"]
    conn = await auth_database(auth)
    try:
        sealed = await conn.fetchval("SELECT private_key_sealed FROM signing_keys WHERE kid = $1", kid)
    finally:
        await conn.close()
    raw = Sealer(decode_master_key(ENCRYPTION_KEY), "signing-keys").open(sealed, kid.encode())
    key = Ed25519PrivateKey.from_private_bytes(raw)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    now = int(time.time())

    def sign(**changes) -> str:
        return jwt.encode({**claims, **changes}, key, algorithm="EdDSA", headers={"kid": kid})

    assert (await me_with(auth, sign())).status_code == 200, "the control token verifies"
    assert_problem(await me_with(auth, sign(iat=now - 3600, exp=now - 1800)), 401)
    assert_problem(await me_with(auth, sign(aud="someone-else")), 401)
    assert_problem(await me_with(auth, sign(iss="someone-else")), 401)
    assert_problem(await me_with(auth, jwt.encode({**claims}, key, algorithm="EdDSA", headers={"kid": "unknown"})), 401)


async def test_signing_keys_are_not_stored_in_clear(auth):
    conn = await auth_database(auth)
    try:
        rows = await conn.fetch("SELECT kid, public_key, private_key_sealed FROM signing_keys")
    finally:
        await conn.close()
    master = decode_master_key(ENCRYPTION_KEY)
    for row in rows:
        raw = Sealer(master, "signing-keys").open(row["private_key_sealed"], row["kid"].encode())
        assert raw not in row["private_key_sealed"]
        assert Ed25519PrivateKey.from_private_bytes(raw).public_key().public_bytes_raw() == row["public_key"]
