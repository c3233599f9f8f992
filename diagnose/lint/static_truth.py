"""Tests the walk decides without running the code: the index's constants, numbers written in the code,
the platform (Linux), the main guard, and whether a loop can change a test."""

from __future__ import annotations

import ast

from diagnose.lint.index import KERAS_DATASET_BASES
from diagnose.lint.library import const
from diagnose.lint.names import dotted, keras_member, resolve
from diagnose.lint.nodes import own_nodes
from diagnose.lint.values import Kind


def is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round), also as one operand of an ``and``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(is_main_guard(value) for value in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and consts)


class StaticTruth:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: a condition's truth where the code alone decides it."""

    def truth(self, test: ast.expr) -> bool | None:
        """A condition's truth known without running anything: the index's constants, or a comparison of a
        name holding a number written in the code with a number (``if workers > 1:`` where every caller
        passes 1)."""
        known = self.index.truth(test)
        if known is None:
            known = self.platform_truth(test)
        if known is None:
            known = self.argument_truth(test)
        if known is None and isinstance(test, ast.BoolOp):  # ``nenv > 1 and vectorized``: either part may decide
            values = [self.truth(value) for value in test.values]
            decisive = not isinstance(test.op, ast.And)
            return decisive if decisive in values else (not decisive) if None not in values else None
        if known is None and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand)
            return None if inner is None else not inner
        if known is not None or not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return known
        sides = [self.literal_of(test.left), self.literal_of(test.comparators[0])]
        if any(side is None for side in sides):
            return None
        compare = {ast.Gt: int.__gt__, ast.GtE: int.__ge__, ast.Lt: int.__lt__, ast.LtE: int.__le__,
                   ast.Eq: int.__eq__, ast.NotEq: int.__ne__}.get(type(test.ops[0]))
        return bool(compare(int(sides[0]), int(sides[1]))) if compare else None

    def argument_truth(self, test: ast.expr) -> bool | None:
        """A test of what the caller handed the function being walked (or the parameter's literal default), on
        a parameter no loop or augmented assignment of its body changes: ``if use_multiprocessing:`` where the
        caller passed ``True``; ``isinstance(x, types.GeneratorType)`` or ``isinstance(x, Sequence)`` where
        ``x`` is known to be a generator, a Keras Sequence or a container. A function walked because nothing
        called it has unknown arguments and decides nothing."""
        function = self.frame.function
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance" \
                and len(test.args) == 2 and not test.keywords:
            subject, kind = test.args
        else:
            subject, kind = test, None
        if function is None or not isinstance(subject, ast.Name) or subject.id not in function.params \
                or subject.id in function.rebound:
            return None
        value = self.lookup(subject.id)
        if kind is None:
            return value.literal if type(value.literal) is bool else None
        return _is_instance(value.kind, resolve(kind, self.index.imports) or "")

    def platform_truth(self, test: ast.expr) -> bool | None:
        """A test of the platform (``platform.system() == "Windows"``, ``sys.platform.startswith("win")``,
        ``os.name != "nt"``), known on Linux: the platform the start method in effect says (fork or
        forkserver by default; spawn is macOS or Windows, not told apart)."""
        if self.default_start_method not in ("fork", "forkserver"):
            return None
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith" \
                and len(test.args) == 1 and not test.keywords:
            platform, prefixes = self._platform_value(test.func.value), const(test.args[0])
            prefixes = (prefixes,) if isinstance(prefixes, str) else _strings(test.args[0])
            return None if platform is None or prefixes is None else platform.startswith(prefixes)
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        platform, other = self._platform_value(test.left), test.comparators[0]
        if platform is None:
            platform, other = self._platform_value(other), test.left
        op = type(test.ops[0])
        if platform is None:
            return None
        if op in (ast.Eq, ast.NotEq) and isinstance(const(other), str):
            return (platform == const(other)) is (op is ast.Eq)
        if op in (ast.In, ast.NotIn) and other is test.comparators[0] and _strings(other) is not None:
            return (platform in _strings(other)) is (op is ast.In)  # type: ignore[operator]
        return None

    def _platform_value(self, node: ast.expr) -> str | None:
        """What ``platform.system()``, ``sys.platform`` or ``os.name`` is on Linux."""
        if isinstance(node, ast.Call) and not node.args and not node.keywords:
            return "Linux" if resolve(node.func, self.index.imports) == "platform.system" else None
        return {"sys.platform": "linux", "os.name": "posix"}.get(resolve(node, self.index.imports) or "") \
            if isinstance(node, ast.Attribute) else None

    def literal_of(self, node: ast.expr) -> int | None:
        """The number a name or constant holds, when the code wrote it and no path changed it."""
        if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
            return int(node.value)
        if isinstance(node, ast.Name):
            value = self.lookup(node.id)
            return int(value.literal) if type(value.literal) in (int, bool) else None
        return None


# What a value of a known kind is an instance of; a kind not listed (unknown, an instance of the project's own
# classes) decides nothing.
_SEQUENCE_KINDS = {Kind.DATASET: True, Kind.KERAS_ITERATOR: True, Kind.GENERATOR: False, Kind.CONTAINER: False,
                   Kind.MODEL: False}


def _is_instance(kind: Kind, qualname: str) -> bool | None:
    """``isinstance`` of a value of ``kind`` against a generator type or Keras's Sequence, else None."""
    if qualname in ("types.GeneratorType", "collections.abc.Generator", "typing.Generator"):
        return kind is Kind.GENERATOR if kind in _SEQUENCE_KINDS else None
    member = keras_member(qualname)
    if member is not None and member[0] in KERAS_DATASET_BASES:
        return _SEQUENCE_KINDS.get(kind)
    return None


def _strings(node: ast.expr) -> tuple[str, ...] | None:
    """The strings of a literal tuple, list or set of strings."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(isinstance(const(e), str) for e in node.elts):
        return tuple(const(e) for e in node.elts)  # type: ignore[misc]
    return None


def invariant(test: ast.expr, loop: ast.stmt) -> bool:
    """Whether a loop cannot change ``test``: it calls nothing, and the loop (its target included) binds
    none of the names or attributes it reads (``args.seed = ...`` leaves ``if args.debug:`` alone)."""
    parts = list(ast.walk(test))
    if any(isinstance(node, (ast.Call, ast.Await, ast.NamedExpr)) for node in parts):
        return False
    paths = {dotted(node) for node in parts if isinstance(node, (ast.Name, ast.Attribute))} - {None}
    read = {p for p in paths if not any(other.startswith(p + ".") for other in paths)}  # whole chains only
    for node in own_nodes(loop):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            written = dotted(_root(node) if isinstance(node, ast.Subscript) else node)
            if written is None or any(_overlap(written, name) for name in read):
                return False
    return True


def _overlap(a: str, b: str) -> bool:
    """Whether one dotted path is the other or contains it (``args`` and ``args.debug``)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _root(node: ast.expr) -> ast.expr:
    """``a`` of ``a.b[c].d``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node
