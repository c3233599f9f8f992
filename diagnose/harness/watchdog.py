"""Run the target in its own session, pass its output through, and notice when it stops progressing.

Progress is any of: CPU time or I/O bytes of any process in the tree, a process starting or
exiting, or output. CPU counts only above a small idle rate, since a hung ``multiprocessing.Pool``
still polls its workers every 0.1 s. A hang is declared after ``quiet`` seconds without progress,
or at once when processes keep dying with the same error while being replaced (a livelock that
looks busy).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

from diagnose.harness.tracebacks import respawn_loop_error
from diagnose.harness.tree import Totals, TreeSampler, find_marked

SAMPLE_INTERVAL_S = 0.5
# CPU below this share of one core is idle polling, not work (a hung Pool uses ~0.1 %).
IDLE_CPU_SHARE = 0.02
# and a CPU step must be at least this long, beating the kernel's 10 ms accounting ticks
MIN_CPU_STEP_S = 0.03
TAIL_BYTES = 16 * 1024


class OutputPump(threading.Thread):
    """Copies one of the target's pipes to ``sink`` as it arrives, keeping the tail and a byte count."""

    def __init__(self, pipe: BinaryIO, sink: BinaryIO) -> None:
        super().__init__(daemon=True, name="predlint-output")
        self.pipe, self.sink = pipe, sink
        self.tail = bytearray()
        self.total = 0

    def run(self) -> None:
        fd = self.pipe.fileno()
        while chunk := os.read(fd, 65536):
            self.total += len(chunk)
            self.tail += chunk
            del self.tail[:-TAIL_BYTES]
            try:
                self.sink.write(chunk)
                self.sink.flush()
            except (OSError, ValueError):
                pass  # our own stdout went away; keep draining so the target never blocks


class ProgressClock:
    """When the tree last made progress, judged from successive samples: new output, a process
    starting or exiting, I/O, or CPU above the idle polling rate since the last progress."""

    def __init__(self, first: Totals, output_bytes: int, now: float) -> None:
        self.last, self.output_bytes = first, output_bytes
        self.cpu_anchor, self.progress_at = first.cpu_s, now

    def observe(self, totals: Totals, output_bytes: int, now: float) -> bool:
        """Take one sample; whether it shows progress."""
        cpu_step = totals.cpu_s - self.cpu_anchor
        progressed = (
            output_bytes != self.output_bytes
            or totals.pids != self.last.pids
            or totals.io_bytes != self.last.io_bytes
            or cpu_step >= max(MIN_CPU_STEP_S, IDLE_CPU_SHARE * (now - self.progress_at))
        )
        if progressed:
            self.cpu_anchor, self.progress_at = totals.cpu_s, now
        self.last, self.output_bytes = totals, output_bytes
        return progressed


@dataclass(frozen=True)
class WatchResult:
    """How the watch ended: ``completed`` (root exited), ``hung``, ``timeout`` or ``interrupted``
    (Ctrl-C; the tree is still alive)."""

    state: str
    detected_after_s: float | None
    quiet_since_s: float | None
    returncode: int | None


class Watchdog:
    """Starts ``argv`` and watches its tree until it exits, hangs, or exceeds ``timeout_s``."""

    def __init__(
        self,
        argv: list[str],
        env: Mapping[str, str],
        run_id: str,
        dump_dir: str,
        quiet_s: float,
        timeout_s: float | None,
        stdout_sink: BinaryIO,
        stderr_sink: BinaryIO,
    ) -> None:
        self.quiet_s, self.timeout_s, self.dump_dir = quiet_s, timeout_s, dump_dir
        self.started_at = time.time()
        self._t0 = time.monotonic()
        self.popen = subprocess.Popen(
            argv, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        self.sampler = TreeSampler(self.popen.pid, partial(find_marked, run_id, self.started_at))
        self.pumps = [OutputPump(self.popen.stdout, stdout_sink), OutputPump(self.popen.stderr, stderr_sink)]
        for pump in self.pumps:
            pump.start()

    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def watch(self) -> WatchResult:
        """Sample until the root exits, no progress for ``quiet_s``, or the hard timeout. Ctrl-C
        ends the watch as ``interrupted``: the tree is left alive for its stacks to be taken."""
        clock = ProgressClock(self.sampler.sample(), self._output_bytes(), self.elapsed())
        try:
            while True:
                returncode = self.popen.poll()
                now = self.elapsed()
                if returncode is not None:
                    self._record_exit(returncode)
                    return WatchResult("completed", None, None, returncode)
                clock.observe(self.sampler.sample(), self._output_bytes(), now)
                if now - clock.progress_at >= self.quiet_s:
                    return WatchResult("hung", now, clock.progress_at, None)
                if self._respawn_loop():
                    return WatchResult("hung", now, None, None)
                if self.timeout_s and now >= self.timeout_s:
                    return WatchResult("timeout", None, None, None)
                time.sleep(SAMPLE_INTERVAL_S)
        except KeyboardInterrupt:
            return WatchResult("interrupted", self.elapsed(), clock.progress_at, None)

    def output_tail(self, limit: int = TAIL_BYTES) -> str:
        """The last bytes of stdout and stderr (stderr last: that is where tracebacks land)."""
        text = b"".join(bytes(p.tail) for p in self.pumps)[-limit:]
        return text.decode("utf-8", errors="replace")

    def finish_output(self, timeout_s: float = 2.0) -> None:
        """Wait for the pumps to drain what the (now dead) tree wrote."""
        deadline = time.monotonic() + timeout_s
        for pump in self.pumps:
            pump.join(max(0.0, deadline - time.monotonic()))

    def _respawn_loop(self) -> bool:
        """Busy but stuck: processes keep dying with the same error (and being replaced). Python
        processes too short-lived to sample still left their hook file in the dump directory."""
        sampled_dead = sum(1 for s in self.sampler.seen.values() if s.record.status == "exited")
        vanished = max(sampled_dead, len(os.listdir(self.dump_dir)) - len(self.sampler.live_pids()))
        return respawn_loop_error(vanished, self.output_tail()) is not None

    def _output_bytes(self) -> int:
        return sum(p.total for p in self.pumps)

    def _record_exit(self, returncode: int) -> None:
        self.sampler.sample()
        root = self.sampler.seen.get(self.popen.pid)
        if root is not None:
            root.record.status, root.record.exitcode = "exited", returncode
