"""Turn the user's ``model_factory`` (a picklable callable or a model path) into a loader.

The loader runs inside each worker; what it returns must have ``predict_on_batch(x)``
(Keras 3 and tf_keras models do; a SavedModel directory is wrapped in ``SavedModelRunner``).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

ModelFactory = Union[Callable[[], Any], str, "os.PathLike[str]"]
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


@dataclass(frozen=True)
class ModelFile:
    """A picklable loader for a ``.keras``/``.h5`` file or a SavedModel directory."""

    path: str

    def __call__(self) -> Any:
        if os.path.isdir(self.path):
            import tensorflow as tf

            return SavedModelRunner(tf.saved_model.load(self.path))
        import keras

        return keras.saving.load_model(self.path, compile=False)


class SavedModelRunner:
    """``predict_on_batch`` over a SavedModel's ``serving_default`` signature."""

    def __init__(self, loaded: Any) -> None:
        self._loaded = loaded  # keeps the variables alive
        self._signature = loaded.signatures["serving_default"]
        (self._input_name, self._input_spec), = self._signature.structured_input_signature[1].items()

    def predict_on_batch(self, x: Any) -> Any:
        import tensorflow as tf

        outputs = self._signature(**{self._input_name: tf.cast(x, self._input_spec.dtype)})
        arrays = {name: value.numpy() for name, value in outputs.items()}
        return next(iter(arrays.values())) if len(arrays) == 1 else arrays


def model_loader(model_factory: ModelFactory) -> Callable[[], Any]:
    """A picklable zero-argument callable that builds the model; fails early with a clear message."""
    if isinstance(model_factory, (str, os.PathLike)):
        path = os.fspath(model_factory)
        if not os.path.exists(path):
            raise ValueError(f"model_factory path {path!r} does not exist")
        is_saved_model = os.path.isfile(os.path.join(path, "saved_model.pb"))
        if not (is_saved_model or (os.path.isfile(path) and path.endswith(KERAS_SUFFIXES))):
            raise ValueError(
                f"model_factory path {path!r} is neither a .keras/.h5 file nor a SavedModel directory"
            )
        return ModelFile(os.path.abspath(path))
    if not callable(model_factory):
        raise TypeError(f"model_factory must be a callable or a model path, not {type(model_factory).__name__}")
    ensure_picklable(model_factory, "model_factory")
    return model_factory


def ensure_picklable(value: Any, what: str) -> None:
    """Raise ``TypeError`` now rather than a pickling error from deep inside ``Process.start``."""
    try:
        pickle.dumps(value)
    except Exception as exc:
        raise TypeError(
            f"{what} must be picklable to reach spawned workers (define it at module level, "
            f"not as a lambda, closure or inside `if __name__ == '__main__':`): {exc}"
        ) from exc
