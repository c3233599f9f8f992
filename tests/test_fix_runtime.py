"""Fixed programs run: hazards that crash or hang, fixed with ``predlint check --fix``, then run as real
processes under a hard timeout (no mocks)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lint_support import ROOT, predlint

RUN_LIMIT = 120  # seconds a fixed program may take on a loaded machine; each finishes in a few

QUEUE_JOIN = '''\
import multiprocessing


def work(tasks, results):
    while True:
        item = tasks.get()
        if item is not None:
            results.put(item * 2)
        tasks.task_done()
        if item is None:
            break


if __name__ == "__main__":
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    workers = [multiprocessing.Process(target=work, args=(tasks, results)) for _ in range(2)]
    for p in workers:
        p.start()
    for item in range(10):
        tasks.put(item)
    for _ in workers:
        tasks.put(None)
    tasks.join()
    print("total", sum(results.get() for _ in range(10)))
    for p in workers:
        p.join()
'''

DRAIN = '''\
import multiprocessing
import queue


def work(tasks, results):
    while True:
        try:
            item = tasks.get()
        except queue.Empty:
            break
        results.put(item * 2)


if __name__ == "__main__":
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    for item in range(10):
        tasks.put(item)
    p = multiprocessing.Process(target=work, args=(tasks, results))
    p.start()
    print("total", sum(results.get() for _ in range(10)))
    p.join()
'''

POOL = '''\
import multiprocessing


def work(x):
    return x * 2


def run(items):
    pool = multiprocessing.Pool(2)
    return sum(pool.map(work, items))


if __name__ == "__main__":
    print("total", run(range(10)))
'''

ASYNC = '''\
import multiprocessing


def work(x):
    return 1 / x


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        for x in range(3):
            pool.apply_async(work, (x,))
        pool.close()
        pool.join()
    print("done")
'''

IMPORT_TIME = '''\
import multiprocessing


def work(x):
    return x * 2


multiprocessing.set_start_method("spawn", force=True)
pool = multiprocessing.Pool(2)
print("total", sum(pool.map(work, range(10))))
pool.close()
pool.join()
'''

KERAS = '''\
import keras
import numpy as np


def batches():
    while True:
        yield (np.array([[1.0], [2.0]]),)  # Keras 3 takes tuples from a generator


model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
out = model.predict_generator(batches(), 3, workers=2, use_multiprocessing=True)
print("total", len(out))
'''


def _run(path: Path, timeout: float = RUN_LIMIT) -> subprocess.CompletedProcess[str]:
    """Run a program in its own process group; on timeout the whole group is killed (workers too), and
    TimeoutExpired raised."""
    with subprocess.Popen([sys.executable, path.name], cwd=path.parent, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _fixed(tmp_path: Path, source: str, *flags: str) -> Path:
    target = tmp_path / "program.py"
    target.write_text(source)
    result = predlint("check", "--no-cache", "--fix", *flags, target.name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert target.read_text() != source
    return target


def test_joinable_queue_fix_makes_the_program_complete(tmp_path: Path) -> None:
    target = tmp_path / "program.py"
    target.write_text(QUEUE_JOIN)
    assert "AttributeError" in _run(target).stderr  # the plain queue has no task_done()/join()
    fixed = _fixed(tmp_path, QUEUE_JOIN, "--unsafe-fixes")
    assert "multiprocessing.JoinableQueue()" in fixed.read_text()
    done = _run(fixed)
    assert (done.returncode, done.stdout) == (0, "total 90\n")


def test_the_shipped_join_scenario_gets_no_fix(tmp_path: Path) -> None:
    """``queue_join_plain_queue.py`` joins a queue nobody calls ``task_done()`` on: a ``JoinableQueue`` there
    would wait forever, so no fix is offered, not even an unsafe one."""
    target = tmp_path / "scenario.py"
    shutil.copyfile(ROOT / "fixtures" / "scenarios" / "queue_join_plain_queue.py", target)
    result = predlint("check", "--no-cache", "--diff", "--unsafe-fixes", "--select", "DLK402", target.name,
                      cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_timeout_fix_makes_the_hanging_drain_complete(tmp_path: Path) -> None:
    target = tmp_path / "program.py"
    target.write_text(DRAIN)
    with pytest.raises(subprocess.TimeoutExpired):  # the worker waits in get() forever, the parent in join()
        _run(target, timeout=5)
    done = _run(_fixed(tmp_path, DRAIN, "--unsafe-fixes"))
    assert (done.returncode, done.stdout) == (0, "total 90\n")


def test_with_block_fix_keeps_the_program_working(tmp_path: Path) -> None:
    fixed = _fixed(tmp_path, POOL)
    assert "    with multiprocessing.Pool(2) as pool:\n        return sum(pool.map(work, items))\n" in fixed.read_text()
    done = _run(fixed)
    assert (done.returncode, done.stdout) == (0, "total 90\n")


def test_kept_async_results_raise_the_worker_error(tmp_path: Path) -> None:
    target = tmp_path / "program.py"
    target.write_text(ASYNC)
    silent = _run(target)
    assert (silent.returncode, silent.stdout) == (0, "done\n")  # work(0) failed and nobody knew
    failed = _run(_fixed(tmp_path, ASYNC, "--unsafe-fixes"))
    assert failed.returncode == 1 and "ZeroDivisionError" in failed.stderr and failed.stdout == ""


def test_main_guard_fix_makes_the_spawning_script_complete(tmp_path: Path) -> None:
    target = tmp_path / "program.py"
    target.write_text(IMPORT_TIME)
    with pytest.raises(subprocess.TimeoutExpired):  # every spawned worker re-runs the pool's creation
        _run(target, timeout=5)
    fixed = _fixed(tmp_path, IMPORT_TIME, "--unsafe-fixes")
    assert '\n\n\ndef main():\n    pool = multiprocessing.Pool(2)\n' in fixed.read_text()
    assert fixed.read_text().endswith('\n\n\nif __name__ == "__main__":\n    main()\n')
    done = _run(fixed)
    assert (done.returncode, done.stdout) == (0, "total 90\n")


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="needs Keras 3")
def test_keras3_fix_makes_the_program_run(tmp_path: Path) -> None:
    target = tmp_path / "program.py"
    target.write_text(KERAS)
    assert "has no attribute 'predict_generator'" in _run(target).stderr
    fixed = _fixed(tmp_path, KERAS, "--keras-version", "3")
    assert "model.predict(batches(), steps=3, verbose=0)" in fixed.read_text()
    done = _run(fixed)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "total 6"), done.stderr


@pytest.mark.parametrize(("scenario", "code"), [("fork_after_tf", "DLK201"), ("tf_keras_spawn_generator", "DLK303")])
@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in ("tensorflow", "tf_keras", "psutil")),
                    reason="needs the scenarios and harness extras")
def test_fixed_hang_scenario_completes_under_repro(scenario: str, code: str, tmp_path: Path) -> None:
    """A shipped scenario that hangs, fixed by ``--fix --unsafe-fixes``, runs to its end under ``predlint repro``."""
    target = tmp_path / f"{scenario}.py"
    shutil.copyfile(ROOT / "fixtures" / "scenarios" / f"{scenario}.py", target)
    fixed = predlint("check", "--no-cache", "--fix", "--unsafe-fixes", "--select", code, target.name, cwd=tmp_path)
    assert fixed.returncode == 0 and fixed.stderr == "Fixed 1, 0 remaining.\n", fixed.stdout + fixed.stderr
    reports = tmp_path / "reports"
    run = predlint("repro", "--report-dir", str(reports), "--quiet", "30", "--timeout", "300", target.name,
                   cwd=tmp_path, timeout=400)
    (report,) = reports.glob("*.json")
    assert (run.returncode, json.loads(report.read_text())["verdict"]) == (0, "completed"), run.stdout[-2000:]
