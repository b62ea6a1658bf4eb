"""The applications service's own Prometheus metrics (next to the shared ones on /metrics)."""

from prometheus_client import Histogram

BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

encryption_seconds = Histogram(
    "applications_encryption_seconds", "Time spent sealing an application's fields and documents (AES-GCM)",
    buckets=BUCKETS,
)
key_vault_seconds = Histogram(
    "applications_key_vault_seconds", "Time spent wrapping a new data key and storing it durably in the key vault",
    buckets=BUCKETS,
)
