"""Fix one file: check, apply the fixes that do not overlap, check again, until nothing is left to fix
(at most :data:`MAX_ROUNDS` rounds); the result must parse, or the file keeps its old text."""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from diagnose.lint.finding import Finding
from diagnose.lint.fix.apply import apply_fixes
from diagnose.lint.fix.model import Fix

MAX_ROUNDS = 10

Check = Callable[[bytes], "list[Finding]"]
# Apply fixes to a file's bytes: the new bytes and the fixes applied, or None when the file or the result
# does not parse (or cannot be written in its encoding).
Apply = Callable[[bytes, "list[Fix]"], "tuple[bytes, set[Fix]] | None"]


@dataclass
class Fixed:
    """One file's bytes before and after, how many findings the fixes resolved, and what remains."""

    path: str
    before: bytes
    after: bytes
    fixed: int
    findings: list[Finding]

    @property
    def changed(self) -> bool:
        return self.after != self.before


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def apply_to_python(data: bytes, fixes: list[Fix]) -> tuple[bytes, set[Fix]] | None:
    """Fixes applied to a Python file, decoded and encoded in its own encoding (a BOM stays)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    new_text, applied = apply_fixes(text, fixes)
    if not parses(text) or not parses(new_text):
        return None
    try:
        return new_text.encode(encoding), applied
    except UnicodeEncodeError:
        return None


def fix_rounds(path: str, source: bytes, check: Check, apply: Apply, unsafe: bool) -> Fixed:
    """Apply the applicable fixes in rounds, checking again after each, until none applies or changes
    anything (or :data:`MAX_ROUNDS`); a round whose result does not parse is dropped and ends the fixing."""
    findings, data, fixed = check(source), source, 0
    for _ in range(MAX_ROUNDS):
        wanted = [f.fix for f in findings if f.fix is not None and f.fix.applies(unsafe)]
        if not wanted:
            break
        result = apply(data, wanted)
        if result is None or not result[1] or result[0] == data:
            break
        fixed += sum(1 for f in findings if f.fix in result[1])
        data = result[0]
        findings = check(data)
    return Fixed(path, source, data, fixed, findings)


def fix_source(path: str, source: bytes, check: Check, unsafe: bool) -> Fixed:
    """A Python file fixed in rounds; a source that does not decode or parse is left as it is."""
    return fix_rounds(path, source, check, apply_to_python, unsafe)
