"""Settings shared by every service, read from the environment (SPEC section 5)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {"auth": 8101, "postings": 8102, "applications": 8103, "retention": 8104, "billing": 8105}
DEV_SMTP_PORT = 1025


class Settings(BaseSettings):
    """One instance per service process. Every field has a development default; `environment` other than
    `development` refuses the defaults that are only safe on a developer's machine."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str = Field("service", description="set by each service's own Settings subclass")
    environment: str = Field("development", description="development | production")
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432"
    database_name: str | None = Field(None, description="defaults to recruiting_<service>")
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange_name: str = "recruiting.events"
    queue_prefix: str = Field("", description="prefix of every queue name; tests use it to stay apart")
    delivery_limit: int = Field(5, ge=1, description="deliveries before a failing message is dead-lettered")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = DEV_SMTP_PORT
    smtp_from: str = "Recruiting Platform <no-reply@recruiting.localhost>"
    smtp_username: str | None = Field(None, description="log in to the SMTP relay when set")
    smtp_password: str | None = None
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    public_url: str = "http://127.0.0.1:8080"
    gateway_port: int = 8080
    retention_sweep_seconds: float = 60
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path = Path("var")
    outbox_poll_seconds: float = 2.0
    log_level: str = "INFO"
    forwarded_allow_ips: str = Field("127.0.0.1", description="proxies whose X-Forwarded-For is trusted (the gateway)")
    auth_jwks_url: str = Field("http://127.0.0.1:8101/api/auth/jwks.json", description="where access tokens' keys are")

    @property
    def database(self) -> str:
        return self.database_name or f"recruiting_{self.service_name}"

    @property
    def database_url(self) -> str:
        return f"{self.postgres_url.rstrip('/')}/{self.database}"

    @model_validator(mode="after")
    def _defaults_for_the_service(self) -> "Settings":
        if not self.port:
            self.port = SERVICE_PORTS.get(self.service_name, 8100)
        if self.environment != "development" and "guest:guest@" in self.amqp_url:
            raise ValueError("AMQP_URL uses the development credentials guest/guest outside development")
        return self
