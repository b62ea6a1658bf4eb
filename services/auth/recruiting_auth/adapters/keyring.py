"""Signing keys: Ed25519 key pairs in the `signing_keys` table, private halves sealed with AES-GCM, and each
instance's cache of them. The schedule (which key signs, which are published) is domain.signing_keys."""

from __future__ import annotations

import base64
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from ..domain import signing_keys as schedule
from ..domain.signing_keys import KeyVersion
from .crypto import Sealer

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"
# Any fixed number: serialises key creation between instances.
KEY_LOCK = 7_311_101


@dataclass(frozen=True)
class LoadedKey:
    version: KeyVersion
    private_key: Ed25519PrivateKey | None  # None for keys that no longer sign (not decrypted)
    public_key: Ed25519PublicKey

    @property
    def jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": self.version.kid, "alg": ALGORITHM,
                "use": "sig"}


class NoSigningKey(RuntimeError):
    pass


class Keyring:
    def __init__(self, sealer: Sealer, *, keep_after_retirement: timedelta, publish_ahead: timedelta,
                 rotation_age: timedelta) -> None:
        self._sealer = sealer
        self.keep_after_retirement = keep_after_retirement
        self.publish_ahead = publish_ahead
        self.rotation_age = rotation_age
        self._keys: dict[str, LoadedKey] = {}
        self._loaded_at = 0.0

    # --- the table ------------------------------------------------------------------------------------------------
    async def ensure_key(self, conn: asyncpg.Connection) -> None:
        """At start-up: the very first key signs at once (there is no token anyone could be verifying yet)."""
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", KEY_LOCK)
            if not await conn.fetchval("SELECT count(*) FROM signing_keys"):
                await self._insert(conn, datetime.now(UTC))

    async def rotate(self, conn: asyncpg.Connection, *, only_if_due: bool = False) -> KeyVersion | None:
        """A new key, published now and signing after `publish_ahead`. With `only_if_due`, only when the newest key
        is older than the rotation age (several instances run this; the lock makes one of them do it)."""
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", KEY_LOCK)
            now = datetime.now(UTC)
            if only_if_due and not schedule.rotation_due(await self._versions(conn), now, self.rotation_age):
                return None
            version = await self._insert(conn, now + self.publish_ahead)
        log.info("signing key rotation scheduled", extra={"reason": version.kid})
        return version

    async def forget_expired(self, conn: asyncpg.Connection) -> int:
        """Delete keys that no unexpired token can name."""
        gone = schedule.forgettable_keys(await self._versions(conn), datetime.now(UTC), self.keep_after_retirement)
        if gone:
            await conn.execute("DELETE FROM signing_keys WHERE kid = ANY($1::text[])", [key.kid for key in gone])
        return len(gone)

    async def _insert(self, conn: asyncpg.Connection, activates_at: datetime) -> KeyVersion:
        private_key = Ed25519PrivateKey.generate()
        kid = f"{activates_at:%Y%m%d}-{secrets.token_hex(4)}"
        raw_private = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw_public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        await conn.execute(
            """INSERT INTO signing_keys (kid, public_key, private_key_sealed, activates_at) VALUES ($1, $2, $3, $4)""",
            kid, raw_public, self._sealer.seal(raw_private, kid.encode()), activates_at,
        )
        return KeyVersion(kid, activates_at)

    @staticmethod
    async def _versions(conn: asyncpg.Connection) -> list[KeyVersion]:
        return [KeyVersion(r["kid"], r["activates_at"]) for r in await conn.fetch("SELECT kid, activates_at FROM signing_keys")]

    # --- the cache -------------------------------------------------------------------------------------------------
    async def reload(self, conn: asyncpg.Connection) -> None:
        rows = await conn.fetch("SELECT kid, public_key, private_key_sealed, activates_at FROM signing_keys")
        versions = [KeyVersion(r["kid"], r["activates_at"]) for r in rows]
        now = datetime.now(UTC)
        published = {key.kid for key in schedule.published_keys(versions, now, self.keep_after_retirement)}
        current = schedule.signing_key(versions, now)
        loaded = {}
        for row, version in zip(rows, versions):
            if version.kid not in published:
                continue
            # Only the signing key and pending ones need their private half in memory.
            private = None
            if version == current or version.activates_at > now:
                private = Ed25519PrivateKey.from_private_bytes(
                    self._sealer.open(row["private_key_sealed"], version.kid.encode()))
            loaded[version.kid] = LoadedKey(version, private, Ed25519PublicKey.from_public_bytes(row["public_key"]))
        self._keys = loaded
        self._loaded_at = time.monotonic()

    def seconds_since_reload(self) -> float:
        return time.monotonic() - self._loaded_at

    def sign(self, claims: dict) -> str:
        now = datetime.now(UTC)
        version = schedule.signing_key([key.version for key in self._keys.values()], now)
        key = self._keys.get(version.kid) if version else None
        if key is None or key.private_key is None:
            raise NoSigningKey("no signing key loaded")
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.version.kid})

    def jwks(self) -> dict:
        now = datetime.now(UTC)
        versions = [key.version for key in self._keys.values()]
        published = schedule.published_keys(versions, now, self.keep_after_retirement)
        return {"keys": [self._keys[version.kid].jwk for version in published]}

    def verification_key(self, kid: str) -> jwt.PyJWK | None:
        key = self._keys.get(kid)
        return jwt.PyJWK(key.jwk) if key else None


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
