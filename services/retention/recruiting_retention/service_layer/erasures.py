"""Issuing erasures: the deadline sweeper, re-issuing what was not confirmed in time, and the overdue figure.

Safe with any number of sweeper instances: each batch claims rows with `FOR UPDATE SKIP LOCKED` and a conditional
update, and writes the command to the outbox in the same transaction. A sweeper killed mid-batch has either
committed the batch (its outbox rows are published, at least once, with one event id each) or not (the rows are
still due and the next pass takes them). Catching up after downtime needs nothing special: a pass takes everything
whose deadline is in the past, not only what fell due since the last pass."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from recruiting_shared.events import ErasureDue
from recruiting_shared.outbox import Outbox

from ..adapters import metrics
from ..adapters.repository import IssuedErasure, RetentionRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    issued: int
    reissued: int
    overdue: dict[str, int]


async def issue_erasure(outbox: Outbox, conn: asyncpg.Connection, erasure: IssuedErasure) -> None:
    await issue_erasures(outbox, conn, [erasure])


async def issue_erasures(outbox: Outbox, conn: asyncpg.Connection, erasures: list[IssuedErasure]) -> None:
    await outbox.add_many(conn, [
        ErasureDue(application_id=e.application_id, company_id=e.company_id, trigger=e.trigger, due_at=e.due_at,
                   requested_at=e.requested_at)
        for e in erasures
    ])
    for erasure in erasures:
        metrics.erasures_issued.labels(erasure.trigger).inc()


async def sweep(pool: asyncpg.Pool, outbox: Outbox, *, now: datetime, batch_size: int,
                confirm_within: timedelta) -> SweepResult:
    """One pass: every erasure due at `now`, then every issued erasure not confirmed within `confirm_within`."""
    issued = await _in_batches(pool, batch_size, lambda repo: _issue_due(repo, outbox, now, batch_size))
    reissued = await _in_batches(
        pool, batch_size, lambda repo: _reissue_unconfirmed(repo, outbox, now, batch_size, confirm_within))
    async with pool.acquire() as conn:
        overdue = await RetentionRepository(conn).count_overdue(now=now, grace=confirm_within)
    for kind, count in overdue.items():
        metrics.erasures_overdue.labels(kind).set(count)
    if issued or reissued:
        log.info("erasures issued", extra={"count": issued + reissued})
    if reissued:
        log.warning("erasures re-issued, not confirmed in time", extra={"count": reissued})
    return SweepResult(issued, reissued, overdue)


async def _in_batches(pool: asyncpg.Pool, batch_size: int, step) -> int:
    """Each batch in its own short transaction, so that a long catch-up holds no lock for long."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            done = await step(RetentionRepository(conn))
        total += done
        if done < batch_size:
            return total


async def _issue_due(repo: RetentionRepository, outbox: Outbox, now: datetime, batch_size: int) -> int:
    due = await repo.claim_due(now=now, limit=batch_size)
    await repo.log_erasures(due, issued_at=now)
    await issue_erasures(outbox, repo.conn, due)
    return len(due)


async def _reissue_unconfirmed(repo: RetentionRepository, outbox: Outbox, now: datetime, batch_size: int,
                               confirm_within: timedelta) -> int:
    late = await repo.claim_unconfirmed(issued_before=now - confirm_within, now=now, limit=batch_size)
    await issue_erasures(outbox, repo.conn, late)
    metrics.erasures_reissued.inc(len(late))
    return len(late)
