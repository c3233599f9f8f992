"""DLK503."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import Submit
from diagnose.lint.finding import Severity
from diagnose.lint.fix.build import end_of, insert
from diagnose.lint.fix.indent import indent_unit
from diagnose.lint.fix.model import UNSAFE, Fix
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.scopes import SCOPES, enclosing_scope, parent_map
from diagnose.lint.values import Kind

ASYNC_METHODS = {"apply_async", "map_async", "starmap_async"}
LOOPS = (ast.For, ast.AsyncFor, ast.While)
RESULTS, RESULT = "async_results", "async_result"
BROAD = {"Exception", "BaseException"}
LOGGING = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}  # a logger's methods


def _bound_to_unread_name(facts: ModuleFacts, call: ast.AST) -> bool:
    """``res = pool.apply_async(...)`` where nothing in the scope ever reads ``res``."""
    parents = parent_map(facts.index.tree)
    statement = parents.get(call)
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return False
    name = statement.targets[0].id
    scope = enclosing_scope(parents, call)
    return not any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(scope))


def _outermost_loop(parents: dict[ast.AST, ast.AST], statement: ast.stmt) -> ast.stmt | None:
    """The outermost loop around a statement inside its function and its ``with`` block (a pool's life)."""
    found, node = None, parents.get(statement)
    while node is not None and not isinstance(node, (*SCOPES, ast.ClassDef, ast.With, ast.AsyncWith)):
        if isinstance(node, LOOPS):
            found = node
        node = parents.get(node)
    return found


def _handles_own_errors(func) -> bool:
    """A task function that catches every exception itself: its work in a ``try`` whose handler for
    ``Exception`` only logs (``logging`` never raises for a bad message; ``print(...format(...))`` may) or
    passes, around it only plain statements. Nothing is left to vanish."""
    if func.kind not in (Kind.FUNCTION, Kind.METHOD) or func.info is None:
        return False
    body = func.info.node.body
    tries = [s for s in body if isinstance(s, ast.Try)]
    plain = all(isinstance(s, (ast.Try, ast.Expr, ast.Assign, ast.AnnAssign, ast.Return, ast.Pass)) for s in body)
    return plain and len(tries) == 1 and any(
        (h.type is None or isinstance(h.type, ast.Name) and h.type.id in BROAD) and all(_only_logs(s) for s in h.body)
        for h in tries[0].handlers)


def _only_logs(statement: ast.stmt) -> bool:
    """``pass``, ``return``/``continue`` of nothing computed, or a call of a logger's method."""
    if isinstance(statement, (ast.Pass, ast.Continue)):
        return True
    if isinstance(statement, ast.Return):
        return statement.value is None or isinstance(statement.value, (ast.Constant, ast.Name))
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
        and isinstance(statement.value.func, ast.Attribute) and statement.value.func.attr in LOGGING


def _dropped_statement(parents: dict[ast.AST, ast.AST], call: ast.AST) -> ast.Expr | None:
    """The expression statement that is nothing but the call, if it is one."""
    statement = parents.get(call)
    return statement if isinstance(statement, ast.Expr) else None


def get_fixes(facts: ModuleFacts, calls: list[ast.AST]) -> dict[ast.AST, Fix]:
    """Fixes that keep dropped results and ``get()`` them: a call alone gets ``.get()`` (it waits there); the
    calls in a loop are appended to a list made before the loop, and each is got after it, before the pool
    is closed (one fix for every dropped call of the loop). Unsafe: a worker's exception now raises in the
    parent, and the code waits for the tasks there."""
    if not calls:
        return {}  # the parent map costs a walk of the whole tree
    parents = parent_map(facts.index.tree)
    lines, fixes, loops = facts.lines, {}, {}
    message = "keep the `AsyncResult` and call `get()`: a worker's exception is raised here"
    for call in calls:
        statement = _dropped_statement(parents, call)
        if statement is None:
            continue
        loop = _outermost_loop(parents, statement)
        if loop is None:
            fixes[call] = Fix(UNSAFE, message, (insert(lines, end_of(call), ".get()"),))
        else:
            loops.setdefault(loop, []).append(call)
    for loop, inside in loops.items():
        scope = enclosing_scope(parents, loop)
        margin = lines[loop.lineno - 1][:loop.col_offset]
        if margin.strip() or any(isinstance(n, ast.Name) and n.id in (RESULTS, RESULT) for n in ast.walk(scope)):
            continue  # the loop follows a `;`, or the names are taken
        unit = indent_unit(lines, loop.lineno)
        edits = [insert(lines, (loop.lineno, 0), f"{margin}{RESULTS} = []\n"),
                 *(e for call in inside for e in (insert(lines, (call.lineno, call.col_offset), f"{RESULTS}.append("),
                                                  insert(lines, end_of(call), ")"))),
                 insert(lines, (loop.end_lineno + 1, 0),
                        f"{margin}for {RESULT} in {RESULTS}:\n{margin}{unit}{RESULT}.get()\n")]
        fix = Fix(UNSAFE, message, tuple(edits))
        fixes.update((call, fix) for call in inside)
    return fixes


class AsyncResultDropped(Rule):
    """
    ## What it does
    Finds `apply_async`/`map_async`/`starmap_async` calls whose `AsyncResult` is thrown away and that
    have no `error_callback`, unless the task function catches every exception itself (its work inside
    a `try` whose `except Exception:` only logs it).

    ## Why is this bad?
    An exception in the worker is stored in the `AsyncResult` and raised only by its `get()`. With the
    result dropped, a failing task (an exception, a `MemoryError`) vanishes without a trace, and a
    producer that waits for its output on a queue waits forever.

    ## Example
    ```python
    import multiprocessing

    def work(x):
        return 1 / x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            for x in range(3):
                pool.apply_async(work, (x,))
            pool.close()
            pool.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(x):
        return 1 / x

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            pending = [pool.apply_async(work, (x,)) for x in range(1, 3)]
            results = [p.get(timeout=60) for p in pending]
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.AsyncResult
    """

    code = "DLK503"
    name = "async-result-dropped"
    severity = Severity.WARNING

    fixability = "unsafe"
    fix_how = ("a dropped `pool.apply_async(...)` statement keeps its result: alone it becomes "
               "`pool.apply_async(...).get()`; in a loop, the results go to a list made before the loop "
               "(`async_results`) and each is got after the loop, before the pool is closed. Unsafe: a worker's "
               "exception is now raised in the parent, and the parent waits for the tasks there. Not offered for "
               "a result bound to an unread name or dropped inside an expression.")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        dropped = [e for e in facts.of(Submit) if e.method in ASYNC_METHODS and "error_callback" not in e.keywords
                   and (e.discarded or _bound_to_unread_name(facts, e.node)) and not _handles_own_errors(e.func)]
        fixes = get_fixes(facts, [e.node for e in dropped])
        for event in dropped:
            yield Report(event.node, f"result of `{event.method}` is discarded: an exception in the worker "
                                     "vanishes silently; keep the AsyncResult and call `get()`, or pass "
                                     "`error_callback`", fix=fixes.get(event.node))
