"""HTTP endpoints of the auth service (SPEC section 3, Auth). Thin: parse, build a command, call a handler, map."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from recruiting_shared.auth import CompanyAdmin, Operator, Principal, current_principal

from ..domain.commands import InviteUser, LogIn, RequestPasswordReset, SetPasswordWithToken, SignUpCompany
from ..service_layer import accounts, keys, recovery, sessions
from ..service_layer.context import Auth
from . import schemas

router = APIRouter(prefix="/api/auth", tags=["auth"])


def get_auth(request: Request) -> Auth:
    return request.app.state.auth


def client_ip(request: Request) -> str:
    """The peer address; behind the gateway uvicorn takes it from X-Forwarded-For (trusted from
    FORWARDED_ALLOW_IPS only, 127.0.0.1 by default)."""
    return request.client.host if request.client else "unknown"


AuthDep = Annotated[Auth, Depends(get_auth)]
AnyUser = Annotated[Principal, Depends(current_principal)]


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=schemas.SignUpResponse)
async def sign_up(body: schemas.SignUpRequest, request: Request, auth: AuthDep) -> schemas.SignUpResponse:
    company_id, user_id = await accounts.sign_up(
        SignUpCompany(body.company_name, body.email, body.password, body.name, client_ip(request)), auth)
    return schemas.SignUpResponse(company_id=company_id, user_id=user_id)


@router.post("/login", response_model=schemas.TokenResponse)
async def log_in(body: schemas.LoginRequest, request: Request, auth: AuthDep) -> schemas.TokenResponse:
    pair = await sessions.log_in(LogIn(body.email, body.password, client_ip(request)), auth)
    return schemas.TokenResponse(**pair.__dict__)


@router.post("/token/refresh", response_model=schemas.TokenResponse)
async def refresh(body: schemas.RefreshRequest, auth: AuthDep) -> schemas.TokenResponse:
    return schemas.TokenResponse(**(await sessions.refresh(body.refresh_token, auth)).__dict__)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def log_out(body: schemas.RefreshRequest, auth: AuthDep) -> Response:
    await sessions.log_out(body.refresh_token, auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=schemas.MeResponse)
async def me(principal: AnyUser, auth: AuthDep) -> schemas.MeResponse:
    found = await accounts.me(principal, auth)
    return schemas.MeResponse(
        user_id=found.user.id, email=found.user.email, name=found.user.name, role=found.user.role,
        company_id=found.user.company_id, company_name=found.company.name if found.company else None,
    )


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(body: schemas.ForgotPasswordRequest, request: Request, auth: AuthDep) -> dict:
    await recovery.request_password_reset(RequestPasswordReset(body.email, client_ip(request)), auth)
    return {"detail": "If an account with this address exists, an e-mail with a link to set a new password is on its way."}


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(body: schemas.SetPasswordRequest, auth: AuthDep) -> Response:
    await recovery.reset_password(SetPasswordWithToken(body.token, body.password), auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invitations/accept", status_code=status.HTTP_204_NO_CONTENT)
async def accept_invitation(body: schemas.SetPasswordRequest, auth: AuthDep) -> Response:
    await recovery.accept_invitation(SetPasswordWithToken(body.token, body.password), auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=schemas.UserResponse)
async def invite_user(body: schemas.InviteRequest, admin: CompanyAdmin, auth: AuthDep) -> schemas.UserResponse:
    user = await accounts.invite_user(InviteUser(admin.company_id, admin.user_id, body.email, body.name, body.role), auth)
    return schemas.UserResponse(id=user.id, email=user.email, name=user.name, role=user.role, status=user.status)


@router.get("/users", response_model=list[schemas.UserResponse])
async def list_users(admin: CompanyAdmin, auth: AuthDep) -> list[schemas.UserResponse]:
    return [schemas.UserResponse(**dict(row)) for row in await accounts.list_users(admin.company_id, auth)]


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(user_id: UUID, admin: CompanyAdmin, auth: AuthDep) -> Response:
    await accounts.delete_user(admin, user_id, auth)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/jwks.json")
async def jwks(auth: AuthDep, response: Response) -> dict:
    # Cached for less than SIGNING_KEY_PUBLISH_AHEAD_SECONDS (60), so even a caching client knows a key before it signs.
    response.headers["Cache-Control"] = "public, max-age=30"
    return auth.keyring.jwks()


@router.post("/keys/rotate", status_code=status.HTTP_202_ACCEPTED, response_model=schemas.RotationResponse)
async def rotate_keys(operator: Operator, auth: AuthDep) -> schemas.RotationResponse:
    version = await keys.rotate_signing_key(auth)
    return schemas.RotationResponse(kid=version.kid, activates_at=version.activates_at)
