"""What happens to one piece of work: preprocess batch by batch, then predict."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

Preprocess = Callable[[Any], Any]


def prepared_batches(rows: Any, batch_size: int, preprocess: Preprocess | None) -> Iterator[Any]:
    """Model input for ``rows`` (anything sliceable), one batch of ``batch_size`` raw rows at a time."""
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        yield batch if preprocess is None else preprocess(batch)


def predict_batch(model: Any, batch: Any, batch_size: int) -> Any:
    """The model's predictions for one prepared batch.

    A short batch is padded to ``batch_size`` so the model's traced function never sees a new
    shape (a retrace costs more than the padding rows).
    """
    real_rows = len(batch)
    if isinstance(batch, np.ndarray) and real_rows < batch_size:
        padding = np.zeros((batch_size - real_rows, *batch.shape[1:]), batch.dtype)
        batch = np.concatenate([batch, padding])
    return _first_rows(model.predict_on_batch(batch), real_rows)


def predict_rows(model: Any, rows: Any, batch_size: int, preprocess: Preprocess | None) -> Any:
    """Predictions for ``rows``, ``batch_size`` rows per model call.

    Multi-output models give a list or dict of arrays, concatenated output by output.
    """
    return concatenate([predict_batch(model, batch, batch_size)
                        for batch in prepared_batches(rows, batch_size, preprocess)])


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
