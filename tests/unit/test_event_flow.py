"""Every event of the catalog has a producer and at least one consumer queue: an event nobody consumes would be
unroutable and wait in its outbox forever (the relay never drops it)."""

import importlib
import re
from pathlib import Path

import pytest
from recruiting_shared.events import CATALOG

from tests.support.stack import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def consumed_event_types() -> dict[str, list[str]]:
    consumers: dict[str, list[str]] = {}
    for service in SERVICES:
        for consumer in importlib.import_module(f"recruiting_{service}.entrypoints.consumers").CONSUMERS:
            for event_type in consumer.event_types():
                consumers.setdefault(event_type, []).append(f"{service}.{consumer.name}")
    return consumers


def produced_event_types() -> dict[str, list[str]]:
    """Event classes a service's code constructs (it only constructs them to write them into its outbox)."""
    by_class = {model.__name__: event_type for event_type, model in CATALOG.items()}
    producers: dict[str, list[str]] = {}
    for service in SERVICES:
        for path in (ROOT / "services" / service).rglob("*.py"):
            for call in re.findall(r"\b([A-Z]\w+)\(", path.read_text()):
                if call in by_class:
                    producers.setdefault(by_class[call], []).append(service)
    return producers


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_every_event_type_is_produced_and_consumed(event_type):
    assert produced_event_types().get(event_type), f"no service publishes {event_type}"
    assert consumed_event_types().get(event_type), f"no queue consumes {event_type}"
