"""Wiring of the billing service: settings, migrations, routes, consumers and background loops in one place."""

from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import Runtime, ServiceDefinition, create_app, run

from .config import BillingSettings
from .entrypoints.consumers import consumers
from .entrypoints.http import router
from .service_layer.context import BillingContext, Clock
from .service_layer.daily import daily_loop

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: BillingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    context = BillingContext.create(settings, clock)

    async def billing_daily_run(runtime: Runtime) -> None:
        await daily_loop(lambda: runtime.pool, context)

    app = create_app(
        ServiceDefinition(
            name="billing",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=consumers(context),
            background=[billing_daily_run],
            description="Owns license packages, billing profiles, subscriptions, invoices, credit notes, payments, reminders.",
        )
    )
    # One outbox and one mailer per process: the handlers use the runtime's own.
    context.outbox, context.mailer = app.state.runtime.outbox, app.state.runtime.mailer
    app.state.billing = context
    return app


def main() -> None:
    settings = BillingSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
