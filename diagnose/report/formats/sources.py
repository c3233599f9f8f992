"""Source lines of reported files, read once per report."""

from __future__ import annotations


class SourceLines:
    """Decoded lines of files, cached; an unreadable file has no lines."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def __call__(self, path: str) -> list[str]:
        if path not in self._lines:
            from diagnose.lint.engine import decode
            from diagnose.lint.noqa import physical_lines

            try:
                with open(path, "rb") as handle:
                    self._lines[path] = physical_lines(decode(handle.read()))
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: str, row: int) -> str:
        """One line (1-based), empty when out of range."""
        lines = self(path)
        return lines[row - 1] if 0 < row <= len(lines) else ""
