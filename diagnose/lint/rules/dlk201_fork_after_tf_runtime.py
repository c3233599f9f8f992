"""DLK201."""

from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind, Value


def worker_reaches_tf(facts: ModuleFacts, spawn: Spawn) -> bool:
    """Whether the processes a Spawn creates run TF: their target, initializer or tasks touch TF/Keras or
    are handed a model."""
    if spawn.api == "fork" or any(v.kind is Kind.MODEL for v in spawn.handed):
        return True
    funcs: list[Value | None] = [spawn.target, spawn.initializer]
    if spawn.api == "manager" and spawn.target is not None:
        funcs.extend(spawn.target.items)  # the callables registered with the manager run in its server
    for submit in facts.of(Submit):
        if submit.pool is spawn.value:
            if any(v.kind is Kind.MODEL for v in submit.handed):
                return True
            funcs.append(submit.func)
    return any(_func_reaches_tf(facts, f) for f in funcs)


def _func_reaches_tf(facts: ModuleFacts, func: Value | None) -> bool:
    while func is not None and func.kind is Kind.PARTIAL:
        if any(v.kind is Kind.MODEL for v in func.items):
            return True
        func = func.base
    if func is None:
        return False
    if func.kind is Kind.METHOD and func.base is not None and func.base.kind is Kind.MODEL:
        return True
    if func.kind is Kind.CLASS and func.info is not None:
        return any(facts.index.reaches_tf(m.node, facts.model_globals) for m in func.info.methods.values())
    info = func.info if func.kind in (Kind.FUNCTION, Kind.METHOD) else None
    owner = func.base if func.kind is Kind.METHOD and func.base is not None else None
    held = frozenset(n for n, v in owner.attrs.items() if v.kind is Kind.MODEL) if owner is not None else frozenset()
    return bool(info is not None and hasattr(info, "node")
                and facts.index.reaches_tf(info.node, facts.model_globals, held))


class ForkAfterTfRuntime(Rule):
    """
    ## What it does
    Finds a `Process`, `Pool` or `ProcessPoolExecutor` started with `fork` after the TensorFlow
    runtime started in the parent, when its workers use TF or a model. What starts the runtime is
    measured (`benchmarks/tf_runtime_probe.py`, table in `diagnose/lint/tf_runtime.py`): an eager op
    (`tf.constant`, `tf.data`, calling a `tf.function`), building, loading or running a model, a
    `Session`, `tf.config.list_logical_devices()`. Config objects (`ConfigProto`), logging, `gfile`,
    seeds and thread settings start nothing, and in TF1 graph code building ops, placeholders and
    layers starts nothing until a `Session` runs. A TF call the measurement does not cover, and GPU
    probes such as `tf.config.list_physical_devices()` (they initialise CUDA on a GPU machine, but
    start nothing on CPU), make the finding a warning that says so.

    ## Why is this bad?
    TensorFlow starts thread pools the first time it runs anything. `fork` copies only the calling
    thread, so the child inherits locks held by threads that do not exist there: its first real TF
    operation (a `predict`, a `tf.function`, unpickling a model) waits forever at 0% CPU. Measured with
    TF 2.21, Keras 3 and tf_keras alike; setting the thread counts to 1 does not help.

    ## Example
    ```python
    import multiprocessing
    from tensorflow import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])

    def score(batch):
        return model.predict(batch)

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pool.map(score, [[[0.0] * 4]] * 4)
    ```

    ## Use instead
    ```python
    import multiprocessing

    _model = None

    def load():
        global _model
        from tensorflow import keras
        _model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])

    def score(batch):
        return _model.predict(batch)

    if __name__ == "__main__":
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2, initializer=load) as pool:
            pool.map(score, [[[0.0] * 4]] * 4)
    ```

    ## References
    - https://github.com/tensorflow/tensorflow/issues/5448
    - https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods
    """

    code = "DLK201"
    name = "fork-after-tf-runtime"

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Spawn):
            if event.in_child or event.start_method != "fork" or event.tf_started is None:
                continue
            if worker_reaches_tf(facts, event):
                what = {"fork": "os.fork()", "pool": "Pool", "executor": "ProcessPoolExecutor",
                        "manager": "Manager server"}.get(event.api, "Process")
                yield Report(event.node, f"{what} forks after the TF runtime started ({event.tf_started.describe()}) "
                                         "and its workers run TF: the child hangs; use "
                                         "get_context('spawn') and load the model in the worker",
                             Severity.WARNING if event.tf_started.assumed else None)
