"""Wiring of the retention service: settings, migrations, routes, consumers and background loops in one place."""

from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import ServiceDefinition, create_app, run

from .config import RetentionSettings
from .entrypoints.background import sweeper
from .entrypoints.consumers import CONSUMERS
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: RetentionSettings | None = None) -> FastAPI:
    settings = settings or RetentionSettings()
    return create_app(
        ServiceDefinition(
            name="retention",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            background=[sweeper],
            description="Owns retention policies, the deletion schedule, legal holds, the erasure log.",
        )
    )


def main() -> None:
    settings = RetentionSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
