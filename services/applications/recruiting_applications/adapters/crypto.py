"""Envelope encryption (AES-256-GCM from the `cryptography` package).

- Each application has its own random data key (DEK). Every personal field and every document is sealed under it
  with associated data `application_id|field|record_id`, so a ciphertext moved to another row, another column or
  another application does not open.
- The DEK is stored wrapped by a key-encryption key (KEK) of the key ring, in the key vault (key_vault.py), never
  in the database: erasing the vault entry makes every copy of the database unreadable (crypto-shredding).
- A service secret yields, by HKDF, the keys of the e-mail lookup HMAC, the applicant session tokens and the mail
  queue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionFailed(Exception):
    """A ciphertext did not open: wrong key, wrong place (associated data) or tampered."""


class InvalidKeyRing(ValueError):
    pass


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != FORMAT_VERSION:
        raise DecryptionFailed("not a sealed value")
    try:
        return AESGCM(key).decrypt(sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise DecryptionFailed("the value does not open with this key in this place") from None


class DataKey:
    """The key of one application; `field` and `record_id` bind a ciphertext to its column and row."""

    def __init__(self, key: bytes, application_id: UUID) -> None:
        self._key = key
        self.application_id = application_id

    @classmethod
    def generate(cls, application_id: UUID) -> "DataKey":
        return cls(new_key(), application_id)

    @property
    def raw(self) -> bytes:
        return self._key

    def _aad(self, field: str, record_id: UUID | None) -> bytes:
        return f"{self.application_id}|{field}|{record_id or ''}".encode()

    def seal(self, field: str, plaintext: bytes, *, record_id: UUID | None = None) -> bytes:
        return _seal(self._key, plaintext, self._aad(field, record_id))

    def open(self, field: str, sealed: bytes, *, record_id: UUID | None = None) -> bytes:
        return _open(self._key, sealed, self._aad(field, record_id))

    def seal_text(self, field: str, text: str | None, *, record_id: UUID | None = None) -> bytes | None:
        return None if text is None else self.seal(field, text.encode(), record_id=record_id)

    def open_text(self, field: str, sealed: bytes | None, *, record_id: UUID | None = None) -> str | None:
        return None if sealed is None else self.open(field, sealed, record_id=record_id).decode()


@dataclass(frozen=True)
class WrappedKey:
    kek_id: str
    blob: bytes


class KeyRing:
    """Key-encryption keys by id. The first (active) key wraps; every key of the ring unwraps what it wrapped."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise InvalidKeyRing("the key ring is empty")
        for kek_id, key in keys:
            if not kek_id or ":" in kek_id or "," in kek_id or len(key) != KEY_BYTES:
                raise InvalidKeyRing("each key needs an id and 32 bytes")
        if len({kek_id for kek_id, _ in keys}) != len(keys):
            raise InvalidKeyRing("key ids must be unique")
        self._keys = dict(keys)
        self.active_id = keys[0][0]

    @classmethod
    def parse(cls, text: str) -> "KeyRing":
        keys = []
        for entry in filter(None, (part.strip() for part in text.split(","))):
            kek_id, _, encoded = entry.partition(":")
            try:
                keys.append((kek_id, b64decode(encoded)))
            except (ValueError, TypeError):
                raise InvalidKeyRing("a key is not base64url") from None
        return cls(keys)

    def format(self) -> str:
        return ",".join(f"{kek_id}:{b64encode(key)}" for kek_id, key in self._keys.items())

    @property
    def ids(self) -> list[str]:
        return list(self._keys)

    def with_new_active_key(self, kek_id: str) -> "KeyRing":
        return KeyRing([(kek_id, new_key()), *self._keys.items()])

    @staticmethod
    def _aad(application_id: UUID) -> bytes:
        return f"data-key|{application_id}".encode()

    def wrap(self, data_key: DataKey) -> WrappedKey:
        return WrappedKey(self.active_id, _seal(self._keys[self.active_id], data_key.raw, self._aad(data_key.application_id)))

    def unwrap(self, wrapped: WrappedKey, application_id: UUID) -> DataKey:
        key = self._keys.get(wrapped.kek_id)
        if key is None:
            raise DecryptionFailed("the data key was wrapped by a key that is not in the ring")
        return DataKey(_open(key, wrapped.blob, self._aad(application_id)), application_id)


class ServiceKeys:
    """Keys derived from the service secret, each for one purpose."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < KEY_BYTES:
            raise InvalidKeyRing("the service secret needs at least 32 bytes")
        self.email_lookup = self._derive(secret, b"email-lookup")
        self.applicant_session = self._derive(secret, b"applicant-session")
        self.mail_queue = self._derive(secret, b"mail-queue")

    @staticmethod
    def _derive(secret: bytes, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"recruiting-applications/" + purpose).derive(secret)

    def lookup_hash(self, email: str) -> bytes:
        """Keyed hash of the normalised address: equal addresses match, the address cannot be read back."""
        return hmac.new(self.email_lookup, normalise_email(email).encode(), hashlib.sha256).digest()

    def seal_mail(self, mail_id: UUID, field: str, plaintext: str) -> bytes:
        return _seal(self.mail_queue, plaintext.encode(), f"mail|{mail_id}|{field}".encode())

    def open_mail(self, mail_id: UUID, field: str, sealed: bytes) -> str:
        return _open(self.mail_queue, sealed, f"mail|{mail_id}|{field}".encode()).decode()


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
