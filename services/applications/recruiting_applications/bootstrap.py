"""Wiring of the applications service: settings, migrations, routes, consumers and background loops in one place."""

from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import ServiceDefinition, create_app, run

from .config import ApplicationsSettings
from .entrypoints.consumers import CONSUMERS
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: ApplicationsSettings | None = None) -> FastAPI:
    settings = settings or ApplicationsSettings()
    return create_app(
        ServiceDefinition(
            name="applications",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            description="Owns applications, documents (encrypted), applicant access, interview invitations, consents, access log.",
        )
    )


def main() -> None:
    settings = ApplicationsSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
