"""Which files are worth parsing, decided from their bytes: most files of a tree cannot hold a finding.

:func:`may_match` is the gate of a check: a file that fails it is not even decoded. :func:`traits` is
sharper: a rule reports events (a process, a pool or its queue, a Keras call with workers), and a module
makes one only when its code names a process API that a process library it or a module it imports
brings, or names a Keras argument or method the rules read. A file that passes the gate for its
TensorFlow/Keras words alone is analysed only when it, together with the project modules it imports
(:mod:`diagnose.lint.reach`), :func:`can_find`; otherwise it is only checked for syntax (DLK000) and its
``noqa`` directives judged. A rule that starts to read other code must add its words here
(``tests/test_prefilter.py`` compares the findings with and without this skipping on every fixture).
"""

from __future__ import annotations

import re

# Plain ``in`` tests on bytes run at memchr speed, several times faster than one regex with alternatives.
PROCESS_WORDS = (b"concurrent.futures", b"joblib", b"billiard", b"pathos")
KERAS_WORDS = (b"fit_generator", b"predict_generator", b"evaluate_generator", b"use_multiprocessing", b"pickle_safe")
TF_WORDS = (b"keras", b"tensorflow")
# ``multiprocess`` counts only on an import line, in any spelling (``from   multiprocessing import``,
# ``import os, multiprocessing``): many files merely mention it in prose.
IMPORTS_MULTIPROCESS = re.compile(rb"^[ \t]*(?:import|from)[ \t][^\n]*multiprocess", re.MULTILINE)

SELF, LIBRARY, API, LOCAL = 1, 2, 4, 8  # trait bits
# Words that make an event by themselves: the Keras arguments and methods the rules read, Keras's
# enqueuers, ``os.fork`` and ``ProcessPoolExecutor`` (a thread pool makes none).
SELF_WORDS = (*KERAS_WORDS, b"Enqueuer", b"ProcessPoolExecutor")
# ``os.fork()``, or ``fork`` imported from os (also in a parenthesised list); not ``register_at_fork``
FORK = re.compile(rb"\.fork\b|\bfrom[ \t]+os[ \t]+import\b(?:[^\n(]*|[ \t]*\([^)]*)\bfork\b")
# DLK301's other worker keywords count in a module that calls ``fit``/``predict``/``evaluate`` (literal,
# or as keys of a ``**{...}`` / ``**dict(...)`` expansion).
MOVED_KEYWORD = re.compile(rb"\b(?:workers|max_queue_size)\s*=|[\"'](?:workers|max_queue_size)[\"']")
KERAS_RUN = re.compile(rb"\b(?:fit|predict|evaluate)\b")
# DLK404 reads a handler ``except queue.Empty`` (``_queue``, ``multiprocessing.queues``, an alias) of the
# module itself, its name bound by an import of the module or a star import.
EXCEPT_EMPTY = re.compile(rb"\bexcept\b[^:]*Empty|\bEmpty[ \t]+as\b")
IMPORTS_QUEUE = re.compile(rb"^[ \t]*(?:import|from)[ \t][^\n]*(?:queue|\bimport[ \t]*\*)", re.MULTILINE)
# A process library's names make events only where code names a pool, a process, a queue, a manager
# (``BaseManager`` subclasses too) or joblib's ``Parallel`` (whole names); the import and the use may be in
# different modules (``from .compat import mp`` then ``mp.Pool()``).
LIBRARY_WORDS = (b"billiard", b"pathos", b"torch.multiprocessing", b"joblib")
API_WORDS = (b"Pool", b"Process", b"Queue", b"Manager", b"Parallel")
API_NAME = re.compile(rb"\b(?:Pool|Process|Queue|SimpleQueue|JoinableQueue|Manager|BaseManager|SyncManager|Parallel)\b")


# Each scan reads the whole file: the Keras words sharing ``_generator`` (and ``use_multiprocessing``, holding
# ``multiprocess``) are looked for only where the shared part is.
GATE_WORDS = (*TF_WORDS, *PROCESS_WORDS, b"pickle_safe")  # TF first: in an ML tree most files stop there
GENERATOR_WORDS = tuple(word for word in KERAS_WORDS if word.endswith(b"_generator"))


def may_match(source: bytes) -> bool:
    """Whether any rule could fire on this file, or on a module it imports on its behalf."""
    return (any(word in source for word in GATE_WORDS)
            or b"_generator" in source and any(word in source for word in GENERATOR_WORDS)
            or b"multiprocess" in source and (b"use_multiprocessing" in source
                                              or IMPORTS_MULTIPROCESS.search(source) is not None)
            or _queue_empty(source))


def traits(source: bytes) -> int:
    """What a module's code contributes to events: ``SELF`` (makes one by itself), ``LOCAL`` (makes one
    that only a rule judging the module's own code reads: an ``except queue.Empty`` handler, a Keras
    call's moved keyword), ``LIBRARY`` (imports a process library), ``API`` (names one of its pools,
    processes, queues or managers)."""
    if any(word in source for word in SELF_WORDS) or _found(b"fork", FORK, source):
        return SELF
    multiprocess = _found(b"multiprocess", IMPORTS_MULTIPROCESS, source)
    local = (_found(b"Empty", EXCEPT_EMPTY, source) and (multiprocess or IMPORTS_QUEUE.search(source) is not None)
             or (b"workers" in source or b"max_queue_size" in source) and MOVED_KEYWORD.search(source) is not None
             and KERAS_RUN.search(source) is not None)
    library = multiprocess or any(word in source for word in LIBRARY_WORDS)
    api = any(word in source for word in API_WORDS) and API_NAME.search(source) is not None  # not fontManager
    return (LOCAL if local else 0) | (LIBRARY if library else 0) | (API if api else 0)


def imported_traits(found: int) -> int:
    """The traits an imported module lends the module checked: its ``LOCAL`` events are judged in it, not
    in its importers (the rules reading them do not follow calls)."""
    return found & ~LOCAL


def can_find(found: int) -> bool:
    """Whether modules with these traits together can make an event a rule reports."""
    return bool(found & (SELF | LOCAL)) or found & (LIBRARY | API) == LIBRARY | API


def _queue_empty(source: bytes) -> bool:
    """DLK404 needs both a queue import and ``Empty``."""
    return b"Empty" in source and b"queue" in source


def _found(word: bytes, pattern: re.Pattern[bytes], source: bytes) -> bool:
    return word in source and pattern.search(source) is not None
