"""What importing a project module does, computed on demand by the walker and kept per module version.

A module's summary is its import-time walk (``__name__`` is not ``"__main__"``, so its main guard does not
run): the names it defines with their abstract values, whether importing it starts the TF runtime (and
where), and the start method it sets. Functions and classes are not summarised ahead: the walker walks an
imported function's body with its arguments bound, as it does a function of the checked file. An import
cycle gets the empty summary (all unknown) while it is being computed; unknown never makes a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from diagnose.lint.events import Origin, TfStart
from diagnose.lint.project import Module, Project
from diagnose.lint.values import Value


@dataclass
class ModuleSummary:
    """The effects of importing one module."""

    env: dict[str, Value] = field(default_factory=dict)
    tf_started: TfStart | None = None  # its origin names the module (or a deeper one)
    start_method: str | None = None  # set_start_method(...) run at import time
    eager: bool = False  # tf.enable_eager_execution() run at import time
    depends: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # modules read to compute it


EMPTY = ModuleSummary()


def module_summary(project: Project, module: Module, default_start_method: str, keras_version: int | None,
                   tf1: bool) -> ModuleSummary:
    """The summary of ``module`` (cached per module version and settings; the empty one inside a cycle)."""
    from diagnose.lint.walker import Walker

    key = (module.path, module.digest, default_start_method, keras_version, tf1)
    cached = project.summaries.get(key)
    if cached is not None:
        project.used.update(cached.depends)
        return cached
    if module.path in project.summarising:
        return EMPTY
    project.summarising.add(module.path)
    outer, project.used = project.used, {module.path: (*module.stat, module.digest)}
    try:
        walker = Walker(module.index, default_start_method, keras_version, tf1, imported=True)
        walker.run()
        started = walker.tf_started
        if started is not None and started.origin is None:
            started = replace(started, origin=Origin(project.display(module.path),
                                                     started.node.lineno, file=module.path))  # type: ignore[attr-defined]
        summary = ModuleSummary(dict(walker.module.env), started, walker.start_method, walker.eager,
                                dict(project.used))
    finally:
        project.summarising.discard(module.path)
        project.used = {**outer, **project.used}
    project.summaries[key] = summary
    return summary
