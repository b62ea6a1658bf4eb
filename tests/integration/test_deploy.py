"""deploy/docker-compose.yml cannot run here (no Docker), so this reads it and checks that everything it names
exists in the project and agrees with it: Dockerfiles and their commands, ports, every variable a container gets
(a Settings field of that service, or a variable of a third-party image), the gateway's template placeholders, the
.env example, volumes and health checks. The PostgreSQL init script runs for real against the test server, and a
service starts with the role it creates."""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
import yaml
from recruiting_shared.config import SERVICE_PORTS, Settings
from stdnum.iso7064 import mod_11_10

from deploy.local.gateway import PLACEHOLDER, TEMPLATE, render
from tests.support.stack import SERVICES

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES_OF_COMPOSE = COMPOSE["services"]
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
THIRD_PARTY = ("rabbitmq", "postgres", "mailpit", "gateway")
# Variables the third-party images read, per container, from their own documentation.
IMAGE_VARIABLES = {
    "rabbitmq": {"RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS"},
    "postgres": {"POSTGRES_PASSWORD"} | {f"{s.upper()}_DB_PASSWORD" for s in SERVICES},  # the latter: init script
    "mailpit": {"MP_MAX_MESSAGES", "MP_DATABASE"},
}


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


ENV_EXAMPLE = dotenv(DEPLOY / ".env.example")


def interpolate(value: object, env: dict[str, str]) -> str:
    """docker compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against a .env file."""
    def one(match: re.Match) -> str:
        name, operator, argument = match.groups()
        current = env.get(name, "")
        if operator in (":-", "-"):
            return current or argument
        if operator in (":?", "?") and not current:
            raise AssertionError(f"compose would stop: {argument}")
        return current
    return INTERPOLATION.sub(one, str(value))


def settings_class(service: str) -> type[Settings]:
    module = importlib.import_module(f"recruiting_{service}.config")
    found = [value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, Settings) and value is not Settings]
    assert len(found) == 1, f"recruiting_{service}.config should define one Settings class, found {found}"
    return found[0]


def dockerfile(service: str) -> dict[str, list[str]]:
    """The instructions of services/<service>/Dockerfile, continuation lines joined: {"COPY": [...], ...}."""
    text = (REPO_ROOT / "services" / service / "Dockerfile").read_text()
    instructions: dict[str, list[str]] = {}
    for line in re.sub(r"\\\n\s*", " ", text).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.setdefault(keyword.upper(), []).append(rest.strip())
    return instructions


def generated_secrets() -> dict[str, str]:
    """What an operator puts where .env.example is empty, made the way its comments say."""
    key = lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")  # noqa: E731
    vat_digits = "81234567"
    values = {name: secrets.token_hex(24) for name in ENV_EXAMPLE if name.endswith("_PASSWORD")}
    values.update(
        AUTH_ENCRYPTION_KEY=key(),
        APPLICATIONS_KEY_RING=f"k1:{key()}",
        APPLICATIONS_SERVICE_SECRET=key(),
        BILLING_SELLER=json.dumps({
            "legal_name": "Deploy Test GmbH", "street": "Teststraße 2", "postal_code": "10117", "city": "Berlin",
            "country": "DE", "vat_id": f"DE{vat_digits}{mod_11_10.calc_check_digit(vat_digits)}",
            "tax_number": "30/111/22222", "email": "billing@deploy.example", "phone": "+49 30 1234567",
        }),
        BILLING_BANK_ACCOUNTS=json.dumps([{"bank_name": "Test Bank", "iban": "DE89370400440532013000",
                                           "bic": "COBADEFFXXX"}]),
        BOOTSTRAP_OPERATOR_EMAIL="ops@deploy.example",
        BOOTSTRAP_OPERATOR_PASSWORD=secrets.token_hex(12),
    )
    return values


def operator_env() -> dict[str, str]:
    filled = {**ENV_EXAMPLE, **{k: v for k, v in generated_secrets().items() if not ENV_EXAMPLE.get(k)}}
    empty = sorted(k for k, v in filled.items() if not v and k not in ("SMTP_HOST", "SMTP_PORT"))
    assert not empty, f"no generator in this test for the .env.example values {empty}"
    return filled


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_built_from_its_own_dockerfile_with_a_command_that_exists(service):
    build = SERVICES_OF_COMPOSE[service]["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == REPO_ROOT
    assert (context / build["dockerfile"]) == REPO_ROOT / "services" / service / "Dockerfile"

    instructions = dockerfile(service)
    assert instructions["FROM"][0].startswith("python:3.11-slim")
    assert json.loads(instructions["CMD"][-1]) == ["python", "-m", f"recruiting_{service}.bootstrap"]
    module = f"recruiting_{service}.bootstrap"
    assert importlib.util.find_spec(module) is not None
    assert callable(importlib.import_module(module).main)

    package = tomllib.loads((REPO_ROOT / "services" / service / "pyproject.toml").read_text())["project"]["name"]
    assert all(f"--package {package}" in run for run in instructions["RUN"] if "uv sync" in run)
    for copy in instructions["COPY"]:
        if copy.startswith("--from"):
            continue
        *sources, _ = copy.split()
        for source in sources:
            assert (context / source).exists(), f"{service}/Dockerfile copies {source}, which is not in the repository"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_listens_where_the_project_and_the_gateway_expect_it(service):
    port = SERVICE_PORTS[service]
    definition = SERVICES_OF_COMPOSE[service]
    instructions = dockerfile(service)

    assert int(definition["environment"]["PORT"]) == port
    assert instructions["EXPOSE"] == [str(port)]
    assert f"PORT={port}" in instructions["ENV"][-1].split()
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(definition["healthcheck"]["test"])
    assert SERVICES_OF_COMPOSE["gateway"]["environment"][f"{service.upper()}_UPSTREAM"] == f"{service}:{port}"
    auth_port = SERVICE_PORTS["auth"]
    assert definition["environment"]["AUTH_JWKS_URL"] == f"http://auth:{auth_port}/api/auth/jwks.json"


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_a_service_gets_is_one_of_its_settings(service):
    fields = {name.upper() for name in settings_class(service).model_fields}

    unknown = set(SERVICES_OF_COMPOSE[service]["environment"]) - fields
    assert not unknown, f"{service} gets variables it does not read: {sorted(unknown)}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_compose_environment_with_the_operators_secrets_is_valid_production_configuration(service, monkeypatch):
    env = operator_env()
    values = {key: interpolate(value, env) for key, value in SERVICES_OF_COMPOSE[service]["environment"].items()}
    cls = settings_class(service)
    # Read from the environment as in the container (JSON fields are parsed from there), and only from there.
    for name in cls.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)

    settings = cls()
    assert settings.environment == "production"
    assert settings.database == f"recruiting_{service}"
    assert settings.postgres_url.startswith(f"postgresql://recruiting_{service}:")
    assert settings.postgres_url.endswith("@postgres:5432")
    assert settings.host == "0.0.0.0"
    assert settings.smtp_host == "mailpit"  # SMTP_HOST is empty in the example: the mail catcher


def test_the_third_party_containers_get_only_variables_their_images_read():
    for name, known in IMAGE_VARIABLES.items():
        assert set(SERVICES_OF_COMPOSE[name].get("environment", {})) <= known, name
    init_script = (DEPLOY / "postgres" / "init-databases.sh").read_text()
    assert "for service in auth postings applications retention billing" in init_script
    assert '"${service^^}_DB_PASSWORD"' in init_script


def test_the_gateway_gets_exactly_the_placeholders_of_the_one_routing_template():
    gateway = SERVICES_OF_COMPOSE["gateway"]
    mount = next(volume for volume in gateway["volumes"] if "template" in volume)
    source, target, _ = mount.split(":")
    assert (DEPLOY / source).resolve() == TEMPLATE
    assert target == "/etc/nginx/templates/default.conf.template"  # the image's envsubst runs on templates/*.template

    environment = {key: interpolate(value, operator_env()) for key, value in gateway["environment"].items()}
    assert set(environment) == set(PLACEHOLDER.findall(TEMPLATE.read_text()))
    rendered = render(TEMPLATE.read_text(), environment)
    assert "server auth:8101;" in rendered and "listen 8080;" in rendered
    assert gateway["ports"] == ["${GATEWAY_PORT:-8080}:8080"]
    assert set(gateway["depends_on"]) == set(SERVICES)


def test_every_variable_compose_interpolates_is_in_the_env_example_or_has_a_default():
    text = (DEPLOY / "docker-compose.yml").read_text()
    used = {name for name, operator, _ in INTERPOLATION.findall(text) if operator not in (":-", "-")}
    defaulted = {name for name, operator, _ in INTERPOLATION.findall(text) if operator in (":-", "-")}

    assert used - set(ENV_EXAMPLE) == set()
    assert set(ENV_EXAMPLE) - used - defaulted == set(), "stale entries in .env.example"


def test_images_are_pinned_and_every_container_restarts_and_reports_health():
    for name, definition in SERVICES_OF_COMPOSE.items():
        assert definition["restart"] == "unless-stopped", name
        assert definition["healthcheck"]["test"][0] == "CMD", name
        if name in THIRD_PARTY:
            tag = definition["image"].rsplit(":", 1)[1]
            assert re.match(r"^v?\d+\.\d+", tag), f"{name} image is not pinned to a version: {definition['image']}"
    rabbitmq = SERVICES_OF_COMPOSE["rabbitmq"]["image"]
    assert rabbitmq.endswith("-management")  # the management UI the operators asked for


def test_named_volumes_are_declared_and_mounted_files_exist():
    declared = set(COMPOSE["volumes"])
    used = set()
    for definition in SERVICES_OF_COMPOSE.values():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
            else:
                used.add(source)
    assert used == declared
    assert {"postgres-data", "rabbitmq-data", "applications-data"} <= declared


# --- the Dockerfiles' build steps, replayed without Docker


def build_stage(service: str) -> list[tuple[str, str]]:
    """The instructions of the first stage (the one that installs), in order."""
    text = re.sub(r"\\\n\s*", " ", (REPO_ROOT / "services" / service / "Dockerfile").read_text())
    steps, stages = [], 0
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, rest = line.strip().partition(" ")
        stages += keyword.upper() == "FROM"
        if stages == 1:
            steps.append((keyword.upper(), rest.strip()))
    return steps


def replay_copy(origin: Path, target: Path, *, into_directory: bool) -> None:
    """Docker's COPY: a directory's contents land in the target; a file lands in a target that ends in '/'."""
    if origin.is_dir():
        shutil.copytree(origin, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    elif into_directory:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target / origin.name)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)


@pytest.mark.parametrize("service", SERVICES)
def test_the_dockerfile_build_steps_install_the_service_and_no_development_tools(service, tmp_path):
    """Every COPY and `uv` RUN of the build stage, replayed in a scratch directory as the image's /app, against
    the uv cache the test run already filled (offline: nothing is downloaded here)."""
    app = tmp_path / "app"
    app.mkdir()
    env = {**os.environ, "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)
    for keyword, rest in build_stage(service):
        if keyword == "ENV":
            env.update(dict(pair.split("=", 1) for pair in rest.split()))
            # This machine's interpreter instead of the image's; links instead of copies, no bytecode: only speed.
            env.update(UV_PYTHON=sys.executable, UV_LINK_MODE="hardlink", UV_COMPILE_BYTECODE="0")
        elif keyword == "COPY" and not rest.startswith("--from"):
            *sources, target = rest.split()
            for source in sources:
                replay_copy(REPO_ROOT / source, app / target, into_directory=target.endswith("/"))
        elif keyword == "RUN":
            command = " ".join(part for part in rest.split() if not part.startswith("--mount="))
            assert command.startswith("uv "), f"a build step this test does not know how to replay: {command}"
            result = subprocess.run(command, shell=True, cwd=app, env=env, capture_output=True, text=True)
            assert result.returncode == 0, f"{command}\n{result.stderr}"

    python = app / ".venv" / "bin" / "python"
    # find_spec, not import: importing the whole web stack from cold files would only measure the disk.
    probe = subprocess.run([str(python), "-I", "-c", f"import importlib.util as u; "
                            f"print(u.find_spec('recruiting_{service}.bootstrap').origin); "
                            "print(u.find_spec('pytest') is None)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    module_file, no_pytest = probe.stdout.split()
    assert "site-packages" in module_file  # installed, not an editable link back into the repository
    assert no_pytest == "True"
    others = {name for name in SERVICES if name != service}
    installed = {path.name for path in (app / ".venv").glob("lib/python*/site-packages/recruiting_*")}
    assert not {f"recruiting_{name}" for name in others} & installed


# --- the PostgreSQL init script, for real


@pytest_asyncio.fixture
async def initialised_databases(stack):
    suffix = f"_init_{stack.run_id}"
    passwords = {service: secrets.token_hex(12) for service in SERVICES}
    env = {**os.environ, "DATABASE_SUFFIX": suffix, "POSTGRES_USER": "postgres",
           **{f"{s.upper()}_DB_PASSWORD": p for s, p in passwords.items()}, **_libpq_env(stack.infra.postgres_url)}
    result = subprocess.run([str(DEPLOY / "postgres" / "init-databases.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    yield suffix, passwords
    admin = await asyncpg.connect(f"{stack.infra.postgres_url}/postgres")
    try:
        for service in SERVICES:
            await admin.execute(f'DROP DATABASE IF EXISTS "recruiting_{service}{suffix}" WITH (FORCE)')
            await admin.execute(f'DROP ROLE IF EXISTS "recruiting_{service}{suffix}"')
    finally:
        await admin.close()


def _libpq_env(url: str) -> dict[str, str]:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    env = {"PGHOST": parsed.hostname or "127.0.0.1", "PGPORT": str(parsed.port or 5432)}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return env


def role_url(server_url: str, role: str, password: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(server_url)
    return f"postgresql://{role}:{password}@{parsed.hostname}:{parsed.port or 5432}"


async def test_the_init_script_gives_each_service_a_database_only_its_own_role_can_open(stack, initialised_databases):
    suffix, passwords = initialised_databases
    auth_url = role_url(stack.infra.postgres_url, f"recruiting_auth{suffix}", passwords["auth"])

    own = await asyncpg.connect(f"{auth_url}/recruiting_auth{suffix}")
    try:
        await own.execute("CREATE TABLE probe (id int)")  # the owner can migrate its schema
    finally:
        await own.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(f"{auth_url}/recruiting_billing{suffix}")


async def test_a_service_starts_and_migrates_with_the_role_the_init_script_made(stack, initialised_databases):
    suffix, passwords = initialised_databases
    role = f"recruiting_postings{suffix}"
    # database="postings_init": recruiting_postings_init_<run>, the database the script made.
    process = stack.service("postings", database="postings_init",
                            postgres_url=role_url(stack.infra.postgres_url, role, passwords["postings"]))
    assert process.env["DATABASE_NAME"] == role
    stack.databases.discard(role)  # the fixture drops it, then its role
    try:
        await process.wait_ready()
    finally:
        process.stop()
    admin = await asyncpg.connect(f"{stack.infra.postgres_url}/{role}")
    try:
        owners = {r["tableowner"] for r in await admin.fetch("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        migrated = await admin.fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        await admin.close()
    assert owners == {role}
    assert migrated >= 1
