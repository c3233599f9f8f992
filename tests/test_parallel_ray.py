"""The optional Ray backend, for real, when Ray is installed (``predlint[ray]``)."""

from __future__ import annotations

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from diagnose.parallel import WorkerFailedError  # noqa: E402
from diagnose.parallel.ray_backend import RayPredictor  # noqa: E402


def refuse_negative_first(batch: np.ndarray) -> np.ndarray:
    if batch[0, 0] < -100:
        raise ValueError("negative marker")
    return batch


@pytest.mark.timeout(150)
def test_ray_predictor_equals_single_process_predict_and_reports_failures(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    x = np.random.default_rng(0).normal(size=(500, 8)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    with RayPredictor(path, workers=2, batch_size=32, preprocess=refuse_negative_first) as predictor:
        assert np.allclose(predictor.predict(x), expected, atol=1e-5)
        batches = [x[i:i + 100] for i in range(0, 500, 100)]
        assert np.allclose(np.concatenate(list(predictor.predict_stream(batches))), expected, atol=1e-5)
        x[200, 0] = -1000
        with pytest.raises(WorkerFailedError) as caught:
            list(predictor.predict_stream(x[i:i + 100] for i in range(0, 500, 100)))
    assert caught.value.lost == (2,) and "negative marker" in caught.value.worker_traceback
    assert str(caught.value).endswith("failed in a Ray actor: ValueError: negative marker")
    assert not ray.is_initialized()
