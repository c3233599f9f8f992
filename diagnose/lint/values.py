"""The abstract values the walker tracks: what kind of thing a name holds, not its contents."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    """What a value is, as far as deadlock hazards go."""

    UNKNOWN = "unknown"
    REF = "ref"  # an imported name, e.g. multiprocessing.Pool
    MODEL = "model"
    GENERATOR = "generator"
    KERAS_ITERATOR = "keras-iterator"  # ImageDataGenerator().flow*: a Sequence holding locks
    IMAGE_DATAGEN = "image-data-generator"
    DATASET = "dataset"  # instance of a Sequence / PyDataset subclass
    THREAD_QUEUE = "thread-queue"
    MP_QUEUE = "mp-queue"
    JOINABLE_QUEUE = "joinable-queue"
    MANAGER = "manager"
    POOL = "pool"
    THREAD_POOL = "thread-pool"
    EXECUTOR = "executor"
    THREAD_EXECUTOR = "thread-executor"
    PROCESS = "process"
    JOBLIB = "joblib"  # joblib.Parallel with a process backend (loky: spawn-like, pickles every task)
    CONTEXT = "context"
    FUNCTION = "function"  # a function defined in this module
    LAMBDA = "lambda"
    CLASS = "class"  # a class defined in this module
    INSTANCE = "instance"  # an instance of a class defined in this module
    METHOD = "method"  # attribute of a known value, e.g. model.predict
    PARTIAL = "partial"
    CONTAINER = "container"
    ASYNC_RESULT = "async-result"
    NAMESPACE = "namespace"  # argparse's parsed arguments: a plain object whose attributes the code sets


QUEUES = {Kind.THREAD_QUEUE, Kind.MP_QUEUE, Kind.JOINABLE_QUEUE}


@dataclass(eq=False, slots=True)
class Value:
    """One abstract value. Identity matters: the same queue object flows from parent to worker."""

    kind: Kind
    node: ast.AST | None = None
    qualname: str | None = None  # REF: canonical imported name
    start_method: str | None = None  # CONTEXT / POOL / EXECUTOR / PROCESS
    items: list[Value] = field(default_factory=list)  # CONTAINER elements, PARTIAL bound args
    base: Value | None = None  # METHOD receiver, PARTIAL wrapped callable
    attr: str | None = None  # METHOD name
    info: Any = None  # FUNCTION, and GENERATOR made by one: FunctionInfo; CLASS/INSTANCE: ClassInfo
    attrs: dict[str, Value] = field(default_factory=dict)  # INSTANCE attributes (self.x)
    keras_version: int | None = None  # MODEL / DATASET
    daemon: bool = False  # PROCESS(daemon=True)
    terminated: bool = False  # PROCESS: terminate()/kill() was called
    started: bool = False  # PROCESS/EXECUTOR: start() or a first task forked its processes
    reforks: bool = False  # POOL(maxtasksperchild=N): forks fresh workers while tasks run
    worker_ran_tf: bool = False  # PROCESS/POOL/EXECUTOR: walking a worker it runs started the TF runtime there
    literal: object = None  # UNKNOWN kind holding a number or bool written in the code (``workers = 1``)
    origin: Any = None  # events.Origin: made in another module of the project, returned from there

    def flatten(self) -> list[Value]:
        """This value and everything inside it: container elements, partial args, an instance's attributes,
        a method's receiver (pickling a bound method pickles its object)."""
        out: list[Value] = []
        stack: list[Value] = [self]
        seen: set[int] = set()
        while stack:
            value = stack.pop()
            if id(value) in seen:
                continue
            seen.add(id(value))
            out.append(value)
            if value.kind is not Kind.GENERATOR:  # what a generator yields is not pickled with it
                stack.extend(value.items)
            stack.extend(value.attrs.values())
            if value.base is not None:
                stack.append(value.base)
        return out


UNKNOWN = Value(Kind.UNKNOWN)
PICKLING_HOOKS = ("__getstate__", "__reduce__", "__reduce_ex__")


def is_none(value: Value) -> bool:
    """A ``None`` the code wrote (``self.model = None``: a value not made yet)."""
    return value.kind is Kind.UNKNOWN and isinstance(value.node, ast.Constant) and value.node.value is None


def split_held(handed: list[Value],
               kinds: frozenset[Kind] = frozenset({Kind.MODEL})) -> tuple[list[Value], list[Value]]:
    """The values of ``kinds`` (models by default) among handed values (as :func:`handed_over` lists them),
    split into those handed as such and those only held by an object of a project class that is handed
    (``args=(self.net,)`` where ``self.net.model`` is the model): such an object is used by its own methods,
    which need not touch it."""
    held = {id(inner) for value in handed if value.kind is Kind.INSTANCE for inner in value.flatten()[1:]}
    found = [value for value in handed if value.kind in kinds]
    return [v for v in found if id(v) not in held], [v for v in found if id(v) in held]


def pickled_holders(handed: list[Value], held: list[Value]) -> list[Value]:
    """The handed objects of project classes that hold one of ``held`` and are pickled as they are (their class
    defines no ``__getstate__``/``__reduce__`` deciding what is pickled)."""
    return [v for v in handed if v.kind is Kind.INSTANCE and any(m in v.flatten() for m in held)
            and not any(name in PICKLING_HOOKS for name in getattr(v.info, "methods", {}))]


def handed_over(values: list[Value]) -> list[Value]:
    """Every value that would be pickled (or inherited) by a worker given these values."""
    return [inner for value in values for inner in value.flatten()]


def elements(iterable: Value) -> list[Value]:
    """What iterating over a value hands out: a container's elements, or what a generator expression
    yields (a generator function's items are unknown)."""
    return list(iterable.items) if iterable.kind in (Kind.CONTAINER, Kind.GENERATOR) else []
