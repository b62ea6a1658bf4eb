"""The postings service's event consumers: billing's subscription events (the quota) and auth's
company.registered (the company name on the job board). Each handler runs in the inbox transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from recruiting_shared.events import (
    CompanyRegistered, EventData, SubscriptionActivated, SubscriptionChanged, SubscriptionEnded, SubscriptionRenewed,
)
from recruiting_shared.messaging import Consumer, Handler

from ..adapters.unit_of_work import UnitOfWork
from ..service_layer import quota

E = TypeVar("E", bound=EventData)


def in_unit_of_work(handler: Callable[[E, UnitOfWork], Awaitable[None]]) -> Handler:
    async def handle(event: E, conn: asyncpg.Connection) -> None:
        await handler(event, UnitOfWork(conn))
    handle.__name__ = handler.__name__
    return handle


CONSUMERS: list[Consumer] = [
    Consumer("quota", {
        SubscriptionActivated: in_unit_of_work(quota.subscription_activated),
        SubscriptionChanged: in_unit_of_work(quota.subscription_changed),
        SubscriptionRenewed: in_unit_of_work(quota.subscription_renewed),
        SubscriptionEnded: in_unit_of_work(quota.subscription_ended),
    }),
    Consumer("companies", {CompanyRegistered: in_unit_of_work(quota.company_registered)}),
]
