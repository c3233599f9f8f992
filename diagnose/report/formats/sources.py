"""Source lines of reported files, read once per report; notebooks map rows to their cells."""

from __future__ import annotations

from diagnose.lint.notebook import Notebook, is_notebook


class SourceLines:
    """Decoded lines of files, cached; an unreadable file has no lines. ``provided`` holds the bytes of
    files that are not on disk as reported (standard input under ``--stdin-filename``)."""

    def __init__(self, provided: dict[str, bytes] | None = None) -> None:
        self._provided = dict(provided or {})
        self._lines: dict[str, list[str]] = {}
        self._notebooks: dict[str, Notebook | None] = {}

    def _read(self, path: str) -> bytes | None:
        if path in self._provided:
            return self._provided[path]
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def _load(self, path: str) -> None:
        from diagnose.lint.engine import decode
        from diagnose.lint.noqa import physical_lines
        from diagnose.lint.notebook import parse

        data = self._read(path)
        self._lines[path], self._notebooks[path] = [], None
        if data is None:
            return
        try:
            if is_notebook(path):
                notebook = parse(data)
                self._lines[path], self._notebooks[path] = notebook.lines, notebook
            else:
                self._lines[path] = physical_lines(decode(data))
        except (ValueError, SyntaxError, LookupError):
            pass

    def __call__(self, path: str) -> list[str]:
        """The file's lines; for a notebook, the lines of its code cells one after the other."""
        if path not in self._lines:
            self._load(path)
        return self._lines[path]

    def line(self, path: str, row: int) -> str:
        """One line (1-based), empty when out of range."""
        lines = self(path)
        return lines[row - 1] if 0 < row <= len(lines) else ""

    def cell(self, path: str, row: int) -> tuple[int, int] | None:
        """For a notebook, the cell (1-based) of a module row and the row in that cell; None for a module."""
        if not is_notebook(path):
            return None
        self(path)
        notebook = self._notebooks.get(path)
        return notebook.position(row) if notebook else None

    def location(self, path: str, row: int, column: int) -> str:
        """``row:column``, or ``cell N:row:column`` in a notebook (as ruff shows them)."""
        cell = self.cell(path, row)
        return f"{row}:{column}" if cell is None else f"cell {cell[0]}:{cell[1]}:{column}"
