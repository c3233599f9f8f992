"""Which project modules a file can reach through its imports, read from import lines without parsing.

A check follows a file's calls into the project modules it imports, and theirs in turn; whatever it
finds there is code of a module in this closure. The closure is taken wide, so that it holds every
module the walker could visit: a package stands for every module below it (``pkg.sub.f`` reaches
``pkg/sub.py`` as an attribute, imported or not), an import inside a block or after ``;`` counts, and a
parenthesised name list that continues on the next lines is covered by its package.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from diagnose.lint.prefilter import can_find, imported_traits, traits
from diagnose.lint.project import Project, import_lines

IMPORT_STATEMENT = re.compile(rb"(?:^|[:;])[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b|import[ \t]+([\w., \t]+))",
                              re.MULTILINE)
_read: dict[tuple[str, tuple[str, ...], str, int, int], tuple[tuple[str, ...], int]] = {}


def reaches(project: Project, source: bytes, path: str, found: int, consulted: set[str]) -> bool:
    """Whether ``source`` (the module checked at ``path``, whose traits are ``found``) and the project
    modules in its import closure together :func:`~diagnose.lint.prefilter.can_find`; every module read is
    added to ``consulted`` (a no rests on them all). The closure runs through the modules the walker may
    enter (:meth:`~diagnose.lint.project.Project.matters`, or defining a generator function): one that
    names no library it models is neither parsed nor walked, so neither its code nor its imports count."""
    todo = list(dict.fromkeys(_scan(project, source, path)))
    seen = {path}
    while todo and not can_find(found):
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        imported, its_traits = _facts(project, module)
        if not (project.matters(module) or project.generator_functions(module)):
            consulted.update(imported)  # what it imports decided that it does not matter
            continue
        found |= its_traits
        todo += imported
    consulted.update(seen)
    consulted.discard(path)
    return can_find(found)


def _facts(project: Project, path: str) -> tuple[tuple[str, ...], int]:
    """The project files one file's import statements can reach, and its traits (kept per file version)."""
    try:
        info = os.stat(path)
        key = (project.root, project.package_roots, path, info.st_mtime_ns, info.st_size)
        if key not in _read:
            with open(path, "rb") as handle:
                source = handle.read()
            _read[key] = tuple(dict.fromkeys(_scan(project, source, path))), imported_traits(traits(source))
    except OSError:
        return (), 0
    return _read[key]


def _import_statements(source: bytes):
    """The import statements of a source, read on the lines holding the word."""
    for begin, end in import_lines(source):
        yield from IMPORT_STATEMENT.finditer(source, begin, end)


def _scan(project: Project, source: bytes, path: str):
    for match in _import_statements(source):
        base, plain = match.groups()
        if base is not None:  # ``from B import ...`` binds names below B (the list may go on for lines)
            names = [(base.decode("ascii", "replace"), False)]
        else:  # ``import a.b`` binds ``a``: a module below it is an attribute away, where the code names it
            names = [(n.split()[0].split(".")[0], len(n.split()) == 1)
                     for n in plain.decode("ascii", "replace").split(",") if n.split()]
        for name, by_dotted_name in names:
            located = project.locate(name, path)
            if located is None:
                continue
            yield located[0]
            if os.path.basename(located[0]) == "__init__.py" and not located[1]:
                below = _package_modules(os.path.dirname(located[0]))
                if by_dotted_name:
                    yield from _named_below(below, name, source)
                else:
                    yield from below.values()


def _named_below(below: dict[str, str], name: str, source: bytes):
    """The modules of package ``name`` (imported whole, not aliased) that ``source`` names by a dotted
    path: ``pkg.sub.f`` reaches ``pkg/sub.py`` (and ``pkg/sub/__init__.py``, ``pkg/sub/f.py``)."""
    for dotted in set(re.findall(rb"\b" + re.escape(name.encode()) + rb"((?:\.\w+)+)", source)):
        parts = dotted.decode("ascii", "replace").split(".")[1:]
        for end in range(1, len(parts) + 1):
            found = below.get(".".join(parts[:end]))
            if found is not None:
                yield found


@lru_cache(maxsize=256)
def _package_modules(directory: str) -> dict[str, str]:
    """Every module file at or below a package directory, by its dotted path below the package
    (``sub.mod`` for ``sub/mod.py``, ``sub`` for ``sub/__init__.py``, ``""`` for the package's own)."""
    out = {}
    for path in _package_files(directory):
        relative = os.path.relpath(path, directory)[:-len(".py")].split(os.sep)
        out[".".join(relative[:-1] if relative[-1] == "__init__" else relative)] = path
    return out


@lru_cache(maxsize=256)
def _package_files(directory: str) -> tuple[str, ...]:
    """Every module file at or below a package directory."""
    found = []
    for folder, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [os.path.join(folder, name) for name in sorted(files) if name.endswith(".py")]
    return tuple(found)
