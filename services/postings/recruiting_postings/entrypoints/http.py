"""HTTP endpoints of the postings service: the company's postings under /api/postings (bearer token, scoped to the
caller's company) and the public job board under /api/jobs. Thin: parse, call a handler, map the result."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from recruiting_shared.auth import CompanyUser
from recruiting_shared.problems import Problem
from recruiting_shared.service import Runtime, get_runtime

from ..adapters import job_board
from ..adapters.unit_of_work import unit_of_work
from ..domain import model
from ..domain.commands import ClosePosting, CreatePosting, DeletePosting, EditPosting, PublishPosting
from ..domain.errors import JobNotFound, PostingNotFound
from ..service_layer import handlers, views
from .schemas import JobBoardPage, PostingChanges, PostingFields, PostingOut, PublicPosting, QuotaOut

# Far above any valid posting (its 30,000 characters of text are at most 120 KB as UTF-8), far below a memory
# problem: a 1 MB description is refused before it is parsed.
MAX_BODY_BYTES = 256 * 1024
JSON = "application/json"
# Company-written text is served as JSON; nosniff stops a browser from ever treating it as HTML.
PUBLIC_HEADERS = {"X-Content-Type-Options": "nosniff"}


async def limited_body(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise Problem(f"The request body is larger than {MAX_BODY_BYTES} bytes.", status=413,
                      slug="payload-too-large", title="Payload too large")


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
router = APIRouter()
company = APIRouter(prefix="/api/postings", tags=["postings"], dependencies=[Depends(limited_body)])
public = APIRouter(prefix="/api/jobs", tags=["job board"])


def parse_id(raw: str, not_found: type[Exception]) -> UUID:
    """A malformed id is just another unknown id: 404, like any posting the caller cannot see."""
    try:
        return UUID(raw)
    except ValueError:
        raise not_found() from None


@company.post("", status_code=status.HTTP_201_CREATED, response_model=PostingOut)
async def create(body: PostingFields, user: CompanyUser, runtime: RuntimeDep) -> PostingOut:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        posting = await handlers.create_posting(CreatePosting(user.company_id, body.model_dump()), uow)
    return PostingOut.of(posting)


@company.get("", response_model=list[PostingOut])
async def list_own(user: CompanyUser, runtime: RuntimeDep,
                   status: Literal["draft", "published", "closed"] | None = None) -> list[PostingOut]:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        postings = await uow.postings.list_for_company(company_id=user.company_id, status=status)
    return [PostingOut.of(p) for p in postings]


@company.get("/quota", response_model=QuotaOut)
async def quota(user: CompanyUser, runtime: RuntimeDep) -> QuotaOut:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        return QuotaOut(**await views.quota(uow, company_id=user.company_id))


@company.get("/{posting_id}", response_model=PostingOut)
async def read(posting_id: str, user: CompanyUser, runtime: RuntimeDep) -> PostingOut:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        posting = await views.company_posting(uow, company_id=user.company_id,
                                              posting_id=parse_id(posting_id, PostingNotFound))
    return PostingOut.of(posting)


@company.patch("/{posting_id}", response_model=PostingOut)
async def edit(posting_id: str, body: PostingChanges, user: CompanyUser, runtime: RuntimeDep) -> PostingOut:
    cmd = EditPosting(user.company_id, parse_id(posting_id, PostingNotFound), body.changes())
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        posting = await handlers.edit_posting(cmd, uow)
    return PostingOut.of(posting)


@company.delete("/{posting_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(posting_id: str, user: CompanyUser, runtime: RuntimeDep) -> Response:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        await handlers.delete_posting(DeletePosting(user.company_id, parse_id(posting_id, PostingNotFound)), uow)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@company.get("/{posting_id}/preview", response_class=Response,
             responses={200: {"model": PublicPosting, "description": "exactly what GET /api/jobs/{id} shows"}})
async def preview(posting_id: str, user: CompanyUser, runtime: RuntimeDep) -> Response:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        document = await views.preview(uow, company_id=user.company_id,
                                       posting_id=parse_id(posting_id, PostingNotFound))
    return Response(document, media_type=JSON, headers=PUBLIC_HEADERS)


@company.post("/{posting_id}/publish", response_model=PostingOut,
              responses={402: {"description": "no active license package, or its quota is used up"}})
async def publish(posting_id: str, user: CompanyUser, runtime: RuntimeDep) -> PostingOut:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        cmd = PublishPosting(user.company_id, parse_id(posting_id, PostingNotFound))
        posting = await handlers.publish_posting(cmd, uow)
    return PostingOut.of(posting)


@company.post("/{posting_id}/close", response_model=PostingOut)
async def close(posting_id: str, user: CompanyUser, runtime: RuntimeDep) -> PostingOut:
    async with unit_of_work(runtime.pool, runtime.outbox) as uow:
        posting = await handlers.close_posting(ClosePosting(user.company_id, parse_id(posting_id, PostingNotFound)),
                                               uow)
    return PostingOut.of(posting)


SearchText = Annotated[str | None, Query(max_length=200, description="full-text search, German stemming")]


def _text_param(value: str | None, name: str) -> str | None:
    if value is not None and model.text_problem(value, multiline=False):
        raise Problem(f"{name} must be plain text.", status=422, slug="validation-error", title="Invalid request")
    return value or None


@public.get("", response_model=JobBoardPage)
async def job_board_page(
    runtime: RuntimeDep,
    q: SearchText = None,
    location: Annotated[str | None, Query(max_length=model.MAX_LOCATION)] = None,
    employment_type: model.EmploymentType | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    query = job_board.BoardQuery(q=_text_param(q, "q"), location=_text_param(location, "location"),
                                 employment_type=employment_type, page=page, page_size=page_size)
    async with runtime.pool.acquire() as conn:
        page_document = await views.job_board_page(conn, query)
    return Response(page_document, media_type=JSON, headers=PUBLIC_HEADERS)


@public.get("/{posting_id}", response_class=Response, responses={200: {"model": PublicPosting}})
async def job(posting_id: str, runtime: RuntimeDep) -> Response:
    async with runtime.pool.acquire() as conn:
        document = await views.public_job(conn, parse_id(posting_id, JobNotFound))
    return Response(document, media_type=JSON, headers=PUBLIC_HEADERS)


router.include_router(company)
router.include_router(public)
