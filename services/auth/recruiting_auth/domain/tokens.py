"""Opaque tokens (refresh, password reset, invitation): 256 random bits, handed out once, stored only as a hash.

A plain SHA-256 is enough here: the tokens are random and long, so there is nothing to brute-force that a slow hash
would protect (a slow hash is for low-entropy secrets such as passwords)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # OWASP asks for at least 128 bits


def new_token() -> tuple[str, bytes]:
    """The token for the user and the hash to store."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
