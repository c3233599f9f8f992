"""The fix machinery and the ``--fix`` family of flags: edits by range, rounds, what is kept of a file
(encoding, line endings, BOM, permissions), files never written, ``--diff``, the JSON/SARIF ``fix``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from diagnose.lint.finding import Finding, Severity
from diagnose.lint.fix.apply import apply_fixes
from diagnose.lint.fix.model import SAFE, UNSAFE, Edit, Fix
from diagnose.lint.fix.rounds import MAX_ROUNDS, fix_source
from lint_support import ROOT, predlint

QUEUE_SOURCE = (ROOT / "fixtures" / "fix" / "DLK402" / "input.py").read_text()
QUEUE_FIXED = (ROOT / "fixtures" / "fix" / "DLK402" / "expected.py").read_text()
POOL = "import multiprocessing\n\n\ndef run(items):\n    pool = multiprocessing.Pool(2)\n" \
       "    return pool.map(abs, items)\n"


def _fix(applicability: str, *edits: tuple[int, int, int, int, str]) -> Fix:
    return Fix(applicability, "test", tuple(Edit(*edit) for edit in edits))


def _finding(fix: Fix | None, row: int = 1) -> Finding:
    return Finding("x.py", row, 1, row, 2, "DLK999", "test", "m", Severity.ERROR, row, fix=fix)


def test_edits_keep_everything_outside_their_span() -> None:
    text = "a = 1  # one\r\nb = 2\r\n\tc = 3\r\n"
    new, applied = apply_fixes(text, [_fix(SAFE, (2, 5, 2, 6, "20\n"))])
    assert new == "a = 1  # one\r\nb = 20\r\n\r\n\tc = 3\r\n"  # new lines in the file's own ending
    assert len(applied) == 1


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    first, second = _fix(SAFE, (1, 1, 1, 2, "b")), _fix(SAFE, (1, 1, 1, 2, "c"))
    new, applied = apply_fixes("a\n", [first, second])
    assert new in ("b\n", "c\n") and len(applied) == 1


def test_a_fix_is_applied_whole_or_not_at_all() -> None:
    taken = _fix(SAFE, (1, 1, 1, 2, "X"))
    clashing = _fix(SAFE, (2, 1, 2, 2, "Y"), (1, 1, 1, 1, "Z"))
    new, applied = apply_fixes("a\nb\n", [taken, clashing])
    assert (new, applied) == ("X\nb\n", {taken})


def test_the_same_fix_reported_twice_is_applied_once() -> None:
    fix = _fix(SAFE, (1, 1, 1, 1, "# x\n"))
    assert apply_fixes("a\n", [fix, fix])[0] == "# x\na\n"


def test_rounds_are_bounded_and_stop_when_nothing_changes() -> None:
    calls = []

    def check(data: bytes) -> list[Finding]:  # a fix that never resolves its finding
        calls.append(data)
        return [_finding(_fix(SAFE, (1, 1, 1, 1, "#\n")))]

    fixed = fix_source("x.py", b"a = 1\n", check, unsafe=False)
    assert len(calls) == MAX_ROUNDS + 1
    assert fixed.after.count(b"#\n") == MAX_ROUNDS


def test_unsafe_fixes_need_the_flag() -> None:
    def check(data: bytes) -> list[Finding]:
        return [] if data.startswith(b"b") else [_finding(_fix(UNSAFE, (1, 1, 1, 2, "b")))]

    assert not fix_source("x.py", b"a\n", check, unsafe=False).changed
    assert fix_source("x.py", b"a\n", check, unsafe=True).after == b"b\n"


def test_a_fix_that_would_not_parse_is_not_applied() -> None:
    fixed = fix_source("x.py", b"a = 1\n", lambda data: [_finding(_fix(SAFE, (1, 5, 1, 6, "(")))], unsafe=True)
    assert not fixed.changed and fixed.fixed == 0


def test_a_file_that_does_not_parse_is_never_fixed() -> None:
    source = b"a = (\n"
    fixed = fix_source("x.py", source, lambda data: [_finding(_fix(SAFE, (1, 1, 1, 1, "#")))], unsafe=True)
    assert fixed.after == source


def test_fix_survives_the_cache_round_trip() -> None:
    finding = _finding(_fix(UNSAFE, (1, 1, 2, 3, "x\n")))
    back = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
    assert back == finding and back.fix == finding.fix
    assert Finding.from_dict(_finding(None).to_dict()).fix is None


def test_crlf_bom_encoding_and_permissions_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "queues.py"
    target.write_bytes(b"\xef\xbb\xbf" + QUEUE_SOURCE.replace("\n", "\r\n").encode())
    target.chmod(0o751)
    result = predlint("check", "--no-cache", "--fix", "--unsafe-fixes", target.name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # the join() without task_done() remains
    assert target.read_bytes() == b"\xef\xbb\xbf" + QUEUE_FIXED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["queues.py"]  # no temporary file left behind


def test_a_declared_encoding_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "latin.py"
    source = "# -*- coding: latin-1 -*-\n# café\n" + POOL
    target.write_bytes(source.encode("latin-1"))
    predlint("check", "--no-cache", "--fix", target.name, cwd=tmp_path)
    text = target.read_bytes().decode("latin-1")
    assert "# café" in text and "with multiprocessing.Pool(2) as pool:" in text


def test_a_file_that_does_not_parse_is_not_written(tmp_path: Path) -> None:
    target = tmp_path / "broken.py"
    target.write_text(POOL + "def broken(:\n")
    before = target.stat().st_mtime_ns
    result = predlint("check", "--no-cache", "--fix", target.name, cwd=tmp_path)
    assert "DLK000" in result.stdout and result.returncode == 1
    assert target.read_text() == POOL + "def broken(:\n" and target.stat().st_mtime_ns == before


def test_fixed_findings_are_not_reported_and_the_summary_counts(tmp_path: Path) -> None:
    (tmp_path / "pool.py").write_text(POOL)
    result = predlint("check", "--no-cache", "--fix", "pool.py", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "All checks passed!")
    assert result.stderr == "Fixed 1, 0 remaining.\n"


def test_diff_shows_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "pool.py").write_text(POOL)
    result = predlint("check", "--no-cache", "--diff", "pool.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("--- pool.py\n+++ pool.py\n@@")
    assert "-    pool = multiprocessing.Pool(2)\n-    return pool.map(abs, items)\n" \
           "+    with multiprocessing.Pool(2) as pool:\n+        return pool.map(abs, items)\n" in result.stdout
    assert result.stderr == "Would fix 1 finding.\n"
    assert (tmp_path / "pool.py").read_text() == POOL
    clean = predlint("check", "--no-cache", "--diff", "pool.py", "--ignore", "DLK502", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_diff_mentions_fixes_that_need_unsafe_fixes(tmp_path: Path) -> None:
    (tmp_path / "queues.py").write_text(QUEUE_SOURCE)
    result = predlint("check", "--no-cache", "--diff", "queues.py", cwd=tmp_path)
    assert result.returncode == 1  # the safe fix (task_done() without join()) would change the file
    assert result.stderr == "Would fix 1 finding (2 more with --unsafe-fixes).\n"


def test_fix_only_reports_nothing_and_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "queues.py").write_text(QUEUE_SOURCE)
    result = predlint("check", "--no-cache", "--fix-only", "--unsafe-fixes", "queues.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "Fixed 3, 1 remaining.\n")
    assert (tmp_path / "queues.py").read_text() == QUEUE_FIXED


@pytest.mark.parametrize("flag", ["--fix", "--fix-only", "--diff"])
def test_add_noqa_and_fix_are_refused(flag: str, tmp_path: Path) -> None:
    (tmp_path / "pool.py").write_text(POOL)
    result = predlint("check", "--add-noqa", flag, "pool.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--add-noqa and --fix" in result.stderr
    assert (tmp_path / "pool.py").read_text() == POOL


def test_json_and_sarif_describe_the_fix(tmp_path: Path) -> None:
    (tmp_path / "pool.py").write_text(POOL + "multiprocessing.Queue().join()\n")
    found = json.loads(predlint("check", "--no-cache", "--output-format", "json", "pool.py", cwd=tmp_path).stdout)
    by_code = {f["code"]: f for f in found}
    assert by_code["DLK402"]["fix"] is None
    fix = by_code["DLK502"]["fix"]
    assert fix["applicability"] == "safe" and "with" in fix["message"]
    assert fix["edits"][:2] == [
        {"content": "with ", "location": {"row": 5, "column": 5}, "end_location": {"row": 5, "column": 12}},
        {"content": " as pool:", "location": {"row": 5, "column": 35}, "end_location": {"row": 5, "column": 35}}]
    sarif = json.loads(predlint("check", "--no-cache", "--output-format", "sarif", "pool.py", cwd=tmp_path).stdout)
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    assert "fixes" not in results["DLK402"]
    (change,) = results["DLK502"]["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"].endswith("pool.py")
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 12},
        "insertedContent": {"text": "with "}}


def test_rules_say_whether_and_how_they_fix() -> None:
    rows = {r["code"]: r["fix"] for r in json.loads(predlint("rules", "--output-format", "json").stdout)}
    assert rows["DLK301"] == "safe" and rows["DLK404"] == "unsafe" and rows["DLK101"] == "none"
    assert "fix" in predlint("rules").stdout.splitlines()[0].split()
    page = predlint("rule", "DLK502").stdout
    assert "fix: safe (`--fix`): `pool = Pool(...)`" in page
    assert "fix: none" in predlint("rule", "DLK101").stdout


def test_standard_input_cannot_be_fixed() -> None:
    result = predlint("check", "--fix", "-")
    assert result.returncode == 2 and "cannot edit it" in result.stderr


def test_a_file_that_cannot_be_written_keeps_its_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diagnose.lint.config import Settings
    from diagnose.lint.fix import files
    from diagnose.lint.runner import check_files

    def refuse(path: str, data: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    target = tmp_path / "pool.py"
    target.write_text(POOL)
    monkeypatch.setattr(files, "write_atomically", refuse)
    results = check_files([str(target)], Settings())
    assert files.fix_results(results, Settings(), unsafe=False, write=True) == []
    assert target.read_text() == POOL and [f.code for f in results[0].findings] == ["DLK502"]


def test_a_check_says_how_many_findings_fix_would_repair(tmp_path: Path) -> None:
    (tmp_path / "queues.py").write_text(QUEUE_SOURCE)
    result = predlint("check", "--no-cache", "queues.py", cwd=tmp_path)
    assert result.stderr == "[*] 1 fixable with --fix (2 more with --unsafe-fixes).\n"
    unsafe = predlint("check", "--no-cache", "--unsafe-fixes", "queues.py", cwd=tmp_path)
    assert unsafe.stderr == "[*] 3 fixable with --fix --unsafe-fixes.\n"
    machine = predlint("check", "--no-cache", "--output-format", "json", "queues.py", cwd=tmp_path)
    assert machine.stderr == ""


def _notebook(*cells: str) -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},
                       "outputs": [{"name": "stdout", "output_type": "stream", "text": ["café\n"]}],
                       "source": source.splitlines(keepends=True)} for source in cells],
            "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4,
            "nbformat_minor": 5}


def test_notebooks_are_fixed_cell_by_cell(tmp_path: Path) -> None:
    document = _notebook("%matplotlib inline\nimport multiprocessing", POOL.split("\n", 1)[1] + "print(run([1]))")
    target = tmp_path / "predict.ipynb"
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    result = predlint("check", "--no-cache", "--fix", target.name, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "Fixed 1, 0 remaining.\n"), result.stdout
    fixed = json.loads(target.read_text())
    assert fixed["cells"][0] == document["cells"][0]  # the magic's cell, outputs and all
    assert fixed["cells"][1]["outputs"] == document["cells"][1]["outputs"]
    assert "".join(fixed["cells"][1]["source"]) == POOL.split("\n", 1)[1].replace(
        "    pool = multiprocessing.Pool(2)\n    return", "    with multiprocessing.Pool(2) as pool:\n        return") \
        + "print(run([1]))"
    assert target.read_text().startswith('{\n "cells": [') and target.read_text().endswith("}\n")
    again = predlint("check", "--no-cache", "--diff", target.name, cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "")


def test_a_notebook_fix_in_json_counts_rows_in_its_cell(tmp_path: Path) -> None:
    (tmp_path / "predict.ipynb").write_text(json.dumps(_notebook("import multiprocessing", POOL.split("\n", 1)[1])))
    (finding,) = json.loads(predlint("check", "--no-cache", "--output-format", "json", "predict.ipynb",
                                     cwd=tmp_path).stdout)
    assert (finding["cell"], finding["location"]["row"]) == (2, 4)
    assert finding["fix"]["edits"][0]["location"] == {"row": 4, "column": 5}


def test_fixes_come_back_from_the_cache(tmp_path: Path) -> None:
    (tmp_path / "pool.py").write_text(POOL)
    first, second = (predlint("check", "--output-format", "json", "pool.py", cwd=tmp_path).stdout for _ in range(2))
    assert (tmp_path / ".predlint_cache").is_dir()
    assert json.loads(second)[0]["fix"] == json.loads(first)[0]["fix"] is not None
    fixed = predlint("check", "--fix", "pool.py", cwd=tmp_path)  # from the cached findings, then checked afresh
    assert fixed.returncode == 0 and "with multiprocessing.Pool(2) as pool:" in (tmp_path / "pool.py").read_text()
    assert predlint("check", "pool.py", cwd=tmp_path).returncode == 0  # the cache saw the new file
