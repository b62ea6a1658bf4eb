"""What a scenario reports: one row of the table, with the baseline measured in the same run."""

from __future__ import annotations

import json
import math
import platform
import statistics
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Figures:
    """Throughput and latency of one side (the platform or its baseline). `p50_ms`/`p99_ms` are request latencies
    for request scenarios, event lags for the event pipeline, and the time until an item was done (counted from
    the start of the batch) for the batch scenarios."""

    throughput: float
    p50_ms: float
    p99_ms: float
    count: int
    seconds: float
    errors: int = 0


@dataclass
class Row:
    scenario: str
    unit: str  # what the throughput counts, per second
    platform: Figures
    baseline_name: str
    baseline: Figures
    notes: dict = field(default_factory=dict)
    key: str = ""  # the scenario module's NAME, set by the runner

    @property
    def ratio(self) -> float:
        """The platform's throughput as a share of the baseline's: 1.0 is as fast as the baseline."""
        return self.platform.throughput / self.baseline.throughput if self.baseline.throughput else math.nan

    def as_dict(self) -> dict:
        return {"key": self.key, "scenario": self.scenario, "unit": self.unit, "platform": asdict(self.platform),
                "baseline_name": self.baseline_name, "baseline": asdict(self.baseline), "ratio": self.ratio,
                "notes": self.notes}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def figures_from(latencies_s: list[float], count: int, seconds: float, errors: int = 0) -> Figures:
    return Figures(throughput=count / seconds, p50_ms=percentile(latencies_s, 0.5) * 1000,
                   p99_ms=percentile(latencies_s, 0.99) * 1000, count=count, seconds=seconds, errors=errors)


def _duration(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def table(rows: list[Row]) -> str:
    header = ("scenario", "throughput", "p50", "p99", "baseline", "baseline thr.", "b. p50", "b. p99", "ratio")
    lines = [header]
    for row in rows:
        lines.append((row.scenario, f"{row.platform.throughput:,.1f} {row.unit}/s", _duration(row.platform.p50_ms),
                      _duration(row.platform.p99_ms), row.baseline_name, f"{row.baseline.throughput:,.1f}/s",
                      _duration(row.baseline.p50_ms), _duration(row.baseline.p99_ms), f"{row.ratio:.2f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {1, 2, 3, 5, 6, 7, 8}
    rendered = [" | ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in
                           enumerate(zip(line, widths, strict=True))) for line in lines]
    rendered.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(rendered)


def machine() -> dict:
    """What the figures were measured on: they mean little without it."""
    import os
    import sys

    memory_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal:")), 0) if Path("/proc/meminfo").exists() else 0
    return {"cpus": os.cpu_count(), "memory_gib": round(memory_kib / 1024 / 1024, 1),
            "load_average_at_start": os.getloadavg(), "python": sys.version.split()[0],
            "platform": platform.platform(), "postgresql": _version(["psql", "--version"]),
            "nginx": _version(["nginx", "-v"]), "wrk": _version(["wrk", "--version"])}


def _version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"


def write_json(path: Path, rows: list[Row], *, sizes: dict, started_at: str, extra: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"started_at": started_at, "sizes": sizes, **extra,
                                "rows": [row.as_dict() for row in rows]}, indent=2, default=str) + "\n")


def combined(rounds: list[Figures]) -> Figures:
    """Several rounds of one side as one figure: throughput over all rounds, the median round's p50 and p99."""
    seconds = sum(r.seconds for r in rounds)
    return Figures(throughput=sum(r.throughput * r.seconds for r in rounds) / seconds,
                   p50_ms=statistics.median(r.p50_ms for r in rounds), p99_ms=statistics.median(r.p99_ms for r in rounds),
                   count=sum(r.count for r in rounds), seconds=seconds, errors=sum(r.errors for r in rounds))


async def alternating(platform: Callable[[], Awaitable[Figures]], baseline: Callable[[], Awaitable[Figures]],
                      rounds: int) -> tuple[Figures, Figures]:
    """platform, baseline, platform, baseline, ...: on a machine whose other load comes and goes, both sides see
    the same mix of quiet and busy moments, so their ratio means more than two measurements minutes apart."""
    platform_rounds, baseline_rounds = [], []
    for _ in range(rounds):
        platform_rounds.append(await platform())
        baseline_rounds.append(await baseline())
    return combined(platform_rounds), combined(baseline_rounds)


def batch_figures(parts: list[tuple[list[float], float]]) -> Figures:
    """Batch runs (each: when every item was done, counted from the run's start; the run's length) as one batch:
    the later parts continue where the earlier ones ended. Used to measure a baseline half before and half after
    the platform, so that both see the same stretch of the machine's other load."""
    done, offset = [], 0.0
    for times, seconds in parts:
        done += [offset + t for t in times]
        offset += seconds
    return figures_from(done, len(done), offset)
