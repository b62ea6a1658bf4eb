"""--profile: py-spy (a sampling profiler that attaches from outside, so the code runs unchanged) records every
service process a scenario starts, and this process with its render workers, while the scenario runs; the collapsed
stacks are summarised into where the time goes."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .environment import BenchEnvironment

LINE_NUMBER = re.compile(r":\d+\)$")
IMPORTING = "(<frozen importlib._bootstrap>"


class Profiler:
    def __init__(self, env: BenchEnvironment, scenario: str, folder: Path) -> None:
        self.env, self.scenario, self.folder = env, scenario, folder
        self.recorders: list[tuple[subprocess.Popen, Path]] = []
        self._attached: set[int] = set()
        self._watch: asyncio.Task | None = None

    def start(self) -> None:
        if not shutil.which("py-spy") and not (Path(sys.executable).parent / "py-spy").exists():
            raise RuntimeError("py-spy is not installed (it is a dev dependency: uv sync)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._attach(os.getpid(), "bench")
        self._watch = asyncio.create_task(self._attach_new_services())

    async def _attach_new_services(self) -> None:
        while True:
            for process in self.env.stack.processes:
                if process.process and process.process.poll() is None and process.process.pid not in self._attached:
                    self._attach(process.process.pid, process.service)
            await asyncio.sleep(0.2)

    def _attach(self, pid: int, name: str) -> None:
        self._attached.add(pid)
        output = self.folder / f"{self.scenario}-{name}-{pid}.txt"
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        recorder = subprocess.Popen([py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "50",
                                     "--subprocesses", "--nonblocking", "--output", str(output)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.recorders.append((recorder, output))

    async def stop(self) -> list[Path]:
        if self._watch:
            self._watch.cancel()
        for recorder, _ in self.recorders:
            if recorder.poll() is None:
                recorder.send_signal(signal.SIGINT)
        summaries = []
        for recorder, output in self.recorders:
            try:
                await asyncio.to_thread(recorder.wait, 30)
            except subprocess.TimeoutExpired:
                recorder.kill()
            if output.exists() and output.stat().st_size:
                summary = output.with_suffix(".summary.txt")
                summary.write_text(summarise(output.read_text()))
                summaries.append(summary)
        return summaries


def summarise(collapsed: str, top: int = 20) -> str:
    """Self time per function (the frame on top of the stack) and inclusive time per function of the project's
    own code, as shares of the samples taken outside imports (a process's start-up is not the scenario's work)."""
    own, inclusive, total, importing = Counter(), Counter(), 0, 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        if IMPORTING in stack:
            importing += int(count)
            continue
        frames = [LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            if "recruiting_" in frame or "bench/" in frame:
                inclusive[frame] += samples
    if not total:
        return "no samples\n"
    lines = [f"{total} samples at 50 Hz outside imports (and {importing} while importing modules)", "",
             "self time (top of the stack):"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "inclusive time of the project's own functions:"]
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"
