"""``# noqa`` comments: per line (all codes or a list) and file-wide ``# predlint: noqa``."""

from __future__ import annotations

import re

LINE_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,?\s*[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"^\s*#\s*predlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,?\s*[A-Z]+[0-9]+)*))?\s*$",
                       re.IGNORECASE | re.MULTILINE)
ALL = frozenset({"*"})


def _codes(text: str | None) -> frozenset[str]:
    return ALL if not text else frozenset(c.upper() for c in re.findall(r"[A-Za-z]+[0-9]+", text))


def file_exemptions(source: str) -> frozenset[str]:
    """Codes exempted for the whole file by ``# predlint: noqa[: CODES]`` (``*`` for all)."""
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
