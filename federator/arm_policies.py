"""Multi-armed bandit policies over skill groups: Thompson sampling (the default) and UCB1.

An arm is a skill group; its reward is 1 for a good fit and 0 for not a fit (a skipped candidate
teaches nothing). A policy picks one of the *available* arms (groups with candidates left) from
the per-arm counts; a :class:`Choice` says which arm and the value that won (the sampled success
rate, or the upper confidence bound), which the review page shows as "why this group".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

PolicyName = Literal["thompson", "ucb1"]
POLICIES: tuple[str, ...] = ("thompson", "ucb1")


@dataclass(frozen=True)
class Choice:
    """The arm a policy picked and the value it picked it by."""

    arm: int
    value: float
    values: tuple[float, ...]       # every arm's value (-inf for unavailable ones)


class ArmPolicy(Protocol):
    name: str

    def choose(self, successes: np.ndarray, failures: np.ndarray, available: np.ndarray,
               rng: np.random.Generator) -> Choice: ...


def _pick(values: np.ndarray, available: np.ndarray) -> Choice:
    if not available.any():
        raise ValueError("no arm is available")
    masked = np.where(available, values, -np.inf)
    arm = int(np.argmax(masked))
    return Choice(arm, float(masked[arm]), tuple(float(v) for v in masked))


class ThompsonSampling:
    """Beta-Bernoulli Thompson sampling: draw each arm's success rate from
    ``Beta(prior + successes, prior + failures)`` and play the best draw."""

    name = "thompson"

    def __init__(self, prior: float = 1.0):
        if prior <= 0:
            raise ValueError("the Beta prior must be positive")
        self.prior = prior

    def choose(self, successes: np.ndarray, failures: np.ndarray, available: np.ndarray,
               rng: np.random.Generator) -> Choice:
        draws = rng.beta(self.prior + np.asarray(successes, dtype=np.float64),
                         self.prior + np.asarray(failures, dtype=np.float64))
        return _pick(draws, np.asarray(available, dtype=bool))


class UCB1:
    """UCB1: an untried available arm first (the lowest), else the best
    ``mean + alpha * sqrt(2 ln(total) / pulls)`` (``alpha = 1`` is Auer et al.'s UCB1)."""

    name = "ucb1"

    def __init__(self, alpha: float = 1.0):
        if alpha < 0:
            raise ValueError("UCB1's alpha must be >= 0")
        self.alpha = alpha

    def choose(self, successes: np.ndarray, failures: np.ndarray, available: np.ndarray,
               rng: np.random.Generator) -> Choice:
        s = np.asarray(successes, dtype=np.float64)
        pulls = s + np.asarray(failures, dtype=np.float64)
        available = np.asarray(available, dtype=bool)
        untried = available & (pulls == 0)
        if untried.any():
            values = np.where(untried, np.inf, -np.inf)
            arm = int(np.flatnonzero(untried)[0])
            return Choice(arm, float("inf"), tuple(float(v) for v in values))
        total = max(float(pulls[available].sum()), 1.0)
        bound = s / np.maximum(pulls, 1.0) + self.alpha * np.sqrt(2.0 * np.log(total)
                                                                  / np.maximum(pulls, 1.0))
        return _pick(bound, available)


def arm_policy(name: str) -> ArmPolicy:
    """The policy called ``name`` (``thompson`` or ``ucb1``)."""
    if name == "thompson":
        return ThompsonSampling()
    if name == "ucb1":
        return UCB1()
    raise ValueError(f"unknown bandit policy {name!r}: use one of {', '.join(POLICIES)}")
