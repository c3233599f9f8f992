"""``predlint bench`` (does multiprocessing pay off?) and ``predlint bench lint PATH...``.

Stdlib imports only at module level: NumPy, TensorFlow, rich and matplotlib load when a
benchmark actually runs.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import sys
from collections.abc import Callable

from diagnose.errors import UsageError

WORKLOADS = ("compute-bound", "preprocessing-bound")
IMPLEMENTATIONS = (
    "baseline", "tf_data", "pydataset", "predict_chunked", "predict_chunked_warm", "predict_queued",
    "parallel_predictor", "ray_predictor",
)
EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
BENCH_NEEDS = ("numpy", "psutil", "matplotlib", "tensorflow", "keras")  # the `bench` extra


def _names(choices: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)} (choose from {', '.join(choices)})")
        return names

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="measure whether multiprocessing speeds up prediction here",
        description="Run a compute-bound and a preprocessing-bound workload through single-process "
        "model.predict, tf.data, Keras PyDataset and predlint's parallel implementations; print a table, "
        "write JSON and a PNG plot.",
    )
    bench.add_argument("--quick", action="store_true",
                       help="smaller inputs: about 250 CPU-seconds in all (10 min measured on 2 cores that other "
                       "work kept 1.6 cores busy)")
    bench.add_argument("--workers", type=int, default=2, help="worker processes for the parallel ones (default: 2)")
    bench.add_argument("--workload", type=_names(WORKLOADS), metavar="NAMES",
                       help=f"comma-separated subset of: {', '.join(WORKLOADS)} (default: all)")
    bench.add_argument("--implementation", type=_names(IMPLEMENTATIONS), metavar="KEYS",
                       help=f"comma-separated subset of: {', '.join(IMPLEMENTATIONS)} (default: all but ray_predictor, "
                       "which needs predlint[ray]; the baseline always runs)")
    bench.add_argument("--repeat", type=int, default=1,
                       help="runs per implementation; the fastest counts (default: 1)")
    bench.add_argument("--report-dir", default="reports/", help="where the JSON and PNG go (default: reports/)")
    bench.add_argument("--no-files", action="store_true", help="do not write the JSON and PNG")
    bench.add_argument("--output-format", choices=("full", "json"), default="full",
                       help="full: progress bar and tables; json: the report on stdout")
    bench.set_defaults(func=_reported(run_bench))

    modes = bench.add_subparsers(dest="bench_mode", metavar="MODE")
    lint = modes.add_parser("lint", help="time the static checker on PATHs",
                            description="Time `predlint check` on the given files or directories.")
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.set_defaults(func=_reported(run_lint_bench))


def _reported(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` with any unexpected error as one line on stderr and exit 2, never a traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (UsageError, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:  # the one place that turns any failure into a message
            message = (str(exc).strip().splitlines() or [""])[0]
            sys.stderr.write(f"predlint bench: internal error: {type(exc).__name__}: {message}\n")
            return EXIT_ERROR

    return run


def require_bench_extra() -> None:
    """A usage error naming the extra to install when a module ``predlint bench`` needs is missing."""
    for name in BENCH_NEEDS:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise UsageError(f"predlint bench needs {name}, which is not installed: pip install 'predlint[bench]'")


def run_lint_bench(args: argparse.Namespace) -> int:
    from diagnose.bench.lint_speed import run_lint_bench as time_linter

    return time_linter(args.paths, args)


def run_bench(args: argparse.Namespace) -> int:
    if args.workers < 1 or args.repeat < 1:
        raise UsageError("--workers and --repeat must be at least 1")
    require_bench_extra()
    from rich.console import Console

    from diagnose.bench.runner import run_benchmark
    from diagnose.report.bench import render_table, report_json, write_reports

    console = Console(stderr=args.output_format == "json")
    if not console.is_terminal:
        console.width = max(console.width, 140)  # a log file has room for the whole table
    with _progress_bar(console) as on_progress:
        report = run_benchmark(
            quick=args.quick,
            workers=args.workers,
            workloads=args.workload,
            implementations=args.implementation,
            repeat=args.repeat,
            on_progress=on_progress,
        )
    if args.output_format == "json":
        sys.stdout.write(report_json(report) + "\n")
    else:
        render_table(report, console)
    if not args.no_files:
        json_path, png_path = write_reports(report, args.report_dir)
        console.print(f"wrote {json_path} and {png_path}")
    failed = [r.label for w in report.workloads for r in w.results if r.error]
    return EXIT_FAILED if failed else EXIT_OK


class _progress_bar:
    """A rich progress bar fed by ``run_benchmark``'s ``on_progress`` callback."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                  console=console, transient=True)
        self._task = self._progress.add_task("starting", total=None)

    def __enter__(self):
        self._progress.start()
        return self._update

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def _update(self, what: str, done: int, total: int) -> None:
        self._progress.update(self._task, description=what, completed=done, total=total)
