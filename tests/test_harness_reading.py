"""What the harness tells a person beyond the cause, on small pure-Python targets: a reading of
unrecognised hangs (a dead child while the parent waits with no timeout, every worker in
``Event.wait``, a forked child stuck on an inherited lock), how a lost worker ended, the sleep
hint, Ctrl-C taking the stacks before the kill, and completed runs without zombie rows."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from diagnose.harness.exitcodes import EXIT_INTERRUPTED
from harness_support import ROOT, TAG_ENV, ReproRun, leftovers, repro

pytestmark = pytest.mark.timeout(120)

CHILD_DIES_PARENT_WAITS_IN_QUEUE_GET = """
import multiprocessing

def work(results):
    raise ValueError("bad row 7")

if __name__ == "__main__":
    results = multiprocessing.Queue()
    multiprocessing.Process(target=work, args=(results,)).start()
    print(results.get())
"""

WORKERS_WAIT_FOR_AN_EVENT_NOBODY_SETS = """
import multiprocessing

def work(ready):
    ready.wait()

if __name__ == "__main__":
    ready = multiprocessing.Event()
    workers = [multiprocessing.Process(target=work, args=(ready,)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
"""

FORK_WHILE_ANOTHER_THREAD_HOLDS_A_LOCK = """
import multiprocessing, threading, time

lock = threading.Lock()

def hold():
    with lock:
        time.sleep(600)

def work():
    with lock:
        print("never")

if __name__ == "__main__":
    threading.Thread(target=hold, daemon=True).start()
    time.sleep(0.2)
    child = multiprocessing.get_context("fork").Process(target=work)
    child.start()
    child.join()
"""

POOL_WORKER_ENDS = """
import multiprocessing, os, signal, sys

def work(x):
    if x == 2:
        ENDING
    return x

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(pool.map(work, range(4), chunksize=1))
"""

SLEEPS = """
import time
time.sleep(600)
"""

CHILD_EXITS_THEN_ROOT_COMPLETES = """
import multiprocessing

def work():
    pass

if __name__ == "__main__":
    for _ in range(3):
        multiprocessing.Process(target=work).start()
"""


def _run(tmp_path: Path, source: str, *options: str) -> ReproRun:
    script = tmp_path / "target.py"
    script.write_text(textwrap.dedent(source))
    return repro([*options, str(script)], tmp_path / "reports")


@pytest.mark.parametrize(
    ("source", "reading"),
    [
        (CHILD_DIES_PARENT_WAITS_IN_QUEUE_GET,
         r"a child died: pid \d+ exited with code 1, last exception in the output: ValueError: bad row 7; "
         r"the parent waits in Queue.get with no timeout"),
        (WORKERS_WAIT_FOR_AN_EVENT_NOBODY_SETS, r"every worker \(2\) waits in Event.wait"),
        (FORK_WHILE_ANOTHER_THREAD_HOLDS_A_LOCK,
         r"pid \d+, forked from pid \d+, blocks acquiring a lock at .*target.py:11 \(`with lock:`\)"),
    ],
    ids=["dead-child-queue-get", "event-wait", "inherited-lock"],
)
def test_unrecognised_hang_gets_a_reading(tmp_path: Path, source: str, reading: str) -> None:
    run = _run(tmp_path, source, "--quiet", "2")
    assert (run.report["verdict"], run.report["cause"]) == ("hung", None), run.report["summary"]
    assert run.report["summary"] == "hung: cause not recognised"
    assert re.search(reading, run.report["evidence"]), run.report["evidence"]
    pids = {p["pid"] for p in run.report["processes"]}
    assert len(run.report["reading"]) == len(pids)
    assert all(line.startswith("pid ") for line in run.report["reading"])
    assert leftovers(run) == []


@pytest.mark.parametrize(
    ("ending", "said"),
    [("sys.exit(1)", r"a worker ended: pid \d+ exited with code 1;"),
     ("os.kill(os.getpid(), signal.SIGKILL)", r"a worker ended: pid \d+ killed by a signal before any exit code ran")],
    ids=["exit-code-1", "sigkill"],
)
def test_lost_worker_says_how_it_ended(tmp_path: Path, ending: str, said: str) -> None:
    run = _run(tmp_path, POOL_WORKER_ENDS.replace("ENDING", ending), "--quiet", "2")
    assert run.report["summary"] == "hung: lost pool worker"
    assert re.search(said, run.report["evidence"]), run.report["evidence"]
    assert run.report["fix"].startswith("use concurrent.futures.ProcessPoolExecutor")


def test_all_threads_asleep_hints_to_raise_quiet(tmp_path: Path) -> None:
    run = _run(tmp_path, SLEEPS, "--quiet", "2")
    assert run.report["verdict"] == "hung"
    assert [h for h in run.report["hints"] if "time.sleep" in h and "--quiet" in h], run.report["hints"]


def test_completed_run_lists_no_zombies(tmp_path: Path) -> None:
    run = _run(tmp_path, CHILD_EXITS_THEN_ROOT_COMPLETES)
    assert run.report["verdict"] == "completed"
    assert len(run.report["processes"]) >= 2
    assert {p["status"] for p in run.report["processes"]} == {"exited"}


def test_ctrl_c_takes_the_stacks_before_the_kill(tmp_path: Path) -> None:
    script = tmp_path / "stuck.py"
    script.write_text("import threading\nlock = threading.Lock()\nlock.acquire()\nlock.acquire()\n")
    tag = f"predlint-test-{os.getpid()}-{time.monotonic_ns()}"
    predlint = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "repro", "--quiet", "60", "--output-format", "json",
         "--report-dir", str(tmp_path / "reports"), str(script), "--", tag],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
        env={**os.environ, TAG_ENV: tag},
    )
    time.sleep(4)
    predlint.send_signal(signal.SIGINT)
    out, _ = predlint.communicate(timeout=60)
    report = json.loads(out)
    assert predlint.returncode == EXIT_INTERRUPTED == report["exit_code"]
    assert report["verdict"] == "interrupted" and report["summary"].startswith("interrupted (Ctrl-C)")
    main = report["processes"][0]
    assert main["threads"] and main["threads"][0]["frames"], "stacks were taken before the kill"
    assert leftovers(ReproRun(predlint.returncode, report, "", tag, 0.0)) == []
