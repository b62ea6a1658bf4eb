import json
import logging

import pytest
from pydantic import ValidationError
from recruiting_shared.config import Settings
from recruiting_shared.correlation import correlation_id
from recruiting_shared.logs import JsonFormatter


def test_each_service_gets_its_own_database_and_port():
    settings = Settings(service_name="billing", postgres_url="postgresql://db.internal:5432/")
    assert settings.database_url == "postgresql://db.internal:5432/recruiting_billing"
    assert settings.port == 8105


def test_development_broker_credentials_are_refused_outside_development():
    with pytest.raises(ValidationError, match="guest/guest"):
        Settings(service_name="auth", environment="production")
    assert Settings(service_name="auth", environment="production", amqp_url="amqp://svc:s3cret@mq:5672/")


def test_log_lines_are_json_with_the_correlation_id_and_only_whitelisted_extras():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "application stored", None, None)
    record.application_id = "a-1"
    record.email = "jane@example.org"  # a careless extra must not reach the log
    token = correlation_id.set("req-7")
    try:
        line = json.loads(JsonFormatter("applications").format(record))
    finally:
        correlation_id.reset(token)
    assert line["correlation_id"] == "req-7" and line["application_id"] == "a-1"
    assert "jane@example.org" not in json.dumps(line)
