"""bin/run's decisions without starting the platform: what each service process is given, when the development
mailbox is used, refusing busy ports, and what happens when a process dies on its own (real child processes)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from deploy.local.run import Plan, Platform, RunFailed, where_to_go

SERVICES = ("auth", "postings", "applications", "retention", "billing")


def plan(tmp_path: Path, **env: str) -> Plan:
    return Plan.from_environment({"VAR_DIR": str(tmp_path / "var"), **env})


def test_defaults_are_those_of_the_spec(tmp_path):
    defaults = plan(tmp_path)

    assert defaults.gateway_port == 8080
    assert defaults.ports == {"auth": 8101, "postings": 8102, "applications": 8103, "retention": 8104, "billing": 8105}
    assert defaults.devmail_port == 1025
    assert defaults.public_url == "http://127.0.0.1:8080"
    env = defaults.service_env("postings")
    assert env["DATABASE_NAME"] == "recruiting_postings"
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == ("127.0.0.1", "1025")
    assert env["AUTH_JWKS_URL"] == "http://127.0.0.1:8101/api/auth/jwks.json"


def test_each_service_gets_its_own_port_database_and_data_folder_whatever_the_shell_says(tmp_path):
    moved = plan(tmp_path, PORT="9999", DATABASE_NAME="shared_by_mistake", DATA_DIR="/elsewhere", AUTH_PORT="18101",
                 DATABASE_SUFFIX="_demo", GATEWAY_PORT="18080", LOG_LEVEL="DEBUG")

    envs = {name: moved.service_env(name) for name in SERVICES}
    assert envs["auth"]["PORT"] == "18101"
    assert envs["billing"]["PORT"] == "8105"
    assert {env["DATABASE_NAME"] for env in envs.values()} == {f"recruiting_{name}_demo" for name in SERVICES}
    assert envs["applications"]["DATA_DIR"] == str(tmp_path / "var" / "data" / "applications")
    assert envs["retention"]["AUTH_JWKS_URL"] == "http://127.0.0.1:18101/api/auth/jwks.json"
    assert envs["retention"]["PUBLIC_URL"] == "http://127.0.0.1:18080"  # links follow the gateway's port
    assert envs["retention"]["LOG_LEVEL"] == "DEBUG"  # everything else passes through


def test_an_smtp_server_in_the_environment_replaces_the_development_mailbox(tmp_path):
    external = plan(tmp_path, SMTP_HOST="mail.example.org", SMTP_PORT="2525")
    empty = plan(tmp_path, SMTP_HOST="", SMTP_PORT="")  # VAR= in a shell means "not set"

    assert external.devmail_port is None
    assert external.service_env("auth")["SMTP_HOST"] == "mail.example.org"
    assert "smtp://mail.example.org:2525" in where_to_go(external)
    assert "devmail list" not in where_to_go(external)
    assert empty.devmail_port == 1025


def test_passwords_in_urls_are_not_printed(tmp_path):
    text = where_to_go(plan(tmp_path, AMQP_URL="amqp://app:s3cret@broker:5672/",
                            POSTGRES_URL="postgresql://app:pgs3cret@db:5432"))

    assert "s3cret" not in text
    assert "amqp://app:***@broker:5672/" in text


def test_a_busy_port_is_refused_with_the_variable_that_moves_it(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = listener.getsockname()[1]
        platform = Platform(plan(tmp_path, RETENTION_PORT=str(busy)))

        with pytest.raises(RunFailed, match=f"{busy} for retention \\(RETENTION_PORT\\)"):
            platform.start()
    assert platform.children == []


def test_a_process_that_exits_on_its_own_ends_the_run_and_the_others_are_stopped(tmp_path):
    platform = Platform(plan(tmp_path))
    platform.plan.log_dir.mkdir(parents=True)
    survivor = platform._spawn("postings", [sys.executable, "-c", "import time; time.sleep(600)"], {})
    platform._spawn("billing", [sys.executable, "-c", "print('cannot go on'); raise SystemExit(3)"], {})
    platform.children[-1].process.wait(30)

    with pytest.raises(RunFailed) as failure:
        platform.supervise()
    platform.stop()

    assert "billing exited with code 3" in str(failure.value)
    assert "cannot go on" in str(failure.value)  # the tail of its log
    assert survivor.process.returncode is not None  # stopped by SIGTERM
