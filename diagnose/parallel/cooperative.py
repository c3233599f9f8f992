"""``predict_chunked``: this process predicts at once; preprocessing workers join as they get ready.

The calling process holds the model (it is given one, or loads ``model_factory`` once and keeps
it) and starts on the first batch straight away. Workers never load the model: they run only
``preprocess`` (the per-sample Python work one process cannot spread over cores) and send the
prepared batches back, which this process feeds to the model between batches of its own. Such a
worker imports no TensorFlow (unless ``preprocess``'s module does), so it is ready in a fraction
of a second rather than seconds; a job too short to pay even that starts none. The workers stay
up for the next call with the same settings; ``shutdown()`` (or the end of the program) stops
them.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import sys
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from diagnose.parallel import protocol
from diagnose.parallel.errors import WorkerStartError
from diagnose.parallel.inference import Preprocess, predict_batch
from diagnose.parallel.model_source import ModelFactory, ensure_picklable, model_loader
from diagnose.parallel.pool import POLL_SECONDS, WorkerPool
from diagnose.parallel.predictor import available_cores
from diagnose.parallel.shared import SharedArray

logger = logging.getLogger("diagnose.parallel")

DECIDE_AFTER_BATCHES = 2  # the first batch may trace the model: time the second
MIN_PREPROCESS_SHARE = 0.4  # workers take only preprocess: below this share of a batch they cannot pay
STARTUP_GUESS_SECONDS = 0.5  # a preprocessing worker's start-up before one was measured here
MAX_CHUNK_BATCHES = 8  # per job: small enough to balance the end, big enough to keep messages few


def predict_chunked(
    model_factory: ModelFactory | Any,
    x: np.ndarray | SharedArray,
    *,
    workers: int = 2,
    batch_size: int = 32,
    preprocess: Preprocess | None = None,
    start_method: str = "spawn",
    chunk_size: int | None = None,
    retry_lost: bool = False,
    start_timeout: float = 120.0,
    job_timeout: float | None = None,
    verbose: int = 0,
) -> np.ndarray:
    """Predictions for every row of ``x``, in order; never slower than one process by much.

    Args:
        model_factory: a loaded model (anything with ``predict_on_batch``), a zero-argument
            callable returning one, or the path of a ``.keras``/``.h5`` file or SavedModel dir.
            A path or callable is loaded once in this process and kept for the next call.
        workers: at most this many preprocessing worker processes (0: none).
        preprocess: raw rows -> model input; runs here and in the workers (must be picklable).
        chunk_size: at most this many rows per job handed to a worker.
        retry_lost: rows of a worker that died are recomputed (here) instead of raising.
        verbose: 1 prints what was decided (also logged at INFO on ``diagnose.parallel``).
    Raises:
        LostWorkError: a worker died holding rows (``retry_lost=False``), or ``preprocess``
            raised in a worker (``WorkerFailedError``).
    """
    rows = len(x.array if isinstance(x, SharedArray) else x)
    if rows == 0:
        raise ValueError("x has no rows")
    if workers < 0 or batch_size < 1 or (chunk_size is not None and chunk_size < 1):
        raise ValueError("workers must be at least 0, batch_size and chunk_size at least 1")
    explain = _Explainer(verbose)
    model = _local_model(model_factory)
    pool = None
    if preprocess is None or workers == 0:
        explain("no preprocess to share out: the model does all the work here, and TensorFlow spreads "
                "one call over the cores" if preprocess is None else "workers=0: everything runs here")
    else:
        ensure_picklable(preprocess, "preprocess")
        key = (preprocess, batch_size, workers, start_method, start_timeout, job_timeout)
        pool = _kept.get(key, _preprocessing_pool)
    max_chunk = MAX_CHUNK_BATCHES if chunk_size is None else max(1, chunk_size // batch_size)
    call = _Call(model, x, batch_size, preprocess, pool, retry_lost, max_chunk, explain)
    if pool is None:
        return call.run()
    with pool.lock:
        return call.run()


class _Explainer:
    """Says what was decided: on the logger always, on stderr with ``verbose``."""

    def __init__(self, verbose: int) -> None:
        self._verbose = verbose

    def __call__(self, message: str) -> None:
        logger.info("predict_chunked: %s", message)
        if self._verbose:
            print(f"predict_chunked: {message}", file=sys.stderr, flush=True)


class _Call:
    """One ``predict_chunked`` call: this process works batch by batch and serves the workers between batches."""

    def __init__(
        self, model: Any, x: np.ndarray | SharedArray, batch_size: int, preprocess: Preprocess | None,
        pool: _SharedPool | None, retry_lost: bool, max_chunk: int, explain: _Explainer,
    ) -> None:
        self._model, self._batch_size, self._preprocess = model, batch_size, preprocess
        self._given_shared = x if isinstance(x, SharedArray) else None
        self._x = x.array if isinstance(x, SharedArray) else np.asarray(x)
        self._rows = len(self._x)
        self._batches = math.ceil(self._rows / batch_size)
        self._shared_pool, self._retry_lost, self._max_chunk, self._explain = pool, retry_lost, max_chunk, explain
        self._pool = pool.workers if pool is not None else None
        self._pending: deque[tuple[int, int]] = deque([(0, self._batches)])  # batch ranges nobody holds
        self._prepared: deque[tuple[int, Any]] = deque()  # (batch index, model input) from the workers
        self._jobs: dict[int, tuple[int, int]] = {}  # job id -> batch range it covers
        self._next_job = self._respawns = 0
        self._source: SharedArray | None = None
        self._out: np.ndarray | None = None
        self._done_here = self._done_by_workers = 0
        self._engaged = False

    def run(self) -> np.ndarray:
        began = time.perf_counter()
        try:
            while True:
                if self._engaged:
                    self._serve_workers(timeout=0.0)
                if self._prepared:
                    self._predict(*self._prepared.popleft())
                    self._done_by_workers += 1
                elif self._pending:
                    self._work_one()
                elif self._pool is not None and self._pool.busy():
                    self._serve_workers(timeout=POLL_SECONDS)
                else:
                    break
        except BaseException:
            if self._pool is not None:
                self._pool.abort()  # workers holding rows are stopped; idle ones stay warm
            raise
        finally:
            if self._source is not None and self._source is not self._given_shared:
                self._source.close()
        if self._engaged:
            self._explain(f"done in {time.perf_counter() - began:.2f} s: {self._done_here} batches here, "
                          f"{self._done_by_workers} prepared by workers, who stay up for the next call "
                          "(diagnose.parallel.shutdown() stops them)")
        return self._out

    # ---- this process's own work ------------------------------------------------------------
    def _work_one(self) -> None:
        first, _ = self._take(1)
        rows = self._x[first * self._batch_size:(first + 1) * self._batch_size]
        began = time.perf_counter()
        batch = rows if self._preprocess is None else self._preprocess(rows)
        prepared = time.perf_counter()
        self._predict(first, batch)
        self._done_here += 1
        if self._done_here == DECIDE_AFTER_BATCHES and self._pool is not None and not self._engaged:
            self._decide(prepared - began, time.perf_counter() - prepared)

    def _decide(self, prepare_seconds: float, predict_seconds: float) -> None:
        """Use workers if preprocess is a large enough share of the work, and the rest of the job here
        alone would take longer than starting them (nothing, when they are warm)."""
        left = sum(stop - start for start, stop in self._pending)
        alone = (prepare_seconds + predict_seconds) * left
        share = prepare_seconds / max(prepare_seconds + predict_seconds, 1e-9)
        about = f"{self._rows:,} rows, about {alone:.2f} s left here alone, preprocess {share:.0%} of each batch"
        if share < MIN_PREPROCESS_SHARE:
            self._explain(f"{about}: workers could take only that part, not worth it: no workers")
            return
        warm = self._pool.launched()
        startup = 0.0 if warm else self._shared_pool.startup_estimate()
        if alone <= startup:
            self._explain(f"{about}: less than starting a worker takes (~{startup:.2f} s): no workers")
            return
        if warm:
            self._explain(f"{about}: using {self._pool.size} warm preprocessing workers")
        else:
            self._explain(f"{about}: starting {self._pool.size} preprocessing workers (workers={self._pool.size}, "
                          f"{available_cores()} cores; ~{startup:.2f} s to start); this process keeps predicting")
            self._pool.launch()
        self._engaged = True

    def _predict(self, index: int, batch: Any) -> None:
        predictions = predict_batch(self._model, batch, self._batch_size)
        if self._out is None:
            if not isinstance(predictions, np.ndarray):
                raise TypeError("predict_chunked() needs a model with one output array; use predict_queued() for "
                                f"models returning {type(predictions).__name__}")
            self._out = np.empty((self._rows, *predictions.shape[1:]), predictions.dtype)
        start = index * self._batch_size
        self._out[start:start + len(predictions)] = predictions

    def _take(self, count: int) -> tuple[int, int]:
        """The next ``count`` batches (fewer at the end of a range) nobody holds yet."""
        start, stop = self._pending[0]
        end = min(stop, start + count)
        if end == stop:
            self._pending.popleft()
        else:
            self._pending[0] = (end, stop)
        return start, end

    # ---- the workers --------------------------------------------------------------------------
    def _serve_workers(self, timeout: float) -> None:
        done: dict[int, Any] = {}
        lost = self._pool.collect(done, "chunk", self._describe, timeout)
        for job_id, batches in done.items():
            first, _ = self._jobs.pop(job_id)
            self._prepared.extend(enumerate(batches, start=first))
        for slot, reason in lost:
            self._recover(slot, reason)
        self._hand_out()

    def _recover(self, slot: Any, reason: str | None) -> None:
        error = self._pool.lost_error(slot, reason, "chunk", self._describe)
        if not slot.ready:
            raise WorkerStartError(f"a preprocessing worker could not start: {error}", error.worker_traceback) from None
        if error.lost and not self._retry_lost:
            raise error
        if self._respawns >= self._pool.size:
            raise error
        self._respawns += 1
        for job_id in sorted(slot.in_flight, reverse=True):
            self._pending.appendleft(self._jobs.pop(job_id))
        slot.in_flight.clear()
        self._explain(f"{error}; its rows go back in the queue and a new worker starts")
        self._pool.launch()

    def _hand_out(self) -> None:
        while self._pending and (idle := self._pool.idle_slots()):
            participants = 1 + len(self._pool.pids())
            left = sum(stop - start for start, stop in self._pending)
            first, stop = self._take(max(1, min(self._max_chunk, left // (2 * participants))))
            if self._source is None:
                self._source = self._given_shared or SharedArray.copy_of(self._x)
            job_id, self._next_job = self._next_job, self._next_job + 1
            self._jobs[job_id] = (first, stop)
            rows = (first * self._batch_size, min(stop * self._batch_size, self._rows))
            self._pool.submit(idle[0], protocol.Job(job_id, protocol.ChunkRef(self._source.spec, None, *rows)))

    def _describe(self, job_id: int) -> str:
        first, stop = self._jobs[job_id]
        return f"chunk {job_id} (rows {first * self._batch_size}:{min(stop * self._batch_size, self._rows)})"


# ---- what stays up between calls ----------------------------------------------------------------
class _SharedPool:
    """A pool of preprocessing workers kept for the next call with the same settings."""

    def __init__(self, workers: WorkerPool) -> None:
        self.workers = workers
        self.lock = threading.Lock()

    def startup_estimate(self) -> float:
        return self.workers.startup_seconds or _kept.last_startup or STARTUP_GUESS_SECONDS


def _preprocessing_pool(key: tuple) -> _SharedPool:
    preprocess, batch_size, workers, start_method, start_timeout, job_timeout = key
    pool = WorkerPool(
        lambda crash_log: protocol.WorkerSettings(None, preprocess, batch_size, 1, crash_log),
        workers=workers, start_method=start_method, start_timeout=start_timeout,
        job_timeout=job_timeout, retry_lost=False,
    )
    return _SharedPool(pool)


class _Kept:
    """The one model and the one worker pool kept between calls (the last ones used)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.model_key: Any = None
        self.model: Any = None
        self.pool_key: tuple | None = None
        self.pool: _SharedPool | None = None
        self.last_startup: float | None = None  # of the last pool closed: a guess for the next

    def get(self, key: tuple, make) -> _SharedPool:
        with self._guard:
            if self.pool_key != key:
                self._close_pool()
                self.pool_key, self.pool = key, make(key)
            return self.pool

    def _close_pool(self) -> None:
        if self.pool is not None:
            self.last_startup = self.pool.workers.startup_seconds or self.last_startup
            self.pool.workers.close()
        self.pool_key = self.pool = None

    def shutdown(self) -> None:
        with self._guard:
            self._close_pool()
            self.model_key = self.model = None


_kept = _Kept()


def _local_model(model_factory: Any) -> Any:
    """The model this process predicts with: the one given, or the kept one of the same source."""
    if hasattr(model_factory, "predict_on_batch"):
        return model_factory
    key = os.path.abspath(os.fspath(model_factory)) if isinstance(model_factory, (str, os.PathLike)) else model_factory
    if _kept.model_key != key:
        loader = model_loader(model_factory) if isinstance(model_factory, (str, os.PathLike)) else model_factory
        if not callable(loader):
            raise TypeError(f"model_factory must be a model, a callable or a model path, not {type(loader).__name__}")
        _kept.model, _kept.model_key = loader(), key
    return _kept.model


def kept_workers() -> tuple[list[int], float | None]:
    """Pids of the workers ``predict_chunked`` keeps between calls, and how long they took to start."""
    pool = _kept.pool
    return ([], None) if pool is None else (pool.workers.pids(), pool.workers.startup_seconds)


def shutdown() -> None:
    """Stop the workers ``predict_chunked`` keeps between calls and drop its kept model."""
    _kept.shutdown()


atexit.register(shutdown)
