"""How reports name files: relative to the working directory for people, to the repository for CI."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def display_path(path: str) -> str:
    """A path relative to the working directory when it is inside it (as ruff shows them)."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    return os.path.relpath(absolute, cwd) if absolute.startswith(cwd + os.sep) else path


@lru_cache(maxsize=8)
def _repo_root(cwd: str) -> Path:
    start = Path(cwd)
    return next((d for d in (start, *start.parents) if (d / ".git").exists()), start)


def repo_root() -> Path:
    """The git work tree holding the working directory (the working directory when there is none)."""
    return _repo_root(os.getcwd())


def repo_relative(path: str) -> str | None:
    """A posix path relative to :func:`repo_root`, or None for a file outside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(repo_root()).as_posix()
    except ValueError:
        return None


def report_path(path: str) -> str:
    """The repository-relative path, or the absolute one for a file outside the repository."""
    return repo_relative(path) or Path(os.path.abspath(path)).as_posix()
