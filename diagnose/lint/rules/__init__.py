"""The DLK rule catalogue: one module per rule, discovered by :func:`all_rules`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from diagnose.lint.rule import Rule


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code."""
    found: list[type[Rule]] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("dlk"):
            mod = importlib.import_module(f"{__name__}.{module.name}")
            found.extend(obj for obj in vars(mod).values()
                         if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod.__name__)
    return tuple(sorted(found, key=lambda r: r.code))


def rule_by_code() -> dict[str, type[Rule]]:
    """Rules keyed by their code."""
    return {rule.code: rule for rule in all_rules()}
