"""HTTP endpoints of the postings service, mounted under /api/ by the gateway."""

from fastapi import APIRouter

router = APIRouter()
