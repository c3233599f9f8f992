"""Whether the reads before a ``join()`` may leave items the process puts unread: a read loop the parent
leaves while the process may still put (the queue momentarily empty, a stop signal it shares with the
process), or a ``while True:`` left only by an exception."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import Join, QueueOp, Spawn
from diagnose.lint.rule import ModuleFacts
from diagnose.lint.scopes import enclosing_scope, parent_map
from diagnose.lint.syntax import catches_empty
from diagnose.lint.values import Kind

LOOPS = (ast.For, ast.AsyncFor, ast.While)
NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
LIVENESS = {"is_alive", "exitcode", "active_children", "sentinel", "wait"}  # the parent sees the producers end
SIGNALS = {"is_set", "empty", "qsize", "full", "poll"}  # a stop signal's question: `stop.is_set()`
EMPTY = "stops reading as soon as the queue is momentarily empty"
STOP = "stops reading on a stop signal it shares with the process"


def partial_drain(facts: ModuleFacts, ops: list[QueueOp], join: Join, filled: set[int]) -> str | None:
    """Why the reads before ``join`` may leave the process's items unread, when they all sit in the join's
    function, each in a loop the parent leaves before the process is known to be done (when the queue is
    momentarily empty, or on a stop signal shared with the process) or in a ``while True:`` left only by an
    exception, at least one of the first kind. None when any read may read everything (a count, a sentinel)
    or the process cancels its queue's join thread (its exit does not wait for the items)."""
    parents = parent_map(facts.index.tree)
    scope = enclosing_scope(parents, join.node)
    before = [op for op in ops if op.in_child == join.in_child and id(op.queue) in filled
              and op.op in ("get", "get_nowait") and op.seq < join.seq]
    spawn = next((s for s in facts.of(Spawn) if s.value is join.process), None)
    if not before or spawn is None or _cancels_join_thread(spawn):
        return None
    shared = {n.id for n in ast.walk(spawn.node) if isinstance(n, ast.Name)}
    reasons = []
    for op in before:
        if enclosing_scope(parents, op.node) is not scope:
            return None
        why = _why_partial(facts, parents, scope, op.node, shared)
        if why is None:
            return None
        reasons.append(why)
    return next((why for why in reasons if why), None)


def _cancels_join_thread(spawn: Spawn) -> bool:
    target = spawn.target.info.node if spawn.target is not None and spawn.target.kind is Kind.FUNCTION else None
    return target is not None and any(isinstance(n, ast.Attribute) and n.attr == "cancel_join_thread"
                                      for n in ast.walk(target))


def _why_partial(facts: ModuleFacts, parents: dict[ast.AST, ast.AST], scope: ast.AST, read: ast.AST,
                 shared: set[str]) -> str | None:
    """For one read: ``EMPTY`` or ``STOP`` when its loop ends that way, "" when its loop is a ``while True:``
    left only by an exception, None when it may read everything."""
    loops = []
    node = parents.get(read)
    while node is not None and node is not scope:
        if isinstance(node, NESTED):
            return None
        if isinstance(node, LOOPS):
            loops.append(node)
        node = parents.get(node)
    if not loops or any(_names_attr(loop, LIVENESS) for loop in loops):
        return None
    loop = loops[0]
    receiver = ast.unparse(read.func.value) if isinstance(read, ast.Call) and isinstance(read.func, ast.Attribute) \
        else None
    signals = shared - {receiver}
    guards: list[ast.AST] = [loop.test] if isinstance(loop, ast.While) else []
    exits = [n for n in _own(loop) if isinstance(n, (ast.Break, ast.Return))]
    if isinstance(loop, ast.While) and isinstance(loop.test, ast.Constant) and loop.test.value:
        if not exits:
            return ""  # left only by an exception
        guards = []
    elif not isinstance(loop, ast.While):
        return None  # a `for` loop: a count or an iterable, it may read everything
    nonblocking = False
    for exit_ in exits:
        node = parents.get(exit_)
        while node is not None and node is not loop:
            if isinstance(node, ast.If):
                guards.append(node.test)
            if isinstance(node, ast.ExceptHandler) and catches_empty(node, facts.index.imports):
                attempt = parents.get(node)
                gets = [n for n in ast.walk(attempt) if n is read] if isinstance(attempt, ast.Try) else []
                nonblocking = nonblocking or bool(gets) and _nonblocking(read)
            node = parents.get(node)
    if nonblocking or any(_asks(guard, {receiver}, {"empty", "qsize"}) for guard in guards):
        return EMPTY
    if any(_asks(guard, signals, SIGNALS) for guard in guards):
        return STOP
    return None


def _own(loop: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a loop's body that belong to it: not in nested loops or functions (a ``return`` counts)."""
    stack = list(getattr(loop, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, NESTED):
            continue
        if isinstance(node, LOOPS):
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.Return))
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _asks(test: ast.AST, names: set[str | None], attrs: set[str]) -> bool:
    """Whether a test calls or reads one of ``attrs`` on one of ``names`` (``not stop.is_set()``)."""
    return any(isinstance(n, ast.Attribute) and n.attr in attrs and ast.unparse(n.value) in names
               for n in ast.walk(test))


def _names_attr(node: ast.AST, attrs: set[str]) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in attrs or isinstance(n, ast.Name) and n.id in attrs
               for n in ast.walk(node))


def _nonblocking(read: ast.AST) -> bool:
    """``get_nowait()``, ``get(False)``, ``get(block=False)``: it raises Empty at once when nothing is there."""
    if not isinstance(read, ast.Call) or not isinstance(read.func, ast.Attribute):
        return False
    if read.func.attr == "get_nowait":
        return True
    block = read.args[0] if read.args else next((k.value for k in read.keywords if k.arg == "block"), None)
    return isinstance(block, ast.Constant) and block.value is False
