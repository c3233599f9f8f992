"""Helpers for the runtime harness tests: run ``predlint repro`` as a real command, and look for
any process of its tree that outlived it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
TAG_ENV = "PREDLINT_TEST_TAG"
OUTER_TIMEOUT_S = 150


@dataclass
class ReproRun:
    """One finished ``predlint repro`` run: exit status, parsed JSON report, stderr and its tag."""

    returncode: int
    report: dict[str, Any]
    stderr: str
    tag: str
    wall_s: float

    @property
    def live(self) -> list[dict[str, Any]]:
        return [p for p in self.report["processes"] if p["status"] not in ("exited", "zombie")]

    @property
    def quiet_since_s(self) -> float:
        return float(self.report["last_progress_s"])


def repro(args: list[str], report_dir: Path, timeout: float = OUTER_TIMEOUT_S) -> ReproRun:
    """Run ``predlint repro --output-format json ARGS -- <tag>``; the tag lands in the target's
    command line (main and forked processes; not for a scenario, which takes no arguments) and,
    through the environment, in every process."""
    tag = f"predlint-test-{uuid.uuid4().hex}"
    command = [sys.executable, "-m", "diagnose", "repro", "--output-format", "json",
               "--report-dir", str(report_dir), *args, *([] if "--scenario" in args else ["--", tag])]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, TAG_ENV: tag})
    report = json.loads(done.stdout) if done.stdout.strip() else {}
    return ReproRun(done.returncode, report, done.stderr, tag, time.monotonic() - started)


def inspect(pid: int, args: list[str], report_dir: Path, timeout: float = 60) -> ReproRun:
    """Run ``predlint inspect --output-format json ARGS PID`` on a process predlint did not start."""
    command = [sys.executable, "-m", "diagnose", "inspect", "--output-format", "json",
               "--report-dir", str(report_dir), *args, str(pid)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    report = json.loads(done.stdout) if done.stdout.strip() else {}
    return ReproRun(done.returncode, report, done.stderr, "", time.monotonic() - started)


def start_detached(script: Path | str, **popen_options: Any) -> tuple[subprocess.Popen, str]:
    """Start ``python SCRIPT <tag>`` in its own session, as a job predlint did not start; the tag
    is in its command line and environment (for :func:`tagged`)."""
    tag = f"predlint-test-{uuid.uuid4().hex}"
    popen = subprocess.Popen([sys.executable, str(script), tag], cwd=ROOT, start_new_session=True,
                             env={**os.environ, TAG_ENV: tag}, **popen_options)
    return popen, tag


def tagged(tag: str) -> list[int]:
    """Running processes carrying ``tag`` in their command line or environment."""
    return sorted(p.pid for p in psutil.process_iter() if _tagged(p, tag))


def leftovers(run: ReproRun) -> list[int]:
    """Running processes that carry the run's tag (in the command line or the environment): every
    pid the report listed is checked, then every process on the machine."""
    reported = [psutil.Process(p["pid"]) for p in run.report.get("processes", []) if psutil.pid_exists(p["pid"])]
    return sorted({p.pid for p in [*reported, *psutil.process_iter()] if _tagged(p, run.tag)})


def _tagged(process: psutil.Process, tag: str) -> bool:
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return tag in " ".join(process.cmdline()) or process.environ().get(TAG_ENV) == tag
    except psutil.Error:
        return False
