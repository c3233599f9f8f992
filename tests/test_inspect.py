"""``predlint inspect PID`` on jobs predlint did not start (each in its own session, as a user's
job is): a real TensorFlow hang is diagnosed with every process's stack and the hazard's line and
left running, then ``--kill`` ends all of it; a busy process is not hung; bad PIDs are one line,
exit 2; where py-spy may not attach, the report says why and still shows /proc."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from diagnose.harness.exitcodes import EXIT_HUNG
from diagnose.harness.scenarios import find_scenario
from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path
from harness_support import ROOT, ReproRun, inspect, start_detached, tagged

pytestmark = pytest.mark.timeout(240)

HANG_DEADLINE_S = 150

BUSY = """
import sys, time

def crunch():
    total = 0
    while True:
        total += sum(range(1000))

crunch()
"""

# a child that leaves the process group and session, and a grandchild of it: both still hang
# under the root by their parents
LEAVES_THE_GROUP = """
import os, sys, time
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os.wait()
    os._exit(0)
os.waitpid(child, 0)
"""

LOCKED = """
import sys, threading
lock = threading.Lock()
lock.acquire()
lock.acquire()
"""


@pytest.fixture
def detached() -> Iterator[list[tuple[subprocess.Popen, str]]]:
    """Jobs started outside predlint; whatever a test leaves is killed by session afterwards."""
    started: list[tuple[subprocess.Popen, str]] = []
    yield started
    for popen, tag in started:
        for pid in [popen.pid, *tagged(tag)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        popen.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _inspect_until_hung(pid: int, report_dir: Path) -> ReproRun:
    """Inspect once the job has forked its pool workers (TensorFlow takes a while to import),
    again while it still makes progress."""
    deadline = time.monotonic() + HANG_DEADLINE_S
    while len(psutil.Process(pid).children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    while True:
        run = inspect(pid, ["--sample", "2"], report_dir)
        if run.report.get("verdict") == "hung" or time.monotonic() > deadline:
            return run


def test_tf_hang_is_diagnosed_left_running_then_killed(tmp_path: Path, detached) -> None:
    scenario = find_scenario("fork_after_tf")
    popen, tag = start_detached(scenario.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    detached.append((popen, tag))
    run = _inspect_until_hung(popen.pid, tmp_path)
    report = run.report
    outcome = (report["verdict"], report["cause"], run.returncode)
    assert outcome == ("hung", "DLK201", EXIT_HUNG), report.get("summary")
    static = [f for f in check_path(str(scenario.path), Settings()).findings if f.code == "DLK201"]
    first = report["findings"][0]
    assert (first["code"], first["location"]["row"]) == ("DLK201", static[0].row)
    assert "; DLK201 — " in report["summary"] and f":{static[0].row}:" in report["summary"]
    check = subprocess.run([sys.executable, "-m", "diagnose", "check", "--no-cache", "--output-format", "json",
                            str(scenario.path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert sorted(map(json.dumps, report["findings"])) == sorted(map(json.dumps, json.loads(check.stdout)))
    assert report["rule_help"] == "predlint rule DLK201" and report["fix"]
    live = [p for p in report["processes"] if p["status"] not in ("exited", "zombie")]
    assert len(live) >= 3, "the parent and its two pool workers"
    for process in live:
        assert any(t["frames"] for t in process["threads"]), process["pid"]
        assert any(t["wchan"] for t in process["threads"]), process["pid"]
    assert len(report["reading"]) == len(report["processes"])
    assert report["killed"] is False and report["stack_method"] == "py-spy"
    assert all(_alive(p["pid"]) for p in live), "inspect changed nothing"
    assert Path(report["report_path"]).is_file() and Path(report["html_path"]).is_file()

    killed = inspect(popen.pid, ["--sample", "1", "--kill"], tmp_path)
    assert killed.report["killed"] is True and killed.report["survivors"] == []
    assert popen.wait(timeout=10) is not None
    assert tagged(tag) == [] and not any(_alive(p["pid"]) for p in live)


def test_busy_process_is_not_hung(tmp_path: Path, detached) -> None:
    script = tmp_path / "busy.py"
    script.write_text(textwrap.dedent(BUSY))
    popen, tag = start_detached(script)
    detached.append((popen, tag))
    time.sleep(0.5)
    run = inspect(popen.pid, ["--sample", "2"], tmp_path)
    assert (run.report["verdict"], run.returncode) == ("not hung", 0), run.report.get("summary")
    assert "busy in" in run.report["evidence"] and "crunch" in run.report["evidence"]
    assert _alive(popen.pid)


def test_descendants_that_left_the_group_are_inspected_and_killed(tmp_path: Path, detached) -> None:
    script = tmp_path / "leaves.py"
    script.write_text(textwrap.dedent(LEAVES_THE_GROUP))
    popen, tag = start_detached(script)
    detached.append((popen, tag))
    deadline = time.monotonic() + 30
    while len(tagged(tag)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    run = inspect(popen.pid, ["--sample", "1", "--kill"], tmp_path)
    seen = {p["pid"] for p in run.report["processes"]}
    assert len(seen) == 3 and run.report["verdict"] == "hung", run.report.get("summary")
    assert run.report["survivors"] == [] and tagged(tag) == []
    assert popen.wait(timeout=10) is not None


@pytest.mark.parametrize("kind", ["missing", "not-python", "not-a-number", "predlint-itself", "sample-too-short"])
def test_bad_pid_is_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    other = None
    if kind == "missing":
        pid = str(next(n for n in range(4_194_000, 4_194_304) if not psutil.pid_exists(n)))
    elif kind == "not-python":
        other = subprocess.Popen(["sleep", "60"])
        pid = str(other.pid)
    elif kind == "not-a-number":
        pid = "12ab"
    else:
        pid = str(os.getpid())
    options = ["--sample", "0.2"] if kind == "sample-too-short" else []
    try:
        done = subprocess.run([sys.executable, "-m", "diagnose", "inspect", *options, pid], capture_output=True,
                              text=True, timeout=30, cwd=tmp_path)
    finally:
        if other is not None:
            other.kill()
            other.wait()
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("predlint: error:")
    assert done.stdout == ""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_py_spy_denied_says_why_and_still_reads_proc(detached) -> None:
    shared = Path(tempfile.mkdtemp(prefix="predlint-denied-"))
    try:
        shared.chmod(0o777)
        script = shared / "locked.py"
        script.write_text(textwrap.dedent(LOCKED))
        popen, tag = start_detached(script)
        detached.append((popen, tag))
        time.sleep(1)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                   "diagnose", "inspect", "--sample", "1", "--output-format", "json", "--report-dir",
                   str(shared / "reports"), str(popen.pid)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
        report = json.loads(done.stdout)
        assert done.returncode == EXIT_HUNG, done.stderr
        note = " ".join(report["stack_notes"])
        assert "permission denied" in note and "uid 0" in note and "sudo" in note, note
        main = report["processes"][0]
        assert main["threads"] and all(t["state"] for t in main["threads"]), "the /proc view is still there"
        assert _alive(popen.pid)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
