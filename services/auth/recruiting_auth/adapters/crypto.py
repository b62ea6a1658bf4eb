"""Encryption at rest of the service's secrets (signing keys, queued e-mails) with AES-256-GCM.

One master key comes from configuration (AUTH_ENCRYPTION_KEY). Each use gets its own key derived with HKDF, and
every ciphertext is bound to its row (associated data, e.g. the key id), so a ciphertext copied to another row does
not decrypt. In development, when no key is configured, one is generated into DATA_DIR with a warning."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..config import AuthSettings

log = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_VERSION = b"\x01"
DEV_KEY_FILE = "auth-encryption.key"


class EncryptionKeyError(RuntimeError):
    pass


def generate_master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def decode_master_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError:
        raise EncryptionKeyError("AUTH_ENCRYPTION_KEY is not base64url") from None
    if len(key) != KEY_BYTES:
        raise EncryptionKeyError(f"AUTH_ENCRYPTION_KEY must encode {KEY_BYTES} bytes")
    return key


def load_master_key(settings: AuthSettings) -> bytes:
    if settings.auth_encryption_key is not None:
        return decode_master_key(settings.auth_encryption_key.get_secret_value())
    return decode_master_key(_development_key_file(Path(settings.data_dir) / DEV_KEY_FILE))


def _development_key_file(path: Path) -> str:
    """Read the development key, creating it once. The key is written to a temporary file and hard-linked into
    place, which fails when the file exists: two instances starting together agree on one complete key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(generate_master_key())
        try:
            os.link(temporary, path)
            log.warning("AUTH_ENCRYPTION_KEY not set: generated a development key file; set the variable in "
                        "production", extra={"reason": "development-key"})
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text()


class Sealer:
    """AES-GCM under a key derived for one purpose ('signing-keys', 'mail')."""

    def __init__(self, master_key: bytes, purpose: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                       info=b"recruiting-auth/" + purpose.encode()).derive(master_key)
        self._aead = AESGCM(derived)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if sealed[:1] != FORMAT_VERSION:
            raise EncryptionKeyError("unknown ciphertext format")
        nonce, ciphertext = sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, ciphertext, context)
        except InvalidTag:
            raise EncryptionKeyError("cannot decrypt: wrong AUTH_ENCRYPTION_KEY or tampered data") from None
