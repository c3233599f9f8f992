"""Check one file: pre-filter its bytes, parse, index, walk, run the enabled rules, apply noqa."""

from __future__ import annotations

import ast
import io
import os
import sys
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path

from diagnose.lint.bytecode import proves_compiles
from diagnose.lint.config import Settings
from diagnose.lint.finding import Finding, Severity
from diagnose.lint.noqa import (
    apply_noqa,
    file_exemptions,
    physical_lines,
    unused_noqa_wanted,
)
from diagnose.lint.prefilter import can_find, may_match, traits

RECURSION_LIMIT = 20_000
# Rules whose events may come from another module's code (recorded at the call that led there); the others
# judge the checked module's own code only.
FOLLOWS_CALLS = {"DLK101", "DLK102", "DLK201", "DLK302", "DLK303", "DLK501"}


@dataclass
class FileResult:
    """Findings of one file, or the internal error that stopped its analysis; ``depends``: the other project
    modules its findings were computed from (path -> mtime, size, digest)."""

    path: str
    findings: list[Finding]
    error: str | None = None
    depends: dict[str, tuple[int, int, str]] | None = None


def decode(source: bytes) -> str:
    """Decode as Python does (PEP 263 coding cookie, BOM, default UTF-8)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def syntax_error(path: str, message: str, row: int, column: int) -> Finding:
    from diagnose.lint.rules.dlk000_syntax_error import SyntaxErrorRule

    return Finding(path, max(row, 1), max(column, 1), max(row, 1), max(column, 1), SyntaxErrorRule.code,
                   SyntaxErrorRule.name, message, Severity.ERROR, max(row, 1))


def check_source(source: bytes, path: str, settings: Settings, relative: str | None = None,
                 depends: dict[str, tuple[int, int, str]] | None = None,
                 on_disk: os.stat_result | None = None) -> list[Finding]:
    """All findings for one file's bytes, after noqa and per-file-ignores; ``depends`` (if given) receives
    the other project modules read for them; ``on_disk``: the metadata of the file at ``path`` the bytes
    were read from (then its cached bytecode may answer the syntax check)."""
    enabled = settings.enabled_codes() - settings.ignored_for(relative or path)
    if not enabled:
        return []
    # a file no rule can match (by itself, or by calling at import time into a project module that creates
    # processes) is read only for DLK100; then its other findings would depend on whether it holds a noqa
    relevant = may_match(source) or settings.read_project and _imports_candidate(source, path, settings, depends)
    if not (relevant or unused_noqa_wanted(source, enabled)):
        return []
    try:
        text = decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return [syntax_error(path, f"cannot decode file: {exc}", 1, 1)] if "DLK000" in enabled else []
    exempt_file = file_exemptions(text)
    if "*" in exempt_file:
        return []
    if not (relevant and _can_find(source, path, settings, depends)) \
            and (on_disk is not None and proves_compiles(path, source, on_disk) or _compiles(text, path)):
        return apply_noqa([], text, path, enabled, exempt_file, parses=True)  # no rule can fire: noqa is left
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        message = f"SyntaxError: {exc.msg}"
        if settings.python > sys.version_info[:2]:
            message += (f" (predlint runs on Python {sys.version_info[0]}.{sys.version_info[1]} and parses with it; "
                        f"run it on Python {settings.python[0]}.{settings.python[1]} for {settings.target_version} syntax)")
        found = [syntax_error(path, message, exc.lineno or 1, exc.offset or 1)]
    except (ValueError, RecursionError, MemoryError) as exc:
        found = [syntax_error(path, f"cannot parse file: {exc}", 1, 1)]
    else:
        found = list(analyse(tree, path, settings, enabled, physical_lines(text), depends))
    return apply_noqa(found, text, path, enabled, exempt_file)


def _can_find(source: bytes, path: str, settings: Settings, depends: dict[str, tuple[int, int, str]] | None) -> bool:
    """Whether the file's code, or with project reading on the modules it imports, can make an event a rule
    reports (:func:`~diagnose.lint.prefilter.can_find`)."""
    own = traits(source)
    return can_find(own) or settings.read_project and _reaches_finding(source, own, path, settings, depends)


def _imports_candidate(source: bytes, path: str, settings: Settings,
                       depends: dict[str, tuple[int, int, str]] | None) -> bool:
    """A file no rule can match by itself may still import a project module that creates processes or
    runs Keras (calls into it can make findings here), or star-import the names of a process library or
    Keras from one. A no rests on the modules read to decide it (recorded in ``depends``)."""
    from diagnose.lint.project import creates_processes, project_of

    project, absolute, consulted = project_of(path, _src(settings)), os.path.abspath(path), set()
    if project.imports_candidate(source, absolute, creates_processes, consulted) \
            or project.star_imports_library(source, absolute, consulted):
        return True
    _record(project, consulted, depends)
    return False


def _reaches_finding(source: bytes, own: int, path: str, settings: Settings,
                     depends: dict[str, tuple[int, int, str]] | None) -> bool:
    """Whether a project module the file imports, directly or through others, can make a finding on its
    behalf; a no rests on every module read to decide it (recorded in ``depends``)."""
    from diagnose.lint.project import project_of
    from diagnose.lint.reach import reaches

    project, consulted = project_of(path, _src(settings)), set()
    found = reaches(project, source, os.path.abspath(path), own, consulted)
    if not found:
        _record(project, consulted, depends)
    return found


def _record(project, consulted: set[str], depends: dict[str, tuple[int, int, str]] | None) -> None:
    """Add the stamps of modules read unparsed to ``depends`` (None: nothing is recorded, nothing stamped)."""
    if depends is None or not consulted:
        return
    outer, project.used = project.used, {}
    try:
        for module in consulted:
            project.use_unparsed(module)
    finally:
        stamps, project.used = project.used, {**outer, **project.used}
    depends.update(stamps)


def _compiles(text: str, path: str) -> bool:
    """Whether a source parses and its scopes are sound (then DLK000 has nothing to say): its symbol table
    is built by the same parser as ``ast.parse``, for about half the cost of the AST's Python objects."""
    import symtable

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable.symtable(text, path, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _inherited_start_method(events: list, walker, index, settings: Settings) -> str | None:
    """For a module whose processes fork after the TF runtime started by default (it sets no start method
    itself and has no main guard): the start method its project's entry scripts set before calling it."""
    from diagnose.lint.events import Spawn

    default = settings.default_start_method
    if index.project is None or walker.start_method is not None or index.runs_as_main:
        return None
    if not any(isinstance(e, Spawn) and e.start_method == default and e.tf_started is not None for e in events):
        return None
    chosen = index.project.entry_start_method(index.path)
    return chosen if chosen is not None and chosen != default else None


def _src(settings: Settings) -> tuple[str, ...]:
    return tuple(os.path.join(settings.root, s) for s in settings.src)


def char_column(lines: list[str], row: int, byte_offset: int) -> int:
    """1-based character column of an AST offset (which counts UTF-8 bytes), as ruff reports columns."""
    line = lines[row - 1] if 0 < row <= len(lines) else ""
    if line.isascii():
        return byte_offset + 1
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace")) + 1


def analyse(tree: ast.Module, path: str, settings: Settings, enabled: frozenset[str], lines: list[str],
            depends: dict[str, tuple[int, int, str]] | None = None):
    """Run the enabled rules over a parsed module; yields findings (before noqa). With ``read_project``,
    imports of the project's own modules are followed (:mod:`diagnose.lint.project`)."""
    from diagnose.lint.index import ModuleIndex
    from diagnose.lint.places import (
        places,
        related,
        relocated_places,
        reported_there,
        with_places,
    )
    from diagnose.lint.project import project_of
    from diagnose.lint.rule import ModuleFacts
    from diagnose.lint.rules import all_rules
    from diagnose.lint.walker import walk_module

    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    project = project_of(path, _src(settings)) if settings.read_project else None
    index = ModuleIndex(tree, str(Path(path).resolve()), project)
    outer: dict = {}
    if project is not None:
        outer, project.used = project.used, {}
        for name, qualname in project.star_names(index).items():
            index.imports.setdefault(name, qualname)
    try:
        events, walker = walk_module(index, settings.default_start_method, settings.keras_version, settings.tf1,
                                     interactive=path.endswith(".ipynb"))
        inherited = _inherited_start_method(events, walker, index, settings)
        if inherited is not None:
            events, walker = walk_module(index, inherited, settings.keras_version, settings.tf1)
    finally:
        if project is not None:
            if depends is not None:
                depends.update(project.used)
            project.used = {**outer, **project.used}
    if settings.read_project:
        _settle_keras_version(events, path)
        _mark_own_methods(events, path)
    facts = ModuleFacts(index, events, walker.module.env, lines)
    local = ModuleFacts(index, [e for e in events if e.seq not in walker.relocated], walker.module.env, lines) \
        if walker.relocated else facts
    cited: set[tuple] = set()  # (rule, position, evidence) reported: two events a call led to are one finding
    for rule_cls in all_rules():
        if rule_cls.code not in enabled:
            continue
        for report in rule_cls().check(facts if rule_cls.code in FOLLOWS_CALLS else local):
            node = report.node
            row = node.lineno  # type: ignore[attr-defined]
            col = char_column(lines, row, node.col_offset)  # type: ignore[attr-defined]
            if isinstance(node, (ast.ExceptHandler, ast.While)):  # the keyword, not the whole block
                end_row, end_col = row, col + len("except" if isinstance(node, ast.ExceptHandler) else "while")
            else:
                end_row = getattr(node, "end_lineno", None) or row
                end_col = char_column(lines, end_row, getattr(node, "end_col_offset", None) or node.col_offset)
            found = [*report.places, *(places(node, facts, walker.relocated, rule_cls.related_places)
                                        if project is not None and rule_cls.code in FOLLOWS_CALLS else [])]
            if walker.relocated and not _switches_on_processes(node, walker) \
                    and reported_there(relocated_places(node, facts, walker.relocated, in_workers=True), rule_cls.code,
                                       settings):
                continue  # the module where it happens reports it there
            elsewhere = related(found)
            if found and (rule_cls.code, row, col, elsewhere) in cited:
                continue  # a call that led to a manager and a process elsewhere: one finding names both
            cited.add((rule_cls.code, row, col, elsewhere))
            yield Finding(path, row, col, end_row, end_col, rule_cls.code, rule_cls.name,
                          with_places(report.message, found), report.severity or rule_cls.severity, row,
                          elsewhere, report.fix)


def _switches_on_processes(node: ast.AST, walker) -> bool:
    """A call that hands a generator and ``use_multiprocessing=True`` into the project's code, which leads
    there to Keras workers: the module it leads to reports that line only as what may happen, for a caller
    that asks; this call is where the user asks for it."""
    from diagnose.lint.values import Kind

    return isinstance(node, ast.Call) and any(
        k.arg == "use_multiprocessing" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords) and any(v.kind is Kind.GENERATOR for v in walker.asked_for_processes.get(node, []))


def _settle_keras_version(events: list, path: str) -> None:
    """Keras calls whose version neither the settings, the project's pins nor the module told: ask the
    project's code (read once per project, and only when such a call exists)."""
    from diagnose.lint.events import KerasCall
    from diagnose.lint.project_keras import from_code, project_root

    unsettled = [e for e in events if isinstance(e, KerasCall) and e.keras_version is None]
    if unsettled:
        version = from_code(project_root(Path(path).resolve())).version
        for event in unsettled:
            event.keras_version = version


def _mark_own_methods(events: list, path: str) -> None:
    """``x.fit_generator(...)`` on an object of unknown type, where the project defines a method of that
    name itself: the call may be the project's own, not Keras's."""
    from diagnose.lint.events import KerasCall
    from diagnose.lint.project_keras import own_generator_methods, project_root
    from diagnose.lint.values import Kind

    unknown = [e for e in events if isinstance(e, KerasCall) and e.receiver.kind is Kind.UNKNOWN
               and e.method.endswith("_generator")]
    if unknown:
        own = own_generator_methods(project_root(Path(path).resolve()))
        for event in unknown:
            event.maybe_own_method = event.method in own


def check_path(path: str, settings: Settings, relative: str | None = None, record: bool = True) -> FileResult:
    """Read and check one file; never raises: unreadable files are DLK000, analysis bugs an ``error``.
    ``record``: note the other project modules the findings rest on (``FileResult.depends``)."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
            on_disk = os.fstat(handle.fileno())
    except OSError as exc:
        finding = syntax_error(path, f"cannot read file: {exc.strerror or exc}", 1, 1)
        return FileResult(path, [finding] if "DLK000" in settings.enabled_codes() else [])
    try:
        depends: dict[str, tuple[int, int, str]] | None = {} if record else None
        return FileResult(path, check_source(source, path, settings, relative, depends, on_disk), depends=depends)
    except Exception as exc:  # noqa: BLE001 - one file's analysis bug must not stop the run
        return FileResult(path, [], f"{type(exc).__name__}: {exc}")
