"""HTTP endpoints of the billing service, mounted under /api/ by the gateway."""

from fastapi import APIRouter

router = APIRouter()
