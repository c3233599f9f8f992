"""Walking an AST quickly: a node's children, every node of a tree, the nodes of one function body.

Children are read from each class's ``_fields`` without ``ast.iter_child_nodes``'s generators, and the
``ctx`` field (the shared ``Load``/``Store``/``Del`` markers, which no rule reads as a node) is skipped:
a third fewer nodes to visit.
"""

from __future__ import annotations

import ast

SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(name for name in cls._fields if name != "ctx")  # type: ignore[attr-defined]
    return names


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """A node's children in field order, as ``ast.iter_child_nodes`` yields them (without ``ctx``)."""
    out: list[ast.AST] = []
    _push_children(node, out)
    return out


def all_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of a tree (without ``ctx`` markers); about 1.5 times as fast as ``ast.walk`` (0.025 s against
    0.039 s on test_socket.py's tree)."""
    return _descend([tree], ())


def own_nodes(func: ast.AST) -> list[ast.AST]:
    """Nodes of a function body, not descending into nested functions, classes or lambdas (in the order
    a stack of ``ast.iter_child_nodes`` would give them)."""
    return _descend(child_nodes(func), SCOPE_NODES)


def _push_children(node: ast.AST, into: list[ast.AST]) -> None:
    node_type = ast.AST
    for name in _node_fields(node.__class__):
        value = getattr(node, name, None)
        if value.__class__ is list:
            into.extend([item for item in value if isinstance(item, node_type)])
        elif isinstance(value, node_type):
            into.append(value)


def parent_links(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    """Child node -> parent node for every node below ``tree``, in one pass."""
    parents: dict[ast.AST, ast.AST] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        children = child_nodes(node)
        for child in children:
            parents[child] = node
        stack.extend(children)
    return parents


def _descend(stack: list[ast.AST], stop: tuple[type, ...]) -> list[ast.AST]:
    """Pop nodes off ``stack`` depth-first, pushing each one's children unless it is a ``stop`` node
    (:func:`_push_children` inlined: a call per node costs a third of the walk)."""
    out: list[ast.AST] = []
    node_type = ast.AST
    while stack:
        node = stack.pop()
        out.append(node)
        if stop and isinstance(node, stop):
            continue
        for name in _node_fields(node.__class__):
            value = getattr(node, name, None)
            if value.__class__ is list:
                stack.extend([item for item in value if isinstance(item, node_type)])
            elif isinstance(value, node_type):
                stack.append(value)
    return out
