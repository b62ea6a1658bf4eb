"""Wiring of the auth service: settings, migrations, routes, consumers and background loops in one place."""

from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import ServiceDefinition, create_app, run

from .config import AuthSettings
from .entrypoints.consumers import CONSUMERS
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or AuthSettings()
    return create_app(
        ServiceDefinition(
            name="auth",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            description="Owns companies, company users, roles, sessions, password reset and invitation tokens, signing keys.",
        )
    )


def main() -> None:
    settings = AuthSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
