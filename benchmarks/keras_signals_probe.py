"""Measure which Keras/TensorFlow names exist in the installed Keras 3, tf_keras and TensorFlow 2.

The checker infers which Keras a project runs from the names its code uses: a name that the current
Keras 3 (or TensorFlow 2) does not have means the project runs Keras 2 (or TF1), since its code could not
run otherwise. The tables in ``diagnose/lint/keras_signals.py`` come from this measurement, and
``tests/test_keras_signals.py`` keeps them in agreement with ``benchmarks/keras_signals_probe.json``.

Run:  python benchmarks/keras_signals_probe.py          (prints the table, rewrites the JSON)
      python benchmarks/keras_signals_probe.py --check  (re-measures, exits 1 when the JSON disagrees)
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "keras_signals_probe.json"
ROOT = HERE.parent

# Paths below the `keras` namespace, measured in Keras 3, tf_keras and as `tensorflow.keras.<path>` (Keras 3
# behind TF >= 2.16, which keeps a few legacy names Keras 3 itself dropped).
KERAS_PATHS = (
    "engine", "engine.topology", "engine.training", "legacy.interfaces", "backend.tensorflow_backend",
    "backend.get_session", "backend.set_session", "utils.data_utils", "utils.multi_gpu_model",
    "utils.np_utils", "utils.vis_utils", "utils.generic_utils", "utils.training_utils", "utils.OrderedEnqueuer",
    "utils.GeneratorEnqueuer", "layers.merge", "layers.Merge", "layers.core", "layers.convolutional",
    "layers.recurrent", "layers.pooling", "layers.normalization", "layers.embeddings",
    "layers.advanced_activations", "layers.CuDNNLSTM", "layers.CuDNNGRU", "wrappers.scikit_learn", "objectives",
    "preprocessing.image.ImageDataGenerator", "preprocessing.text.Tokenizer", "preprocessing.sequence.pad_sequences",
    # present in both: not evidence of either version
    "models.Sequential", "models.load_model", "utils.Sequence", "utils.to_categorical", "layers.Dense",
    "backend.clear_session", "optimizers.Adam", "applications.ResNet50", "callbacks.ModelCheckpoint",
    # Keras 3 only
    "ops", "config", "utils.PyDataset", "saving.register_keras_serializable", "random.uniform",
)
# Names below `tensorflow` that TF1 code uses without `compat.v1`.
TF_PATHS = (
    "Session", "InteractiveSession", "placeholder", "ConfigProto", "GPUOptions", "train.Saver", "contrib",
    "get_default_graph", "global_variables_initializer", "reset_default_graph", "variable_scope", "set_random_seed",
    "gfile", "logging", "app", "to_float", "layers.dense", "summary.FileWriter",
    # present in TF 2: not evidence
    "Graph", "constant", "compat.v1.Session", "compat.v1.placeholder", "config.list_physical_devices",
)


# Keyword arguments of Keras 1/2 that code still carries: (name, call made with the keras module as `k`).
KEYWORD_CALLS = (
    ("optimizers.SGD(lr=)", "k.optimizers.SGD(lr=0.1)"),
    ("optimizers.Adam(lr=)", "k.optimizers.Adam(lr=0.1)"),
    ("layers.Dense(output_dim=)", "k.layers.Dense(output_dim=2)"),
    ("fit(nb_epoch=)", "m = k.Sequential([k.Input((1,)), k.layers.Dense(1)]); m.compile('sgd', 'mse'); "
                       "m.fit(np.zeros((2, 1)), np.zeros((2, 1)), nb_epoch=1, verbose=0)"),
    *((f"fit_generator({keyword}=)", "m = k.Sequential([k.Input((1,)), k.layers.Dense(1)]); m.compile('sgd', 'mse'); "
       f"m.fit_generator(iter([(np.zeros((2, 1)), np.zeros((2, 1)))]), steps_per_epoch=1, {keyword}=1, verbose=0)")
      for keyword in ("samples_per_epoch", "nb_worker", "pickle_safe", "nb_val_samples")),
)


def accepts(module: object, call: str) -> bool:
    """Whether a call with an old keyword runs under this Keras (it raises when the keyword is gone)."""
    import numpy as np

    try:
        exec(call, {"k": module, "np": np})  # noqa: S102 - our own fixed snippets
    except Exception:  # noqa: BLE001 - TypeError/ValueError: the keyword is not accepted
        return False
    return True


def has(root: str, path: str) -> bool:
    """Whether ``root.path`` can be imported, or reached as attributes from the longest importable module."""
    parts = path.split(".")
    for cut in range(len(parts), -1, -1):
        try:
            obj = importlib.import_module(".".join([root, *parts[:cut]]))
        except Exception:  # noqa: BLE001 - any import failure means "not there"
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def measure() -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf
    import tf_keras

    return {
        "versions": {"python": sys.version.split()[0], "tensorflow": tf.__version__, "keras": keras.__version__,
                     "tf_keras": tf_keras.__version__},
        "keras": {path: {"keras3": has("keras", path), "tf_keras": has("tf_keras", path),
                         "tensorflow.keras": has("tensorflow.keras", path)} for path in KERAS_PATHS},
        "tensorflow": {path: has("tensorflow", path) for path in TF_PATHS},
        "keywords": {name: {"keras3": accepts(keras, call), "tf_keras": accepts(tf_keras, call)}
                     for name, call in KEYWORD_CALLS},
    }


def write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored JSON instead of rewriting it")
    args = parser.parse_args()
    results = measure()
    for path, seen in results["keras"].items():
        print(f"keras.{path:42} keras3={seen['keras3']!s:5}  tf_keras={seen['tf_keras']!s:5}  "
              f"tensorflow.keras={seen['tensorflow.keras']}")
    for path, seen in results["tensorflow"].items():
        print(f"tensorflow.{path:37} tf2={seen}")
    for name, seen in results["keywords"].items():
        print(f"keras.{name:42} keras3={seen['keras3']!s:5}  tf_keras={seen['tf_keras']}")
    if args.check:
        stored = json.loads(RESULTS.read_text())
        same = all(stored[key] == results[key] for key in ("keras", "tensorflow", "keywords"))
        print("agrees with" if same else "DIFFERS from", RESULTS.name)
        return 0 if same else 1
    write_atomically(RESULTS, json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
