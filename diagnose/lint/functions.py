"""Walking a function of the project: a call with its arguments bound (in its own module's names), a worker
as its child process runs it, and the methods of a class that nothing called."""

from __future__ import annotations

import ast

from diagnose.lint.events import Origin
from diagnose.lint.frame import Frame
from diagnose.lint.index import FunctionInfo
from diagnose.lint.values import UNKNOWN, Kind, Value

MAX_DEPTH = 4  # calls followed into at once
MAX_WALKS = 400  # function walks from a module's top level
MAX_ROOT_WALKS = 100  # function walks from each class or function nothing called, walked at the end


def qualified(info: FunctionInfo) -> str:
    """``Class.method`` or ``function``."""
    return f"{info.class_name}.{info.name}" if info.class_name else info.name


def _is_static(func: ast.AST) -> bool:
    """A ``@staticmethod`` or ``@classmethod``: not walked on an instance."""
    return any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in func.decorator_list)


class FunctionWalks:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: entering functions, workers and unused classes."""

    def enter(self, info: FunctionInfo, args: list[Value], kwargs: dict[str, Value], self_value: Value | None,
              worker_of: Value | None, called: bool = True) -> Value:
        """Walk a function's body with its parameters bound; returns what it returns. A function of another
        module of the project is walked with that module's names (its imports, its summary's globals).
        ``called``: by a call of the code (a parameter it omits holds its default); not for a function walked
        because nothing called it, or called back by a library with arguments the walk cannot see."""
        owner = info.owner
        if owner is None or owner is self.index or self.project is None:
            return self.walk_function(info, args, kwargs, self_value, worker_of, called)
        if not owner.is_relevant(info):
            return UNKNOWN  # it touches nothing the rules know: walking it cannot make a finding
        saved = (self.index, self.module, self.keras_version)
        self.module = self.home_frame if owner is self.home else Frame(env=dict(self.summary_of_index(owner).env))
        self.index = owner
        self.keras_version = owner.keras_hint or self.default_keras
        try:
            returned = self.walk_function(info, args, kwargs, self_value, worker_of, called)
        finally:
            self.index, self.module, self.keras_version = saved
        if owner is not self.home and returned.origin is None and returned.kind is not Kind.UNKNOWN \
                and id(returned.node) in owner.node_ids:
            returned.origin = Origin(self.project.display(owner.path or ""), returned.node.lineno,  # type: ignore[union-attr]
                                     qualified(info), owner.path or "")
        return returned

    def walk_function(self, info: FunctionInfo, args: list[Value], kwargs: dict[str, Value],
                      self_value: Value | None, worker_of: Value | None, called: bool = True) -> Value:
        if info.node in self.active or len(self.active) >= MAX_DEPTH or self.walks >= self.walk_budget:
            return UNKNOWN
        self.walks += 1
        self.walked.add(info.node)
        params = info.params
        env: dict[str, Value] = {}
        if self_value is not None and params:
            env[params[0]] = self_value
            params = params[1:]
        for name, value in zip(params, args):
            env[name] = value
        if info.node.args.vararg is not None:  # *args: what the call passed beyond the named parameters
            env[info.node.args.vararg.arg] = Value(Kind.CONTAINER, info.node, items=args[len(params):])
        for name, value in kwargs.items():
            if name in info.params:
                env[name] = value
        if called:
            for name, default in info.literal_defaults.items():
                env.setdefault(name, Value(Kind.UNKNOWN, default, literal=default.value))
        frame = Frame(env=env, function=info, worker_of=worker_of or self.frame.worker_of)
        self.stack.append(frame)
        self.active.append(info.node)
        try:
            self.block(info.node.body)
        finally:
            self.stack.pop()
            self.active.pop()
        self.leave_block(frame)
        returned = [v for v in frame.returns if v.kind is not Kind.UNKNOWN]
        # a tuple of nothing known (``return None, None, None`` on an error path) says less than another return
        told = [v for v in returned if v.kind is not Kind.CONTAINER or any(i.kind is not Kind.UNKNOWN for i in v.items)]
        return (told or returned or [UNKNOWN])[0]

    def walk_worker(self, func: Value, args: list[Value], boundary: Value | None,
                    keywords: dict[str, Value] | None = None) -> None:
        """Walk a worker function as the child process would run it, with the handed values bound."""
        while func.kind is Kind.PARTIAL and func.base is not None:
            args = [*func.items, *args]
            func = func.base
        info = func.info if func.kind in (Kind.FUNCTION, Kind.METHOD) else None
        if info is None or not hasattr(info, "params"):
            return
        key = (id(info.node), id(boundary))
        if key in self.child_walked:
            return
        self.child_walked.add(key)
        saved = (self.tf_started, self.in_child, self.start_method, self.import_time, self.active)
        if not self.in_child:  # the child's calls start from its worker, not below the parent's calls
            self.active = []
        self.tf_started, self.in_child, self.import_time = None, True, False
        try:
            self_value = func.base if func.kind is Kind.METHOD else None
            self.enter(info, args, keywords or {}, self_value=self_value, worker_of=boundary)
            if self.tf_started is not None and boundary is not None:
                boundary.worker_ran_tf = True
        finally:
            self.tf_started, self.in_child, self.start_method, self.import_time, self.active = saved

    def walk_generator(self, info: FunctionInfo, args: list[Value], kwargs: dict[str, Value],
                       self_value: Value | None) -> None:
        """A generator function of the project called with known values: its body runs when the generator is
        iterated (by a ``for``, ``next`` or Keras's ``fit_generator``), here walked once with them bound, so that
        a process it starts sees what it is handed (``self.net`` of the object whose method made it). What it
        would start of the TF runtime is not carried to the code after the call: iteration comes later, if at
        all. Walked once per object (``self.a = self.batches(); self.b = self.batches()`` runs the same code
        on the same object)."""
        key = (id(info.node), id(self_value))
        if key in self.generators_walked:
            return
        self.generators_walked[key] = self_value
        saved = self.tf_started
        try:
            self.enter(info, args, kwargs, self_value=self_value, worker_of=None)
        finally:
            self.tf_started = saved

    def walk_unused_class(self, cls) -> None:
        """Walk the methods nobody called on one instance: ``__init__`` first, so ``self.model`` and
        ``self.pool`` are known to the other methods, as in the object's real life."""
        pending = [m for m in cls.methods.values() if m.node not in self.walked and not _is_static(m.node)]
        if cls.keras_kind or not pending:
            return
        self.tf_started, self.in_child = None, False
        instance = Value(Kind.INSTANCE, cls.node, info=cls)
        init = (cls.owner or self.index).method_of(cls, "__init__")  # its own, or a base class's
        if init is not None:
            self.enter(init, [], {}, self_value=instance, worker_of=None, called=False)
        after_init = self.tf_started
        for method in pending:
            if method is not init:
                self.tf_started = after_init  # each method starts from the state __init__ left
                self.enter(method, [], {}, self_value=instance, worker_of=None, called=False)
