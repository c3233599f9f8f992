"""``predlint bench``: the command's wiring, its errors, the report files, and one short real run."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from diagnose.bench.results import BenchReport, ImplementationResult, WorkloadResult


def bench_parser() -> argparse.ArgumentParser:
    from diagnose.bench.command import register
    from diagnose.cli import _Parser

    parser = _Parser(prog="predlint")
    register(parser.add_subparsers(dest="command", parser_class=_Parser))
    return parser


def test_importing_the_command_pulls_no_heavy_module():
    code = (
        "import sys, diagnose.cli, diagnose.bench, diagnose.bench.command\n"
        "heavy = ('numpy', 'tensorflow', 'keras', 'rich', 'matplotlib')\n"
        "print([m for m in sys.modules if m.split('.')[0] in heavy])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_options_and_the_lint_mode_parse():
    from diagnose.bench.command import run_bench, run_lint_bench

    parser = bench_parser()
    args = parser.parse_args(["bench", "--quick", "--workers", "3", "--workload", "preprocessing-bound"])
    assert (args.func.__wrapped__, args.quick, args.workers, args.workload) == (
        run_bench, True, 3, ["preprocessing-bound"])
    assert args.report_dir == "reports/" and args.output_format == "full"
    args = parser.parse_args(["bench", "lint", "a.py", "pkg/"])
    assert args.func.__wrapped__ is run_lint_bench and args.paths == ["a.py", "pkg/"]


def test_unknown_workload_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_parser().parse_args(["bench", "--workload", "gpu-bound"])
    assert exit_info.value.code == 2
    assert "unknown gpu-bound" in capsys.readouterr().err


def test_zero_workers_is_a_usage_error():
    from diagnose.bench.command import run_bench
    from diagnose.errors import UsageError

    with pytest.raises(UsageError, match="--workers and --repeat"):
        run_bench(bench_parser().parse_args(["bench", "--workers", "0"]))


def result(key: str, family: str, seconds: float, baseline_seconds: float, samples: int = 1000) -> ImplementationResult:
    return ImplementationResult(
        key, key, family, 2, seconds=seconds, samples_per_second=samples / seconds,
        speedup=baseline_seconds / seconds, startup_seconds=None, peak_tree_rss_mb=100.0, peak_tree_pss_mb=90.0,
        pss_per_worker_mb=40.0 if family == "predlint" else None,
        processes=[{"pid": 1, "role": "parent", "peak_rss_mb": 100.0, "peak_pss_mb": 90.0}],
        matches_baseline=None if key == "baseline" else True, max_abs_diff=0.0,
    )


def synthetic_report(preprocess_pool_seconds: float, compute_pool_seconds: float) -> BenchReport:
    preprocessing = WorkloadResult("preprocessing-bound", "synthetic", 1000, 64, [
        result("baseline", "baseline", 10.0, 10.0),
        result("pydataset", "keras", 9.0, 10.0),
        result("parallel_predictor", "predlint", preprocess_pool_seconds, 10.0),
    ])
    compute = WorkloadResult("compute-bound", "synthetic", 1000, 256, [
        result("baseline", "baseline", 1.0, 1.0),
        result("parallel_predictor", "predlint", compute_pool_seconds, 1.0),
    ])
    workloads = [compute, preprocessing]
    machine = {"cores": 2, "cpu": "test", "memory_gb": 1, "python": "3", "tensorflow": "2", "keras": "3",
               "load_average_before": [0, 0, 0], "load_average_after": [0, 0, 0]}
    return BenchReport("t0", "t1", machine, {"workers": 2, "quick": True}, workloads)


def test_each_workload_gets_a_verdict_instead_of_a_bars_table():
    from diagnose.report.bench import verdict

    compute, preprocessing = synthetic_report(5.5, 1.25).workloads
    assert verdict(preprocessing) == ("preprocessing-bound: fastest is parallel_predictor, 1.82x one process; "
                                      "every output equals model.predict.")
    assert verdict(compute).startswith("compute-bound: one process (model.predict) is the fastest here")


def test_reports_are_written_with_new_names_and_never_overwritten(tmp_path):
    from diagnose.report.bench import write_reports

    report = synthetic_report(5.5, 1.05)
    first = write_reports(report, str(tmp_path))
    second = write_reports(report, str(tmp_path))
    assert len({*first, *second}) == 4 and all(os.path.getsize(path) > 0 for path in (*first, *second))
    data = json.loads(open(first[0]).read())
    assert data["kind"] == "predlint-bench"
    assert data["workloads"][1]["results"][0]["processes"][0]["peak_pss_mb"] == 90.0


def test_table_renders(tmp_path):
    from rich.console import Console

    from diagnose.report.bench import render_table

    console = Console(record=True, width=140)  # what the command gives a non-terminal
    render_table(synthetic_report(5.5, 1.05), console)
    text = console.export_text()
    assert "preprocessing-bound" in text and "speed-up" in text and "1.82x" in text
    assert "PSS/worker" in text and "bars" not in text


@pytest.mark.timeout(180)
def test_short_real_run_writes_json_and_png(tmp_path):
    """The real thing, cut down: one workload, the baseline and the warm pool, --quick sizes."""
    command = [sys.executable, "-c", "from diagnose.cli import main; raise SystemExit(main())",
               "bench", "--quick", "--workload", "preprocessing-bound", "--implementation", "parallel_predictor",
               "--report-dir", str(tmp_path), "--output-format", "json"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=170,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    (workload,) = report["workloads"]
    keys = [r["key"] for r in workload["results"]]
    assert keys == ["baseline", "parallel_predictor"]
    warm = workload["results"][1]
    assert warm["matches_baseline"] is True and warm["samples_per_second"] > 0
    assert {p["role"] for p in warm["processes"]} >= {"parent", "worker"}
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".json", ".png"]


def test_command_choices_match_the_registries():
    from diagnose.bench import command
    from diagnose.bench.implementations import IMPLEMENTATIONS
    from diagnose.bench.workloads import standard_workloads

    assert command.IMPLEMENTATIONS == tuple(i.key for i in IMPLEMENTATIONS)
    assert command.WORKLOADS == tuple(w.name for w in standard_workloads(quick=True))


def run_cli(*args: str, timeout: float = 120, prelude: str = "") -> subprocess.CompletedProcess:
    code = f"{prelude}\nfrom diagnose.cli import main; raise SystemExit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


BLOCK_NUMPY = """
import sys
class NoNumpy:  # as after a plain `pip install .`: NumPy is not there
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "numpy":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoNumpy())
"""


@pytest.mark.timeout(60)
def test_bench_without_its_extra_says_which_to_install():
    run = run_cli("bench", "--quick", "--no-files", prelude=BLOCK_NUMPY, timeout=50)
    assert run.returncode == 2
    assert run.stderr.strip() == ("predlint: error: predlint bench needs numpy, which is not installed: "
                                  "pip install 'predlint[bench]'")


@pytest.mark.timeout(120)
def test_bench_lint_on_an_expression_too_deep_to_parse_reports_it(tmp_path):
    deep = tmp_path / "deep.py"
    deep.write_text("import multiprocessing\nx = " + " + ".join(["1"] * 50_000) + "\n")
    run = run_cli("bench", "lint", str(deep), timeout=110)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "DLK000" in run.stdout and "RecursionError" in run.stdout


FAILING_RUN = """
import diagnose.bench.runner
def broken(**_):
    raise OSError("disk on fire\\nsecond line")
diagnose.bench.runner.run_benchmark = broken
"""


@pytest.mark.timeout(60)
def test_an_internal_error_in_bench_is_one_line_and_exit_2():
    run = run_cli("bench", "--quick", "--no-files", prelude=FAILING_RUN, timeout=50)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == "predlint bench: internal error: OSError: disk on fire"
    assert "Traceback" not in run.stderr
