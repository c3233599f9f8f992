"""Multiprocess prediction that cannot hang: spawned workers, shared memory, watched processes.

``predict_chunked`` (an in-memory array), ``predict_queued`` (a stream of batches) and the
reusable ``ParallelPredictor`` behind both. Any lost work raises a ``LostWorkError``.
"""

from diagnose.parallel.errors import (
    LostWorkError,
    ParallelError,
    RemoteTraceback,
    WorkerDiedError,
    WorkerFailedError,
    WorkerStartError,
)
from diagnose.parallel.predictor import ParallelPredictor, available_cores, predict_chunked, predict_queued
from diagnose.parallel.shared import SharedArray, leftover_segments

__all__ = [
    "LostWorkError",
    "ParallelError",
    "ParallelPredictor",
    "RemoteTraceback",
    "SharedArray",
    "WorkerDiedError",
    "WorkerFailedError",
    "WorkerStartError",
    "available_cores",
    "leftover_segments",
    "predict_chunked",
    "predict_queued",
]
