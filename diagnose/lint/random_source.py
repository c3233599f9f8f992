"""Where a generator's randomness comes from, read from its code: forked copies of a generator replay the same
items only when each child draws what the parent would have drawn.

CPython reseeds the ``random`` module's generator in every forked child (``os.register_at_fork``, Python 3.7+;
multiprocessing did it before), so a generator that orders its items with ``random.shuffle`` (or picks them
with ``random.sample``/``choice``) yields a different order in each child. NumPy's global generator is not
reseeded by a fork; Keras up to 2.2.2 reseeds it in each enqueuer worker. Measured by
``benchmarks/fork_reseed_probe.py``."""

from __future__ import annotations

import ast

from diagnose.lint.index import FunctionInfo
from diagnose.lint.names import resolve
from diagnose.lint.nodes import own_nodes

ORDER_FROM_RANDOM = frozenset({"random.shuffle", "random.sample", "random.choice", "random.choices"})


def names_resolving(info: FunctionInfo | None, wanted) -> bool:
    """Whether a generator function (a method: its whole class) names something whose qualified name
    ``wanted`` accepts (its module's imports resolve it)."""
    owner = info.owner if info is not None else None
    if owner is None:
        return False
    cls = owner.classes.get(info.class_name) if info.class_name else None
    functions = [m.node for m in cls.methods.values()] if cls is not None else [info.node]
    return any(isinstance(node, (ast.Name, ast.Attribute)) and wanted(resolve(node, owner.imports) or "")
               for function in functions for node in own_nodes(function))


def draws_from_numpy_random(info: FunctionInfo | None) -> bool:
    """Whether it draws from NumPy's global generator (``np.random.shuffle``, ``self.rng = np.random``)."""
    return names_resolving(info, lambda name: name.startswith("numpy.random"))


def orders_with_stdlib_random(info: FunctionInfo | None) -> bool:
    """Whether it orders or picks its items with the ``random`` module (reseeded in every forked child)."""
    return names_resolving(info, ORDER_FROM_RANDOM.__contains__)
