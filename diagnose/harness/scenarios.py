"""The scenarios shipped in ``fixtures/scenarios/``: each script's docstring carries its metadata
(``Family:``, ``DLK rule:``, ``Outcome:`` hang/crash/fixed, ``Fixed twin:``, ``Fix:``), read
without importing or running the script."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

_FIELD = re.compile(r"^(Family|DLK rule|Outcome|Fixed twin|Fix):\s*(.*)$")


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    title: str
    family: str
    rule: str | None
    outcome: str
    twin: str | None
    fix: str


def scenario_dir() -> Path:
    """``diagnose/harness/scenarios``: a link to ``fixtures/scenarios`` in the source tree, a copy
    of it in an installed wheel."""
    return Path(__file__).parent / "scenarios"


def load_scenarios(directory: Path | None = None) -> list[Scenario]:
    """Every scenario script with its metadata, sorted by family then name (hanging twin first)."""
    directory = directory or scenario_dir()
    scenarios = [_read(path) for path in sorted(directory.resolve().glob("*.py"))]
    return sorted(scenarios, key=lambda s: (s.family, s.outcome == "fixed", s.name))


def find_scenario(name: str) -> Scenario | None:
    return next((s for s in load_scenarios() if s.name == name.removesuffix(".py")), None)


def _read(path: Path) -> Scenario:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    fields: dict[str, str] = {}
    current = None
    for line in docstring.splitlines():
        match = _FIELD.match(line)
        if match:
            current = match[1]
            fields[current] = match[2].strip()
        elif current == "Fix" and line.strip():
            fields["Fix"] += " " + line.strip()
        else:
            current = None if not line.strip() else current
    rule = fields.get("DLK rule", "")
    return Scenario(
        name=path.stem,
        path=path,
        title=docstring.splitlines()[0] if docstring else path.stem,
        family=fields.get("Family", "unknown"),
        rule=rule if rule.startswith("DLK") else None,
        outcome=fields.get("Outcome", "unknown"),
        twin=(fields.get("Fixed twin") or "").removesuffix(".py") or None,
        fix=fields.get("Fix", ""),
    )
