"""Which functions of a module run in worker processes."""

from __future__ import annotations

import ast

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


def is_process_run(info: FunctionInfo) -> bool:
    """Whether a method is ``run`` of a ``multiprocessing.Process`` subclass (its own module reports it)."""
    owner = info.owner
    cls = owner.classes.get(info.class_name) if owner is not None and info.class_name else None
    return info.name == "run" and cls is not None and any(
        resolve(b, owner.imports) in PROCESS_BASES for b in cls.node.bases)


def worker_functions(facts: ModuleFacts) -> list[tuple[FunctionInfo, ast.AST, bool]]:
    """Process targets, pool/executor task functions and ``run`` of ``multiprocessing.Process`` subclasses,
    unless the parent stops them: it terminates their process or pool, or they are daemons it never joins.
    Each with the first node of this module that starts it (a ``run`` method: its class), and whether the
    parent waits for it by itself (joins a process of it, or hands it to a pool) rather than only at exit."""
    found: dict[int, tuple[FunctionInfo, ast.AST]] = {}
    waited: set[int] = set()
    stopped: dict[int, bool] = {}
    joined = {id(join.process) for join in facts.of(Join)}
    for spawn in facts.of(Spawn):
        for value in (spawn.target,):  # an initializer that never returns is DLK405's
            info = function_of(value)
            if info is not None:
                found.setdefault(id(info), (info, spawn.node))
                if id(spawn.value) in joined:
                    waited.add(id(info))
                # a daemon is killed at exit, unless the parent joins it first; a terminated one is stopped
                ends = (spawn.value.daemon and id(spawn.value) not in joined) or spawn.value.terminated
                stopped[id(info)] = stopped.get(id(info), True) and ends
    for submit in facts.of(Submit):
        info = function_of(submit.func)
        if info is not None:
            found.setdefault(id(info), (info, submit.node))
            waited.add(id(info))
            stopped[id(info)] = stopped.get(id(info), True) and submit.pool.terminated
    for cls in facts.index.classes.values():
        if "run" in cls.methods and is_process_run(cls.methods["run"]):
            found[id(cls.methods["run"])] = (cls.methods["run"], cls.node)
    return [(*found[key], key in waited) for key in found if not stopped.get(key, False)]
