"""DLK502."""

import ast
from collections.abc import Iterator

from diagnose.lint.events import Spawn
from diagnose.lint.finding import Severity
from diagnose.lint.rule import ModuleFacts, Report, Rule
from diagnose.lint.scopes import enclosing_scope, parent_map

RELEASE = {"close", "terminate", "__exit__", "shutdown"}


def _holds(value: ast.AST | None, name: str) -> bool:
    """Whether an expression is the name itself or a literal container holding it."""
    if isinstance(value, ast.Name):
        return value.id == name
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return any(_holds(elt, name) for elt in value.elts)
    if isinstance(value, ast.Dict):
        return any(_holds(v, name) for v in value.values)
    return False


def _released_name(scope: ast.AST, name: str) -> bool:
    """Whether ``name`` is closed, used as a context manager or escapes (returned, passed, stored) in scope."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in RELEASE and isinstance(func.value, ast.Name) \
                    and func.value.id == name:
                return True
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and arg.id == name:  # handed on: its new owner closes it
                    return True
                if isinstance(arg, ast.Attribute) and arg.attr in RELEASE and isinstance(arg.value, ast.Name) \
                        and arg.value.id == name:  # atexit.register(pool.terminate), weakref.finalize(...)
                    return True
        elif isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Name) and node.context_expr.id == name:
            return True
        elif isinstance(node, (ast.Return, ast.Yield, ast.Assign)) and _holds(node.value, name):
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


def pool_is_released(facts: ModuleFacts, call: ast.AST) -> bool:
    """Whether the pool created by ``call`` is closed, managed by ``with``, or handed elsewhere."""
    parents = parent_map(facts.index.tree)
    parent = parents.get(call)
    while isinstance(parent, (ast.IfExp, ast.BoolOp)):  # `Pool(n) if n > 1 else None`: the name holds it
        parent = parents.get(parent)
    if isinstance(parent, ast.withitem) or isinstance(parent, (ast.Return, ast.Call, ast.keyword, ast.Yield)):
        return True
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        in_class_body = isinstance(parents.get(parent), ast.ClassDef)
        for target in targets:
            if isinstance(target, ast.Name) and not in_class_body:
                scope = enclosing_scope(parents, call)
                if _declares_global(scope, target.id):  # a module global: closed anywhere in the module
                    scope = facts.index.tree
                return _released_name(scope, target.id)
            if isinstance(target, ast.Name):  # a class attribute: released as cls.NAME / self.NAME
                return _released_attribute(facts.index.tree, target.id)
            if isinstance(target, ast.Attribute):
                return _released_attribute(facts.index.tree, target.attr)
        return True  # unpacked or stored in a container: followed no further
    return False


class PoolNeverClosed(Rule):
    """
    ## What it does
    Finds a `multiprocessing.Pool` that is neither used as a context manager (`with Pool() as pool:`)
    nor closed or terminated (`close()`/`terminate()`) in the scope that created it, and not handed
    elsewhere (returned, passed on, stored on an object that closes it).

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

    def check(self, facts: ModuleFacts) -> Iterator[Report]:
        seen: set[ast.AST] = set()
        for event in facts.of(Spawn):
            if event.api != "pool" or event.node in seen:
                continue
            seen.add(event.node)
            if not pool_is_released(facts, event.node):
                yield Report(event.node, "pool is never closed: use `with Pool(...) as pool:` or call "
                                         "`close()`/`terminate()` and `join()` when done")
