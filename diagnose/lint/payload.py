"""Whether what a worker puts on a queue is provably small: a few short messages, never a stream.

DLK401's deadlock needs more than the pipe's 64 KiB queued by the child before the parent reads. A
worker whose every ``put`` runs once (not in a loop) and puts a constant, a number, or text built
from constants and ``str()``/``len()``-style calls cannot queue that much.
"""

from __future__ import annotations

import ast

from diagnose.lint.nodes import all_nodes

SMALL_CALLS = {"str", "repr", "int", "float", "bool", "len", "round", "abs", "hash", "id"}
SMALL_METHODS = {"getpid", "time", "perf_counter", "monotonic", "format"}
MAX_LITERAL = 1024  # characters of one literal string
MAX_ITEMS = 16  # elements of one literal tuple/list


def put_runs_once(function: ast.AST, call: ast.AST) -> bool:
    """Whether ``call`` sits in ``function``'s own body outside any loop, comprehension or nested def."""
    stack: list[ast.AST] = list(getattr(function, "body", []))
    while stack:
        node = stack.pop()
        if node is call:
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def small_message(function: ast.AST, value: ast.AST) -> bool:
    """Whether ``value`` (a put's argument in ``function``) is a short message: see the module docstring.
    A local name counts when the function binds it exactly once, to such a message, and never changes it
    in place (``rows = []`` then ``rows.append(...)`` in a loop is as long as the loop)."""
    if isinstance(value, ast.Name):
        nodes = all_nodes(function)
        bound = [node.value for node in nodes if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == value.id for t in node.targets)]
        stored = [node for node in nodes if isinstance(node, ast.Name) and node.id == value.id
                  and isinstance(node.ctx, ast.Store)]
        if len(bound) != 1 or len(stored) != 1:
            return False
        grown = isinstance(bound[0], ast.List) and any(
            isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.value, ast.Name)
            and node.value.id == value.id for node in nodes)
        return not grown and _small(bound[0])
    return _small(value)


def _small(value: ast.AST) -> bool:
    if isinstance(value, ast.Constant):
        return not isinstance(value.value, (str, bytes)) or len(value.value) <= MAX_LITERAL
    if isinstance(value, ast.JoinedStr):
        return True
    if isinstance(value, (ast.Tuple, ast.List)):
        return len(value.elts) <= MAX_ITEMS and all(_small(e) for e in value.elts)
    if isinstance(value, ast.UnaryOp):
        return _small(value.operand)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mod):
        return isinstance(value.left, ast.Constant) and _small(value.left)  # "%s done" % anything: text
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _small(value.left) and _small(value.right)
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Name):
            return func.id in SMALL_CALLS
        if isinstance(func, ast.Attribute) and func.attr in SMALL_METHODS:
            return func.attr != "format" or isinstance(func.value, ast.Constant)
    return False
