"""The harness's own behaviour on small pure-Python targets (no TensorFlow, so each run is quick):
progress detection, stack collection with py-spy and with the faulthandler fallback, killing a
tree that tried to escape, exit statuses, report files, and one-line usage errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from diagnose.harness.exitcodes import EXIT_CRASHED, EXIT_HUNG, EXIT_TIMEOUT
from harness_support import ROOT, ReproRun, leftovers, repro

pytestmark = pytest.mark.timeout(120)

BUSY_FOR_7_S = """
import time
end = time.time() + 7
while time.time() < end:
    sum(range(10000))
print("done")
"""

EIGHT_PROCESSES = """
import multiprocessing, time

def idle():
    time.sleep(600)

if __name__ == "__main__":
    spawn = multiprocessing.get_context("spawn")
    procs = [multiprocessing.Process(target=idle) for _ in range(4)]
    procs += [spawn.Process(target=idle) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
"""

ESCAPING_GRANDCHILD = """
import os, time
child = os.fork()
if child == 0:
    os.setsid()                      # leave the harness's session and process group
    if os.fork() == 0:
        time.sleep(600)              # re-parented to init once its parent exits
    os._exit(0)
os.waitpid(child, 0)
time.sleep(600)
"""

LOCK_DEADLOCK = """
import threading
lock = threading.Lock()
lock.acquire()
lock.acquire()
"""


SHORT_LIVED_CHILD_WITH_THREAD_QUEUE = """
import multiprocessing, queue

def work(results):
    results.put(1)

if __name__ == "__main__":
    results = queue.Queue()
    child = multiprocessing.Process(target=work, args=(results,))
    child.start()
    child.join()
    results.get()
"""

POOL_WORKER_KILLED_AT_ONCE = """
import multiprocessing, os, signal

def square(x):
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(list(pool.imap(square, range(6))))
"""

THREAD_QUEUE_JOINED_BY_PARENT = """
import multiprocessing, queue

def consume(tasks):
    while not tasks.empty():
        tasks.get()
        tasks.task_done()

if __name__ == "__main__":
    tasks = queue.Queue()
    for i in range(3):
        tasks.put(i)
    child = multiprocessing.Process(target=consume, args=(tasks,))
    child.start()
    tasks.join()  # the child drained its own copy
"""

CHILD_WAITS_IN_ITS_COPY_OF_THREAD_QUEUE = """
import multiprocessing, queue

def consume(tasks):
    while (item := tasks.get()) is not None:
        print(item)

if __name__ == "__main__":
    tasks = queue.Queue()
    child = multiprocessing.Process(target=consume, args=(tasks,))
    child.start()
    for item in (1, 2, None):
        tasks.put(item)  # lands in the parent's copy only
    child.join()
"""

POOL_JOIN_AFTER_WORKER_KILLED = """
import multiprocessing, os, signal

def work(x):
    if x == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return x

if __name__ == "__main__":
    pool = multiprocessing.Pool(2)
    for x in range(4):
        pool.apply_async(work, (x,))  # results never read
    pool.close()
    pool.join()  # waits for the lost task forever
"""

# The parent ignores SIGTERM, its workers do not: SIGTERM kills the workers and the pool forks
# replacements while the harness is still killing the tree.
POOL_PARENT_IGNORES_SIGTERM = """
import multiprocessing, os, signal

def default_sigterm():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

def work(x):
    if x == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return x

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with multiprocessing.Pool(2, initializer=default_sigterm) as pool:
        print(pool.map(work, range(4), chunksize=1))
"""

SPAWN_RESPAWN_LOOP = """
import multiprocessing

def init(settings):
    pass

def square(x):
    return x * x

if __name__ == "__main__":
    class Settings:  # not importable by spawned workers: each dies at start and is replaced
        pass
    with multiprocessing.get_context("spawn").Pool(2, initializer=init, initargs=(Settings(),)) as pool:
        print(pool.map(square, range(4)))
"""

UNTRACKED_SHARED_MEMORY = """
import time
from multiprocessing import resource_tracker, shared_memory

segment = shared_memory.SharedMemory(create=True, size=4096)
resource_tracker.unregister(segment._name, "shared_memory")  # so nobody unlinks it at exit
print(segment.name, flush=True)
time.sleep(600)
"""


def _script(tmp_path: Path, name: str, source: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def _run(tmp_path: Path, source: str, *options: str, name: str = "target.py") -> ReproRun:
    return repro([*options, _script(tmp_path, name, source)], tmp_path / "reports")


def test_busy_run_longer_than_quiet_is_not_a_hang(tmp_path: Path) -> None:
    run = _run(tmp_path, BUSY_FOR_7_S, "--quiet", "2")
    assert (run.report["verdict"], run.returncode) == ("completed", 0)
    assert run.report["elapsed_s"] > 6


def test_hard_timeout(tmp_path: Path) -> None:
    run = _run(tmp_path, BUSY_FOR_7_S, "--quiet", "5", "--timeout", "2")
    assert (run.report["verdict"], run.returncode) == ("timeout", EXIT_TIMEOUT)
    assert leftovers(run) == []


@pytest.mark.parametrize("method", ["py-spy", "faulthandler"])
def test_stacks_of_eight_processes_forked_and_spawned(tmp_path: Path, method: str) -> None:
    run = _run(tmp_path, EIGHT_PROCESSES, "--quiet", "3", "--stacks", method)
    assert run.report["verdict"] == "hung"
    assert len(run.live) >= 8
    for process in run.live:
        assert any(t["frames"] for t in process["threads"]), (process["pid"], run.report["stack_notes"])
    assert run.report["stack_method"] == method
    assert run.report["stack_collection_s"] < 3
    assert run.report["survivors"] == [] and leftovers(run) == []


def test_grandchild_that_left_the_session_is_killed(tmp_path: Path) -> None:
    run = _run(tmp_path, ESCAPING_GRANDCHILD, "--quiet", "2")
    assert run.report["verdict"] == "hung"
    assert run.report["survivors"] == [] and leftovers(run) == []


def test_unknown_hang_is_reported_with_stacks(tmp_path: Path) -> None:
    run = _run(tmp_path, LOCK_DEADLOCK, "--quiet", "2")
    assert (run.report["verdict"], run.report["cause"], run.returncode) == ("hung", None, EXIT_HUNG)
    assert run.report["summary"].startswith("hung: cause not recognised")
    main = run.report["processes"][0]
    assert main["role"] == "main" and main["threads"][0]["frames"][-1]["function"] == "<module>"


@pytest.mark.parametrize(
    ("source", "cause", "summary"),
    [
        (SHORT_LIVED_CHILD_WITH_THREAD_QUEUE, "DLK104", "hung: queue.Queue handed to a process"),
        (POOL_WORKER_KILLED_AT_ONCE, None, "hung: lost pool worker"),
    ],
    ids=["thread-queue-child-never-sampled", "pool-imap-worker-killed"],
)
def test_causes_from_processes_too_short_lived_to_sample(tmp_path: Path, source: str, cause, summary: str) -> None:
    run = _run(tmp_path, source, "--quiet", "2")
    assert (run.report["verdict"], run.report["cause"]) == ("hung", cause), run.report["summary"]
    assert run.report["summary"].startswith(summary)
    assert leftovers(run) == []


@pytest.mark.parametrize(
    ("source", "cause", "summary"),
    [
        (THREAD_QUEUE_JOINED_BY_PARENT, "DLK104", "hung: queue.Queue handed to a process"),
        (CHILD_WAITS_IN_ITS_COPY_OF_THREAD_QUEUE, "DLK104", "hung: queue.Queue handed to a process"),
        (POOL_JOIN_AFTER_WORKER_KILLED, None, "hung: lost pool worker"),
    ],
    ids=["thread-queue-join-in-parent", "thread-queue-get-in-child", "pool-join-after-worker-killed"],
)
def test_causes_of_other_shapes_of_the_families(tmp_path: Path, source: str, cause, summary: str) -> None:
    run = _run(tmp_path, source, "--quiet", "2")
    assert (run.report["verdict"], run.report["cause"]) == ("hung", cause), run.report["summary"]
    assert run.report["summary"].startswith(summary)
    assert run.report["survivors"] == [] and leftovers(run) == []


def test_workers_forked_while_the_tree_is_killed_do_not_survive(tmp_path: Path) -> None:
    run = _run(tmp_path, POOL_PARENT_IGNORES_SIGTERM, "--quiet", "2")
    assert run.report["verdict"] == "hung"
    assert run.report["survivors"] == [] and leftovers(run) == []


def test_respawn_loop_is_a_hang_though_busy(tmp_path: Path) -> None:
    run = _run(tmp_path, SPAWN_RESPAWN_LOOP, "--quiet", "30")
    assert run.report["verdict"] == "hung" and run.report["detected_after_s"] < 15
    assert run.report["summary"].startswith("hung: livelock, worker processes die at start")
    assert leftovers(run) == []


def test_leaked_shared_memory_of_the_tree_is_removed(tmp_path: Path) -> None:
    run = _run(tmp_path, UNTRACKED_SHARED_MEMORY, "--quiet", "2")
    segment = f"/dev/shm/{run.report['output_tail'].split()[0]}"
    assert run.report["cleaned_ipc"] == [segment]
    assert not Path(segment).exists()


@pytest.mark.parametrize(
    ("source", "verdict", "status", "summary"),
    [
        ("import sys; sys.exit(7)", "completed", 7, "completed with exit code 7"),
        ("raise RuntimeError('boom')", "crashed", EXIT_CRASHED, "crashed: RuntimeError: boom"),
        ("import os\nos.kill(os.getpid(), 9)", "crashed", EXIT_CRASHED, "crashed: killed by SIGKILL"),
    ],
)
def test_exit_statuses(tmp_path: Path, source: str, verdict: str, status: int, summary: str) -> None:
    run = _run(tmp_path, source)
    assert (run.report["verdict"], run.returncode, run.report["summary"]) == (verdict, status, summary)


def test_reports_are_written_and_never_overwritten(tmp_path: Path) -> None:
    first, second = (_run(tmp_path, "print('hi')", name="same.py") for _ in range(2))
    paths = {first.report["report_path"], second.report["report_path"]}
    assert len(paths) == 2
    for path in paths:
        assert json.loads(Path(path).read_text())["verdict"] == "completed"
        page = Path(path).with_suffix(".html").read_text()
        assert page.startswith("<!DOCTYPE html>")
        assert "<title>predlint repro: completed with exit code 0</title>" in page


def test_full_output_shows_verdict_table_and_report_path(tmp_path: Path) -> None:
    script = _script(tmp_path, "deadlock.py", LOCK_DEADLOCK)
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", "repro", "--quiet", "2", "--report-dir", str(tmp_path), script],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert done.returncode == EXIT_HUNG
    assert done.stdout.splitlines()[0].startswith("hung: cause not recognised")
    assert "process tree" in done.stdout and "report:" in done.stdout
    assert re.search(r"in <module> \(.*deadlock.py:\d+\): `lock.acquire\(\)`", done.stdout), "the reading"
    assert re.search(r"│ <module> \[futex\w*\]", done.stdout), "the wait channel in the table, uncut in a pipe"


def test_shadowed_sitecustomize_still_runs(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import builtins\nbuiltins.USER_SITECUSTOMIZE = True\n")
    script = _script(tmp_path, "check.py", "import builtins\nassert builtins.USER_SITECUSTOMIZE\n")
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", "repro", "--output-format", "json", "--report-dir", str(tmp_path), script],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    "args",
    [["missing.py"], ["README.md"], ["--scenario", "no_such_scenario"], [], ["-m", "no_such_module_xyz"],
     ["--scenario", "fork_after_tf", "event_hang.py"]],
    ids=["missing", "not-python", "unknown-scenario", "nothing", "unknown-module", "scenario-and-script"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "README.md").write_text("Not a Python script, just prose.\n")
    done = subprocess.run([sys.executable, "-m", "diagnose", "repro", *args], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("predlint: error:")


def test_scenarios_listing_never_cuts_names_in_a_pipe() -> None:
    from diagnose.harness.scenarios import load_scenarios

    done = subprocess.run([sys.executable, "-m", "diagnose", "scenarios"], capture_output=True, text=True,
                          timeout=30, cwd=ROOT, env={**os.environ, "COLUMNS": "40"})
    assert done.returncode == 0 and "\033" not in done.stdout and "…" not in done.stdout
    rows = {line.split()[0]: line.split()[-1] for line in done.stdout.splitlines()[2:]}
    for scenario in load_scenarios():
        assert scenario.name in rows
        if scenario.twin:
            assert rows[scenario.name] == scenario.twin
