"""Logged searches as ranking data, shared by training and evaluation (it imports neither).

Modules: :mod:`candidates` (the candidates each logged search showed, graded by what happened,
and per-search metrics of a re-ranking), :mod:`split` (time split of logged sessions),
:mod:`metrics` (tie-aware ranking and probability metrics, and the report cut-offs).
"""
