"""The whole platform on this machine, started by bin/run: the development mailbox, the five services and the
nginx gateway, each its own process, logs in var/log/. Waits until every service's /readyz answers 200, prints
where to go, and on Ctrl-C (SIGINT) or SIGTERM stops everything: gateway first, then the services, then the
mailbox. If a process dies on its own, the rest are stopped too and the run fails with that process's log.

Variables (besides SPEC section 5: POSTGRES_URL, AMQP_URL, SMTP_HOST/SMTP_PORT, PUBLIC_URL, GATEWAY_PORT,
RETENTION_SWEEP_SECONDS, which are passed on to the services):
  AUTH_PORT, POSTINGS_PORT, APPLICATIONS_PORT, RETENTION_PORT, BILLING_PORT   each service's port (8101..8105)
  DEVMAIL_PORT          the development mailbox's SMTP port (1025), when SMTP_HOST/SMTP_PORT are not set
  DATABASE_SUFFIX       appended to every database name: recruiting_auth<suffix> (default: none)
  EXCHANGE_NAME, QUEUE_PREFIX   the RabbitMQ exchange and queue prefix (recruiting.events, none)
  VAR_DIR               where logs, mail, service data and the gateway's files go (var)
  READY_TIMEOUT         seconds to wait for every service to be ready (180)
  AUTH_RATE_LIMIT, AUTH_RATE_BURST   the gateway's per-client limit on login, password/forgot, signup (10r/m, 10)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from deploy.local.gateway import (
    DEFAULT_AUTH_RATE_BURST,
    DEFAULT_AUTH_RATE_LIMIT,
    GatewayConfig,
    GatewayError,
    NginxGateway,
)

SERVICES = ("auth", "postings", "applications", "retention", "billing")
DEFAULT_PORTS = {"auth": 8101, "postings": 8102, "applications": 8103, "retention": 8104, "billing": 8105}
READY_MESSAGE = "The platform is ready."
# Set by the run for each service; a value in the caller's environment would give all five the same one.
PER_SERVICE_VARIABLES = ("PORT", "DATABASE_NAME", "DATA_DIR")


class RunFailed(RuntimeError):
    pass


class Stopped(Exception):
    """Ctrl-C or SIGTERM arrived."""


@dataclass
class Plan:
    """What the run starts and where, read from the environment once."""

    env: dict[str, str]
    var_dir: Path
    gateway_port: int
    ports: dict[str, int]
    database_suffix: str
    devmail_port: int | None  # None: mail goes to the SMTP server the environment names
    public_url: str
    ready_timeout: float

    @classmethod
    def from_environment(cls, environ: dict[str, str]) -> "Plan":
        env = {key: value for key, value in environ.items() if value != ""}  # VAR= means "not set", as in a shell
        gateway_port = int(env.get("GATEWAY_PORT", "8080"))
        external_smtp = "SMTP_HOST" in env or "SMTP_PORT" in env
        return cls(
            env=env,
            var_dir=Path(env.get("VAR_DIR", "var")).resolve(),
            gateway_port=gateway_port,
            ports={name: int(env.get(f"{name.upper()}_PORT", DEFAULT_PORTS[name])) for name in SERVICES},
            database_suffix=env.get("DATABASE_SUFFIX", ""),
            devmail_port=None if external_smtp else int(env.get("DEVMAIL_PORT", "1025")),
            public_url=env.get("PUBLIC_URL", f"http://127.0.0.1:{gateway_port}"),
            ready_timeout=float(env.get("READY_TIMEOUT", "180")),
        )

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def database(self, name: str) -> str:
        return f"recruiting_{name}{self.database_suffix}"

    def service_env(self, name: str) -> dict[str, str]:
        env = {key: value for key, value in self.env.items() if key not in PER_SERVICE_VARIABLES}
        env.update(
            PORT=str(self.ports[name]),
            DATABASE_NAME=self.database(name),
            DATA_DIR=str(self.var_dir / "data" / name),
            PUBLIC_URL=self.public_url,
            GATEWAY_PORT=str(self.gateway_port),
            PYTHONUNBUFFERED="1",
        )
        env.setdefault("AUTH_JWKS_URL", f"{self.service_url('auth')}/api/auth/jwks.json")
        if self.devmail_port is not None:
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.devmail_port))
        return env


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Platform:
    plan: Plan
    stop_requested: threading.Event = field(default_factory=threading.Event)
    children: list[Child] = field(default_factory=list)
    gateway: NginxGateway | None = None

    # --- starting

    def start(self) -> None:
        self.plan.log_dir.mkdir(parents=True, exist_ok=True)
        self._refuse_busy_ports()
        if self.plan.devmail_port is not None:
            self._spawn("devmail", [sys.executable, "-m", "recruiting_shared.devmail", "serve", "--dir",
                                    str(self.plan.mail_dir), "--port", str(self.plan.devmail_port)], dict(self.plan.env))
            self._wait_for_port("devmail", self.plan.devmail_port)
        for name in SERVICES:
            self._spawn(name, [sys.executable, "-m", f"recruiting_{name}.bootstrap"], self.plan.service_env(name))
        for name in SERVICES:
            self._wait_ready(name)
        self._start_gateway()

    def _refuse_busy_ports(self) -> None:
        wanted = {f"{name} ({name.upper()}_PORT)": port for name, port in self.plan.ports.items()}
        wanted["gateway (GATEWAY_PORT)"] = self.plan.gateway_port
        if self.plan.devmail_port is not None:
            wanted["development mailbox (DEVMAIL_PORT)"] = self.plan.devmail_port
        busy = [f"{port} for {what}" for what, port in wanted.items() if _port_in_use(port)]
        if busy:
            raise RunFailed(f"ports already in use: {', '.join(busy)}. Is the platform running already? "
                            "Stop it, or choose other ports with the variables named.")

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Child:
        log_path = self.plan.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            # A session of its own: Ctrl-C in the terminal reaches this process only, which stops the children in
            # order instead of all of them at once.
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def _wait_for_port(self, name: str, port: int) -> None:
        self._wait_until(name, lambda: _port_in_use(port), timeout=30)

    def _wait_ready(self, name: str) -> None:
        url = f"{self.plan.service_url(name)}/readyz"
        self._wait_until(name, lambda: _answers_200(url), timeout=self.plan.ready_timeout)
        say(f"  {name} is ready")

    def _wait_until(self, name: str, condition, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            self._check_children()
            if time.monotonic() > deadline:
                child = next(c for c in self.children if c.name == name)
                raise RunFailed(f"{name} was not ready after {timeout:.0f}s. Its log ({child.log_path}):\n"
                                f"{child.log_tail()}")
            if self.stop_requested.wait(0.25):
                raise Stopped

    def _start_gateway(self) -> None:
        config = GatewayConfig(
            listen=f"127.0.0.1:{self.plan.gateway_port}",
            upstreams={name: f"127.0.0.1:{port}" for name, port in self.plan.ports.items()},
            access_log=self.plan.log_dir / "gateway-access.log",
            auth_rate_limit=self.plan.env.get("AUTH_RATE_LIMIT", DEFAULT_AUTH_RATE_LIMIT),
            auth_rate_burst=int(self.plan.env.get("AUTH_RATE_BURST", DEFAULT_AUTH_RATE_BURST)),
        )
        self.gateway = NginxGateway(config, self.plan.var_dir / "gateway", error_log=self.plan.log_dir / "gateway-error.log")
        self.gateway.start(log_path=self.plan.log_dir / "gateway.log", start_new_session=True)
        self.gateway.wait_ready()

    # --- running

    def supervise(self) -> None:
        """Until Ctrl-C: a child that exits on its own ends the run."""
        while not self.stop_requested.wait(0.5):
            self._check_children()

    def _check_children(self) -> None:
        for child in self.children:
            if child.process.poll() is not None:
                raise RunFailed(f"{child.name} exited with code {child.process.returncode}. Its log ({child.log_path}):\n"
                                f"{child.log_tail()}")
        if self.gateway and self.gateway.process and self.gateway.process.poll() is not None:
            raise RunFailed(f"the gateway (nginx) exited:\n{self.gateway.error_log_tail()}")

    # --- stopping

    def stop(self) -> None:
        """Gateway first (no new requests), then the services together (each finishes what it is doing), then the
        mailbox, so that e-mail sent while shutting down still arrives."""
        if self.gateway:
            self.gateway.stop()
        services = [c for c in self.children if c.name in SERVICES]
        others = [c for c in self.children if c.name not in SERVICES]
        _terminate(services, signal.SIGTERM, timeout=20)
        _terminate(others, signal.SIGINT, timeout=10)


def _terminate(children: list[Child], signum: int, *, timeout: float) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signum)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"  {child.name} did not stop within {timeout:.0f}s; killing it")
            child.process.kill()
            child.process.wait(5)


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _without_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = f"{parsed.username}:***@{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")
    return urlunparse(parsed._replace(netloc=netloc))


def say(text: str = "") -> None:
    print(text, flush=True)


def where_to_go(plan: Plan) -> str:
    gateway = f"http://127.0.0.1:{plan.gateway_port}"
    lines = [
        READY_MESSAGE,
        "",
        f"  API (through the gateway)  {gateway}/api/   e.g. curl {gateway}/api/jobs",
        f"  Links in e-mails point to  {plan.public_url}",
        "",
        "  Each service on its own port: interactive docs, OpenAPI and AsyncAPI (its events):",
    ]
    for name in SERVICES:
        url = plan.service_url(name)
        lines.append(f"    {name:<13} {url}/docs   {url}/openapi.json   {url}/asyncapi.json")
    lines.append("")
    if plan.devmail_port is not None:
        mail_dir = plan.mail_dir
        list_command = f".venv/bin/python -m recruiting_shared.devmail list --dir {mail_dir}"
        lines += [
            f"  Development mailbox        smtp://127.0.0.1:{plan.devmail_port}, every message is a file in {mail_dir}/",
            f"    list them:               {list_command}",
            f"    read one:                .venv/bin/python -m recruiting_shared.devmail show {mail_dir}/<file>.eml",
        ]
    else:
        lines.append(f"  E-mail goes to             smtp://{plan.env.get('SMTP_HOST', '127.0.0.1')}:{plan.env.get('SMTP_PORT', '25')}")
    lines += [
        f"  PostgreSQL                 {_without_password(plan.env.get('POSTGRES_URL', 'postgresql://postgres@127.0.0.1:5432'))}"
        f"  databases {', '.join(plan.database(name) for name in SERVICES)}",
        f"  RabbitMQ                   {_without_password(plan.env.get('AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672/'))}"
        f"  exchange {plan.env.get('EXCHANGE_NAME', 'recruiting.events')}",
        f"  Logs                       {plan.log_dir}/",
        "",
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


def main() -> int:
    plan = Plan.from_environment(dict(os.environ))
    platform = Platform(plan)

    def request_stop(signum, frame) -> None:
        platform.stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    say(f"Starting the platform (logs in {plan.log_dir}/) ...")
    try:
        platform.start()
        say(where_to_go(plan))
        platform.supervise()
        say("Stopping ...")
        return 0
    except Stopped:
        say("Stopping ...")
        return 0
    except (RunFailed, GatewayError) as failure:
        say(f"bin/run failed: {failure}")
        return 1
    finally:
        platform.stop()
        say("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
