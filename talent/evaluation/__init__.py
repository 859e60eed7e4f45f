"""Offline evaluation (issue #6): logged replay and simulated outcome over a model ladder.

The logged candidates, their labels, the session split and the metrics are :mod:`talent.ranking`
(shared with training).

Modules: :mod:`bootstrap` (confidence intervals over queries, paired lifts), :mod:`replay`
(re-rank what was shown: segments and precision curves), :mod:`ladder` (rung name -> rung registry),
:mod:`simulated` (whole-index ranking scored with the hidden truth; the only reader of
:mod:`talent.world.truth` outside the world package), :mod:`report` and :mod:`plots`.
"""
