"""DLK502."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import Spawn, Submit
from diagnose.lint.finding import Severity
from diagnose.lint.fix.build import between, end_of, insert, start_of
from diagnose.lint.fix.indent import indent, indent_unit
from diagnose.lint.fix.model import SAFE, UNSAFE, Fix
from diagnose.lint.pool_release import LAZY_SCOPES, NEVER, ONLY_ON_EXCEPTION, block_of, pool_release
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.scopes import enclosing_scope, parent_map
from diagnose.lint.syntax import forever_loops_without_exit
from diagnose.lint.workers import function_of

EAGER = {"map", "starmap", "apply"}  # done when they return: ending the pool after them loses nothing


def _runs_endless_task(facts: ModuleFacts, pool: object) -> bool:
    """Whether the pool is given a task that never returns (a ``while True:`` with no way out): only
    ``terminate()`` ends such a pool, wherever the parent chooses to call it."""
    for submit in facts.of(Submit):
        info = function_of(submit.func) if submit.pool is pool else None
        if info is not None and forever_loops_without_exit(info.node, facts.index.imports, facts.reads_queue):
            return True
    return False


def _mentions(node: ast.AST, name: str) -> list[ast.Name]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name]


def _later_reference(scope: ast.AST, name: str) -> bool:
    """Whether a nested function, lambda, class or generator expression of the scope names it (it may run
    after the pool's block ends), or the name is global or nonlocal there."""
    for node in ast.walk(scope):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
        if node is not scope and isinstance(node, LAZY_SCOPES) and _mentions(node, name):
            return True
    return False


def with_block_fix(facts: ModuleFacts, call: ast.Call) -> Fix | None:
    """``pool = Pool(...)`` in a function, with the statements that use it after it in the same block,
    becomes ``with Pool(...) as pool:`` around them. Offered when the pool's whole life is that block (no
    use before it or outside it, no rebinding, nothing that may run later). Safe when it only runs
    ``map``/``starmap``/``apply`` (done when they return): the ``with`` ends after the last use. Otherwise
    unsafe, the ``with`` reaching the block's end, and not offered when a lazy result is returned: ``with``
    terminates the pool, and results read after that never come."""
    parents = parent_map(facts.index.tree)
    assign = parents.get(call)
    scope = enclosing_scope(parents, call)
    if not isinstance(assign, ast.Assign) or len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name) \
            or not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) \
            or _later_reference(scope, assign.targets[0].id):
        return None
    name, block = assign.targets[0].id, block_of(parents, assign)
    if block is None:
        return None
    at = block.index(assign)
    users = [i for i, statement in enumerate(block) if i > at and _mentions(statement, name)]
    if not users:
        return None
    uses = [n for statement in block[at + 1:] for n in _mentions(statement, name)]
    if len(uses) + 1 != len(_mentions(scope, name)) or any(not isinstance(n.ctx, ast.Load) for n in uses):
        return None  # used before it is made, outside the block, rebound or deleted
    eager = all(isinstance(parents.get(n), ast.Attribute) and parents[n].attr in EAGER  # type: ignore[attr-defined]
                and isinstance(parents.get(parents[n]), ast.Call) for n in uses)
    if not eager and any(isinstance(parents.get(parents.get(parents.get(n))), (ast.Return, ast.Yield, ast.YieldFrom))
                         for n in uses):  # type: ignore[arg-type]
        return None  # `return pool.imap(...)`: its results are read after any block around it has ended
    inside = block[at + 1:users[-1] + 1 if eager else len(block)]  # lazy results are read up to the block's end
    last = at + len(inside)
    if inside[0].lineno <= assign.end_lineno or last + 1 < len(block) and \
            block[last + 1].lineno <= (inside[-1].end_lineno or 0):  # type: ignore[operator]
        return None  # statements joined by `;`
    lines = facts.lines
    edits = [between(lines, start_of(assign), start_of(call), "with "),
             insert(lines, end_of(call), f" as {name}:"),
             *indent(lines, inside, indent_unit(lines, assign.lineno), assign.end_lineno + 1)]  # type: ignore[operator]
    return Fix(SAFE if eager else UNSAFE, f"manage the pool with `with {name}`: it ends with the block", tuple(edits))


class PoolNeverClosed(Rule):
    """
    ## What it does
    Finds a `multiprocessing.Pool` that is neither used as a context manager (`with Pool() as pool:`)
    nor closed or terminated (`close()`/`terminate()`) in the scope that created it, and not handed
    elsewhere (returned, passed on, stored on an object that closes it). A name bound to a new pool
    counts only the closes between that binding and the next one. A pool closed only in an `except`
    handler (`except KeyboardInterrupt: pool.terminate()`) is reported too: when the `try` ends
    normally it stays open. Not when the `try` cannot end normally (it waits in `while True:` for
    Ctrl-C) or the pool runs a task that never returns (only `terminate()` can end it).

    ## Why is this bad?
    An unclosed pool keeps its worker processes (and whatever memory they hold: a model, GPU memory)
    alive until garbage collection or interpreter exit, where its finaliser can hang or print
    resource-tracker warnings. Pools created in a loop or per request exhaust processes and memory.

    ## Example
    ```python
    import multiprocessing

    def work(x):
        return x * 2

    def run(items):
        pool = multiprocessing.Pool(2)
        return pool.map(work, items)
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work(x):
        return x * 2

    def run(items):
        with multiprocessing.Pool(2) as pool:
            return pool.map(work, items)
    ```

    ## References
    - https://docs.python.org/3/library/multiprocessing.html#multiprocessing.pool.Pool
    """

    code = "DLK502"
    name = "pool-never-closed"
    severity = Severity.WARNING
    fixability = "safe"
    fix_how = ("`pool = Pool(...)` in a function becomes `with Pool(...) as pool:` around the statements that use "
               "it, when its whole life is there (no use after them, no rebinding, no closure or generator that may "
               "run later). Safe when the pool only runs `map`/`starmap`/`apply`; unsafe with lazy or async "
               "methods (`imap`, `apply_async`, ...): `with` terminates the pool where the block ends.")

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        seen: set[ast.AST] = set()
        for event in facts.of(Spawn):
            if event.api != "pool" or event.node in seen:
                continue
            seen.add(event.node)
            verdict = pool_release(facts, event.node)
            if verdict == NEVER:
                yield Report(event.node, "pool is never closed: use `with Pool(...) as pool:` or call "
                                         "`close()`/`terminate()` and `join()` when done",
                             fix=with_block_fix(facts, event.node) if isinstance(event.node, ast.Call) else None)
            elif verdict == ONLY_ON_EXCEPTION and not _runs_endless_task(facts, event.value):
                yield Report(event.node, "pool is closed only when an exception is raised (in `except`): on the "
                                         "normal path it is never closed; use `with Pool(...) as pool:` or close "
                                         "it in `finally`")
