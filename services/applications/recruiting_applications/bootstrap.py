"""Wiring of the applications service: settings, key material, migrations, routes, consumers, background loops."""

from pathlib import Path

from fastapi import FastAPI, Request
from recruiting_shared.problems import problem_response
from recruiting_shared.service import Runtime, ServiceDefinition, create_app, run

from .adapters.keys import load_key_material
from .adapters.mail_queue import MailSender
from .config import ApplicationsSettings
from .domain import model
from .entrypoints.consumers import CONSUMERS, Wiring
from .entrypoints.http import router
from .service_layer.context import Services

MIGRATIONS = Path(__file__).parent / "migrations"

# Domain errors as problem responses: (status, stable type, title, detail when the error has none).
PROBLEMS = {
    model.PostingNotOpen: (404, "posting-not-open", "Posting not open"),
    model.ApplicationNotFound: (404, "not-found", "Not found"),
    model.SlotNotFound: (404, "not-found", "Not found"),
    model.NotAPdfDocument: (415, "not-a-pdf", "Not a PDF"),
    model.UnreadableDocument: (422, "unreadable-document", "Unreadable document"),
    model.InvalidTransition: (409, "invalid-transition", "Invalid status transition"),
    model.InvitationClosed: (409, "slot-already-chosen", "Slot already chosen"),
}


def build_app(settings: ApplicationsSettings | None = None) -> FastAPI:
    settings = settings or ApplicationsSettings()
    keys = load_key_material(settings)
    holder: dict[str, Runtime] = {}
    mail = MailSender(lambda: holder["runtime"].pool, keys, lambda: holder["runtime"].mailer, settings.mail_poll_seconds)

    async def send_mail(runtime: Runtime) -> None:
        await mail.run()

    app = create_app(
        ServiceDefinition(
            name="applications",
            settings=settings,
            migrations=MIGRATIONS,
            routers=[router],
            consumers=CONSUMERS,
            background=[send_mail],
            description="Owns applications, documents (encrypted), applicant access, interview invitations, "
                        "consents, access log.",
        )
    )
    holder["runtime"] = app.state.runtime
    app.state.services = Wiring.services = Services(settings=settings, keys=keys, mail=mail, runtime=app.state.runtime)
    _install_domain_problems(app)
    return app


def _install_domain_problems(app: FastAPI) -> None:
    async def handle(request: Request, exc: model.ApplicationsError):
        status, slug, title = PROBLEMS.get(type(exc), (400, "bad-request", "Bad request"))
        return problem_response(status, slug, title, str(exc) or None, instance=request.url.path)

    app.add_exception_handler(model.ApplicationsError, handle)


def main() -> None:
    settings = ApplicationsSettings()
    run(build_app(settings), settings)


if __name__ == "__main__":
    main()
