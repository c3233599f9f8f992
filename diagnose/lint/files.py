"""Find the Python files to check: walk directories, honour .gitignore and exclude/extend-exclude."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import translate
from functools import lru_cache
from pathlib import Path

from diagnose.errors import UsageError
from diagnose.lint.config import Settings

PYTHON_SUFFIXES = (".py", ".pyi", ".ipynb")  # modules, stubs, Jupyter notebooks


@dataclass(frozen=True)
class GitignoreRule:
    """One .gitignore line, compiled."""

    base: str  # directory holding the .gitignore (posix, absolute)
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool

    def matches(self, path: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if not path.startswith(self.base + "/"):
            return False
        relative = path[len(self.base) + 1:]
        target = relative if self.anchored else relative.rsplit("/", 1)[-1]
        return bool(self.regex.fullmatch(target))


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A gitignore glob: ``*`` stays within a path segment, ``**`` crosses them."""
    parts = pattern.split("**")
    body = ".*".join(translate(p).removeprefix("(?s:").removesuffix(")\\Z").replace(".*", "[^/]*") for p in parts)
    return re.compile(body.replace("/.*/", "(/.*)?/"))


def parse_gitignore(directory: str) -> list[GitignoreRule]:
    """Rules of ``directory/.gitignore`` (empty if there is none)."""
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    rules = []
    for line in lines:
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line[1:] if negate else line
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        rules.append(GitignoreRule(Path(os.path.abspath(directory)).as_posix(), _glob_regex(line.lstrip("/")), negate, dir_only, anchored))
    return rules


def _ignored(rules: list[GitignoreRule], path: str, is_dir: bool) -> bool:
    ignored = False
    for rule in rules:
        if rule.matches(path, is_dir):
            ignored = not rule.negate
    return ignored


@lru_cache(maxsize=8)
def _exclude_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for all exclude patterns, matched against a name and a root-relative path."""
    alternatives = [translate(p.rstrip("/")) for p in patterns]
    return re.compile("|".join(f"(?:{a})" for a in alternatives) or "(?!)")


def is_excluded(path: str | os.PathLike[str], settings: Settings) -> bool:
    """Whether exclude/extend-exclude patterns match a path (its name, or its path relative to the root)."""
    regex = _exclude_regex((*settings.exclude, *settings.extend_exclude))
    return bool(regex.match(os.path.basename(os.fspath(path))) or regex.match(settings.relative(path)))


def discover(paths: list[str], settings: Settings, force_exclude: bool = False) -> list[Path]:
    """Python files (and notebooks) under the given paths; a named Python file is always checked unless
    ``force_exclude``."""
    found: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise UsageError(f"{raw}: No such file or directory")
        if force_exclude and is_excluded_with_parents(root, settings):
            continue
        if root.is_file():
            if is_python_file(root):
                found.append(root)
            continue
        found.extend(_walk(root, settings))
    return sorted(dict.fromkeys(found))


def is_python_file(path: Path) -> bool:
    """A named file is checked when its suffix says Python, or it has none and a ``python`` shebang."""
    if path.name.endswith(PYTHON_SUFFIXES):
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def is_excluded_with_parents(path: Path, settings: Settings) -> bool:
    """Whether a named path, or a directory above it (up to the project root), is excluded."""
    absolute = Path(os.path.abspath(path))
    chain = [absolute, *(p for p in absolute.parents if settings.root in (p, *p.parents) and p != settings.root)]
    return any(is_excluded(p, settings) for p in chain)


def _inherited_gitignores(root: Path) -> list[GitignoreRule]:
    """.gitignore rules of the directories above ``root``, up to the repository top."""
    rules: list[GitignoreRule] = []
    resolved = root.resolve()
    for directory in reversed(resolved.parents):
        rules.extend(parse_gitignore(str(directory)))
        if (directory / ".git").exists():
            rules = parse_gitignore(str(directory))
    return rules


def _walk(root: Path, settings: Settings) -> list[Path]:
    """Paths as strings while walking (a ``Path`` per entry cost most of a large tree's discovery)."""
    found: list[Path] = []
    base_rules = _inherited_gitignores(root)
    stack: list[tuple[str, list[GitignoreRule]]] = [(str(root), base_rules)]
    while stack:
        directory, rules = stack.pop()
        rules = rules + parse_gitignore(directory)
        try:
            entries = list(os.scandir(directory))  # discover() sorts what it returns
        except OSError:
            continue
        for entry in entries:
            is_dir = entry.is_dir(follow_symlinks=False)
            if not is_dir and not entry.name.endswith(PYTHON_SUFFIXES):
                continue  # most entries (e.g. __pycache__/*.pyc) need no exclude or .gitignore matching
            absolute = os.path.abspath(entry.path).replace(os.sep, "/")
            if entry.name == ".git" or is_excluded(entry.path, settings) or _ignored(rules, absolute, is_dir):
                continue
            if is_dir:
                stack.append((entry.path, rules))
            elif entry.is_file():
                found.append(Path(entry.path))
    return found
