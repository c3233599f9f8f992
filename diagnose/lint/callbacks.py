"""Functions of the project handed to another library that calls them in this process (``fmin(objective)``,
``scheduler.add_job(train)``, a thread's target): walked where they are handed over."""

from __future__ import annotations

import ast
import sys

from diagnose.lint.index import FunctionInfo
from diagnose.lint.values import Kind, Value, elements

# Libraries whose handling of a function the checker models, or that run it in another process or later
# (the standard library: atexit, threading, signal, ...): handing them a function is not calling it here.
THREADS = ("threading.Thread", "threading.Timer")  # a thread's target runs in this process
MODELLED_LIBRARIES = frozenset(sys.stdlib_module_names) | {
    "tensorflow", "keras", "tf_keras", "joblib", "loky", "ray", "dask", "distributed", "pathos", "multiprocess",
    "billiard", "mpi4py", "celery", "torch", "pyspark", "horovod"}


def _hands_callbacks(qualname: str) -> bool:
    """Whether a call of this imported name is another library's that calls the functions handed to it in
    this process: not the standard library, TF/Keras, or a library that runs them in other processes."""
    root = qualname.split(".")[0]
    return "." in qualname and root not in MODELLED_LIBRARIES


class Callbacks:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: what a library call runs in this process."""

    def library_callbacks(self, qualname: str, args: list[Value], kwargs: dict[str, Value]) -> None:
        """Walk the functions a call of an imported name hands over to be run in this process."""
        if _hands_callbacks(qualname):
            self.run_callbacks([*args, *kwargs.values()])
        elif qualname in THREADS and "target" in kwargs:  # runs in this process, from its start
            handed = kwargs.get("args")
            self.run_callbacks([kwargs["target"]], elements(handed) if handed is not None else [])

    def run_callbacks(self, handed: list[Value], args: list[Value] | None = None) -> None:
        """The project's functions and methods handed to another library's function (``fmin(self.objective)``,
        ``scheduler.add_job(train)``) or run by a thread of this process: they run at the earliest now, in
        the state the parent is in here (the TF runtime only ever starts, never stops)."""
        for value in handed:
            if value.kind is Kind.LAMBDA and isinstance(value.node, ast.Lambda) and value.node not in self.walked:
                self.walked.add(value.node)  # ``Thread(target=lambda: worker.run())``: its body runs then
                self.expr(value.node.body)
                continue
            info = value.info if value.kind in (Kind.FUNCTION, Kind.METHOD) else None
            if isinstance(info, FunctionInfo) and info.node not in self.walked and not info.is_generator:
                base = value.base if value.kind is Kind.METHOD else None
                self.enter(info, args or [], {}, self_value=base, worker_of=None, called=False)
