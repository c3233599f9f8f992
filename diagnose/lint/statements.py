"""Statements: each kind run as Python runs it, blocks cut where control leaves them, and the main guard
walked as the module is run or imported."""

from __future__ import annotations

import ast

from diagnose.lint.expressions import iteration_values
from diagnose.lint.frame import Frame
from diagnose.lint.library import const
from diagnose.lint.names import resolve
from diagnose.lint.nodes import child_nodes
from diagnose.lint.static_truth import is_main_guard
from diagnose.lint.syntax import EXIT_CALLS
from diagnose.lint.values import UNKNOWN, Kind, Value


class Statements:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: walking blocks and statements."""

    def block(self, body: list[ast.stmt]) -> None:
        """Walk statements in order, up to one that leaves the block (the rest never runs)."""
        for stmt in body:
            self.statement(stmt)
            if self.ends_block(stmt):
                return

    def ends_block(self, stmt: ast.stmt) -> bool:
        """``return``/``raise``/``break``/``continue``, or a call of ``sys.exit()``/``exit()``/``os._exit()``."""
        if isinstance(stmt, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
            return True
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return False
        func = stmt.value.func
        name = func.id if isinstance(func, ast.Name) and func.id not in self.index.functions else \
            resolve(func, self.index.imports)
        return name in EXIT_CALLS

    def statement(self, stmt: ast.stmt) -> None:  # noqa: C901 - a dispatch table
        if isinstance(stmt, ast.Assign):
            value = self.expr(stmt.value)
            if isinstance(stmt.value, ast.Constant) and stmt.value.value is None:
                value = Value(Kind.UNKNOWN, stmt.value)  # not made yet: a model set on one branch is the model
            for target in stmt.targets:
                self.bind(target, value)
                if isinstance(target, ast.Attribute) and target.attr == "daemon":
                    owner = self.expr(target.value)
                    owner.daemon = owner.daemon or const(stmt.value) is True
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            value = self.expr(stmt.value) if stmt.value is not None else UNKNOWN
            if isinstance(stmt, ast.AnnAssign):
                self.bind(stmt.target, value)
        elif isinstance(stmt, ast.Expr):
            self.expr(stmt.value, discarded=True)
        elif isinstance(stmt, ast.If) and self.truth(stmt.test) is not None:
            self.block(stmt.body if self.truth(stmt.test) else stmt.orelse)  # the other branch never runs
        elif isinstance(stmt, ast.If):
            if is_main_guard(stmt.test) and self.frame is self.module and self.imported:
                self.block(stmt.orelse)  # imported: ``__name__`` is the module's name
            elif is_main_guard(stmt.test) and self.frame is self.module:
                was, self.import_time = self.import_time, False
                self.block(stmt.body)
                self.import_time = was
                self.block(stmt.orelse)
            elif is_main_guard(stmt.test) and not self.runs_as_script():
                self.block(stmt.orelse)  # a guard inside a function another module calls: ``__name__`` is not main
            elif is_main_guard(stmt.test):  # inside a function the script's top level calls: a child importing
                was, self.import_time = self.import_time, False  # the script as ``__mp_main__`` skips it
                self.branches(stmt.body, [])
                self.import_time = was
                self.block(stmt.orelse)
            else:
                self.expr(stmt.test)
                self.branches(stmt.body, stmt.orelse, choice=stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            iterable = self.expr(stmt.iter)

            def iteration() -> None:
                for item in iteration_values(iterable):
                    self.bind(stmt.target, item)
                    self.block(stmt.body)

            self.loop(stmt, iteration)
            self.block(stmt.orelse)
        elif isinstance(stmt, ast.While) and self.index.truth(stmt.test) is False:
            self.block(stmt.orelse)
        elif isinstance(stmt, ast.While):
            self.expr(stmt.test)
            self.loop(stmt, lambda: self.block(stmt.body))
            self.block(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.block(stmt.body)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.block(stmt.body)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                self.block(handler.body)
            self.block(stmt.orelse)  # type: ignore[attr-defined]
            self.block(stmt.finalbody)  # type: ignore[attr-defined]
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in [*stmt.args.defaults, *stmt.args.kw_defaults, *stmt.decorator_list]:
                self.expr(default)  # evaluated once, when the def statement runs
            info = self.index.all_functions.get(stmt)
            self.assign_name(stmt.name, Value(Kind.FUNCTION, stmt, info=info))
        elif isinstance(stmt, ast.ClassDef):
            info = self.index.classes.get(stmt.name)
            self.stack.append(Frame(env={}, worker_of=self.frame.worker_of))  # the body runs now, in its own namespace
            try:
                self.block([s for s in stmt.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))])
            finally:
                self.stack.pop()
            self.assign_name(stmt.name, Value(Kind.CLASS, stmt, info=info))
        elif isinstance(stmt, ast.Return):
            self.frame.returns.append(self.expr(stmt.value) if stmt.value is not None else UNKNOWN)
        elif isinstance(stmt, ast.Global):
            self.frame.global_names.update(stmt.names)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)) and self.project is not None:
            self.run_imports(stmt)
        elif isinstance(stmt, ast.Match):
            self.expr(stmt.subject)
            for case in stmt.cases:
                self.block(case.body)
        else:
            for child in child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expr(child)
