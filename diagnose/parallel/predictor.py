"""``ParallelPredictor``: a pool of workers that each hold the model, and ``predict_queued`` on it.

``predict_queued`` is a ``ParallelPredictor`` used once; keep one open to pay the TensorFlow
import and model load (seconds per worker) only once. (``predict_chunked`` lives in
``cooperative``: the calling process predicts there too.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from diagnose.parallel import protocol
from diagnose.parallel.chunks import chunk_bounds, chunk_rows
from diagnose.parallel.inference import Preprocess
from diagnose.parallel.model_source import ModelFactory, ensure_picklable, model_loader
from diagnose.parallel.pool import WorkerPool
from diagnose.parallel.shared import SharedArray
from diagnose.parallel.startup import preload_tensorflow_in_forkserver


def available_cores() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class ParallelPredictor:
    """A pool of spawned workers, each holding the model, reusable across calls.

    >>> with ParallelPredictor("model.keras", workers=2) as predictor:   # doctest: +SKIP
    ...     y = predictor.predict(x)
    ...     for out in predictor.predict_stream(batches):
    ...         ...

    Args:
        model_factory: a picklable zero-argument callable returning a model (anything with
            ``predict_on_batch``), or the path of a ``.keras``/``.h5`` file or SavedModel dir.
        workers: number of worker processes.
        preprocess: picklable callable, raw rows -> model input; runs in the workers.
        batch_size: rows per model call inside a worker.
        start_method: ``"spawn"`` (default) or ``"forkserver"`` (which imports TensorFlow once and
            forks every worker from there: cheaper starts); ``"fork"`` is refused.
        threads_per_worker: TF intra-op threads per worker; default cores // workers (min 1).
        retry_lost: give the work of a dead worker one more try on a fresh worker.
        start_timeout: seconds a worker may take to import TF and load the model.
        job_timeout: seconds a busy worker may go without finishing a job before it is
            stopped and its work reported lost (default: no limit; deaths are always seen).
    """

    def __init__(
        self,
        model_factory: ModelFactory,
        *,
        workers: int = 2,
        preprocess: Preprocess | None = None,
        batch_size: int = 32,
        start_method: str = "spawn",
        threads_per_worker: int | None = None,
        retry_lost: bool = False,
        start_timeout: float = 120.0,
        job_timeout: float | None = None,
    ) -> None:
        if workers < 1 or batch_size < 1:
            raise ValueError("workers and batch_size must be at least 1")
        if preprocess is not None:
            ensure_picklable(preprocess, "preprocess")
        load_model = model_loader(model_factory)
        threads = threads_per_worker or max(1, available_cores() // workers)
        if start_method == "forkserver":
            preload_tensorflow_in_forkserver()
        self.workers = workers
        self.batch_size = batch_size
        self._pool = WorkerPool(
            lambda crash_log: protocol.WorkerSettings(load_model, preprocess, batch_size, threads, crash_log),
            workers=workers,
            start_method=start_method,
            start_timeout=start_timeout,
            job_timeout=job_timeout,
            retry_lost=retry_lost,
        )
        self._output_layouts: dict[tuple[tuple[int, ...], str], tuple[tuple[int, ...], np.dtype]] = {}

    def __enter__(self) -> ParallelPredictor:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the workers now (otherwise the first call does)."""
        self._pool.start()

    def close(self) -> None:
        """Stop the workers; the predictor can be started again."""
        self._pool.close()

    @property
    def startup_seconds(self) -> float | None:
        """Wall time of the first start: spawn, TF import and model load in every worker."""
        return self._pool.startup_seconds

    def worker_pids(self) -> list[int]:
        return self._pool.pids()

    def predict(self, x: np.ndarray | SharedArray, *, chunk_size: int | None = None) -> np.ndarray:
        """Predictions for every row of ``x``, in order, as one array (single-output models).

        ``x`` is copied once into shared memory (pass a ``SharedArray`` to skip even that);
        workers map it and write their rows of the result into a shared output array.
        """
        if isinstance(x, SharedArray):
            return self._predict_shared(x, chunk_size)
        x = np.asarray(x)
        with SharedArray.copy_of(x) as source:
            return self._predict_shared(source, chunk_size)

    def predict_stream(self, batches: Iterable[Any], *, max_pending: int | None = None) -> Iterator[Any]:
        """Predictions for each batch of ``batches``, yielded in order as they are ready.

        ``batches`` is consumed in this process, at most ``max_pending`` (default 2 x workers)
        batches ahead of the last one yielded: a slow consumer slows the producer down.
        Each batch is pickled to a worker; ``preprocess`` runs there.
        """
        window = max_pending or 2 * self.workers
        if window < 1:
            raise ValueError("max_pending must be at least 1")
        return self._pool.run(batches, unit="batch", window=window, describe=lambda seq: f"batch {seq}")

    def _predict_shared(self, source: SharedArray, chunk_size: int | None) -> np.ndarray:
        rows = len(source.array)
        if rows == 0:
            raise ValueError("x has no rows")
        tail, dtype = self._output_layout(source)
        bounds = chunk_bounds(rows, chunk_size or chunk_rows(rows, self.workers, self.batch_size))
        with SharedArray((rows, *tail), dtype) as target:
            chunks = (protocol.ChunkRef(source.spec, target.spec, start, stop) for start, stop in bounds)

            def describe(i: int) -> str:
                return f"chunk {i} (rows {bounds[i][0]}:{bounds[i][1]})"

            for _ in self._pool.run(chunks, unit="chunk", window=None, describe=describe):
                pass
            return target.array.copy()

    def _output_layout(self, source: SharedArray) -> tuple[tuple[int, ...], np.dtype]:
        """Per-row shape and dtype of the predictions, learnt once per input layout from one row."""
        key = (source.array.shape[1:], source.array.dtype.str)
        if key not in self._output_layouts:
            probe = protocol.ChunkRef(source.spec, None, 0, 1)
            (sample,) = self._pool.run([probe], unit="chunk", window=None, describe=lambda _: "row 0 (probe)")
            if not isinstance(sample, np.ndarray):
                raise TypeError(
                    "predict() needs a model with one output array; use predict_stream() for "
                    f"models returning {type(sample).__name__}"
                )
            self._output_layouts[key] = (sample.shape[1:], sample.dtype)
        return self._output_layouts[key]


def predict_queued(
    model_factory: ModelFactory,
    batches: Iterable[Any],
    *,
    workers: int = 2,
    max_pending: int | None = None,
    batch_size: int = 32,
    preprocess: Preprocess | None = None,
    start_method: str = "spawn",
    **options: Any,
) -> Iterator[Any]:
    """Predict over a stream of batches (generator stays here); yields results in order."""
    with ParallelPredictor(
        model_factory,
        workers=workers,
        batch_size=batch_size,
        preprocess=preprocess,
        start_method=start_method,
        **options,
    ) as predictor:
        yield from predictor.predict_stream(batches, max_pending=max_pending)
