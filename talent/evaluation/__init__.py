"""Offline evaluation (issue #6): logged replay and simulated outcome over a model ladder.

Modules: :mod:`metrics` (ranking and probability metrics), :mod:`bootstrap` (confidence
intervals over queries, paired lifts), :mod:`split` (time split of logged sessions),
:mod:`replay` (re-rank what was shown), :mod:`ladder` (rung name -> scorer registry),
:mod:`simulated` (whole-index ranking scored with the hidden truth; the only reader of
:mod:`talent.world.truth` outside the world package), :mod:`report` and :mod:`plots`.
"""
