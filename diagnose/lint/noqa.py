"""``# noqa`` comments: per line (all codes or a list), file-wide ``# predlint: noqa``, and DLK100 (unused)."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, replace

from diagnose.lint.finding import Finding

LINE_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,?\s*[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"^\s*#\s*predlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,?\s*[A-Z]+[0-9]+)*))?\s*$",
                       re.IGNORECASE | re.MULTILINE)
ALL = frozenset({"*"})
UNUSED_NOQA = "DLK100"
OWN_CODE = re.compile(r"DLK[0-9]{3}")
NOQA_WORD = re.compile("noqa", re.IGNORECASE)


def _codes(text: str | None) -> frozenset[str]:
    return ALL if not text else frozenset(c.upper() for c in re.findall(r"[A-Za-z]+[0-9]+", text))


def physical_lines(text: str, keepends: bool = False) -> list[str]:
    """Lines as the tokenizer counts them: split at ``\\n``, ``\\r\\n`` and ``\\r`` only (not at form feeds)."""
    lines = io.StringIO(text, newline="").readlines()
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


def file_exemptions(source: str) -> frozenset[str]:
    """Codes exempted for the whole file by ``# predlint: noqa[: CODES]`` (``*`` for all)."""
    if source.isascii() and "predlint" not in source.lower():
        return frozenset()  # a case-insensitive regex scans several times slower than lower() and ``in``
    out: set[str] = set()
    for match in FILE_NOQA.finditer(source):
        out |= _codes(match.group("codes"))
    return frozenset(out)


def line_exemptions(line: str) -> frozenset[str] | None:
    """Codes a line's ``# noqa`` exempts (``*`` for all), or None when it has none."""
    if "#" not in line:
        return None
    match = LINE_NOQA.search(line)
    return _codes(match.group("codes")) if match else None


def is_suppressed(code: str, exemptions: frozenset[str] | None) -> bool:
    """Whether a code is covered by a set of exemptions."""
    return exemptions is not None and ("*" in exemptions or code in exemptions)


def unused_noqa_wanted(source: bytes, enabled: frozenset[str]) -> bool:
    """Whether a file must be read for DLK100 even when it has no trigger word."""
    return UNUSED_NOQA in enabled and b"noqa" in source.lower()


def directive_rows(text: str) -> dict[int, int]:
    """Rows that cannot hold a comment, each mapped to the row where its statement's ``# noqa`` goes: a row
    that ends inside a multi-line string goes to the end of the string's last line (as ruff), a row that
    ends with a ``\\`` continuation to the next, until a row that can hold one. {} if it cannot tokenize."""
    step: dict[int, int] = {}
    comments: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            (start_row, _), (end_row, _) = token.start, token.end
            if token.type == tokenize.COMMENT:
                comments.add(start_row)
            elif end_row > start_row and token.type not in (tokenize.NL, tokenize.NEWLINE):
                step.update((row, end_row) for row in range(start_row, end_row))
    except (tokenize.TokenError, SyntaxError):
        return {}
    for number, line in enumerate(physical_lines(text), start=1):
        if line.endswith("\\") and number not in comments and number not in step:
            step[number] = number + 1
    out = {}
    for row in step:
        target = row
        while target in step:
            target = step[target]
        out[row] = target
    return out


def apply_noqa(found: Iterable[Finding], text: str, path: str, enabled: frozenset[str],
               exempt_file: frozenset[str], parses: bool = False) -> list[Finding]:
    """Drop findings that are disabled or suppressed; add DLK100 for directives that suppressed nothing.
    A finding on a row that cannot hold a comment is suppressed at the end of its statement (its
    ``noqa_row`` says where). ``parses``: the source is known to parse."""
    lines: list[str] | None = None
    kept: list[Finding] = []
    used: dict[int, set[str]] = {}
    moved: dict[int, int] | None = None
    for finding in found:
        if finding.code not in enabled or finding.code in exempt_file:
            continue
        if moved is None:
            moved = directive_rows(text)
        if finding.noqa_row in moved:
            finding = replace(finding, noqa_row=moved[finding.noqa_row])
        lines = physical_lines(text) if lines is None else lines
        line = lines[finding.noqa_row - 1] if 0 < finding.noqa_row <= len(lines) else ""
        if is_suppressed(finding.code, line_exemptions(line)):
            used.setdefault(finding.noqa_row, set()).add(finding.code)
        else:
            kept.append(finding)
    if UNUSED_NOQA in enabled and UNUSED_NOQA not in exempt_file:
        kept.extend(_unused(path, text, used, enabled, parses))
    return sorted(set(kept))


@dataclass(frozen=True)
class Directive:
    """A ``# noqa`` directive in a real comment; ``codes`` is None for a blanket one."""

    row: int
    column: int  # 1-based, the ``#``
    end_column: int
    codes: frozenset[str] | None


def directives(text: str, parses: bool = False) -> list[Directive]:
    """Every ``# noqa`` directive in the comments of a source (never in strings); [] if it cannot tokenize.
    A source known to parse tokenizes to its end, so tokenizing it stops after its last line with ``noqa``."""
    out: list[Directive] = []
    lowered = text.lower()
    if "noqa" not in lowered:
        return out
    last_row = lowered.count("\n", 0, lowered.rfind("noqa")) + 1 if parses and text.isascii() else None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if last_row is not None and token.start[0] > last_row:
                break
            if token.type == tokenize.COMMENT and "noqa" in token.string.lower():
                match = LINE_NOQA.search(token.string)
                if match:
                    row, column = token.start
                    codes = match.group("codes")
                    out.append(Directive(row, column + match.start() + 1, column + match.end() + 1,
                                         _codes(codes) if codes else None))
    except (tokenize.TokenError, SyntaxError):
        return []
    return out


def _unused(path: str, text: str, used: dict[int, set[str]], enabled: frozenset[str],
            parses: bool) -> Iterable[Finding]:
    """DLK100 findings: blanket directives that suppressed nothing, and DLK codes that suppressed nothing."""
    from diagnose.lint.rules import rule_by_code
    from diagnose.lint.rules.dlk100_unused_noqa import UnusedNoqa

    if not _may_hold_own_directive(text):
        return
    known = frozenset(rule_by_code())
    for directive in directives(text, parses):
        suppressed = used.get(directive.row, set())
        if directive.codes is None:
            message = None if suppressed else "Unused blanket `noqa` directive"
        elif UNUSED_NOQA in directive.codes:
            continue  # the line opts out of DLK100 itself
        else:
            message = _unused_codes_message([c for c in sorted(directive.codes) if OWN_CODE.fullmatch(c)],
                                            suppressed, enabled, known)
        if message:
            yield Finding(path, directive.row, directive.column, directive.row, directive.end_column,
                          UnusedNoqa.code, UnusedNoqa.name, message, UnusedNoqa.severity, directive.row)


def _may_hold_own_directive(text: str) -> bool:
    """Whether a line with ``noqa`` (in a comment or not) has a blanket directive or one naming a DLK code:
    only those can be unused, and tokenizing a file to find its comments costs more than checking it. Each
    line is read as a whole, so the directive of its comment is among the matches."""
    end = 0
    lowered = text.lower() if text.isascii() else None  # same offsets: found at memchr speed
    starts = _occurrences(lowered, "noqa") if lowered is not None else (m.start() for m in NOQA_WORD.finditer(text))
    for start in starts:
        if start < end:
            continue
        begin = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        end = min((i for i in (text.find("\n", start), text.find("\r", start)) if i != -1), default=len(text))
        if any(not match.group("codes") or OWN_CODE.search(match.group("codes").upper())
               for match in LINE_NOQA.finditer(text, begin, end)):
            return True
    return False


def _occurrences(text: str, word: str):
    """Offsets of every occurrence of ``word`` in ``text``."""
    start = text.find(word)
    while start != -1:
        yield start
        start = text.find(word, start + 1)


def _unused_codes_message(codes: list[str], suppressed: set[str], enabled: frozenset[str],
                          known: frozenset[str]) -> str | None:
    groups = {
        "unused": [c for c in codes if c in enabled and c not in suppressed],
        "non-enabled": [c for c in codes if c in known and c not in enabled],
        "unknown": [c for c in codes if c not in known],
    }
    parts = [f"{label}: {', '.join(f'`{c}`' for c in found)}" for label, found in groups.items() if found]
    return f"Unused `noqa` directive ({'; '.join(parts)})" if parts else None
