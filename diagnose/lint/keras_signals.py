"""Names that tell which Keras (and which TensorFlow) code was written for, as measured by
``benchmarks/keras_signals_probe.py`` on TF 2.21, Keras 3.15 and tf_keras 2.21 (re-measure it when
versions change; ``tests/test_keras_signals.py`` keeps these tables and the measurement in agreement).

A name that Keras 3 does not have means the code runs Keras 2 (it could not run otherwise); a name only
Keras 3 has means Keras 3; a TF1 name that TF 2 lacks means TF1, whose Keras is Keras 2.
"""

from __future__ import annotations

# Below the `keras` (or `tensorflow.keras`) namespace: absent from Keras 3.
NOT_IN_KERAS3 = (
    "engine", "legacy.interfaces", "backend.tensorflow_backend", "backend.get_session", "backend.set_session",
    "utils.data_utils", "utils.multi_gpu_model", "utils.np_utils", "utils.vis_utils", "utils.generic_utils",
    "utils.training_utils", "utils.OrderedEnqueuer", "utils.GeneratorEnqueuer", "layers.merge", "layers.Merge",
    "layers.core", "layers.convolutional", "layers.recurrent", "layers.pooling", "layers.normalization",
    "layers.embeddings", "layers.advanced_activations", "layers.CuDNNLSTM", "layers.CuDNNGRU",
    "wrappers.scikit_learn", "objectives", "preprocessing.image.ImageDataGenerator", "preprocessing.text.Tokenizer",
)
# Of those, what `tensorflow.keras` still has on Keras 3 (legacy shims): not evidence when reached that way.
STILL_IN_TF_KERAS = ("preprocessing.image.ImageDataGenerator", "preprocessing.text.Tokenizer")
# Below the `keras` namespace: only Keras 3 has them (tf_keras does not).
ONLY_IN_KERAS3 = ("ops", "config", "utils.PyDataset", "random.uniform")
# Below `tensorflow`: TF1 names that TF 2 has only under `compat.v1`.
NOT_IN_TF2 = (
    "Session", "InteractiveSession", "placeholder", "ConfigProto", "GPUOptions", "train.Saver", "contrib",
    "get_default_graph", "global_variables_initializer", "reset_default_graph", "variable_scope", "set_random_seed",
    "gfile", "logging", "app", "to_float", "layers.dense", "summary.FileWriter",
)


# Keyword arguments Keras 3 rejects (measured as the calls named here; the checker looks for the keyword
# in calls of any optimizer, layer or fit): code that passes them was written for Keras 1 or 2.
KEYWORDS_NOT_IN_KERAS3 = {
    "lr": ("optimizers.SGD(lr=)", "optimizers.Adam(lr=)"),
    "output_dim": ("layers.Dense(output_dim=)",),
    "nb_epoch": ("fit(nb_epoch=)",),
    **{keyword: (f"fit_generator({keyword}=)",) for keyword in ("samples_per_epoch", "nb_worker", "pickle_safe",
                                                                 "nb_val_samples")},  # Keras 1
}


def _under(path: str, entries: tuple[str, ...]) -> str | None:
    """The table entry ``path`` is or lies below (``layers.core.Dense`` is below ``layers.core``)."""
    return next((e for e in entries if path == e or path.startswith(e + ".")), None)


def keras_path_version(path: str, via_tensorflow: bool = False) -> int | None:
    """2 or 3 when a path below a Keras namespace exists in only one of them, else None. ``via_tensorflow``:
    the path was reached as ``tensorflow.keras.<path>``, which keeps a few names Keras 3 itself dropped."""
    if _under(path, NOT_IN_KERAS3) and not (via_tensorflow and _under(path, STILL_IN_TF_KERAS)):
        return 2
    if _under(path, ONLY_IN_KERAS3):
        return 3
    return None


def is_tf1_only(path: str) -> bool:
    """Whether a path below ``tensorflow`` is a TF1 name that TF 2 does not have."""
    return _under(path, NOT_IN_TF2) is not None
