"""HTTP endpoints of the retention service, mounted under /api/ by the gateway."""

from fastapi import APIRouter

router = APIRouter()
