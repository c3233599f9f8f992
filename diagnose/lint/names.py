"""Import resolution: turn ``mp.get_context`` into ``multiprocessing.get_context``, whatever the alias."""

from __future__ import annotations

import ast
from collections.abc import Iterable

# Modules that are the same API under another name.
MODULE_ALIASES = {
    "multiprocess": "multiprocessing",  # the dill-based fork used by pathos
    "pathos.helpers.mp": "multiprocessing",  # pathos re-exports multiprocess as `mp`
    "billiard": "multiprocessing",  # Celery's fork of multiprocessing
    "torch.multiprocessing": "multiprocessing",  # multiprocessing with tensors shared in memory
    "multiprocessing.context": "multiprocessing",
    "multiprocessing.pool": "multiprocessing",
    "multiprocessing.process": "multiprocessing",
    "multiprocessing.queues": "multiprocessing",
    "concurrent.futures.process": "concurrent.futures",
    "concurrent.futures.thread": "concurrent.futures",
    "six.moves.queue": "queue",  # Python 2/3 code's spelling of the standard queue module
}

# Keras namespaces and the Keras major version each implies (None: decided by the setting).
KERAS_NAMESPACES = (
    ("tensorflow.python.keras", 2),
    ("tensorflow.keras", None),
    ("tf_keras", 2),
    ("keras", None),
)
TF_ROOTS = ("tensorflow", "keras", "tf_keras")
# What ``from M import *`` binds, for the modules whose names the checker knows.
STAR_EXPORTS = {
    "multiprocessing": ("Pool", "Process", "Queue", "JoinableQueue", "SimpleQueue", "Manager", "get_context",
                        "set_start_method", "cpu_count", "Lock", "Event"),
    "concurrent.futures": ("ProcessPoolExecutor", "ThreadPoolExecutor", "as_completed", "wait"),
    "queue": ("Queue", "SimpleQueue", "LifoQueue", "PriorityQueue", "Empty", "Full"),
}


def collect_imports(nodes: Iterable[ast.AST]) -> dict[str, str]:
    """Map every name bound by the given import statements to its canonical dotted name."""
    bound: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = canonical_module(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = canonical_module(top)
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative: ".models.load", resolved by the project
            base = "." * node.level + (f"{node.module}." if node.module else "")
            for alias in node.names:
                if alias.name != "*":
                    bound[alias.asname or alias.name] = base + alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            module = canonical_module(node.module)
            for alias in node.names:
                names = STAR_EXPORTS.get(module, ()) if alias.name == "*" else (alias.name,)
                for name in names:
                    _bind(bound, alias.asname or name, canonical_module(f"{module}.{name}"))
    return bound


def _bind(bound: dict[str, str], name: str, qualname: str) -> None:
    """Bind an imported name; where a flag picks ``multiprocessing`` or ``multiprocessing.dummy`` for the same
    name, the process branch is kept (its hazards are the ones to report)."""
    old = bound.get(name)
    if old is not None and old.replace(".dummy", "") == qualname.replace(".dummy", "") and "dummy" not in old:
        qualname = old
    bound[name] = qualname


def canonical_module(name: str) -> str:
    """Rewrite known module aliases (``multiprocessing.pool.Pool`` → ``multiprocessing.Pool``)."""
    for alias, target in MODULE_ALIASES.items():
        if name == alias or name.startswith(alias + "."):
            return target + name[len(alias):]
    return name


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def resolve(node: ast.AST, imports: dict[str, str]) -> str | None:
    """The canonical dotted name an expression refers to through the module's imports, if any."""
    text = dotted(node)
    if text is None:
        return None
    head, _, rest = text.partition(".")
    if head not in imports:
        return None
    base = imports[head]
    return canonical_module(f"{base}.{rest}" if rest else base)


def keras_member(qualname: str | None) -> tuple[str, int | None] | None:
    """For a name inside a Keras namespace: (path below the namespace, implied major version)."""
    if not qualname:
        return None
    for prefix, version in KERAS_NAMESPACES:
        if qualname == prefix:
            return "", version
        if qualname.startswith(prefix + "."):
            return qualname[len(prefix) + 1:], version
    return None


def is_tf_name(qualname: str | None) -> bool:
    """Whether a canonical name lives in TensorFlow or any Keras namespace."""
    return bool(qualname) and qualname.split(".")[0] in TF_ROOTS  # type: ignore[union-attr]
