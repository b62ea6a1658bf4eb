"""The retention service's handlers and sweeper against a real PostgreSQL database, with the time given.

Events are applied the way the consumer applies them (one transaction each); the outbox rows they write are what
the relay would publish."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
import pytest_asyncio
from recruiting_retention.adapters.repository import RetentionRepository
from recruiting_retention.bootstrap import MIGRATIONS
from recruiting_retention.service_layer import company, schedule
from recruiting_retention.service_layer.erasures import sweep
from recruiting_retention.service_layer.errors import ApplicationNotFound, ErasureUnderWay, HoldNotFound
from recruiting_shared import db
from recruiting_shared.events import (
    ApplicationErased, ApplicationErasureRequested, ApplicationStatusChanged, ApplicationSubmitted, ConsentChanged,
    PostingClosed,
)
from recruiting_shared.messaging import PermanentError
from recruiting_shared.outbox import Outbox

OUTBOX = Outbox("retention")
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CONFIRM = timedelta(hours=1)


@pytest_asyncio.fixture
async def pool(stack):
    name = stack.database_name(f"retention_{uuid4().hex[:8]}")
    await db.prepare_database(stack.infra.postgres_url, name, MIGRATIONS)
    connection_pool = await db.create_pool(f"{stack.infra.postgres_url}/{name}", max_size=6)
    yield connection_pool
    await connection_pool.close()


class Application:
    """Events about one application, as the applications service would publish them."""

    def __init__(self, company_id: UUID | None = None, posting_id: UUID | None = None) -> None:
        self.id, self.company_id, self.posting_id = uuid4(), company_id or uuid4(), posting_id or uuid4()

    def submitted(self, at: datetime, talent_pool: bool = False) -> ApplicationSubmitted:
        return ApplicationSubmitted(application_id=self.id, company_id=self.company_id, posting_id=self.posting_id,
                                    submitted_at=at, talent_pool_consent=talent_pool)

    def status(self, new_status: str, at: datetime, old_status: str = "received") -> ApplicationStatusChanged:
        return ApplicationStatusChanged(application_id=self.id, company_id=self.company_id, posting_id=self.posting_id,
                                        old_status=old_status, new_status=new_status, changed_at=at)

    def consent(self, talent_pool: bool, at: datetime) -> ConsentChanged:
        return ConsentChanged(application_id=self.id, company_id=self.company_id, talent_pool=talent_pool, changed_at=at)

    def erasure_requested(self, trigger: str, at: datetime) -> ApplicationErasureRequested:
        return ApplicationErasureRequested(application_id=self.id, company_id=self.company_id, trigger=trigger,
                                           requested_at=at)

    def erased(self, trigger: str, at: datetime) -> ApplicationErased:
        return ApplicationErased(application_id=self.id, company_id=self.company_id, trigger=trigger, erased_at=at)


HANDLERS = {
    ApplicationSubmitted: schedule.application_submitted,
    ApplicationStatusChanged: schedule.application_status_changed,
    ConsentChanged: schedule.consent_changed,
    PostingClosed: schedule.posting_closed,
    ApplicationErased: schedule.application_erased,
}


async def apply(pool, *events, now: datetime = T0) -> None:
    for event in events:
        async with pool.acquire() as conn, conn.transaction():
            repo = RetentionRepository(conn)
            if isinstance(event, ApplicationErasureRequested):
                await schedule.erasure_requested(event, repo, OUTBOX, now=now)
            else:
                await HANDLERS[type(event)](event, repo)


async def schedule_of(pool, company_id: UUID, now: datetime = T0) -> dict[UUID, dict]:
    async with pool.acquire() as conn:
        rows = await RetentionRepository(conn).schedule(company_id=company_id, now=now, limit=10_000, offset=0)
    return {r["application_id"]: dict(r) for r in rows}


async def erasure_commands(pool) -> list[dict]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT envelope FROM outbox WHERE event_type = 'retention.erasure_due' ORDER BY id")
    return [r["envelope"] for r in rows]


async def erasure_log(pool, company_id: UUID) -> list[dict]:
    async with pool.acquire() as conn:
        return [dict(r) for r in await RetentionRepository(conn).erasures(company_id=company_id, limit=100, offset=0)]


async def run_sweep(pool, now: datetime):
    return await sweep(pool, OUTBOX, now=now, batch_size=100, confirm_within=CONFIRM)


async def test_events_out_of_order_and_twice_give_the_right_schedule(pool):
    app = Application()
    rejected = app.status("rejected", T0 + timedelta(days=3), old_status="in_review")
    in_review = app.status("in_review", T0 + timedelta(days=1))
    await apply(pool, rejected, app.submitted(T0, talent_pool=True), in_review, rejected, app.submitted(T0, True))
    entry = (await schedule_of(pool, app.company_id))[app.id]
    assert entry["due_at"] == T0 + timedelta(days=3 + 730)
    assert (entry["clock_started_by"], entry["talent_pool"], entry["on_hold"]) == ("rejected", True, False)
    await apply(pool, app.consent(False, T0 + timedelta(days=5)), app.consent(True, T0 + timedelta(days=4)))
    assert (await schedule_of(pool, app.company_id))[app.id]["due_at"] == T0 + timedelta(days=3 + 180)


async def test_an_event_naming_another_company_for_a_known_application_is_refused_as_permanent(pool):
    app = Application()
    await apply(pool, app.status("rejected", T0))
    forged = app.status("hired", T0 + timedelta(days=1)).model_copy(update={"company_id": uuid4()})
    with pytest.raises(PermanentError):
        await apply(pool, forged)
    entry = (await schedule_of(pool, app.company_id))[app.id]
    assert (entry["clock_started_by"], entry["clock_started_at"]) == ("rejected", T0)


async def test_an_event_with_dates_at_the_end_of_time_is_refused_as_permanent(pool):
    app = Application()
    with pytest.raises(PermanentError):
        await apply(pool, app.status("rejected", datetime(9999, 12, 31, tzinfo=UTC)))
    assert app.id not in {e for e in await schedule_of(pool, app.company_id)}


async def test_a_closed_posting_starts_the_clock_of_undecided_applications_even_when_it_overtakes_them(pool):
    posting, company_id = uuid4(), uuid4()
    early, late, decided = (Application(company_id, posting) for _ in range(3))
    await apply(pool, early.submitted(T0), decided.submitted(T0), decided.status("hired", T0 + timedelta(days=2)))
    await apply(pool, PostingClosed(posting_id=posting, company_id=company_id, closed_at=T0 + timedelta(days=10),
                                    reason="closing_date_reached"))
    await apply(pool, late.submitted(T0 + timedelta(days=1)))  # its submission arrives after the closing
    entries = await schedule_of(pool, company_id)
    assert entries[early.id]["due_at"] == entries[late.id]["due_at"] == T0 + timedelta(days=190)
    assert entries[early.id]["clock_started_by"] == "posting_closed"
    assert entries[decided.id]["due_at"] == T0 + timedelta(days=182)


async def test_a_policy_change_recomputes_the_open_schedule_of_that_company_only(pool):
    mine, other = Application(), Application()
    await apply(pool, mine.status("rejected", T0), other.status("rejected", T0))
    async with pool.acquire() as conn:
        policy = await company.change_policy(conn, company_id=mine.company_id, retention_days=30, talent_pool_days=None)
    assert (policy.retention_days, policy.talent_pool_days) == (30, 730)
    assert (await schedule_of(pool, mine.company_id))[mine.id]["due_at"] == T0 + timedelta(days=30)
    assert (await schedule_of(pool, other.company_id))[other.id]["due_at"] == T0 + timedelta(days=180)


async def test_holds_pause_the_clock_are_visible_and_are_scoped_to_the_company(pool):
    app = Application()
    await apply(pool, app.status("rejected", T0))
    async with pool.acquire() as conn:
        await company.change_policy(conn, company_id=app.company_id, retention_days=10, talent_pool_days=None)
        with pytest.raises(ApplicationNotFound):
            await company.place_hold(conn, company_id=uuid4(), user_id=uuid4(), application_id=app.id,
                                     reason="lawsuit", until=None, now=T0)
        hold = await company.place_hold(conn, company_id=app.company_id, user_id=uuid4(), application_id=app.id,
                                        reason="lawsuit 4 Ca 12/26", until=None, now=T0 + timedelta(days=5))
    entry = (await schedule_of(pool, app.company_id, now=T0 + timedelta(days=20)))[app.id]
    assert (entry["due_at"], entry["on_hold"]) == (None, True)
    assert (await run_sweep(pool, T0 + timedelta(days=40))).issued == 0  # held data is kept past its deadline

    async with pool.acquire() as conn:
        with pytest.raises(HoldNotFound):
            await company.lift_hold(conn, company_id=uuid4(), user_id=uuid4(), hold_id=hold["hold_id"], now=T0)
        lifted_at = T0 + timedelta(days=40)
        await company.lift_hold(conn, company_id=app.company_id, user_id=uuid4(), hold_id=hold["hold_id"], now=lifted_at)
        await company.lift_hold(conn, company_id=app.company_id, user_id=uuid4(), hold_id=hold["hold_id"],
                                now=lifted_at + timedelta(days=1))  # twice: the first lifting counts
    entry = (await schedule_of(pool, app.company_id, now=lifted_at))[app.id]
    assert (entry["due_at"], entry["on_hold"]) == (lifted_at + timedelta(days=5), False)  # 5 of 10 days were left

    await apply(pool, app.erased("deadline", lifted_at + timedelta(days=6)))
    async with pool.acquire() as conn:
        [kept] = await RetentionRepository(conn).holds(company_id=app.company_id, application_id=app.id, limit=5,
                                                      offset=0)
    assert (kept["reason"], kept["released_at"]) == ("(erased)", lifted_at)  # the hold stays visible, its text goes


async def test_an_erasure_request_is_answered_at_once_and_completed_by_the_confirmation(pool):
    app = Application()
    await apply(pool, app.submitted(T0))
    asked_at = T0 + timedelta(days=2)
    request = app.erasure_requested("applicant_request", asked_at)
    await apply(pool, request, request, now=asked_at)  # the applicant asked twice
    [command] = await erasure_commands(pool)
    assert command["type"] == "retention.erasure_due"
    assert command["data"] == {"application_id": str(app.id), "company_id": str(app.company_id),
                               "trigger": "applicant_request", "due_at": asked_at.isoformat().replace("+00:00", "Z"),
                               "requested_at": asked_at.isoformat().replace("+00:00", "Z")}
    async with pool.acquire() as conn:
        with pytest.raises(ErasureUnderWay):
            await company.place_hold(conn, company_id=app.company_id, user_id=uuid4(), application_id=app.id,
                                     reason="too late", until=None, now=asked_at)
    assert (await schedule_of(pool, app.company_id))[app.id]["erasure_trigger"] == "applicant_request"

    erased_at = asked_at + timedelta(minutes=1)
    await apply(pool, app.erased("applicant_request", erased_at), app.status("rejected", erased_at))
    assert await erasure_log(pool, app.company_id) == [
        {"application_id": app.id, "trigger": "applicant_request", "requested_at": asked_at, "erased_at": erased_at,
         "attempts": 1}]
    assert app.id not in await schedule_of(pool, app.company_id)
    assert (await run_sweep(pool, T0 + timedelta(days=400))).issued == 0


async def test_an_erasure_confirmed_without_a_request_is_still_logged(pool):
    app = Application()
    await apply(pool, app.erased("company_request", T0), app.submitted(T0 - timedelta(days=1)))
    assert await erasure_log(pool, app.company_id) == [
        {"application_id": app.id, "trigger": "company_request", "requested_at": T0, "erased_at": T0, "attempts": 0}]
    assert await schedule_of(pool, app.company_id) == {}


async def test_the_sweeper_issues_what_is_due_once_and_catches_up_after_downtime(pool):
    company_id = uuid4()
    apps = [Application(company_id) for _ in range(5)]
    await apply(pool, *(a.status("rejected", T0 + timedelta(days=i)) for i, a in enumerate(apps)))
    async with pool.acquire() as conn:
        await company.change_policy(conn, company_id=company_id, retention_days=1, talent_pool_days=None)
    assert (await run_sweep(pool, T0 + timedelta(hours=23))).issued == 0
    assert (await run_sweep(pool, T0 + timedelta(days=1))).issued == 1
    # down for a week: everything that fell due meanwhile goes out in the next pass, nothing twice; the first
    # erasure was never confirmed, so it is issued again
    catch_up = await run_sweep(pool, T0 + timedelta(days=8))
    assert (catch_up.issued, catch_up.reissued) == (4, 1)
    assert (await run_sweep(pool, T0 + timedelta(days=8, minutes=1))).issued == 0
    commands = await erasure_commands(pool)
    assert sorted(c["data"]["application_id"] for c in commands) == sorted([str(a.id) for a in apps] + [str(apps[0].id)])
    assert {c["data"]["trigger"] for c in commands} == {"deadline"}
    log = await erasure_log(pool, company_id)
    assert {(e["trigger"], e["erased_at"]) for e in log} == {("deadline", None)}


async def test_two_sweepers_at_once_issue_each_due_erasure_exactly_once(pool):
    company_id = uuid4()
    apps = [Application(company_id) for _ in range(600)]
    async with pool.acquire() as conn:
        await company.change_policy(conn, company_id=company_id, retention_days=0, talent_pool_days=None)
        await conn.executemany(
            """INSERT INTO tracked_applications (application_id, company_id, status, status_changed_at, due_at)
               VALUES ($1, $2, 'rejected', $3, $3)""",
            [(a.id, company_id, T0) for a in apps],
        )
    first, second = await asyncio.gather(run_sweep(pool, T0 + timedelta(seconds=1)),
                                         run_sweep(pool, T0 + timedelta(seconds=1)))
    assert first.issued + second.issued == 600
    commands = await erasure_commands(pool)
    assert len(commands) == 600
    assert len({c["data"]["application_id"] for c in commands}) == 600


async def test_an_erasure_not_confirmed_in_time_is_reissued_and_counted_overdue_until_confirmed(pool):
    app = Application()
    await apply(pool, app.status("hired", T0))
    async with pool.acquire() as conn:
        await company.change_policy(conn, company_id=app.company_id, retention_days=0, talent_pool_days=None)
    assert (await run_sweep(pool, T0)).overdue == {"unconfirmed": 0, "unissued": 0}
    within = await run_sweep(pool, T0 + CONFIRM - timedelta(seconds=1))
    assert (within.reissued, within.overdue["unconfirmed"]) == (0, 0)
    late = await run_sweep(pool, T0 + CONFIRM + timedelta(seconds=1))
    assert (late.reissued, late.overdue["unconfirmed"]) == (1, 1)
    first, again = await erasure_commands(pool)
    assert first["event_id"] != again["event_id"]
    assert again["data"] == first["data"]  # the same command, issued again
    await apply(pool, app.erased("deadline", T0 + CONFIRM + timedelta(minutes=1)))
    confirmed = await run_sweep(pool, T0 + 3 * CONFIRM)
    assert (confirmed.reissued, confirmed.overdue["unconfirmed"]) == (0, 0)
    [entry] = await erasure_log(pool, app.company_id)
    assert (entry["attempts"], entry["erased_at"]) == (2, T0 + CONFIRM + timedelta(minutes=1))


async def test_a_deadline_missed_by_a_stopped_sweeper_shows_as_overdue(pool):
    app = Application()
    await apply(pool, app.status("rejected", T0))
    async with pool.acquire() as conn:
        await company.change_policy(conn, company_id=app.company_id, retention_days=0, talent_pool_days=None)
        counts = await RetentionRepository(conn).count_overdue(now=T0 + 2 * CONFIRM, grace=CONFIRM)
    assert counts == {"unconfirmed": 0, "unissued": 1}
