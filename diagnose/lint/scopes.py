"""Parent links and enclosing scopes, computed once per tree and only for rules that need them."""

from __future__ import annotations

import ast
from weakref import WeakKeyDictionary

from diagnose.lint.nodes import parent_links

_PARENTS: WeakKeyDictionary[ast.AST, dict[ast.AST, ast.AST]] = WeakKeyDictionary()
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module, ast.Lambda)


def parent_map(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    """Child node → parent node for the whole tree (cached per tree)."""
    if tree not in _PARENTS:
        _PARENTS[tree] = parent_links(tree)
    return _PARENTS[tree]


def enclosing_scope(parents: dict[ast.AST, ast.AST], node: ast.AST) -> ast.AST:
    """The innermost function (or the module) containing a node."""
    current = parents.get(node)
    while current is not None and not isinstance(current, SCOPES):
        current = parents.get(current)
    return current if current is not None else node
