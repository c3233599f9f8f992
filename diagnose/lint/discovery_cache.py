"""File discovery answered from the cache while the tree's layout is unchanged.

Walking a tree in Python (``.gitignore`` and exclude matching per entry) costs more than everything
else in a warm run. What discovery returns depends only on the arguments, the exclude settings, the
entries of the directories it walks and the ``.gitignore`` files it reads. A directory's mtime changes
whenever an entry is added, removed or renamed in it. So each discovery is remembered with a layout:
the mtime of every directory it may walk (a superset: every one that is not excluded, ``.gitignore``
or not), the stamp of every ``.gitignore`` it may read, up to the repository's top, and what named
files and symlinked Python entries are. If re-stating those gives the same answers, no directory
gained or lost an entry and the remembered files still hold. Nothing changed in the last moments is
trusted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from diagnose.lint.cache import RACY_NS, Cache
from diagnose.lint.config import Settings
from diagnose.lint.files import PYTHON_SUFFIXES, discover, is_excluded

Observation = tuple[str, str, str]  # (kind, path, what was seen)


class _Racy(Exception):
    """Something changed too recently for its mtime to be trusted."""


def discover_cached(paths: list[str], settings: Settings, force_exclude: bool, cache: Cache | None) -> list[str]:
    """The files :func:`diagnose.lint.files.discover` finds, from the cache when the tree's layout is unchanged."""
    if cache is None:
        return _discover(paths, settings, force_exclude)
    key = repr((paths, force_exclude, str(settings.root), settings.exclude, settings.extend_exclude))
    remembered = cache.discovered(key)
    if remembered is not None and _unchanged(remembered[0]):
        return remembered[1]
    layout = _layout(paths, settings)  # before discovering: a change meanwhile shows next time
    files = _discover(paths, settings, force_exclude)
    if layout is not None:
        cache.remember_discovery(key, layout, files)
    return files


def _discover(paths: list[str], settings: Settings, force_exclude: bool) -> list[str]:
    return [str(p) for p in discover(paths, settings, force_exclude=force_exclude)]


def _observe(kind: str, path: str) -> str:
    """What one observation sees now (raises OSError for a vanished directory, _Racy for a recent change)."""
    if kind == "isfile":
        return str(os.path.isfile(path))
    if kind == "exists":
        return str(os.path.exists(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "-"
    if time.time_ns() - info.st_mtime_ns < RACY_NS:
        raise _Racy(path)
    return f"{info.st_mtime_ns} {info.st_size}"


def _unchanged(layout: list[Observation]) -> bool:
    try:
        return all(_observe(kind, path) == seen for kind, path, seen in layout)
    except (OSError, _Racy, ValueError, TypeError):
        return False


def _layout(paths: list[str], settings: Settings) -> list[Observation] | None:
    """Everything discovery depends on; None when there is no directory to walk, or on a recent change."""
    observations: list[tuple[str, str]] = []
    for raw in paths:
        if not os.path.isdir(raw):
            observations.append(("isfile", raw))
            continue
        for directory in Path(raw).resolve().parents:
            observations += [("stat", str(directory / ".gitignore")), ("exists", str(directory / ".git"))]
        observations += _walk(raw, settings)
    if all(kind == "isfile" for kind, _ in observations):
        return None
    try:
        return [(kind, path, _observe(kind, path)) for kind, path in observations]
    except (OSError, _Racy):
        return None


def _walk(root: str, settings: Settings) -> list[tuple[str, str]]:
    """Every directory under the root that is not excluded, each ``.gitignore`` in them, and the
    symlinked Python entries (whether they point at a file decides whether they are found)."""
    out = []
    stack = [root]
    while stack:
        directory = stack.pop()
        out.append(("stat", directory))
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.name == ".git":
                continue
            if entry.is_dir(follow_symlinks=False):
                if not is_excluded(Path(entry.path), settings):
                    stack.append(entry.path)
            elif entry.name == ".gitignore":
                out.append(("stat", entry.path))
            elif entry.name.endswith(PYTHON_SUFFIXES) and entry.is_symlink():
                out.append(("isfile", entry.path))
    return out
