"""Verifying the access tokens that the auth service issues; every other service uses this.

Tokens are JWTs signed with EdDSA (Ed25519) and carry a `kid`; the public keys come from the auth service's JWKS
endpoint, cached, and fetched again when a token names a key not seen yet (key rotation), at most once per
`refetch_interval`. Only the algorithms in ALLOWED_ALGORITHMS are accepted; issuer and audience are checked.

Claims: sub (user id), company_id (absent for operators), role (admin | recruiter | operator), iss, aud, iat, exp."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal
from uuid import UUID

import httpx
import jwt
from fastapi import Depends, Request
from pydantic import BaseModel

from .problems import Forbidden, Unauthorized

ALLOWED_ALGORITHMS = ["EdDSA"]
ISSUER = "recruiting-auth"
AUDIENCE = "recruiting-platform"
Role = Literal["admin", "recruiter", "operator"]


class Principal(BaseModel):
    user_id: UUID
    role: Role
    company_id: UUID | None = None

    @property
    def is_company_user(self) -> bool:
        return self.role in ("admin", "recruiter") and self.company_id is not None


class TokenVerifier:
    def __init__(self, jwks_url: str, *, issuer: str = ISSUER, audience: str = AUDIENCE,
                 refetch_interval: float = 10.0) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.refetch_interval = refetch_interval
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.refetch_interval and self._keys:
                return
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.jwks_url)
                response.raise_for_status()
            keys = {}
            for jwk in response.json().get("keys", []):
                if jwk.get("kid") and jwk.get("alg", "EdDSA") in ALLOWED_ALGORITHMS:
                    keys[jwk["kid"]] = jwt.PyJWK(jwk)
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def key_for(self, kid: str) -> jwt.PyJWK | None:
        if kid not in self._keys:
            try:
                await self._refresh()
            except httpx.HTTPError:
                return None
        return self._keys.get(kid)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The access token is not valid.") from None
        if header.get("alg") not in ALLOWED_ALGORITHMS or not isinstance(header.get("kid"), str) or not header["kid"]:
            raise Unauthorized("The access token is not valid.")
        key = await self.key_for(header["kid"])
        if key is None:
            raise Unauthorized("The access token is not valid.")
        try:
            claims = jwt.decode(token, key=key, algorithms=ALLOWED_ALGORITHMS, issuer=self.issuer,
                                audience=self.audience, options={"require": ["exp", "iat", "sub", "iss", "aud"]})
            return Principal(user_id=claims["sub"], role=claims["role"], company_id=claims.get("company_id"))
        except (jwt.PyJWTError, KeyError, ValueError):
            raise Unauthorized("The access token is not valid.") from None


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("A bearer token is required.", headers={"WWW-Authenticate": "Bearer"})
    return token


async def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(bearer_token(request))


async def company_user(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """A company's admin or recruiter; every query of the endpoint is then scoped to `principal.company_id`."""
    if not principal.is_company_user:
        raise Forbidden("This endpoint is for company users.")
    return principal


async def company_admin(principal: Annotated[Principal, Depends(company_user)]) -> Principal:
    if principal.role != "admin":
        raise Forbidden("This endpoint is for company admins.")
    return principal


async def operator(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role != "operator":
        raise Forbidden("This endpoint is for platform operators.")
    return principal


CompanyUser = Annotated[Principal, Depends(company_user)]
CompanyAdmin = Annotated[Principal, Depends(company_admin)]
Operator = Annotated[Principal, Depends(operator)]
