"""The background loop that closes postings at their closes_at. Safe with any number of instances: each batch
claims rows with FOR UPDATE SKIP LOCKED and closes them with a conditional update, in one transaction with the
posting.closed events, so every posting is closed and announced exactly once."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from recruiting_shared.service import Runtime

from ..adapters.unit_of_work import unit_of_work
from ..config import PostingsSettings
from ..service_layer.handlers import close_due_postings

log = logging.getLogger(__name__)
BATCH = 100


async def close_due_postings_forever(runtime: Runtime) -> None:
    settings = runtime.settings
    interval = settings.closing_sweep_seconds if isinstance(settings, PostingsSettings) else 10.0
    while True:
        try:
            await close_all_due(runtime)
        except asyncio.CancelledError:
            raise
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("closing loop: database unavailable", extra={"error_type": type(exc).__name__})
        except Exception:
            # Anything else is a bug, but postings must keep closing: log it and try again next round.
            log.exception("closing loop failed")
        await asyncio.sleep(interval)


async def close_all_due(runtime: Runtime) -> int:
    total = 0
    while True:
        async with unit_of_work(runtime.pool, runtime.outbox) as uow:
            closed = await close_due_postings(uow, limit=BATCH)
        total += closed
        if closed:
            log.info("postings closed at their closing date", extra={"count": closed})
        if closed < BATCH:
            return total
