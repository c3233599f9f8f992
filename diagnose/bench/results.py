"""What a benchmark run produces; ``asdict`` of ``BenchReport`` is the JSON report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ImplementationResult:
    key: str
    label: str
    family: str
    workers: int  # processes doing the work (1 for the in-process ones; the caller counts if it predicts too)
    seconds: float | None = None  # the fastest of runs_seconds
    runs_seconds: list[float] = field(default_factory=list)
    samples_per_second: float | None = None
    speedup: float | None = None  # baseline seconds / seconds
    startup_seconds: float | None = None
    startup_blocks: bool = False  # the start-up is inside ``seconds`` and nothing was predicted meanwhile
    steady_samples_per_second: float | None = None  # after start-up (the same as samples_per_second if none blocked)
    cpu_seconds: float | None = None  # CPU time of the whole process tree per run, start-up included
    other_load_cores: float | None = None  # cores other processes kept busy meanwhile: the noise
    peak_tree_rss_mb: float | None = None
    peak_tree_pss_mb: float | None = None
    pss_per_worker_mb: float | None = None  # mean of the workers' peaks
    processes: list[dict[str, Any]] = field(default_factory=list)  # per process: pid, role, peaks
    matches_baseline: bool | None = None
    max_abs_diff: float | None = None
    error: str | None = None
    note: str | None = None  # why it was not measured (e.g. left out by --quick)


@dataclass
class WorkloadResult:
    name: str
    description: str
    samples: int
    batch_size: int
    results: list[ImplementationResult] = field(default_factory=list)

    def result(self, key: str) -> ImplementationResult | None:
        return next((r for r in self.results if r.key == key), None)


@dataclass
class BenchReport:
    started_at: str
    finished_at: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    workloads: list[WorkloadResult]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "predlint-bench", "schema_version": 2, **asdict(self)}
