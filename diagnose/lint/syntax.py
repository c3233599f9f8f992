"""Small syntactic questions several rules ask about queue gets, loops and handlers."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable

from diagnose.lint.names import resolve
from diagnose.lint.nodes import own_nodes

EMPTY_EXCEPTIONS = {"queue.Empty", "multiprocessing.Empty", "multiprocessing.queues.Empty", "_queue.Empty"}
EXIT_CALLS = {"sys.exit", "os._exit", "exit", "quit"}


def is_blocking_get(node: ast.AST) -> bool:
    """``x.get()`` / ``x.get(True)`` / ``x.get(block=True)`` with no timeout: a queue get that waits forever.

    ``d.get(key)`` (a positional that is not a bool constant) is a dict lookup, not a queue get.
    """
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"):
        return False
    timeout = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "timeout"), None)
    if timeout is not None and not (isinstance(timeout, ast.Constant) and timeout.value is None):
        return False  # a real timeout; ``timeout=None`` still waits forever
    if len(node.args) > 2:
        return False
    if node.args and not (isinstance(node.args[0], ast.Constant) and node.args[0].value is True):
        return False
    block = next((k.value for k in node.keywords if k.arg == "block"), None)
    return block is None or (isinstance(block, ast.Constant) and block.value is True)


def is_queue_get(node: ast.AST) -> bool:
    """Any queue read: a blocking get, a get with a timeout, or get_nowait."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr == "get_nowait":
        return True
    if node.func.attr != "get":
        return False
    if node.args and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, bool)):
        return False
    return True


def handler_names(handler: ast.ExceptHandler, imports: dict[str, str]) -> set[str]:
    """Canonical names an except clause catches."""
    if handler.type is None:
        return set()
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {resolve(t, imports) or "" for t in types}


def catches_empty(handler: ast.ExceptHandler, imports: dict[str, str]) -> bool:
    """Whether the handler is ``except queue.Empty`` (in any spelling)."""
    return bool(handler_names(handler, imports) & EMPTY_EXCEPTIONS)


QUEUE_NAME = re.compile(r"queue|(^|_)q(_|$)|(^|_)(tasks?|jobs?|inbox|work)(_|$)", re.IGNORECASE)


def looks_like_queue(receiver: ast.AST) -> bool:
    """Whether an expression's name says it holds a queue (``in_queue``, ``q``, ``tasks``, ``self.job_q``)."""
    name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
    return bool(QUEUE_NAME.search(name))


ReadsQueue = Callable[[ast.Call], bool]


def unreachable_empty_handlers(tries: Iterable[ast.Try], imports: dict[str, str],
                               reads_queue: ReadsQueue) -> list[ast.ExceptHandler]:
    """``except queue.Empty`` clauses of these try statements whose body only reads queues with blocking gets.

    ``reads_queue`` tells whether a ``.get()`` call reads a queue (and not some object whose own ``get``
    may raise ``Empty``)."""
    found = []
    for node in tries:
        handlers = [h for h in node.handlers if catches_empty(h, imports)]
        if not handlers:
            continue
        gets = [n for stmt in node.body for n in ast.walk(stmt) if is_queue_get(n)]
        if gets and all(is_blocking_get(g) and reads_queue(g) for g in gets):
            found.extend(handlers)
    return found


def blocking_gets_beside_nonblocking(tries: Iterable[ast.Try], imports: dict[str, str],
                                     reads_queue: ReadsQueue) -> list[ast.Call]:
    """Blocking queue ``get()`` calls in a try whose ``except queue.Empty`` runs only for the other,
    non-blocking reads (``get_nowait()``, ``get(timeout=...)``) beside them: it never fires for these."""
    found = []
    for node in tries:
        if not any(catches_empty(h, imports) for h in node.handlers):
            continue
        gets = [n for stmt in node.body for n in ast.walk(stmt) if is_queue_get(n) and reads_queue(n)]
        blocking = [g for g in gets if is_blocking_get(g)]
        if blocking and len(blocking) < len(gets):
            found.extend(blocking)
    return found


def is_forever(loop: ast.AST) -> bool:
    """``while True:`` / ``while 1:``."""
    return isinstance(loop, ast.While) and isinstance(loop.test, ast.Constant) and bool(loop.test.value)


def loop_exits(loop: ast.While, imports: dict[str, str], dead: set[ast.AST]) -> bool:
    """Whether a loop has a way out: a break of its own, a return, a raise or an exit call
    (not counting those inside ``dead`` handlers, which can never run)."""
    stack: list[tuple[ast.AST, bool]] = [(stmt, True) for stmt in loop.body]
    while stack:
        node, own = stack.pop()
        if node in dead:
            continue
        if isinstance(node, ast.Break) and own or isinstance(node, (ast.Return, ast.Raise)):
            return True
        if isinstance(node, ast.Call) and (resolve(node.func, imports) in EXIT_CALLS or
                                           isinstance(node.func, ast.Name) and node.func.id in EXIT_CALLS):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        inner_loop = isinstance(node, (ast.For, ast.While, ast.AsyncFor))
        for child in ast.iter_child_nodes(node):
            stack.append((child, own and not inner_loop))
    return False


def forever_loops_without_exit(func: ast.AST, imports: dict[str, str], reads_queue: ReadsQueue) -> list[ast.While]:
    """``while True`` loops of a function that nothing can leave."""
    tries = (n for n in own_nodes(func) if isinstance(n, ast.Try))
    dead = set(unreachable_empty_handlers(tries, imports, reads_queue))
    return [n for n in own_nodes(func) if is_forever(n) and not loop_exits(n, imports, dead)]  # type: ignore[misc]
