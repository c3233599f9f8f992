"""A fix: edits by source range that resolve a finding, safe or unsafe (as ruff's applicability)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Applicability = Literal["safe", "unsafe"]
SAFE: Applicability = "safe"
UNSAFE: Applicability = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text from (row, column) up to (end_row, end_column) with ``content``. Rows and columns
    are 1-based and count characters, as a finding's; an insertion has start == end. ``content`` uses
    ``\\n`` for new lines (written in the file's own line ending)."""

    row: int
    column: int
    end_row: int
    end_column: int
    content: str

    @property
    def start(self) -> tuple[int, int]:
        return self.row, self.column

    @property
    def end(self) -> tuple[int, int]:
        return self.end_row, self.end_column

    def to_dict(self) -> dict[str, object]:
        """ruff's JSON shape of an edit."""
        return {"content": self.content, "location": {"row": self.row, "column": self.column},
                "end_location": {"row": self.end_row, "column": self.end_column}}

    @classmethod
    def from_dict(cls, data: dict) -> Edit:
        return cls(data["location"]["row"], data["location"]["column"], data["end_location"]["row"],
                   data["end_location"]["column"], data["content"])


@dataclass(frozen=True)
class Fix:
    """Edits applied together (never in part), what they do, and whether they keep behaviour (``safe``) or
    may change it (``unsafe``: applied only with ``--unsafe-fixes``)."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]

    def applies(self, unsafe: bool) -> bool:
        """Whether ``--fix`` applies it (unsafe fixes only with ``--unsafe-fixes``)."""
        return self.applicability == SAFE or unsafe

    def to_dict(self) -> dict[str, object]:
        """ruff's JSON shape of a fix."""
        return {"applicability": self.applicability, "message": self.message,
                "edits": [edit.to_dict() for edit in self.edits]}

    @classmethod
    def from_dict(cls, data: dict) -> Fix:
        return cls(data["applicability"], data["message"], tuple(Edit.from_dict(e) for e in data["edits"]))
