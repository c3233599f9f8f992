"""DLK201."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.finding import Severity
from diagnose.lint.fix.build import end_of, insert, replace
from diagnose.lint.fix.imports import binding_import, module_reference
from diagnose.lint.fix.model import UNSAFE, Edit, Fix
from diagnose.lint.index import ModuleIndex
from diagnose.lint.names import dotted, resolve
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.values import Kind, Value, split_held

SPAWN = 'get_context("spawn")'


def worker_reaches_tf(facts: ModuleFacts, spawn: Spawn) -> bool:
    """Whether the processes a Spawn creates run TF: walking a worker as the child runs it started the TF
    runtime there, or their target, initializer or tasks touch TF/Keras or are handed a model."""
    if spawn.api == "fork" or spawn.value.worker_ran_tf or _model_used(spawn.handed, spawn.value):
        return True
    funcs: list[Value | None] = [spawn.target, spawn.initializer]
    if spawn.api == "manager" and spawn.target is not None:
        funcs.extend(spawn.target.items)  # the callables registered with the manager run in its server
    for submit in facts.of(Submit):
        if submit.pool is spawn.value:
            if _model_used(submit.handed, spawn.value):
                return True
            funcs.append(submit.func)
    return any(_func_reaches_tf(facts, f) for f in funcs)


def _model_used(handed: list[Value], boundary: Value) -> bool:
    """A model handed as such (the worker runs it), or one held by a handed object of the project whose
    methods, as the worker calls them, run TF (an object only asked for its Python methods runs none)."""
    direct, held = split_held(handed)
    return bool(direct) or bool(held) and boundary.worker_ran_tf


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


def _other_arm_of_a_flag(facts: ModuleFacts, spawn: Spawn) -> bool:
    """Whether the runtime started only on one arm of an ``if`` on a configuration flag (an attribute such
    as ``self.args.multi_cpu``) and the processes are created only on the other arm of the same test: a run
    takes one arm or the other. A flag the code itself sets (``self.loaded = True``, ``args["multi"] = x``)
    in the modules holding them is state that can change between the two: then not."""
    started = spawn.tf_started.conditions if spawn.tf_started is not None else ()
    flags = [a.test for a in started for b in spawn.conditions if a.held != b.held and isinstance(a.test, ast.Attribute)
             and dotted(a.test) is not None and ast.dump(a.test) == ast.dump(b.test)]
    if not flags:
        return False
    indexes = [facts.index]
    origin = spawn.tf_started.origin if spawn.tf_started is not None else None
    module = facts.index.project.load(origin.file) if origin is not None and facts.index.project is not None else None
    if module is not None:
        indexes.append(module.index)
    return any(not _sets(indexes, flag.attr) for flag in flags)


def _sets(indexes: list[ModuleIndex], name: str) -> bool:
    """Whether any of the modules stores an attribute, a name or a constant subscript key ``name``."""
    return any(isinstance(node.ctx, ast.Store) and (
        isinstance(node, ast.Attribute) and node.attr == name or isinstance(node, ast.Name) and node.id == name
        or isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == name)
        for index in indexes for kind in (ast.Attribute, ast.Name, ast.Subscript) for node in index.by_type[kind])


def _unset_in_a_fresh_import(tree: ast.Module) -> set[str]:
    """Globals that importing the module does not set: those a function sets (``global MODEL``) and those
    assigned under the main guard."""
    names = {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
    for statement in tree.body:
        if isinstance(statement, ast.If) and any(isinstance(n, ast.Constant) and n.value == "__main__"
                                                 for n in ast.walk(statement.test)):
            names |= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _runs_spawned(facts: ModuleFacts, func: Value | None, unset: set[str]) -> bool:
    """Whether a spawned worker can run the callable as it ran forked: a module-level function of this
    module that reads no global a fresh import leaves unset, or one from elsewhere; not a lambda, a nested
    function or a bound method."""
    while func is not None and func.kind is Kind.PARTIAL:
        func = func.base
    if func is None or func.kind in (Kind.UNKNOWN, Kind.REF):
        return True
    node = getattr(func.info, "node", None)
    return func.kind is Kind.FUNCTION and node in facts.index.tree.body and not any(
        isinstance(n, ast.Name) and n.id in unset for n in ast.walk(node))


def _add_argument(facts: ModuleFacts, call: ast.Call, text: str) -> Edit:
    arguments = [*call.args, *call.keywords]
    if arguments:
        return insert(facts.lines, max(end_of(a) for a in arguments), f", {text}")
    row, column = end_of(call)
    return insert(facts.lines, (row, column - 1), text)


def spawn_fix(facts: ModuleFacts, spawn: Spawn) -> Fix | None:
    """Create the pool, process or executor from a spawn context: ``multiprocessing.Pool(...)`` ->
    ``multiprocessing.get_context("spawn").Pool(...)``, ``ProcessPoolExecutor(...)`` gets
    ``mp_context=multiprocessing.get_context("spawn")`` (``import multiprocessing`` added when missing).
    Offered only where spawning can work: not at import time (spawned workers import the main module), and
    every callable the workers run is a module-level function reading no global that a fresh import leaves
    unset (set by a function or under the main guard). Unsafe: the workers import the module afresh
    (what its top level builds, they build again) and everything handed to them must pickle."""
    call = spawn.node
    if not isinstance(call, ast.Call) or spawn.import_time or spawn.api not in ("pool", "process", "executor"):
        return None
    tasks = [s.func for s in facts.of(Submit) if s.pool is spawn.value]
    if not all(_runs_spawned(facts, f, _unset_in_a_fresh_import(facts.index.tree)) for f in
               [spawn.target, spawn.initializer, *tasks]):
        return None
    name, func = resolve(call.func, facts.index.imports), call.func
    keywords = {k.arg for k in call.keywords}
    message = "start the workers with spawn: each imports the module afresh and starts its own TF runtime"
    if name == "concurrent.futures.ProcessPoolExecutor":
        if "mp_context" in keywords or None in keywords or len(call.args) > 1:
            return None
        module, edits = module_reference(facts.lines, facts.index.tree, "multiprocessing")
        return Fix(UNSAFE, message, (*edits, _add_argument(facts, call, f"mp_context={module}.{SPAWN}")))
    if name not in ("multiprocessing.Pool", "multiprocessing.Process") or "context" in keywords or None in keywords:
        return None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):  # multiprocessing.Pool, mp.Pool
        return Fix(UNSAFE, message, (insert(facts.lines, end_of(func.value), f".{SPAWN}"),))
    statement = binding_import(facts.index.tree, func.id) if isinstance(func, ast.Name) else None
    if statement is None or statement.module != "multiprocessing":
        return None  # another library's Pool, or one imported in a way not followed here
    original = next(a.name for a in statement.names if (a.asname or a.name) == func.id)  # type: ignore[union-attr]
    module, edits = module_reference(facts.lines, facts.index.tree, "multiprocessing")
    return Fix(UNSAFE, message, (*edits, replace(facts.lines, func, f"{module}.{SPAWN}.{original}")))


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
    fixability = "unsafe"
    fix_how = ("the pool, process or executor is created from a spawn context (`multiprocessing.get_context(\"spawn\")"
               ".Pool(...)`, `mp_context=` for `ProcessPoolExecutor`), adding `import multiprocessing` when it is "
               "missing. Unsafe: spawned workers import the module afresh (what its top level builds, each builds "
               "again: a model built there gets its own weights in every worker) and what they are handed must "
               "pickle. Not offered at import time, or when a worker runs a lambda, a nested function, a method or "
               "reads a global that a function or the main guard sets (a fresh import would not have it).")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        for event in facts.of(Spawn):
            if event.in_child or event.start_method != "fork" or event.tf_started is None \
                    or _other_arm_of_a_flag(facts, event):
                continue
            if worker_reaches_tf(facts, event):
                what = {"fork": "os.fork()", "pool": "Pool", "executor": "ProcessPoolExecutor",
                        "manager": "Manager server"}.get(event.api, "Process")
                only = [c.describe() for c in event.tf_started.conditions if c not in event.conditions]
                when = f", when {' and '.join(only)}" if only else ""
                yield Report(event.node, f"{what} forks after the TF runtime started ({event.tf_started.describe()}"
                                         f"{when}) and its workers run TF: the child hangs; use "
                                         "get_context('spawn') and load the model in the worker",
                             Severity.WARNING if event.tf_started.assumed else None, spawn_fix(facts, event))
