"""Wiring of the postings service: settings, migrations, routes, consumers and background loops in one place."""

from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import ServiceDefinition, create_app, run

from .config import PostingsSettings
from .entrypoints.closing_loop import close_due_postings_forever
from .entrypoints.consumers import CONSUMERS
from .entrypoints.http import router

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: PostingsSettings | None = None) -> FastAPI:
    settings = settings or PostingsSettings()
    return create_app(
        ServiceDefinition(
            name="postings",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            background=[close_due_postings_forever],
            description="Owns job postings (draft / published / closed), the public job board, each company's posting quota.",
        )
    )


def main() -> None:
    settings = PostingsSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
