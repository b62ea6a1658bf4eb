"""The HTTP load generator: wrk (Debian's `wrk`, C, epoll) when installed, else a closed-loop httpx generator.

Both are closed loops: `connections` clients, each sending its next request when the last one is answered, for
`seconds`. wrk runs in its own process, so the load generator does not share this process's GIL with the
in-process mailbox; the httpx fallback does, which makes its figures lower (the JSON says which one ran)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .results import Figures, percentile

# wrk's Lua hooks: the request comes from a file (method, headers, body), the figures go to stdout as one JSON line.
WRK_SCRIPT = """
local spec = %(spec)s
wrk.method = spec.method
for name, value in pairs(spec.headers) do wrk.headers[name] = value end
if spec.body_file ~= "" then
  local f = assert(io.open(spec.body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"socket_errors":%%d,"status_errors":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "httpx"


async def http_load(request: HttpRequest, *, seconds: float, connections: int) -> Figures:
    """Warm up (a few requests, so connection set-up and first-call caches are not measured), then drive."""
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(3):
            response = await client.request(request.method, request.url, headers=request.headers,
                                            content=request.body or None)
            if response.status_code >= 400:
                raise RuntimeError(f"{request.method} {request.url} answers {response.status_code}: "
                                   f"{response.text[:300]}")
    if generator() == "wrk":
        return await asyncio.to_thread(_wrk, request, seconds, connections)
    return await _httpx_load(request, seconds, connections)


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def _wrk(request: HttpRequest, seconds: float, connections: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        body_file = Path(folder) / "body"
        body_file.write_bytes(request.body)
        headers = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in request.headers.items())
        spec = (f"{{method = {_lua_string(request.method)}, headers = {{{headers}}}, "
                f"body_file = {_lua_string(str(body_file) if request.body else '')}}}")
        script = Path(folder) / "request.lua"
        script.write_text(WRK_SCRIPT % {"spec": spec})
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                   "-s", str(script), request.url]
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((l for l in result.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stdout[-500:]} {result.stderr[-500:]}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    duration = data["duration_us"] / 1e6
    errors = data["socket_errors"] + data["status_errors"]
    return Figures(throughput=(data["requests"] - data["status_errors"]) / duration, p50_ms=data["p50_us"] / 1000,
                   p99_ms=data["p99_us"] / 1000, count=data["requests"], seconds=duration, errors=errors)


async def _httpx_load(request: HttpRequest, seconds: float, connections: int) -> Figures:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = await client.request(request.method, request.url, headers=request.headers,
                                                content=request.body or None)
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.monotonic()
        await asyncio.gather(*(client_loop(client) for _ in range(connections)))
        elapsed = time.monotonic() - started
    return Figures(throughput=(len(latencies) - errors) / elapsed, p50_ms=percentile(latencies, 0.5) * 1000,
                   p99_ms=percentile(latencies, 0.99) * 1000, count=len(latencies), seconds=elapsed, errors=errors)


def multipart(fields: dict[str, str], files: list[tuple[str, tuple[str, bytes, str]]]) -> tuple[bytes, str]:
    """Body and Content-Type of a multipart/form-data request, built by httpx as a browser would send it."""
    built = httpx.Request("POST", "http://127.0.0.1/", data=fields, files=files)
    return built.read(), built.headers["Content-Type"]
