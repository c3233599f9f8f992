"""What a rule reports: one finding at one span of one file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

from diagnose.lint.fix.model import Fix


class Severity(str, Enum):
    """How bad a finding is; ``error`` means the code hangs or crashes, ``warning`` that it may."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem. Rows are 1-based, columns 1-based (as ruff reports them)."""

    path: str
    row: int
    column: int
    end_row: int
    end_column: int
    code: str
    name: str
    message: str
    severity: Severity
    noqa_row: int
    related: tuple[tuple[str, int, str], ...] = ()  # other places it rests on: (file, line, what happened there)
    fix: Fix | None = field(default=None, compare=False)  # how to repair it, if the rule knows

    def to_dict(self) -> dict[str, object]:
        """A plain dict (for caches and worker processes)."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data["fix"] = self.fix.to_dict() if self.fix else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Finding:
        """Inverse of :meth:`to_dict`."""
        related = tuple(tuple(place) for place in data.get("related", ()))  # type: ignore[attr-defined]
        fix = Fix.from_dict(data["fix"]) if data.get("fix") else None  # type: ignore[arg-type]
        return cls(**{**data, "severity": Severity(data["severity"]), "related": related,  # type: ignore[arg-type]
                      "fix": fix})
