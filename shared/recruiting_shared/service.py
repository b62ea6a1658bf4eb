"""The service factory: one process per service runs its FastAPI app and its FastStream consumers together.

    app = create_app(ServiceDefinition(name="auth", settings=..., migrations=..., routers=[...], consumers=[...]))
    run(app)

Start-up: create and migrate the database, open the pool, connect the broker (retrying in the background, so the
service is live while RabbitMQ is away and becomes ready when it is back), start the outbox relay and any
background loops. Every service answers /healthz, /readyz, /metrics, /openapi.json and /asyncapi.json."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import aiormq
import asyncpg
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import db, metrics
from .auth import TokenVerifier
from .config import Settings
from .correlation import correlation_id
from .logs import configure_logging
from .mailer import Mailer
from .messaging import Consumer, connect_with_retry, create_broker, publish_envelope, register_consumer
from .outbox import Outbox, OutboxRelay
from .problems import install_problem_handlers

log = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


@dataclass
class Runtime:
    """What endpoints, handlers and background loops of a service share."""

    settings: Settings
    outbox: Outbox
    mailer: Mailer
    broker: RabbitBroker
    pool: asyncpg.Pool = None  # type: ignore[assignment] - set during start-up, before the first request
    broker_ready: asyncio.Event = field(default_factory=asyncio.Event)


BackgroundLoop = Callable[[Runtime], Awaitable[None]]
# A service's own components that need the migrated database: set up after the shared start-up and before the first
# request (so /readyz is never green before them), torn down before it.
Startup = Callable[[FastAPI, Runtime], AbstractAsyncContextManager[None]]


@dataclass
class ServiceDefinition:
    name: str
    settings: Settings
    migrations: Path
    routers: list[APIRouter] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)
    background: list[BackgroundLoop] = field(default_factory=list)
    startup: Startup | None = None
    description: str = ""


@asynccontextmanager
async def running(*coroutines: Awaitable[None]) -> AsyncIterator[None]:
    """Run the coroutines as tasks for the duration of the block; cancel and await them at its end."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def create_app(definition: ServiceDefinition) -> FastAPI:
    settings = definition.settings
    configure_logging(definition.name, settings.log_level)
    broker = create_broker(settings)
    runtime = Runtime(settings=settings, outbox=Outbox(definition.name), mailer=Mailer(settings), broker=broker)
    for consumer in definition.consumers:
        register_consumer(broker, settings, consumer, lambda: runtime.pool)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await _prepare_database(settings, definition.migrations)
        runtime.pool = await db.create_pool(settings.database_url)
        relay = OutboxRelay(
            runtime.pool,
            lambda envelope: publish_envelope(broker, settings, envelope),
            listen_dsn=settings.database_url,
            poll_seconds=settings.outbox_poll_seconds,
            is_unroutable=lambda exc: isinstance(exc, aiormq.exceptions.PublishError),
        )
        loops = [_connect_broker(runtime, definition.consumers), relay.run(),
                 *(loop(runtime) for loop in definition.background)]
        try:
            startup = definition.startup(app, runtime) if definition.startup else nullcontext()
            async with running(*loops), startup:
                log.info("service started", extra={"count": len(loops)})
                yield
        finally:
            with suppress(Exception):
                await broker.stop()
            await runtime.pool.close()

    app = FastAPI(title=f"{definition.name} service", description=definition.description, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(settings.auth_jwks_url)
    install_problem_handlers(app)
    _install_request_context(app)
    app.include_router(_operations_router(definition.name, runtime))
    for router in definition.routers:
        app.include_router(router)
    return app


async def _prepare_database(settings: Settings, migrations: Path) -> None:
    for attempt in range(30):
        try:
            await db.prepare_database(settings.postgres_url, settings.database, migrations)
            return
        except (OSError, asyncpg.CannotConnectNowError) as exc:
            log.warning("database not reachable yet", extra={"attempt": attempt, "error_type": type(exc).__name__})
            await asyncio.sleep(1)
    raise RuntimeError("database not reachable")


async def _connect_broker(runtime: Runtime, consumers: list[Consumer]) -> None:
    await connect_with_retry(runtime.broker, runtime.settings, consumers)
    runtime.broker_ready.set()
    metrics.broker_connected.set(1)


def _install_request_context(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(request: Request, call_next):
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if REQUEST_ID.match(incoming) else str(uuid4())
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        route = request.scope.get("route")
        route_path = getattr(route, "path", "unmatched")
        metrics.http_requests.labels(request.method, route_path, response.status_code).inc()
        metrics.http_latency.labels(request.method, route_path).observe(time.perf_counter() - started)
        response.headers["X-Request-ID"] = request_id
        return response


def _operations_router(name: str, runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "service": name}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"database": False, "broker": False}
        with suppress(Exception):
            async with runtime.pool.acquire(timeout=2) as conn:
                checks["database"] = await conn.fetchval("SELECT 1") == 1
        with suppress(Exception):
            checks["broker"] = runtime.broker_ready.is_set() and await runtime.broker.ping(timeout=2)
        ready = all(checks.values())
        metrics.broker_connected.set(1 if checks["broker"] else 0)
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                            status_code=200 if ready else 503)

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json")
    async def asyncapi() -> Response:
        spec = AsyncAPI(runtime.broker, title=f"{name} service events", version="1.0.0").to_specification()
        return Response(spec.to_json(), media_type="application/json")

    return router


def run(app: FastAPI, settings: Settings) -> None:
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
                lifespan="on", timeout_graceful_shutdown=10)
