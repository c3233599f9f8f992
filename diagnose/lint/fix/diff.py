"""``--diff``: what fixing would change, as a unified diff per file."""

from __future__ import annotations

import difflib
import io
import tokenize

from diagnose.lint.fix.rounds import Fixed
from diagnose.lint.noqa import physical_lines
from diagnose.report.formats.paths import display_path


def _text(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def unified_diff(fixed: Fixed) -> str:
    """The file's diff (empty when nothing changes); a last line without an ending is marked as diff does."""
    if not fixed.changed:
        return ""
    name = display_path(fixed.path)
    lines = difflib.unified_diff(physical_lines(_text(fixed.before), keepends=True),
                                 physical_lines(_text(fixed.after), keepends=True), name, name)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
