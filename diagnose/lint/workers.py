"""Which functions of a module run in worker processes."""

from __future__ import annotations

from diagnose.lint.events import Join, Spawn, Submit
from diagnose.lint.index import FunctionInfo
from diagnose.lint.names import resolve
from diagnose.lint.rule import ModuleFacts
from diagnose.lint.values import Kind, Value

PROCESS_BASES = {"multiprocessing.Process"}


def function_of(value: Value | None) -> FunctionInfo | None:
    """The function of this module a callable value runs (through ``functools.partial``), if known."""
    while value is not None and value.kind is Kind.PARTIAL:
        value = value.base
    if value is not None and value.kind in (Kind.FUNCTION, Kind.METHOD) and isinstance(value.info, FunctionInfo):
        return value.info
    return None


def worker_functions(facts: ModuleFacts) -> list[FunctionInfo]:
    """Process targets, pool/executor task functions and ``run`` of ``multiprocessing.Process`` subclasses,
    unless the parent stops them: it terminates their process or pool, or they are daemons it never joins."""
    found: dict[int, FunctionInfo] = {}
    stopped: dict[int, bool] = {}
    joined = {id(join.process) for join in facts.of(Join)}
    for spawn in facts.of(Spawn):
        for value in (spawn.target,):  # an initializer that never returns is DLK405's
            info = function_of(value)
            if info is not None:
                found[id(info)] = info
                # a daemon is killed at exit, unless the parent joins it first; a terminated one is stopped
                ends = (spawn.value.daemon and id(spawn.value) not in joined) or spawn.value.terminated
                stopped[id(info)] = stopped.get(id(info), True) and ends
    for submit in facts.of(Submit):
        info = function_of(submit.func)
        if info is not None:
            found[id(info)] = info
            stopped[id(info)] = stopped.get(id(info), True) and submit.pool.terminated
    for cls in facts.index.classes.values():
        if any(resolve(b, facts.index.imports) in PROCESS_BASES for b in cls.node.bases) and "run" in cls.methods:
            found[id(cls.methods["run"])] = cls.methods["run"]
    return [info for key, info in found.items() if not stopped.get(key, False)]
