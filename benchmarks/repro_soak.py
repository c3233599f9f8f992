"""Soak test for ``predlint repro``: run N hang repros and check that no process ever survives.

Cycles through the shipped hanging scenarios (or the ones named with --scenario), each run tagged
in its environment; after each run every process on the machine is checked for
the tag, independently of the harness's own bookkeeping. A run counts as right when it hung with
the scenario's cause, its verdict names the line of the static finding for that cause, and nothing
survived. Prints one line per run and a summary (verdicts, detection latency past --quiet, stack
collection time, survivors, wall time).

    python benchmarks/repro_soak.py -n 100            # the issue's bar
    python benchmarks/repro_soak.py -n 10 --quiet 3 --scenario join_before_drain
    python benchmarks/repro_soak.py -n 8 --inspect    # predlint inspect on scenarios started outside it
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness_support import ReproRun, inspect, leftovers, repro, start_detached, tagged  # noqa: E402

from diagnose.harness.scenarios import find_scenario, load_scenarios  # noqa: E402

INSPECT_DEADLINE_S = 180


def soak(names: list[str], runs: int, quiet: float, attach: bool = False) -> int:
    """Run the repros (or, with ``attach``, inspect the scenarios started outside predlint); return
    0 when every run hung, named its cause and left nothing behind."""
    expected = {s.name: s.rule for s in load_scenarios()}
    verdicts: Counter[str] = Counter()
    latencies, stack_times, walls, failures = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="predlint-soak-") as report_dir:
        for index, name in enumerate(islice(cycle(names), runs), 1):
            run, survivors = (_inspected if attach else _reproduced)(name, quiet, Path(report_dir))
            verdicts[run.report.get("verdict", "no report")] += 1
            walls.append(run.wall_s)
            if run.report.get("verdict") == "hung" and not attach:
                latencies.append(run.report["detected_after_s"] - run.quiet_since_s)
            if run.report.get("stack_collection_s") is not None:
                stack_times.append(run.report["stack_collection_s"])
            named = expected[name] is None or f"; {expected[name]} — " in run.report.get("summary", "")
            ok = (run.report.get("verdict") == "hung" and run.report.get("cause") == expected[name] and named
                  and not survivors)
            if not ok:
                failures.append((index, name, run.report.get("summary"), survivors))
            print(_line(index, name, run, survivors), flush=True)
    print(f"\n{runs} runs: verdicts {dict(verdicts)}; survivors in {sum(1 for f in failures if f[3])} runs")
    if latencies:
        print(f"detection after the last progress: {_stats(latencies)} (--quiet {quiet:g})")
    print(f"stack collection: {_stats(stack_times)}; wall per run: {_stats(walls)}")
    for failure in failures:
        print("FAILED:", *failure)
    return 1 if failures else 0


def _reproduced(name: str, quiet: float, report_dir: Path) -> tuple[ReproRun, list]:
    run = repro(["--scenario", name, "--quiet", str(quiet)], report_dir)
    return run, run.report.get("survivors", []) + leftovers(run)


def _inspected(name: str, quiet: float, report_dir: Path) -> tuple[ReproRun, list]:
    """Start the scenario in its own session with its output in a log (as a CI job), inspect it
    every few seconds until it is judged hung (or INSPECT_DEADLINE_S), then inspect --kill. The
    wall time is from the start to the hung verdict."""
    log = (report_dir / f"{name}.log").open("wb")
    popen, tag = start_detached(find_scenario(name).path, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    try:
        while True:
            run = inspect(popen.pid, ["--sample", str(quiet)], report_dir)
            if run.report.get("verdict") == "hung" or time.monotonic() - started > INSPECT_DEADLINE_S:
                break
        run.wall_s = time.monotonic() - started
        killed = inspect(popen.pid, ["--sample", "1", "--kill"], report_dir)
        popen.wait(timeout=30)
        return run, killed.report.get("survivors", []) + tagged(tag)
    finally:
        for pid in [popen.pid, *tagged(tag)]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        popen.wait(timeout=30)
        log.close()


def _line(index: int, name: str, run: ReproRun, survivors: list) -> str:
    report = run.report
    return (f"{index:4d} {name:28} {report.get('verdict', '?'):8} {report.get('cause')!s:7} "
            f"detected {report.get('detected_after_s')} s, wall {run.wall_s:.1f} s, survivors {len(survivors)}")


def _stats(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"median {statistics.median(values):.2f} s, max {max(values):.2f} s"


def main() -> int:
    hangs = [s.name for s in load_scenarios() if s.outcome == "hang"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=100)
    parser.add_argument("--quiet", type=float, default=3.0)
    parser.add_argument("--scenario", action="append", choices=hangs, help="repeatable; default: all hangs")
    parser.add_argument("--inspect", action="store_true",
                        help="start each scenario outside predlint and diagnose it with predlint inspect")
    args = parser.parse_args()
    return soak(args.scenario or hangs, args.runs, args.quiet, args.inspect)


if __name__ == "__main__":
    raise SystemExit(main())
