"""``predlint check --add-noqa``: suppress every current finding with a ``# noqa: CODE`` on its line."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable

from diagnose.lint.finding import Finding
from diagnose.lint.noqa import LINE_NOQA, UNUSED_NOQA, physical_lines

NOT_SUPPRESSIBLE = frozenset({"DLK000", UNUSED_NOQA})  # a file that does not parse; a stale directive


def add_noqa(findings: Iterable[Finding]) -> int:
    """Edit the files of ``findings`` in place; returns how many lines got a new or extended directive."""
    by_file: dict[str, dict[int, set[str]]] = {}
    for f in findings:
        if f.code not in NOT_SUPPRESSIBLE:
            by_file.setdefault(f.path, {}).setdefault(f.noqa_row, set()).add(f.code)
    return sum(_edit_file(path, codes) for path, codes in by_file.items())


def _edit_file(path: str, codes_by_row: dict[int, set[str]]) -> int:
    """Rewrite one file in its own encoding and line endings; a file that vanished or cannot be written
    since it was checked gets nothing."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text, edited = with_noqa(source.decode(encoding), codes_by_row)
        if edited:
            with open(path, "wb") as handle:
                handle.write(text.encode(encoding))
    except (OSError, SyntaxError, UnicodeError):
        return 0
    return edited


def with_noqa(text: str, codes_by_row: dict[int, set[str]]) -> tuple[str, int]:
    """The source with the codes added to each row's ``# noqa`` (merged into an existing one, else appended
    after the code and any comment), and the number of rows edited. A row whose end lies inside a string or
    after a line continuation cannot hold a comment and is left alone."""
    lines = physical_lines(text, keepends=True)
    try:
        comments, no_comment_rows = _comment_layout(text, lines)
    except (tokenize.TokenError, SyntaxError):
        return text, 0
    edited = 0
    for row, codes in sorted(codes_by_row.items()):
        if not 0 < row <= len(lines) or row in no_comment_rows:
            continue
        body = lines[row - 1].rstrip("\r\n")
        ending = lines[row - 1][len(body):]
        new_body = _with_codes(body, comments.get(row), codes)
        if new_body != body:
            lines[row - 1] = new_body + ending
            edited += 1
    return "".join(lines), edited


def _with_codes(body: str, comment_column: int | None, codes: set[str]) -> str:
    match = LINE_NOQA.search(body, comment_column) if comment_column is not None else None
    if match is None:
        return f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}"
    existing = match.group("codes")
    if existing is None:  # a blanket noqa already covers every code
        return body
    present = {c.upper() for c in existing.replace(",", " ").split()}
    missing = sorted(codes - present)
    if not missing:
        return body
    return f"{body[:match.end()]}, {', '.join(missing)}{body[match.end():]}"


def _comment_layout(text: str, lines: list[str]) -> tuple[dict[int, int], set[int]]:
    """Where each row's comment starts (0-based column), and the rows that end inside a token
    (a multi-line string) or with a backslash continuation."""
    comments: dict[int, int] = {}
    blocked: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        (start_row, start_col), (end_row, _) = token.start, token.end
        if token.type == tokenize.COMMENT:
            comments[start_row] = start_col
        elif end_row > start_row and token.type not in (tokenize.NL, tokenize.NEWLINE):
            blocked.update(range(start_row, end_row))
    for number, line in enumerate(lines, start=1):
        if line.rstrip().endswith("\\") and number not in comments:
            blocked.add(number)
    return comments, blocked
