"""diagnose.parallel with real TensorFlow and real spawned processes (workers=2, tiny model)."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time

import numpy as np
import psutil
import pytest

from diagnose.parallel import (
    ParallelPredictor,
    RemoteTraceback,
    SharedArray,
    WorkerDiedError,
    WorkerFailedError,
    leftover_segments,
    predict_chunked,
    predict_queued,
)

FAIL_MARK = 1000.0  # preprocess raises on a batch whose first value is this
SLEEP_MARK = 2000.0  # ... sleeps SLEEP_SECONDS on this one
SEGFAULT_MARK = 3000.0  # ... crashes the worker process on this one
SLEEP_SECONDS = 0.4


def marked(batch: np.ndarray) -> np.ndarray:
    """Test preprocess: identity, except for batches marked to fail, crash or be slow."""
    if batch[0, 0] == FAIL_MARK:
        raise ValueError("bad batch marker")
    if batch[0, 0] == SEGFAULT_MARK:
        import ctypes

        ctypes.string_at(0)  # reads address 0: SIGSEGV
    if batch[0, 0] == SLEEP_MARK:
        time.sleep(SLEEP_SECONDS)
    return batch


def rows(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 8)).astype(np.float32)


def live_children() -> list[psutil.Process]:
    """Child processes of this test process other than multiprocessing's resource tracker."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def live_child_pids() -> set[int]:
    return {child.pid for child in live_children()}


def assert_clean(before: set[int]) -> None:
    """No process started since ``before`` is still running, no shared-memory segment is left."""
    deadline = time.monotonic() + 5
    while live_child_pids() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live_child_pids() - before == set()
    assert leftover_segments(os.getpid()) == []


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> str:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
    path = str(tmp_path_factory.mktemp("model") / "tiny.keras")
    model.save(path)
    return path


@pytest.fixture(scope="module")
def reference(model_file):
    """Single-process ``model.predict`` of the same weights: what every implementation must equal."""
    import keras

    model = keras.saving.load_model(model_file)
    return lambda x: model.predict(x, verbose=0)


@pytest.fixture(scope="module")
def predictor(model_file):
    """One warm pool for the tests that leave it healthy."""
    with ParallelPredictor(model_file, workers=2, batch_size=16, preprocess=marked) as warm:
        yield warm


# ---- results ------------------------------------------------------------------------------------
@pytest.mark.timeout(90)
def test_predict_chunked_equals_single_process_predict(model_file, reference):
    x, before = rows(1000), live_child_pids()
    y = predict_chunked(model_file, x, workers=2, batch_size=64)
    assert y.shape == (1000, 3)
    assert np.allclose(y, reference(x), atol=1e-5)
    assert_clean(before)


@pytest.mark.timeout(90)
def test_predict_queued_yields_every_batch_in_order(model_file, reference):
    x, before = rows(600, seed=1), live_child_pids()
    batches = (x[i:i + 50] for i in range(0, 600, 50))
    outputs = list(predict_queued(model_file, batches, workers=2, max_pending=3, batch_size=32))
    assert [len(out) for out in outputs] == [50] * 12
    assert np.allclose(np.concatenate(outputs), reference(x), atol=1e-5)
    assert_clean(before)


@pytest.mark.timeout(60)
def test_warm_pool_keeps_row_order_with_odd_chunks(predictor, reference):
    x = rows(333, seed=2)
    assert np.allclose(predictor.predict(x, chunk_size=17), reference(x), atol=1e-5)
    assert np.allclose(predictor.predict(x[:5]), reference(x[:5]), atol=1e-5)


@pytest.mark.timeout(60)
def test_input_already_in_shared_memory_is_used_in_place(predictor, reference):
    x = rows(256, seed=8)
    with SharedArray.copy_of(x) as shared:
        assert np.allclose(predictor.predict(shared), reference(x), atol=1e-5)
        assert len(leftover_segments(os.getpid())) == 1  # the caller's own segment; outputs are gone
    assert leftover_segments(os.getpid()) == []


@pytest.mark.timeout(60)
def test_stream_order_survives_out_of_order_completion(predictor, reference):
    x = rows(400, seed=3)
    x[::80, 0] = SLEEP_MARK  # batches 0, 2, 4, 6, 8 finish late
    batches = [x[i:i + 40] for i in range(0, 400, 40)]
    outputs = list(predictor.predict_stream(iter(batches), max_pending=4))
    assert np.allclose(np.concatenate(outputs), reference(x), atol=1e-5)


@pytest.mark.timeout(60)
def test_pool_is_reused_not_restarted(predictor):
    pids = predictor.worker_pids()
    predictor.predict(rows(64))
    assert predictor.worker_pids() == pids and len(pids) == 2


@pytest.mark.timeout(120)
def test_tf_keras_model_by_factory_and_as_saved_model(tmp_path):
    import functools

    import tf_keras

    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([tf_keras.Input((8,)), tf_keras.layers.Dense(4, activation="tanh")])
    h5_path, saved_dir = str(tmp_path / "legacy.h5"), str(tmp_path / "saved")
    model.save(h5_path)
    model.save(saved_dir)  # no suffix: tf_keras writes a SavedModel directory
    x = rows(100, seed=7)
    expected = model.predict(x, verbose=0)
    factory = functools.partial(tf_keras.models.load_model, h5_path, compile=False)
    for source in (factory, saved_dir):
        with ParallelPredictor(source, workers=1, batch_size=32) as pool:
            assert np.allclose(pool.predict(x), expected, atol=1e-5)


# ---- failures -----------------------------------------------------------------------------------
@pytest.mark.timeout(90)
def test_worker_exception_reraises_with_worker_traceback(predictor):
    x = rows(200, seed=4)
    x[120, 0] = FAIL_MARK
    batches = [x[i:i + 40] for i in range(0, 200, 40)]
    with pytest.raises(WorkerFailedError) as caught:
        list(predictor.predict_stream(iter(batches)))
    error = caught.value
    assert error.unit == "batch" and error.lost == (3,)
    assert "batch 3" in str(error) and "ValueError: bad batch marker" in str(error)
    assert "in marked" in error.worker_traceback and 'raise ValueError("bad batch marker")' in error.worker_traceback
    assert isinstance(error.__cause__, RemoteTraceback)
    # the pool recovers: the failed workers are replaced on the next call
    assert predictor.predict(rows(32)).shape == (32, 3)


@pytest.mark.timeout(90)
def test_killed_worker_raises_naming_lost_chunks_within_seconds(predictor):
    x = rows(640, seed=5)
    x[::16, 0] = SLEEP_MARK  # every batch of 16 sleeps: about 16 s of work in all
    victim = predictor.worker_pids()[0]
    threading.Timer(1.0, os.kill, (victim, signal.SIGKILL)).start()
    began = time.monotonic()
    with pytest.raises(WorkerDiedError) as caught:
        predictor.predict(x, chunk_size=64)
    assert time.monotonic() - began < 1.0 + 5.0
    error = caught.value
    assert error.exitcode == -signal.SIGKILL and error.worker_pid == victim
    assert error.unit == "chunk" and error.lost
    assert "SIGKILL" in str(error) and f"chunk {error.lost[0]} (rows " in str(error)
    assert leftover_segments(os.getpid()) == []
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == psutil.STATUS_ZOMBIE


@pytest.mark.timeout(90)
def test_segfault_in_a_worker_names_the_batch_and_shows_the_crash_stack(predictor):
    x = rows(160, seed=10)
    x[80, 0] = SEGFAULT_MARK
    with pytest.raises(WorkerDiedError) as caught:
        list(predictor.predict_stream(x[i:i + 40] for i in range(0, 160, 40)))
    error = caught.value
    assert error.exitcode == -signal.SIGSEGV and 2 in error.lost and "SIGSEGV" in str(error)
    assert "Segmentation fault" in error.worker_traceback and "in marked" in error.worker_traceback


@pytest.mark.timeout(90)
def test_retry_lost_recovers_from_a_killed_worker(model_file, reference):
    x, before = rows(320, seed=6), live_child_pids()
    x[::32, 0] = SLEEP_MARK
    with ParallelPredictor(model_file, workers=2, batch_size=16, preprocess=marked, retry_lost=True) as pool:
        threading.Timer(0.8, os.kill, (pool.worker_pids()[1], signal.SIGKILL)).start()
        y = pool.predict(x, chunk_size=32)
    assert np.allclose(y, reference(x), atol=1e-5)
    assert_clean(before)


@pytest.mark.timeout(60)
def test_factory_error_is_reported_with_its_traceback():
    from diagnose.parallel import WorkerStartError

    before = live_child_pids()
    with pytest.raises(WorkerStartError, match="model_factory failed in worker") as caught:
        with ParallelPredictor(broken_factory, workers=1):
            pass
    assert "RuntimeError: no model here" in caught.value.worker_traceback
    assert_clean(before)


def broken_factory():
    raise RuntimeError("no model here")


# ---- refused up front (no process started) ------------------------------------------------------
def test_fork_is_refused():
    with pytest.raises(ValueError, match="'spawn' or 'forkserver'"):
        ParallelPredictor(broken_factory, start_method="fork")


def test_unpicklable_factory_is_refused():
    with pytest.raises(TypeError, match="must be picklable"):
        ParallelPredictor(lambda: None)


def test_bad_model_path_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        ParallelPredictor(str(tmp_path / "missing.keras"))
    (tmp_path / "weights.txt").write_text("not a model")
    with pytest.raises(ValueError, match="neither a .keras/.h5 file nor a SavedModel"):
        ParallelPredictor(str(tmp_path / "weights.txt"))


def test_helpers_are_picklable():
    assert pickle.loads(pickle.dumps(marked)) is marked


@pytest.mark.timeout(90)
def test_a_closed_predictor_starts_again_and_one_call_runs_at_a_time(model_file, reference):
    x = rows(64, seed=9)
    pool = ParallelPredictor(model_file, workers=1, batch_size=16)
    with pool:
        first = pool.predict(x)
    with pool:
        assert np.allclose(pool.predict(x), first)
        stream = pool.predict_stream([x[:16], x[16:32]])
        next(stream)
        with pytest.raises(RuntimeError, match="already running"):
            pool.predict(x)
        stream.close()
        assert np.allclose(pool.predict(x), reference(x), atol=1e-5)
