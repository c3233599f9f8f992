"""``predlint check --add-noqa``: suppress every current finding with a ``# noqa: CODE`` where it counts
(its ``noqa_row``: the reported line, or the end of a statement whose line cannot hold a comment)."""

from __future__ import annotations

import io
import tokenize
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from diagnose.lint.finding import Finding
from diagnose.lint.noqa import LINE_NOQA, UNUSED_NOQA, directive_rows, physical_lines
from diagnose.lint.notebook import is_notebook

NOT_SUPPRESSIBLE = frozenset({"DLK000", UNUSED_NOQA})  # a file that does not parse; a stale directive


@dataclass(frozen=True)
class Outcome:
    """How many lines got a new or extended directive, and how many findings are still reported."""

    added: int
    left: int
    why: str = ""


def add_noqa(findings: Iterable[Finding]) -> Outcome:
    """Edit the files of ``findings`` in place; findings that no directive can cover are counted in ``left``."""
    by_file: dict[str, dict[int, set[str]]] = {}
    reasons: Counter[str] = Counter()
    for f in findings:
        if f.code in NOT_SUPPRESSIBLE:
            reasons[f"{f.code} is not suppressed this way"] += 1
        elif is_notebook(f.path):
            reasons["notebooks are not edited"] += 1
        else:
            by_file.setdefault(f.path, {}).setdefault(f.noqa_row, set()).add(f.code)
    added = 0
    for path, codes in by_file.items():
        edited, missed = _edit_file(path, codes)
        added += edited
        reasons["the line cannot hold a comment or the file cannot be written"] += missed
    why = "; ".join(f"{count}: {reason}" for reason, count in reasons.items() if count)
    return Outcome(added, sum(reasons.values()), why)


def _edit_file(path: str, codes_by_row: dict[int, set[str]]) -> tuple[int, int]:
    """Rewrite one file in its own encoding and line endings: (rows edited, findings not covered). A file
    that vanished or cannot be written since it was checked gets nothing."""
    findings = sum(len(codes) for codes in codes_by_row.values())
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text, edited, missed = with_noqa(source.decode(encoding), codes_by_row)
        if edited:
            with open(path, "wb") as handle:
                handle.write(text.encode(encoding))
    except (OSError, SyntaxError, UnicodeError):
        return 0, findings
    return edited, missed


def with_noqa(text: str, codes_by_row: dict[int, set[str]]) -> tuple[str, int, int]:
    """The source with the codes added to each row's ``# noqa`` (merged into an existing one, else appended
    after the code and any comment), the number of rows edited, and the number of codes on rows that
    cannot hold a comment (they end inside a string or after a line continuation) and so were left alone."""
    lines = physical_lines(text, keepends=True)
    try:
        comments = _comment_columns(text)
    except (tokenize.TokenError, SyntaxError):
        return text, 0, sum(len(codes) for codes in codes_by_row.values())
    blocked = directive_rows(text)
    edited = missed = 0
    for row, codes in sorted(codes_by_row.items()):
        if not 0 < row <= len(lines) or row in blocked:
            missed += len(codes)
            continue
        body = lines[row - 1].rstrip("\r\n")
        ending = lines[row - 1][len(body):]
        new_body = _with_codes(body, comments.get(row), codes)
        if new_body != body:
            lines[row - 1] = new_body + ending
            edited += 1
    return "".join(lines), edited, missed


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


def _comment_columns(text: str) -> dict[int, int]:
    """Where each row's comment starts (0-based column)."""
    return {token.start[0]: token.start[1] for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT}
