"""The shared TokenVerifier, fed from this instance's own key cache instead of fetching its own JWKS over HTTP."""

from __future__ import annotations

import jwt
from recruiting_shared.auth import TokenVerifier

from .keyring import Keyring


class LocalTokenVerifier(TokenVerifier):
    def __init__(self, keyring: Keyring) -> None:
        super().__init__(jwks_url="local:")
        self.keyring = keyring

    async def key_for(self, kid: str) -> jwt.PyJWK | None:
        return self.keyring.verification_key(kid) if isinstance(kid, str) else None
