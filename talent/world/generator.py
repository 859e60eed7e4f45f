"""World generator: companies, members with full profiles, contracts, recruiters and jobs.

Deterministic from the config's seed: every part draws from its own ``np.random.Generator``
spawned from one ``SeedSequence``. Members are built as arrays first (vectorized numpy), then
turned into rows chunk by chunk by :mod:`talent.world.writer`.

Main entry point: :func:`generate_world` (build + write + save the world and truth files);
:func:`build_world` builds the arrays without touching a database.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from talent.storage.models import SENIORITY_LEVELS
from talent.taxonomy.model import Taxonomy, normalize
from talent.world import text, truth
from talent.world.config import WorldConfig
from talent.world.progress import Progress, null_progress
from talent.world.state import WorldState, world_dir

SIZE_BANDS = ("1-50", "51-200", "201-1000", "1001-5000", "5001-10000", "10001+")
SIZE_WEIGHT = np.array([0.6, 2.0, 8.0, 30.0, 70.0, 180.0])  # relative headcount per band

# Share of women by SOC major group (approximate, U.S. CPS 2023 annual averages).
FAMILY_FEMALE_SHARE: dict[str, float] = {
    "11": 0.41,
    "13": 0.56,
    "15": 0.26,
    "17": 0.17,
    "19": 0.48,
    "21": 0.67,
    "23": 0.53,
    "25": 0.73,
    "27": 0.48,
    "29": 0.75,
    "31": 0.85,
    "33": 0.23,
    "35": 0.55,
    "37": 0.40,
    "39": 0.76,
    "41": 0.49,
    "43": 0.71,
    "45": 0.25,
    "47": 0.04,
    "49": 0.04,
    "51": 0.29,
    "53": 0.20,
    "55": 0.15,
}
DEFAULT_FEMALE_SHARE = 0.47
UNKNOWN_GENDER_SHARE = 0.02
GENDERS = ("female", "male", "unknown")

FAMILY_INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "15": (
        "software",
        "technology",
        "internet",
        "computer",
        "it services",
        "semiconductor",
        "telecom",
        "data",
    ),
    "29": ("health", "hospital", "medical", "pharma", "care"),
    "31": ("health", "hospital", "medical", "care"),
    "25": ("education", "school", "universit"),
    "41": ("retail", "wholesale", "stores", "sales"),
    "13": ("financ", "bank", "insurance", "accounting", "investment"),
    "17": ("engineering", "manufactur", "aerospace", "automotive", "industrial", "energy",
           "utilities"),
    "47": ("construction", "engineering", "building"),
    "49": ("manufactur", "automotive", "utilities", "industrial"),
    "51": ("manufactur", "food", "chemical", "industrial"),
    "53": ("transport", "logistics", "airline", "trucking", "freight", "delivery"),
    "35": ("food", "restaurant", "hospitality", "beverage"),
    "23": ("legal", "law"),
    "27": ("media", "entertainment", "advertising", "design"),
}

FAMILY_FIELDS: dict[str, tuple[str, ...]] = {
    "11": ("Business Administration", "Management", "Economics"),
    "13": ("Finance", "Accounting", "Economics", "Business Administration"),
    "15": ("Computer Science", "Software Engineering", "Information Systems", "Mathematics",
           "Statistics"),
    "17": ("Mechanical Engineering", "Electrical Engineering", "Civil Engineering", "Architecture"),
    "19": ("Biology", "Chemistry", "Physics", "Psychology", "Environmental Science"),
    "21": ("Social Work", "Psychology", "Counseling"),
    "23": ("Law", "Political Science", "Paralegal Studies"),
    "25": ("Education", "English", "History", "Mathematics"),
    "27": ("Graphic Design", "Journalism", "Communications", "Fine Arts"),
    "29": ("Nursing", "Biology", "Pharmacy", "Health Sciences", "Medicine"),
    "31": ("Health Sciences", "Medical Assisting", "Nursing"),
    "41": ("Marketing", "Business Administration", "Communications"),
    "43": ("Business Administration", "Office Administration", "Communications"),
}
DEFAULT_FIELDS = ("General Studies", "Business Administration", "Liberal Arts", "Technical Studies")
DEGREES = (
    "High School Diploma",
    "Associate's Degree",
    "Bachelor's Degree",
    "Master's Degree",
    "Doctorate",
    "Professional Degree",
)
DEGREE_YEARS = np.array([4, 2, 4, 2, 5, 3])
# P(highest degree) by job zone 1..5; columns: none, HS, assoc, bachelor, master, doctorate,
# professional
DEGREE_BY_ZONE = np.array(
    [
        [0.55, 0.40, 0.05, 0.00, 0.00, 0.00, 0.00],
        [0.25, 0.40, 0.30, 0.05, 0.00, 0.00, 0.00],
        [0.08, 0.22, 0.30, 0.38, 0.02, 0.00, 0.00],
        [0.00, 0.02, 0.05, 0.73, 0.18, 0.01, 0.01],
        [0.00, 0.00, 0.00, 0.28, 0.42, 0.18, 0.12],
    ]
)
COMPANY_SUFFIXES = (
    "Labs",
    "Group",
    "Systems",
    "Partners",
    "Health",
    "Solutions",
    "Holdings",
    "Analytics",
    "Works",
    "Industries",
    "Logistics",
    "Consulting",
    "Technologies",
    "Services",
    "Co.",
    "Dynamics",
)
AGENCY_SUFFIXES = (
    "Staffing",
    "Talent Partners",
    "Recruiting Group",
    "Search",
    "Talent Solutions",
    "Workforce",
)
MAX_VARIANTS = 30
MAX_OCC_SKILLS = 60


@dataclass
class Vocab:
    """The taxonomy reduced to arrays the generator samples from."""

    occ_ids: list[str]
    occ_titles: list[str]
    occ_singular: list[str]  # "Software Developer" for prose
    occ_weight: np.ndarray  # BLS employment share
    occ_family: np.ndarray  # family index
    occ_zone: np.ndarray
    families: list[str]
    family_titles: list[str]
    variants: list[list[str]]
    occ_skill_ptr: np.ndarray
    occ_skill_idx: np.ndarray
    occ_skill_imp: np.ndarray
    related_ptr: np.ndarray
    related_idx: np.ndarray
    skill_ids: list[str]
    skill_names: list[str]
    metro_ids: np.ndarray
    metro_names: list[str]
    metro_pop: np.ndarray

    @classmethod
    def from_taxonomy(cls, tax: Taxonomy) -> Vocab:
        occ_ids = sorted(o for o in tax.occupations if tax.occupation_skills.get(o))
        if not occ_ids:
            from talent.errors import ConfigError

            raise ConfigError(
                f"taxonomy {tax.source!r} has no occupation with skills: cannot generate a world"
            )
        occs = [tax.occupations[o] for o in occ_ids]
        families = sorted({o.family for o in occs})
        emp = np.array([max(o.employment, 0.0) for o in occs])
        if emp.sum() <= 0:
            emp = np.ones(len(occs))
        pos = {o: i for i, o in enumerate(occ_ids)}
        skill_ids: list[str] = []
        skill_pos: dict[str, int] = {}
        ptr, idx, imp = [0], [], []
        for o in occ_ids:
            # rounded and re-sorted so that float noise in an imported bundle cannot change the
            # world
            ranked = sorted(
                ((sid, round(float(w), 3)) for sid, w in tax.occupation_skills[o]),
                key=lambda item: (-item[1], item[0]),
            )
            for sid, w in ranked[:MAX_OCC_SKILLS]:
                if sid not in skill_pos:
                    skill_pos[sid] = len(skill_ids)
                    skill_ids.append(sid)
                idx.append(skill_pos[sid])
                imp.append(max(float(w), 0.01))
            ptr.append(len(idx))
        rptr, ridx = [0], []
        for o in occ_ids:
            ridx.extend(pos[r] for r in tax.related.get(o, ()) if r in pos and r != o)
            rptr.append(len(ridx))
        variants = []
        for o in occs:
            vs = [v for v in tax.title_variants.get(o.id, []) if v and len(v) <= 80][:MAX_VARIANTS]
            variants.append(vs or [text.singular(o.title)])
        metros = tax.metros
        return cls(
            occ_ids=occ_ids,
            occ_titles=[o.title for o in occs],
            occ_singular=[text.singular(o.title) for o in occs],
            occ_weight=emp / emp.sum(),
            occ_family=np.array([families.index(o.family) for o in occs], dtype=np.int16),
            occ_zone=np.array([min(max(o.job_zone or 3, 1), 5) for o in occs], dtype=np.int8),
            families=families,
            family_titles=[tax.families().get(f, f) for f in families],
            variants=variants,
            occ_skill_ptr=np.array(ptr, dtype=np.int64),
            occ_skill_idx=np.array(idx, dtype=np.int32),
            occ_skill_imp=np.array(imp, dtype=np.float64),
            related_ptr=np.array(rptr, dtype=np.int64),
            related_idx=np.array(ridx, dtype=np.int32),
            skill_ids=skill_ids,
            skill_names=[tax.skills[s].name if s in tax.skills else s.split(":", 1)[-1]
                         for s in skill_ids],
            metro_ids=np.array([m.id for m in metros], dtype=np.int64),
            metro_names=[m.name for m in metros],
            metro_pop=np.array([max(m.population, 1) for m in metros], dtype=np.float64),
        )

    def skills_of(self, o: int) -> tuple[np.ndarray, np.ndarray]:
        sl = slice(self.occ_skill_ptr[o], self.occ_skill_ptr[o + 1])
        return self.occ_skill_idx[sl], self.occ_skill_imp[sl]

    def related_of(self, o: int) -> np.ndarray:
        return self.related_idx[self.related_ptr[o] : self.related_ptr[o + 1]]


@dataclass
class Plan:
    """Everything generated, as arrays (rows are made from it chunk by chunk)."""

    config: WorldConfig
    vocab: Vocab
    taxonomy_source: str
    start: dt.date
    metros: list[Any]  # taxonomy MetroRef rows
    # companies
    company_names: list[str]
    company_industry_id: list[int | None]
    company_industry: list[str]
    company_size: np.ndarray
    company_metro: np.ndarray  # metro index or -1
    # members
    gender: np.ndarray
    first_name: list[str]
    last_name: list[str]
    occ: np.ndarray
    sen: np.ndarray
    years: np.ndarray
    metro: np.ndarray
    company: np.ndarray
    otw: np.ndarray
    reloc: np.ndarray
    inactive_days: np.ndarray
    created_days: np.ndarray  # days before start
    title_id: np.ndarray
    titles: list[str]
    skill_ptr: np.ndarray
    skill_idx: np.ndarray
    skill_endorse: np.ndarray
    # positions (flattened; pos_ptr per member, rank 0 = current)
    pos_ptr: np.ndarray
    pos_occ: np.ndarray
    pos_sen: np.ndarray
    pos_company: np.ndarray
    pos_start_days: np.ndarray  # days before start
    pos_end_days: np.ndarray  # days before start (ignored for the current position)
    pos_title: list[str]
    # education (flattened)
    edu_ptr: np.ndarray
    edu_degree: np.ndarray
    edu_field: list[str]
    edu_school: list[str]
    edu_end_year: np.ndarray
    # text uniforms (templates are picked per chunk)
    text_u: np.ndarray
    # hiring side
    contract_names: list[str]
    contract_agency: np.ndarray
    contract_company: np.ndarray
    recruiter_contract: np.ndarray
    recruiter_names: list[str]
    recruiter_emails: list[str]
    recruiter_families: list[list[str]]
    job_recruiter: np.ndarray
    job_occ: np.ndarray
    job_title: list[str]
    job_metro: np.ndarray
    job_remote: np.ndarray
    job_sen_min: np.ndarray
    job_sen_max: np.ndarray
    job_created_day: np.ndarray
    job_skill_ptr: np.ndarray
    job_skill_idx: np.ndarray
    job_skill_required: np.ndarray
    hidden: truth.HiddenTruth
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_members(self) -> int:
        return int(self.occ.shape[0])

    def state(self) -> WorldState:
        """The public arrays the simulator needs."""
        v = self.vocab
        contract_of_job = self.recruiter_contract[self.job_recruiter]
        return WorldState(
            name=self.config.name,
            seed=self.config.seed,
            start_date=self.start.isoformat(),
            families=v.families,
            family_titles=v.family_titles,
            occupations=v.occ_ids,
            skills=v.skill_ids,
            skill_names=v.skill_names,
            metro_ids=v.metro_ids,
            metro_names=v.metro_names,
            titles=self.titles,
            variants=v.variants,
            o_related_ptr=v.related_ptr,
            o_related_idx=v.related_idx,
            o_family=v.occ_family,
            o_employment=v.occ_weight,
            o_zone=v.occ_zone,
            m_occ=self.occ,
            m_sen=self.sen,
            m_years=self.years,
            m_metro=self.metro,
            m_company=self.company,
            m_otw=self.otw,
            m_reloc=self.reloc,
            m_inactive_days=self.inactive_days,
            m_title=self.title_id,
            m_skill_ptr=self.skill_ptr,
            m_skill_idx=self.skill_idx,
            c_size=self.company_size,
            c_metro=self.company_metro,
            k_company=self.contract_company,
            k_agency=self.contract_agency,
            r_contract=self.recruiter_contract,
            j_recruiter=self.job_recruiter,
            j_contract=contract_of_job,
            j_occ=self.job_occ,
            j_metro=self.job_metro,
            j_remote=self.job_remote,
            j_sen_min=self.job_sen_min,
            j_sen_max=self.job_sen_max,
            j_created_day=self.job_created_day,
            j_skill_ptr=self.job_skill_ptr,
            j_skill_idx=self.job_skill_idx,
            j_skill_required=self.job_skill_required,
            j_titles=self.job_title,
        )


# --- helpers --------------------------------------------------------------------------------------
def _zipf(n: int, s: float = 1.0) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _choice_by_cdf(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right"), len(cdf) - 1)


def _group_cumsum(values: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group start given by CSR ``ptr``."""
    total = np.cumsum(values)
    starts = ptr[:-1]
    offsets = np.repeat(np.concatenate([[0.0], total])[starts], np.diff(ptr))
    return total - offsets


class TitleMaker:
    """Builds title strings from (occupation, variant, level, form), each distinct one once."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self._plain_cache: dict[int, str] = {}

    def draw(
        self, rng: np.random.Generator, occ: np.ndarray, level: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Variant indexes (Zipf over each occupation's list) and seniority forms for each row."""
        n_var = np.array([len(v) for v in self.vocab.variants])[occ]
        u = rng.random(occ.shape[0])
        # log-uniform
        variant = np.floor((n_var**u - 1) / np.maximum(n_var - 1, 1) * n_var).astype(np.int64)
        variant = np.minimum(variant, n_var - 1)
        form = np.empty(occ.shape[0], dtype=np.int8)
        for lvl in range(len(SENIORITY_LEVELS)):
            mask = level == lvl
            if mask.any():
                form[mask] = rng.choice(text.N_FORMS, size=int(mask.sum()),
                                        p=text.form_weights(lvl))
        return variant, form

    def _plain(self, o: int) -> str:
        if o not in self._plain_cache:
            plain = [v for v in self.vocab.variants[o] if not text.has_seniority_word(v)]
            self._plain_cache[o] = plain[0] if plain else text.singular(self.vocab.occ_titles[o])
        return self._plain_cache[o]

    def titles(self, occ: np.ndarray, variant: np.ndarray, level: np.ndarray,
               form: np.ndarray) -> list[str]:
        keys = ((occ.astype(np.int64) * MAX_VARIANTS + variant) * 100 + level.astype(np.int64) * 10
                + form)
        uniq, inverse = np.unique(keys, return_inverse=True)
        strings = []
        for key in uniq.tolist():
            o, rest = divmod(key, MAX_VARIANTS * 100)
            v, lf = divmod(rest, 100)
            lvl, f = divmod(lf, 10)
            variant = self.vocab.variants[o][v]
            # no "Director of Nursing" at entry level
            if lvl <= 3 and text.has_seniority_word(variant):
                variant = self._plain(o)
            strings.append(text.apply_form(variant, lvl, f, int(self.vocab.occ_zone[o])))
        return [strings[i] for i in inverse.ravel().tolist()]


# --- the build ------------------------------------------------------------------------------------
def build_world(config: WorldConfig, taxonomy: Taxonomy,
                progress: Progress = null_progress) -> Plan:
    """Draw the whole world as arrays (no database access)."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    seeds = np.random.SeedSequence(config.seed).spawn(12)
    rngs = [np.random.default_rng(s) for s in seeds]
    (r_comp, r_mem, r_title, r_skill, r_pos, r_edu, r_name, r_hire, r_job, r_hidden, r_text,
     _r_misc) = rngs  # _r_misc: the skill specializations (only when a config asks for them)
    vocab = Vocab.from_taxonomy(taxonomy)
    n = config.members.count
    start = config.start_date
    task = progress.task("building world arrays", 8)

    # companies --------------------------------------------------------------------------------
    comp = _build_companies(config, taxonomy, vocab, r_comp)
    company_names, company_industry_id, company_industry, company_size, company_metro = comp
    task.advance()

    # members: occupation, hidden latents, seniority, flags -------------------------------------
    occ = _choice_by_cdf(r_mem, np.cumsum(vocab.occ_weight), n).astype(np.int16)
    family = vocab.occ_family[occ]
    zone = vocab.occ_zone[occ]
    responsiveness, seeking = truth.draw_member_latents(r_hidden, n)
    years = np.clip(r_mem.gamma(2.0, 5.5, n) + r_mem.normal(0.0, 0.5, n), 0.0, 45.0)
    years = np.where(r_mem.random(n) < 0.03, r_mem.uniform(0, 0.8, n), years).astype(np.float32)
    years = np.round(years.astype(np.float64), 1)
    ladder_x = [0.0, 0.5, 1.5, 3.0, 6.0, 10.0, 15.0, 20.0, 30.0]
    ladder_y = [0.0, 1.0, 1.5, 2.3, 3.3, 4.2, 5.0, 5.6, 6.4]
    cap = np.array([4, 5, 6, 8, 8])[zone - 1]
    mgmt = np.array([f == "11" for f in vocab.families])[family]
    level = (np.interp(years, ladder_x, ladder_y) + 0.25 * (zone - 3) + 0.9 * mgmt
             + r_mem.normal(0, 0.6, n))
    sen = np.clip(np.round(level), 0, cap).astype(np.int8)
    sen = np.where((sen == 0) & (years > 1.0), 1, sen).astype(np.int8)
    ow_score = seeking + r_mem.normal(0, 0.12, n)
    otw = (
        ow_score >= np.quantile(ow_score, 1.0 - config.members.open_to_work)
        if config.members.open_to_work > 0
        else np.zeros(n, dtype=bool)
    )
    reloc_score = r_mem.random(n) - 0.15 * otw + 0.01 * (years - 10)
    reloc = reloc_score < config.members.willing_to_relocate
    p_active = truth.sigmoid(-0.4 + 0.9 * responsiveness + 2.5 * (seeking - 0.21) + 1.0 * otw)
    active = r_mem.random(n) < p_active
    inactive_days = np.where(active, r_mem.exponential(6.0, n), 20.0 + r_mem.exponential(150.0, n))
    inactive_days = np.minimum(inactive_days, 1000.0).astype(np.float32)
    created_days = np.maximum(inactive_days + 1.0,
                              r_mem.uniform(30.0, 3000.0, n)).astype(np.float32)
    metro_cdf = np.cumsum(vocab.metro_pop)
    metro = _choice_by_cdf(r_mem, metro_cdf, n).astype(np.int32)
    company = _draw_companies(r_mem, family, vocab, company_industry, company_size)
    hq = company_metro[company]
    near_hq = (r_mem.random(n) < 0.4) & (hq >= 0)
    metro = np.where(near_hq, hq, metro).astype(np.int32)
    timings["members"] = time.perf_counter() - t0
    task.advance()

    # gender and names
    # -------------------------------------------------------------------------------
    share = np.array([FAMILY_FEMALE_SHARE.get(f, DEFAULT_FEMALE_SHARE)
                      for f in vocab.families])[family]
    u = r_name.random(n)
    gender = np.where(u < UNKNOWN_GENDER_SHARE, 2,
                      np.where(r_name.random(n) < share, 0, 1)).astype(np.int8)
    first_name, last_name = _draw_names(r_name, taxonomy, gender)
    task.advance()

    # titles
    # -------------------------------------------------------------------------------------------
    maker = TitleMaker(vocab)
    variant, form = maker.draw(r_title, occ, sen)
    raw_titles = maker.titles(occ, variant, sen, form)
    noisy = np.flatnonzero(r_title.random(n) < config.members.noisy_titles)
    for i in noisy.tolist():
        raw_titles[i] = text.add_noise(raw_titles[i], r_title)
    uniq_titles, title_id = np.unique(np.array(raw_titles, dtype=object), return_inverse=True)
    titles = [str(t) for t in uniq_titles]
    title_id = title_id.astype(np.int32).ravel()
    timings["titles"] = time.perf_counter() - t0
    task.advance()

    # skills
    # ---------------------------------------------------------------------------------------------
    skill_ptr, skill_idx, skill_endorse = _draw_skills(
        r_skill, vocab, occ, years, config.members.skills_median,
        specializations=config.members.specializations, spec_rng=_r_misc
    )
    timings["skills"] = time.perf_counter() - t0
    task.advance()

    # positions
    # -------------------------------------------------------------------------------------------
    positions = _draw_positions(
        r_pos, vocab, maker, occ, sen, years, company, family, company_industry, company_size
    )
    timings["positions"] = time.perf_counter() - t0
    task.advance()

    # education
    # ---------------------------------------------------------------------------------------------
    education = _draw_education(r_edu, taxonomy, vocab, family, zone, years, metro, start.year)
    text_u = r_text.random((n, 5)).astype(np.float32)
    task.advance()

    # hiring side: contracts, recruiters, jobs
    # ---------------------------------------------------------------
    brand = truth.draw_company_brand(r_hidden, company_size.astype(np.float64))
    hiring = _draw_hiring(config, taxonomy, vocab, r_hire, r_job, maker, company_names,
                          company_size, company_metro, occ, sen)
    attractiveness = truth.draw_contract_attractiveness(
        r_hidden, brand[np.maximum(hiring["contract_company"], 0)], hiring["contract_agency"]
    )
    weights, bias, archetype = truth.draw_recruiter_preferences(
        r_hidden, len(hiring["recruiter_contract"]), config.hiring.preference_strength)
    hidden = truth.HiddenTruth(
        responsiveness=responsiveness,
        seeking=seeking,
        brand=brand,
        attractiveness=attractiveness,
        weights=weights,
        bias=bias,
        archetype=archetype,
        examination=truth.examination_curve(),
    )
    task.advance()
    task.done()
    timings["total"] = time.perf_counter() - t0
    return Plan(
        config=config,
        vocab=vocab,
        taxonomy_source=taxonomy.source,
        start=start,
        metros=list(taxonomy.metros),
        company_names=company_names,
        company_industry_id=company_industry_id,
        company_industry=company_industry,
        company_size=company_size,
        company_metro=company_metro,
        gender=gender,
        first_name=first_name,
        last_name=last_name,
        occ=occ,
        sen=sen,
        years=years,
        metro=metro,
        company=company.astype(np.int32),
        otw=otw,
        reloc=reloc,
        inactive_days=inactive_days,
        created_days=created_days,
        title_id=title_id,
        titles=titles,
        skill_ptr=skill_ptr,
        skill_idx=skill_idx,
        skill_endorse=skill_endorse,
        **positions,
        **education,
        text_u=text_u,
        **hiring,
        hidden=hidden,
        timings=timings,
    )


def _build_companies(config: WorldConfig, tax: Taxonomy, vocab: Vocab, rng: np.random.Generator):
    count = config.companies.count
    metro_pos = {int(m): i for i, m in enumerate(vocab.metro_ids.tolist())}
    real = tax.companies[:count]
    names = [c.name for c in real]
    industry_id: list[int | None] = [c.industry_id for c in real]
    industry = [c.industry for c in real]
    size = [SIZE_BANDS.index(c.size_band) if c.size_band in SIZE_BANDS else 3 for c in real]
    metro = [metro_pos.get(c.hq_metro_id, -1) if c.hq_metro_id is not None else -1 for c in real]
    extra = count - len(real)
    if extra > 0:
        industries = sorted(
            {(c.industry_id, c.industry) for c in tax.companies if c.industry}, key=str
        ) or sorted(tax.industries.items())
        surnames = [s for s, _ in tax.surnames] or ["North"]
        sw = np.array([w for _, w in tax.surnames] or [1.0])
        picks = _choice_by_cdf(rng, np.cumsum(sw), extra)
        suffix = rng.integers(0, len(COMPANY_SUFFIXES), extra)
        ind = rng.integers(0, max(len(industries), 1), extra)
        bands = rng.choice(len(SIZE_BANDS), size=extra, p=[0.35, 0.3, 0.2, 0.1, 0.03, 0.02])
        hq = _choice_by_cdf(rng, np.cumsum(vocab.metro_pop), extra)
        seen = set(names)
        for i in range(extra):
            name = f"{surnames[picks[i]]} {COMPANY_SUFFIXES[suffix[i]]}"
            if name in seen:
                name = f"{name} of {vocab.metro_names[hq[i]]}"
            if name in seen:
                name = f"{name} {i}"
            seen.add(name)
            names.append(name)
            iid, iname = industries[ind[i]] if industries else (None, "")
            industry_id.append(iid)
            industry.append(iname)
            size.append(int(bands[i]))
            metro.append(int(hq[i]))
    return (names, industry_id, industry, np.array(size, dtype=np.int8),
            np.array(metro, dtype=np.int32))


def _company_cdfs(vocab: Vocab, company_industry: list[str],
                  company_size: np.ndarray) -> np.ndarray:
    """Per family, a CDF over companies: headcount by size band, x5 in industries that employ it."""
    base = SIZE_WEIGHT[company_size]
    industries, which = np.unique(
        np.array([i.lower() for i in company_industry], dtype=object), return_inverse=True
    )
    cdfs = np.empty((len(vocab.families), len(base)))
    for f, fam in enumerate(vocab.families):
        words = FAMILY_INDUSTRY_WORDS.get(fam, ())
        boost = np.array([5.0 if any(w in ind for w in words) else 1.0
                          for ind in industries.tolist()])
        cdfs[f] = np.cumsum(base * boost[which.ravel()])
    return cdfs


def _draw_companies(
    rng: np.random.Generator,
    family: np.ndarray,
    vocab: Vocab,
    company_industry: list[str],
    company_size: np.ndarray,
) -> np.ndarray:
    cdfs = _company_cdfs(vocab, company_industry, company_size)
    out = np.empty(family.shape[0], dtype=np.int32)
    for f in np.unique(family).tolist():
        mask = family == f
        out[mask] = _choice_by_cdf(rng, cdfs[f], int(mask.sum()))
    return out


def _draw_names(rng: np.random.Generator, tax: Taxonomy,
                gender: np.ndarray) -> tuple[list[str], list[str]]:
    names = [n for n, _, _ in tax.first_names]
    p_f = np.array([p for _, p, _ in tax.first_names])
    w = np.array([w for _, _, w in tax.first_names])
    first = np.empty(gender.shape[0], dtype=np.int64)
    for g, weights in ((0, w * p_f), (1, w * (1 - p_f)), (2, w)):
        mask = gender == g
        if mask.any():
            first[mask] = _choice_by_cdf(rng, np.cumsum(weights + 1e-12), int(mask.sum()))
    surnames = [s for s, _ in tax.surnames]
    last = _choice_by_cdf(rng, np.cumsum([w for _, w in tax.surnames]), gender.shape[0])
    first_arr = np.array(names, dtype=object)[first]
    last_arr = np.array(surnames, dtype=object)[last]
    return first_arr.tolist(), last_arr.tolist()


#: How much a member's specialization favours its skills: added to the Gumbel key
#: ``2 ln(importance)`` (as if those skills were e^1.5, about 4.5 times, more important).
SPECIALIZATION_BOOST = 3.0


def _draw_skills(
    rng: np.random.Generator, vocab: Vocab, occ: np.ndarray, years: np.ndarray, median: float,
    *, specializations: int = 0, spec_rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """5-40 skills per member: Gumbel top-k by importance^2 from the occupation, plus 0-3 adjacent
    ones. With ``specializations`` k > 0, each member gets one of k specializations of its
    occupation (uniformly, from ``spec_rng``), each favouring a random third of the occupation's
    skills (:data:`SPECIALIZATION_BOOST`); the other draws are the same as without."""
    n = occ.shape[0]
    want = np.round(rng.lognormal(np.log(median), 0.45, n) * (1 + 0.01 * years)).astype(np.int64)
    want = np.clip(want, 5, 40)
    n_extra = rng.binomial(3, 0.35, n)
    members_parts, skills_parts, endorse_parts = [], [], []
    for o in np.unique(occ).tolist():
        rows = np.flatnonzero(occ == o)
        sk, imp = vocab.skills_of(o)
        k = len(sk)
        keys = 2.0 * np.log(imp)[None, :] + rng.gumbel(size=(rows.shape[0], k))
        if specializations and spec_rng is not None:
            favoured = spec_rng.random((specializations, k)) < 1.0 / 3.0
            member_spec = spec_rng.integers(0, specializations, rows.shape[0])
            keys = keys + SPECIALIZATION_BOOST * favoured[member_spec]
        order = np.argsort(-keys, axis=1)
        take = np.minimum(want[rows] - n_extra[rows], k)
        extra = want[rows] - take
        mask = np.arange(k)[None, :] < take[:, None]
        chosen = order[mask]
        member_of = np.repeat(rows, take)
        # adjacent skills: from related occupations' top skills, not already in this occupation's
        # list
        pool = _adjacent_pool(vocab, o, set(sk.tolist()))
        members_parts.append(member_of)
        skills_parts.append(sk[chosen])
        endorse_parts.append(rng.poisson(0.3 + 0.15 * years[member_of] * imp[chosen]))
        if len(pool) and extra.sum():
            extra = np.minimum(extra, len(pool))
            pkeys = rng.gumbel(size=(rows.shape[0], len(pool)))
            porder = np.argsort(-pkeys, axis=1)
            pmask = np.arange(len(pool))[None, :] < extra[:, None]
            members_parts.append(np.repeat(rows, extra))
            skills_parts.append(pool[porder[pmask]])
            endorse_parts.append(rng.poisson(0.2, int(extra.sum())))
    member_of = np.concatenate(members_parts)
    order = np.argsort(member_of, kind="stable")
    skill_idx = np.concatenate(skills_parts)[order].astype(np.int32)
    endorse = np.concatenate(endorse_parts)[order].astype(np.int32)
    counts = np.bincount(member_of, minlength=n)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    # members of occupations with very few skills get common generic ones up to the minimum of 5
    short = np.flatnonzero(counts < 5)
    if short.size:
        generic = np.argsort(-np.bincount(vocab.occ_skill_idx, weights=vocab.occ_skill_imp,
                                          minlength=len(vocab.skill_ids)),
                             kind="stable")[:40].tolist()
        fill_m, fill_s = [], []
        for i in short.tolist():
            own = set(skill_idx[ptr[i] : ptr[i + 1]].tolist())
            extra = [s for s in generic if s not in own][: 5 - int(counts[i])]
            fill_m.extend([i] * len(extra))
            fill_s.extend(extra)
        member_of = np.concatenate([np.repeat(np.arange(n), counts),
                                    np.array(fill_m, dtype=np.int64)])
        order = np.argsort(member_of, kind="stable")
        skill_idx = np.concatenate([skill_idx, np.array(fill_s, dtype=np.int32)])[order]
        endorse = np.concatenate([endorse, np.zeros(len(fill_m), dtype=np.int32)])[order]
        counts = np.bincount(member_of, minlength=n)
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return ptr, skill_idx, endorse


def _adjacent_pool(vocab: Vocab, o: int, own: set[int]) -> np.ndarray:
    pool: list[int] = []
    for r in vocab.related_of(o)[:4].tolist():
        sk, _ = vocab.skills_of(r)
        pool.extend(s for s in sk[:8].tolist() if s not in own and s not in pool)
    return np.array(pool, dtype=np.int32)


def _draw_positions(
    rng: np.random.Generator,
    vocab: Vocab,
    maker: TitleMaker,
    occ: np.ndarray,
    sen: np.ndarray,
    years: np.ndarray,
    company: np.ndarray,
    family: np.ndarray,
    company_industry: list[str],
    company_size: np.ndarray,
) -> dict[str, Any]:
    """2-6 positions per member, newest first: promotions going forward, moves along related
    occupations."""
    n = occ.shape[0]
    n_pos = np.clip(2 + np.floor(years / 6.0).astype(np.int64) + (rng.random(n) < 0.4), 2, 6)
    ptr = np.concatenate([[0], np.cumsum(n_pos)]).astype(np.int64)
    total = int(ptr[-1])
    member_of = np.repeat(np.arange(n), n_pos)
    rank = np.arange(total) - ptr[member_of]
    p_occ = np.empty(total, dtype=np.int16)
    p_sen = np.empty(total, dtype=np.int8)
    p_occ[ptr[:-1]] = occ
    p_sen[ptr[:-1]] = sen
    deg = np.diff(vocab.related_ptr)
    for k in range(1, 6):
        rows = np.flatnonzero(n_pos > k)
        cur = ptr[rows] + k
        prev_occ = p_occ[cur - 1].astype(np.int64)
        move = (rng.random(rows.shape[0]) < 0.3) & (deg[prev_occ] > 0)
        pick = vocab.related_ptr[prev_occ] + np.floor(
            rng.random(rows.shape[0]) * np.minimum(deg[prev_occ], 5)
        )
        moved = (
            vocab.related_idx[np.minimum(pick.astype(np.int64), max(len(vocab.related_idx) - 1, 0))]
            if len(vocab.related_idx)
            else prev_occ
        )
        p_occ[cur] = np.where(move, moved, prev_occ)
        p_sen[cur] = np.maximum(p_sen[cur - 1] - (rng.random(rows.shape[0]) < 0.55), 0)
    # dates: current tenure then earlier positions sharing the remaining years
    tenure = np.maximum(years * rng.uniform(0.1, 0.45, n), 0.1)
    rest = np.maximum(years - tenure, 0.1 * (n_pos - 1))
    e = rng.gamma(3.0, 1.0, total)
    e[ptr[:-1]] = 0.0
    share = e / np.repeat(np.add.reduceat(e, ptr[:-1]), n_pos)
    dur = np.where(rank == 0, tenure[member_of], np.maximum(share * rest[member_of], 0.25)) * 365.0
    gap = np.where(rank == 0, 0.0, rng.uniform(0, 45, total))
    start_days = _group_cumsum(dur + gap, ptr)
    end_days = start_days - dur
    p_company = np.empty(total, dtype=np.int32)
    p_company[ptr[:-1]] = company
    older = rank > 0
    cdfs = _company_cdfs(vocab, company_industry, company_size)
    fam_of = family[member_of]
    for f in np.unique(fam_of[older]).tolist():
        mask = older & (fam_of == f)
        p_company[mask] = _choice_by_cdf(rng, cdfs[f], int(mask.sum()))
    # titles of current positions equal the member's title later (set by the writer); older ones are
    # clean
    variant, form = maker.draw(rng, p_occ, p_sen)
    pos_title = maker.titles(p_occ, variant, p_sen, form)
    return {
        "pos_ptr": ptr,
        "pos_occ": p_occ,
        "pos_sen": p_sen,
        "pos_company": p_company,
        "pos_start_days": start_days.astype(np.float32),
        "pos_end_days": end_days.astype(np.float32),
        "pos_title": pos_title,
    }


def _draw_education(
    rng: np.random.Generator,
    tax: Taxonomy,
    vocab: Vocab,
    family: np.ndarray,
    zone: np.ndarray,
    years: np.ndarray,
    metro: np.ndarray,
    this_year: int,
) -> dict[str, Any]:
    """Highest degree by job zone (plus a bachelor's under a master's or doctorate)."""
    n = family.shape[0]
    cdf = np.cumsum(DEGREE_BY_ZONE, axis=1)
    u = rng.random(n)
    highest = (u[:, None] >= cdf[zone - 1]).sum(axis=1) - 1  # -1 none, 0..5 degree index
    highest = np.minimum(highest, len(DEGREES) - 1)
    two = highest >= 3
    counts = (highest >= 0).astype(np.int64) + two
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    member_of = np.repeat(np.arange(n), counts)
    first_of = ptr[:-1][counts > 0]
    degree = np.repeat(highest, counts)
    second = np.ones(len(degree), dtype=bool)
    second[first_of] = False
    degree = np.where(second, 2, degree).astype(np.int8)  # the bachelor's under a graduate degree
    finish = (this_year - np.floor(years[member_of]).astype(np.int64)
              - rng.integers(0, 2, len(degree)))
    finish = np.where(
        second, finish - DEGREE_YEARS[highest[member_of]] - rng.integers(0, 3, len(degree)), finish
    )
    schools = tax.schools or [
        "State University",
        "City College",
        "Community College",
        "Institute of Technology",
    ]
    school_pick = _choice_by_cdf(rng, np.cumsum(_zipf(len(schools), 0.8)), len(degree))
    school = [schools[i] for i in school_pick.tolist()]
    metro_names = vocab.metro_names
    for i in np.flatnonzero(degree == 0).tolist():
        school[i] = f"{metro_names[metro[member_of[i]]]} High School"
    fam_codes = [vocab.families[f] for f in family[member_of].tolist()]
    fu = rng.random(len(degree))
    fields_ = [FAMILY_FIELDS.get(c, DEFAULT_FIELDS) for c in fam_codes]
    field_names = [
        "" if d == 0 else fs[int(x * len(fs))]
        for d, fs, x in zip(degree.tolist(), fields_, fu.tolist())
    ]
    return {
        "edu_ptr": ptr,
        "edu_degree": degree,
        "edu_field": field_names,
        "edu_school": school,
        "edu_end_year": finish.astype(np.int32),
    }


def _draw_hiring(
    config: WorldConfig,
    tax: Taxonomy,
    vocab: Vocab,
    rng: np.random.Generator,
    rng_job: np.random.Generator,
    maker: TitleMaker,
    company_names: list[str],
    company_size: np.ndarray,
    company_metro: np.ndarray,
    member_occ: np.ndarray,
    member_sen: np.ndarray,
) -> dict[str, Any]:
    h = config.hiring
    n_c, n_r, n_j = h.contracts, h.recruiters, h.jobs
    agency = rng.random(n_c) < h.agency_share
    weight = SIZE_WEIGHT[company_size]
    cdf = np.cumsum(weight)
    company = np.where(agency, -1, _choice_by_cdf(rng, cdf, n_c)).astype(np.int32)
    surnames = [s for s, _ in tax.surnames] or ["North"]
    names = []
    for i in range(n_c):
        if agency[i]:
            a, b = rng.integers(0, len(surnames), 2)
            names.append(
                f"{surnames[a]} & {surnames[b]} "
                f"{AGENCY_SUFFIXES[int(rng.integers(len(AGENCY_SUFFIXES)))]}"
            )
        else:
            names.append(f"{company_names[company[i]]} Talent Acquisition")
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):
        if nm in seen:
            names[i] = f"{nm} ({i + 1})"
        seen[names[i]] = i
    # recruiters: one per contract, the rest spread by contract size
    size = np.where(agency, rng.lognormal(1.0, 0.5, n_c), np.log1p(weight[np.maximum(company, 0)]))
    extra = _choice_by_cdf(rng, np.cumsum(size), n_r - n_c)
    r_contract = np.concatenate([np.arange(n_c), extra]).astype(np.int32)
    r_gender = rng.integers(0, 2, n_r).astype(np.int8)
    first, last = _draw_names(rng, tax, r_gender)
    r_names = [f"{a} {b}" for a, b in zip(first, last)]
    r_emails = [
        f"{_slug(a)}.{_slug(b)}.{i + 1}@{_slug(names[r_contract[i]])[:40]}.example"
        for i, (a, b) in enumerate(zip(first, last))
    ]
    # each recruiter works on 1-3 occupation families, weighted by employment
    fam_weight = np.bincount(vocab.occ_family, weights=vocab.occ_weight,
                             minlength=len(vocab.families))
    n_fam = rng.integers(1, 4, n_r)
    r_fams: list[list[int]] = []
    for i in range(n_r):
        k = int(min(n_fam[i], (fam_weight > 0).sum()))
        r_fams.append(
            sorted(
                rng.choice(
                    len(vocab.families), size=k, replace=False, p=fam_weight / fam_weight.sum()
                ).tolist()
            )
        )
    # jobs
    # ----------------------------------------------------------------------------------------------
    activity = rng_job.lognormal(0.0, 0.6, n_r)
    j_rec = _choice_by_cdf(rng_job, np.cumsum(activity), n_j).astype(np.int32)
    fam_pick = np.array(
        [r_fams[r][int(rng_job.integers(len(r_fams[r])))] for r in j_rec.tolist()], dtype=np.int64
    )
    j_occ = np.empty(n_j, dtype=np.int16)
    for f in np.unique(fam_pick).tolist():
        mask = fam_pick == f
        w = np.where(vocab.occ_family == f, vocab.occ_weight, 0.0)
        j_occ[mask] = _choice_by_cdf(rng_job, np.cumsum(w), int(mask.sum()))
    # seniority: centred on a random member of the occupation (any level if none)
    by_occ = np.argsort(member_occ, kind="stable")
    occ_start = np.searchsorted(member_occ[by_occ], np.arange(len(vocab.occ_ids)))
    occ_count = np.bincount(member_occ, minlength=len(vocab.occ_ids))
    centre = np.empty(n_j, dtype=np.int64)
    for j, o in enumerate(j_occ.tolist()):
        c = int(occ_count[o])
        centre[j] = (
            member_sen[by_occ[occ_start[o] + int(rng_job.integers(c))]] if c
            else int(rng_job.integers(1, 6))
        )
    shape = rng_job.random(n_j)
    sen_min = np.clip(np.where(shape < 0.75, centre - 1, centre), 0, 8).astype(np.int8)
    sen_max = np.clip(np.where(shape < 0.5, centre + 1, np.where(shape < 0.75, centre, centre + 1)),
                      0, 8)
    sen_max = sen_max.astype(np.int8)
    variant, form = maker.draw(rng_job, j_occ, centre.astype(np.int8))
    # half the jobs use the most common variant
    variant = np.where(rng_job.random(n_j) < 0.5, 0, variant)
    j_title = maker.titles(j_occ, variant, centre.astype(np.int8), form)
    # skills: 3-5 required (importance^3 weighted), 2-4 nice to have
    ptr, idx, req = [0], [], []
    n_req = rng_job.integers(3, 6, n_j)
    n_nice = rng_job.integers(2, 5, n_j)
    for j, o in enumerate(j_occ.tolist()):
        sk, imp = vocab.skills_of(o)
        keys = 3.0 * np.log(imp) + rng_job.gumbel(size=len(sk))
        order = np.argsort(-keys)
        a = min(int(n_req[j]), len(sk))
        b = min(int(n_nice[j]), len(sk) - a)
        idx.extend(sk[order[: a + b]].tolist())
        req.extend([True] * a + [False] * b)
        ptr.append(len(idx))
    # location: in-house jobs often at headquarters; some remote
    contract_of = r_contract[j_rec]
    metro = _choice_by_cdf(rng_job, np.cumsum(vocab.metro_pop), n_j)
    hq = np.where(company[contract_of] >= 0, company_metro[np.maximum(company[contract_of], 0)], -1)
    metro = np.where((hq >= 0) & (rng_job.random(n_j) < 0.5), hq, metro).astype(np.int32)
    remote = rng_job.random(n_j) < h.remote_share
    created = rng_job.uniform(0.0, 0.75 * config.simulation.days, n_j).astype(np.float32)
    return {
        "contract_names": names,
        "contract_agency": agency,
        "contract_company": company,
        "recruiter_contract": r_contract,
        "recruiter_names": r_names,
        "recruiter_emails": r_emails,
        "recruiter_families": [[vocab.families[f] for f in fams] for fams in r_fams],
        "job_recruiter": j_rec,
        "job_occ": j_occ,
        "job_title": j_title,
        "job_metro": metro,
        "job_remote": remote,
        "job_sen_min": sen_min,
        "job_sen_max": sen_max,
        "job_created_day": created,
        "job_skill_ptr": np.array(ptr, dtype=np.int64),
        "job_skill_idx": np.array(idx, dtype=np.int32),
        "job_skill_required": np.array(req, dtype=bool),
    }


def _slug(value: str) -> str:
    return "-".join(normalize(value).replace(".", " ").replace("&", " ").split()) or "x"


# --- entry point ----------------------------------------------------------------------------------
@dataclass
class GenerationResult:
    name: str
    seed: int
    members: int
    content_hash: str
    taxonomy_source: str
    seconds: float
    timings: dict[str, float]
    counts: dict[str, int]


def generate_world(
    config: WorldConfig,
    db: Any,
    worlds_dir: Path,
    taxonomy: Taxonomy,
    progress: Progress = null_progress,
    chunk_size: int = 25_000,
) -> GenerationResult:
    """Build the world, wipe the database's product data, write the world, save state and truth
    files.

    ``db`` is a :class:`talent.storage.db.Database` with the schema applied. Returns the content
    hash recorded in ``world_info`` (the same seed and config give the same hash).
    """
    from talent.world.writer import write_world

    t0 = time.perf_counter()
    plan = build_world(config, taxonomy, progress)
    directory = world_dir(worlds_dir, config.name)
    content_hash, counts, write_timings = write_world(plan, db, progress=progress,
                                                      chunk_size=chunk_size)
    plan.state().save(directory)
    truth.save_truth(
        truth.truth_dir(worlds_dir, config.name),
        plan.hidden,
        world=config.name,
        seed=config.seed,
        content_hash=content_hash,
    )
    timings = {**{f"build.{k}": v for k, v in plan.timings.items()}, **write_timings}
    return GenerationResult(
        name=config.name,
        seed=config.seed,
        members=plan.n_members,
        content_hash=content_hash,
        taxonomy_source=plan.taxonomy_source,
        seconds=time.perf_counter() - t0,
        timings=timings,
        counts=counts,
    )
