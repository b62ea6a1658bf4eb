"""`uv run python -m bench [--tiny] [--only SCENARIO ...] [sizes ...]`: start what each scenario needs, measure it
and its baseline in the same run, print one table, write the JSON file, remove every database, queue and exchange
the run created."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from .environment import BENCH_DIR, BenchEnvironment
from .load import generator
from .profiling import Profiler
from .results import Row, machine, table, write_json
from .scenarios import SCENARIOS

# name: (full size, --tiny size). Full sizes are issue 9's; docs/performance.md says which were reduced and why.
SIZES = {
    "seconds": (12.0, 2.0, "seconds of load per side of an HTTP or login measurement, over all rounds"),
    "rounds": (3, 2, "rounds of platform, baseline, platform, baseline ... per HTTP or login measurement"),
    "connections": (16, 4, "connections of the job board load"),
    "upload_connections": (8, 2, "connections of the applying load"),
    "login_connections": (4, 2, "connections of the login load"),
    "postings": (10_000, 200, "published postings on the job board"),
    "pdf_kb": (200, 200, "size of the PDF of each application"),
    "event_rate": (20.0, 20.0, "events per second of the fixed-rate lag measurement (below the sustained rate)"),
    "event_seconds": (15.0, 2.0, "seconds of the fixed-rate lag measurement"),
    "event_burst": (1_000, 100, "backlog of events for the highest sustained rate"),
    "erasures": (100_000, 200, "due erasures"),
    "sweep_batch": (1_000, 100, "RETENTION_SWEEP_BATCH"),
    "invoices": (10_000, 20, "renewals to invoice"),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="every scenario at a tiny size (a few seconds each)")
    parser.add_argument("--only", action="append", choices=list(SCENARIOS), metavar="SCENARIO",
                        help=f"run only these scenarios (repeatable): {', '.join(SCENARIOS)}")
    parser.add_argument("--json", type=Path, help="where to write the results (default bench/results/<time>.json)")
    parser.add_argument("--profile", action="store_true",
                        help="record every process of each scenario with py-spy (bench/results/profiles/)")
    for name, (full, tiny, help_text) in SIZES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(full), default=None,
                            help=f"{help_text} (default {full}, --tiny {tiny})")
    args = parser.parse_args(argv)
    for name, (full, tiny, _) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, tiny if args.tiny else full)
    args.round_seconds = max(1.0, args.seconds / args.rounds)
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run(args: argparse.Namespace) -> int:
    started_at = datetime.now(UTC)
    json_path = args.json or BENCH_DIR / "results" / f"{started_at:%Y%m%dT%H%M%SZ}.json"
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env = BenchEnvironment(workdir)
    the_machine = machine()
    names = args.only or list(SCENARIOS)
    rows: list[Row] = []
    failures: dict[str, str] = {}
    say(f"benchmark run {env.run_id}: {', '.join(names)}; load generator {generator()}; "
        f"{the_machine['cpus']} CPUs, load average {the_machine['load_average_at_start'][0]:.1f}; logs in {workdir}")
    try:
        for name in names:
            say(f"-- {name} ...")
            scenario_started = time.monotonic()
            profiler = Profiler(env, name, BENCH_DIR / "results" / "profiles") if args.profile else None
            try:
                if profiler:
                    profiler.start()
                for row in await SCENARIOS[name].run(env, args):
                    row.key = name
                    rows.append(row)
            except Exception as error:  # noqa: BLE001 - one broken scenario must not hide the others' figures
                failures[name] = f"{type(error).__name__}: {error}"
                say(traceback.format_exc())
            finally:
                if profiler:
                    for summary in await profiler.stop():
                        say(f"   profile: {summary}")
                env.stop_processes()
            say(f"   {name} done in {time.monotonic() - scenario_started:.0f} s")
    finally:
        say("cleaning up databases, queues and exchanges ...")
        await env.cleanup()
    print(table(rows))
    sizes = {name: getattr(args, name) for name in SIZES}
    write_json(json_path, rows, sizes=sizes, started_at=started_at.isoformat(),
               extra={"machine": the_machine, "run_id": env.run_id, "load_generator": generator(),
                      "tiny": args.tiny, "failures": failures})
    print(f"\nresults: {json_path}")
    if failures:
        print("failed: " + "; ".join(f"{name}: {reason}" for name, reason in failures.items()))
        print(f"service logs kept in {workdir}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))
