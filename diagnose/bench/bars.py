"""The issue's bars, judged on one run's numbers."""

from __future__ import annotations

from diagnose.bench.results import Bar, WorkloadResult

PREPROCESS_SPEEDUP_TARGET = 1.7
WARM_POOL_TOLERANCE = 0.10
PREDLINT_KEYS = ("predict_chunked", "predict_queued", "parallel_predictor")


def judge(workloads: list[WorkloadResult]) -> list[Bar]:
    by_name = {w.name: w for w in workloads}
    bars: list[Bar] = []
    if "preprocessing-bound" in by_name:
        bars.extend(_preprocessing_bars(by_name["preprocessing-bound"]))
    if "compute-bound" in by_name:
        bars.append(_warm_pool_bar(by_name["compute-bound"]))
    bars.append(_outputs_bar(workloads))
    return bars


def _best_predlint(workload: WorkloadResult):
    measured = [r for r in workload.results if r.key in PREDLINT_KEYS and r.speedup is not None]
    return max(measured, key=lambda r: r.speedup, default=None)


def _preprocessing_bars(workload: WorkloadResult) -> list[Bar]:
    best = _best_predlint(workload)
    pydataset = workload.result("pydataset")
    if best is None:
        return [Bar("preprocessing-bound speed-up", f">= {PREPROCESS_SPEEDUP_TARGET}x baseline", "not measured", None)]
    bars = [
        Bar(
            "preprocessing-bound speed-up",
            f">= {PREPROCESS_SPEEDUP_TARGET}x baseline",
            f"{best.speedup:.2f}x ({best.label})",
            best.speedup >= PREPROCESS_SPEEDUP_TARGET,
        )
    ]
    if pydataset is not None and pydataset.samples_per_second:
        bars.append(
            Bar(
                "beats Keras PyDataset, same workers",
                f"> {pydataset.samples_per_second:.0f} samples/s",
                f"{best.samples_per_second:.0f} samples/s ({best.label})",
                best.samples_per_second > pydataset.samples_per_second,
            )
        )
    return bars


def _warm_pool_bar(workload: WorkloadResult) -> Bar:
    warm = workload.result("parallel_predictor")
    name, target = "compute-bound warm pool vs baseline", f"within {WARM_POOL_TOLERANCE:.0%} of baseline"
    if warm is None or warm.speedup is None:
        return Bar(name, target, "not measured", None)
    return Bar(name, target, f"{warm.speedup:.2f}x baseline", warm.speedup >= 1 - WARM_POOL_TOLERANCE)


def _outputs_bar(workloads: list[WorkloadResult]) -> Bar:
    checked = [r for w in workloads for r in w.results if r.matches_baseline is not None]
    mismatched = [r.label for r in checked if not r.matches_baseline]
    measured = "all match" if not mismatched else "mismatch: " + ", ".join(mismatched)
    return Bar("outputs equal the baseline", "np.allclose", measured, not mismatched if checked else None)
