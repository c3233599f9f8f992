"""Turn the evidence of a run (how it ended, the tree, every thread's stack, the output tail) into
a verdict and, where one applies, the DLK rule of the static checker that names the cause.

Hang rules are tried most specific first; each is a small predicate over the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from diagnose.harness.evidence import ProcessRecord, ThreadStack, Verdict
from diagnose.harness.reading import unrecognised_hang
from diagnose.harness.roles import is_blocked_feeder, is_forked_child
from diagnose.harness.tracebacks import last_exception, respawn_loop_error, traceback_through

_TF_FILES = ("/tensorflow/", "/keras/", "/tf_keras/")
# py-spy's repr of a Keras model argument: <Sequential at 0x...>, <Functional ...>, <...Model ...>
_MODEL_REPR = re.compile(r"^<(Sequential|Functional|\w*Model)\b")
# py-spy's repr of an instance of a Python class: <Name at 0x...>; C types carry their module
# (<numpy.ndarray at ...>, <tensorflow...EagerTensor at ...>), so an undotted name is a Python class
_OBJECT_REPR = re.compile(r"^<(\w+) at 0x[0-9a-f]+>$")
# Python classes that are data or plumbing handed to a task, never a model
_NOT_A_MODEL = frozenset({
    "list", "tuple", "dict", "set", "frozenset", "str", "bytes", "function", "method", "cell", "type",
    "generator", "Queue", "SimpleQueue", "JoinableQueue", "LifoQueue", "PriorityQueue", "Connection",
    "Event", "Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Barrier", "Synchronized",
    "SynchronizedArray", "SynchronizedString", "ValueProxy", "ListProxy", "DictProxy", "SharedMemory",
    "ShareableList", "DataFrame", "Series", "Path", "PosixPath", "Namespace", "partial", "range",
})
# Functions that rebuild a pickled model: Keras 3 and tf_keras
_UNPICKLE_MODEL = ("_unpickle_model", "deserialize_model_from_bytecode")
# Where a pool worker or a started process calls the user's function
_TASK_CALLERS = ("worker", "run", "_process_worker", "_bootstrap")


@dataclass(frozen=True)
class Evidence:
    """What the classifier sees; ``root`` is the target's own process."""

    state: str
    returncode: int | None
    root: ProcessRecord
    processes: list[ProcessRecord]
    output_tail: str
    quiet_s: float

    @property
    def children(self) -> list[ProcessRecord]:
        return [p for p in self.processes if p.pid != self.root.pid]

    @property
    def live_children(self) -> list[ProcessRecord]:
        return [p for p in self.children if p.alive]

    @property
    def lost_workers(self) -> list[ProcessRecord]:
        """Workers that vanished while the root still ran (their parent reaped them)."""
        return [p for p in self.children if p.status == "exited" and p.role == "worker"]

    def root_waits_in(self, function: str, file_part: str) -> bool:
        main = self.root.main_thread()
        return main is not None and main.calls(function, file_part)


def classify(evidence: Evidence) -> Verdict:
    """The verdict for one run (``interrupted``: the user stopped a run that looked stuck, so the
    hang rules are tried on it too)."""
    if evidence.state == "completed":
        return _ended(evidence)
    if evidence.state == "timeout":
        return Verdict("timeout", None, "timeout: still making progress when the hard --timeout expired")
    interrupted = evidence.state == "interrupted"
    hang = next((v for v in (rule(evidence) for rule in HANG_RULES) if v is not None), None)
    if hang is None:
        quiet = "" if interrupted else f"no progress for {evidence.quiet_s:g} s"
        shape = unrecognised_hang(evidence.processes, evidence.root, evidence.output_tail)
        hang = Verdict("hung", None, "hung: cause not recognised", shape or quiet)
    if interrupted:
        return Verdict("interrupted", hang.cause, f"interrupted (Ctrl-C): {hang.what.removeprefix('hung: ')}",
                       hang.evidence)
    return hang


# -- hangs -------------------------------------------------------------------------------------


def _model_in_child(ev: Evidence) -> Verdict | None:
    """A stuck child that unpickles a model, or whose task function got a model as an argument."""
    died = traceback_through(ev.output_tail, _UNPICKLE_MODEL)
    if died is not None:
        return Verdict(
            "hung",
            "DLK101",
            "hung: model handed across a process boundary",
            f"a worker died rebuilding the pickled model ({_cut(died)}) and the parent waits for its task forever",
        )
    for process in ev.live_children:
        if any(process.calls(name) for name in _UNPICKLE_MODEL):
            how = "is stuck rebuilding the pickled model"
        elif any(_MODEL_REPR.match(arg) for t in process.threads for arg in _arguments(t)):
            how = "got the model in its task arguments and is stuck running it"
        elif any(_runs_tf(t) and _task_hands_object_to_keras(t) for t in process.python_threads):
            how = "got a model object in its task arguments and is stuck running it"
        else:
            continue
        return Verdict(
            "hung",
            "DLK101",
            "hung: model handed across a process boundary",
            f"pid {process.pid} {how} on the parent's forked TF runtime",
        )
    return None


def _fork_after_tf(ev: Evidence) -> Verdict | None:
    stuck = [p for p in ev.live_children if is_forked_child(p, ev.root) and any(map(_runs_tf, p.python_threads))]
    if stuck:
        pids = ", ".join(str(p.pid) for p in stuck)
        return Verdict("hung", "DLK201", "hung: fork after TF runtime started", f"forked pid {pids} stuck in a TF op")
    return None


def _arguments(thread: ThreadStack) -> list[str]:
    """Reprs of the arguments of the frames the process ran itself (not the parent's, pre-fork)."""
    return [value for frame in thread.own_frames() for value in (frame.args or {}).values()]


def _cut(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _task_hands_object_to_keras(thread: ThreadStack) -> bool:
    """The task function (called by the pool worker or ``Process.run``) got an instance of some
    Python class as an argument and calls straight into Keras/TF: a subclassed model (py-spy only
    shows ``<Net at 0x...>``) handed across the process. Data (arrays, tensors, queues) is not."""
    frames = thread.own_frames()
    for index in range(1, len(frames)):
        task, caller = frames[index - 1], frames[index]
        if caller.short_name not in _TASK_CALLERS or not _is_multiprocessing(caller.file):
            continue
        inner = frames[index - 2] if index >= 2 else None
        if inner is None or not any(part in inner.file for part in _TF_FILES):
            return False
        for value in (task.args or {}).values():
            match = _OBJECT_REPR.match(value)
            if match and match[1] not in _NOT_A_MODEL:
                return True
        return False
    return False


def _is_multiprocessing(path: str) -> bool:
    return "/multiprocessing/" in path or "/concurrent/futures/" in path


def _runs_tf(thread: ThreadStack) -> bool:
    """The thread is executing TensorFlow or Keras code right now."""
    frame = thread.innermost_python_frame()
    return frame is not None and any(part in frame.file for part in _TF_FILES)


def _join_before_drain(ev: Evidence) -> Verdict | None:
    feeders = [p for p in ev.live_children if any(is_blocked_feeder(t) for t in p.threads)]
    if feeders and _root_joins(ev):
        return Verdict(
            "hung",
            "DLK401",
            "hung: join before drain",
            f"parent in join(), pid {feeders[0].pid}'s queue feeder thread is blocked writing to a full pipe",
        )
    return None


def _plain_queue_join(ev: Evidence) -> Verdict | None:
    if re.search(r"'Queue' object has no attribute '(join|task_done)'", ev.output_tail):
        return Verdict(
            "hung",
            "DLK402",
            "hung: join()/task_done() called on a plain multiprocessing.Queue",
            "it raised AttributeError, then the exit waits for workers still blocked in Queue.get",
        )
    return None


def _generator_pickling_thread_died(ev: Evidence) -> Verdict | None:
    """A thread died pickling a generator for a worker process; whoever waits for it waits forever."""
    if "cannot pickle 'generator' object" not in ev.output_tail:
        return None
    if _in_keras_data_loading(ev.root):
        return Verdict(
            "hung",
            "DLK303",
            "hung: Keras use_multiprocessing=True under spawn",
            f"a background thread died pickling the generator and {_keras_call(ev.root)} waits for "
            "batches that never come",
        )
    return Verdict(
        "hung",
        "DLK102",
        "hung: generator handed to a worker process",
        "pickling it failed in a background thread and the parent waits for results that never come",
    )


def _respawn_loop(ev: Evidence) -> Verdict | None:
    """Worker processes die at start-up with the same error and are replaced, over and over."""
    vanished = [p for p in ev.children if p.status == "exited"]
    error = respawn_loop_error(len(vanished), ev.output_tail)
    if error is None:
        return None
    what = "hung: livelock, worker processes die at start and are respawned forever"
    died = f"{len(vanished)} died so far with: {error}"
    if _in_keras_data_loading(ev.root):
        return Verdict("hung", "DLK303", what, f"Keras use_multiprocessing=True under spawn; {died}")
    return Verdict("hung", None, what, died)


def _keras_call(process: ProcessRecord) -> str:
    """Which Keras loop the process is in (``fit``, ``predict``, ``evaluate``), by its stack."""
    for name in ("fit", "predict", "evaluate", "fit_generator", "predict_generator", "evaluate_generator"):
        if any(t.calls(name) and (t.in_file("/keras/") or t.in_file("/tf_keras/")) for t in process.python_threads):
            return name
    return "the Keras call"


def _in_keras_data_loading(process: ProcessRecord) -> bool:
    """Some thread runs Keras's data loading (tf_keras ``data_utils`` enqueuers, Keras 3 data adapters)."""
    return any(t.in_file("data_utils") or t.in_file("data_adapter") for t in process.python_threads)


def _lost_pool_worker(ev: Evidence) -> Verdict | None:
    """The parent waits for pool results while a worker vanished, or while every worker idles
    waiting for a task: a task went down with a dead worker and will never be answered."""
    waiting = any(ev.root_waits_in(f, "multiprocessing/pool") for f in ("map", "get", "next", "wait", "join"))
    workers = [p for p in ev.live_children if p.role == "worker"]
    idle = bool(workers) and all(p.calls("get", "multiprocessing/queues") and p.calls("worker") for p in workers)
    if not waiting or not (ev.lost_workers or idle):
        return None
    lost = "; ".join(f"pid {p.pid} {p.how_it_ended()}" for p in ev.lost_workers)
    gone = f"a worker ended: {lost}" if lost else "a worker ended before it was sampled"
    return Verdict(
        "hung",
        None,
        "hung: lost pool worker",
        f"{gone}; the parent waits in Pool.map/ApplyResult.get/Pool.join, but the pool replaced the "
        "worker and its task is never answered",
    )


def _thread_queue_to_process(ev: Evidence) -> Verdict | None:
    main = ev.root.main_thread()
    in_thread_queue = main is not None and _waits_on_thread_queue(main.frames)
    if in_thread_queue and ev.children and not any(p.role == "worker" for p in ev.live_children):
        return Verdict(
            "hung",
            "DLK104",
            "hung: queue.Queue handed to a process",
            "parent waits in queue.Queue.get/join, the child used its own copy of the queue and is gone",
        )
    stuck = [p for p in ev.live_children if p.role == "worker" and _child_waits_on_thread_queue(p)]
    if stuck and (_root_joins(ev) or in_thread_queue):
        return Verdict(
            "hung",
            "DLK104",
            "hung: queue.Queue handed to a process",
            f"pid {stuck[0].pid} waits in its own copy of a queue.Queue, which the parent's put() never reaches",
        )
    return None


def _waits_on_thread_queue(frames: list) -> bool:
    """Blocked in ``queue.Queue.get()`` or ``queue.Queue.join()`` (the stdlib's thread queue)."""
    return any(f.short_name in ("get", "join") and f.file.endswith("/queue.py") for f in frames)


def _child_waits_on_thread_queue(process: ProcessRecord) -> bool:
    """The child's main thread, in code it runs itself, is blocked in ``queue.Queue.get`` (only
    ``threading`` frames inside it: waiting, not working)."""
    main = process.main_thread()
    for frame in main.own_frames() if main is not None else []:
        if frame.short_name == "get" and frame.file.endswith("/queue.py"):
            return True
        if not frame.file.endswith("/threading.py"):
            return False
    return False


def _worker_loop_without_exit(ev: Evidence) -> Verdict | None:
    workers = [p for p in ev.live_children if p.role == "worker"]
    blocked = [p for p in workers if (m := p.main_thread()) is not None and m.calls("get", "multiprocessing/queues")]
    if workers and len(blocked) == len(workers) and _root_joins(ev):
        return Verdict(
            "hung",
            "DLK403",
            "hung: worker loop without exit",
            f"parent in join(), {len(blocked)} worker(s) blocked in Queue.get with no sentinel to end their loop",
        )
    return None


def _root_joins(ev: Evidence) -> bool:
    return ev.root_waits_in("join", "multiprocessing") or ev.root_waits_in("_exit_function", "multiprocessing")


HANG_RULES: tuple[Callable[[Evidence], Verdict | None], ...] = (
    _model_in_child,
    _fork_after_tf,
    _plain_queue_join,
    _join_before_drain,
    _generator_pickling_thread_died,
    _respawn_loop,
    _lost_pool_worker,
    _thread_queue_to_process,
    _worker_loop_without_exit,
)

# -- runs that ended ---------------------------------------------------------------------------

# (pattern in the last exception line or output tail, DLK rule, what it means)
_CRASH_CAUSES: tuple[tuple[str, str | None, str], ...] = (
    (r"cannot pickle 'generator' object", "DLK102", "a generator was handed to a worker process"),
    (r"in (_unpickle_model|deserialize_model_from_bytecode)\n", "DLK101",
     "a model handed to a worker process could not be rebuilt there"),
    (r"BrokenProcessPool", None, "a worker process of the executor died abruptly (lost pool worker)"),
    (r"'Queue' object has no attribute '(join|task_done)'", "DLK402", "join()/task_done() on a plain Queue"),
    (r"cannot pickle '_thread\.(lock|RLock)' object", "DLK104", "a thread queue or lock was handed to a process"),
    (r"Can't (pickle|get) local object|Can't pickle <function <lambda>", "DLK103", "an unpicklable callable"),
    (r"has no attribute '(predict|fit|evaluate)_generator'", "DLK301", "a Keras API removed in Keras 3"),
    (r"unexpected keyword argument '(workers|use_multiprocessing|max_queue_size)'", "DLK301",
     "a Keras 2 argument passed to Keras 3"),
)


def _ended(ev: Evidence) -> Verdict:
    code = ev.returncode or 0
    if code < 0:
        return Verdict("crashed", None, f"crashed: {ev.root.how_it_ended()}")
    exception = last_exception(ev.output_tail)
    if code != 0 and exception:
        for pattern, rule, meaning in _CRASH_CAUSES:
            if re.search(pattern, exception) or re.search(pattern, ev.output_tail):
                return Verdict("crashed", rule, f"crashed: {meaning}", exception)
        return Verdict("crashed", None, f"crashed: {exception}")
    return Verdict("completed", None, f"completed with exit code {code}")
