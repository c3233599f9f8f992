"""The bytecode cache answers DLK000's question only for the very bytes it was compiled from."""

from __future__ import annotations

import os
import py_compile
from pathlib import Path

import pytest

from diagnose.lint.bytecode import proves_compiles
from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path

# names TF (so it passes the byte gate) but can hold no other finding: only the syntax check runs
VALID = "import tensorflow as tf\n\nx = 1\n"
BROKEN = "import tensorflow as tf\n\nx = = 1\n"


def _proves(path: Path) -> bool:
    return proves_compiles(str(path), path.read_bytes(), os.stat(path))


@pytest.mark.parametrize("mode", [py_compile.PycInvalidationMode.TIMESTAMP,
                                  py_compile.PycInvalidationMode.CHECKED_HASH,
                                  py_compile.PycInvalidationMode.UNCHECKED_HASH])
def test_bytecode_of_these_bytes_proves_they_compile(tmp_path: Path, mode) -> None:
    module = tmp_path / "m.py"
    module.write_text(VALID)
    assert not _proves(module)  # no bytecode yet
    py_compile.compile(str(module), doraise=True, invalidation_mode=mode)
    assert _proves(module)


@pytest.mark.parametrize("mode", [py_compile.PycInvalidationMode.TIMESTAMP,
                                  py_compile.PycInvalidationMode.UNCHECKED_HASH])
def test_stale_bytecode_proves_nothing_and_the_broken_file_is_reported(tmp_path: Path, mode) -> None:
    module = tmp_path / "m.py"
    module.write_text(VALID)
    py_compile.compile(str(module), doraise=True, invalidation_mode=mode)
    stat = os.stat(module)
    module.write_text(BROKEN)  # one byte longer
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime
    assert not _proves(module)
    findings = check_path(str(module), Settings(root=tmp_path)).findings
    assert [f.code for f in findings] == ["DLK000"]


def test_same_size_edit_in_another_second_is_not_proven(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(VALID)
    py_compile.compile(str(module), doraise=True)
    module.write_text(VALID.replace("x = 1", "x =(1"))  # same size, does not parse
    os.utime(module, (os.stat(module).st_atime, os.stat(module).st_mtime + 5))
    assert not _proves(module)
    assert [f.code for f in check_path(str(module), Settings(root=tmp_path)).findings] == ["DLK000"]


def test_bytecode_of_another_interpreter_proves_nothing(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(VALID)
    cached = Path(py_compile.compile(str(module), doraise=True))
    data = bytearray(cached.read_bytes())
    data[0] ^= 0xFF  # another magic number
    cached.write_bytes(bytes(data))
    assert not _proves(module)
