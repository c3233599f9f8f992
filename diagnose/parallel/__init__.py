"""Multiprocess prediction that cannot hang: spawned workers, shared memory, watched processes.

``predict_chunked`` (an in-memory array: this process predicts, preprocessing workers help),
``predict_queued`` (a stream of batches) and the reusable ``ParallelPredictor`` (workers that
hold the model) behind it. Any lost work raises a ``LostWorkError``.
"""

from diagnose.parallel.errors import (
    LostWorkError,
    ParallelError,
    RemoteTraceback,
    WorkerDiedError,
    WorkerFailedError,
    WorkerStartError,
)
from diagnose.parallel.cooperative import predict_chunked, shutdown
from diagnose.parallel.predictor import ParallelPredictor, available_cores, predict_queued
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
    "shutdown",
]
