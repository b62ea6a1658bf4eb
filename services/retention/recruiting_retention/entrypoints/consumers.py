"""The retention service's event consumer: one queue, one handler per event type, each run in the inbox
transaction."""

from recruiting_shared.events import (
    ApplicationErased, ApplicationErasureRequested, ApplicationStatusChanged, ApplicationSubmitted,
    ApplicationWithdrawn, ConsentChanged, PostingClosed,
)
from recruiting_shared.messaging import Consumer
from recruiting_shared.outbox import Outbox

from ..adapters.repository import RetentionRepository
from ..service_layer import schedule

OUTBOX = Outbox("retention")


def _with_repository(handler):
    async def handle(event, conn):
        await handler(event, RetentionRepository(conn))

    handle.__name__ = handler.__name__
    return handle


async def _erasure_requested(event: ApplicationErasureRequested, conn) -> None:
    await schedule.erasure_requested(event, RetentionRepository(conn), OUTBOX)


# Two queues, each processed strictly in order: confirmations of erasures do not wait behind schedule events. The
# handlers accept any order between the two (an erased application is a tombstone that later facts leave alone).
CONSUMERS: list[Consumer] = [
    Consumer("schedule", {
        ApplicationSubmitted: _with_repository(schedule.application_submitted),
        ApplicationStatusChanged: _with_repository(schedule.application_status_changed),
        ApplicationWithdrawn: _with_repository(schedule.application_withdrawn),
        ConsentChanged: _with_repository(schedule.consent_changed),
        PostingClosed: _with_repository(schedule.posting_closed),
    }),
    Consumer("erasures", {
        ApplicationErasureRequested: _erasure_requested,
        ApplicationErased: _with_repository(schedule.application_erased),
    }),
]
