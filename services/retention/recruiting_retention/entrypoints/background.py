"""The deadline sweeper, run as a background loop of the service process."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg
from recruiting_shared.service import Runtime

from ..adapters import metrics
from ..service_layer.erasures import sweep

log = logging.getLogger(__name__)


async def sweeper(runtime: Runtime) -> None:
    settings = runtime.settings
    while True:
        try:
            await sweep(runtime.pool, runtime.outbox, now=datetime.now(UTC),
                        batch_size=settings.retention_sweep_batch,
                        confirm_within=timedelta(seconds=settings.retention_confirm_seconds))
            metrics.sweeps.labels("ok").inc()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The database is away: the next pass catches up with everything that fell due meanwhile.
            metrics.sweeps.labels("failed").inc()
            log.warning("sweep failed, will retry", extra={"error_type": type(exc).__name__})
        except Exception:
            # A bug must not end the loop silently: erasures would stop while the service looks healthy.
            metrics.sweeps.labels("failed").inc()
            log.exception("sweep failed unexpectedly, will retry")
        await asyncio.sleep(settings.retention_sweep_seconds)
