"""Never crashes: the checker over the whole Python standard library ends with exit 0 or 1, no internal error."""

from __future__ import annotations

import sysconfig

from lint_support import predlint


def test_stdlib() -> None:
    stdlib = sysconfig.get_paths()["stdlib"]
    result = predlint("check", "--select", "ALL", "--output-format", "concise", "--exit-zero", stdlib, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
