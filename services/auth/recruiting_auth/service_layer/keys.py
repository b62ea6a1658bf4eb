"""Signing-key maintenance: scheduled rotation, forgetting keys no token can name, keeping each instance's cache
fresh. Runs in every instance; the table lock in Keyring makes one of them rotate."""

from __future__ import annotations

import asyncio
import logging

from ..adapters import repository as repo
from ..domain.signing_keys import KeyVersion
from .context import Auth

log = logging.getLogger(__name__)


async def rotate_signing_key(auth: Auth) -> KeyVersion:
    async with auth.pool.acquire() as conn:
        version = await auth.keyring.rotate(conn)
        await auth.keyring.reload(conn)
    return version


async def maintain_keys(auth: Auth) -> None:
    while True:
        await asyncio.sleep(auth.settings.signing_key_reload_seconds)
        try:
            async with auth.pool.acquire() as conn:
                await auth.keyring.rotate(conn, only_if_due=True)
                await auth.keyring.forget_expired(conn)
                await auth.keyring.reload(conn)
                await repo.purge_expired_tokens(conn)
            await auth.limiter.purge_expired()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("key maintenance failed", extra={"error_type": type(exc).__name__})
