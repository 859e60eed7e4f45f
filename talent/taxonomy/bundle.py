"""Import the real taxonomy bundle (``../shared/data/taxonomy``: O*NET, BLS OEWS, ESCO, GeoNames,
SSA, Census, LinkedIn industries, Fortune 1000) into a :class:`Taxonomy`, with a pickle cache.

See the bundle's README.md for the files; each ``bundle_*`` module documents its choices.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import structlog

from talent.errors import ConfigError
from talent.taxonomy import bundle_occupations as occ_files
from talent.taxonomy import bundle_reference as ref_files
from talent.taxonomy.aliases import build_skill_aliases, build_title_aliases
from talent.taxonomy.bundle_skills import load_skills
from talent.taxonomy.cache import cache_key, load_cached
from talent.taxonomy.fixture import FIXTURE_DIR, fixture_title_variants
from talent.taxonomy.model import Occupation, Taxonomy, normalize

log = structlog.get_logger(__name__)

#: Bump when the import logic changes so cached pickles are rebuilt.
IMPORTER_VERSION = "bundle-4"

BUNDLE_FILES = (
    "onet_occupations.tsv",
    "soc_oews_2024.tsv",
    "onet_alternate_titles.tsv",
    "onet_reported_titles.tsv",
    "onet_technology_skills.tsv",
    "onet_skill_knowledge_ratings.tsv",
    "onet_related_occupations.tsv",
    "esco_onet_crosswalk.tsv",
    "esco_occupation_labels.tsv",
    "esco_occupation_skills.tsv",
    "esco_skills.tsv",
    "linkedin_industries_v2.tsv",
    "companies_fortune1000_2024.tsv",
    "cities_us.tsv",
    "first_names_us_ssa.tsv",
    "surnames_us_census2000.tsv",
)

MIN_OWN_SKILLS = 10
MAX_INHERITED_SKILLS = 40
MAX_INHERITED_RELATED = 10


def check_bundle(directory: Path) -> list[Path]:
    """The bundle files the importer reads; :class:`ConfigError` naming the first missing or
    unreadable one."""
    if not directory.is_dir():
        raise ConfigError(f"taxonomy bundle directory not found: {directory}")
    paths = []
    for name in BUNDLE_FILES:
        path = directory / name
        if not path.is_file():
            raise ConfigError(
                f"taxonomy bundle file missing: {name} (looked in {directory}); "
                "restore the bundle or unset taxonomy_dir to use the built-in fixture"
            )
        paths.append(path)
    return paths


def load_bundle(directory: Path, *, cache_dir: Path | None = None) -> Taxonomy:
    """Import the bundle in ``directory``; with ``cache_dir``, reuse a pickle while the files are
    unchanged."""
    files = check_bundle(directory)
    if cache_dir is None:
        return build_taxonomy(directory)
    key = cache_key(files, IMPORTER_VERSION)
    return load_cached(
        Path(cache_dir) / f"taxonomy-{key}.pickle",
        lambda: build_taxonomy(directory),
        stale_glob="taxonomy-*.pickle",
    )


def inherit_from_siblings(
    occupations: dict[str, Occupation],
    occupation_skills: dict[str, list[tuple[str, float]]],
    related: dict[str, list[str]],
) -> list[str]:
    """Give occupations O*NET does not describe (mostly "..., All Other") the skills and relations
    of their SOC siblings: the mean importance over siblings in the same broad group (else minor
    group), and the largest siblings as related occupations. Returns the codes that inherited."""
    described = {c for c, skills in occupation_skills.items() if len(skills) >= MIN_OWN_SKILLS}
    inherited: list[str] = []
    for code in occupations:
        if code in described:
            continue
        for prefix in (code[:6], code[:5], code[:4]):
            siblings = [c for c in described if c.startswith(prefix)]
            if siblings:
                break
        else:
            continue
        total: dict[str, float] = defaultdict(float)
        for sibling in siblings:
            for sid, importance in occupation_skills[sibling]:
                total[sid] += importance / len(siblings)
        merged = dict(occupation_skills.get(code, ()))
        for sid, importance in total.items():
            merged[sid] = max(merged.get(sid, 0.0), round(importance, 4))
        occupation_skills[code] = sorted(merged.items(), key=lambda p: (-p[1], p[0]))[
            :MAX_INHERITED_SKILLS
        ]
        if not related.get(code):
            related[code] = sorted(siblings, key=lambda c: (-occupations[c].employment, c))[
                :MAX_INHERITED_RELATED
            ]
        inherited.append(code)
    return inherited


def add_curated_variants(occupations: dict[str, Occupation], titles: occ_files.TitleTables) -> int:
    """Append the fixture's hand-written variants (abbreviations O*NET lacks, e.g. "SWE") to the
    bundle occupations with the same code, after the O*NET ones. Returns how many were added."""
    try:
        curated = fixture_title_variants(FIXTURE_DIR)
    except ConfigError:
        return 0
    added = 0
    for code, extra in curated.items():
        if code not in occupations:
            continue
        for target in (titles.variants[code], titles.alias_titles[code]):
            known = {normalize(t) for t in target}
            for variant in extra:
                if normalize(variant) not in known:
                    target.append(variant)
                    known.add(normalize(variant))
                    added += target is titles.variants[code]
    return added


def build_taxonomy(directory: Path) -> Taxonomy:
    """Read every bundle file and assemble the taxonomy (no cache)."""
    started = time.perf_counter()
    occupations = occ_files.load_occupations(directory)
    titles = occ_files.load_titles(directory, occupations)
    add_curated_variants(occupations, titles)
    related = occ_files.load_related(directory, occupations)
    crosswalk = occ_files.load_esco_crosswalk(directory, occupations)
    esco_labels = occ_files.load_esco_labels(directory, crosswalk)
    skill_tables = load_skills(directory, occupations, crosswalk)
    occupation_skills = skill_tables.occupation_skills
    inherited = inherit_from_siblings(occupations, occupation_skills, related)
    industries = ref_files.load_industries(directory)
    metros = ref_files.load_metros(directory)
    taxonomy = Taxonomy(
        source=f"bundle:{directory.name}",
        occupations=occupations,
        skills=skill_tables.skills,
        title_variants=titles.variants,
        occupation_skills=occupation_skills,
        related=related,
        companies=ref_files.load_companies(directory, industries, metros),
        industries=industries,
        metros=metros,
        first_names=ref_files.load_first_names(directory),
        surnames=ref_files.load_surnames(directory),
        schools=ref_files.generate_schools(metros),
        title_aliases=build_title_aliases(
            occupations, titles.alias_titles, esco_labels, titles.scores
        ),
        skill_aliases=build_skill_aliases(skill_tables.skills),
    )
    log.info(
        "taxonomy_imported",
        directory=str(directory),
        occupations=len(occupations),
        skills=len(taxonomy.skills),
        inherited_skills=len(inherited),
        seconds=round(time.perf_counter() - started, 2),
    )
    return taxonomy
