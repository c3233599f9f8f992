"""Edits that make a name importable: extend a ``from m import a`` or add an import statement."""

from __future__ import annotations

import ast

from diagnose.lint.fix.build import end_of, insert
from diagnose.lint.fix.model import Edit


def binding_import(tree: ast.Module, name: str) -> ast.ImportFrom | None:
    """The module-level ``from ... import`` that binds ``name``, if any."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
            return node
    return None


def extend_from_import(lines: list[str], node: ast.ImportFrom, name: str) -> Edit | None:
    """``from m import a`` -> ``from m import a, name`` (None where aliases carry no positions: Python 3.9)."""
    last = node.names[-1]
    if getattr(last, "end_lineno", None) is None:
        return None
    return insert(lines, end_of(last), f", {name}")


def add_import(lines: list[str], tree: ast.Module, statement: str) -> Edit:
    """A line with ``statement`` after the module's leading imports (after its docstring and ``__future__``
    imports when it has none), in the file's indentation-free top level."""
    after: ast.stmt | None = None
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and after is None \
            and node is tree.body[0]
        if isinstance(node, (ast.Import, ast.ImportFrom)) or docstring:
            after = node
        else:
            break
    if after is None:
        return insert(lines, (1, 0), statement + "\n")
    return insert(lines, (end_of(after)[0] + 1, 0), statement + "\n")


def module_reference(lines: list[str], tree: ast.Module, module: str) -> tuple[str, list[Edit]]:
    """How the code can name ``module``: the name of a module-level ``import module [as name]``, else the
    module's own name with the edit that imports it."""
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module:
                    return alias.asname or module, []
    return module, [add_import(lines, tree, f"import {module}")]
