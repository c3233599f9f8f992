"""DLK302."""

import ast
from collections.abc import Iterator
from pathlib import Path

from diagnose.lint.events import KerasCall
from diagnose.lint.project_keras import project_root, reseeds_numpy_per_worker
from diagnose.lint.random_source import draws_from_numpy_random, orders_with_stdlib_random
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind


def uses_multiprocessing(keywords: dict[str, ast.expr]) -> bool:
    """``use_multiprocessing=True`` (``pickle_safe=True`` in Keras 1) literally."""
    flag = keywords.get("use_multiprocessing", keywords.get("pickle_safe"))
    return isinstance(flag, ast.Constant) and flag.value is True


def workers_given(keywords: dict[str, ast.expr]) -> ast.expr | None:
    """The worker count a Keras call is given (``nb_worker`` in Keras 1), if any."""
    return keywords.get("workers", keywords.get("nb_worker"))


def several_workers(keywords: dict[str, ast.expr]) -> bool:
    """``workers`` > 1, or a value that cannot be read statically."""
    workers = workers_given(keywords)
    if workers is None:
        return False
    return not isinstance(workers, ast.Constant) or not isinstance(workers.value, int) or workers.value > 1


class GeneratorWithMultiprocessing(Rule):
    """
    ## What it does
    Finds Keras 2 / tf_keras `fit`, `predict`, `evaluate` or `*_generator` called with
    `use_multiprocessing=True` and more than one worker on a plain Python generator (not a
    `keras.utils.Sequence`); also Keras's `GeneratorEnqueuer(gen, use_multiprocessing=True)`, used
    directly or copied into a project.

    ## Why is this bad?
    Each worker process gets its own copy of the generator and replays it. Measured with tf_keras
    2.21 under fork: `predict` returned all 128 rows, but only 48 to 64 distinct inputs among them,
    some repeated four times, in scrambled order; no error, no warning. Under spawn the same call
    hangs. Only a `Sequence` (indexed by batch number) can be shared safely between workers.
    Standalone Keras up to 2.2.2 reseeds NumPy's global generator in each worker
    (`benchmarks/keras_reseed_probe.py`): a generator that draws its rows from `np.random`, in a
    project whose declarations allow nothing newer, gives each worker its own stream and is not
    reported. Nor is a generator that orders its items with the `random` module (`random.shuffle`,
    `sample`, `choice`): CPython reseeds it in every forked child (`benchmarks/fork_reseed_probe.py`).

    ## Example
    ```python
    import tf_keras

    def batches():
        while True:
            yield [[0.0]]

    model = tf_keras.models.load_model("model.h5")
    model.predict(batches(), steps=10, workers=4, use_multiprocessing=True)
    ```

    ## Use instead
    ```python
    import tf_keras

    class Batches(tf_keras.utils.Sequence):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return [[float(i)]]

    if __name__ == "__main__":
        model = tf_keras.models.load_model("model.h5")
        model.predict(Batches(), workers=4, use_multiprocessing=True)
    ```

    ## References
    - https://www.tensorflow.org/api_docs/python/tf/keras/utils/Sequence
    """

    code = "DLK302"
    name = "generator-with-multiprocessing"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for call in facts.of(KerasCall):
            several = several_workers(call.keywords) or call.method.endswith("Enqueuer")  # workers given to start()
            if call.keras_version == 3 or not uses_multiprocessing(call.keywords) or not several:
                continue
            if call.data.kind is not Kind.GENERATOR:
                continue  # a Sequence, or an iterator object (it may be made safe for processes)
            if orders_with_stdlib_random(call.data.info):
                continue  # each forked worker shuffles its own order: nothing is replayed
            if call.keras_version == 2 and draws_from_numpy_random(call.data.info) \
                    and facts.index.path and reseeds_numpy_per_worker(project_root(Path(facts.index.path).resolve())):
                continue  # each worker draws its own random rows: nothing is replayed
            yield Report(call.node, f"plain generator fed to {_how_many(call)}: each replays it, so rows are "
                                    "duplicated or lost without an error; use a `keras.utils.Sequence`")


def _how_many(call: KerasCall) -> str:
    """The worker processes a call feeds, saying when their number is the caller's to choose."""
    if call.method.endswith("Enqueuer"):
        return "an enqueuer's worker processes (when it is started with more than one)"
    workers = workers_given(call.keywords)
    if isinstance(workers, ast.Constant):
        return "several worker processes"
    return f"worker processes (several when `{ast.unparse(workers)}` > 1)"
