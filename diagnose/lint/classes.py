"""A call of a class of the project: a Keras model or dataset, a manager, a copy of Keras's enqueuer, a
``Process`` subclass, or a plain instance whose ``__init__`` runs."""

from __future__ import annotations

import ast

from diagnose.lint.events import DatasetBuild
from diagnose.lint.index import FunctionInfo
from diagnose.lint.library import ENQUEUERS, const
from diagnose.lint.names import dotted
from diagnose.lint.random_source import draws_from_numpy_random, orders_with_stdlib_random
from diagnose.lint.values import Kind, Value


class ClassCalls:
    """A mixin of :class:`~diagnose.lint.walker.Walker`: what instantiating a project class makes and runs."""

    def instantiate(self, node: ast.Call, cls: Value, args: list[Value], kwargs: dict[str, Value]) -> Value:
        info = cls.info
        if info.keras_kind == "model":
            self.start_tf(node, f"model {info.node.name} built")
            return Value(Kind.MODEL, node, keras_version=info.keras_version or self.keras_version)
        if info.keras_kind == "dataset":
            value = Value(Kind.DATASET, node, info=info, keras_version=info.keras_version or self.keras_version)
            if "__init__" in info.methods:  # so that self.X attributes (a model held by the dataset) are known
                self.enter(info.methods["__init__"], args, kwargs, self_value=value, worker_of=None)
            self.record(DatasetBuild, node, value=value, use_multiprocessing=self._dataset_uses_processes(node, info),
                        start_method=self.effective_start_method)
            return value
        owner = info.owner or self.index
        if owner.is_manager_class(info):
            registered = [self.expr(c.args[1] if len(c.args) > 1 else next(k.value for k in c.keywords
                                                                              if k.arg == "callable"))
                          for c in owner.manager_registrations(info.node.name)] if owner is self.index else []
            manager = self.spawn(node, "manager", Kind.MANAGER, None, Value(Kind.CONTAINER, node, items=registered),
                                 [], None, None)
            manager.started = True  # reported where it is made (``with Manager() as m``); start() adds nothing
            return manager
        if info.node.name in ENQUEUERS and not self._reseeded_random_stream(info, node):
            self.enqueuer(node, info.node.name, args)
        instance = Value(Kind.INSTANCE, node, info=info)
        init = owner.method_of(info, "__init__")
        if init is not None:
            self.enter(init, args, kwargs, self_value=instance, worker_of=None)
        run = info.methods.get("run")
        if owner.is_process_class(info) and run is not None:  # the object itself is the process
            target = Value(Kind.METHOD, node, base=instance, attr="run", info=run)
            process = self.spawn(node, "process", Kind.PROCESS, None, target, [], None, None)
            process.attrs = instance.attrs
            return process
        return instance

    def _reseeded_random_stream(self, enqueuer, node: ast.Call) -> bool:
        """A project's copy of Keras's enqueuer that reseeds NumPy in each worker (as Keras 2.0/2.1 did), fed by
        a generator of the project that draws its order from ``np.random``: every worker yields its own random
        stream, nothing is replayed."""
        reseeds = any(isinstance(n, ast.Call) and (dotted(n.func) or "").endswith("random.seed")
                      for n in ast.walk(enqueuer.node))
        made = node.args[0] if node.args else None
        if not reseeds or not isinstance(made, ast.Call) or dotted(made.func) is None:
            return False
        source = self.expr(made.func)  # a name or ``module.name``: looking it up again runs nothing
        info = source.info if source.kind is Kind.FUNCTION and isinstance(source.info, FunctionInfo) else None
        return draws_from_numpy_random(info) or orders_with_stdlib_random(info)

    def _dataset_uses_processes(self, node: ast.Call, info) -> bool:
        calls = [node]
        init = info.methods.get("__init__")
        if init is not None:
            calls += [n for n in ast.walk(init.node) if isinstance(n, ast.Call)
                      and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__"]
        return any(kw.arg == "use_multiprocessing" and const(kw.value) is True for c in calls for kw in c.keywords)
