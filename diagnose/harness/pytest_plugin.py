"""predlint's pytest plugin (the ``pytest11`` entry point): a hang guard that sees into the
processes a test starts. Off until a limit is given, so installing predlint changes no test run.

``--hang-timeout SECONDS`` (or ``hang_timeout`` in the ini file, or ``@pytest.mark.hang_timeout(S)``)
fails a test phase whose processes make no progress for that long; ``--hang-cap SECONDS`` (``hang_cap``,
``cap=``) is a hard limit even while busy. The guard (``hang_guard``) runs in a thread; when it fires it
has already taken every process's stacks, diagnosed the hang and killed the test's processes, and this
plugin interrupts the test's blocked call in the main thread (``HANG_SIGNAL``, sent to that thread
only) and turns the phase's report into a failure with the verdict. The session goes on.

This module imports only the standard library and pytest: it loads in every pytest run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

HANG_SIGNAL = signal.SIGUSR2  # pytest-timeout's signal method uses SIGALRM; the harness's hook SIGUSR1
MARKER = "hang_timeout"
DEFAULT_REPORT_DIR = "reports"
_FAILURES = pytest.StashKey[dict]()
_GUARD = pytest.StashKey[Any]()
_BEGAN = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("predlint", "predlint hang guard (off unless a limit is given)")
    group.addoption("--hang-timeout", type=float, default=None, metavar="SECONDS",
                    help="fail a test whose processes (pytest's own and every one the test started) make no "
                         "progress (CPU, I/O, output, a process starting or ending) for SECONDS: print every "
                         "process's stacks and the cause, kill the test's processes, go on (0: off)")
    group.addoption("--hang-cap", type=float, default=None, metavar="SECONDS",
                    help="fail a test phase still running after SECONDS even while it is busy, the same way")
    group.addoption("--hang-report-dir", default=None, metavar="DIR",
                    help=f"where the guard writes each hang's full JSON and HTML report (default: "
                         f"{DEFAULT_REPORT_DIR}/ under the rootdir)")
    parser.addini("hang_timeout", "predlint hang guard: the quiet period in seconds (as --hang-timeout)")
    parser.addini("hang_cap", "predlint hang guard: the hard limit in seconds (as --hang-cap)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(seconds, cap=None): predlint hang guard for this test: fail it when its processes make no "
        "progress for `seconds` (0: off) or run longer than `cap`",
    )
    config.stash[_FAILURES] = {}
    if any(_session_limits(config)):
        _require_harness()


def _require_harness() -> None:
    try:
        import psutil  # noqa: F401 - the guard samples with it
    except ImportError:
        raise pytest.UsageError("the predlint hang guard needs psutil and py-spy: "
                                "pip install 'predlint[harness]'") from None


def _seconds(value: Any, where: str) -> float | None:
    """A limit in seconds from the command line, ini or a marker; 0 or empty is off."""
    if value in (None, ""):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{where}: expected a number of seconds, got {value!r}") from None
    if seconds < 0:
        raise pytest.UsageError(f"{where}: expected a number of seconds >= 0, got {value!r}")
    return seconds or None


def _session_limits(config: pytest.Config) -> tuple[float | None, float | None]:
    """The command line's limits, else the ini file's."""
    return _option_or_ini(config, "hang_timeout"), _option_or_ini(config, "hang_cap")


def _option_or_ini(config: pytest.Config, name: str) -> float | None:
    value = config.getoption(name)
    if value is not None:
        return _seconds(value, "--" + name.replace("_", "-"))
    return _seconds(config.getini(name), name)


def _limits(item: pytest.Item) -> tuple[float | None, float | None]:
    """The test's limits: its marker's, else the session's."""
    quiet, cap = _session_limits(item.config)
    marker = item.get_closest_marker(MARKER)
    if marker is not None:
        where = f"@pytest.mark.{MARKER} on {item.nodeid}"
        if marker.args or "seconds" in marker.kwargs:  # a bare marker or cap= alone keeps the session's
            quiet = _seconds(marker.args[0] if marker.args else marker.kwargs["seconds"], where)
        cap = _seconds(marker.kwargs.get("cap"), where) if "cap" in marker.kwargs else cap
    return quiet, cap


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guarded(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guarded(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guarded(item, "teardown"))


def _guarded(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    """Run one phase under the guard, when the test has a limit and runs in the main thread."""
    quiet, cap = _limits(item)
    if not (quiet or cap) or threading.current_thread() is not threading.main_thread():
        return (yield)
    from diagnose.harness.hang_guard import Phase
    from diagnose.harness.tree import MARKER_ENV

    guard = _session_guard(item.config)
    began = item.stash.setdefault(_BEGAN, time.time())  # processes from setup on are the test's in every phase
    watched = Phase(quiet, cap, uuid.uuid4().hex, item.nodeid, str(item.path), _report_dir(item.config), began)
    previous_handler = signal.signal(HANG_SIGNAL, partial(_interrupt, watched))
    previous_marker = os.environ.get(MARKER_ENV)
    os.environ[MARKER_ENV] = watched.run_id  # children the test spawns carry it: re-parented ones are still found
    guard.begin(watched)
    try:
        return (yield)
    finally:
        try:
            guard.end(watched)  # the guard's signal may interrupt this very call: the rest still runs
        finally:
            watched.ended.set()
            signal.signal(HANG_SIGNAL, previous_handler)
            _restore(MARKER_ENV, previous_marker)
            _record(item, phase, watched)


def _session_guard(config: pytest.Config) -> Any:
    """The session's guard thread, started at the first guarded phase."""
    if _GUARD not in config.stash:
        _require_harness()
        from diagnose.harness.hang_guard import HangGuard

        config.stash[_GUARD] = HangGuard(_wake_main_thread)
        config.stash[_GUARD].start()
    return config.stash[_GUARD]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _GUARD in config.stash:
        config.stash[_GUARD].close()


def _record(item: pytest.Item, phase: str, watched: Any) -> None:
    """After a phase the guard failed: kill what the test started since, and keep the failure text."""
    if watched.error:
        item.add_report_section(phase, "predlint hang guard", watched.error)
    if watched.report is None:
        return
    from diagnose.harness.hang_guard import kill_test_tree
    from diagnose.report.hang_failure import failure_text

    late = kill_test_tree(watched.sampler())
    watched.report.survivors = late.survivors
    item.config.stash[_FAILURES][(item.nodeid, phase)] = failure_text(watched.report, phase)


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _report_dir(config: pytest.Config) -> Path:
    chosen = config.getoption("hang_report_dir")
    return Path(chosen) if chosen else config.rootpath / DEFAULT_REPORT_DIR


def _wake_main_thread() -> None:
    """Interrupt whatever the main thread is blocked in (a lock, ``join``, ``select``): a signal sent
    to that thread alone, so the kernel cannot hand it to another thread."""
    signal.pthread_kill(threading.main_thread().ident, HANG_SIGNAL)


def _interrupt(watched: Any, signum: int, frame: Any) -> None:
    """Raise out of whatever the test is blocked in, once per phase, never after the phase ended."""
    if not watched.ended.is_set():
        watched.ended.set()
        pytest.fail("predlint hang guard: the test hung (the verdict follows in the report)", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, Any, Any]:
    """A phase the guard fired in fails with the verdict, however the test's code went on."""
    report = yield
    text = item.config.stash[_FAILURES].pop((item.nodeid, call.when), None)
    if text is not None:
        report.outcome = "failed"
        report.longrepr = text
    return report
