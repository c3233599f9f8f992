"""Walk a module in execution order, tracking what each name holds, and record events.

Module statements run first, then the ``if __name__ == "__main__":`` block (it is simply the next
statement); calls into functions of the same module are followed a few levels deep with their
arguments bound. Workers (Process targets, pool functions and initializers) are walked as children
with the values handed to them bound to their parameters. Functions never reached are walked last,
with unknown parameters, so per-function rules still see them.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from diagnose.lint.events import Condition, DatasetBuild, Event, Origin, Spawn, TfStart
from diagnose.lint.index import FunctionInfo, ModuleIndex, own_nodes
from diagnose.lint.library import (
    ENQUEUERS,
    ITERATION_BUILTINS,
    LibraryCalls,
    const,
)
from diagnose.lint.names import canonical_module, resolve
from diagnose.lint.summaries import EMPTY, ModuleSummary, module_summary
from diagnose.lint.syntax import EXIT_CALLS
from diagnose.lint.values import UNKNOWN, Kind, Value, elements

MAX_DEPTH = 4
# Libraries whose handling of a function the checker models, or that run it in another process or later
# (the standard library: atexit, threading, signal, ...): handing them a function is not calling it here.
THREADS = ("threading.Thread", "threading.Timer")  # a thread's target runs in this process
MODELLED_LIBRARIES = frozenset(sys.stdlib_module_names) | {
    "tensorflow", "keras", "tf_keras", "joblib", "loky", "ray", "dask", "distributed", "pathos", "multiprocess",
    "billiard", "mpi4py", "celery", "torch", "pyspark", "horovod"}
MAX_WALKS = 400



@dataclass
class Frame:
    """Local names of one function activation (or the module)."""

    env: dict[str, Value]
    function: FunctionInfo | None = None
    global_names: set[str] = field(default_factory=set)
    returns: list[Value] = field(default_factory=list)
    worker_of: Value | None = None
    left_started: TfStart | None = None  # the TF runtime started on a path that left by return/break/continue


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round), also as one operand of an ``and``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_main_guard(value) for value in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and consts)


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _iteration_values(iterable: Value) -> list[Value]:
    """What a loop variable takes: each distinct function of a small tuple of functions (``for f in (a, b)``),
    else the container's first element, else unknown. The loop body is walked once per value."""
    items = elements(iterable)
    if 1 < len(items) <= 4 and all(i.kind is Kind.FUNCTION for i in items):
        return items
    return items[:1] or [UNKNOWN]


PROCESS_OVER_THREAD = {Kind.POOL: Kind.THREAD_POOL, Kind.EXECUTOR: Kind.THREAD_EXECUTOR}


def _merge(paths: list[dict[str, Value]]) -> dict[str, Value]:
    """Local names after exclusive paths join: a name holds what every path gave it, the first path's value
    when all paths agree on its kind, the process pool where a flag chose between processes and threads,
    and unknown otherwise (a name is not a type: ``q`` may be a queue on one path and a process on another)."""
    merged: dict[str, Value] = {}
    for name in {n for path in paths for n in path}:
        values = [path.get(name, UNKNOWN) for path in paths]
        kinds = {v.kind for v in values}
        if len(kinds) == 1:
            same = all(v.literal == values[0].literal for v in values)
            merged[name] = values[0] if same else UNKNOWN  # a number that differs by path is not known
            continue
        process = next((v for v in values if v.kind in PROCESS_OVER_THREAD), None)
        if process is not None and kinds <= {process.kind, PROCESS_OVER_THREAD[process.kind]}:
            merged[name] = process
        else:
            merged[name] = UNKNOWN
    return merged


UNBOUND = Value(Kind.UNKNOWN)  # a journal's mark for a name that had no value


def _restore(table: dict[str, Value], values: dict[str, Value]) -> None:
    """Set names of ``table`` to ``values`` (``UNBOUND``: remove the name)."""
    for key, value in values.items():
        if value is UNBOUND:
            table.pop(key, None)
        else:
            table[key] = value


def _imported_modules(stmt: ast.Import | ast.ImportFrom) -> list[str]:
    """Every module an import statement runs (``import a.b`` runs ``a`` and ``a.b``; ``from p import m``
    runs ``p`` and, when ``m`` is a submodule, ``p.m``)."""
    if isinstance(stmt, ast.Import):
        return [".".join(parts[:i]) for alias in stmt.names for parts in [alias.name.split(".")]
                for i in range(1, len(parts) + 1)]
    base = "." * stmt.level + (stmt.module or "")
    joined = f"{base}." if stmt.module else base
    return [base] * bool(stmt.module) + [joined + a.name for a in stmt.names if a.name != "*"]


def _qualified(info: FunctionInfo) -> str:
    return f"{info.class_name}.{info.name}" if info.class_name else info.name


def _is_static(func: ast.AST) -> bool:
    return any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in func.decorator_list)


class Walker(LibraryCalls):
    """Runs the abstract interpretation of one module and collects its events."""

    def __init__(self, index: ModuleIndex, default_start_method: str, keras_version: int | None,
                 tf1: bool = False, imported: bool = False) -> None:
        self.index = index
        self.home = index  # the module being checked; ``index`` is another one while its code is walked
        self.project = index.project
        self.imported = imported  # walked as ``import`` runs it: its main guard does not run
        self.default_start_method = default_start_method
        self.default_keras, self.tf1 = keras_version, tf1
        self.keras_version = index.keras_version_hint() or keras_version
        self.graph_mode = tf1 or index.graph_mode
        self.events: list[Event] = []
        self.module = Frame(env={})
        self.stack: list[Frame] = [self.module]
        self.tf_started: TfStart | None = None
        self.start_method: str | None = None
        self.import_time = True
        self.in_child = False
        self.walked: set[ast.AST] = set()
        self.active: list[ast.AST] = []
        self.walks = 0
        self.child_walked: set[tuple[int, int]] = set()
        self.journals: list[tuple[dict[str, Value], dict[str, Value]]] = []  # open branches' first writes
        self.open_branches: list[list[tuple[dict[str, Value], dict[str, Value]]]] = []  # each open if's journals
        self.home_frame = self.module
        self.site: ast.AST | None = None  # the checked module's node that led into another module's code
        self.relocated: dict[int, Origin] = {}  # event seq -> where in another module it really happened
        self.modules_run: set[str] = set()  # project modules whose import effects were applied
        self.from_top = True  # walking what the module's own top level runs (not a function others call)
        self.started_arm: dict[ast.If, int] = {}  # the branch of an ``if`` in which the TF runtime started
        self.carried: dict[ast.If, int] = {}  # in a loop's next iteration: the branch each fixed ``if`` takes
        self.conditions: list[Condition] = []  # the ``if`` branches being walked, outermost first
        self.loops: list[ast.AST] = []  # loops and comprehensions being walked, outermost first
        self.globals_read: list[tuple[str, Value]] | None = None  # a worker's reads of the parent's generators
        self.child_globals: set[str] = set()  # globals the worker being walked binds itself

    # ----- driver -------------------------------------------------------------------------
    def run(self) -> list[Event]:
        self.block(self.index.tree.body)
        if self.imported:
            return self.events
        self.import_time, self.from_top = False, False
        for cls in self.index.classes.values():
            self.walk_unused_class(cls)
        for node, info in list(self.index.all_functions.items()):
            if node not in self.walked:
                self.tf_started, self.in_child = None, False
                self.enter(info, [], {}, self_value=None, worker_of=None)
        return self.events

    def runs_as_script(self) -> bool:
        """Whether ``__name__ == "__main__"`` can hold in the code being walked: the checked module's own
        code, reached from its top level, when it is run rather than imported."""
        return self.index is self.home and self.from_top and not self.imported

    def walk_unused_class(self, cls) -> None:
        """Walk the methods nobody called on one instance: ``__init__`` first, so ``self.model`` and
        ``self.pool`` are known to the other methods, as in the object's real life."""
        pending = [m for m in cls.methods.values() if m.node not in self.walked and not _is_static(m.node)]
        if cls.keras_kind or not pending:
            return
        self.tf_started, self.in_child = None, False
        instance = Value(Kind.INSTANCE, cls.node, info=cls)
        init = cls.methods.get("__init__")
        if init is not None:
            self.enter(init, [], {}, self_value=instance, worker_of=None)
        after_init = self.tf_started
        for method in pending:
            if method is not init:
                self.tf_started = after_init  # each method starts from the state __init__ left
                self.enter(method, [], {}, self_value=instance, worker_of=None)

    def record(self, cls: type, node: ast.AST, **fields: object) -> Event:
        """Record an event; one in another module's code is recorded where the checked module led to it."""
        origin = self.origin_of(node) if self.index is not self.home else None
        event = cls(node=self.site if origin else node, seq=len(self.events), in_child=self.in_child, **fields)
        if origin is not None and self.site is None:
            return event  # nowhere in the checked module to report it
        if origin is not None:
            self.relocated[event.seq] = origin
        self.events.append(event)
        return event

    def origin_of(self, node: ast.AST) -> Origin:
        """Where a node of the module being walked is, for a report on the checked module."""
        function = self.frame.function
        return Origin(self.project.display(self.index.path or ""), getattr(node, "lineno", 1),
                      _qualified(function) if function is not None else None, self.index.path or "")

    @property
    def frame(self) -> Frame:
        return self.stack[-1]

    @property
    def effective_start_method(self) -> str:
        return self.start_method or self.default_start_method

    def start_tf(self, node: ast.AST, why: str, assumed: bool = False) -> None:
        """The TF runtime starts here, unless it already did (a measured start replaces an assumed one)."""
        self.take_tf(TfStart(node, why, assumed, self.origin_of(node) if self.index is not self.home else None,
                             tuple(self.conditions)))

    def take_tf(self, started: TfStart) -> None:
        if self.tf_started is None or self.tf_started.assumed and not started.assumed:
            self.tf_started = started

    # ----- statements -----------------------------------------------------------------------
    def block(self, body: list[ast.stmt]) -> None:
        """Walk statements in order, up to one that leaves the block (the rest never runs)."""
        for stmt in body:
            self.statement(stmt)
            if self.ends_block(stmt):
                return

    def truth(self, test: ast.expr) -> bool | None:
        """A condition's truth known without running anything: the index's constants, or a comparison of a
        name holding a number written in the code with a number (``if workers > 1:`` where every caller
        passes 1)."""
        known = self.index.truth(test)
        if known is None:
            known = self.platform_truth(test)
        if known is not None or not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return known
        sides = [self.literal_of(test.left), self.literal_of(test.comparators[0])]
        if any(side is None for side in sides):
            return None
        compare = {ast.Gt: int.__gt__, ast.GtE: int.__ge__, ast.Lt: int.__lt__, ast.LtE: int.__le__,
                   ast.Eq: int.__eq__, ast.NotEq: int.__ne__}.get(type(test.ops[0]))
        return bool(compare(int(sides[0]), int(sides[1]))) if compare else None

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
            if _is_main_guard(stmt.test) and self.frame is self.module and self.imported:
                self.block(stmt.orelse)  # imported: ``__name__`` is the module's name
            elif _is_main_guard(stmt.test) and self.frame is self.module:
                was, self.import_time = self.import_time, False
                self.block(stmt.body)
                self.import_time = was
                self.block(stmt.orelse)
            elif _is_main_guard(stmt.test) and not self.runs_as_script():
                self.block(stmt.orelse)  # a guard inside a function another module calls: ``__name__`` is not main
            elif _is_main_guard(stmt.test):  # inside a function the script's top level calls: a child importing
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
                for item in _iteration_values(iterable):
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
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def branches(self, *bodies: list[ast.stmt], choice: ast.If | None = None) -> None:
        """Walk exclusive branches each from the same state (TF runtime, local names, ``self.``
        attributes); what a branch that returns or raises did does not reach the code after the ``if``.
        A name bound to different kinds of value on different paths is unknown after it (:func:`_merge`).
        Writes are journaled (:meth:`write`), so a branch costs what it binds, not the size of the scope.
        ``choice``, the ``if`` statement, notes which branch started the TF runtime: a later iteration of a
        loop that cannot change its test takes the same branch (:meth:`loop`)."""
        before, outcomes, started = self.tf_started, [], []
        env = self.frame.env
        owner = env.get("self") if self.frame.function is not None else None
        tables = [env] + ([owner.attrs] if owner is not None and owner.kind is Kind.INSTANCE else [])
        journals: list[tuple[dict[str, Value], dict[str, Value]]] = [(table, {}) for table in tables]
        self.journals.extend(journals)
        self.open_branches.append(journals)
        paths: list[list[dict[str, Value]]] = []
        try:
            for arm, body in enumerate(bodies):
                same_path = self.carried.get(choice, arm) == arm  # type: ignore[arg-type]
                self.tf_started = before if same_path else None
                for table, journal in journals:  # back to the state before the if
                    _restore(table, journal)
                if choice is not None:
                    self.conditions.append(Condition(choice.test, arm == 0))
                try:
                    self.block(body)
                finally:
                    if choice is not None:
                        self.conditions.pop()
                if choice is not None and before is None and self.tf_started is not None:
                    self.started_arm.setdefault(choice, arm)
                last = body[-1] if body else None
                if last is None or not self.ends_block(last):
                    outcomes.append(self.tf_started)
                    paths.append([{k: table.get(k, UNBOUND) for k in journal} for table, journal in journals])
                elif isinstance(last, (ast.Return, ast.Break, ast.Continue)) and self.tf_started is not before:
                    self.frame.left_started = self.frame.left_started or self.tf_started  # it reaches the exit
                if last is None or not isinstance(last, ast.Raise):
                    started.append(self.tf_started)
        finally:
            self.open_branches.pop()
            self.journals = [entry for entry in self.journals if all(entry is not mine for mine in journals)]
        self.tf_started = next((t for t in outcomes if t is not None), None) if outcomes else before
        if choice is not None and before is None and started and None not in started:  # every way on started it
            self.tf_started, self.frame.left_started = (
                _unconditional(t, choice) for t in (self.tf_started, self.frame.left_started))
        for index, (table, journal) in enumerate(journals):  # a table journaled from a later arm on: the
            ends = [{k: path[index].get(k, old) if index < len(path) else old  # earlier arms left it alone
                     for k, old in journal.items()} for path in paths]
            _restore(table, _merge(ends) if ends else journal)

    def write(self, table: dict[str, Value], key: str, value: Value, anywhere: bool = False) -> None:
        """``table[key] = value``, noting the old value for every open branch that journals ``table``.
        ``anywhere``: a table no branch journals yet (an argparse namespace's attributes) is journaled by
        every open branch from now on."""
        if anywhere:
            for journals in self.open_branches:
                if not any(journaled is table for journaled, _ in journals):
                    journals.append((table, {}))
                    self.journals.append(journals[-1])
        for journaled, journal in self.journals:
            if journaled is table and key not in journal:
                journal[key] = table.get(key, UNBOUND)
        table[key] = value

    def leave_block(self, frame: Frame) -> None:
        """After a function or loop: the runtime a path leaving it early started is started after it."""
        if self.tf_started is None and frame.left_started is not None:
            self.tf_started = frame.left_started

    def loop(self, stmt: ast.stmt, walk_body: Callable[[], None]) -> None:
        """Walk a loop body; again if it started the TF runtime, since the next iteration starts after it.
        Where the runtime started in one branch of an ``if`` whose test the loop never changes (``if
        args.debug:``), the next iteration takes that branch again: the other branches stay before it."""
        before = self.tf_started
        choices = [node for node in own_nodes(stmt) if isinstance(node, ast.If)]
        for choice in choices:
            self.started_arm.pop(choice, None)
        self.loops.append(stmt)
        try:
            walk_body()
            if before is None and self.tf_started is not None:
                fixed = {c: self.started_arm[c] for c in choices if c in self.started_arm and _invariant(c.test, stmt)}
                saved, self.carried = self.carried, {**self.carried, **fixed}
                try:
                    walk_body()
                finally:
                    self.carried = saved
        finally:
            self.loops.pop()
        self.leave_block(self.frame)

    def forks_now(self, process: Value) -> None:
        """``Process.start()``, an executor's first task, or any task of a pool that replaces its workers
        (``maxtasksperchild``): the moment a fork really happens."""
        if process.started and not process.reforks or self.in_child:
            return
        process.started = True
        if self.tf_started is None:
            return
        spawn = next((e for e in reversed(self.events) if isinstance(e, Spawn) and e.value is process), None)
        if spawn is not None and spawn.tf_started is None:
            spawn.tf_started = self.tf_started

    # ----- names ----------------------------------------------------------------------------
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

    # ----- expressions ----------------------------------------------------------------------
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
        if isinstance(node, ast.IfExp) and self.index.truth(node.test) is not None:
            return self.expr(node.body if self.index.truth(node.test) else node.orelse)
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
        for child in ast.iter_child_nodes(node):
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
            for item in _iteration_values(self.expr(gen.iter)):
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
            return self.read_global(f"{_path(node.value)}.{node.attr}", value)
        if base.kind in (Kind.INSTANCE, Kind.DATASET, Kind.PROCESS, Kind.NAMESPACE):
            if node.attr in base.attrs:
                return base.attrs[node.attr]
            method = base.info.methods.get(node.attr) if base.info else None
            if method is not None:
                return Value(Kind.METHOD, node, base=base, attr=node.attr, info=method)
        return Value(Kind.METHOD, node, base=base, attr=node.attr)

    # ----- calls ------------------------------------------------------------------------------
    def call(self, node: ast.Call, discarded: bool = False) -> Value:
        callee = self.expr(node.func)
        args = [self.expr(a) for a in node.args]
        kwargs = {kw.arg: self.expr(kw.value) for kw in node.keywords if kw.arg}
        for kw in node.keywords:
            if kw.arg is None:
                self.expr(kw.value)
        if self.index is self.home:
            self.site = node
        if callee.kind is Kind.REF:
            if _hands_callbacks(callee.qualname or ""):
                self.run_callbacks([*args, *kwargs.values()])
            elif callee.qualname in THREADS and "target" in kwargs:  # runs in this process, from its start
                handed = kwargs.get("args")
                self.run_callbacks([kwargs["target"]], elements(handed) if handed is not None else [])
            return self.call_ref(node, callee.qualname or "", args, kwargs)
        if callee.kind is Kind.METHOD:
            return self.call_method(node, callee, args, kwargs, discarded)
        if callee.kind is Kind.FUNCTION and callee.info is not None:
            if callee.info.is_generator:
                return Value(Kind.GENERATOR, node)
            return self.enter(callee.info, args, kwargs, self_value=None, worker_of=None)
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

    def run_callbacks(self, handed: list[Value], args: list[Value] | None = None) -> None:
        """The project's functions and methods handed to another library's function (``fmin(self.objective)``,
        ``scheduler.add_job(train)``) or run by a thread of this process: they run at the earliest now, in
        the state the parent is in here (the TF runtime only ever starts, never stops)."""
        for value in handed:
            if value.kind is Kind.LAMBDA and isinstance(value.node, ast.Lambda) and value.node not in self.walked:
                self.walked.add(value.node)  # ``Thread(target=lambda: worker.run())``: its body runs then
                self.expr(value.node.body)
                continue
            info = value.info if value.kind in (Kind.FUNCTION, Kind.METHOD) else None
            if isinstance(info, FunctionInfo) and info.node not in self.walked and not info.is_generator:
                base = value.base if value.kind is Kind.METHOD else None
                self.enter(info, args or [], {}, self_value=base, worker_of=None)

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
        init = info.methods.get("__init__")
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
        reseeds = any(isinstance(n, ast.Call) and (_path(n.func) or "").endswith("random.seed") for n in ast.walk(enqueuer.node))
        made = node.args[0] if node.args else None
        if not reseeds or not isinstance(made, ast.Call) or _path(made.func) is None:
            return False
        source = self.expr(made.func)  # a name or ``module.name``: looking it up again runs nothing
        body = source.info.node if source.kind is Kind.FUNCTION and isinstance(source.info, FunctionInfo) else None
        return body is not None and any(isinstance(n, ast.Call) and ".random." in f".{_path(n.func)}"
                                        for n in ast.walk(body))

    def _dataset_uses_processes(self, node: ast.Call, info) -> bool:
        calls = [node]
        init = info.methods.get("__init__")
        if init is not None:
            calls += [n for n in ast.walk(init.node) if isinstance(n, ast.Call)
                      and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__"]
        return any(kw.arg == "use_multiprocessing" and const(kw.value) is True for c in calls for kw in c.keywords)

    def enter(self, info: FunctionInfo, args: list[Value], kwargs: dict[str, Value], self_value: Value | None,
              worker_of: Value | None) -> Value:
        """Walk a function's body with its parameters bound; returns what it returns. A function of another
        module of the project is walked with that module's names (its imports, its summary's globals)."""
        owner = info.owner
        if owner is None or owner is self.index or self.project is None:
            return self.walk_function(info, args, kwargs, self_value, worker_of)
        if not owner.is_relevant(info):
            return UNKNOWN  # it touches nothing the rules know: walking it cannot make a finding
        saved = (self.index, self.module, self.graph_mode, self.keras_version)
        self.module = self.home_frame if owner is self.home else Frame(env=dict(self.summary_of_index(owner).env))
        self.index, self.graph_mode = owner, self.tf1 or owner.graph_mode
        self.keras_version = owner.keras_hint or self.default_keras
        try:
            returned = self.walk_function(info, args, kwargs, self_value, worker_of)
        finally:
            self.index, self.module, self.graph_mode, self.keras_version = saved
        if owner is not self.home and returned.origin is None and returned.kind is not Kind.UNKNOWN \
                and id(returned.node) in owner.node_ids:
            returned.origin = Origin(self.project.display(owner.path or ""), returned.node.lineno,  # type: ignore[union-attr]
                                     _qualified(info), owner.path or "")
        return returned

    def walk_function(self, info: FunctionInfo, args: list[Value], kwargs: dict[str, Value],
                      self_value: Value | None, worker_of: Value | None) -> Value:
        if info.node in self.active or len(self.active) >= MAX_DEPTH or self.walks >= MAX_WALKS:
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
        saved = (self.tf_started, self.in_child, self.start_method, self.import_time)
        self.tf_started, self.in_child, self.import_time = None, True, False
        try:
            self_value = func.base if func.kind is Kind.METHOD else None
            self.enter(info, args, keywords or {}, self_value=self_value, worker_of=boundary)
        finally:
            self.tf_started, self.in_child, self.start_method, self.import_time = saved

    # ----- other modules of the project --------------------------------------------------------
    def imported_value(self, qualname: str, node: ast.AST | None = None) -> Value:
        """What an imported name holds: a function, class or global of a project module (followed through
        re-exports), else a reference to a library name."""
        member = self.project.member(qualname, self.index.path) if self.project is not None else None
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


def walk_module(index: ModuleIndex, default_start_method: str, keras_version: int | None,
                tf1: bool = False, interactive: bool = False) -> tuple[list[Event], Walker]:
    """Run the walker over a module; returns its events and the walker (for its final state).

    ``interactive``: the code runs as ``__main__`` and is never imported (a notebook's cells), so its
    top level is not import time."""
    walker = Walker(index, default_start_method, keras_version, tf1)
    walker.import_time = not interactive
    return walker.run(), walker


def _strings(node: ast.expr) -> tuple[str, ...] | None:
    """The strings of a literal tuple, list or set of strings."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(isinstance(const(e), str) for e in node.elts):
        return tuple(const(e) for e in node.elts)  # type: ignore[misc]
    return None


def _unconditional(started: TfStart | None, choice: ast.If) -> TfStart | None:
    """A runtime start without the condition of an ``if`` each of whose ways started it."""
    if started is None:
        return None
    return replace(started, conditions=tuple(c for c in started.conditions if c.test is not choice.test))


def _hands_callbacks(qualname: str) -> bool:
    """Whether a call of this imported name is another library's that calls the functions handed to it in
    this process: not the standard library, TF/Keras, or a library that runs them in other processes."""
    root = qualname.split(".")[0]
    return "." in qualname and root not in MODELLED_LIBRARIES


def _invariant(test: ast.expr, loop: ast.stmt) -> bool:
    """Whether a loop cannot change ``test``: it calls nothing, and the loop (its target included) binds
    none of the names or attributes it reads (``args.seed = ...`` leaves ``if args.debug:`` alone)."""
    parts = list(ast.walk(test))
    if any(isinstance(node, (ast.Call, ast.Await, ast.NamedExpr)) for node in parts):
        return False
    paths = {_path(node) for node in parts if isinstance(node, (ast.Name, ast.Attribute))} - {None}
    read = {p for p in paths if not any(other.startswith(p + ".") for other in paths)}  # whole chains only
    for node in own_nodes(loop):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            written = _path(_root(node) if isinstance(node, ast.Subscript) else node)
            if written is None or any(_overlap(written, name) for name in read):
                return False
    return True


def _path(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name; None for anything else (``f().x``, ``a[0].x``)."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(names)]) if isinstance(node, ast.Name) else None


def _overlap(a: str, b: str) -> bool:
    """Whether one dotted path is the other or contains it (``args`` and ``args.debug``)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _root(node: ast.expr) -> ast.expr:
    """``a`` of ``a.b[c].d``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node

