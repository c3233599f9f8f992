"""The lint path must start without TensorFlow, Keras or NumPy (CI machines may not have them)."""

from __future__ import annotations

import subprocess
import sys

from lint_support import FIXTURES

HEAVY = ("tensorflow", "keras", "tf_keras", "numpy", "torch", "psutil")


def test_check_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from diagnose.cli import main\n"
        f"rc = main(['check', '--output-format', 'json', '--exit-zero', {str(FIXTURES)!r}])\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
        "raise SystemExit(rc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr
