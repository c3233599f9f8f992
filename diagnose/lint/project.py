"""The project a checked file belongs to: which of its imports name the project's own modules, and those
modules parsed and indexed (once per process, keyed by their stat).

Import resolution follows Python's: a script's own directory (when it is not a package), then the package
roots (the ``src`` setting; by default the project root and ``src/``); packages (``__init__.py``), relative
imports, ``__init__`` re-exports, star imports (``__all__`` honoured). Names of the libraries the checker
models itself (TensorFlow, Keras, multiprocessing, ...) are never looked up in the project.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from diagnose.lint.index import ClassInfo, FunctionInfo, ModuleIndex
from diagnose.lint.names import STAR_EXPORTS, TF_ROOTS

# Top-level names resolved by the checker's own tables, never as project modules.
MODELLED_ROOTS = {*TF_ROOTS, "multiprocessing", "multiprocess", "concurrent", "queue", "functools", "itertools",
                  "os", "joblib", "billiard", "torch", "pathos", "numpy", "sys", "typing", "__future__"}
MAX_MODULE_BYTES = 2_000_000
PROCESS_WORDS = re.compile(rb"\b(?:Pool|Process|ProcessPoolExecutor|Manager|Parallel)\(|BaseManager|use_multiprocessing"
                           rb"|os\.fork\(|Enqueuer\(")
LIBRARY_IMPORT = re.compile(rb"^[ \t]*(?:import|from)[ \t]+(?:multiprocess|concurrent\.futures|concurrent[ \t]+import"
                            rb"|joblib|tensorflow|keras|tf_keras|billiard|pathos|torch\.multiprocessing)", re.MULTILINE)
# One of these is in every line LIBRARY_IMPORT matches (found at memchr speed; then only lines holding ``import`` are
# tried, not every line start)
LIBRARY_WORDS = (b"multiprocess", b"concurrent", b"joblib", b"tensorflow", b"keras", b"billiard", b"pathos")
# Code that runs at import time: ``main()``, ``Server().main()`` at column 0, or a module-level loop, ``if``
# (not the main guard) or ``with`` block; led by the newline (a literal first is found at memchr speed)
IMPORT_TIME_CODE = re.compile(rb"\n(?:[A-Za-z_][\w.]*(?:\(\)[\w.]*)?\(|(?:for|while|with)\b|if(?![ \t]+__name__))")
TOP_LEVEL_DEF = re.compile(rb"^(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)
TOP_LEVEL_STATEMENT = re.compile(rb"^[^\s#)\]]", re.MULTILINE)
YIELD = re.compile(rb"\byield\b")
MAX_HOPS = 3  # how many imports away a module's facts are followed
IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+([\w., \t(]+)|import[ \t]+([\w., \t]+))",
                         re.MULTILINE)
STAR_IMPORT = re.compile(rb"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*\*", re.MULTILINE)
STAR_ANYWHERE = re.compile(rb"import[ \t]*\*")  # in every star import (found from its literal at memchr speed)
MAX_STAR_HOPS = 3  # ``from a import *`` of a module that star-imports another, ...
START_METHOD_CALL = re.compile(rb"set_start_method\(\s*(?:method\s*=\s*)?[\"'](\w+)[\"']")


@dataclass
class Module:
    """One module of the project, parsed and indexed."""

    path: str
    digest: str
    stat: tuple[int, int]
    index: ModuleIndex

    @property
    def directory(self) -> str:
        return os.path.dirname(self.path)

    @property
    def is_package(self) -> bool:
        return os.path.basename(self.path) == "__init__.py"


@dataclass
class Member:
    """What a dotted name resolves to in the project: a module, or a function, class or global of one."""

    module: Module
    function: FunctionInfo | None = None
    cls: ClassInfo | None = None
    name: str | None = None  # a module-level name that is neither (its value comes from the module's summary)
    external: str | None = None  # a name the module imports from outside the project (``keras.models.load_model``)


@dataclass
class Project:
    """The modules of one project (one root), loaded on demand."""

    root: str
    package_roots: tuple[str, ...]
    modules: dict[str, Module | None] = field(default_factory=dict)
    owners: dict[ast.AST, ModuleIndex] = field(default_factory=dict)  # function/class node -> its module's index
    used: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # path -> (mtime, size, digest) read
    summaries: dict[tuple, Any] = field(default_factory=dict)  # (path, digest, settings) -> ModuleSummary
    summarising: set[str] = field(default_factory=set)  # modules whose summary is being computed (cycles)
    matching: dict[tuple[str, Callable], tuple[tuple[int, int], bool]] = field(default_factory=dict)
    located: dict[tuple[str | None, str], tuple[str, list[str]] | None] = field(default_factory=dict)
    generators: dict[str, frozenset[str]] = field(default_factory=dict)  # path -> its generator functions
    picking: dict[tuple[str, str], tuple[bool, tuple[str, ...]]] = field(default_factory=dict)  # see picks_generators
    stamps: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # modules consulted, not parsed
    parsing: set[str] = field(default_factory=set)  # modules being parsed and indexed (import cycles)
    mattering: dict[tuple[str, int], bool] = field(default_factory=dict)  # can it contribute a fact
    effecting: dict[tuple[str, int], bool] = field(default_factory=dict)  # may importing it have effects
    graph: tuple[dict[str, set[str]], dict[str, str | None]] | None = None  # see _import_graph

    # ----- files ------------------------------------------------------------------------------------
    def load(self, path: str) -> Module | None:
        """The parsed module at ``path`` (None: unreadable, too large or not Python); recorded as used."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        stat = (info.st_mtime_ns, info.st_size)
        module = self.modules.get(path)
        if module is None or module.stat != stat:
            if path in self.parsing:
                return None  # asked for while it is being indexed (a base class imported in a cycle)
            self.parsing.add(path)
            try:
                module = self._parse(path, stat) if info.st_size <= MAX_MODULE_BYTES else None
            finally:
                self.parsing.discard(path)
            self.modules[path] = module
        if module is not None:
            self.used[path] = (*module.stat, module.digest)
        return module

    def _parse(self, path: str, stat: tuple[int, int]) -> Module | None:
        from diagnose.lint.cache import digest
        from diagnose.lint.engine import decode

        try:
            with open(path, "rb") as handle:
                source = handle.read()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(decode(source), filename=path)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, ValueError, RecursionError, MemoryError):
            return None
        index = ModuleIndex(tree, path=path, project=self)
        for node in index.all_functions:
            self.owners[node] = index
        for cls in index.classes.values():
            self.owners[cls.node] = index
        return Module(path, digest(source), stat, index)

    def module_of(self, index: ModuleIndex) -> Module | None:
        return self.load(index.path) if index.path else None

    def display(self, path: str) -> str:
        """A path as the report shows it: relative to the project root."""
        relative = os.path.relpath(path, self.root)
        return path if relative.startswith("..") else relative.replace(os.sep, "/")

    def imports_candidate(self, source: bytes, path: str, matches: Callable[[bytes], bool],
                          consulted: set[str]) -> bool:
        """Whether a file that cannot hold a finding by itself calls something at import time (a statement
        at column 0 that is a call, or a loop/``if``/``with`` block that may hold one) and imports a project
        module that can hold one (whose bytes pass ``matches``): then the call may make a finding here. Reads
        imported files (added to ``consulted``: a no rests on them), parses none."""
        if IMPORT_TIME_CODE.search(b"\n" + source) is None:
            return False
        for located in self._imported_files(source, path):
            if located is not None and located[0] != path:
                consulted.add(located[0])
                if self._bytes_match(located[0], matches):
                    return True
        return False

    def star_imports_library(self, source: bytes, path: str, consulted: set[str], hops: int = MAX_STAR_HOPS) -> bool:
        """Whether a file star-imports a project module that imports a library the rules model (directly, or
        through its own star imports): the names it uses (``Pool``, ``load_model``) are then that library's,
        though its bytes never name it. Reads the star-imported files (added to ``consulted``), parses none."""
        if hops == 0 or STAR_ANYWHERE.search(source) is None:
            return False
        for begin, end in import_lines(source):
            match = STAR_IMPORT.match(source, begin, end)
            located = self.locate(match.group(1).decode("ascii", "replace"), path) if match else None
            if located is None or located[1] or located[0] == path or located[0] in consulted:
                continue
            consulted.add(located[0])
            if self._bytes_match(located[0], mentions_libraries):
                return True
            try:
                with open(located[0], "rb") as handle:
                    imported = handle.read(MAX_MODULE_BYTES)
            except OSError:
                continue
            if self.star_imports_library(imported, located[0], consulted, hops - 1):
                return True
        return False

    def matters(self, path: str) -> bool:
        """Whether a module can contribute a fact: its bytes mention what a rule needs (TF, Keras,
        multiprocessing, ...) or it is glue in front of a project module that names TF/Keras or creates
        processes (``Worker().run()`` reaching a ``Pool``). Decided from bytes and import lines, without
        parsing; modules that do not matter are neither parsed nor walked."""
        if os.path.basename(path) == "__init__.py":
            return True  # a package's __init__ mostly routes names (re-exports): followed to where they live
        if self._bytes_match(path, mentions_libraries):
            return True
        return self._closure(path, _glue_target, self.mattering, hops=1)

    def defines_generator(self, path: str, name: str) -> bool:
        """Whether a module defines a top-level generator function ``name``."""
        return name in self.generator_functions(path)

    def generator_functions(self, path: str) -> frozenset[str]:
        """The top-level generator functions a module defines (from its bytes, read once: a ``yield`` between
        ``def name(`` and the next top-level statement)."""
        if path not in self.generators:
            self.generators[path] = _generator_functions(path)
        return self.generators[path]

    def picks_generators(self, path: str, name: str) -> bool:
        """Whether a top-level function ``name`` of a module names a generator function that the module or a
        project module it imports defines (``return ld3D.generate_batches``: a helper choosing what its caller
        will call; ``gen = batches(); return gen``).
        From bytes: the function's text, the imported files' ``yield`` functions; the imported files read
        are recorded as used (the answer rests on them)."""
        key = (path, name)
        if key not in self.picking:
            self.picking[key] = (False, ())
            try:
                with open(path, "rb") as handle:
                    source = handle.read(MAX_MODULE_BYTES)
            except OSError:
                return False
            body = _function_texts(source).get(name)
            own = [g for g in self.generator_functions(path) if g != name]
            if body is not None and b"return" in body and _names_any(own, body):
                self.picking[key] = (True, ())  # ``gen = batches(); return gen``: made by the module's own generator
            elif body is not None and b"return" in body:
                read = []
                for located in self._imported_files(source, path):
                    if located is None or located[0] == path or located[0] in read:
                        continue
                    read.append(located[0])
                    if _names_any(self.generator_functions(located[0]), body):
                        self.picking[key] = (True, ())
                        break
                else:
                    self.picking[key] = (False, tuple(read))
        picked, read = self.picking[key]
        for consulted in read:
            self.use_unparsed(consulted)
        return picked

    def may_start_runtime(self, path: str) -> bool:
        """Whether importing a module may start the TF runtime or set the start method (itself or through
        the project modules it imports): only then is its import-time summary computed."""
        return self._closure(path, _mentions_effects, self.effecting)

    def _closure(self, path: str, matches: Callable[[bytes], bool], known: dict[tuple[str, int], bool],
                 hops: int = MAX_HOPS) -> bool:
        """Whether a module's bytes, or those of a project module it imports (at most ``hops`` imports
        away: dense import graphs, like the standard library's, would make everything reachable), match."""
        key = (path, hops)
        if key in known:
            return known[key]
        known[key] = False  # while deciding: an import cycle adds nothing
        try:
            with open(path, "rb") as handle:
                source = handle.read(MAX_MODULE_BYTES + 1)
        except OSError:
            return False
        result = len(source) <= MAX_MODULE_BYTES and (matches(source) or hops > 0 and any(
            located is not None and located[0] != path and self._closure(located[0], matches, known, hops - 1)
            for located in self._imported_files(source, path)))
        known[key] = result
        return result

    def mentions_libraries(self, path: str) -> bool:
        """Whether the module itself names a library the rules model (its bytes, read once)."""
        return self._bytes_match(path, mentions_libraries)

    def _bytes_match(self, path: str, matches: Callable[[bytes], bool]) -> bool:
        """Whether a file's bytes pass ``matches`` (remembered per file version and predicate)."""
        try:
            info = os.stat(path)
            stat = (info.st_mtime_ns, info.st_size)
            known = self.matching.get((path, matches))
            if known is None or known[0] != stat:
                with open(path, "rb") as handle:
                    known = (stat, info.st_size <= MAX_MODULE_BYTES and matches(handle.read()))
                self.matching[(path, matches)] = known
        except OSError:
            return False
        return known[1]

    def entry_start_method(self, path: str) -> str | None:
        """The start method the project's entry scripts (files with a main guard) that import the module at
        ``path``, directly or through other project modules, all set with ``set_start_method``: process-wide
        state that the module's pools inherit. None when no such script reaches it, or one sets none, or
        they disagree. The answer rests on the importers read (recorded as used: editing one recomputes it)."""
        importers, entries = self._import_graph()
        methods: set[str | None] = set()
        seen, todo = {path}, [path]
        while todo:
            for importer in importers.get(todo.pop(), ()):
                if importer in seen:
                    continue
                seen.add(importer)
                todo.append(importer)
                if importer in entries:
                    methods.add(entries[importer])
        for importer in seen - {path}:
            self.use_unparsed(importer)
        return methods.pop() if len(methods) == 1 else None

    def _import_graph(self) -> tuple[dict[str, set[str]], dict[str, str | None]]:
        """Who imports each project file (reverse import edges), and each entry script's start method;
        built once per run from the import lines of every project file."""
        if self.graph is None:
            from diagnose.lint.project_keras import python_files

            importers: dict[str, set[str]] = {}
            entries: dict[str, str | None] = {}
            for script in python_files(self.root):
                try:
                    with open(script, "rb") as handle:
                        source = handle.read(MAX_MODULE_BYTES)
                except OSError:
                    continue
                if b"__main__" in source:
                    chosen = START_METHOD_CALL.search(source)
                    entries[script] = chosen.group(1).decode() if chosen else None
                for located in self._imported_files(source, script):
                    if located is not None and located[0] != script:
                        importers.setdefault(located[0], set()).add(script)
            self.graph = (importers, entries)
        return self.graph

    def _imported_files(self, source: bytes, path: str):
        """The located project files of every module name an import line of ``source`` names."""
        for begin, end in import_lines(source):
            match = IMPORT_LINE.match(source, begin, end)
            if match is None:
                continue
            base, names, plain = match.groups()
            if plain is not None:
                qualnames = [n.split()[0] for n in plain.decode("ascii", "replace").split(",") if n.split()]
            else:
                module = base.decode("ascii", "replace")
                joined = module if module.endswith(".") else module + "."
                qualnames = [module] * bool(module.strip(".")) + [
                    joined + n.split()[0] for n in names.decode("ascii", "replace").replace("(", "").split(",")
                    if n.split() and n.split()[0] != "*"]
            for qualname in qualnames:
                yield self.locate(qualname, path)

    # ----- import resolution ------------------------------------------------------------------------
    def _search_roots(self, importer: str | None) -> list[str]:
        """Where ``import x`` looks: a script's own directory first (not a package's), then the package roots."""
        roots = []
        if importer:
            directory = os.path.dirname(importer)
            if not _is_package(directory):
                roots.append(directory)
        return roots + [r for r in self.package_roots if r not in roots]

    def locate(self, qualname: str, importer: str | None) -> tuple[str, list[str]] | None:
        """The file of the project module a dotted name (``.models.load`` for a relative one) lives in, and
        the attribute path below it; None when it is not the project's. Reads no file."""
        key = (os.path.dirname(importer) if importer else None, qualname)
        if key not in self.located:
            found = self._locate(qualname, importer)
            self.located[key] = None if found is not None and self._in_vendored_library(found[0]) else found
        found = self.located[key]
        return (found[0], list(found[1])) if found is not None else None

    def _in_vendored_library(self, path: str) -> bool:
        """Whether a project file lies in a copy of a library the rules model: a package ``keras/`` (with its
        ``__init__.py``) right under a package root, imported as ``keras``. Its source is modelled, not walked.
        A plain folder named ``keras/`` holding the project's scripts, or the project's own sub-package
        ``mltu/tensorflow/`` (imported as ``mltu.tensorflow``), is the project's code."""
        for root in {self.root, *self.package_roots}:
            if path.startswith(root + os.sep):
                top = path[len(root) + 1:].split(os.sep)[0]
                if top in MODELLED_ROOTS and os.path.isfile(os.path.join(root, top, "__init__.py")):
                    return True
        return False

    def _locate(self, qualname: str, importer: str | None) -> tuple[str, list[str]] | None:
        level = len(qualname) - len(qualname.lstrip("."))
        parts = [p for p in qualname[level:].split(".") if p]
        if level:
            if not importer:
                return None
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return _longest(base, tuple(parts), allow_package_itself=True)
        if not parts or parts[0] in MODELLED_ROOTS:
            return None
        for root in self._search_roots(importer):
            if _has_top(root, parts[0]):
                return _longest(root, tuple(parts), allow_package_itself=False)
        return None

    def find(self, qualname: str, importer: str | None, star: bool = False) -> tuple[Module, list[str]] | None:
        """The project module a dotted name lives in (parsed), and the attribute path below it; None also
        for a module that cannot contribute a fact (:meth:`matters`) and defines no generator function asked
        for (``star``: a ``from M import *`` binds them all)."""
        located = self.locate(qualname, importer)
        if located is None:
            return None
        wanted = located[1][0] if len(located[1]) == 1 else None
        if star and not located[1]:
            yields = bool(self.generator_functions(located[0]))
        else:
            yields = wanted is not None and (self.defines_generator(located[0], wanted)
                                             or self.picks_generators(located[0], wanted))
        if not self.matters(located[0]) and not yields:
            self.use_unparsed(located[0])  # its findings-free content is still what they rest on
            return None
        module = self.load(located[0])
        return (module, located[1]) if module is not None else None

    def use_unparsed(self, path: str) -> None:
        """Record a module consulted but not parsed as used (its stamp, hashed once per version)."""
        from diagnose.lint.cache import stamp

        if path in self.used:
            return  # recorded for the file being checked already

        try:
            info = os.stat(path)
        except OSError:
            return
        known = self.stamps.get(path)
        if known is None or known[:2] != (info.st_mtime_ns, info.st_size):
            current = stamp(path)
            if current is None:
                return
            known = self.stamps[path] = (current.mtime_ns, current.size, current.digest)
        self.used[path] = known

    def member(self, qualname: str, importer: str | None, seen: frozenset[str] = frozenset()) -> Member | None:
        """What a dotted name means in the project: a module, or one of its functions, classes or globals,
        following re-exports (``from .models import load`` in ``__init__.py``) and star imports."""
        found = self.find(qualname, importer)
        if found is None:
            return None
        module, rest = found
        if not rest:
            return Member(module)
        if len(rest) > 1:
            return None
        return self.attribute(module, rest[0], seen)

    def attribute(self, module: Module, name: str, seen: frozenset[str] = frozenset()) -> Member | None:
        """A module's name ``name``: defined there, imported there (a re-export), or carried by a star import."""
        key = f"{module.path}:{name}"
        if key in seen:
            return None  # an import cycle
        seen = seen | {key}
        index = module.index
        if name in index.functions:
            return Member(module, function=index.functions[name])
        if name in index.classes and not index.classes[name].local:
            return Member(module, cls=index.classes[name])
        if name in index.imports:
            target = index.imports[name]
            inner = self.member(target, module.path, seen)
            return inner if inner is not None or target.startswith(".") else Member(module, external=target)
        if name in index.module_constants or name in index.assigned_names:
            return Member(module, name=name)
        if module.is_package:  # a submodule not imported by __init__ is still reachable as an attribute
            located = _longest(module.directory, (name,), allow_package_itself=False)
            submodule = self.load(located[0]) if located is not None and not located[1] else None
            if submodule is not None:
                return Member(submodule)
        for star in index.star_imports:
            found = self.find(star, module.path, star=True)
            if found is not None and not found[1] and name in exported(found[0].index):
                return self.attribute(found[0], name, seen)
        return None

    def star_names(self, index: ModuleIndex) -> dict[str, str]:
        """Names that ``from M import *`` of project modules bind in this module, with their qualified names."""
        out: dict[str, str] = {}
        for star in index.star_imports:
            if star.lstrip(".") in STAR_EXPORTS:
                continue
            found = self.find(star, index.path, star=True)
            if found is None or found[1]:
                continue
            imports = found[0].index.imports
            for name in exported(found[0].index):
                target = imports.get(name)
                outside = target is not None and not target.startswith(".") and self.find(target, found[0].path) is None
                out.setdefault(name, target if outside else f"{star}.{name}")
        return out


def import_lines(source: bytes):
    """(start, end) of each line holding the word ``import``, found at memchr speed (a regex anchored at
    every line start scans several times slower)."""
    start = source.find(b"import")
    while start != -1:
        begin = source.rfind(b"\n", 0, start) + 1
        end = source.find(b"\n", start)
        end = len(source) if end == -1 else end
        yield begin, end
        start = source.find(b"import", end)


def exported(index: ModuleIndex) -> tuple[str, ...]:
    """What ``from M import *`` binds: ``__all__`` when it is a literal list or tuple, else the public names."""
    declared = index.module_constants.get("__all__")
    if isinstance(declared, (ast.List, ast.Tuple)):
        return tuple(e.value for e in declared.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    names = {*index.functions, *(c for c, info in index.classes.items() if not info.local), *index.imports,
             *index.module_constants, *index.assigned_names}
    return tuple(sorted(n for n in names if not n.startswith("_") and not n.startswith(".")))


def mentions_libraries(source: bytes) -> bool:
    """Whether a module imports a library the rules model, or calls a Keras API with workers (a word in a
    comment or a docstring is not enough: the pre-filter's words are too common for following imports)."""
    return (any(word in source for word in LIBRARY_WORDS)
            and any(LIBRARY_IMPORT.match(source, begin, end) for begin, end in import_lines(source))
            or b"_generator(" in source or b"use_multiprocessing" in source)


def creates_processes(source: bytes) -> bool:
    """Whether a module may create processes or run Keras with workers (what a caller's finding needs)."""
    return mentions_libraries(source) and PROCESS_WORDS.search(source) is not None


def _generator_functions(path: str) -> frozenset[str]:
    """Names of the top-level functions of a module whose body holds ``yield`` (a scan of its bytes)."""
    try:
        with open(path, "rb") as handle:
            source = handle.read(MAX_MODULE_BYTES)
    except OSError:
        return frozenset()
    if b"yield" not in source:
        return frozenset()
    out = set()
    for start in TOP_LEVEL_DEF.finditer(source):
        end = TOP_LEVEL_STATEMENT.search(source, start.end())
        if YIELD.search(source, start.end(), end.start() if end else len(source)):
            out.add(start.group(1).decode("ascii", "replace"))
    return frozenset(out)


@lru_cache(maxsize=64)
def _function_texts(source: bytes) -> dict[str, bytes]:
    """The text of each top-level function of a module, up to the next top-level statement (read in one pass:
    a module is asked for many names)."""
    out: dict[str, bytes] = {}
    for start in TOP_LEVEL_DEF.finditer(source):
        end = TOP_LEVEL_STATEMENT.search(source, start.end())
        body = source[start.end():end.start() if end else len(source)]
        out.setdefault(start.group(1).decode("ascii", "replace"), body)
    return out


def _names_any(names, body: bytes) -> bool:
    """Whether ``body`` names one of ``names`` as a whole word (a substring test first: most do not appear)."""
    return any(name.encode() in body and re.search(rb"\b%s\b" % name.encode(), body) for name in names)


def mentions_tf(source: bytes) -> bool:
    return b"tensorflow" in source or b"keras" in source


def _glue_target(source: bytes) -> bool:
    """What makes a module importing this one worth parsing: it names TF/Keras or may create processes."""
    return mentions_tf(source) or creates_processes(source)


def _mentions_effects(source: bytes) -> bool:
    return b"tensorflow" in source or b"keras" in source or b"set_start_method" in source


@lru_cache(maxsize=4096)
def _is_package(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "__init__.py"))


@lru_cache(maxsize=16384)
def _longest(base: str, parts: tuple[str, ...], allow_package_itself: bool) -> tuple[str, tuple[str, ...]] | None:
    """The deepest module file under ``base`` the parts name, and the parts left over (remembered per process,
    as :func:`_has_top`: a run sees one layout)."""
    for depth in range(len(parts), -1 if allow_package_itself else 0, -1):
        directory = os.path.join(base, *parts[:depth])
        for candidate in ((directory + ".py") if depth else None, os.path.join(directory, "__init__.py")):
            if candidate and os.path.isfile(candidate):
                return candidate, parts[depth:]
    return None


@lru_cache(maxsize=4096)
def _has_top(root: str, name: str) -> bool:
    """Whether a search root holds a top-level module or package of this name (cheap rejection of most names)."""
    return os.path.isfile(os.path.join(root, name + ".py")) or os.path.isdir(os.path.join(root, name))


@lru_cache(maxsize=64)
def project_for(root: str, src: tuple[str, ...]) -> Project:
    """The project at ``root`` (one per process): its package roots are ``src`` (relative to the root), by
    default the root itself and ``src/``."""
    roots = tuple(os.path.normpath(os.path.join(root, s)) for s in (src or (".", "src")))
    return Project(root, tuple(r for r in roots if os.path.isdir(r)))


def project_of(path: str, src: tuple[str, ...] = ()) -> Project:
    """The project a file belongs to (its root: :func:`diagnose.lint.project_keras.project_root`)."""
    return project_for(_root_of(os.path.dirname(os.path.abspath(path))), src)


@lru_cache(maxsize=1024)
def _root_of(directory: str) -> str:
    from diagnose.lint.project_keras import project_root

    return str(project_root(Path(directory).resolve()))
