"""What calls into the libraries predlint knows mean: multiprocessing, concurrent.futures, joblib, queue,
functools/itertools, TensorFlow and Keras. A mixin of :class:`~diagnose.lint.walker.Walker`, which owns the
state these methods read and update (start method, TF runtime, events) and the expression evaluation."""

from __future__ import annotations

import ast

from diagnose.lint.events import Join, KerasCall, QueueOp, Spawn, Submit
from diagnose.lint.names import keras_member
from diagnose.lint.tf_runtime import GPU_PROBES, NOT_OPS, tf_call_effect
from diagnose.lint.values import UNKNOWN, Kind, Value, elements, handed_over

POOL_TASK_METHODS = {"map", "map_async", "imap", "imap_unordered", "starmap", "starmap_async", "apply", "apply_async"}
EXECUTOR_TASK_METHODS = {"submit", "map"}
KERAS_RUN_METHODS = {"fit", "predict", "evaluate", "fit_generator", "predict_generator", "evaluate_generator"}
# Model methods that run it (or move weights through a Session in TF1); ``compile``, ``summary`` do not.
MODEL_RUNTIME_METHODS = {"fit", "predict", "evaluate", "fit_generator", "predict_generator", "evaluate_generator",
                         "train_on_batch", "test_on_batch", "predict_on_batch", "load_weights", "set_weights",
                         "get_weights", "save", "save_weights"}
QUEUE_METHODS = {"put", "put_nowait", "get", "get_nowait", "join", "task_done"}
MODEL_FACTORIES = {"Sequential", "models.Sequential", "Model", "models.Model", "load_model", "models.load_model",
                   "saving.load_model", "models.clone_model", "clone_model", "models.model_from_json",
                   "models.model_from_config"}
ENQUEUERS = ("GeneratorEnqueuer", "OrderedEnqueuer")
EAGER_SWITCHES = {"tensorflow.enable_eager_execution", "tensorflow.compat.v1.enable_eager_execution"}
THREAD_QUEUES = {"queue.Queue", "queue.SimpleQueue", "queue.LifoQueue", "queue.PriorityQueue",
                 "multiprocessing.dummy.Queue"}
ITERATION_BUILTINS = {"zip", "list", "tuple", "sorted", "reversed", "iter", "enumerate", "set", "dict"}
MP_QUEUES = {"Queue": Kind.MP_QUEUE, "SimpleQueue": Kind.MP_QUEUE, "JoinableQueue": Kind.JOINABLE_QUEUE}
WORKER_KEYWORDS = frozenset({"use_multiprocessing", "workers", "pickle_safe", "nb_worker"})


def const(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


class LibraryCalls:
    """Calls of imported names and methods of known values: pools, processes, queues, models, enqueuers."""

    def call_ref(self, node: ast.Call, qualname: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
        if qualname in ("multiprocessing.dummy.Pool", "multiprocessing.ThreadPool"):
            return Value(Kind.THREAD_POOL, node)
        mp_name = qualname[len("multiprocessing."):] if qualname.startswith("multiprocessing.") else None
        if mp_name is not None and not mp_name.startswith("dummy"):
            return self.multiprocessing_call(node, mp_name, self.start_method, args, kwargs)
        if qualname in THREAD_QUEUES:
            return Value(Kind.THREAD_QUEUE, node, qualname=qualname)
        if qualname == "concurrent.futures.ProcessPoolExecutor":
            context = kwargs.get("mp_context")
            method = context.start_method if context is not None and context.kind is Kind.CONTEXT else None
            return self.spawn(node, "executor", Kind.EXECUTOR, method, None, [], kwargs.get("initializer"),
                              kwargs.get("initargs"))
        if qualname == "concurrent.futures.ThreadPoolExecutor":
            return Value(Kind.THREAD_EXECUTOR, node)
        if qualname == "os.fork":
            return self.spawn(node, "fork", Kind.PROCESS, "fork", None, [], None, None)
        if qualname == "joblib.delayed" and args:
            return Value(Kind.PARTIAL, node, base=args[0], attr="delayed")
        if qualname == "joblib.Parallel":
            threads = {const(k.value) for k in node.keywords if k.arg in ("backend", "prefer")} & {"threading", "threads"}
            return Value(Kind.THREAD_POOL if threads else Kind.JOBLIB, node, start_method="loky")
        if qualname == "functools.partial" and args:
            return Value(Kind.PARTIAL, node, base=args[0], items=[*args[1:], *kwargs.values()])
        if qualname in ("itertools.repeat",) and args:
            return Value(Kind.CONTAINER, node, items=[args[0]])
        if qualname == "enumerate" and args:  # (index, element) pairs
            return Value(Kind.CONTAINER, node, items=[Value(Kind.CONTAINER, node, items=[UNKNOWN, e])
                                                      for e in elements(args[0])])
        if qualname in ("zip", "itertools.product", "itertools.zip_longest"):
            return Value(Kind.CONTAINER, node, items=[Value(Kind.CONTAINER, node, items=[e for a in args for e in elements(a)])])
        if qualname == "dict":
            return Value(Kind.CONTAINER, node, items=[*(elements(args[0]) if args else []), *kwargs.values()])
        if qualname in ITERATION_BUILTINS:
            return Value(Kind.CONTAINER, node, items=elements(args[0]) if args else [])
        if qualname == "argparse.ArgumentParser":
            return Value(Kind.REF, node, qualname=qualname)  # its methods: argparse.ArgumentParser.parse_args, ...
        if qualname in ("argparse.ArgumentParser.parse_args", "argparse.Namespace"):
            return Value(Kind.NAMESPACE, node)
        if qualname == "argparse.ArgumentParser.parse_known_args":
            return Value(Kind.CONTAINER, node, items=[Value(Kind.NAMESPACE, node), UNKNOWN])
        return self.tf_call(node, qualname, args)

    def tf_call(self, node: ast.Call, qualname: str, args: list[Value]) -> Value:
        if qualname in EAGER_SWITCHES:
            self.eager = True  # from here on, in every module, TF calls run eagerly
        member = keras_member(qualname)
        if member is not None:
            path, version = member
            version = version or self.keras_version
            application = path.startswith("applications.") or qualname.startswith("tensorflow.keras.applications.")
            if path in MODEL_FACTORIES or application and path.rsplit(".", 1)[-1][:1].isupper():  # not preprocess_input
                if self.starts_with_model(node, path):
                    self.start_tf(node, "model built" if "load" not in path else "model loaded")
                return Value(Kind.MODEL, node, keras_version=version)
            if path.endswith("ImageDataGenerator"):
                return Value(Kind.IMAGE_DATAGEN, node)
            if path.endswith(ENQUEUERS):
                self.enqueuer(node, path.rsplit(".", 1)[-1], args)
            elif tf_call_effect(qualname, self.graph_mode) == "starts":  # keras.ops, K.get_session, ...
                self.start_tf(node, f"{qualname}() ran")
            return UNKNOWN
        if qualname in ("tensorflow.saved_model.load", "tensorflow.compat.v1.saved_model.load",
                        "tensorflow.compat.v2.saved_model.load"):
            self.start_tf(node, "SavedModel loaded")
            return Value(Kind.MODEL, node, keras_version=self.keras_version)
        if qualname.startswith("tensorflow."):
            effect = tf_call_effect(qualname, self.graph_mode)
            shown = qualname.replace("tensorflow.", "tf.", 1)
            if effect == "starts":
                self.start_tf(node, f"{shown}() ran")
            elif qualname.startswith(GPU_PROBES):
                self.start_tf(node, f"{shown}() ran, which initialises CUDA on a GPU machine (measured on CPU: "
                                    "no hang)", assumed=True)
            elif effect == "unknown" and not self.graph_mode and not qualname.startswith(NOT_OPS):
                # an eager TF call not measured: most are ops (not so TF1 helpers and checkpoint utilities)
                self.start_tf(node, f"{shown}() ran (assumed to start it: not measured)", assumed=True)
        return UNKNOWN

    def starts_with_model(self, node: ast.Call, path: str) -> bool:
        """Whether making this model starts the runtime: always in eager TF 2; in TF1 graph mode only when
        weights are loaded into it (a file, or an application's pretrained weights), which opens a Session."""
        if not self.graph_mode:
            return True
        if "load" in path or path.startswith("models.model_from"):
            return True
        weights = next((k.value for k in node.keywords if k.arg == "weights"), None)
        return path.startswith("applications.") and not (isinstance(weights, ast.Constant) and weights.value is None)

    def keywords_of(self, node: ast.Call) -> dict[str, ast.expr]:
        """A call's keyword arguments, including those unpacked from a literal dict (``**{...}``,
        ``**dict(...)``, or ``**OPTIONS`` where ``OPTIONS`` is such a literal at module level); a worker
        setting whose value the walk knows (``use_multiprocessing=args.use_multiprocessing`` where the
        caller set ``args.use_multiprocessing = True``) as that constant."""
        keywords = self._keywords_of(node)
        for key in WORKER_KEYWORDS & keywords.keys():
            value = keywords[key]
            if not isinstance(value, ast.Constant) and isinstance(value, (ast.Name, ast.Attribute)):
                literal = self.expr(value).literal  # a name or attribute: reading it runs nothing
                if type(literal) in (bool, int):
                    keywords[key] = ast.copy_location(ast.Constant(literal), value)
        return keywords

    def _keywords_of(self, node: ast.Call) -> dict[str, ast.expr]:
        keywords: dict[str, ast.expr] = {}
        for keyword in node.keywords:
            if keyword.arg:
                keywords[keyword.arg] = keyword.value
                continue
            value = keyword.value
            if isinstance(value, ast.Name):
                value = self.index.module_constants.get(value.id, value)
            if isinstance(value, ast.Dict):
                keywords.update((k.value, v) for k, v in zip(value.keys, value.values)
                                if isinstance(k, ast.Constant) and isinstance(k.value, str))
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
                keywords.update((k.arg, k.value) for k in value.keywords if k.arg)
        return keywords

    def enqueuer(self, node: ast.Call, name: str, args: list[Value]) -> None:
        """Keras 2's GeneratorEnqueuer/OrderedEnqueuer (or a hand-copied one): its own process workers."""
        data_node = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("generator", "sequence")), None)
        self.record(KerasCall, node, method=name, receiver=UNKNOWN, keras_version=2,
                    keywords=self.keywords_of(node),
                    data=args[0] if node.args and args else self.expr(data_node) if data_node is not None else UNKNOWN,
                    start_method=self.effective_start_method, import_time=self.import_time and not self.in_child)

    def multiprocessing_call(self, node: ast.Call, name: str, method: str | None, args: list[Value],
                             kwargs: dict[str, Value]) -> Value:
        """multiprocessing.X(...) or ctx.X(...), with the context's start method if any."""
        if name == "get_context":
            chosen = const(node.args[0]) if node.args else const(next((k.value for k in node.keywords if k.arg == "method"), None))
            return Value(Kind.CONTEXT, node, start_method=chosen if isinstance(chosen, str) else method)
        if name == "set_start_method":
            chosen = const(node.args[0]) if node.args else None
            if isinstance(chosen, str) and not self.in_child:
                self.start_method = chosen
            return UNKNOWN
        if name == "Pool":
            initializer = kwargs.get("initializer") or (args[1] if len(args) > 1 else None)
            initargs = kwargs.get("initargs") or (args[2] if len(args) > 2 else None)
            context = kwargs.get("context")
            if context is not None and context.kind is Kind.CONTEXT:
                method = context.start_method
            pool = self.spawn(node, "pool", Kind.POOL, method, None, [], initializer, initargs)
            limit = node.args[3] if len(node.args) > 3 else next(
                (k.value for k in node.keywords if k.arg == "maxtasksperchild"), None)
            pool.reforks = limit is not None and not (isinstance(limit, ast.Constant) and limit.value is None)
            return pool
        if name == "Process":
            target = kwargs.get("target") or (args[1] if len(args) > 1 else None)
            proc_args = kwargs.get("args") or (args[3] if len(args) > 3 else None)
            handed = elements(proc_args) if proc_args is not None else []
            extra = kwargs.get("kwargs")
            value = self.spawn(node, "process", Kind.PROCESS, method, target, handed + (extra.items if extra else []),
                               None, None, keywords=self.named_items(node, "kwargs", extra))
            value.daemon = const(next((k.value for k in node.keywords if k.arg == "daemon"), None)) is True
            return value
        if name in MP_QUEUES:
            return Value(MP_QUEUES[name], node)
        if name == "Manager":  # starts its server process at once
            return self.spawn(node, "manager", Kind.MANAGER, method, None, [], None, None)
        if name in ("managers.BaseManager", "managers.SyncManager"):  # a server only once start() is called
            return Value(Kind.MANAGER, node)
        return UNKNOWN

    @staticmethod
    def named_items(node: ast.Call, keyword: str, value: Value | None) -> dict[str, Value]:
        """The entries of a literal dict handed as ``keyword=`` (``{"q": q}`` or ``dict(q=q)``), by name."""
        literal = next((k.value for k in node.keywords if k.arg == keyword), None)
        if value is None or value.kind is not Kind.CONTAINER:
            return {}
        if isinstance(literal, ast.Dict):
            names = [const(k) for k in literal.keys]
        elif isinstance(literal, ast.Call) and isinstance(literal.func, ast.Name) and literal.func.id == "dict" \
                and not literal.args:
            names = [k.arg for k in literal.keywords]
        else:
            return {}
        return {name: item for name, item in zip(names, value.items) if isinstance(name, str)}

    def spawn(self, node: ast.Call, api: str, kind: Kind, method: str | None, target: Value | None,
              handed: list[Value], initializer: Value | None, initargs: Value | None,
              keywords: dict[str, Value] | None = None) -> Value:
        start_method = method or self.effective_start_method
        value = Value(kind, node, start_method=start_method)
        init_handed = elements(initargs) if initargs is not None else []
        event = self.record(Spawn, node, api=api, value=value, start_method=start_method, target=target,
                            handed=handed_over([*handed, *init_handed,
                                                *(f for f in (target, initializer) if f is not None)]),
                            initializer=initializer,
                            tf_started=self.tf_started, import_time=self.import_time and not self.in_child,
                            conditions=tuple(self.conditions), loop=self.loops[-1] if self.loops else None)
        if target is not None:
            saved = self.globals_read, self.child_globals, self.attributes_read
            self.globals_read, self.child_globals, self.attributes_read = [], set(), []
            try:
                self.walk_worker(target, [h for h in handed if all(h is not k for k in (keywords or {}).values())],
                                 value, keywords)
                event.inherited = self.globals_read  # type: ignore[attr-defined]
                event.attributes_read = self.attributes_read  # type: ignore[attr-defined]
            finally:
                self.globals_read, self.child_globals, self.attributes_read = saved
        if initializer is not None:
            self.walk_worker(initializer, init_handed, value)
        return value

    # ----- method calls -------------------------------------------------------------------------
    def call_method(self, node: ast.Call, method: Value, args: list[Value], kwargs: dict[str, Value],
                    discarded: bool) -> Value:
        receiver, attr = method.base or UNKNOWN, method.attr or ""
        kind = receiver.kind
        if kind is Kind.CONTEXT:
            return self.multiprocessing_call(node, attr, receiver.start_method, args, kwargs)
        if kind is Kind.MANAGER and attr == "start" and receiver.node is not None and not receiver.started:
            receiver.started = True
            self.spawn(node, "manager", Kind.MANAGER, None, None, [], None, None)
        if kind is Kind.MANAGER:
            return Value(Kind.UNKNOWN, node)
        if kind is Kind.POOL and attr in POOL_TASK_METHODS or kind is Kind.EXECUTOR and attr in EXECUTOR_TASK_METHODS:
            return self.submit(node, receiver, attr, args, kwargs, discarded)
        if kind is Kind.PROCESS and attr == "start":
            self.started_at(receiver)
            self.forks_now(receiver)
        if kind in (Kind.PROCESS, Kind.POOL, Kind.EXECUTOR) and attr in ("terminate", "kill"):
            receiver.terminated = True
        if kind is Kind.PROCESS and attr == "join":
            self.record(Join, node, process=receiver, after_terminate=receiver.terminated)
            spawn = self.spawn_of(receiver)
            if spawn is not None and any(spawn.loop is loop for loop in self.loops):
                spawn.loop = None  # joined in the loop that made it: one process at a time
        if kind in (Kind.MP_QUEUE, Kind.JOINABLE_QUEUE, Kind.THREAD_QUEUE, Kind.UNKNOWN) and attr in QUEUE_METHODS:
            self.record(QueueOp, node, op=attr, queue=receiver, worker_of=self.frame.worker_of)
        unknown = kind is Kind.UNKNOWN or kind is Kind.METHOD and receiver.info is None  # ``self.net``: nothing known
        if kind is Kind.MODEL or (unknown and attr in KERAS_RUN_METHODS):
            return self.model_call(node, receiver if kind is Kind.MODEL else UNKNOWN, attr, args)
        if kind is Kind.IMAGE_DATAGEN and attr.startswith("flow"):
            return Value(Kind.KERAS_ITERATOR, node)
        if kind is Kind.CONTAINER and attr in ("append", "extend", "add", "insert"):
            for value in args[-1:]:
                receiver.items.extend(value.items if attr == "extend" else [value])
        if kind is Kind.INSTANCE and method.info is not None and method.info.is_generator:
            self.walk_generator(method.info, args, kwargs, receiver)
            return Value(Kind.GENERATOR, node, info=method.info)
        if kind is Kind.INSTANCE and method.info is not None:
            return self.enter(method.info, args, kwargs, self_value=receiver, worker_of=None)
        return UNKNOWN

    def spawn_of(self, process: Value) -> Spawn | None:
        """The event that made a process, pool or executor value (the latest, if it was made again)."""
        return next((e for e in reversed(self.events) if isinstance(e, Spawn) and e.value is process), None)

    def started_at(self, process: Value) -> None:
        """A ``Process`` forks at ``start()``, not where it is constructed: import time is decided there."""
        spawn = self.spawn_of(process)
        if spawn is not None and not self.in_child:
            spawn.import_time = self.import_time

    def forks_now(self, process: Value) -> None:
        """``Process.start()``, an executor's first task, or any task of a pool that replaces its workers
        (``maxtasksperchild``): the moment a fork really happens."""
        if process.started and not process.reforks or self.in_child:
            return
        process.started = True
        if self.tf_started is None:
            return
        spawn = self.spawn_of(process)
        if spawn is not None and spawn.tf_started is None:
            spawn.tf_started = self.tf_started

    def model_call(self, node: ast.Call, receiver: Value, attr: str, args: list[Value]) -> Value:
        if receiver.kind is Kind.MODEL and attr in MODEL_RUNTIME_METHODS:
            self.start_tf(node, f"model.{attr}() ran")
        if attr in KERAS_RUN_METHODS:
            data_node = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg in ("x", "generator")), None)
            self.record(KerasCall, node, method=attr, receiver=receiver,
                        keras_version=receiver.keras_version or self.keras_version,
                        keywords=self.keywords_of(node),
                        data=self.expr(data_node) if data_node is not None else UNKNOWN,
                        start_method=self.effective_start_method, import_time=self.import_time and not self.in_child)
        return UNKNOWN

    def joblib_run(self, node: ast.Call, parallel: Value, tasks: Value) -> Value:
        """``Parallel(n_jobs=N)(delayed(f)(x) for x in xs)``: every task's arguments are pickled to a worker."""
        handed = [v for task in tasks.items for v in task.flatten()]
        self.record(Submit, node, method="Parallel", pool=parallel, func=UNKNOWN, handed=handed, discarded=False)
        return Value(Kind.CONTAINER, node)

    def submit(self, node: ast.Call, pool: Value, method: str, args: list[Value], kwargs: dict[str, Value],
               discarded: bool) -> Value:
        func = args[0] if args else kwargs.get("func") or kwargs.get("fn") or UNKNOWN
        rest = args[1:]
        if method in ("apply", "apply_async"):
            call_args = elements(rest[0]) if rest else elements(kwargs.get("args", UNKNOWN))
            call_args += rest[1:2] + [v for k, v in kwargs.items() if k == "kwds"]  # kwds, positional or not
            worker_args = call_args
        elif method == "submit":
            call_args = rest + [v for k, v in kwargs.items() if k not in ("fn", "func")]
            worker_args = call_args
        else:
            iterables = rest or [v for k, v in kwargs.items() if k == "iterable"]
            call_args = [e for it in iterables for e in elements(it)]
            first = elements(iterables[0]) if iterables else []
            worker_args = elements(first[0]) if method.startswith("starmap") and first else first[:1]
            if pool.kind is Kind.EXECUTOR:
                worker_args = [els[0] for els in (elements(it) for it in iterables) if els]
        if pool.kind is Kind.EXECUTOR or pool.reforks:
            self.forks_now(pool)  # executors start their processes with the first task
        self.record(Submit, node, method=method, pool=pool, func=func, handed=handed_over([*call_args, func]),
                    discarded=discarded, keywords={k.arg for k in node.keywords if k.arg})
        self.walk_worker(func, worker_args, pool)
        return Value(Kind.ASYNC_RESULT, node)
