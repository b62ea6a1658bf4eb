"""asyncpg queries of the retention service: one method per query, keyword-only filters. Every method runs on the
caller's connection, inside the caller's transaction (the consumer's inbox transaction or a handler's own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from ..domain.deadline import Deadline
from ..domain.model import ApplicationFacts, Hold, Policy


@dataclass(frozen=True)
class TrackedApplication:
    facts: ApplicationFacts
    erasure_issued_at: datetime | None
    erased_at: datetime | None

    @property
    def schedule_is_open(self) -> bool:
        """Once an erasure is issued or done, nothing changes its deadline any more."""
        return self.erasure_issued_at is None and self.erased_at is None


@dataclass(frozen=True)
class IssuedErasure:
    application_id: UUID
    company_id: UUID
    trigger: str
    due_at: datetime
    requested_at: datetime


_SELECT_TRACKED = """
    SELECT a.*, p.closed_at AS posting_closed_at
    FROM tracked_applications a LEFT JOIN closed_postings p ON p.posting_id = a.posting_id
"""


class RetentionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # --- policies ------------------------------------------------------------------------------------------------
    async def policy(self, *, company_id: UUID) -> Policy:
        row = await self.conn.fetchrow(
            "SELECT retention_days, talent_pool_days FROM retention_policies WHERE company_id = $1", company_id
        )
        return Policy(row["retention_days"], row["talent_pool_days"]) if row else Policy()

    async def save_policy(self, *, company_id: UUID, policy: Policy) -> None:
        await self.conn.execute(
            """INSERT INTO retention_policies (company_id, retention_days, talent_pool_days) VALUES ($1, $2, $3)
               ON CONFLICT (company_id) DO UPDATE
               SET retention_days = excluded.retention_days, talent_pool_days = excluded.talent_pool_days,
                   updated_at = now()""",
            company_id, policy.retention_days, policy.talent_pool_days,
        )

    async def lock_policy(self, *, company_id: UUID) -> None:
        """Serialises policy changes of one company with each other (two admins saving at once)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(7311604, hashtext($1::uuid::text))", company_id)

    # --- applications ----------------------------------------------------------------------------------------------
    async def lock_application(self, *, application_id: UUID, company_id: UUID) -> TrackedApplication:
        """The application's row, created when this is the first event about it, locked until the commit."""
        await self.conn.execute(
            """INSERT INTO tracked_applications (application_id, company_id) VALUES ($1, $2)
               ON CONFLICT (application_id) DO NOTHING""",
            application_id, company_id,
        )
        return (await self._load(f"{_SELECT_TRACKED} WHERE a.application_id = $1 FOR UPDATE OF a", application_id))[0]

    async def find_application(self, *, application_id: UUID, company_id: UUID) -> TrackedApplication | None:
        """Locked; None when unknown or another company's (the caller answers 404 either way)."""
        found = await self._load(
            f"{_SELECT_TRACKED} WHERE a.application_id = $1 AND a.company_id = $2 FOR UPDATE OF a",
            application_id, company_id,
        )
        return found[0] if found else None

    async def lock_open_applications(self, *, company_id: UUID | None = None,
                                     posting_id: UUID | None = None) -> list[TrackedApplication]:
        """Applications whose deadline can still change, of a company or of a posting, locked."""
        column, value = ("a.company_id", company_id) if company_id else ("a.posting_id", posting_id)
        return await self._load(
            f"""{_SELECT_TRACKED} WHERE {column} = $1 AND a.erasure_issued_at IS NULL AND a.erased_at IS NULL
                ORDER BY a.application_id FOR UPDATE OF a""",
            value,
        )

    async def _load(self, query: str, *args: object) -> list[TrackedApplication]:
        rows = await self.conn.fetch(query, *args)
        holds = await self._holds([r["application_id"] for r in rows])
        return [
            TrackedApplication(
                facts=ApplicationFacts(
                    application_id=r["application_id"], company_id=r["company_id"], posting_id=r["posting_id"],
                    submitted_at=r["submitted_at"], status=r["status"], status_changed_at=r["status_changed_at"],
                    talent_pool=r["talent_pool"], consent_changed_at=r["consent_changed_at"],
                    posting_closed_at=r["posting_closed_at"], holds=tuple(holds.get(r["application_id"], ())),
                ),
                erasure_issued_at=r["erasure_issued_at"],
                erased_at=r["erased_at"],
            )
            for r in rows
        ]

    async def _holds(self, application_ids: list[UUID]) -> dict[UUID, list[Hold]]:
        if not application_ids:
            return {}
        rows = await self.conn.fetch(
            """SELECT application_id, placed_at, until, released_at FROM legal_holds
               WHERE application_id = ANY($1::uuid[]) ORDER BY placed_at""",
            application_ids,
        )
        holds: dict[UUID, list[Hold]] = {}
        for r in rows:
            holds.setdefault(r["application_id"], []).append(Hold(r["placed_at"], r["until"], r["released_at"]))
        return holds

    async def save_facts(self, facts: ApplicationFacts, deadline: Deadline) -> None:
        await self.save_many([(facts, deadline)])

    async def save_many(self, changes: list[tuple[ApplicationFacts, Deadline]]) -> None:
        await self.conn.executemany(
            """UPDATE tracked_applications SET posting_id = $2, submitted_at = $3, status = $4,
                   status_changed_at = $5, talent_pool = $6, consent_changed_at = $7, due_at = $8,
                   clock_started_by = $9, clock_started_at = $10, updated_at = now()
               WHERE application_id = $1""",
            [
                (f.application_id, f.posting_id, f.submitted_at, f.status, f.status_changed_at, f.talent_pool,
                 f.consent_changed_at, d.due_at, d.clock_started_by, d.clock_started_at)
                for f, d in changes
            ],
        )

    async def mark_erasure_issued(self, *, application_id: UUID, issued_at: datetime) -> None:
        await self.conn.execute(
            """UPDATE tracked_applications SET erasure_issued_at = coalesce(erasure_issued_at, $2), updated_at = now()
               WHERE application_id = $1""",
            application_id, issued_at,
        )

    # --- postings --------------------------------------------------------------------------------------------------
    async def record_posting_closed(self, *, posting_id: UUID, company_id: UUID, closed_at: datetime) -> None:
        """The first closing counts: the clock of waiting applications started then."""
        await self.conn.execute(
            """INSERT INTO closed_postings (posting_id, company_id, closed_at) VALUES ($1, $2, $3)
               ON CONFLICT (posting_id) DO UPDATE SET closed_at = least(closed_postings.closed_at, excluded.closed_at)""",
            posting_id, company_id, closed_at,
        )

    async def posting_closed_at(self, *, posting_id: UUID) -> datetime | None:
        return await self.conn.fetchval("SELECT closed_at FROM closed_postings WHERE posting_id = $1", posting_id)

    # --- legal holds -----------------------------------------------------------------------------------------------
    async def add_hold(self, *, hold_id: UUID, application_id: UUID, company_id: UUID, reason: str,
                       placed_by: UUID, placed_at: datetime, until: datetime | None) -> asyncpg.Record:
        return await self.conn.fetchrow(
            """INSERT INTO legal_holds (hold_id, application_id, company_id, reason, placed_by, placed_at, until)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            hold_id, application_id, company_id, reason, placed_by, placed_at, until,
        )

    async def lock_hold(self, *, hold_id: UUID, company_id: UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT * FROM legal_holds WHERE hold_id = $1 AND company_id = $2 FOR UPDATE", hold_id, company_id
        )

    async def release_hold(self, *, hold_id: UUID, released_by: UUID, released_at: datetime) -> bool:
        """Conditional: only the first release of a hold counts."""
        status = await self.conn.execute(
            """UPDATE legal_holds SET released_at = $3, released_by = $2
               WHERE hold_id = $1 AND released_at IS NULL""",
            hold_id, released_by, released_at,
        )
        return status.endswith(" 1")

    async def holds(self, *, company_id: UUID, application_id: UUID | None, limit: int, offset: int) -> list:
        return await self.conn.fetch(
            """SELECT * FROM legal_holds WHERE company_id = $1 AND ($2::uuid IS NULL OR application_id = $2)
               ORDER BY placed_at DESC, hold_id LIMIT $3 OFFSET $4""",
            company_id, application_id, limit, offset,
        )

    # --- erasures --------------------------------------------------------------------------------------------------
    async def log_erasure(self, erasure: IssuedErasure, *, issued_at: datetime) -> bool:
        """False when this application already has an entry for this trigger (a repeated request): the pending
        erasure is re-issued by the sweeper if it is not confirmed, so nothing more is to be done."""
        return bool(await self.conn.fetchval(
            """INSERT INTO erasure_log (application_id, company_id, trigger, requested_at, due_at, issued_at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true""",
            erasure.application_id, erasure.company_id, erasure.trigger, erasure.requested_at, erasure.due_at,
            issued_at,
        ))

    async def log_erasures(self, erasures: list[IssuedErasure], *, issued_at: datetime) -> None:
        """`log_erasure` for a batch claimed by the sweeper."""
        await self.conn.executemany(
            """INSERT INTO erasure_log (application_id, company_id, trigger, requested_at, due_at, issued_at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
            [(e.application_id, e.company_id, e.trigger, e.requested_at, e.due_at, issued_at) for e in erasures],
        )

    async def confirm_erasure(self, *, application_id: UUID, company_id: UUID, trigger: str,
                              erased_at: datetime) -> int:
        """The application becomes a tombstone (also when this is the first event about it, so that later events
        are no-ops), the reasons of its holds are cleared, and every open log entry of it is done by this one erasure; returns how many were open. When
        retention never asked (the event overtook the request, or applications erased on its own), an entry is
        written now. One statement: this runs once per erasure, and the consumer handles one message at a time."""
        return await self.conn.fetchval(
            """WITH tombstone AS (
                   INSERT INTO tracked_applications (application_id, company_id, erased_at) VALUES ($1, $2, $4)
                   ON CONFLICT (application_id) DO UPDATE
                   SET erased_at = coalesce(tracked_applications.erased_at, excluded.erased_at), due_at = NULL,
                       updated_at = now()
               ), reasons_cleared AS (
                   -- free text a company wrote; it could name the applicant, so it goes with the application
                   UPDATE legal_holds SET reason = '(erased)' WHERE application_id = $1 AND reason <> '(erased)'
               ), completed AS (
                   UPDATE erasure_log SET erased_at = $4 WHERE application_id = $1 AND erased_at IS NULL RETURNING 1
               ), unasked AS (
                   INSERT INTO erasure_log (application_id, company_id, trigger, requested_at, due_at, issued_at,
                                            attempts, erased_at)
                   SELECT $1, $2, $3, $4, $4, $4, 0, $4
                   WHERE NOT EXISTS (SELECT 1 FROM erasure_log WHERE application_id = $1)
               )
               SELECT count(*) FROM completed""",
            application_id, company_id, trigger, erased_at,
        )

    async def claim_due(self, *, now: datetime, limit: int) -> list[IssuedErasure]:
        """Due applications, each marked issued by exactly one caller: rows locked by a concurrent sweeper are
        skipped, and the conditional update only takes rows that are still unissued."""
        rows = await self.conn.fetch(
            """UPDATE tracked_applications t SET erasure_issued_at = $1, updated_at = now()
               FROM (SELECT application_id FROM tracked_applications
                     WHERE due_at <= $1 AND erasure_issued_at IS NULL AND erased_at IS NULL
                     ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
               WHERE t.application_id = due.application_id AND t.erasure_issued_at IS NULL
               RETURNING t.application_id, t.company_id, t.due_at""",
            now, limit,
        )
        return [IssuedErasure(r["application_id"], r["company_id"], "deadline", r["due_at"], now) for r in rows]

    async def claim_unconfirmed(self, *, issued_before: datetime, now: datetime, limit: int) -> list[IssuedErasure]:
        rows = await self.conn.fetch(
            """UPDATE erasure_log e SET issued_at = $2, attempts = e.attempts + 1
               FROM (SELECT application_id, trigger FROM erasure_log
                     WHERE erased_at IS NULL AND issued_at < $1
                     ORDER BY issued_at LIMIT $3 FOR UPDATE SKIP LOCKED) late
               WHERE e.application_id = late.application_id AND e.trigger = late.trigger
                     AND e.erased_at IS NULL AND e.issued_at < $1
               RETURNING e.application_id, e.company_id, e.trigger, e.due_at, e.requested_at""",
            issued_before, now, limit,
        )
        return [IssuedErasure(r["application_id"], r["company_id"], r["trigger"], r["due_at"], r["requested_at"])
                for r in rows]

    async def count_overdue(self, *, now: datetime, grace: timedelta) -> dict[str, int]:
        """Erasures not confirmed within `grace` of being requested, and deadlines passed by more than `grace`
        without an erasure being issued (the sweeper is not running)."""
        row = await self.conn.fetchrow(
            """SELECT
                 (SELECT count(*) FROM erasure_log WHERE erased_at IS NULL AND requested_at < $1) AS unconfirmed,
                 (SELECT count(*) FROM tracked_applications
                  WHERE due_at < $1 AND erasure_issued_at IS NULL AND erased_at IS NULL) AS unissued""",
            now - grace,
        )
        return {"unconfirmed": row["unconfirmed"], "unissued": row["unissued"]}

    async def erasures(self, *, company_id: UUID, limit: int, offset: int) -> list[asyncpg.Record]:
        return await self.conn.fetch(
            """SELECT application_id, trigger, requested_at, erased_at, attempts FROM erasure_log
               WHERE company_id = $1 ORDER BY requested_at DESC, application_id, trigger LIMIT $2 OFFSET $3""",
            company_id, limit, offset,
        )

    async def schedule(self, *, company_id: UUID, now: datetime, limit: int, offset: int) -> list[asyncpg.Record]:
        return await self.conn.fetch(
            """SELECT a.application_id, a.due_at, a.clock_started_by, a.clock_started_at, a.talent_pool,
                      a.erasure_issued_at,
                      (SELECT e.trigger FROM erasure_log e WHERE e.application_id = a.application_id
                       ORDER BY e.requested_at LIMIT 1) AS erasure_trigger,
                      EXISTS (SELECT 1 FROM legal_holds h WHERE h.application_id = a.application_id
                              AND h.placed_at <= $2 AND (h.until IS NULL OR h.until > $2)
                              AND (h.released_at IS NULL OR h.released_at > $2)) AS on_hold
               FROM tracked_applications a
               WHERE a.company_id = $1 AND a.erased_at IS NULL
               ORDER BY a.due_at NULLS LAST, a.application_id LIMIT $3 OFFSET $4""",
            company_id, now, limit, offset,
        )
