"""HTTP endpoints of the applications service (SPEC section 3), with their full public paths. Thin: parse, build a
command, call the handler, map the result."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from pydantic import ValidationError
from recruiting_shared.auth import CompanyUser
from recruiting_shared.problems import Problem, Unauthorized

from ..adapters.upload import read_form
from ..domain.commands import ChangeStatus, InviteToInterview, RequestErasure, SubmitApplication, UploadedDocument
from ..domain.model import Applicant, Slot
from ..service_layer import applicant, applying, company, erasure
from ..service_layer.context import Services
from .schemas import (
    ApplicationForm, ConsentUpdate, ErasureAccepted, InvitationIn, LinkRequest, SessionRequest, SessionToken,
    SlotChoice, StatusChange, Submitted,
)

def no_store(response: Response) -> None:
    """Answers of this service carry personal data: no browser or proxy may keep a copy."""
    response.headers["Cache-Control"] = "no-store"


router = APIRouter(dependencies=[Depends(no_store)])


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_application(request: Request, services: ServicesDep) -> UUID:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("An applicant session token is required.", headers={"WWW-Authenticate": "Bearer"})
    try:
        return await applicant.authenticate(token, services)
    except applicant.InvalidLink:
        raise Unauthorized("The session is not valid (expired, or the application no longer exists).") from None


ApplicationOfApplicant = Annotated[UUID, Depends(current_application)]


def _validation_problem(error: ValidationError) -> Problem:
    errors = [{"field": ".".join(map(str, e["loc"])) or "form", "type": e["type"]} for e in error.errors(include_input=False)]
    return Problem("The application form has invalid fields.", status=422, slug="validation-error",
                   title="Invalid request", errors=errors)


def _pdf_response(filename: str, content: bytes) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
    })


# --- applying --------------------------------------------------------------------------------------------------------
# The form is read by the streaming reader, not by FastAPI, so its schema is written out for the documentation.
_FORM_SCHEMA = {
    "type": "object",
    "required": ["posting_id", "first_name", "last_name", "email", "privacy_consent", "documents"],
    "properties": {
        **{name: field for name, field in ApplicationForm.model_json_schema()["properties"].items()},
        "documents": {"type": "array", "maxItems": 5, "items": {"type": "string", "format": "binary"},
                      "description": "PDF files, at most 10 MB each, checked by content"},
    },
}


@router.post("/api/applications", status_code=201, response_model=Submitted, tags=["applicant"],
             responses={404: {"description": "posting not open"}, 413: {"description": "too large / too many"},
                        415: {"description": "not multipart, or a document is not a PDF"},
                        422: {"description": "invalid fields or an unreadable PDF"}},
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"multipart/form-data": {"schema": _FORM_SCHEMA}}}})
async def submit(request: Request, services: ServicesDep) -> Submitted:
    settings = services.settings
    form = await read_form(request.headers.get("content-type"), request.stream(), file_field="documents",
                           max_files=settings.max_documents, max_file_bytes=settings.max_document_bytes)
    try:
        fields = ApplicationForm.model_validate(form.fields)
    except ValidationError as exc:
        raise _validation_problem(exc) from None
    if not form.files:
        raise Problem("At least one PDF document is required.", status=422, slug="validation-error",
                      title="Invalid request", errors=[{"field": "documents", "type": "missing"}])
    cmd = SubmitApplication(
        posting_id=fields.posting_id,
        applicant=Applicant(first_name=fields.first_name, last_name=fields.last_name, email=fields.email,
                            phone=fields.phone, message=fields.message),
        talent_pool_consent=fields.talent_pool_consent,
        documents=[UploadedDocument(f.filename or "document.pdf", f.content) for f in form.files],
    )
    return Submitted(application_id=await applying.submit_application(cmd, services))


# --- applicant self-service ------------------------------------------------------------------------------------------
@router.post("/api/applicant/session", response_model=SessionToken, tags=["applicant"])
async def open_session(body: SessionRequest, services: ServicesDep) -> SessionToken:
    try:
        token, expires_in = await applicant.open_session(body.token, services)
    except applicant.InvalidLink:
        raise Unauthorized("The link is not valid or has expired. You can ask for a new one.") from None
    return SessionToken(access_token=token, expires_in=expires_in)


@router.post("/api/applicant/link", status_code=202, tags=["applicant"])
async def send_link(body: LinkRequest, services: ServicesDep, background: BackgroundTasks) -> dict:
    # The same answer, at once, whether or not the address is known: the lookup runs after the response.
    background.add_task(applying.send_fresh_links, body.email, services)
    return {"status": "accepted"}


@router.get("/api/applicant/application", tags=["applicant"])
async def my_application(application_id: ApplicationOfApplicant, services: ServicesDep) -> dict:
    return await applicant.view(application_id, services)


@router.get("/api/applicant/export", tags=["applicant"])
async def export(application_id: ApplicationOfApplicant, services: ServicesDep) -> Response:
    archive = await applicant.export(application_id, services)
    return Response(archive, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="application-{application_id}.zip"', "Cache-Control": "no-store",
    })


@router.get("/api/applicant/documents/{document_id}", tags=["applicant"])
async def my_document(document_id: UUID, application_id: ApplicationOfApplicant, services: ServicesDep) -> Response:
    return _pdf_response(*await applicant.document(application_id, document_id, services))


@router.post("/api/applicant/withdraw", tags=["applicant"])
async def withdraw(application_id: ApplicationOfApplicant, services: ServicesDep) -> dict:
    await applicant.withdraw(application_id, services)
    return {"application_id": application_id, "status": "withdrawn"}


@router.put("/api/applicant/consents", tags=["applicant"])
async def consents(body: ConsentUpdate, application_id: ApplicationOfApplicant, services: ServicesDep) -> dict:
    return {"talent_pool": await applicant.set_talent_pool_consent(application_id, body.talent_pool, services)}


@router.get("/api/applicant/interview", tags=["applicant"])
async def my_interviews(application_id: ApplicationOfApplicant, services: ServicesDep) -> dict:
    return {"interview_invitations": (await applicant.view(application_id, services))["interview_invitations"]}


@router.post("/api/applicant/interview", tags=["applicant"])
async def choose_slot(body: SlotChoice, application_id: ApplicationOfApplicant, services: ServicesDep) -> dict:
    return await applicant.choose_slot(application_id, body.slot_id, services)


@router.post("/api/applicant/erasure", status_code=202, response_model=ErasureAccepted, tags=["applicant"])
async def request_erasure(application_id: ApplicationOfApplicant, services: ServicesDep) -> ErasureAccepted:
    erase_by = await erasure.request_erasure(RequestErasure(application_id, "applicant_request"), services)
    return ErasureAccepted(erase_by=erase_by)


# --- company side ----------------------------------------------------------------------------------------------------
@router.get("/api/applications", tags=["company"])
async def list_applications(user: CompanyUser, services: ServicesDep, posting_id: UUID | None = None,
                            status: Annotated[str | None, Query(pattern="^(received|in_review|rejected|hired|withdrawn)$")] = None,
                            page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict:
    return await company.list_applications(user.company_id, services, posting_id=posting_id, status=status, page=page)


@router.get("/api/applications/{application_id}", tags=["company"])
async def read_application(application_id: UUID, user: CompanyUser, services: ServicesDep) -> dict:
    return await company.read_application(application_id, user.company_id, user.user_id, services)


@router.get("/api/applications/{application_id}/documents/{document_id}", tags=["company"])
async def read_document(application_id: UUID, document_id: UUID, user: CompanyUser, services: ServicesDep) -> Response:
    return _pdf_response(*await company.read_document(application_id, document_id, user.company_id, user.user_id, services))


@router.get("/api/applications/{application_id}/access-log", tags=["company"])
async def access_log(application_id: UUID, user: CompanyUser, services: ServicesDep) -> dict:
    return {"items": await company.access_log(application_id, user.company_id, services)}


@router.post("/api/applications/{application_id}/status", tags=["company"])
async def change_status(application_id: UUID, body: StatusChange, user: CompanyUser, services: ServicesDep) -> dict:
    return await company.change_status(
        ChangeStatus(application_id, user.company_id, body.status, body.notify), services)


@router.post("/api/applications/{application_id}/interview-invitations", status_code=201, tags=["company"])
async def invite(application_id: UUID, body: InvitationIn, user: CompanyUser, services: ServicesDep) -> dict:
    return await company.invite(InviteToInterview(
        application_id=application_id, company_id=user.company_id, user_id=user.user_id,
        slots=[Slot(s.starts_at, s.ends_at) for s in body.slots], location=body.location, message=body.message,
    ), services)


@router.delete("/api/applications/{application_id}", status_code=202, response_model=ErasureAccepted, tags=["company"])
async def erase_on_company_request(application_id: UUID, user: CompanyUser, services: ServicesDep) -> ErasureAccepted:
    erase_by = await erasure.request_erasure(
        RequestErasure(application_id, "company_request", company_id=user.company_id), services)
    return ErasureAccepted(erase_by=erase_by)
