"""How a pool made by a call ends: closed, managed by ``with`` or handed on in the scope that made it;
never; or only in an ``except`` handler whose ``try`` can end normally."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from diagnose.lint.names import dotted
from diagnose.lint.nodes import own_nodes
from diagnose.lint.rule import ModuleFacts
from diagnose.lint.scopes import enclosing_scope, parent_map
from diagnose.lint.syntax import EXIT_CALLS

RELEASE = {"close", "terminate", "__exit__", "shutdown"}
LAZY_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.GeneratorExp)


def _holds(value: ast.AST | None, name: str) -> bool:
    """Whether an expression is the name itself or a literal container holding it."""
    if isinstance(value, ast.Name):
        return value.id == name
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return any(_holds(elt, name) for elt in value.elts)
    if isinstance(value, ast.Dict):
        return any(_holds(v, name) for v in value.values)
    return False


def _releases(scope: ast.AST, name: str) -> Iterator[ast.AST]:
    """Where ``name`` is closed, used as a context manager or escapes (returned, passed, stored) in scope."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in RELEASE and isinstance(func.value, ast.Name) \
                    and func.value.id == name:
                yield node
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and arg.id == name:  # handed on: its new owner closes it
                    yield node
                    break
                if isinstance(arg, ast.Attribute) and arg.attr in RELEASE and isinstance(arg.value, ast.Name) \
                        and arg.value.id == name:  # atexit.register(pool.terminate), weakref.finalize(...)
                    yield node
                    break
        elif isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Name) and node.context_expr.id == name \
                or isinstance(node, (ast.Return, ast.Yield, ast.Assign)) and _holds(node.value, name):
            yield node


def _released_name(scope: ast.AST, name: str) -> bool:
    return any(True for _ in _releases(scope, name))


def _ancestors(parents: dict[ast.AST, ast.AST], node: ast.AST, scope: ast.AST) -> list[ast.AST]:
    """The nodes between ``node`` (excluded) and ``scope`` (excluded), innermost first."""
    found = []
    current = parents.get(node)
    while current is not None and current is not scope:
        found.append(current)
        current = parents.get(current)
    return found


def _position(node: ast.AST) -> tuple[int, int]:
    if isinstance(node, ast.withitem):  # it has no position of its own
        node = node.context_expr
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _may_close(parents: dict[ast.AST, ast.AST], scope: ast.AST, made: ast.stmt, name: str, release: ast.AST) -> bool:
    """Whether a release can act on the pool bound by the statement ``made``: not one that runs before it
    (earlier in the scope, no loop around both) nor one that runs only after the name is bound again
    (a later assignment in the same block as ``made``). A nested function's release may run any time."""
    around = _ancestors(parents, release, scope)
    if any(isinstance(n, LAZY_SCOPES) for n in around):
        return True
    loops = (ast.For, ast.AsyncFor, ast.While)
    if _position(release) < _position(made) and release not in ast.walk(made) \
            and not any(isinstance(n, loops) and n in _ancestors(parents, made, scope) for n in around):
        return False
    block = block_of(parents, made)
    if block is None:
        return True
    for later in block[block.index(made) + 1:]:
        if isinstance(later, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in later.targets):
            rest = block[block.index(later) + 1:]
            return not any(statement is release or statement in around for statement in rest)
    return True


def _completes(body: list[ast.stmt]) -> bool:
    """Whether a statement list can run to its end or leave by ``return``/``break``/``continue``: not when it
    ends in ``raise``, an exit call, or a ``while True:`` with no ``break`` or ``return`` of its own."""
    if not body:
        return True
    last = body[-1]
    if isinstance(last, ast.Raise):
        return False
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and dotted(last.value.func) in EXIT_CALLS:
        return False
    if isinstance(last, ast.While) and isinstance(last.test, ast.Constant) and bool(last.test.value):
        return any(isinstance(n, ast.Return) for n in own_nodes(last)) or _breaks(last.body)
    return True


def _breaks(body: list[ast.stmt]) -> bool:
    """Whether a loop body holds a ``break`` of that loop (not of an inner loop)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if not isinstance(node, (ast.For, ast.AsyncFor, ast.While, *LAZY_SCOPES)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _only_on_exception(parents: dict[ast.AST, ast.AST], scope: ast.AST, made: ast.stmt, release: ast.AST) -> bool:
    """Whether a release sits in an ``except`` handler (the pool not made there) whose ``try`` body can end
    normally: on that path the handler never runs."""
    made_in = set(_ancestors(parents, made, scope))
    for node in _ancestors(parents, release, scope):
        if isinstance(node, LAZY_SCOPES):
            return False
        if isinstance(node, ast.ExceptHandler) and node not in made_in:
            attempt = parents.get(node)
            if isinstance(attempt, ast.Try) and _completes(attempt.body):
                return True
    return False


def _declares_global(scope: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Global) and name in node.names for node in ast.walk(scope))


def _released_attribute(module: ast.AST, attr: str) -> bool:
    """Whether ``<anything>.attr`` is closed or used as a context manager anywhere in the module."""
    for node in ast.walk(module):
        if isinstance(node, ast.Attribute) and node.attr in RELEASE and isinstance(node.value, ast.Attribute) \
                and node.value.attr == attr:
            return True
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Attribute) \
                and node.context_expr.attr == attr:
            return True
    return False


NEVER = "never"
ONLY_ON_EXCEPTION = "only on exception"
RETURNED = "returned"  # only handed to the caller by ``return``: judged where each call's result goes


def _returns_it(parents: dict[ast.AST, ast.AST], scope: ast.AST, release: ast.AST, name: str) -> bool:
    """Whether a release is the scope's own ``return name`` (the pool itself, not a container holding it)."""
    return isinstance(release, ast.Return) and isinstance(release.value, ast.Name) and release.value.id == name \
        and enclosing_scope(parents, release) is scope


def pool_release(facts: ModuleFacts, call: ast.AST) -> str | None:
    """How the pool created by ``call`` ends: None when it is closed, managed by ``with`` or handed elsewhere;
    ``NEVER``; or ``ONLY_ON_EXCEPTION`` when every close of a local name is in an ``except`` handler whose
    ``try`` can end normally; ``RETURNED`` when a function's only release of it is returning it (``return
    Pool(n)``, ``return pool``): its callers own it. A name bound again counts only the closes between the
    two bindings; a module global is the module's, closed anywhere in it (a getter returning it is not)."""
    parents = parent_map(facts.index.tree)
    parent = parents.get(call)
    while isinstance(parent, (ast.IfExp, ast.BoolOp)):  # `Pool(n) if n > 1 else None`: the name holds it
        parent = parents.get(parent)
    if isinstance(parent, ast.Return):
        return RETURNED
    if isinstance(parent, (ast.withitem, ast.Call, ast.keyword, ast.Yield)):
        return None
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        in_class_body = isinstance(parents.get(parent), ast.ClassDef)
        for target in targets:
            if isinstance(target, ast.Name) and not in_class_body:
                scope = enclosing_scope(parents, call)
                if _declares_global(scope, target.id):  # a module global: closed anywhere in the module
                    return None if _released_name(facts.index.tree, target.id) else NEVER
                made: ast.AST = parent
                while not isinstance(made, ast.stmt):
                    made = parents[made]
                releases = [r for r in _releases(scope, target.id) if _may_close(parents, scope, made, target.id, r)]
                if not releases:
                    return NEVER
                if all(_returns_it(parents, scope, r, target.id) for r in releases):
                    return RETURNED
                if all(_only_on_exception(parents, scope, made, r) for r in releases):
                    return ONLY_ON_EXCEPTION
                return None
            if isinstance(target, ast.Name):  # a class attribute: released as cls.NAME / self.NAME
                return None if _released_attribute(facts.index.tree, target.id) else NEVER
            if isinstance(target, ast.Attribute):
                return None if _released_attribute(facts.index.tree, target.attr) else NEVER
        return None  # unpacked or stored in a container: followed no further
    return NEVER


def block_of(parents: dict[ast.AST, ast.AST], statement: ast.stmt) -> list[ast.stmt] | None:
    """The statement list that holds a statement (a body, an ``else``, a ``finally``)."""
    parent = parents.get(statement)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and statement in block:
            return block
    return None
