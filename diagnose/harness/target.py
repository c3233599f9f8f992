"""What ``predlint repro`` runs: a script, a module (``-m``) or a shipped scenario, resolved to an
argv for this interpreter, with one-line errors for bad input."""

from __future__ import annotations

import importlib.util
import shutil
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


def resolve(
    script: str | None, module: str | None, scenario: str | None, args: list[str], python: str = sys.executable
) -> Target:
    """Exactly one of script, module or scenario, run by ``python``; ``args`` go to the target."""
    chosen = [label for label, value in (("a script", script), ("-m", module), ("--scenario", scenario)) if value]
    if len(chosen) != 1:
        raise UsageError("give exactly one of: a script path, -m MODULE, or --scenario NAME")
    if not shutil.which(python):
        raise UsageError(f"no such Python interpreter: {python}")
    if scenario:
        return _scenario_target(scenario, args, python)
    if module:
        return _module_target(module, args, python)
    return _script_target(script or "", args, python)


def _script_target(script: str, args: list[str], python: str) -> Target:
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
    return Target([python, str(path), *args], path.stem)


def _module_target(module: str, args: list[str], python: str) -> Target:
    if python == sys.executable:  # another interpreter has its own modules: let it report
        top = module.split(".", 1)[0]  # finding a submodule would import (run) its package
        try:
            found = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise UsageError(f"no module named {module!r}")
    return Target([python, "-m", module, *args], module.replace(".", "_"))


def _scenario_target(name: str, args: list[str], python: str) -> Target:
    found = find_scenario(name)
    if found is None:
        known = ", ".join(s.name for s in load_scenarios()) or "none found"
        raise UsageError(f"unknown scenario {name!r} (known: {known})")
    return Target([python, str(found.path), *args], found.name, found)
