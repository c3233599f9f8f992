"""Names: binding assignment targets, and looking a name up in the frame, the module, its imports, the
builtins the walk models and the module's definitions."""

from __future__ import annotations

import ast

from diagnose.lint.library import ITERATION_BUILTINS
from diagnose.lint.values import UNKNOWN, Kind, Value


class Bindings:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: reading and writing names and attributes."""

    def assign_name(self, name: str, value: Value) -> None:
        frame = self.module if name in self.frame.global_names else self.frame
        if frame is self.module and self.in_child:
            self.child_globals.add(name)  # made by the worker itself, not inherited
        self.write(frame.env, name, value)

    def bind(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.assign_name(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value.items if value.kind is Kind.CONTAINER and len(value.items) == len(target.elts) else []
            for i, elt in enumerate(target.elts):
                self.bind(elt.value if isinstance(elt, ast.Starred) else elt, items[i] if items else UNKNOWN)
        elif isinstance(target, ast.Attribute):
            owner = self.expr(target.value)
            if owner.kind in (Kind.INSTANCE, Kind.DATASET, Kind.PROCESS):
                self.write(owner.attrs, target.attr, value)
            elif owner.kind is Kind.NAMESPACE:  # set on one branch of an ``if``: merged after it like a name
                self.write(owner.attrs, target.attr, value, anywhere=True)
        elif isinstance(target, ast.Subscript):
            container = self.expr(target.value)
            if container.kind is Kind.CONTAINER and value.kind is not Kind.UNKNOWN:
                container.items.append(value)

    def lookup(self, name: str) -> Value:
        if name in self.frame.env:
            return self.frame.env[name]
        if name in self.module.env:
            return self.read_global(name, self.module.env[name])
        if name in self.index.imports:
            return self.read_global(name, self.imported_value(self.index.imports[name]))
        if name in ITERATION_BUILTINS:
            return Value(Kind.REF, qualname=name)
        if name in self.index.functions:
            info = self.index.functions[name]
            return Value(Kind.FUNCTION, info.node, info=info)
        if name in self.index.classes:
            info = self.index.classes[name]
            return Value(Kind.CLASS, info.node, info=info)
        return UNKNOWN

    def read_global(self, name: str, value: Value) -> Value:
        """A global read; by a worker, a generator the parent made is noted (each forked child iterates its
        own copy of it)."""
        if self.globals_read is not None and value.kind in (Kind.GENERATOR, Kind.KERAS_ITERATOR) \
                and name not in self.child_globals and all(value is not v for _, v in self.globals_read):
            self.globals_read.append((name, value))
        return value
