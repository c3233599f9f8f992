"""DLK502."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.events import Origin, Returned, Spawn, Submit
from diagnose.lint.finding import Severity
from diagnose.lint.fix.build import between, end_of, insert, start_of
from diagnose.lint.fix.indent import indent, indent_unit
from diagnose.lint.fix.model import SAFE, UNSAFE, Fix
from diagnose.lint.pool_release import (
    LAZY_SCOPES,
    NEVER,
    ONLY_ON_EXCEPTION,
    RELEASE,
    RETURNED,
    block_of,
    pool_release,
)
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.scopes import enclosing_scope, parent_map
from diagnose.lint.syntax import forever_loops_without_exit
from diagnose.lint.values import Value
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


def _factory(facts: ModuleFacts, pool: ast.AST, origin: Origin | None) -> Origin | None:
    """Where a pool that a called function made was made (in this module, or in the project module named by
    ``origin``), when that function only returns it (``RETURNED``); None otherwise."""
    made_in = facts
    if origin is not None:
        project = facts.index.project
        module = project.load(origin.file) if project is not None and origin.file else None
        if module is None:
            return None
        made_in = ModuleFacts(module.index, [], {})
    parents = parent_map(made_in.index.tree)
    if pool not in parents or pool_release(made_in, pool) != RETURNED:
        return None
    if origin is not None:
        return origin
    scope = enclosing_scope(parents, pool)
    function = getattr(scope, "name", None)
    if function is not None and isinstance(parents.get(scope), ast.ClassDef):
        function = f"{parents[scope].name}.{function}"  # type: ignore[attr-defined]
    project, path = facts.index.project, facts.index.path or ""
    return Origin(project.display(path) if project is not None else path, pool.lineno,  # type: ignore[attr-defined]
                  function, path)


def _caller_verdict(facts: ModuleFacts, call: ast.Call) -> str | None:
    """How the pool a call returned ends in the caller: as a pool made there when the call's result is bound
    to a name, used (``factory().map(...)``) or dropped; None (quiet) when it is passed on in any other way
    (returned again, stored in an attribute, a global or a container, handed to another function)."""
    parents = parent_map(facts.index.tree)
    parent = parents.get(call)
    while isinstance(parent, (ast.IfExp, ast.BoolOp)):
        parent = parents.get(parent)
    if isinstance(parent, ast.Attribute):
        return None if parent.attr in RELEASE else NEVER  # `factory().terminate` registered with atexit
    if isinstance(parent, ast.Expr):
        return NEVER
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        scope = enclosing_scope(parents, call)
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and not isinstance(parents.get(parent), ast.ClassDef) \
                and not any(isinstance(n, ast.Global) and targets[0].id in n.names for n in ast.walk(scope)):
            verdict = pool_release(facts, call)
            return verdict if verdict in (NEVER, ONLY_ON_EXCEPTION) else None
    return None


def _report(facts: ModuleFacts, node: ast.AST, pool: Value, verdict: str | None, subject: str, managed: str,
            places: tuple[tuple[Origin, str], ...] = (), here: str = "") -> Iterator[Report]:
    """The finding a verdict of :func:`~diagnose.lint.pool_release.pool_release` makes at ``node``, if any."""
    if verdict == NEVER:
        yield Report(node, f"{subject} is never closed{here}: use {managed} or call `close()`/`terminate()` and `join()` "
                           "when done", fix=with_block_fix(facts, node) if isinstance(node, ast.Call) else None,
                     places=places)
    elif verdict == ONLY_ON_EXCEPTION and not _runs_endless_task(facts, pool):
        yield Report(node, f"{subject} is closed only when an exception is raised (in `except`): on the normal path "
                           f"it is never closed; use {managed} or close it in `finally`", places=places)


class PoolNeverClosed(Rule):
    """
    ## What it does
    Finds a `multiprocessing.Pool` that is neither used as a context manager (`with Pool() as pool:`)
    nor closed or terminated (`close()`/`terminate()`) in the scope that created it, and not handed
    elsewhere (returned, passed on, stored on an object that closes it). A name bound to a new pool
    counts only the closes between that binding and the next one. A pool closed only in an `except`
    handler (`except KeyboardInterrupt: pool.terminate()`) is reported too: when the `try` ends
    normally it stays open. Not when the `try` cannot end normally (it waits in `while True:` for
    Ctrl-C) or the pool runs a task that never returns (only `terminate()` can end it). A pool that a
    function only makes and returns (a factory, in this module or another of the project) is judged at
    each call that receives it, as a pool made there, and reported at that call, naming where the pool
    was made; a caller that passes it on (returns it, stores it in an attribute, a global or a container,
    hands it to another function) is not judged. A pool kept in a module global is the module's: closed
    anywhere in the module, or reported where it is made.

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
            if verdict != RETURNED:  # else its callers own it: judged at each call below
                yield from _report(facts, event.node, event.value, verdict, "pool", "`with Pool(...) as pool:`")
        yield from self.check_callers(facts)

    def check_callers(self, facts: ModuleFacts) -> Iterator[Report]:
        """A pool that a function made and only returned (a factory), judged at each call in this module
        that receives it as a pool made there would be; reported at the call, naming where it was made."""
        seen: set[ast.AST] = set()
        for event in facts.of(Returned):
            if event.node in seen or not isinstance(event.node, ast.Call):
                continue
            seen.add(event.node)
            origin = _factory(facts, event.value.node, event.value.origin)
            if origin is None:
                continue
            verdict = _caller_verdict(facts, event.node)
            name = f"`{origin.function}()`" if origin.function else "the called function"
            where = origin.place() if event.value.origin is not None else \
                f"line {origin.line}" + (f" by {origin.function}()" if origin.function else "")
            yield from _report(facts, event.node, event.value, verdict, f"pool returned by {name}", "`with` on it",
                               ((origin, f"pool created at {where}"),), here=" here")
