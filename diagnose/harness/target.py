"""What ``predlint repro`` runs: a script, a module (``-m``) or a shipped scenario, resolved to an
argv for this interpreter, with one-line errors for bad input."""

from __future__ import annotations

import importlib.util
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

from diagnose.errors import UsageError
from diagnose.harness.scenarios import Scenario, find_scenario, load_scenarios


@dataclass(frozen=True)
class Target:
    """The command line to run and a short name for report files."""

    argv: list[str]
    name: str
    scenario: Scenario | None = None


def resolve(script: str | None, module: str | None, scenario: str | None, args: list[str]) -> Target:
    """Exactly one of script, module or scenario; ``args`` go to the target."""
    chosen = [label for label, value in (("a script", script), ("-m", module), ("--scenario", scenario)) if value]
    if len(chosen) != 1:
        raise UsageError("give exactly one of: a script path, -m MODULE, or --scenario NAME")
    if scenario:
        return _scenario_target(scenario, args)
    if module:
        return _module_target(module, args)
    return _script_target(script or "", args)


def _script_target(script: str, args: list[str]) -> Target:
    path = Path(script)
    if not path.is_file():
        raise UsageError(f"no such script: {script}")
    try:
        with tokenize.open(path) as handle:
            compile(handle.read(), str(path), "exec", dont_inherit=True)
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{script} is not a Python script ({type(exc).__name__})") from None
    except OSError as exc:
        raise UsageError(f"cannot read {script}: {exc.strerror}") from None
    return Target([sys.executable, str(path), *args], path.stem)


def _module_target(module: str, args: list[str]) -> Target:
    top = module.split(".", 1)[0]  # finding a submodule would import (run) its package
    try:
        found = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise UsageError(f"no module named {module!r}")
    return Target([sys.executable, "-m", module, *args], module.replace(".", "_"))


def _scenario_target(name: str, args: list[str]) -> Target:
    found = find_scenario(name)
    if found is None:
        known = ", ".join(s.name for s in load_scenarios()) or "none found"
        raise UsageError(f"unknown scenario {name!r} (known: {known})")
    return Target([sys.executable, str(found.path), *args], found.name, found)
