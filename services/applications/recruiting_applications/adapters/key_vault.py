"""The key vault: the wrapped data key of each application, one small file per application, outside the database.

Why outside: a data key kept in the database travels with every backup of it, and the key-encryption key still
opens it after an erasure. Kept here, deleting the vault entry (crypto-shredding) makes every copy of the database,
old backups included, unreadable. The vault folder must itself be kept on storage the operator controls, with
backups that expire within the legal month (see docs/applications.md)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from .crypto import WrappedKey, b64decode, b64encode


class FileKeyVault:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, application_id: UUID) -> Path:
        name = str(application_id)
        return self.folder / name[:2] / f"{name}.key"

    def put(self, application_id: UUID, wrapped: WrappedKey) -> None:
        """Atomic and durable: a crash leaves the old entry or the new one, never half of one."""
        path = self._path(application_id)
        path.parent.mkdir(exist_ok=True, mode=0o700)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        payload = json.dumps({"kek_id": wrapped.kek_id, "wrapped": b64encode(wrapped.blob)}).encode()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        _fsync_folder(path.parent)

    def get(self, application_id: UUID) -> WrappedKey | None:
        try:
            entry = json.loads(self._path(application_id).read_bytes())
        except FileNotFoundError:
            return None
        return WrappedKey(entry["kek_id"], b64decode(entry["wrapped"]))

    def shred(self, application_id: UUID) -> bool:
        """Delete the entry; True when there was one. Idempotent."""
        path = self._path(application_id)
        with self._exclusive():
            try:
                path.unlink()
            except FileNotFoundError:
                return False
        _fsync_folder(path.parent)
        return True

    def replace_if_present(self, application_id: UUID, change: Callable[[WrappedKey], WrappedKey | None]) -> bool:
        """Read, change and write back one entry under the vault's lock, so that a shred running at the same time
        cannot be undone by the write (an erased application's key must never come back). False when absent."""
        with self._exclusive():
            current = self.get(application_id)
            if current is None:
                return False
            changed = change(current)
            if changed is not None:
                self.put(application_id, changed)
            return changed is not None

    @contextmanager
    def _exclusive(self):
        """A lock across processes (the service and the operator's rewrap command) on this vault folder."""
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def modified_at(self, application_id: UUID) -> float:
        try:
            return self._path(application_id).stat().st_mtime
        except FileNotFoundError:
            return float("inf")

    def application_ids(self) -> Iterator[UUID]:
        for path in self.folder.glob("*/*.key"):
            yield UUID(path.stem)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
