"""Prometheus metrics every service exposes on /metrics."""

from prometheus_client import Counter, Gauge, Histogram

http_requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
http_latency = Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "route"])
outbox_published = Counter("outbox_published_total", "Events published from the outbox")
outbox_failures = Counter("outbox_publish_failures_total", "Failed outbox publish attempts", ["kind"])
outbox_pending = Gauge("outbox_pending", "Outbox rows not yet published")
consumer_messages = Counter("consumer_messages_total", "Messages seen by consumers", ["consumer", "outcome"])
broker_connected = Gauge("broker_connected", "1 when the broker connection is up")
