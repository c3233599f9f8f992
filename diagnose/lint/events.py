"""What the walker records, in execution order: the facts every rule queries."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from diagnose.lint.values import Value


@dataclass(frozen=True)
class Origin:
    """A place in another module of the project that a fact comes from."""

    path: str  # as reported: relative to the project root
    line: int
    function: str | None = None  # the function (``Class.method``) it happened in, if any
    file: str = ""  # its absolute path

    def place(self) -> str:
        return f"{self.path}:{self.line}" + (f" by {self.function}()" if self.function else "")


@dataclass(frozen=True)
class Condition:
    """A branch taken: the ``if`` test, and whether it held (the ``if`` arm) or not (the ``else`` arm)."""

    test: ast.expr
    held: bool

    def describe(self) -> str:
        return f"`{ast.unparse(self.test)}`" if self.held else f"not `{ast.unparse(self.test)}`"


@dataclass
class TfStart:
    """Where and why the TF runtime started in the parent."""

    node: ast.AST
    why: str
    assumed: bool = False  # the call is not in the measured table (diagnose/lint/tf_runtime.py)
    origin: Origin | None = None  # in another module of the project (``node`` is that module's)
    conditions: tuple[Condition, ...] = ()  # the branches it started in (not every path starts it)

    def describe(self) -> str:
        if self.origin is not None:
            return f"{self.why} at {self.origin.place()}"
        return f"{self.why} at line {self.node.lineno}"  # type: ignore[attr-defined]


@dataclass
class Event:
    """Base: the node it happened at, its order, and whether it runs in a worker process."""

    node: ast.AST
    seq: int
    in_child: bool


@dataclass
class Spawn(Event):
    """A process boundary is created: Process, Pool, ProcessPoolExecutor or os.fork."""

    api: str  # "process" | "pool" | "executor" | "fork"
    value: Value
    start_method: str
    target: Value | None
    handed: list[Value]  # values given to the worker at creation (args, kwargs, initargs)
    initializer: Value | None
    tf_started: TfStart | None
    import_time: bool
    conditions: tuple[Condition, ...] = ()  # the branches it was created in
    inherited: list[tuple[str, Value]] = field(default_factory=list)  # generators its worker reads as globals
    attributes_read: list[Value] = field(default_factory=list)  # generators its worker reads from objects
    loop: ast.AST | None = None  # the loop or comprehension it was made in (several alive at once), unless
    # that loop also joins it (one after another)


@dataclass
class Returned(Event):
    """A call in the checked module returned a pool that the function it called made (a factory): the pool
    is the caller's, judged where the call's result goes."""

    value: Value


@dataclass
class Submit(Event):
    """Work handed to a pool or executor: map/apply/submit and friends."""

    method: str
    pool: Value
    func: Value
    handed: list[Value]  # values pickled to the worker with each task
    discarded: bool  # the call's result is thrown away
    keywords: set[str] = field(default_factory=set)


@dataclass
class KerasCall(Event):
    """fit/predict/evaluate (or *_generator) on something that may be a Keras model."""

    method: str
    receiver: Value
    keras_version: int | None  # None: nothing says which Keras runs this
    keywords: dict[str, ast.expr]
    data: Value
    start_method: str
    maybe_own_method: bool = False  # the project defines a method of this name itself
    import_time: bool = False  # made while the module is imported (outside a main guard)


@dataclass
class DatasetBuild(Event):
    """Construction of a Sequence/PyDataset subclass defined in the module."""

    value: Value
    use_multiprocessing: bool
    start_method: str


@dataclass
class QueueOp(Event):
    """put/get/join/task_done on a queue-like value."""

    op: str
    queue: Value
    worker_of: Value | None  # the PROCESS whose worker body this ran in, if any


@dataclass
class Join(Event):
    """``p.join()`` on a process."""

    process: Value
    after_terminate: bool  # terminate()/kill() came first: nothing it queued is expected
