"""A minimal service built with the shared service factory, for the foundation's tests: one endpoint changes
state and writes events in the same transaction, exactly as the real services do.

    python -m tests.support.demo_service   (reads the same environment as every service)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from recruiting_shared.config import Settings
from recruiting_shared.events import PostingPublished
from recruiting_shared.service import Runtime, ServiceDefinition, create_app, get_runtime, run

router = APIRouter()


class CreateThings(BaseModel):
    aggregate: UUID
    count: int = Field(ge=1, le=1000)


@router.post("/demo/things", status_code=201)
async def create_things(body: CreateThings, runtime: Annotated[Runtime, Depends(get_runtime)]) -> dict:
    async with runtime.pool.acquire() as conn, conn.transaction():
        start = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM things WHERE aggregate = $1", body.aggregate)
        for seq in range(start + 1, start + body.count + 1):
            await conn.execute("INSERT INTO things (aggregate, seq) VALUES ($1, $2)", body.aggregate, seq)
            await runtime.outbox.add(conn, demo_event(body.aggregate, seq))
    return {"created": body.count}


def demo_event(aggregate: UUID, seq: int) -> PostingPublished:
    """The demo borrows a catalog event; `title` carries the sequence number so tests can check the order."""
    return PostingPublished(posting_id=aggregate, company_id=uuid4(), title=str(seq), published_at=datetime.now(UTC))


def main() -> None:
    settings = Settings(service_name="demo")
    run(create_app(ServiceDefinition(name="demo", settings=settings, migrations=Path(__file__).parent / "demo_migrations",
                                     routers=[router])), settings)


if __name__ == "__main__":
    main()
