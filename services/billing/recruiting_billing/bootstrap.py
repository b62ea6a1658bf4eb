"""Wiring of the billing service: settings, migrations, routes, consumers and background loops in one place."""

from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import ServiceDefinition, create_app, run

from .config import BillingSettings
from .entrypoints.consumers import CONSUMERS
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: BillingSettings | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    return create_app(
        ServiceDefinition(
            name="billing",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            description="Owns license packages, billing profiles, subscriptions, invoices, credit notes, payments, reminders.",
        )
    )


def main() -> None:
    settings = BillingSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
