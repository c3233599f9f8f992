"""DLK502 and DLK401 say which lifecycle miss they found (the fixtures check only codes and lines)."""

from __future__ import annotations

from lint_support import FIXTURES, check_text

REGRESSIONS = FIXTURES / "regressions"


def messages(name: str, code: str) -> dict[int, str]:
    findings = check_text((REGRESSIONS / name).read_text(), select=[code])
    return {f.row: f.message for f in findings if f.code == code}


def test_pool_closed_only_in_except_says_so() -> None:
    found = messages("fn_pool_closed_only_in_except.py", "DLK502")
    assert len(found) == 2 and all("only when an exception is raised" in m for m in found.values())


def test_rebound_pool_is_never_closed() -> None:
    found = messages("fn_pool_name_rebound_after_close.py", "DLK502")
    assert len(found) == 2 and all(m.startswith("pool is never closed") for m in found.values())


def test_partial_drain_names_how_reading_stops() -> None:
    found = sorted(messages("fn_join_after_partial_drain.py", "DLK401").values())
    assert len(found) == 2
    assert "momentarily empty" in found[0] and "stop signal" in found[1]
