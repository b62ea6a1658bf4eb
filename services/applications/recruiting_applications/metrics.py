"""The applications service's own Prometheus metrics (next to the shared ones on /metrics)."""

from prometheus_client import Histogram

encryption_seconds = Histogram(
    "applications_encryption_seconds", "Time spent sealing an application and storing its wrapped data key",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
