"""predlint's faulthandler hook, imported at start-up by every Python process of a repro run.

When ``PREDLINT_DUMP_DIR`` is set, ``SIGUSR1`` makes the process write the stacks of all its
threads to ``$PREDLINT_DUMP_DIR/<pid>.txt``. Forked children re-register with their own file;
spawned children import this module again through ``PYTHONPATH``. The file also records how the
process exits: ``# predlint exit N`` from ``os._exit(N)`` (how forked multiprocessing children
end), ``# predlint exit ?`` at interpreter shutdown; a process killed by a signal records nothing.
A ``sitecustomize`` that this one shadows is still run afterwards.
"""

import _thread
import atexit
import faulthandler
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_dump_file = None


def _register(start: str = "exec") -> None:
    """Open this process's dump file, describe the process in its header, and arm ``SIGUSR1``."""
    global _dump_file
    if _dump_file is not None:
        _dump_file.close()
    path = os.path.join(os.environ["PREDLINT_DUMP_DIR"], f"{os.getpid()}.txt")
    _dump_file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - must stay open for the handler
    header = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "start": start,
        "main_thread": _thread.get_ident(),
        "cmdline": _cmdline(),
    }
    _dump_file.write("# predlint " + json.dumps(header) + "\n")
    _dump_file.flush()
    faulthandler.register(signal.SIGUSR1, file=_dump_file, all_threads=True)


def _note_exit(code: str) -> None:
    if _dump_file is None or _dump_file.closed:
        return
    try:
        _dump_file.write(f"# predlint exit {code}\n")
        _dump_file.flush()
    except (OSError, ValueError):
        pass


def _exit_noting_code(code: int, _real_exit=os._exit) -> None:
    _note_exit(str(int(code)) if isinstance(code, int) else "?")
    _real_exit(code)


def _cmdline() -> list:
    try:
        with open("/proc/self/cmdline", "rb") as handle:
            return [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return list(sys.argv)


def _run_shadowed_sitecustomize() -> None:
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


if os.environ.get("PREDLINT_DUMP_DIR"):
    try:
        _register()
        os.register_at_fork(after_in_child=lambda: _register("fork"))
        os._exit = _exit_noting_code
        atexit.register(_note_exit, "?")
    except OSError:
        pass  # the dump directory is gone: the run is over, nothing to arm
_run_shadowed_sitecustomize()
