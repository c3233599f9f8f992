"""DLK303."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import DatasetBuild, KerasCall
from diagnose.lint.fix.build import replace
from diagnose.lint.fix.model import UNSAFE, Fix
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.rules.dlk302_generator_with_multiprocessing import (
    uses_multiprocessing,
)
from diagnose.lint.values import Kind, Value


def getitem_runs_tf(facts: ModuleFacts, dataset: Value) -> bool:
    """Whether a Sequence/PyDataset class's ``__getitem__`` touches TF or a model."""
    method = dataset.info.methods.get("__getitem__") if dataset.info is not None else None
    held = frozenset(name for name, value in dataset.attrs.items() if value.kind is Kind.MODEL)
    return method is not None and facts.index.reaches_tf(method.node, facts.model_globals, held)


def threads_fix(facts: ModuleFacts, flags: list[ast.expr]) -> Fix | None:
    """``use_multiprocessing=True`` (or ``pickle_safe=True``) -> ``False``: Keras feeds the data from threads.
    Unsafe: loading that needed several cores is slower (but no worker process hangs)."""
    literal = [f for f in flags if isinstance(f, ast.Constant) and f.value is True and id(f) in facts.index.node_ids]
    if not literal:
        return None
    return Fix(UNSAFE, "feed the data from threads: `use_multiprocessing=False`",
               tuple(replace(facts.lines, flag, "False") for flag in literal))


def _dataset_flags(build: DatasetBuild) -> list[ast.expr]:
    """The ``use_multiprocessing=`` values of a dataset's construction and of its ``super().__init__``."""
    calls = [build.node]
    init = build.value.info.methods.get("__init__") if build.value.info is not None else None
    if init is not None:
        calls += [n for n in ast.walk(init.node) if isinstance(n, ast.Call)
                  and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__"]
    return [k.value for c in calls for k in getattr(c, "keywords", []) if k.arg == "use_multiprocessing"]


class KerasMultiprocessingUnsafe(Rule):
    """
    ## What it does
    Finds Keras 2 / tf_keras `use_multiprocessing=True` where the start method is `spawn` or
    `forkserver`, and a `Sequence`/`PyDataset` used with process workers under `fork` whose
    `__getitem__` runs TF ops or a model.

    ## Why is this bad?
    tf_keras's enqueuers were written for fork: under spawn (macOS, Windows, or
    `set_start_method("spawn")`) `predict(..., use_multiprocessing=True)` hangs, with a generator and
    with a `Sequence` (measured with tf_keras 2.21). A `__getitem__` that runs TF ops in a forked worker
    hangs in that op (CPU) or fails with "CUDA not initialised" (GPU). Keras 3's
    `PyDataset(workers=N, use_multiprocessing=True)` with plain NumPy work is fine under fork and spawn.

    ## Example
    ```python
    import keras
    import tensorflow as tf

    class Augmented(keras.utils.PyDataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return tf.image.flip_left_right(tf.zeros((1, 8, 8, 3)))

    data = Augmented(workers=2, use_multiprocessing=True)
    ```

    ## Use instead
    ```python
    import keras
    import numpy as np

    class Augmented(keras.utils.PyDataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return np.flip(np.zeros((1, 8, 8, 3)), axis=2)

    data = Augmented(workers=2, use_multiprocessing=True)
    ```

    ## References
    - https://keras.io/api/utils/python_utils/#pydataset-class
    - https://www.tensorflow.org/api_docs/python/tf/keras/utils/Sequence
    """

    code = "DLK303"
    name = "keras-multiprocessing-unsafe"
    fixability = "unsafe"
    fix_how = ("a literal `use_multiprocessing=True` (`pickle_safe=True` in Keras 1) in the call, the dataset's "
               "construction or its `super().__init__` becomes `False`: Keras feeds the data from threads. Unsafe: "
               "loading that needed several cores gets slower. (A spawn context is no fix here: the tf_keras "
               "enqueuer is what hangs under spawn.)")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for call in facts.of(KerasCall):
            if call.keras_version == 3 or not uses_multiprocessing(call.keywords):
                continue
            fix = threads_fix(facts, [call.keywords.get("use_multiprocessing", call.keywords.get("pickle_safe"))])
            if call.start_method != "fork":
                yield Report(call.node, f"tf_keras `use_multiprocessing=True` under {call.start_method}: the enqueuer "
                                        "hangs; use threads (`use_multiprocessing=False`) or a tf.data pipeline",
                             fix=fix)
            elif call.data.kind is Kind.DATASET and getitem_runs_tf(facts, call.data):
                yield self._tf_in_worker(call.node, fix)
        for build in facts.of(DatasetBuild):
            if build.use_multiprocessing and build.start_method == "fork" and getitem_runs_tf(facts, build.value):
                yield self._tf_in_worker(build.node, threads_fix(facts, _dataset_flags(build)))

    @staticmethod
    def _tf_in_worker(node: ast.AST, fix: Fix | None) -> Report:
        return Report(node, "`__getitem__` runs TF ops in forked worker processes: they hang (CPU) or fail with "
                            "CUDA not initialised (GPU); keep `__getitem__` to NumPy or use threads", fix=fix)
