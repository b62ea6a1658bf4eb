"""Applicant sessions: a short-lived HS256 JWT for exactly one application, signed with a key derived from the
service secret. It is not an auth-service token (different issuer, audience and key), so it opens nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import jwt

ISSUER = "recruiting-applications"
AUDIENCE = "recruiting-applicant"
ALGORITHM = "HS256"


class InvalidApplicantToken(Exception):
    pass


def issue(key: bytes, application_id: UUID, lifetime: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(application_id), "iat": now, "exp": now + lifetime,
              "jti": str(uuid4())}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify(key: bytes, token: str) -> UUID:
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER, audience=AUDIENCE,
                            options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        return UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise InvalidApplicantToken from None
