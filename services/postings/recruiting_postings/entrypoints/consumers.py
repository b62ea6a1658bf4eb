"""The postings service's event consumers (queues and handlers)."""

from recruiting_shared.messaging import Consumer

CONSUMERS: list[Consumer] = []
