"""A one-pass index of a module: its imports, functions and classes, and what each of them is."""

from __future__ import annotations

import ast
import re
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from diagnose.lint.keras_signals import is_tf1_only, keras_path_version
from diagnose.lint.names import (
    canonical_module,
    collect_imports,
    dotted,
    is_tf_name,
    keras_member,
    resolve,
)
from diagnose.lint.nodes import all_nodes, own_nodes
from diagnose.lint.tf_runtime import tf_call_effect

if TYPE_CHECKING:
    from diagnose.lint.project import Project

Function = ast.FunctionDef | ast.AsyncFunctionDef
KERAS_MODEL_BASES = {"Model", "models.Model", "Sequential", "models.Sequential"}
KERAS_DATASET_BASES = {"utils.Sequence", "utils.PyDataset", "Sequence", "PyDataset", "utils.data_utils.Sequence"}
# Method names whose call on anything means "this code runs a Keras/TF model".
MANAGER_BASES = {"multiprocessing.managers.BaseManager", "multiprocessing.managers.SyncManager"}
# A receiver of predict/fit named like this is taken for a Keras model (``est.predict`` is not).
MODEL_NAME = re.compile(r"model|net|keras|predictor|classifier|regressor|autoencoder|encoder|decoder", re.IGNORECASE)
GRAPH_MODE_MARKERS = {"disable_eager_execution", "disable_v2_behavior", "placeholder", "Session", "InteractiveSession"}
# Names whose use makes a function worth walking from another module (the libraries the rules model).
RELEVANT_ROOTS = {"multiprocessing", "concurrent", "joblib", "tensorflow", "keras", "tf_keras"}
MODEL_METHODS = {"predict", "predict_on_batch", "predict_generator", "fit", "fit_generator",
                 "evaluate", "evaluate_generator", "train_on_batch", "test_on_batch"}


def _no_module() -> ModuleIndex | None:
    return None


class _HeldByModule:
    """A record its module holds: it holds the module weakly (no reference cycle, so a checked file's tree is
    freed as soon as its check is done)."""

    owner_ref: Callable[[], ModuleIndex | None]

    @property
    def owner(self) -> ModuleIndex | None:
        """The module defining it."""
        return self.owner_ref()


@dataclass
class FunctionInfo(_HeldByModule):
    """A function (or method) defined in the module."""

    node: Function
    nested: bool  # defined inside another function: cannot be pickled by reference
    class_name: str | None
    owner_ref: Callable[[], ModuleIndex | None] = field(default=_no_module, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.node.name

    @cached_property
    def params(self) -> list[str]:
        args = self.node.args
        return [a.arg for a in (*args.posonlyargs, *args.args)]

    @cached_property
    def literal_defaults(self) -> dict[str, ast.Constant]:
        """Parameters whose default is a literal number or bool (``parallel=False``, ``nenv=1``)."""
        args = self.node.args
        positional = [*args.posonlyargs, *args.args]
        pairs = zip(positional[len(positional) - len(args.defaults):], args.defaults)
        return {a.arg: d for a, d in pairs if isinstance(d, ast.Constant) and type(d.value) in (int, bool)}

    @cached_property
    def rebound(self) -> frozenset[str]:
        """Names its body changes where the walk's value may not follow: ``x += 1``, or an assignment in a loop
        (a later iteration sees it). A parameter among them may not hold what the caller passed."""
        nodes = own_nodes(self.node)
        loops = [n for n in nodes if isinstance(n, (ast.For, ast.AsyncFor, ast.While))]
        in_loops = [n for loop in loops for n in own_nodes(loop)]
        return frozenset([n.target.id for n in nodes if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)]
                         + [n.id for n in in_loops if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)]
                         + [n.target.id for n in loops if isinstance(n, (ast.For, ast.AsyncFor))
                            and isinstance(n.target, ast.Name)])

    @cached_property
    def is_generator(self) -> bool:
        return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(self.node))


@dataclass
class ClassInfo(_HeldByModule):
    """A class defined in the module, with what its bases make it (Keras model, Sequence, PyDataset)."""

    node: ast.ClassDef
    local: bool
    keras_kind: str | None = None  # "model" or "dataset"
    keras_version: int | None = None
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    owner_ref: Callable[[], ModuleIndex | None] = field(default=_no_module, repr=False, compare=False)


def _definitions(body: list[ast.stmt]):
    """Function and class definitions in a block, looking into if/for/while/try/with but not into defs."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield stmt
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                inner = [b for b in block if isinstance(b, ast.stmt)]
                inner += [s for h in block if isinstance(h, (ast.ExceptHandler, ast.match_case)) for s in h.body]
                yield from _definitions(inner)


def _receiver_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _module_level_statements(body: list[ast.stmt]):
    """Statements that run at import time: the module body, looking into if/try/with blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If) and dotted(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            yield from _module_level_statements(stmt.orelse)  # the body runs only under a type checker
            continue
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                yield from _module_level_statements(getattr(stmt, name, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                yield from _module_level_statements(handler.body)


class ModuleIndex:
    """Imports, functions and classes of one module, and questions answered from them alone."""

    def __init__(self, tree: ast.Module, path: str | None = None, project: Project | None = None) -> None:
        self.tree = tree
        self.path = path
        self.project = project  # the modules its imports may name (whole-project analysis), if any
        self.by_type: dict[type, list[ast.AST]] = defaultdict(list)
        for node in all_nodes(tree):
            self.by_type[type(node)].append(node)
        self.imports = collect_imports([*self.by_type[ast.Import], *self.by_type[ast.ImportFrom]])
        self.functions: dict[str, FunctionInfo] = {}  # module-level functions by name
        self.all_functions: dict[ast.AST, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self._collect(tree.body, nested=False, class_name=None)
        for info in self.classes.values():
            self._classify(info, set())
        self._reach_cache: dict[ast.AST, bool] = {}
        self._relevant: dict[ast.AST, bool] = {}
        self._model_attrs: dict[str, frozenset[str]] = {}
        self.module_constants: dict[str, ast.expr] = {  # NAME = <expr> at module level (the last one wins)
            stmt.targets[0].id: stmt.value for stmt in tree.body
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)}

    def is_relevant(self, info: FunctionInfo, depth: int = 0) -> bool:
        """Whether walking a function (a method: its class) can record a fact: it names multiprocessing,
        concurrent.futures, joblib, queue, TF or Keras, calls a Keras run method, or calls a function (here or
        in a project module that matters) that is relevant, or creates an object of a relevant class of this
        module. A method is judged with its class; decided once per function or class."""
        cls = self.classes.get(info.class_name) if info.class_name else None
        if cls is not None:
            return self._class_relevant(cls, depth)
        return self._nodes_relevant(info.node, depth, lambda: own_nodes(info.node))

    def _class_relevant(self, cls: ClassInfo, depth: int) -> bool:
        """A class is relevant as a whole: its methods, and its bases (what a ``Process`` subclass's
        ``__init__`` keeps goes to the child; a base class of this module is judged as a class)."""
        return self._nodes_relevant(cls.node, depth, lambda: [
            *(n for m in cls.methods.values() for n in own_nodes(m.node)),
            *(n for base in cls.node.bases for n in ast.walk(base))])

    def _nodes_relevant(self, key: ast.AST, depth: int, nodes_of: Callable[[], list[ast.AST]]) -> bool:
        """Whether the nodes of a function or class name something relevant; decided once per key."""
        if key not in self._relevant:
            self._relevant[key] = False  # recursion: no
            nodes = nodes_of()
            called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
            self._relevant[key] = any(self._relevant_node(node, depth) for node in nodes) or any(
                self._names_generator(node) for node in nodes
                if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in called)
        return self._relevant[key]

    def _names_generator(self, node: ast.Name | ast.Attribute) -> bool:
        """Whether a name (or ``module.name``) not called here is a generator function of the project: a
        helper that picks the generator functions its caller will call (``return ld3D.generate_batches``)."""
        if isinstance(node, ast.Name):
            if node.id in self.functions:
                return self.functions[node.id].is_generator
            qualname = self.imports.get(node.id)
        else:
            base = self.imports.get(node.value.id) if isinstance(node.value, ast.Name) else None
            qualname = f"{base}.{node.attr}" if base else None
        if qualname is None or self.project is None or qualname.split(".")[0] in RELEVANT_ROOTS:
            return False
        located = self.project.locate(qualname, self.path)
        return located is not None and len(located[1]) == 1 \
            and self.project.defines_generator(located[0], located[1][0])

    def _relevant_node(self, node: ast.AST, depth: int) -> bool:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MODEL_METHODS:
            return True
        if isinstance(node, ast.keyword) and node.arg in ("use_multiprocessing", "workers"):
            return True
        if not isinstance(node, ast.Name):
            return False  # an attribute chain is judged by the name it starts from
        qualname = self.imports.get(node.id)
        if qualname is None:
            if node.id in self.classes:  # creating an object of a class of this module runs its __init__, ...
                return depth < 3 and self._class_relevant(self.classes[node.id], depth + 1)
            callee = self.functions.get(node.id)
            # a generator made here may be what the caller hands to Keras's workers or to a process
            return callee is not None and (callee.is_generator or depth < 3 and self.is_relevant(callee, depth + 1))
        qualname = canonical_module(qualname)
        if qualname.split(".")[0] in RELEVANT_ROOTS:
            return True
        if self.project is None:
            return False
        located = self.project.locate(qualname, self.path)
        return located is not None and located[0] != self.path and self.project.mentions_libraries(located[0])

    @cached_property
    def keras_hint(self) -> int | None:
        """:meth:`keras_version_hint`, computed once."""
        return self.keras_version_hint()

    @cached_property
    def runs_as_main(self) -> bool:
        """Whether the module mentions ``"__main__"`` (a main guard: it may be an entry script)."""
        return any(node.value == "__main__" for node in self.by_type[ast.Constant])

    @cached_property
    def node_ids(self) -> frozenset[int]:
        """Identities of this module's nodes (is a value made here, or handed in?)."""
        return frozenset(id(node) for nodes in self.by_type.values() for node in nodes)

    @cached_property
    def star_imports(self) -> list[str]:
        """Modules this one star-imports (``from M import *``; ``.M`` when relative), in order."""
        return [("." * node.level) + (node.module or "") for node in self.by_type[ast.ImportFrom]
                if any(alias.name == "*" for alias in node.names)]

    @cached_property
    def assigned_names(self) -> frozenset[str]:
        """Names bound at module level by assignments (also in if/try blocks, tuple targets, annotations)."""
        out = set()
        for stmt in _module_level_statements(self.tree.body):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else []
            for target in targets:
                out.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        return frozenset(out)

    @cached_property
    def constant_flags(self) -> dict[str, object]:
        """Module names bound once, at module level, to a literal, and never rebound anywhere
        (``RUN_DEMO = False``): their value is known wherever they are read."""
        stores: dict[str, int] = defaultdict(int)
        for node in self.by_type[ast.Name]:
            if not isinstance(node.ctx, ast.Load):
                stores[node.id] += 1
        for node in self.by_type[ast.Global]:
            for name in node.names:
                stores[name] += 1
        return {name: value.value for name, value in self.module_constants.items()
                if isinstance(value, ast.Constant) and stores[name] == 1}

    def truth(self, test: ast.expr) -> bool | None:
        """The truth of a condition known without running anything (``if False:``, ``if 0:``, a constant
        flag, ``not``/``and``/``or`` of those), else None."""
        if isinstance(test, ast.Constant):
            return bool(test.value)
        if isinstance(test, ast.Name) and test.id in self.constant_flags:
            return bool(self.constant_flags[test.id])
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            values = [self.truth(v) for v in test.values]
            decisive = False if isinstance(test.op, ast.And) else True
            if decisive in values:
                return decisive
            return (not decisive) if all(v is not None for v in values) else None
        return None

    def _collect(self, body: list[ast.stmt], nested: bool, class_name: str | None,
                 global_names: frozenset[str] = frozenset()) -> None:
        """``global_names``: what the enclosing function declares ``global``; a function defined under such a
        name is a module-level function once defined (its ``__qualname__`` is its name: it pickles)."""
        for node in _definitions(body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info = FunctionInfo(node, nested and node.name not in global_names, class_name,
                                    owner_ref=weakref.ref(self))
                self.all_functions[node] = info
                if class_name is not None:
                    self.classes[class_name].methods[node.name] = info
                elif not nested:
                    self.functions[node.name] = info
                declared = frozenset(name for stmt in own_nodes(node) if isinstance(stmt, ast.Global)
                                     for name in stmt.names) if self.by_type.get(ast.Global) else frozenset()
                self._collect(node.body, nested=True, class_name=None, global_names=declared)
            elif not nested and class_name is None:
                self.classes[node.name] = ClassInfo(node, local=False, owner_ref=weakref.ref(self))
                self._collect(node.body, nested=False, class_name=node.name)
            else:
                self.classes.setdefault(node.name, ClassInfo(node, local=True, owner_ref=weakref.ref(self)))
                self._collect(node.body, nested=True, class_name=None)

    def _classify(self, info: ClassInfo, seen: set[str]) -> None:
        """Decide whether a class is a Keras model or dataset, following bases defined here."""
        if info.keras_kind or info.node.name in seen:
            return
        seen.add(info.node.name)
        for base in info.node.bases:
            member = keras_member(resolve(base, self.imports))
            if member is not None:
                path, version = member
                if path in KERAS_MODEL_BASES:
                    info.keras_kind, info.keras_version = "model", version
                elif path in KERAS_DATASET_BASES:
                    info.keras_kind, info.keras_version = "dataset", version
            elif isinstance(base, ast.Name) and base.id in self.classes:
                parent = self.classes[base.id]
                self._classify(parent, seen)
                if parent.keras_kind:
                    info.keras_kind, info.keras_version = parent.keras_kind, parent.keras_version
            else:
                parent = self._project_class(base)
                if parent is not None and parent.owner is not None:
                    parent.owner._classify(parent, set())
                    if parent.keras_kind:
                        info.keras_kind, info.keras_version = parent.keras_kind, parent.keras_version

    def _project_class(self, base: ast.expr) -> ClassInfo | None:
        """A base class defined in another module of the project."""
        qualname = resolve(base, self.imports) if self.project is not None else None
        member = self.project.member(qualname, self.path) if qualname else None  # type: ignore[union-attr]
        return member.cls if member is not None else None

    def _derives_from(self, info: ClassInfo, names: set[str], depth: int = 0) -> bool:
        """Whether a class derives from one of the library classes ``names``, through bases defined here or
        in other modules of the project."""
        for base in info.node.bases:
            if resolve(base, self.imports) in names:
                return True
            if depth >= 5:
                continue
            parent = self.classes.get(base.id) if isinstance(base, ast.Name) else None
            parent = parent if parent is not None and parent is not info else self._project_class(base)
            if parent is not None and parent.owner is not None and parent.owner._derives_from(parent, names, depth + 1):
                return True
        return False

    def method_of(self, info: ClassInfo, name: str, depth: int = 0) -> FunctionInfo | None:
        """A class's method ``name``: its own, else the first one its bases (defined here or in other modules of
        the project, depth first as Python's MRO for single inheritance) define."""
        if name in info.methods:
            return info.methods[name]
        if depth >= 5:
            return None
        for base in info.node.bases:
            parent = self.classes.get(base.id) if isinstance(base, ast.Name) else None
            parent = parent if parent is not None and parent is not info else self._project_class(base)
            found = parent.owner.method_of(parent, name, depth + 1) \
                if parent is not None and parent is not info and parent.owner is not None else None
            if found is not None:
                return found
        return None

    def is_process_class(self, info: ClassInfo) -> bool:
        """A subclass of ``multiprocessing.Process``: creating one creates a process running its ``run``."""
        return self._derives_from(info, {"multiprocessing.Process"})

    def is_manager_class(self, info: ClassInfo) -> bool:
        """A subclass of ``multiprocessing.managers.BaseManager``: starting it forks a server process."""
        return self._derives_from(info, MANAGER_BASES)

    def manager_registrations(self, class_name: str) -> list[ast.Call]:
        """``Manager.register("Name", callable)`` calls: what the manager's server process runs."""
        return self._registrations.get(class_name, [])

    @cached_property
    def _registrations(self) -> dict[str, list[ast.Call]]:
        """Every ``X.register("Name", callable)`` call of the module, by ``X`` (read once)."""
        out: dict[str, list[ast.Call]] = defaultdict(list)
        for c in self.by_type[ast.Call]:
            if isinstance(c.func, ast.Attribute) and c.func.attr == "register" and isinstance(c.func.value, ast.Name) \
                    and (len(c.args) > 1 or any(k.arg == "callable" for k in c.keywords)):
                out[c.func.value.id].append(c)
        return out

    def imports_tf(self) -> bool:
        """Whether the module imports TensorFlow or Keras anywhere."""
        return any(is_tf_name(name) for name in self.imports.values())

    def imports_tf_at_module_level(self) -> bool:
        """Whether the parent imports TF just by importing this module (not inside a function)."""
        top = [n for n in _module_level_statements(self.tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))]
        return any(is_tf_name(name) for name in collect_imports(top).values())

    def keras_version_hint(self) -> int | None:
        """What the module's own code says: 2 when its only Keras is tf_keras, it imports a name Keras 3
        lacks or a TF1 name, or it sets TF_USE_LEGACY_KERAS=1 (then ``tf.keras`` is tf_keras); 3 when it
        imports a name only Keras 3 has; else None."""
        versions = {keras_member(name)[1] for name in self.imports.values() if keras_member(name)}
        if versions == {2} or self._sets_legacy_keras() or self.uses_tf1_names:
            return 2
        told = {keras_path_version(keras_member(name)[0], name.startswith("tensorflow.keras."))
                for name in self.imports.values() if keras_member(name)}
        told.discard(None)
        return told.pop() if len(told) == 1 else None

    @cached_property
    def uses_tf1_names(self) -> bool:
        """Whether the module uses TF1 names that TF 2 lacks (``tf.Session``, ``tf.placeholder``), outside
        ``tf.compat.v1``: it runs on TensorFlow 1."""
        if not self.imports_tf():
            return False
        return any(is_tf1_only(qualname[len("tensorflow."):]) for qualname in self._tf_references
                   if qualname.startswith("tensorflow."))

    @cached_property
    def graph_mode(self) -> bool:
        """TF1-style graph code: TF1 names, ``tf.compat.v1.disable_eager_execution()`` /
        ``disable_v2_behavior()``, or ``tf.compat.v1.placeholder`` / ``Session``. There, TF calls build a
        graph; the runtime starts with a Session."""
        if not self.imports_tf():
            return False
        return self.uses_tf1_names or any(
            qualname.startswith("tensorflow.compat.v1.") and qualname.rsplit(".", 1)[-1] in GRAPH_MODE_MARKERS
            for qualname in self._tf_references)

    @cached_property
    def _tf_references(self) -> set[str]:
        """Canonical names of every TF attribute chain the module mentions."""
        out = set()
        for node in self.by_type[ast.Attribute]:
            qualname = resolve(node, self.imports)
            if qualname and qualname.startswith("tensorflow."):
                out.add(qualname)
        return out | {q for q in self.imports.values() if q.startswith("tensorflow.")}

    def _sets_legacy_keras(self) -> bool:
        """``os.environ["TF_USE_LEGACY_KERAS"] = "1"`` (or ``setdefault``/``putenv``) anywhere."""
        for node in self.by_type[ast.Call] + self.by_type[ast.Assign]:
            if isinstance(node, ast.Assign):
                target, value = node.targets[0], node.value
                key = target.slice if isinstance(target, ast.Subscript) else None
            elif isinstance(node.func, ast.Attribute) and node.func.attr in ("setdefault", "putenv") \
                    and len(node.args) == 2:
                key, value = node.args
            else:
                continue
            if isinstance(key, ast.Constant) and key.value == "TF_USE_LEGACY_KERAS" \
                    and isinstance(value, ast.Constant) and str(value.value).lower() in ("1", "true"):
                return True
        return False

    def function_for(self, node: ast.AST) -> FunctionInfo | None:
        """The module-level function a name refers to: defined here, or in another module of the project."""
        if isinstance(node, ast.Name) and node.id in self.functions:
            return self.functions[node.id]
        if self.project is None:
            return None
        qualname = resolve(node, self.imports)
        member = self.project.member(qualname, self.path) if qualname else None
        return member.function if member is not None else None

    def reaches_tf(self, func: ast.AST, model_globals: frozenset[str] = frozenset(),
                   model_attrs: frozenset[str] = frozenset(), depth: int = 0) -> bool:
        """Whether a function's body runs TF/Keras: a TF/Keras call not measured pure (``tf_runtime``), a model
        method, a global or a ``self.`` attribute holding a model, or a call to another function that does."""
        info = self.all_functions.get(func)
        owner = self.project.owners.get(func) if info is None and self.project is not None else None
        if owner is not None and owner is not self:  # a function of another module: judged by its own imports
            return owner.reaches_tf(func, frozenset(), model_attrs, depth)
        if info is not None and info.class_name:
            model_attrs = model_attrs | self.model_attributes(info.class_name)
        key = func
        if key in self._reach_cache and not model_globals and not model_attrs:
            return self._reach_cache[key]
        found = False
        for node in own_nodes(func):
            if isinstance(node, ast.Call) and is_tf_name(called := resolve(node.func, self.imports)):
                found = tf_call_effect(called or "") != "pure"  # writing a TFRecord or a proto runs no TF
            elif isinstance(node, ast.Name) and node.id in model_globals:
                found = True
            elif isinstance(node, ast.Attribute) and node.attr in model_attrs and isinstance(node.value, ast.Name) \
                    and node.value.id == "self":
                found = True
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MODEL_METHODS:
                found = MODEL_NAME.search(_receiver_name(node.func.value)) is not None
            elif isinstance(node, ast.Call) and depth < 3:
                callee = self.function_for(node.func)
                if callee is not None and callee.node is not func:
                    found = self.reaches_tf(callee.node, model_globals, frozenset(), depth + 1)
            if found:
                break
        if not model_globals and not model_attrs:
            self._reach_cache[key] = found
        return found

    def model_attributes(self, class_name: str) -> frozenset[str]:
        """``self.X`` attributes a class's methods assign from a TF/Keras call (``self.model = load_model(p)``)."""
        if class_name not in self._model_attrs:
            self._model_attrs[class_name] = self._assigned_from_tf(class_name)
        return self._model_attrs[class_name]

    def _assigned_from_tf(self, class_name: str) -> frozenset[str]:
        info = self.classes.get(class_name)
        if info is None:
            return frozenset()
        return frozenset(
            target.attr for method in info.methods.values() for node in own_nodes(method.node)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and is_tf_name(resolve(node.value.func, self.imports))
            for target in node.targets
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self")
