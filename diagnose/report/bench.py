"""Render a benchmark report: a rich table on the terminal, a JSON file and a PNG plot."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from rich.console import Console
from rich.table import Table

from diagnose.bench.results import BenchReport, ImplementationResult, WorkloadResult

NOISY_CORES = 0.1  # other processes using more than this make a row's timing unreliable


def _number(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "–" if value is None else f"{value:,.{digits}f}{suffix}"


def _matches(result: ImplementationResult) -> str:
    if result.matches_baseline is None:
        return "ref" if result.key == "baseline" else "–"
    return "[green]yes[/]" if result.matches_baseline else "[red]NO[/]"


def _noise(cores: float | None) -> str:
    if cores is None:
        return "–"
    return f"[{'red' if cores > NOISY_CORES else 'dim'}]{cores:.2f}[/]"


COLUMNS = ("implementation", "procs", "time s", "start-up s", "samples/s", "steady/s", "speed-up",
           "PSS/worker", "PSS tree", "CPU s", "same", "others")


def render_table(report: BenchReport, console: Console) -> None:
    """One table per workload with a one-line verdict under it, then the conditions of the run."""
    for workload in report.workloads:
        runs = report.settings.get("repeat", 1)
        best_of = f", best of {runs} runs" if runs > 1 else ""
        table = Table(title=f"{workload.name}: {workload.samples:,} samples, batch {workload.batch_size}{best_of}",
                      caption=workload.description, title_justify="left")
        for column in COLUMNS:
            table.add_column(column, justify="left" if column in ("implementation", "same") else "right",
                             no_wrap=column != "same")
        for r in workload.results:
            if r.error or r.note:
                table.add_row(r.label, str(r.workers), f"[red]{r.error}[/]" if r.error else f"[dim]{r.note}[/]",
                              *[""] * (len(COLUMNS) - 3))
                continue
            speedup = _number(r.speedup, suffix="x")
            if r.speedup is not None and r.key != "baseline":
                speedup = f"[{'green' if r.speedup >= 1 else 'yellow'}]{speedup}[/]"
            table.add_row(r.label, str(r.workers), _number(r.seconds), _startup(r), _number(r.samples_per_second, 0),
                          _number(r.steady_samples_per_second, 0), speedup, _number(r.pss_per_worker_mb, 0),
                          _number(r.peak_tree_pss_mb, 0), _number(r.cpu_seconds, 1), _matches(r),
                          _noise(r.other_load_cores))
        console.print(table)
        console.print(verdict(workload), highlight=False)
    m = report.machine
    cpu = m.get("cpu_during_run", {})
    others = (f"; other processes used {cpu['other_processes_cpu_seconds']} CPU-s "
              f"({cpu['other_processes_mean_cores']} cores on average) while this ran "
              f"(above {NOISY_CORES} cores the numbers are noisy)" if cpu else "")
    console.print(
        f"[dim]{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, TF {m['tensorflow']}, "
        f"Keras {m['keras']}; load average {m['load_average_before']} before, {m['load_average_after']} after; "
        f"{report.started_at} – {report.finished_at}{others}. Speed-up is over the single-process baseline "
        "(model already loaded and traced). cold = no worker running before the call, every start-up included in "
        "its time; warm = workers started by an earlier call. start-up s: until every worker was ready (for the "
        "in-process rows: TF import + model load); * = predictions were made meanwhile (predict_chunked predicts "
        "in the calling process from the start), otherwise nothing was. steady/s = samples per second once the "
        "workers were up. Memory in MB: PSS splits shared pages fairly (RSS would count the shared input in "
        "every process); PSS/worker = mean peak of one worker, PSS tree = peak of the whole process tree. "
        "same = np.allclose to model.predict. CPU s = CPU time of the whole tree per run; others = cores other "
        "processes kept busy meanwhile.[/]"
    )


def _startup(result: ImplementationResult) -> str:
    if result.startup_seconds is None:
        return "–"
    overlapped = result.key == "predict_chunked"  # cold: this process predicted while the workers started
    return _number(result.startup_seconds) + ("*" if overlapped else "")


def verdict(workload: WorkloadResult) -> str:
    """One sentence: the fastest way on this workload, and whether every output matched."""
    measured = [r for r in workload.results if r.speedup is not None]
    if not measured:
        return f"{workload.name}: nothing measured"
    fastest = max(measured, key=lambda r: r.speedup)
    mismatched = [r.label for r in measured if r.matches_baseline is False]
    outputs = "every output equals model.predict" if not mismatched else "outputs DIFFER: " + ", ".join(mismatched)
    if fastest.key == "baseline":
        return f"{workload.name}: one process (model.predict) is the fastest here; {outputs}."
    return f"{workload.name}: fastest is {fastest.label}, {fastest.speedup:.2f}x one process; {outputs}."


def write_reports(report: BenchReport, report_dir: str) -> tuple[str, str]:
    """Write ``bench-<UTC time>.json`` and ``.png`` into ``report_dir``; never overwrite a file."""
    os.makedirs(report_dir, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1000):
        base = os.path.join(report_dir, f"bench-{stamp}" + (f"-{attempt}" if attempt else ""))
        try:
            with open(base + ".json", "x") as handle:
                json.dump(report.to_dict(), handle, indent=2)
                handle.write("\n")
        except FileExistsError:
            continue
        write_plot(report, base + ".png")
        return base + ".json", base + ".png"
    raise FileExistsError(f"no free report name for bench-{stamp} in {report_dir}")


def write_plot(report: BenchReport, path: str) -> None:
    """Samples/s per implementation, one panel per workload, baseline marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = report.workloads
    figure, axes = plt.subplots(1, len(workloads), figsize=(6.5 * len(workloads), 4.2), squeeze=False)
    colors = {"baseline": "#555555", "tensorflow": "#e08a1e", "keras": "#c0392b", "predlint": "#2a7ab9"}
    for axis, workload in zip(axes[0], workloads):
        measured = [r for r in workload.results if r.samples_per_second]
        labels = [r.label for r in measured]
        values = [r.samples_per_second for r in measured]
        bars = axis.barh(labels, values, color=[colors.get(r.family, "#888888") for r in measured])
        for bar, r in zip(bars, measured):
            axis.annotate(f" {r.speedup:.2f}x", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                          va="center", fontsize=8)
        baseline = workload.result("baseline")
        if baseline and baseline.samples_per_second:
            axis.axvline(baseline.samples_per_second, color="#555555", linestyle="--", linewidth=1)
        axis.invert_yaxis()
        axis.set_xlabel("samples / second (higher is better)")
        axis.set_title(f"{workload.name} ({workload.samples:,} samples)")
        axis.set_xlim(0, max(values, default=1) * 1.25)
    m = report.machine
    noise = m.get("cpu_during_run", {}).get("other_processes_mean_cores")
    figure.suptitle(f"predlint bench: {m['cores']} cores, {report.settings['workers']} workers, TF {m['tensorflow']}, "
                    f"{report.started_at}" + (f", other load {noise} cores" if noise is not None else ""), fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def report_json(report: BenchReport) -> str:
    """The JSON text of the report (what ``--output-format json`` prints)."""
    return json.dumps(report.to_dict(), indent=2)
