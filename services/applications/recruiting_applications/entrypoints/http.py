"""HTTP endpoints of the applications service, mounted under /api/ by the gateway."""

from fastapi import APIRouter

router = APIRouter()
