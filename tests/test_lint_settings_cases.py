"""Cases whose verdict depends on settings: platform, target version and Keras version."""

from __future__ import annotations

import pytest

from lint_support import check_text

NESTED_TARGET = """\
import multiprocessing as mp
def main():
    def child():
        print("child")
    p = mp.Process(target=child)
    p.start(); p.join()
if __name__ == "__main__":
    main()
"""
FORK_AFTER_PROBE = """\
import multiprocessing as mp
import tensorflow as tf
tf.config.list_physical_devices("GPU")
def work(x):
    return tf.reduce_sum(tf.constant(x)).numpy()
if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(work, [[1.0]]))
"""
SEQUENCE_WORKERS = """\
import numpy as np
import tf_keras
class Rows(tf_keras.utils.Sequence):
    def __len__(self): return 2
    def __getitem__(self, i): return np.zeros((1, 1))
def run():
    model = tf_keras.models.load_model("m.h5")
    return model.predict(Rows(), workers=2, use_multiprocessing=True)
"""
TF_KERAS_GENERATOR = """\
import tensorflow as tf
def rows():
    while True:
        yield [[0.0]]
def run():
    model = tf.keras.models.load_model("m.h5")
    return model.predict(rows(), steps=4, workers=4, use_multiprocessing=True)
"""


@pytest.mark.parametrize("source, settings, expected", [
    (NESTED_TARGET, {}, []),  # linux, py39: fork pickles nothing
    (NESTED_TARGET, {"platform": "darwin"}, ["DLK103"]),
    (NESTED_TARGET, {"target-version": "py314"}, ["DLK103"]),  # forkserver from 3.14
    (FORK_AFTER_PROBE, {}, ["DLK201"]),
    (FORK_AFTER_PROBE, {"platform": "darwin"}, []),  # spawn: a fresh interpreter
    (FORK_AFTER_PROBE, {"target-version": "py314"}, []),
    (SEQUENCE_WORKERS, {}, []),  # tf_keras Sequence, fork, NumPy only: fine
    (SEQUENCE_WORKERS, {"platform": "win32"}, ["DLK303"]),
    (TF_KERAS_GENERATOR, {}, ["DLK301", "DLK302"]),  # nothing says which Keras: either hazard, as warnings
    (TF_KERAS_GENERATOR, {"keras-version": 3}, ["DLK301"]),  # Keras 3: the keywords are a TypeError
    (TF_KERAS_GENERATOR, {"keras-version": 2}, ["DLK302"]),  # Keras 2: silent duplication
], ids=lambda value: str(value)[:40] if isinstance(value, dict) else None)
def test_settings_decide(source: str, settings: dict, expected: list[str]) -> None:
    assert sorted({f.code for f in check_text(source, **settings)}) == expected
