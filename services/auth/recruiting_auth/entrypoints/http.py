"""HTTP endpoints of the auth service, mounted under /api/ by the gateway."""

from fastapi import APIRouter

router = APIRouter()
