"""Prometheus metrics of the retention service, next to the shared ones on /metrics."""

from prometheus_client import Counter, Gauge

erasures_issued = Counter("retention_erasures_issued_total", "retention.erasure_due commands issued", ["trigger"])
erasures_reissued = Counter(
    "retention_erasures_reissued_total", "Erasures issued again because no application.erased confirmed them in time"
)
erasures_confirmed = Counter("retention_erasures_confirmed_total", "Erasures confirmed by application.erased")
erasures_overdue = Gauge(
    "retention_erasures_overdue",
    "Erasures past their deadline by more than the confirmation window (the goal is always 0); "
    "kind=unconfirmed: issued but not confirmed; kind=unissued: due but never issued",
    ["kind"],
)
sweeps = Counter("retention_sweeps_total", "Sweeper passes", ["outcome"])
