"""Wiring of the auth service: settings, migrations, routes, the components the handlers share, background loops."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from recruiting_shared.service import Runtime, ServiceDefinition, create_app, run, running

from .adapters.crypto import Sealer, load_master_key
from .adapters.hashing import Passwords
from .adapters.keyring import Keyring
from .adapters.mail_queue import MailQueue
from .adapters.rate_limiter import RateLimiter
from .adapters.verifier import LocalTokenVerifier
from .config import AuthSettings
from .entrypoints.consumers import CONSUMERS
from .entrypoints.http import router
from .service_layer import accounts, keys, recovery
from .service_layer.context import Auth

MIGRATIONS = Path(__file__).parent / "migrations"
# Instances re-read the key table every signing_key_reload_seconds; a retired key stays published this much longer
# than its last token can live, so a token signed by a slow instance still verifies.
RETIREMENT_MARGIN = timedelta(minutes=5)


def build_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or AuthSettings()
    app = create_app(
        ServiceDefinition(
            name="auth",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            startup=auth_components(settings),
            description="Owns companies, company users, roles, sessions, password reset and invitation tokens, signing keys.",
        )
    )
    return app


def build_components(settings: AuthSettings, runtime: Runtime) -> Auth:
    master_key = load_master_key(settings)
    keyring = Keyring(
        Sealer(master_key, "signing-keys"),
        keep_after_retirement=timedelta(seconds=settings.access_token_ttl_seconds) + RETIREMENT_MARGIN
        + timedelta(seconds=settings.signing_key_reload_seconds),
        publish_ahead=timedelta(seconds=settings.signing_key_publish_ahead_seconds),
        rotation_age=timedelta(days=settings.signing_key_rotation_days),
    )
    mail = MailQueue(Sealer(master_key, "mail"), runtime.mailer, max_attempts=settings.mail_max_attempts,
                     poll_seconds=settings.mail_poll_seconds)
    return Auth(settings=settings, runtime=runtime, passwords=Passwords(settings), keyring=keyring, mail=mail,
                limiter=RateLimiter(runtime.pool), request_sealer=Sealer(master_key, "reset-requests"))


def auth_components(settings: AuthSettings):
    """The start-up of auth's own parts (ServiceDefinition.startup): it runs after the database is migrated and the
    pool is open and before the server accepts connections, so /readyz is never green before the signing key and the
    bootstrap operator exist."""

    @asynccontextmanager
    async def startup(app: FastAPI, runtime: Runtime):
        auth = build_components(settings, runtime)
        await auth.passwords.start()
        try:
            async with auth.pool.acquire() as conn:
                await auth.keyring.ensure_key(conn)
                await auth.keyring.reload(conn)
            await accounts.bootstrap_operator(auth)
            app.state.auth = auth
            app.state.token_verifier = LocalTokenVerifier(auth.keyring)
            async with running(auth.mail.run(auth.pool), recovery.process_reset_requests(auth), keys.maintain_keys(auth)):
                yield
        finally:
            auth.passwords.close()

    return startup


def main() -> None:
    settings = AuthSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
