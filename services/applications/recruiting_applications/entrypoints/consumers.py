"""The applications service's event consumers: posting events (which postings are open) and retention's command."""

from __future__ import annotations

from recruiting_shared.events import ErasureDue, PostingClosed, PostingPublished
from recruiting_shared.messaging import Consumer

from ..service_layer import erasure, postings
from ..service_layer.context import Services


class Wiring:
    """Set by bootstrap: consumer handlers receive (event, conn) only, the erasure also needs the key material."""

    services: Services | None = None


async def on_erasure_due(event: ErasureDue, conn) -> None:
    await erasure.erase_application(event, conn, Wiring.services)


CONSUMERS: list[Consumer] = [
    Consumer("postings", {PostingPublished: postings.record_posting_published,
                          PostingClosed: postings.record_posting_closed}),
    Consumer("erasure", {ErasureDue: on_erasure_due}),
]
