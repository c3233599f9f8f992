"""Every shipped scenario under ``predlint repro`` with real TensorFlow and real processes: the
verdict and the cause are right, every live process has a stack, nothing of the tree survives,
hangs are declared within --quiet + 5 s, and each fixed twin exits 0.

The scenarios run three at a time (most of a hang run is quiet waiting) in one module fixture;
the tests then check the collected runs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from diagnose.harness.exitcodes import EXIT_CRASHED, EXIT_HUNG
from diagnose.harness.scenarios import load_scenarios
from diagnose.lint.config import Settings
from diagnose.lint.engine import check_path
from harness_support import ReproRun, leftovers, repro

QUIET_S = 3
CONCURRENT_RUNS = 3
SCENARIOS = load_scenarios()
HANGS = [s for s in SCENARIOS if s.outcome == "hang"]
WITH_RULE = [s for s in SCENARIOS if s.outcome != "fixed" and s.rule]
VERDICTS = {"hang": ("hung", EXIT_HUNG), "crash": ("crashed", EXIT_CRASHED), "fixed": ("completed", 0)}

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReproRun]:
    report_dir = tmp_path_factory.mktemp("reports")

    def run(name: str) -> ReproRun:
        return repro(["--scenario", name, "--quiet", str(QUIET_S), "--timeout", "120"], report_dir)

    with ThreadPoolExecutor(CONCURRENT_RUNS) as pool:
        return dict(zip([s.name for s in SCENARIOS], pool.map(run, [s.name for s in SCENARIOS])))


def test_every_family_has_a_hang_or_crash_and_a_fixed_twin() -> None:
    names = {s.name for s in SCENARIOS}
    for scenario in SCENARIOS:
        if scenario.outcome != "fixed":
            assert scenario.twin in names, scenario.name


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_verdict_cause_and_exit_status(runs: dict[str, ReproRun], scenario) -> None:
    run = runs[scenario.name]
    verdict, status = VERDICTS[scenario.outcome]
    assert (run.report["verdict"], run.returncode) == (verdict, status), run.report.get("summary")
    if scenario.outcome != "fixed":
        assert run.report["cause"] == scenario.rule, run.report["summary"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_nothing_survives(runs: dict[str, ReproRun], scenario) -> None:
    run = runs[scenario.name]
    assert run.report["survivors"] == []
    assert leftovers(run) == []


@pytest.mark.parametrize("scenario", HANGS, ids=lambda s: s.name)
def test_hang_has_stacks_of_every_live_process(runs: dict[str, ReproRun], scenario) -> None:
    run = runs[scenario.name]
    assert run.live, "a hung run has live processes"
    for process in run.live:
        assert any(t["frames"] for t in process["threads"]), f"no Python stack for pid {process['pid']}"
    assert run.report["stack_method"] == "py-spy"


@pytest.mark.parametrize("scenario", HANGS, ids=lambda s: s.name)
def test_hang_declared_within_quiet_plus_5s(runs: dict[str, ReproRun], scenario) -> None:
    run = runs[scenario.name]
    assert run.report["detected_after_s"] - run.quiet_since_s <= QUIET_S + 5


@pytest.mark.parametrize("scenario", WITH_RULE, ids=lambda s: s.name)
def test_verdict_names_the_hazards_line(runs: dict[str, ReproRun], scenario) -> None:
    """The static twin's finding for the runtime cause comes first in ``findings`` and the verdict
    names its file and line, then the fix and the rule's page."""
    report = runs[scenario.name].report
    static_rows = {f.row for f in check_path(str(scenario.path), Settings()).findings if f.code == scenario.rule}
    first = report["findings"][0]
    assert (first["code"], first["filename"]) == (scenario.rule, str(scenario.path.resolve()))
    assert first["location"]["row"] in static_rows
    assert f"; {scenario.rule} — " in report["summary"]
    assert f"{scenario.path.name}:{first['location']['row']}: " in report["summary"]
    assert report["fix"] and report["rule_help"] == f"predlint rule {scenario.rule}"


# A subclassed model handed to a forked pool: registered, the worker rebuilds it and hangs in
# predict, and py-spy shows the task's argument only as ``<Net at 0x...>``; unregistered, the
# worker dies rebuilding it and the pool never answers the task.
SUBCLASSED_MODEL_TO_FORKED_POOL = """
import multiprocessing

import keras
import numpy as np


{decorator}
class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.out = keras.layers.Dense(16), keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


def infer(net, rows):
    return net.predict(rows, verbose=0)


if __name__ == "__main__":
    net = Net()
    net(np.zeros((1, 4), "float32"))
    with multiprocessing.Pool(2) as pool:
        print(pool.apply_async(infer, (net, np.ones((128, 4), "float32"))).get().shape)
"""


@pytest.mark.parametrize(
    "decorator", ["@keras.saving.register_keras_serializable()", ""], ids=["registered", "unregistered"]
)
def test_subclassed_model_in_task_arguments_is_dlk101(tmp_path, decorator: str) -> None:
    script = tmp_path / "subclassed_model.py"
    script.write_text(SUBCLASSED_MODEL_TO_FORKED_POOL.replace("{decorator}", decorator))
    run = repro(["--quiet", str(QUIET_S), "--timeout", "120", str(script)], tmp_path / "reports")
    assert (run.report["verdict"], run.report["cause"]) == ("hung", "DLK101"), run.report["summary"]
    assert run.report["survivors"] == [] and leftovers(run) == []
