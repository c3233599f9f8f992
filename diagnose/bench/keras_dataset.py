"""The Keras 3 ``PyDataset`` used by the benchmark (own module: it imports Keras at import time,
which its spawned workers do anyway to unpickle it)."""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
import numpy as np


class RawBatches(keras.utils.PyDataset):
    """Batches of ``raw`` rows passed through ``preprocess`` in ``__getitem__`` (NumPy only)."""

    def __init__(
        self, raw: np.ndarray, preprocess: Callable[[np.ndarray], np.ndarray], batch_size: int, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.raw, self.preprocess, self.batch_size = raw, preprocess, batch_size

    def __len__(self) -> int:
        return math.ceil(len(self.raw) / self.batch_size)

    def __getitem__(self, index: int) -> np.ndarray:
        return self.preprocess(self.raw[index * self.batch_size:(index + 1) * self.batch_size])
