"""Loading the key material from the settings (in development it is created under DATA_DIR, with a warning), and
opening an application's data key from the vault."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from ..config import ApplicationsSettings
from .crypto import DataKey, DecryptionFailed, KeyRing, ServiceKeys, b64decode, b64encode, new_key
from .key_vault import FileKeyVault

log = logging.getLogger(__name__)

DEVELOPMENT_KEYS_FILE = "applications-dev-keys.json"


@dataclass
class KeyMaterial:
    ring: KeyRing
    service: ServiceKeys
    vault: FileKeyVault


def load_key_material(settings: ApplicationsSettings) -> KeyMaterial:
    ring_text, secret_text = settings.key_ring, settings.service_secret
    if not (ring_text and secret_text):
        development = _development_keys(settings.data_dir)
        ring_text = ring_text or development["key_ring"]
        secret_text = secret_text or development["service_secret"]
    return KeyMaterial(KeyRing.parse(ring_text), ServiceKeys(b64decode(secret_text)), FileKeyVault(settings.vault_dir))


def _development_keys(data_dir: Path) -> dict[str, str]:
    path = data_dir / DEVELOPMENT_KEYS_FILE
    log.warning("using the development key ring from DATA_DIR; set KEY_RING and SERVICE_SECRET in production")
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = {"key_ring": f"dev-1:{b64encode(new_key())}", "service_secret": b64encode(new_key())}
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another instance created it a moment ago
        return json.loads(path.read_text())
    with os.fdopen(fd, "w") as file:
        json.dump(keys, file)
    return keys


def open_data_key(keys: KeyMaterial, application_id: UUID) -> DataKey:
    """The application's data key from the vault; DecryptionFailed once it has been shredded."""
    wrapped = keys.vault.get(application_id)
    if wrapped is None:
        raise DecryptionFailed("the application's data key is not in the vault")
    return keys.ring.unwrap(wrapped, application_id)
