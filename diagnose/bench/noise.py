"""How much CPU other processes took while the benchmark ran: the noise in its numbers.

System-wide busy CPU time minus the CPU time of this process tree (live processes plus the
children they have reaped), over the same interval.
"""

from __future__ import annotations

import time

import psutil


def _system_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _tree_cpu_seconds() -> float:
    root = psutil.Process()
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            t = process.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class OtherLoadMeter:
    """``with OtherLoadMeter() as meter: ...`` then ``meter.summary()``."""

    def __enter__(self) -> OtherLoadMeter:
        self._began = time.monotonic()
        self._system, self._tree = _system_busy_seconds(), _tree_cpu_seconds()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall_seconds = time.monotonic() - self._began
        self.tree_cpu_seconds = _tree_cpu_seconds() - self._tree
        self.other_cpu_seconds = max(0.0, _system_busy_seconds() - self._system - self.tree_cpu_seconds)

    def summary(self) -> dict[str, float]:
        return {
            "wall_seconds": round(self.wall_seconds, 1),
            "bench_cpu_seconds": round(self.tree_cpu_seconds, 1),
            "other_processes_cpu_seconds": round(self.other_cpu_seconds, 1),
            "other_processes_mean_cores": round(self.other_cpu_seconds / max(self.wall_seconds, 1e-9), 2),
        }
