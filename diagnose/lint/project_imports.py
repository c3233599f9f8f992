"""The project's other modules as the walked module sees them: what a name imported from one holds, and
what importing one does (starts the TF runtime, sets the start method)."""

from __future__ import annotations

import ast

from diagnose.lint.index import ModuleIndex
from diagnose.lint.names import canonical_module
from diagnose.lint.summaries import EMPTY, ModuleSummary, module_summary
from diagnose.lint.values import UNKNOWN, Kind, Value


def _imported_modules(stmt: ast.Import | ast.ImportFrom) -> list[str]:
    """Every module an import statement runs (``import a.b`` runs ``a`` and ``a.b``; ``from p import m``
    runs ``p`` and, when ``m`` is a submodule, ``p.m``)."""
    if isinstance(stmt, ast.Import):
        return [".".join(parts[:i]) for alias in stmt.names for parts in [alias.name.split(".")]
                for i in range(1, len(parts) + 1)]
    base = "." * stmt.level + (stmt.module or "")
    joined = f"{base}." if stmt.module else base
    return [base] * bool(stmt.module) + [joined + a.name for a in stmt.names if a.name != "*"]


class ProjectImports:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: imports of project modules and their summaries."""

    def imported_value(self, qualname: str, node: ast.AST | None = None) -> Value:
        """What an imported name holds: a function, class or global of a project module (followed through
        re-exports), else a reference to a library name."""
        key = (self.index.path, qualname)
        if key not in self.members:  # asked again and again in a module (``os.path.join``): resolved once
            self.members[key] = self.project.member(qualname, self.index.path) if self.project is not None else None
        member = self.members[key]
        if member is None:
            return Value(Kind.REF, node, qualname=qualname)
        if member.function is not None:
            return Value(Kind.FUNCTION, member.function.node, info=member.function)
        if member.cls is not None:
            return Value(Kind.CLASS, member.cls.node, info=member.cls)
        if member.external is not None:
            return Value(Kind.REF, node, qualname=canonical_module(member.external))
        if member.name is not None:
            value = self.summary_of(member.module).env.get(member.name, UNKNOWN)
            return value if value.kind is not Kind.UNKNOWN else Value(Kind.REF, node, qualname=qualname)
        return Value(Kind.REF, node, qualname=qualname)

    def summary_of(self, module) -> ModuleSummary:
        return module_summary(self.project, module, self.default_start_method, self.default_keras, self.tf1)

    def summary_of_index(self, index: ModuleIndex) -> ModuleSummary:
        module = self.project.module_of(index)
        return self.summary_of(module) if module is not None and module.index is index else EMPTY

    def run_imports(self, stmt: ast.Import | ast.ImportFrom) -> None:
        """An import of project modules runs them (once): what that does (start the TF runtime, set the
        start method) happens here."""
        if self.index is self.home:
            self.site = stmt
        for name in _imported_modules(stmt):
            located = self.project.locate(name, self.index.path)
            if located is None or located[1] or located[0] in self.modules_run or located[0] == self.home.path \
                    or not self.project.may_start_runtime(located[0]):
                continue
            found = self.project.find(name, self.index.path)
            if found is None:
                continue
            self.modules_run.add(found[0].path)
            summary = self.summary_of(found[0])
            if summary.tf_started is not None:
                self.take_tf(summary.tf_started)
            if summary.start_method is not None and not self.in_child:
                self.start_method = summary.start_method
            self.eager = self.eager or summary.eager
