"""Peak memory of this process and all its descendants, sampled in a background thread.

RSS counts shared-memory pages in every process that maps them, so the tree's summed RSS
over-counts a shared input; PSS (proportional set size) splits shared pages fairly and is the
honest total. Both are recorded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil

MB = 1024 * 1024


@dataclass
class ProcessPeak:
    pid: int
    role: str
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0


def _role(process: psutil.Process, root_pid: int) -> str:
    if process.pid == root_pid:
        return "parent"
    try:
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        return "child"
    if "resource_tracker" in cmdline:
        return "resource tracker"
    if "spawn_main" in cmdline or "forkserver" in cmdline:
        return "worker"
    return "child"


class TreeMemorySampler:
    """``with TreeMemorySampler() as sampler: ...`` then read ``peak_tree_*_mb`` and ``processes``."""

    def __init__(self, interval: float = 0.1) -> None:
        self._interval = interval
        self._root = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="predlint-memory-sampler", daemon=True)
        self.processes: dict[int, ProcessPeak] = {}
        self.peak_tree_rss_mb = 0.0
        self.peak_tree_pss_mb = 0.0

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()  # one last look, after the work

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def sample(self) -> None:
        """Read every process of the tree once and update the peaks."""
        try:
            tree = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return
        total_rss = total_pss = 0.0
        for process in tree:
            try:
                info = process.memory_full_info()
            except psutil.Error:  # exited between listing and reading
                continue
            peak = self.processes.get(process.pid)
            if peak is None:
                peak = self.processes[process.pid] = ProcessPeak(process.pid, _role(process, self._root.pid))
            rss, pss = info.rss / MB, getattr(info, "pss", info.rss) / MB
            peak.peak_rss_mb = max(peak.peak_rss_mb, rss)
            peak.peak_pss_mb = max(peak.peak_pss_mb, pss)
            total_rss += rss
            total_pss += pss
        self.peak_tree_rss_mb = max(self.peak_tree_rss_mb, total_rss)
        self.peak_tree_pss_mb = max(self.peak_tree_pss_mb, total_pss)
