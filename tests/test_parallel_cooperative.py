"""``predict_chunked``: this process predicts at once, preprocessing workers join (real processes).

The workers here import no TensorFlow (nothing they unpickle needs it), so they start quickly;
this module imports Keras only inside fixtures for the same reason.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import psutil
import pytest

from diagnose.parallel import WorkerDiedError, WorkerFailedError, leftover_segments, predict_chunked, shutdown

BATCH = 8


def slow_identity(batch: np.ndarray) -> np.ndarray:
    """Preprocess that costs 50 ms a batch: long enough that workers are worth starting."""
    time.sleep(0.05)
    return batch * 2.0


def very_slow_identity(batch: np.ndarray) -> np.ndarray:
    time.sleep(0.3)
    return batch * 2.0


def fails_in_workers(batch: np.ndarray) -> np.ndarray:
    """Raises a Keras-like multi-line error, but only in a worker process."""
    time.sleep(0.05)
    if multiprocessing.parent_process() is not None:
        raise ValueError("Exception encountered when calling Dense.call().\n\n"
                         "Input 0 of layer is incompatible with the layer\n\n"
                         "Arguments received by Dense.call():\n  • inputs=tf.Tensor(shape=(8, 5))\n"
                         "  • kwargs=<class 'inspect._empty'>")
    return batch * 2.0


def rows(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)


def new_children(before: set[int]) -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if (child.pid not in before and child.status() != psutil.STATUS_ZOMBIE
                    and "resource_tracker" not in " ".join(child.cmdline())):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def assert_clean(before: set[int]) -> None:
    deadline = time.monotonic() + 10
    while new_children(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert new_children(before) == []
    assert leftover_segments(os.getpid()) == []


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])


@pytest.fixture
def before():
    shutdown()  # no pool kept from another test
    pids = {child.pid for child in psutil.Process().children(recursive=True)}
    yield pids
    shutdown()
    assert_clean(pids)


def expected(model, x: np.ndarray) -> np.ndarray:
    return model.predict(x * 2.0, verbose=0)


@pytest.mark.timeout(60)
def test_short_job_runs_here_and_starts_no_worker(model, before, capsys):
    x = rows(4 * BATCH)
    y = predict_chunked(model, x, workers=2, batch_size=BATCH, preprocess=slow_identity, verbose=1)
    assert np.allclose(y, expected(model, x), atol=1e-6)
    assert "no workers" in capsys.readouterr().err
    assert new_children(before) == []


@pytest.mark.timeout(120)
def test_long_job_shares_the_work_keeps_order_and_reuses_the_workers(model, before, capsys):
    x = rows(80 * BATCH, seed=1)  # 80 batches x 50 ms: 4 s in this process alone
    y = predict_chunked(model, x, workers=2, batch_size=BATCH, preprocess=slow_identity, verbose=1)
    assert np.allclose(y, expected(model, x), atol=1e-6)
    first_pids = {p.pid for p in new_children(before)}
    said = capsys.readouterr().err
    assert "starting 2 preprocessing workers" in said and len(first_pids) == 2
    prepared = int(said.split(" prepared by workers")[0].rsplit(", ", 1)[1])
    assert prepared > 0
    x2 = rows(30 * BATCH + 3, seed=2)  # a short last batch
    y2 = predict_chunked(model, x2, workers=2, batch_size=BATCH, preprocess=slow_identity, verbose=1)
    assert np.allclose(y2, expected(model, x2), atol=1e-6)
    assert "2 warm preprocessing workers" in capsys.readouterr().err
    assert {p.pid for p in new_children(before)} == first_pids
    assert leftover_segments(os.getpid()) == []


def maps_shared_input(process: psutil.Process) -> bool:
    try:
        return any("predlint_" in m.path for m in process.memory_maps(grouped=False))
    except psutil.Error:
        return False


class SlowModel:
    """A model whose calls cost far more than the preprocessing: the compute-bound case."""

    def predict_on_batch(self, batch: np.ndarray) -> np.ndarray:
        time.sleep(0.05)
        return batch[:, :2]


@pytest.mark.timeout(60)
def test_model_bound_work_starts_no_worker(before, capsys):
    x = rows(40 * BATCH, seed=5)
    y = predict_chunked(SlowModel(), x, workers=2, batch_size=BATCH, preprocess=np.negative, verbose=1)
    assert np.array_equal(y, -x[:, :2])
    assert "not worth it: no workers" in capsys.readouterr().err
    assert new_children(before) == []


def kill_a_worker_once_busy(before: set[int]) -> threading.Thread:
    """SIGKILL the first worker of this call that has taken rows (it maps the shared input)."""

    def kill() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [p for p in new_children(before) if maps_shared_input(p)]
            if busy:
                time.sleep(0.2)
                busy[0].send_signal(signal.SIGKILL)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


@pytest.mark.timeout(120)
def test_killed_worker_raises_naming_its_rows(model, before):
    x = rows(60 * BATCH, seed=3)  # 60 batches x 0.3 s
    killer = kill_a_worker_once_busy(before)
    with pytest.raises(WorkerDiedError) as caught:
        predict_chunked(model, x, workers=2, batch_size=BATCH, preprocess=very_slow_identity)
    killer.join()
    error = caught.value
    assert error.exitcode == -signal.SIGKILL and error.lost and "SIGKILL" in str(error)
    assert f"chunk {error.lost[0]} (rows " in str(error)
    assert leftover_segments(os.getpid()) == []


@pytest.mark.timeout(120)
def test_retry_lost_recomputes_the_rows_of_a_killed_worker(model, before, capsys):
    x = rows(60 * BATCH, seed=4)
    killer = kill_a_worker_once_busy(before)
    y = predict_chunked(model, x, workers=2, batch_size=BATCH, preprocess=very_slow_identity, retry_lost=True,
                        verbose=1)
    killer.join()
    assert np.allclose(y, expected(model, x), atol=1e-6)
    assert "its rows go back in the queue" in capsys.readouterr().err


@pytest.mark.timeout(120)
def test_worker_error_shows_the_first_lines_of_its_own_message(model, before):
    with pytest.raises(WorkerFailedError) as caught:
        predict_chunked(model, rows(400 * BATCH), workers=2, batch_size=BATCH, preprocess=fails_in_workers)
    message = str(caught.value)
    assert "ValueError: Exception encountered when calling Dense.call()." in message
    assert "Input 0 of layer is incompatible" in message
    assert "ValueError: Exception encountered" in caught.value.worker_traceback


def marking_factory():
    """A model factory that leaves a mark wherever it runs (a worker or this process)."""
    with open(os.environ["PREDLINT_TEST_MARKER"], "a") as mark:
        mark.write(f"{os.getpid()}\n")
    raise AssertionError("the model must not be loaded for no rows")


def test_empty_input_raises_before_loading_the_model_or_starting_workers(before, tmp_path, monkeypatch):
    marker = tmp_path / "loaded"
    monkeypatch.setenv("PREDLINT_TEST_MARKER", str(marker))
    with pytest.raises(ValueError, match="x has no rows"):
        predict_chunked(marking_factory, np.zeros((0, 4), np.float32), workers=2, preprocess=slow_identity)
    assert not marker.exists() and new_children(before) == []


def test_a_mistyped_model_path_says_it_does_not_exist(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        predict_chunked(str(tmp_path / "modle.keras"), rows(8))


ATEXIT_SCRIPT = textwrap.dedent(
    """
    import time, psutil, numpy as np
    from diagnose.parallel import predict_chunked

    class Linear:  # what predict_chunked needs of a model; no TensorFlow: this test is about processes
        def predict_on_batch(self, batch):
            return batch @ np.ones((4, 2), np.float32)

    def slow(batch):
        time.sleep(0.05)
        return batch

    if __name__ == "__main__":
        predict_chunked(Linear(), np.zeros((400, 4), np.float32), workers=2, batch_size=8, preprocess=slow)
        workers = [p.pid for p in psutil.Process().children() if "resource_tracker" not in " ".join(p.cmdline())]
        print(" ".join(map(str, workers)), flush=True)
    """
)


@pytest.mark.timeout(180)
def test_program_exit_stops_the_kept_workers(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(ATEXIT_SCRIPT)
    scratch = tmp_path / "tmp"  # the workers' crash logs go here
    scratch.mkdir()
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "TMPDIR": str(scratch)}, start_new_session=True)
    try:
        stdout, stderr = run.communicate(timeout=170)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 0, stderr[-2000:]
    workers = [int(pid) for pid in stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(psutil.pid_exists(pid) for pid in workers)
    assert leftover_segments(run.pid) == [] and list(scratch.iterdir()) == []
