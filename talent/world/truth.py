"""The hidden truth of a synthetic world: the ONLY module that reads or writes it.

Ranking, indexing and training code must never import this module (a test walks their sources
and fails if one does); the simulator uses it to generate logs and the offline evaluation's
"simulated outcome" protocol uses it to score rankings.

What is hidden (drawn by the generator, stored under ``<worlds_dir>/<name>/truth/``):

- members: ``responsiveness`` (z-score) and job-seeking ``seeking`` intensity in [0, 1];
- companies: employer-brand attractiveness ``brand`` (z-score, correlated with size band);
- contracts: ``attractiveness`` to candidates (z-score);
- recruiters: preference weights over :data:`PREFERENCE_FEATURES`, an InMail propensity
  ``bias`` and the ``archetype`` they were drawn from (:data:`ARCHETYPES`);
- the examination curve (position bias) as an array over 0-based positions (pages of 25).

The behaviour model (coefficients below) combines those latents with PROFILE-VISIBLE signals
only, so a model trained on logged features can learn much of it but not all of it:

- match features of (job, member): occupation match (1 same, 0.5 related, 0 other), importance
  weighted skill fit (required skills weigh 1, nice-to-have 0.5), seniority fit, a *step up*
  (job level minus member level), location fit (remote, same metro, willing to relocate),
  experience fit, activity recency ``exp(-days inactive / 45)`` and company pedigree (brand);
- ``relevance``: graded 0..4 from
  ``2.0 occ + 1.6 skill + 0.6 seniority + 0.5 location + 0.3 experience``;
- ``p_view``: a recruiter opens an examined profile, ``sigmoid(-4 + 1.5 relevance_raw)``;
- ``p_inmail``: P(InMail | examined) = p_view x sigmoid(bias_r + w_r . x), per-recruiter weights;
- ``p_accept``: a logistic of open-to-work, seeking, responsiveness, recency, a step up (which
  matters more to open-to-work members), location (unless willing to relocate; job seekers mind
  less), contract attractiveness, the brand move (contract's company vs current employer) and
  the match.

File layout (``truth/``): ``manifest.json`` (version, world, seed, feature and archetype names,
coefficients), ``members.npz`` (responsiveness, seeking), ``companies.npz`` (brand),
``contracts.npz`` (attractiveness), ``recruiters.npz`` (weights, bias, archetype),
``examination.npy``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from talent.errors import ConfigError
from talent.world.state import WorldState, row_dot, world_dir

TRUTH_VERSION = 1
PAGE_BREAK = 25  # LinkedIn Recruiter shows 25 results per page; fewer recruiters reach page 2
EXAM_POSITIONS = 1000

PREFERENCE_FEATURES: tuple[str, ...] = (
    "skills",
    "occupation",
    "seniority",
    "location",
    "pedigree",
    "experience",
    "open_to_work",
    "recency",
)
BASE_WEIGHTS = np.array([2.5, 1.5, 1.2, 1.0, 0.3, 0.6, 0.6, 0.8])
# archetype -> (multipliers, additions) on BASE_WEIGHTS
ARCHETYPES: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "skills-first": ({"skills": 2.0, "seniority": 0.5, "location": 0.5}, {}),
    "seniority-first": ({"seniority": 2.5, "experience": 3.0, "skills": 0.6}, {}),
    "pedigree": ({"skills": 0.8, "location": 0.6}, {"pedigree": 1.6}),
    "local": ({"location": 3.5, "skills": 0.8}, {}),
    "responsive": ({"recency": 3.0, "skills": 0.8}, {"open_to_work": 1.5}),
    "generalist": ({}, {}),
}
EXPECTED_YEARS = np.array([0.3, 1.0, 2.5, 5.0, 8.0, 11.0, 13.0, 16.0, 20.0])
RELEVANCE_THRESHOLDS = np.array([1.3, 2.3, 3.1, 3.9])

ACCEPT = {
    "intercept": -1.8,
    "open_to_work": 1.2,
    "seeking": 2.5,  # x (seeking - 0.21)
    "responsiveness": 1.8,
    "recency": 3.0,  # x (recency - 0.5)
    "step_up": 0.5,
    "step_up_x_open_to_work": 0.8,
    "step_down": -1.0,
    "big_leap": -0.4,
    "not_local": -1.5,
    "not_local_relocates": -0.4,
    "remote": 0.3,
    "contract_attractiveness": 0.7,
    "brand_move": 0.35,
    "skill_fit": 0.8,  # x (skill_fit - 0.5)
    "occupation": 0.6,  # x (occ - 0.5)
}
DECLINE = {"intercept": -0.4, "responsiveness": 0.8, "recency": 1.5}
VIEW = {"intercept": -4.0, "relevance": 1.5}


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class HiddenTruth:
    """The hidden latents of one world (what the files hold)."""

    responsiveness: np.ndarray  # per member
    seeking: np.ndarray  # per member, [0, 1]
    brand: np.ndarray  # per company
    attractiveness: np.ndarray  # per contract
    weights: np.ndarray  # recruiters x PREFERENCE_FEATURES
    bias: np.ndarray  # per recruiter
    archetype: np.ndarray  # per recruiter, index into ARCHETYPES
    examination: np.ndarray  # per 0-based position


# --- drawing the latents (used by the generator) ------------------------------------------------
def draw_member_latents(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Responsiveness z-scores and job-seeking intensity (Beta(1.2, 4.5), mean ~0.21)."""
    return rng.standard_normal(n).astype(np.float32), rng.beta(1.2, 4.5, n).astype(np.float32)


def draw_company_brand(rng: np.random.Generator, size_band: np.ndarray) -> np.ndarray:
    """Employer brand: bigger companies are better known, with plenty of noise."""
    size_z = (size_band - size_band.mean()) / (size_band.std() + 1e-9)
    return (0.6 * size_z + 0.8 * rng.standard_normal(size_band.shape[0])).astype(np.float32)


def draw_contract_attractiveness(
    rng: np.random.Generator, company_brand: np.ndarray, agency: np.ndarray
) -> np.ndarray:
    """In-house teams inherit part of their company's brand; agencies are a little less
    attractive."""
    noise = rng.standard_normal(agency.shape[0])
    return np.where(agency, -0.3 + 0.8 * noise,
                    0.5 * company_brand + 0.85 * noise).astype(np.float32)


def draw_recruiter_preferences(rng: np.random.Generator, n: int, strength: float = 1.0
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-recruiter weights: an archetype's emphasis (raised to ``strength``; its additions
    scaled by it) times log-normal jitter, plus a propensity bias."""
    names = list(ARCHETYPES)
    archetype = rng.integers(0, len(names), n).astype(np.int8)
    table = np.empty((len(names), len(PREFERENCE_FEATURES)))
    for a, name in enumerate(names):
        mult, add = ARCHETYPES[name]
        row = BASE_WEIGHTS.copy()
        for feat, factor in mult.items():
            row[PREFERENCE_FEATURES.index(feat)] *= factor ** strength
        for feat, extra in add.items():
            row[PREFERENCE_FEATURES.index(feat)] += extra * strength
        table[a] = row
    weights = table[archetype] * rng.lognormal(0.0, 0.2, (n, len(PREFERENCE_FEATURES)))
    bias = rng.normal(-0.4, 0.4, n)
    return weights.astype(np.float32), bias.astype(np.float32), archetype


def examination_curve(n: int = EXAM_POSITIONS) -> np.ndarray:
    """P(examined | position): ``(1 + p) ** -0.7``, times 0.6 for each further page of 25."""
    pos = np.arange(n)
    return ((1.0 + pos) ** -0.7 * 0.6 ** (pos // PAGE_BREAK)).astype(np.float64)


# --- persistence -------------------------------------------------------------------------------
def truth_dir(worlds_dir: Path, name: str) -> Path:
    return world_dir(worlds_dir, name) / "truth"


def save_truth(
    directory: Path, hidden: HiddenTruth, *, world: str, seed: int, content_hash: str = ""
) -> None:
    """Write the hidden latents (see the module docstring for the layout)."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "members.npz", responsiveness=hidden.responsiveness,
             seeking=hidden.seeking)
    np.savez(directory / "companies.npz", brand=hidden.brand)
    np.savez(directory / "contracts.npz", attractiveness=hidden.attractiveness)
    np.savez(directory / "recruiters.npz", weights=hidden.weights, bias=hidden.bias,
             archetype=hidden.archetype)
    np.save(directory / "examination.npy", hidden.examination)
    manifest = {
        "version": TRUTH_VERSION,
        "world": world,
        "seed": seed,
        "content_hash": content_hash,
        "preference_features": list(PREFERENCE_FEATURES),
        "archetypes": list(ARCHETYPES),
        "accept": ACCEPT,
        "decline": DECLINE,
        "view": VIEW,
        "page_break": PAGE_BREAK,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no hidden truth under {directory}: run `talent world generate` "
                          "first") from exc


def load_hidden(directory: Path) -> HiddenTruth:
    try:
        manifest = read_manifest(directory)
        if manifest.get("version") != TRUTH_VERSION:
            raise ConfigError(f"hidden truth under {directory} is from another version: regenerate "
                              "the world")
        with (
            np.load(directory / "members.npz") as m,
            np.load(directory / "companies.npz") as c,
            np.load(directory / "contracts.npz") as k,
            np.load(directory / "recruiters.npz") as r,
        ):
            return HiddenTruth(
                responsiveness=m["responsiveness"],
                seeking=m["seeking"],
                brand=c["brand"],
                attractiveness=k["attractiveness"],
                weights=r["weights"],
                bias=r["bias"],
                archetype=r["archetype"],
                examination=np.load(directory / "examination.npy"),
            )
    except FileNotFoundError as exc:
        raise ConfigError(f"no hidden truth under {directory}: run `talent world generate` "
                          "first") from exc


def load_truth(worlds_dir: Path, name: str) -> Truth:
    """The truth of world ``name`` (its public arrays plus the hidden latents)."""
    state = WorldState.load(world_dir(worlds_dir, name))
    directory = truth_dir(worlds_dir, name)
    truth = Truth(state, load_hidden(directory))
    truth.content_hash = str(read_manifest(directory).get("content_hash", ""))
    return truth


# --- the behaviour model ------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """What the truth needs to know of a hiring project (``index`` = project id - 1)."""

    index: int
    recruiter: int  # recruiter index
    contract: int  # contract index
    occ: int
    metro: int
    remote: bool
    sen_min: int
    sen_max: int
    skills: np.ndarray  # skill indexes
    skill_weights: np.ndarray  # 1.0 required, 0.5 nice to have


@dataclass
class MatchFeatures:
    """Profile-visible match signals of (job, members), each an array over the members."""

    occupation: np.ndarray
    skill_fit: np.ndarray
    seniority_fit: np.ndarray
    step: np.ndarray
    same_metro: np.ndarray
    location: np.ndarray
    experience_fit: np.ndarray
    recency: np.ndarray
    pedigree: np.ndarray
    open_to_work: np.ndarray
    relocate: np.ndarray

    @property
    def relevance_raw(self) -> np.ndarray:
        return (
            2.0 * self.occupation
            + 1.6 * self.skill_fit
            + 0.6 * self.seniority_fit
            + 0.5 * self.location
            + 0.3 * self.experience_fit
        )

    def preference_matrix(self) -> np.ndarray:
        """Members x PREFERENCE_FEATURES, centred so that recruiter weights act around zero."""
        return np.column_stack(
            [
                self.skill_fit - 0.5,
                self.occupation - 0.5,
                self.seniority_fit - 0.5,
                self.location - 0.5,
                self.pedigree,
                self.experience_fit - 0.5,
                self.open_to_work - 0.2,
                self.recency - 0.5,
            ]
        )


class Truth:
    """Relevance, recruiter and member behaviour of one world, vectorized over members.

    Member arguments are member ids (1-based, as in the database); ``job`` is a :class:`Job`
    or a project id; ``recruiter``/``contract`` are database ids (``None``: the job's own).
    """

    def __init__(self, state: WorldState, hidden: HiddenTruth):
        self.state = state
        self.hidden = hidden
        self.content_hash = ""  # of the product tables this truth belongs to (set by load_truth)
        n_occ = len(state.occupations)
        rel = sp.csr_matrix(
            (np.ones(len(state.o_related_idx), dtype=bool), state.o_related_idx,
             state.o_related_ptr),
            shape=(n_occ, n_occ),
        ).toarray()
        self._related = rel | rel.T
        self._contract_brand = np.where(
            state.k_company >= 0, hidden.brand[np.maximum(state.k_company, 0)], 0.0
        )

    # jobs --------------------------------------------------------------------------------------
    def job(self, project_id: int) -> Job:
        s, j = self.state, int(project_id) - 1
        if not 0 <= j < s.n_jobs:
            raise KeyError(f"project {project_id} is not a job of world {s.name!r}")
        skills, required = s.job_skills(j)
        return Job(
            index=j,
            recruiter=int(s.j_recruiter[j]),
            contract=int(s.j_contract[j]),
            occ=int(s.j_occ[j]),
            metro=int(s.j_metro[j]),
            remote=bool(s.j_remote[j]),
            sen_min=int(s.j_sen_min[j]),
            sen_max=int(s.j_sen_max[j]),
            skills=skills,
            skill_weights=np.where(required, 1.0, 0.5),
        )

    def _job(self, job: Job | int) -> Job:
        return job if isinstance(job, Job) else self.job(job)

    # features ----------------------------------------------------------------------------------
    def features(self, job: Job | int, members: np.ndarray) -> MatchFeatures:
        job, s = self._job(job), self.state
        m = np.asarray(members, dtype=np.int64) - 1
        occ = s.m_occ[m]
        occupation = np.where(occ == job.occ, 1.0, np.where(self._related[job.occ, occ], 0.5, 0.0))
        weights = np.zeros(len(s.skills), dtype=np.float64)
        weights[job.skills] = job.skill_weights
        skill_fit = row_dot(s.m_skill_ptr, s.m_skill_idx, m, weights) / max(
            float(job.skill_weights.sum()), 1e-9
        )
        sen = s.m_sen[m].astype(np.float64)
        gap = sen - np.clip(sen, job.sen_min, job.sen_max)
        mid = (job.sen_min + job.sen_max) / 2.0
        same_metro = (s.m_metro[m] == job.metro) & (job.metro >= 0)
        relocate = s.m_reloc[m].astype(bool)
        if job.remote:
            location = np.ones(len(m))
        else:
            location = np.where(same_metro, 1.0, np.where(relocate, 0.45, 0.0))
        expected = float(np.interp(mid, np.arange(len(EXPECTED_YEARS)), EXPECTED_YEARS))
        years = s.m_years[m].astype(np.float64)
        return MatchFeatures(
            occupation=occupation,
            skill_fit=np.asarray(skill_fit, dtype=np.float64).ravel(),
            seniority_fit=np.exp(-0.9 * np.abs(gap)),
            step=mid - sen,
            same_metro=same_metro,
            location=location,
            experience_fit=np.exp(-np.abs(years - expected) / (2.0 + 0.35 * expected)),
            recency=np.exp(-s.m_inactive_days[m].astype(np.float64) / 45.0),
            pedigree=self.hidden.brand[s.m_company[m]].astype(np.float64),
            open_to_work=s.m_otw[m].astype(np.float64),
            relocate=relocate,
        )

    # graded relevance --------------------------------------------------------------------------
    def relevance(self, job: Job | int, members: np.ndarray) -> np.ndarray:
        """Graded relevance 0..4 of each member to the job (int8)."""
        raw = self.features(job, members).relevance_raw
        return np.searchsorted(RELEVANCE_THRESHOLDS, raw, side="right").astype(np.int8)

    # recruiter behaviour -----------------------------------------------------------------------
    def p_view(self, job: Job | int, members: np.ndarray,
               f: MatchFeatures | None = None) -> np.ndarray:
        """P(the recruiter opens the profile | examined)."""
        f = f or self.features(job, members)
        return sigmoid(VIEW["intercept"] + VIEW["relevance"] * f.relevance_raw)

    def p_inmail_given_view(
        self, recruiter: int | None, job: Job | int, members: np.ndarray,
        f: MatchFeatures | None = None
    ) -> np.ndarray:
        job = self._job(job)
        r = job.recruiter if recruiter is None else int(recruiter) - 1
        f = f or self.features(job, members)
        return sigmoid(
            self.hidden.bias[r] + f.preference_matrix() @ self.hidden.weights[r].astype(np.float64)
        )

    def p_inmail(
        self, recruiter: int | None, job: Job | int, members: np.ndarray,
        f: MatchFeatures | None = None
    ) -> np.ndarray:
        """P(InMail sent | examined) = P(view | examined) x P(InMail | view), shaped by the
        recruiter."""
        job = self._job(job)
        f = f or self.features(job, members)
        return self.p_view(job, members, f) * self.p_inmail_given_view(recruiter, job, members, f)

    # member behaviour --------------------------------------------------------------------------
    def p_accept(
        self, contract: int | None, job: Job | int, members: np.ndarray,
        f: MatchFeatures | None = None
    ) -> np.ndarray:
        """P(accept | InMail) of each member for this job from this contract."""
        job = self._job(job)
        k = job.contract if contract is None else int(contract) - 1
        f = f or self.features(job, members)
        m = np.asarray(members, dtype=np.int64) - 1
        h, c = self.hidden, ACCEPT
        otw = f.open_to_work
        seeking = h.seeking[m].astype(np.float64)
        up = ((f.step >= 0.5) & (f.step <= 2.5)).astype(np.float64)
        logit = (
            c["intercept"]
            + c["open_to_work"] * otw
            + c["seeking"] * (seeking - 0.21)
            + c["responsiveness"] * h.responsiveness[m]
            + c["recency"] * (f.recency - 0.5)
            + c["step_up"] * up
            + c["step_up_x_open_to_work"] * up * otw
            + c["step_down"] * (f.step <= -0.75)
            + c["big_leap"] * (f.step > 2.5)
            + c["contract_attractiveness"] * h.attractiveness[k]
            + c["brand_move"] * (self._contract_brand[k] - f.pedigree)
            + c["skill_fit"] * (f.skill_fit - 0.5)
            + c["occupation"] * (f.occupation - 0.5)
        )
        if job.remote:
            logit = logit + c["remote"]
        else:
            away = ~f.same_metro
            penalty = (np.where(f.relocate, c["not_local_relocates"], c["not_local"])
                       * (1.0 - 0.5 * seeking))
            logit = logit + np.where(away, penalty, 0.0)
        return sigmoid(logit)

    def p_decline(self, members: np.ndarray) -> np.ndarray:
        """P(an explicit decline | not accepted); the rest never answer (InMail stays pending)."""
        m = np.asarray(members, dtype=np.int64) - 1
        recency = np.exp(-self.state.m_inactive_days[m].astype(np.float64) / 45.0)
        return sigmoid(
            DECLINE["intercept"]
            + DECLINE["responsiveness"] * self.hidden.responsiveness[m]
            + DECLINE["recency"] * (recency - 0.5)
        )

    def response_hours(self, rng: np.random.Generator, members: np.ndarray) -> np.ndarray:
        """How long members take to answer an InMail (log-normal, faster when responsive)."""
        m = np.asarray(members, dtype=np.int64) - 1
        return rng.lognormal(np.log(18.0) - 0.4 * self.hidden.responsiveness[m], 1.0)

    def examination(self, positions: np.ndarray) -> np.ndarray:
        """P(examined | 0-based position): the position-bias curve."""
        pos = np.minimum(np.asarray(positions, dtype=np.int64), len(self.hidden.examination) - 1)
        return self.hidden.examination[pos]

    def expected_accepts(self, job: Job | int, members: np.ndarray) -> np.ndarray:
        """P(InMail | examined) x P(accept | InMail) for the job's own recruiter and contract."""
        job = self._job(job)
        f = self.features(job, members)
        return self.p_inmail(None, job, members, f) * self.p_accept(None, job, members, f)


# --- erasure ------------------------------------------------------------------------------------
def erase_member_latents(directory: Path, index: int) -> bool:
    """Overwrite one member's hidden latents (row ``index`` = member id - 1) with NaN; True when
    the row held values."""
    path = directory / "members.npz"
    if not path.is_file():
        return False
    with np.load(path) as z:
        arrays = {k: np.array(z[k]) for k in z.files}
    if not 0 <= index < len(arrays["responsiveness"]):
        return False
    held = any(not np.isnan(arrays[k][index]) for k in ("responsiveness", "seeking"))
    for key in ("responsiveness", "seeking"):
        arrays[key] = arrays[key].astype(np.float64)
        arrays[key][index] = np.nan
    tmp = directory / ".members.erasing.npz"
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return held


def member_latents_held(directory: Path, index: int) -> bool:
    """Whether the hidden truth still holds values for member row ``index``."""
    path = directory / "members.npz"
    if not path.is_file():
        return False
    with np.load(path) as z:
        if not 0 <= index < len(z["responsiveness"]):
            return False
        return any(not np.isnan(float(z[k][index])) for k in ("responsiveness", "seeking"))


# --- review sessions: the simulated recruiter's hidden intent ------------------------------------
#: How a simulated recruiter judges candidates in review mode. Each session wants one *skill
#: group* of the job's relevant members: the truth clusters them by their skills on its own
#: (k-means on idf-weighted skill vectors, :data:`REVIEW` ``clusters`` groups), draws one group,
#: and the session's hidden *focus* is that group's most distinctive skills. P(good fit) is a
#: logistic of the share of the focus a member holds and of their graded relevance to the job.
#: The *shape* of the focus (:class:`IntentShape`) is 2 equally weighted skills by default; the
#: evaluation may ask for other shapes (:data:`REVIEW_INTENTS`) to test the review learner
#: outside its own model class.
REVIEW = {
    "population_grade": 2,      # the job's relevant members: graded relevance >= 2 ...
    "min_population": 30,       # ... or >= 1 when fewer, among the job's occupation and related
    "max_population": 3000,     # a random sample of them when more
    "clusters": 5,
    "min_group_share": 0.05,    # a group the recruiter may want holds this share of them
    "focus_size": 2,            # skills in the focus
    "min_focus_share": 0.4,     # a focus skill is held by this share of its group
    "intercept": -2.4,
    "focus": 4.0,               # x share of the focus held
    "relevance": 0.5,           # x (graded relevance - 2)
    "graded_alpha": 1.0,        # graded shapes: focus weights ~ Dirichlet(alpha, ..., alpha)
}

#: The intent shapes ``talent evaluate --review-intent`` accepts: ``focus<N>`` wants the group's
#: N most distinctive skills, equally weighted (``focus2``: the default, the learner's own model
#: class); ``-graded`` weighs them by a Dirichlet draw per session (weights summing to 1, so one
#: skill matters more than another).
REVIEW_INTENTS = ("focus2", "focus2-graded", "focus3", "focus3-graded", "focus4",
                  "focus4-graded")


@dataclass(frozen=True)
class IntentShape:
    """The shape of a simulated review session's hidden focus (see :data:`REVIEW_INTENTS`)."""

    focus_size: int = int(REVIEW["focus_size"])
    graded: bool = False

    @classmethod
    def parse(cls, name: str | None) -> IntentShape:
        """``focus<N>`` or ``focus<N>-graded`` (None: the default shape)."""
        if name is None:
            return cls()
        base, _, suffix = name.strip().lower().partition("-")
        if not base.startswith("focus") or not base[5:].isdigit() or suffix not in ("", "graded"):
            raise ValueError(f"unknown review intent shape {name!r}: one of "
                             f"{', '.join(REVIEW_INTENTS)}")
        size = int(base[5:])
        if not 1 <= size <= 8:
            raise ValueError(f"review intent focus size must be 1-8, not {size}")
        return cls(size, suffix == "graded")

    @property
    def name(self) -> str:
        return f"focus{self.focus_size}" + ("-graded" if self.graded else "")


@dataclass(frozen=True)
class ReviewIntent:
    """What one simulated review session's recruiter really wants (hidden)."""

    job: Job
    focus: np.ndarray           # skill indexes of the world
    population: int             # relevant members the group was drawn among
    group_share: float          # share of them in the wanted group
    weights: np.ndarray | None = None   # each focus skill's weight (sum 1); None: equal

    def names(self, truth: Truth) -> list[str]:
        return [truth.state.skill_names[s] for s in self.focus.tolist()]


def _job_population(truth: Truth, job: Job, rng: np.random.Generator) -> np.ndarray:
    """Member ids of the job's occupation and related ones, relevant to it (see :data:`REVIEW`)."""
    s = truth.state
    near = np.flatnonzero(truth._related[job.occ])
    members = np.flatnonzero(np.isin(s.m_occ, np.concatenate([[job.occ], near]))) + 1
    if members.size:
        grade = truth.relevance(job, members)
        relevant = members[grade >= REVIEW["population_grade"]]
        if relevant.size >= REVIEW["min_population"]:
            members = relevant
        elif (grade >= 1).sum() >= REVIEW["min_population"]:
            members = members[grade >= 1]
    if members.size > REVIEW["max_population"]:
        members = np.sort(rng.choice(members, REVIEW["max_population"], replace=False))
    return members


def _skill_rows(truth: Truth, members: np.ndarray) -> sp.csr_matrix:
    """Members x world skills, 1 where held."""
    s = truth.state
    rows = np.asarray(members, dtype=np.int64) - 1
    starts, lengths = s.m_skill_ptr[rows], s.m_skill_ptr[rows + 1] - s.m_skill_ptr[rows]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(flat)), s.m_skill_idx[flat], indptr),
                         shape=(rows.size, len(s.skills)))


def draw_review_intent(truth: Truth, rng: np.random.Generator, job: Job | int,
                       shape: IntentShape | str | None = None) -> ReviewIntent:
    """Draw a session's hidden focus for ``job`` (see :data:`REVIEW`), of ``shape`` (default: 2
    equally weighted skills). The shape's size is an upper bound: the focus holds only skills
    at least :data:`REVIEW` ``min_focus_share`` of the group holds. A graded shape draws the
    weights last, so the focus itself is the same as the ungraded shape's for the same ``rng``;
    the default shape draws exactly what it always drew."""
    shape = shape if isinstance(shape, IntentShape) else IntentShape.parse(shape)
    intent = _draw_focus(truth, rng, job, shape.focus_size)
    if shape.graded and intent.focus.size:
        weights = rng.dirichlet(np.full(intent.focus.size, REVIEW["graded_alpha"]))
        intent = dataclasses.replace(intent, weights=weights)
    return intent


def _draw_focus(truth: Truth, rng: np.random.Generator, job: Job | int,
                size: int) -> ReviewIntent:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize
    from threadpoolctl import threadpool_limits

    job = truth._job(job)
    population = _job_population(truth, job, rng)
    if population.size < REVIEW["clusters"] * 2:
        return ReviewIntent(job, job.skills[:size].astype(np.int64),
                            int(population.size), 1.0)
    held = _skill_rows(truth, population)
    share = np.asarray(held.mean(axis=0)).ravel()
    idf = np.log((1.0 + held.shape[0]) / (1.0 + held.sum(axis=0).A.ravel())) + 1.0
    vectors = normalize(sp.csr_matrix(held @ sp.diags(idf)))
    with threadpool_limits(limits=1):
        dims = min(20, vectors.shape[1] - 1, vectors.shape[0] - 1)
        points = normalize(TruncatedSVD(dims, random_state=int(rng.integers(2**31)))
                           .fit_transform(vectors))
        labels = KMeans(REVIEW["clusters"], n_init=2,
                        random_state=int(rng.integers(2**31))).fit_predict(points)
    sizes = np.bincount(labels, minlength=REVIEW["clusters"]) / len(labels)
    eligible = np.flatnonzero(sizes >= REVIEW["min_group_share"])
    group = int(rng.choice(eligible))
    inside = np.asarray(held[labels == group].mean(axis=0)).ravel()
    distinct = np.where(inside >= REVIEW["min_focus_share"], inside - share, -np.inf)
    order = np.argsort(-distinct, kind="stable")[: size]
    focus = order[np.isfinite(distinct[order])]
    if focus.size == 0:
        focus = np.argsort(-inside, kind="stable")[: size]
    return ReviewIntent(job, focus.astype(np.int64), int(population.size), float(sizes[group]))


def focus_share(truth: Truth, intent: ReviewIntent, members: np.ndarray) -> np.ndarray:
    """Share of the intent's focus skills each member holds."""
    weights = np.zeros(len(truth.state.skills), dtype=np.float64)
    m = np.asarray(members, dtype=np.int64) - 1
    if intent.weights is not None:   # graded: the weights of the focus skills held (sum 1)
        weights[intent.focus] = intent.weights
        return row_dot(truth.state.m_skill_ptr, truth.state.m_skill_idx, m, weights)
    weights[intent.focus] = 1.0
    return row_dot(truth.state.m_skill_ptr, truth.state.m_skill_idx, m, weights) / max(
        len(intent.focus), 1)


def p_good_fit(truth: Truth, intent: ReviewIntent, members: np.ndarray) -> np.ndarray:
    """P(the recruiter marks each member a good fit) in the session with ``intent``."""
    grade = truth.relevance(intent.job, members).astype(np.float64)
    return sigmoid(REVIEW["intercept"] + REVIEW["focus"] * focus_share(truth, intent, members)
                   + REVIEW["relevance"] * (grade - 2.0))
