"""predlint's pytest plugin, run as a user runs it: a real ``pytest`` session in a subprocess on
small test files (real TensorFlow, real processes), under a hard timeout. Hanging tests fail with
the cause and a worker's stack, their processes are killed, the session goes on, a busy test and a
plain one pass, and no process of the run survives. The guard is off without a limit."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from harness_support import TAG_ENV, tagged

pytestmark = pytest.mark.timeout(300)

RUN_TIMEOUT_S = 240
QUIET_S = 2

TF_HANG = '''
import multiprocessing

import numpy as np
from tensorflow import keras

model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4)])
model.predict(np.zeros((1, 8), dtype="float32"), verbose=0)  # the TF runtime starts here


def predict_chunk(chunk):
    return model.predict(chunk, verbose=0)


def test_fork_after_tf():
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(predict_chunk, np.array_split(np.zeros((64, 8), dtype="float32"), 4))
'''

HANGS = '''
import multiprocessing
import os
import signal
import threading
import time

import pytest


def slow_square(x):
    time.sleep(0.3)
    return x * x


def test_lost_pool_worker():
    pool = multiprocessing.get_context("fork").Pool(2)
    threading.Timer(0.5, os.kill, (pool._pool[0].pid, signal.SIGKILL)).start()
    pool.map(slow_square, range(8))


def fill(queue):
    queue.put(b"x" * 200_000)


@pytest.mark.hang_timeout(1.5)
def test_join_before_drain():
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=fill, args=(queue,))
    child.start()
    child.join()
    queue.get()


def test_busy_for_twice_the_quiet_period():
    started = time.monotonic()
    while time.monotonic() - started < {busy_s}:
        sum(range(10_000))


def test_plain():
    assert sum(range(4)) == 6
'''

QUICK = '''
import multiprocessing
import time

import pytest


def fill(queue):
    queue.put(b"x" * 200_000)


@pytest.fixture
def filled_queue():
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=fill, args=(queue,))
    child.start()
    yield queue
    child.join()


@pytest.mark.hang_timeout(1)
def test_teardown_joins_before_drain(filled_queue):
    assert filled_queue is not None


@pytest.mark.hang_timeout(1)
def test_guarded_sleep():
    time.sleep(10)  # the guard ends it after 1 s; margin for a loaded machine, where its verdict takes longer


def test_unguarded_sleep():
    time.sleep(2)


@pytest.mark.hang_timeout(60, cap=1)
def test_busy_past_the_cap():
    started = time.monotonic()
    while time.monotonic() - started < 10:  # the guard ends it at the 1 s cap; margin for a loaded machine
        sum(range(10_000))
'''


@dataclass
class Session:
    """One finished pytest run: exit status, each test's outcome (passed, failed, or error in setup or
    teardown) and failure text, its output."""

    returncode: int
    outcomes: dict[str, str]
    failures: dict[str, str]
    output: str
    tag: str


def run_pytest(directory: Path, *args: str) -> Session:
    """``pytest`` on ``directory`` in a subprocess, its tag in every process's environment. Its output
    goes to a file, not a pipe: a pipe's reader waits until every process holding its write end is
    gone, so a process the run left behind (a forked child inherits pytest's saved stdout and stderr)
    would hold this call until its timeout instead of failing the test's survivors check."""
    tag = f"predlint-test-{uuid.uuid4().hex}"
    junit = directory / "junit.xml"
    log = directory / "pytest-output.txt"
    with log.open("wb") as sink:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *args],
                cwd=directory, stdout=sink, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT_S,
                env={**os.environ, TAG_ENV: tag},
            )
        except subprocess.TimeoutExpired:  # the guard failed: leave nothing of the run behind
            kill_tagged(tag)
            raise
    outcomes, failures = {}, {}
    for case in ElementTree.parse(junit).iter("testcase") if junit.exists() else []:
        failed = case.find("failure")
        failed = failed if failed is not None else case.find("error")  # setup or teardown
        outcomes[case.get("name")] = "passed" if failed is None else {"failure": "failed"}.get(failed.tag, "error")
        if failed is not None:
            failures[case.get("name")] = failed.text or ""
    return Session(done.returncode, outcomes, failures, log.read_text(errors="replace"), tag)


def kill_tagged(tag: str) -> None:
    for pid in tagged(tag):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def survivors(session: Session, grace_s: float = 10.0) -> list[str]:
    """The run's processes still alive ``grace_s`` after pytest exited (a helper such as the resource
    tracker ends on its own a moment after pytest), each with its command line; they are then killed."""
    deadline = time.monotonic() + grace_s
    while (left := tagged(session.tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    described = []
    for pid in left:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            described.append(f"{pid} (parent {process.ppid()}, {process.status()}): {' '.join(process.cmdline())}")
    kill_tagged(session.tag)
    return described


EXPECTED = {
    "test_lost_pool_worker": "failed",
    "test_join_before_drain": "failed",
    "test_busy_for_twice_the_quiet_period": "passed",
    "test_plain": "passed",
}


def write_hangs(directory: Path) -> None:
    (directory / "test_hangs.py").write_text(HANGS.replace("{busy_s}", str(2 * QUIET_S)))


@pytest.fixture(scope="module")
def hangs(tmp_path_factory: pytest.TempPathFactory) -> Session:
    """The hanging tests, guarded through the ini file (one also by its marker), the TF one first."""
    directory = tmp_path_factory.mktemp("hangs")
    (directory / "test_a_tf_hang.py").write_text(TF_HANG)
    write_hangs(directory)
    (directory / "pytest.ini").write_text(f"[pytest]\nhang_timeout = {QUIET_S}\n")
    return run_pytest(directory, "--hang-report-dir", str(directory / "reports"))


def test_hanging_tests_fail_and_the_session_goes_on(hangs: Session) -> None:
    assert hangs.outcomes == {"test_fork_after_tf": "failed", **EXPECTED}, hangs.output[-3000:]
    assert hangs.returncode == 1


def test_failure_names_the_cause_line_and_shows_worker_stacks(hangs: Session) -> None:
    fork = hangs.failures["test_fork_after_tf"]
    # the checker names no line here: it does not yet treat test functions as entry points
    assert fork.splitlines()[0] == "predlint hang guard (call): hung: fork after TF runtime started; DLK201"
    assert "fix: start workers with multiprocessing.get_context('spawn')" in fork
    workers = [line for line in fork.splitlines() if line.startswith("  pid ") and "(worker" in line]
    assert len(workers) >= 2 * 2, "a reading line and a stack per worker"
    assert "      predict_chunk (test_a_tf_hang.py:" in fork, "a worker's own frame in its stack"
    drain = hangs.failures["test_join_before_drain"]
    assert drain.startswith("predlint hang guard (call): hung: join before drain; DLK401 — test_hangs.py:")
    assert "QueueFeederThread" in drain and "(feeder, parent " in drain
    assert "hung: lost pool worker" in hangs.failures["test_lost_pool_worker"]
    for text in hangs.failures.values():
        assert "were killed, none survived" in text and "; pytest goes on" in text
        report = Path(text.rsplit("full report: ", 1)[1].split(" (html: ")[0])
        assert json.loads(report.read_text())["verdict"] == "hung"


def test_no_process_of_the_session_survives(hangs: Session) -> None:
    assert survivors(hangs) == []


def test_each_xdist_worker_guards_its_tests(tmp_path: Path) -> None:
    write_hangs(tmp_path)
    session = run_pytest(tmp_path, "-n", "2", "--hang-timeout", str(QUIET_S))
    assert session.outcomes == EXPECTED, session.output[-3000:]
    assert "hung: join before drain; DLK401" in session.failures["test_join_before_drain"]
    assert survivors(session) == []


def test_teardown_hang_sleep_cap_and_off_without_a_limit(tmp_path: Path) -> None:
    (tmp_path / "test_quick.py").write_text(QUICK)
    session = run_pytest(tmp_path)
    assert session.outcomes == {
        "test_teardown_joins_before_drain": "error",
        "test_guarded_sleep": "failed",
        "test_unguarded_sleep": "passed",
        "test_busy_past_the_cap": "failed",
    }, session.output
    teardown = session.failures["test_teardown_joins_before_drain"]
    assert teardown.startswith("predlint hang guard (teardown): hung: join before drain; DLK401"), teardown
    assert "hint: every thread was in time.sleep" in session.failures["test_guarded_sleep"]
    capped = session.failures["test_busy_past_the_cap"]
    assert capped.startswith("predlint hang guard (call): timeout: still making progress when --hang-cap (1 s)")
    assert survivors(session) == []


def test_bad_limit_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nhang_timeout = soon\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "hang_timeout: expected a number of seconds, got 'soon'" in done.stderr
    assert "Traceback" not in done.stderr


def test_pytest_reads_its_own_threads_without_ptrace() -> None:
    """Where py-spy may not attach, the guard still shows the pytest process's threads."""
    from diagnose.harness.hang_guard import with_own_frames
    from diagnose.harness.wchan import kernel_threads

    release = threading.Event()
    waiter = threading.Thread(target=release.wait, name="predlint-test-waiter")
    waiter.start()
    try:
        time.sleep(0.2)
        threads = {t.name: t for t in with_own_frames(kernel_threads(os.getpid()))}
    finally:
        release.set()
        waiter.join()
    waiting = threads["predlint-test-waiter"]
    assert [(f.short_name, Path(f.file).name) for f in waiting.frames[:2]] == [("wait", "threading.py")] * 2
    assert waiting.os_thread_id == waiter.native_id and waiting.state == "S"
    main = next(iter(threads.values()))
    assert main.os_thread_id == os.getpid() and main.frames[0].short_name == "with_own_frames"


def test_a_child_started_in_the_tests_first_clock_tick_is_the_tests() -> None:
    """/proc keeps a process's start time in clock ticks (10 ms), rounded down: a child started a few
    ms after the test began reads as started before it. It must still be the test's, or the guard
    neither watches nor kills it (a forked child blocked on its queue then outlived the session,
    holding the output pipes of ``test_each_xdist_worker_guards_its_tests`` open)."""
    from diagnose.harness.hang_guard import _children_before

    children = []
    try:
        for _ in range(5):
            began = psutil.boot_time() + time.clock_gettime(time.CLOCK_BOOTTIME)  # now, on psutil's clock
            children.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
            assert children[-1].pid not in _children_before(began)
    finally:
        for child in children:
            child.kill()
            child.wait()
