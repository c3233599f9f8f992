"""The benchmark's workloads: what is predicted, how big, and the per-batch Python work.

Everything a worker needs (``preprocess`` functions) lives at module level so spawned processes
can unpickle it. Keras is imported only inside ``build_*`` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

RAW_SIDE = 48  # raw images: 48 x 48 x 3 uint8
MODEL_SIDE = 24  # after the preprocessing-bound decode: 24 x 24 x 3 float32
BLUR_PASSES = 12


def to_float(batch: np.ndarray) -> np.ndarray:
    """Cheap input step of the compute-bound workload: uint8 -> float32 in [0, 1]."""
    return batch.astype(np.float32) / 255.0


def decode_and_augment(batch: np.ndarray) -> np.ndarray:
    """Expensive per-sample Python/NumPy work, like decoding and augmenting images one by one.

    Deterministic (the 'augmentation' depends only on the pixels), so every implementation
    must give the same predictions.
    """
    out = np.empty((len(batch), MODEL_SIDE, MODEL_SIDE, 3), np.float32)
    for i, raw in enumerate(batch):
        out[i] = _decode_one(raw)
    return out


def _decode_one(raw: np.ndarray) -> np.ndarray:
    image = raw.astype(np.float32) / 255.0
    for _ in range(BLUR_PASSES):  # 3 x 3 box blur, edge-padded
        padded = np.pad(image, ((1, 1), (1, 1), (0, 0)), mode="edge")
        shifted = (padded[dy:dy + RAW_SIDE, dx:dx + RAW_SIDE] for dy in range(3) for dx in range(3))
        image = sum(shifted) / 9.0
    for row in range(RAW_SIDE):  # per-row contrast stretch: a Python loop, like hand-written decoders
        low, high = image[row].min(), image[row].max()
        image[row] = (image[row] - low) / (high - low + 1e-6)
    half = RAW_SIDE // 2
    if image[:, :half].mean() > image[:, half:].mean():  # content-based flip
        image = image[:, ::-1]
    return image.reshape(MODEL_SIDE, 2, MODEL_SIDE, 2, 3).mean(axis=(1, 3))


def build_conv_net() -> Any:
    """A real small conv net on 32 x 32 x 3 (about 0.1 M parameters)."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10),
        ]
    )


def build_small_head() -> Any:
    """A cheap model, so the preprocessing dominates."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((MODEL_SIDE, MODEL_SIDE, 3)),
            keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )


@dataclass(frozen=True)
class Workload:
    """One benchmark case."""

    name: str
    description: str
    samples: int
    batch_size: int
    raw_shape: tuple[int, ...]  # per sample, uint8
    model_input_shape: tuple[int, ...]  # per sample, float32, after preprocess
    preprocess: Callable[[np.ndarray], np.ndarray]
    build_model: Callable[[], Any]
    skip: tuple[str, ...] = ()  # implementation keys not run on this workload

    def make_raw(self) -> np.ndarray:
        return np.random.default_rng(0).integers(0, 256, (self.samples, *self.raw_shape), dtype=np.uint8)


def standard_workloads(quick: bool) -> list[Workload]:
    """The compute-bound and the preprocessing-bound case, smaller with ``quick``."""
    return [
        Workload(
            name="compute-bound",
            description="conv net (Conv32-Conv64-Pool-Conv64-GAP-Dense), 32x32x3 input, uint8->float only",
            samples=4_000 if quick else 20_000,
            batch_size=256,
            raw_shape=(32, 32, 3),
            model_input_shape=(32, 32, 3),
            preprocess=to_float,
            build_model=build_conv_net,
            # --quick: predict_queued's time here is mostly start-up, shown on the other workload
            skip=("predict_queued",) if quick else (),
        ),
        Workload(
            name="preprocessing-bound",
            description=f"per-sample Python/NumPy decode+augment of {RAW_SIDE}x{RAW_SIDE}x3, tiny model",
            samples=800 if quick else 6_000,
            batch_size=64,
            raw_shape=(RAW_SIDE, RAW_SIDE, 3),
            model_input_shape=(MODEL_SIDE, MODEL_SIDE, 3),
            preprocess=decode_and_augment,
            build_model=build_small_head,
        ),
    ]
