"""The nginx gateway (deploy/nginx/gateway.conf.template) in front of the five real service processes: routing by
the first path segment after /api/ (SPEC section 3), the request id, the body size limit, the rate limits on the
auth endpoints, security headers, problem+json for the gateway's own errors and an access log without query
strings."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import httpx
import pytest
import pytest_asyncio

from tests.support.gateway import TestGateway
from tests.support.stack import SERVICES

ROUTES = [
    ("auth", "auth"), ("postings", "postings"), ("jobs", "postings"), ("applications", "applications"),
    ("applicant", "applications"), ("retention", "retention"), ("billing", "billing"),
]
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}
NGINX_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest_asyncio.fixture(scope="module")
async def services(stack):
    processes = {name: stack.service(name) for name in SERVICES}
    await asyncio.gather(*(process.wait_ready() for process in processes.values()))
    yield processes
    for process in processes.values():
        process.stop()


@pytest_asyncio.fixture(scope="module")
async def gateway(services, tmp_path_factory):
    started = TestGateway(tmp_path_factory.mktemp("gateway"), {name: p.url for name, p in services.items()}).start()
    await started.wait_ready()
    yield started
    started.stop()


@pytest_asyncio.fixture
async def client(gateway):
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        yield http


def probe_path(segment: str) -> str:
    """A path below the segment that no route of the service matches, so the service itself answers 404."""
    return f"/api/{segment}/gateway-probe-{uuid.uuid4().hex[:8]}/a/b/c"


def log_entry(gateway: TestGateway, request_id: str) -> dict:
    entries = [entry for entry in gateway.access_log_entries() if entry["request_id"] == request_id]
    assert len(entries) == 1, f"expected one access log line for {request_id}, got {entries}"
    return entries[0]


async def wait_for_log_entry(gateway: TestGateway, request_id: str) -> dict:
    """nginx writes the access log line right after the response; give it a moment to land on disk."""
    for _ in range(50):
        if any(entry["request_id"] == request_id for entry in gateway.access_log_entries()):
            break
        await asyncio.sleep(0.05)
    return log_entry(gateway, request_id)


@pytest.mark.parametrize(("segment", "service"), ROUTES)
async def test_each_api_segment_reaches_its_service_with_the_path_unchanged(client, gateway, services, segment, service):
    path = probe_path(segment)
    response = await client.get(path)

    # A 404 problem whose instance is the path as sent: the service itself answered, and saw the full path.
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == path
    entry = await wait_for_log_entry(gateway, response.headers["x-request-id"])
    assert entry["upstream"] == f"127.0.0.1:{services[service].port}"
    assert entry["upstream_status"] == "404"


async def test_a_similar_but_different_segment_is_not_routed(client, gateway):
    response = await client.get("/api/postingsx/1")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")
    assert response.json()["instance"] == "/api/postingsx/1"
    assert (await wait_for_log_entry(gateway, response.headers["x-request-id"]))["upstream"] == ""


async def test_a_request_without_an_id_gets_one_that_the_service_works_under(client, gateway):
    response = await client.get(probe_path("billing"))

    request_id = response.headers["x-request-id"]
    # nginx's id format: the service echoed the gateway's id (it would have made a UUID of its own otherwise).
    assert NGINX_REQUEST_ID.match(request_id)
    assert (await wait_for_log_entry(gateway, request_id))["upstream_status"] == "404"


async def test_a_client_request_id_is_kept_and_a_malformed_one_replaced(client, gateway):
    kept = await client.get(probe_path("postings"), headers={"X-Request-ID": "client-trace.42"})
    replaced = await client.get(probe_path("postings"), headers={"X-Request-ID": "not allowed; <script>"})

    assert kept.headers["x-request-id"] == "client-trace.42"
    assert NGINX_REQUEST_ID.match(replaced.headers["x-request-id"])
    assert (await wait_for_log_entry(gateway, "client-trace.42"))["path"].startswith("/api/postings/gateway-probe-")


async def test_security_headers_on_service_answers_and_gateway_errors(client):
    from_service = await client.get(probe_path("auth"))
    from_gateway = await client.get("/not-the-api")

    for response in (from_service, from_gateway):
        for header, value in SECURITY_HEADERS.items():
            assert response.headers[header] == value
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["strict-transport-security"].startswith("max-age=")
    assert from_gateway.status_code == 404
    assert from_gateway.json()["instance"] == "/not-the-api"


async def raw_request_head(gateway: TestGateway, method: str, path: str, content_length: int) -> tuple[int, dict, dict]:
    """Announce a body without sending it: nginx judges the size from Content-Length alone. (A client that kept
    sending the rest would only race nginx closing the connection.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {content_length}\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    # Read exactly the answer: nginx keeps the connection open a few seconds for the body it was promised.
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    status_line, *header_lines = head.strip().split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    body = await reader.readexactly(int(headers["content-length"]))
    writer.close()
    return int(status_line.split()[1]), headers, json.loads(body)


async def test_bodies_over_the_limit_answer_413_problem(gateway):
    status, headers, problem = await raw_request_head(gateway, "POST", "/api/postings", 2 * 1024 * 1024)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("/payload-too-large")
    assert problem["instance"] == "/api/postings"

    # The upload endpoint takes 5 PDFs of 10 MB plus the form, but not more than 55 MB.
    status, headers, problem = await raw_request_head(gateway, "POST", "/api/applications", 56 * 1024 * 1024)
    assert status == 413
    assert problem["status"] == 413
    assert headers["x-request-id"]


async def test_an_application_with_large_documents_passes_the_gateway(client, gateway, services):
    files = [("documents", (f"cv{i}.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "application/pdf")) for i in range(2)]
    response = await client.post("/api/applications", files=files, data={"first_name": "Probe"})

    # Whatever the applications service answers, it is the one that answered: the gateway let 6 MB through.
    assert response.status_code != 413
    entry = await wait_for_log_entry(gateway, response.headers["x-request-id"])
    assert entry["upstream"] == f"127.0.0.1:{services['applications'].port}"
    assert entry["request_length"] > 6 * 1024 * 1024


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/password/forgot", "/api/auth/signup"])
async def test_the_auth_endpoints_are_rate_limited_per_client_with_a_429_problem(client, gateway, path):
    # The production limit: 10 requests a minute with a burst of 10, counted per endpoint. An empty body is
    # refused by the auth service, so these requests change nothing there.
    answers = [await client.post(path, json={}) for _ in range(25)]

    first_entry = await wait_for_log_entry(gateway, answers[0].headers["x-request-id"])
    assert first_entry["upstream"] != ""  # the first requests reach the auth service
    limited = [r for r in answers if r.status_code == 429 and r.headers["content-type"] == "application/problem+json"]
    assert limited, [r.status_code for r in answers]
    assert limited[0].json()["type"].endswith("/rate-limited")
    assert limited[0].json()["instance"] == path
    assert limited[0].headers["retry-after"] == "60"
    assert (await wait_for_log_entry(gateway, limited[0].headers["x-request-id"]))["upstream"] == ""


async def test_the_access_log_keeps_no_query_string_and_no_client_address(client, gateway):
    secret = f"secret-{uuid.uuid4().hex}"
    response = await client.get(f"/api/jobs/gateway-probe/a/b?q={secret}&token={secret}")

    entry = await wait_for_log_entry(gateway, response.headers["x-request-id"])
    assert entry["path"] == "/api/jobs/gateway-probe/a/b"
    assert entry["method"] == "GET"
    assert entry["client_network"] == "127.0.0.0"
    assert secret not in gateway.access_log.read_text()
    assert all("127.0.0.1" not in str(value) for key, value in entry.items() if key != "upstream")


async def test_a_service_that_is_down_answers_502_problem(tmp_path, services):
    secret = f"secret-{uuid.uuid4().hex}"
    partial = TestGateway(tmp_path, {"auth": services["auth"].url}).start()
    try:
        await partial.wait_ready()
        async with httpx.AsyncClient(base_url=partial.url, timeout=30) as http:
            down = await http.get(f"/api/billing/packages?secret={secret}")
            up = await http.get(probe_path("auth"))
    finally:
        partial.stop()
    assert secret not in partial.error_log_tail(1000)  # nginx's error lines would quote the query string

    assert down.status_code == 502
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["type"].endswith("/bad-gateway")
    assert down.json()["instance"] == "/api/billing/packages"
    assert NGINX_REQUEST_ID.match(down.headers["x-request-id"])
    assert up.status_code == 404
