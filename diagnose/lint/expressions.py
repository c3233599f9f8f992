"""Expressions: the value each kind of expression evaluates to, comprehensions and attribute reads, and
calls dispatched by what the callee is."""

from __future__ import annotations

import ast

from diagnose.lint.events import Returned
from diagnose.lint.index import ClassInfo
from diagnose.lint.names import dotted
from diagnose.lint.nodes import child_nodes
from diagnose.lint.values import UNKNOWN, Kind, Value, elements


def iteration_values(iterable: Value) -> list[Value]:
    """What a loop variable takes: each distinct function of a small tuple of functions (``for f in (a, b)``),
    else the container's first element, else unknown. The loop body is walked once per value."""
    items = elements(iterable)
    if 1 < len(items) <= 4 and all(i.kind is Kind.FUNCTION for i in items):
        return items
    return items[:1] or [UNKNOWN]


class Expressions:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: evaluating expressions to abstract values."""

    def expr(self, node: ast.expr | None, discarded: bool = False) -> Value:  # noqa: C901
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
            return Value(Kind.UNKNOWN, node, literal=node.value)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node, discarded)
        if isinstance(node, ast.Lambda):
            return Value(Kind.LAMBDA, node)
        if isinstance(node, ast.GeneratorExp):
            element = self.comprehension(node)
            return Value(Kind.GENERATOR, node, items=[element] if element.kind is not Kind.UNKNOWN else [])
        if isinstance(node, (ast.ListComp, ast.SetComp)):
            element = self.comprehension(node, discarded)
            return Value(Kind.CONTAINER, node, items=[element] if element.kind is not Kind.UNKNOWN else [])
        if isinstance(node, ast.DictComp):
            self.comprehension(node)
            return Value(Kind.CONTAINER, node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items: list[Value] = []
            for elt in node.elts:
                inner = self.expr(elt.value if isinstance(elt, ast.Starred) else elt)
                items.extend(inner.items if isinstance(elt, ast.Starred) else [inner])
            return Value(Kind.CONTAINER, node, items=items)
        if isinstance(node, ast.Dict):
            values = [self.expr(v) for v in node.values]
            for key in node.keys:
                self.expr(key)
            return Value(Kind.CONTAINER, node, items=values)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left), self.expr(node.right)
            if isinstance(node.op, ast.Mult):
                return left if left.kind is Kind.CONTAINER else right if right.kind is Kind.CONTAINER else UNKNOWN
            if isinstance(node.op, ast.Add) and Kind.CONTAINER in (left.kind, right.kind):
                return Value(Kind.CONTAINER, node, items=[*left.items, *right.items])
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value)
            self.expr(node.slice)
            if base.kind is Kind.CONTAINER and base.items and not isinstance(node.slice, ast.Slice):
                known = [item for item in base.items if item.kind is not Kind.UNKNOWN]  # ``[None] * n`` filled later
                return (known or base.items)[0]
            return base if base.kind is Kind.CONTAINER else UNKNOWN
        if isinstance(node, ast.IfExp) and self.truth(node.test) is not None:
            return self.expr(node.body if self.truth(node.test) else node.orelse)
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            body, other = self.expr(node.body), self.expr(node.orelse)
            return body if body.kind is not Kind.UNKNOWN else other
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # ``model or Model(...)`` (a default built when none was given): as for ``a if t else b``, the first
            # operand whose value is known
            values = [self.expr(value) for value in node.values]
            return next((v for v in values if v.kind is not Kind.UNKNOWN), UNKNOWN)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value)
            return value
        if isinstance(node, (ast.Await, ast.Starred)):
            return self.expr(node.value)
        for child in child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
        return UNKNOWN

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                      discarded: bool = False) -> Value:
        self.loops.append(node)
        try:
            return self._comprehension(node, discarded)
        finally:
            self.loops.pop()

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                       discarded: bool) -> Value:
        result = UNKNOWN
        for gen in node.generators[:1]:
            for item in iteration_values(self.expr(gen.iter)):
                self.bind(gen.target, item)
                for inner in node.generators[1:]:
                    items = elements(self.expr(inner.iter))
                    self.bind(inner.target, items[0] if items else UNKNOWN)
                for cond in (c for g in node.generators for c in g.ifs):
                    self.expr(cond)
                if isinstance(node, ast.DictComp):
                    self.expr(node.key)
                    value = self.expr(node.value)
                else:
                    value = self.expr(node.elt, discarded)
                result = value if result.kind is Kind.UNKNOWN else result
        return result

    def attribute(self, node: ast.Attribute) -> Value:
        base = self.expr(node.value)
        if base.kind is Kind.REF:
            value = self.imported_value(f"{base.qualname}.{node.attr}", node)
            return self.read_global(f"{dotted(node.value)}.{node.attr}", value)
        if base.kind in (Kind.INSTANCE, Kind.DATASET, Kind.PROCESS, Kind.NAMESPACE):
            if node.attr in base.attrs:
                value = base.attrs[node.attr]
                if self.attributes_read is not None and value.kind in (Kind.GENERATOR, Kind.KERAS_ITERATOR):
                    self.attributes_read.append(value)  # a worker reads an object's generator
                return value
            method = (base.info.owner or self.index).method_of(base.info, node.attr) \
                if isinstance(base.info, ClassInfo) else None
            if method is not None:
                return Value(Kind.METHOD, node, base=base, attr=node.attr, info=method)
        return Value(Kind.METHOD, node, base=base, attr=node.attr)

    def returned_pool(self, node: ast.Call, value: Value) -> Value:
        """Record a pool that a called function of the project made and returned to a call of the checked
        module (DLK502 judges it there)."""
        if value.kind is Kind.POOL and value.node is not node and self.index is self.home:
            self.record(Returned, node, value=value)
        return value

    def call(self, node: ast.Call, discarded: bool = False) -> Value:
        callee = self.expr(node.func)
        args = [self.expr(a) for a in node.args]
        kwargs = {kw.arg: self.expr(kw.value) for kw in node.keywords if kw.arg}
        for kw in node.keywords:
            if kw.arg is None:
                self.expr(kw.value)
        if self.index is self.home:
            self.site = node
            if any(kw.arg == "use_multiprocessing" for kw in node.keywords):
                self.asked_for_processes[node] = [*args, *kwargs.values()]
        if callee.kind is Kind.REF:
            self.library_callbacks(callee.qualname or "", args, kwargs)
            return self.call_ref(node, callee.qualname or "", args, kwargs)
        if callee.kind is Kind.METHOD:
            return self.returned_pool(node, self.call_method(node, callee, args, kwargs, discarded))
        if callee.kind is Kind.FUNCTION and callee.info is not None:
            if callee.info.is_generator:
                if any(value.kind is not Kind.UNKNOWN for value in [*args, *kwargs.values()]):
                    self.walk_generator(callee.info, args, kwargs, None)  # what it is handed reaches its body
                return Value(Kind.GENERATOR, node, info=callee.info)
            return self.returned_pool(node, self.enter(callee.info, args, kwargs, self_value=None, worker_of=None))
        if callee.kind is Kind.PARTIAL and callee.attr == "delayed":
            return Value(Kind.CONTAINER, node, items=[*args, *kwargs.values()])  # one joblib task's arguments
        if callee.kind is Kind.JOBLIB and args:
            return self.joblib_run(node, callee, args[0])
        if callee.kind is Kind.CLASS and callee.info is not None:
            return self.instantiate(node, callee, args, kwargs)
        if callee.kind is Kind.MODEL:
            if not self.graph_mode:  # in TF1 graph mode, calling a model on a tensor only adds graph ops
                self.start_tf(node, "model called")
            return UNKNOWN
        return UNKNOWN  # what a function nobody can see returns is unknown: a name says nothing
