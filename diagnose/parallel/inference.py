"""What a worker does with one piece of work: preprocess batch by batch, then predict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Preprocess = Callable[[Any], Any]


def predict_rows(model: Any, rows: Any, batch_size: int, preprocess: Preprocess | None) -> Any:
    """Predictions for ``rows`` (anything sliceable), ``batch_size`` rows per model call.

    ``preprocess`` maps a slice of raw rows to model input. A short last batch is padded to
    ``batch_size`` so the model's traced function never sees a new shape (a retrace costs
    more than the padding rows). Multi-output models give a list or dict of arrays,
    concatenated output by output.
    """
    outputs = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        if preprocess is not None:
            batch = preprocess(batch)
        real_rows = len(batch)
        if isinstance(batch, np.ndarray) and real_rows < batch_size:
            padding = np.zeros((batch_size - real_rows, *batch.shape[1:]), batch.dtype)
            batch = np.concatenate([batch, padding])
        outputs.append(_first_rows(model.predict_on_batch(batch), real_rows))
    return concatenate(outputs)


def _first_rows(output: Any, count: int) -> Any:
    if isinstance(output, dict):
        return {key: value[:count] for key, value in output.items()}
    if isinstance(output, (list, tuple)):
        return [value[:count] for value in output]
    return output[:count]


def concatenate(outputs: list[Any]) -> Any:
    """Join per-batch outputs; keeps the structure of multi-output models."""
    first = outputs[0]
    if isinstance(first, dict):
        return {key: concatenate([out[key] for out in outputs]) for key in first}
    if isinstance(first, (list, tuple)):
        return [concatenate([out[i] for out in outputs]) for i in range(len(first))]
    return np.concatenate([np.asarray(out) for out in outputs]) if len(outputs) > 1 else np.asarray(first)
