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
    added to ``consulted`` (a no rests on them all)."""
    todo = list(dict.fromkeys(_scan(project, source, path)))
    consulted.add(path)
    while todo and not can_find(found):
        module = todo.pop()
        if module in consulted:
            continue
        consulted.add(module)
        imported, its_traits = _facts(project, module)
        found |= its_traits
        todo += imported
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
        if base is not None:
            names = [base.decode("ascii", "replace")]  # ``from B import ...`` binds names below B
        else:  # ``import a.b`` binds ``a``: everything below it is an attribute away
            names = [n.split()[0].split(".")[0] for n in plain.decode("ascii", "replace").split(",") if n.split()]
        for name in names:
            located = project.locate(name, path)
            if located is None:
                continue
            yield located[0]
            if os.path.basename(located[0]) == "__init__.py" and not located[1]:
                yield from _package_files(os.path.dirname(located[0]))


@lru_cache(maxsize=256)
def _package_files(directory: str) -> tuple[str, ...]:
    """Every module file at or below a package directory."""
    found = []
    for folder, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [os.path.join(folder, name) for name in sorted(files) if name.endswith(".py")]
    return tuple(found)
