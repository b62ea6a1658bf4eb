"""JSON log lines with the service name and the correlation id.

Log messages name ids and counts, never personal data: the formatter writes only the message and whitelisted
`extra` keys, so a stray `extra={"email": ...}` never reaches the log."""

import json
import logging
import sys
from datetime import UTC, datetime

from .correlation import correlation_id

SAFE_EXTRA_KEYS = frozenset(
    {"event_id", "event_type", "consumer", "aggregate", "count", "status", "method", "path", "duration_ms",
     "attempt", "reason", "queue", "version", "error_type", "company_id", "application_id", "posting_id",
     "user_id", "invoice_id", "subscription_id"}
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
            "correlation_id": correlation_id.get(),
        }
        line.update({k: v for k, v in record.__dict__.items() if k in SAFE_EXTRA_KEYS})
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages of database or validation errors can quote the input.
            line["error_type"] = record.exc_info[0].__name__
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    for name in ("uvicorn", "uvicorn.error", "faststream", "aio_pika", "aiormq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
