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

MAX_ROUNDS = 10

Check = Callable[[bytes], "list[Finding]"]


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


def fix_source(path: str, source: bytes, check: Check, unsafe: bool) -> Fixed:
    """Apply the applicable fixes in rounds. The text is decoded and written back in its own encoding
    (a BOM stays); a source that does not decode or parse is left as it is."""
    findings = check(source)
    unchanged = Fixed(path, source, source, 0, findings)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return unchanged
    if not parses(text):
        return unchanged
    data, fixed = source, 0
    for _ in range(MAX_ROUNDS):
        wanted = [f.fix for f in findings if f.fix is not None and f.fix.applies(unsafe)]
        if not wanted:
            break
        new_text, applied = apply_fixes(text, wanted)
        if not applied or new_text == text or not parses(new_text):
            break
        try:
            new_data = new_text.encode(encoding)
        except UnicodeEncodeError:
            break
        fixed += sum(1 for f in findings if f.fix in applied)
        text, data, findings = new_text, new_data, check(new_data)
    return Fixed(path, source, data, fixed, findings)
