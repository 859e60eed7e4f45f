"""The ladder in IPS-weighted replay: every rung's precision with the logging policy's position
bias undone (each accept weighted by 1 / P(examined at its logged position)).

Plain replay over the logged lists favours rankers that follow the logging policy (its top rows
were examined most, so they hold most of the accepts); L2 learns the examination curve from its
training-only position column (``examination_exponent`` in the model's metadata), and this
section re-reads every rung with it. The curve is learned from the training searches only.
"""

from __future__ import annotations

from typing import Any

from talent.evaluation.bootstrap import DEFAULT_RESAMPLES, bootstrap_mean, paired_lift
from talent.evaluation.ladder import LadderResult
from talent.ranking.candidates import ips_per_query

IPS_CUTOFFS = (5, 10, 25)


def ips_summary(result: LadderResult, exponent: float, *, baseline: str = "pairwise_gbdt",
                resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> dict[str, Any]:
    """Per rung: IPS precision@k with a bootstrap CI and its paired lift over ``baseline``."""
    per = {r.name: ips_per_query(result.test, r.scores, exponent, IPS_CUTOFFS)
           for r in result.rungs if r.scores is not None}
    base = per.get(baseline)
    rungs: dict[str, Any] = {}
    for name, frame in per.items():
        entry: dict[str, Any] = {"metrics": {m: bootstrap_mean(frame[m].to_numpy(),
                                                               resamples=resamples,
                                                               seed=seed).as_dict()
                                             for m in frame.columns}}
        if base is not None and name != baseline:
            entry["lift_over"] = baseline
            entry["lift"] = {m: paired_lift(frame[m].to_numpy(), base[m].to_numpy(),
                                            resamples=resamples, seed=seed).as_dict()
                             for m in frame.columns}
        rungs[name] = entry
    return {"examination_exponent": exponent, "baseline": baseline, "rungs": rungs}
