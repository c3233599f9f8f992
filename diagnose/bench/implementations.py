"""Each way of predicting that the benchmark compares, as ``run(context) -> Outcome``.

Every implementation gets the same raw uint8 array and the same ``preprocess`` and must return
the same predictions as the single-process baseline.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from diagnose.bench.workloads import Workload


@dataclass
class RunContext:
    workload: Workload
    raw: np.ndarray
    model: Any  # loaded in the bench process, warm
    model_path: str  # the same weights, for workers
    workers: int
    in_process_startup_seconds: float  # TF import + model load in the bench process


@dataclass
class Outcome:
    predictions: np.ndarray
    seconds: float  # wall time of the prediction, start-up included unless the pool is warm
    startup_seconds: float | None  # until every worker was ready (None: no workers, or not separable)
    startup_blocks: bool = False  # nothing was predicted during the start-up (it is inside ``seconds``)
    processes: int | None = None  # processes that did the work, when the implementation decides it


@dataclass(frozen=True)
class Implementation:
    key: str
    label: str
    family: str  # "baseline", "tensorflow", "keras", "predlint"
    run: Callable[[RunContext], Outcome]
    by_default: bool = True  # False: only when asked for by key


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


def run_baseline(ctx: RunContext) -> Outcome:
    """One process: preprocess the whole array, then ``model.predict``."""
    w = ctx.workload
    predictions, seconds = _timed(lambda: ctx.model.predict(w.preprocess(ctx.raw), batch_size=w.batch_size, verbose=0))
    return Outcome(predictions, seconds, startup_seconds=None)


def run_tf_data(ctx: RunContext) -> Outcome:
    """``tf.data``: batch, ``map(numpy_function(preprocess), AUTOTUNE)``, ``prefetch(AUTOTUNE)``."""
    import tensorflow as tf

    w = ctx.workload

    def preprocess(batch: tf.Tensor) -> tf.Tensor:
        x = tf.numpy_function(w.preprocess, [batch], tf.float32)
        return tf.ensure_shape(x, (None, *w.model_input_shape))

    def predict() -> np.ndarray:
        dataset = (
            tf.data.Dataset.from_tensor_slices(ctx.raw)
            .batch(w.batch_size)
            .map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
        )
        return ctx.model.predict(dataset, verbose=0)

    predictions, seconds = _timed(predict)
    return Outcome(predictions, seconds, startup_seconds=None)


@contextmanager
def _default_start_method(method: str) -> Iterator[None]:
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(method, force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)


def run_pydataset(ctx: RunContext) -> Outcome:
    """Keras 3 ``PyDataset(workers=N, use_multiprocessing=True)``; its pool is started with spawn
    (fork would hang: the bench process runs TF). Start-up is inside every predict call."""
    from diagnose.bench.keras_dataset import RawBatches

    w = ctx.workload
    dataset = RawBatches(ctx.raw, w.preprocess, w.batch_size, workers=ctx.workers, use_multiprocessing=True)
    with _default_start_method("spawn"):
        predictions, seconds = _timed(lambda: ctx.model.predict(dataset, verbose=0))
    return Outcome(predictions, seconds, startup_seconds=None)


def _predictor(ctx: RunContext) -> Any:
    from diagnose.parallel import ParallelPredictor

    w = ctx.workload
    return ParallelPredictor(ctx.model_path, workers=ctx.workers, preprocess=w.preprocess, batch_size=w.batch_size)


def _chunked(ctx: RunContext) -> np.ndarray:
    from diagnose.parallel import predict_chunked

    w = ctx.workload
    return predict_chunked(ctx.model, ctx.raw, workers=ctx.workers, batch_size=w.batch_size, preprocess=w.preprocess)


def run_chunked(ctx: RunContext) -> Outcome:
    """``predict_chunked``, cold (no worker kept from before): this process, which holds the model as
    the baseline does, predicts from the start; preprocessing workers join once they are ready."""
    from diagnose.parallel import shutdown
    from diagnose.parallel.cooperative import kept_workers

    shutdown()
    predictions, seconds = _timed(lambda: _chunked(ctx))
    pids, startup = kept_workers()
    return Outcome(predictions, seconds, startup, processes=1 + len(pids))


def run_chunked_warm(ctx: RunContext) -> Outcome:
    """``predict_chunked`` called again: the workers kept from the call before (if it started any)."""
    from diagnose.parallel.cooperative import kept_workers

    _chunked(ctx)
    predictions, seconds = _timed(lambda: _chunked(ctx))
    pids, startup = kept_workers()
    return Outcome(predictions, seconds, startup, processes=1 + len(pids))


def run_queued(ctx: RunContext) -> Outcome:
    """``predict_queued``, cold: a generator of raw batches stays in the parent."""
    w = ctx.workload

    def batches() -> Iterator[np.ndarray]:
        for start in range(0, len(ctx.raw), w.batch_size):
            yield ctx.raw[start:start + w.batch_size]

    def predict() -> tuple[np.ndarray, float]:
        with _predictor(ctx) as predictor:
            return np.concatenate(list(predictor.predict_stream(batches()))), predictor.startup_seconds

    (predictions, startup), seconds = _timed(predict)
    return Outcome(predictions, seconds, startup, startup_blocks=True)


def run_warm_pool(ctx: RunContext) -> Outcome:
    """A ``ParallelPredictor`` already started and used once: the steady state of a service."""
    with _predictor(ctx) as predictor:
        predictor.predict(ctx.raw[: ctx.workload.batch_size * ctx.workers])  # warm-up: traces predict
        predictions, seconds = _timed(lambda: predictor.predict(ctx.raw))
        return Outcome(predictions, seconds, predictor.startup_seconds)


def run_warm_ray(ctx: RunContext) -> Outcome:
    """``RayPredictor`` (optional extra), started and used once before the timed call.

    Ray's actors run under its raylet, outside this process tree: their CPU time shows as
    "others" and their memory is not in the tree's peaks.
    """
    from diagnose.parallel.ray_backend import RayPredictor

    w = ctx.workload
    predictor = RayPredictor(ctx.model_path, workers=ctx.workers, preprocess=w.preprocess, batch_size=w.batch_size)
    _, startup = _timed(predictor.start)
    with predictor:
        predictor.predict(ctx.raw[: w.batch_size * ctx.workers])
        predictions, seconds = _timed(lambda: predictor.predict(ctx.raw))
    return Outcome(predictions, seconds, startup)


IMPLEMENTATIONS = (
    Implementation("baseline", "model.predict", "baseline", run_baseline),
    Implementation("tf_data", "tf.data", "tensorflow", run_tf_data),
    Implementation("pydataset", "PyDataset", "keras", run_pydataset),
    Implementation("predict_chunked", "predict_chunked (cold)", "predlint", run_chunked),
    Implementation("predict_chunked_warm", "predict_chunked (warm)", "predlint", run_chunked_warm),
    Implementation("predict_queued", "predict_queued (cold)", "predlint", run_queued),
    Implementation("parallel_predictor", "ParallelPredictor (warm)", "predlint", run_warm_pool),
    Implementation("ray_predictor", "warm RayPredictor", "predlint", run_warm_ray, by_default=False),
)
