"""Apply fixes to a source text by ranges: text outside the edited spans is kept exactly; fixes whose
edits overlap one already taken wait for the next round."""

from __future__ import annotations

from collections.abc import Iterable

from diagnose.lint.fix.model import Edit, Fix
from diagnose.lint.noqa import physical_lines


def line_ending(text: str) -> str:
    """The file's line ending (its first one; ``\\n`` when it has none)."""
    for line in physical_lines(text, keepends=True):
        body = line.rstrip("\r\n")
        if len(body) < len(line):
            return line[len(body):]
    return "\n"


def _offsets(text: str) -> list[int]:
    """Where each row starts in ``text`` (one past the last row too, for an edit at the very end)."""
    starts = [0]
    for line in physical_lines(text, keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _span(edit: Edit, starts: list[int]) -> tuple[int, int] | None:
    """The edit's range as offsets into the text; None when it lies outside it or ends before it starts."""
    def offset(row: int, column: int) -> int | None:
        if not 1 <= row <= len(starts) or column < 1:
            return None
        at = starts[row - 1] + column - 1
        return at if at <= starts[min(row, len(starts) - 1)] else None

    start, end = offset(edit.row, edit.column), offset(edit.end_row, edit.end_column)
    return (start, end) if start is not None and end is not None and start <= end else None


def _intersect(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Ranges that share text, or two insertions at one point (their order would be unclear)."""
    return a[0] < b[1] and b[0] < a[1] or a == b


def _near(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Edits of two fixes that share text or touch at a point where one inserts: one waits a round."""
    return _intersect(a, b) or a[0] == b[0] or a[1] == b[1] or (a[0] == a[1] or b[0] == b[1]) and (
        a[0] == b[1] or a[1] == b[0])


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, set[Fix]]:
    """The text with every fix applied whose edits neither overlap each other nor come near a fix taken
    before it (in order of position; a fix reported twice is applied once), and the fixes applied. A fix's
    own edits may touch (a deletion, then an insertion where it ends)."""
    starts = _offsets(text)
    taken: list[tuple[int, int]] = []
    edits: list[tuple[tuple[int, int], str]] = []
    applied: set[Fix] = set()
    newline = line_ending(text)
    for fix in sorted(dict.fromkeys(fixes), key=lambda f: min((e.start for e in f.edits), default=(0, 0))):
        spans = [_span(edit, starts) for edit in fix.edits]
        if not spans or None in spans:
            continue
        ranges = [s for s in spans if s is not None]
        if any(_intersect(a, b) for i, a in enumerate(ranges) for b in ranges[i + 1:]) \
                or any(_near(a, b) for a in ranges for b in taken):
            continue
        taken.extend(ranges)
        edits.extend((span, edit.content.replace("\n", newline)) for span, edit in zip(ranges, fix.edits))
        applied.add(fix)
    for (start, end), content in sorted(edits, reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied
