"""Settings: defaults, ``[tool.predlint]`` in the nearest ``pyproject.toml`` (or ``predlint.toml``), and flags."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from diagnose.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

TARGET_VERSIONS = tuple(f"py3{minor}" for minor in range(9, 15))
PLATFORMS = ("linux", "darwin", "win32")
CONFIG_KEYS = {"select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
               "target-version", "platform", "keras-version", "src"}
DEFAULT_EXCLUDE = (".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
                   ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".predlint_cache", ".svn",
                   ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules",
                   "site-packages", "venv")
CONFIG_FILES = (".predlint.toml", "predlint.toml", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """Effective settings for one run."""

    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] | None = None  # None: the rules that are on by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    target_version: str = TARGET_VERSIONS[0]
    platform: str = "linux"
    keras_version: int | None = None  # 2 or 3: set, or inferred from the project; None: nothing says
    keras_evidence: tuple[str, ...] = ()  # why keras_version (and tf1) are what they are
    tf1: bool = False  # the project runs TensorFlow 1 (graph mode: ops build a graph, a Session runs it)
    read_project: bool = False  # may read the project's other files for facts a finding depends on (CLI)
    src: tuple[str, ...] = ()  # package roots, relative to the settings root (default: the project root and src/)

    @property
    def python(self) -> tuple[int, int]:
        return 3, int(self.target_version[3:])

    @property
    def default_start_method(self) -> str:
        """fork on Linux before 3.14, forkserver from 3.14, spawn on macOS and Windows."""
        if self.platform != "linux":
            return "spawn"
        return "forkserver" if self.python >= (3, 14) else "fork"

    def relative(self, path: str | os.PathLike[str]) -> str:
        """A path relative to the project root, posix style (as given when it lies outside the root)."""
        absolute, root = os.path.abspath(path), str(self.root)
        if absolute.startswith(root + os.sep):
            return absolute[len(root) + 1:].replace(os.sep, "/")
        return Path(path).as_posix()

    def enabled_codes(self) -> frozenset[str]:
        """Codes selected by select/extend-select minus ignore, ruff-style prefix matching."""
        return _enabled_codes(self)

    def ignored_for(self, relative_path: str) -> frozenset[str]:
        """Codes ignored for one file by per-file-ignores."""
        from fnmatch import fnmatch

        from diagnose.lint.rules import all_rules

        codes = [rule.code for rule in all_rules()]
        name = relative_path.rsplit("/", 1)[-1]
        out: set[str] = set()
        for pattern, selectors in self.per_file_ignores:
            if fnmatch(relative_path, pattern) or fnmatch(name, pattern):
                out |= set(expand_codes(selectors, codes))
        return frozenset(out)

    def fingerprint(self) -> str:
        """A hash of everything that changes findings (for caches)."""
        data = repr((sorted(self.enabled_codes()), self.per_file_ignores, self.target_version, self.platform,
                     self.keras_version, self.tf1, self.src))
        return hashlib.sha256(data.encode()).hexdigest()[:16]


@lru_cache(maxsize=32)
def _enabled_codes(settings: Settings) -> frozenset[str]:
    from diagnose.lint.rules import all_rules

    codes = [rule.code for rule in all_rules()]
    if settings.select is None:
        chosen = {rule.code for rule in all_rules() if rule.default_enabled}
    else:
        chosen = set(expand_codes(settings.select, codes))
    chosen |= set(expand_codes(settings.extend_select, codes))
    chosen -= set(expand_codes(settings.ignore, codes))
    return frozenset(chosen)


def expand_codes(selectors: tuple[str, ...] | list[str], codes: list[str]) -> list[str]:
    """Codes matched by selectors: exact codes, prefixes like ``DLK4``, or ``ALL``."""
    out: list[str] = []
    for selector in selectors:
        selector = selector.strip().upper()
        matched = codes if selector == "ALL" else [c for c in codes if c.startswith(selector)]
        if not matched:
            raise UsageError(f"unknown rule selector '{selector}' (see `predlint rules`)")
        out.extend(matched)
    return out


def find_config(start: Path) -> Path | None:
    """The nearest .predlint.toml / predlint.toml / pyproject.toml with [tool.predlint], walking up.

    A ``pyproject.toml`` that does not parse stops the search with an error: it may hold the settings."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_section(candidate)):
                return candidate
    return None


def _has_tool_section(path: Path) -> bool:
    tool = _read_toml(path).get("tool", {})
    return isinstance(tool, dict) and "predlint" in tool


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"invalid TOML in {path}: {exc}") from None


def _target_from_requires_python(spec: str) -> str | None:
    match = re.search(r"(>=|~=|==|>)\s*3\.(\d+)", spec)
    if not match:
        return None
    minor = int(match.group(2)) + (1 if match.group(1) == ">" else 0)
    minor = min(max(minor, 9), 14)
    return f"py3{minor}"


def load_settings(config: Path | None = None, cwd: Path | None = None) -> Settings:
    """Settings from an explicit config file or the nearest one; defaults when there is none."""
    cwd = cwd or Path.cwd()
    if config is not None and not config.is_file():
        raise UsageError(f"config file not found: {config}")
    path = config or find_config(cwd.resolve())
    if path is None:  # as ruff: the nearest pyproject.toml's requires-python still sets the target version
        nearest = next((d / "pyproject.toml" for d in (cwd.resolve(), *cwd.resolve().parents)
                        if (d / "pyproject.toml").is_file()), None)
        return _with_requires_python(Settings(root=cwd), _read_toml(nearest) if nearest is not None else {})
    document = _read_toml(path)
    table = settings_table(path, document)
    settings = Settings(root=path.parent.resolve())
    beside = path.parent / "pyproject.toml"
    pyproject = document if path.name == "pyproject.toml" else _read_toml(beside) if beside.is_file() else {}
    return apply_table(_with_requires_python(settings, pyproject), table, str(path))


def _with_requires_python(settings: Settings, pyproject: dict) -> Settings:
    """The target version a ``pyproject.toml`` document's ``project.requires-python`` gives (its lower bound)."""
    requires = pyproject.get("project", {}).get("requires-python")
    target = _target_from_requires_python(requires) if isinstance(requires, str) else None
    return replace(settings, target_version=target) if target else settings


def settings_table(path: Path, document: dict) -> dict:
    """The predlint settings of a config document: ``[tool.predlint]`` of a ``pyproject.toml``, the top
    level of a ``predlint.toml`` (where a ``[tool.predlint]`` header pasted from a pyproject is accepted too)."""
    tool = document.get("tool")
    if path.name == "pyproject.toml":
        return tool.get("predlint", {}) if isinstance(tool, dict) else {}
    if isinstance(tool, dict) and "predlint" in tool:
        if set(document) != {"tool"} or set(tool) != {"predlint"}:
            raise UsageError(f"{path} mixes a [tool.predlint] table with other settings: in {path.name}, "
                             "write the settings without the table header")
        return tool["predlint"]
    return document


def _strings(value: object, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"'{key}' in {where} must be a list of strings")
    return tuple(value)


def apply_table(settings: Settings, table: dict, where: str) -> Settings:
    """Apply a ``[tool.predlint]`` table (or the equivalent flags) to settings, validating every key."""
    from diagnose.lint.rules import all_rules

    codes = [rule.code for rule in all_rules()]
    unknown = sorted(set(table) - CONFIG_KEYS)
    if unknown:
        raise UsageError(f"unknown key '{unknown[0]}' in {where} (expected one of: {', '.join(sorted(CONFIG_KEYS))})")
    changes: dict[str, object] = {}
    for key in ("select", "extend-select", "ignore", "exclude", "extend-exclude"):
        if key in table:
            values = _strings(table[key], key, where)
            if key not in ("exclude", "extend-exclude"):
                expand_codes(values, codes)
            changes[key.replace("-", "_")] = values
    if "per-file-ignores" in table:
        mapping = table["per-file-ignores"]
        if not isinstance(mapping, dict):
            raise UsageError(f"'per-file-ignores' in {where} must be a table of glob = [codes]")
        pairs = tuple((glob, _strings(v, f"per-file-ignores.{glob}", where)) for glob, v in mapping.items())
        for _, selectors in pairs:
            expand_codes(selectors, codes)
        changes["per_file_ignores"] = pairs
    if "target-version" in table:
        if table["target-version"] not in TARGET_VERSIONS:
            raise UsageError(f"'target-version' in {where} must be one of {', '.join(TARGET_VERSIONS)}")
        changes["target_version"] = table["target-version"]
    if "platform" in table:
        if table["platform"] not in PLATFORMS:
            raise UsageError(f"'platform' in {where} must be one of {', '.join(PLATFORMS)}")
        changes["platform"] = table["platform"]
    if "src" in table:
        changes["src"] = _strings(table["src"], "src", where)
    if "keras-version" in table:
        if table["keras-version"] not in (2, 3):
            raise UsageError(f"'keras-version' in {where} must be 2 or 3")
        changes["keras_version"] = table["keras-version"]
        changes["keras_evidence"] = (f"keras-version = {table['keras-version']} in {where}",)
    return replace(settings, **changes)  # type: ignore[arg-type]
