"""``predlint check --add-noqa``: suppress every current finding with a ``# noqa: CODE`` where it counts
(its ``noqa_row``: the reported line, or the end of a statement whose line cannot hold a comment)."""

from __future__ import annotations

import io
import json
import os
import tokenize
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from diagnose.lint.finding import Finding
from diagnose.lint.noqa import LINE_NOQA, UNUSED_NOQA, directive_rows, physical_lines
from diagnose.lint.notebook import cell_text, dump, is_notebook, python_lines, set_cell_text
from diagnose.lint.notebook import parse as parse_notebook

NOT_SUPPRESSIBLE = frozenset({"DLK000", UNUSED_NOQA})  # a file that does not parse; a stale directive


@dataclass(frozen=True)
class Outcome:
    """How many lines got a new or extended directive, and how many findings are still reported."""

    added: int
    left: int
    why: str = ""


def add_noqa(findings: Iterable[Finding]) -> Outcome:
    """Edit the files of ``findings`` in place (a notebook's cells in its JSON); findings that no directive
    can cover are counted in ``left``."""
    by_file: dict[str, dict[int, set[str]]] = {}
    reasons: Counter[str] = Counter()
    for f in findings:
        if f.code in NOT_SUPPRESSIBLE:
            reasons[f"{f.code} is not suppressed this way"] += 1
        else:
            by_file.setdefault(f.path, {}).setdefault(f.noqa_row, set()).add(f.code)
    added = 0
    for path, codes in by_file.items():
        edited, missed = (_edit_notebook if is_notebook(path) else _edit_file)(path, codes)
        added += edited
        reasons["the line cannot hold a comment or the file cannot be written"] += missed
    why = "; ".join(f"{count}: {reason}" for reason, count in reasons.items() if count)
    return Outcome(added, sum(reasons.values()), why)


def write_atomically(path: str, data: bytes) -> None:
    """Write a file atomically (a temporary file beside it, then a rename), keeping its permissions."""
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".predlint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, os.stat(path).st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _edit_file(path: str, codes_by_row: dict[int, set[str]]) -> tuple[int, int]:
    """Rewrite one file in its own encoding and line endings: (rows edited, findings not covered). A file
    that vanished or cannot be written since it was checked gets nothing."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text, edited, missed = with_noqa(source.decode(encoding), codes_by_row)
        if edited:
            write_atomically(path, text.encode(encoding))
    except (OSError, SyntaxError, UnicodeError):
        return 0, sum(len(codes) for codes in codes_by_row.values())
    return edited, missed


def _edit_notebook(path: str, codes_by_row: dict[int, set[str]]) -> tuple[int, int]:
    """Add directives to a notebook's cells (rows of its module mapped to cells), written back as JSON with
    the notebook's own indentation: (rows edited, findings not covered)."""
    total = sum(len(codes) for codes in codes_by_row.values())
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        notebook, document = parse_notebook(data), json.loads(data.decode("utf-8-sig"))
    except (OSError, ValueError):
        return 0, total
    by_cell: dict[int, dict[int, set[str]]] = {}
    missed = 0
    for row, codes in codes_by_row.items():
        position = notebook.position(row)
        if position is None:
            missed += len(codes)
        else:
            by_cell.setdefault(position[0], {})[position[1]] = codes
    edited = 0
    for number, rows in by_cell.items():
        cell = document["cells"][number - 1]
        text = cell_text(cell)
        layout = "".join(f"{line}\n" for line in python_lines(text.split("\n")))
        new_text, cell_edited, cell_missed = with_noqa(text, rows, layout)
        edited, missed = edited + cell_edited, missed + cell_missed
        set_cell_text(cell, new_text)
    if edited:
        try:
            write_atomically(path, dump(document, data))
        except OSError:
            return 0, total
    return edited, missed


def with_noqa(text: str, codes_by_row: dict[int, set[str]], layout: str | None = None) -> tuple[str, int, int]:
    """The source with the codes added to each row's ``# noqa`` (merged into an existing one, else appended
    after the code and any comment), the number of rows edited, and the number of codes on rows that
    cannot hold a comment (they end inside a string or after a line continuation) and so were left alone.
    ``layout`` is the text to find comments and strings in, when it differs from ``text`` on other rows
    (a notebook cell whose magics are ``pass``)."""
    lines = physical_lines(text, keepends=True)
    try:
        comments = _comment_columns(layout or text)
    except (tokenize.TokenError, SyntaxError):
        return text, 0, sum(len(codes) for codes in codes_by_row.values())
    blocked = directive_rows(layout or text)
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
