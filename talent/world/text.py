"""Profile text of synthetic members: titles with seniority words and noise, headlines, summaries.

Everything here is a pure function of its inputs plus an explicit ``np.random.Generator``, so the
world stays deterministic. Titles are built once per distinct (variant, seniority form) and only
the noisy minority is edited one by one.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from talent.taxonomy.model import normalize

# Seniority forms per level 0..8 (intern .. executive): (template, weight). "{t}" is the variant.
SENIORITY_FORMS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("{t} Intern", 0.7), ("{t} Trainee", 0.15), ("Intern, {t}", 0.15)),
    (("{t}", 0.45), ("Junior {t}", 0.3), ("Jr. {t}", 0.15), ("{t} I", 0.1)),
    (("{t}", 0.55), ("Associate {t}", 0.3), ("{t} II", 0.15)),
    (("{t}", 0.8), ("{t} II", 0.1), ("{t} III", 0.1)),
    (("Senior {t}", 0.55), ("Sr. {t}", 0.2), ("{t}", 0.2), ("{t} III", 0.05)),
    (
        ("Lead {t}", 0.35),
        ("Principal {t}", 0.2),
        ("Staff {t}", 0.15),
        ("Senior {t}", 0.15),
        ("{t} Team Lead", 0.15),
    ),
    (
        ("{t} Manager", 0.35),
        ("Lead {t}", 0.2),
        ("Senior {t}", 0.15),
        ("{t} Supervisor", 0.15),
        ("Manager, {t}", 0.15),
    ),
    (("Director, {t}", 0.4), ("Head of {t}", 0.3), ("Principal {t}", 0.3)),
    (("VP, {t}", 0.3), ("Head of {t}", 0.3), ("Chief {t}", 0.2), ("Executive {t}", 0.2)),
)
N_FORMS = max(len(forms) for forms in SENIORITY_FORMS)

SENIORITY_WORDS = frozenset(
    [
        "senior",
        "sr",
        "jr",
        "junior",
        "lead",
        "principal",
        "staff",
        "chief",
        "head",
        "director",
        "manager",
        "vp",
        "intern",
        "trainee",
        "apprentice",
        "associate",
        "supervisor",
        "executive",
        "president",
        "i",
        "ii",
        "iii",
        "iv",
    ]
)

ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Software Engineer", "SWE"),
    ("Software Developer", "Software Dev"),
    ("Senior", "Sr."),
    ("Junior", "Jr."),
    ("Engineer", "Eng."),
    ("Developer", "Dev"),
    ("Manager", "Mgr"),
    ("Assistant", "Asst."),
    ("Associate", "Assoc."),
    ("Representative", "Rep"),
    ("Administrator", "Admin"),
    ("Administrative", "Admin"),
    ("Technician", "Tech"),
    ("Vice President", "VP"),
    ("Human Resources", "HR"),
    ("Information Technology", "IT"),
    ("Registered Nurse", "RN"),
    ("Specialist", "Spec."),
    ("Coordinator", "Coord."),
    ("Director", "Dir."),
)

_WORD = re.compile(r"[A-Za-z]{4,}")


@functools.lru_cache(maxsize=500_000)
def has_seniority_word(variant: str) -> bool:
    return any(tok in SENIORITY_WORDS for tok in normalize(variant).split())


def form_weights(level: int) -> np.ndarray:
    """Probabilities of the seniority forms of ``level`` (padded to :data:`N_FORMS`)."""
    w = np.zeros(N_FORMS)
    forms = SENIORITY_FORMS[level]
    w[: len(forms)] = [weight for _, weight in forms]
    return w / w.sum()


_CORPORATE = ("Principal", "Staff", "Chief", "VP", "Director", "Head of", "Executive")
_PLAIN_SENIOR = (
    "Lead {t}",
    "Senior {t}",
    "{t} Supervisor",
    "Lead {t}",
    "{t} Manager",
    "Senior {t}",
    "Lead {t}",
)


def apply_form(variant: str, level: int, form: int, zone: int = 4) -> str:
    """The title a member of ``level`` writes with seniority form ``form`` of ``variant``.

    Occupations of job zone 1-3 get no corporate ladder words ("Principal", "VP", ...): a senior
    bartender is a "Lead Bartender" or a "Bartender Supervisor".
    """
    if has_seniority_word(variant):
        return variant
    return _template(level, form, zone <= 3).format(t=variant)


@functools.cache
def _template(level: int, form: int, plain: bool) -> str:
    forms = SENIORITY_FORMS[level]
    template = forms[min(form, len(forms) - 1)][0]
    if plain and any(word in template for word in _CORPORATE):
        template = _PLAIN_SENIOR[(level + form) % len(_PLAIN_SENIOR)]
    return template


def add_noise(title: str, rng: np.random.Generator, extra: str = "") -> str:
    """A plausible sloppy version of ``title``: an abbreviation, a typo, odd casing or a
    decoration."""
    kind = rng.random()
    if kind < 0.35:
        for long, short in ABBREVIATIONS:
            if long in title:
                return title.replace(long, short, 1)
    if kind < 0.7:
        words = list(_WORD.finditer(title))
        if words:
            m = words[int(rng.integers(len(words)))]
            w = m.group(0)
            i = int(rng.integers(1, len(w) - 1))
            if rng.random() < 0.5:
                w2 = w[:i] + w[i + 1] + w[i] + w[i + 2 :]  # swap two letters
            else:
                w2 = w[:i] + w[i + 1 :]  # drop one
            return title[: m.start()] + w2 + title[m.end() :]
    if kind < 0.82:
        return title.lower() if rng.random() < 0.7 else title.upper()
    if extra:
        return f"{title} | {extra}"
    return f"{title} (Remote)"


def years_text(years: float) -> str:
    y = int(years)
    if y < 1:
        return "less than a year"
    if y == 1:
        return "a year"
    if y >= 10 and y % 5:
        return f"over {y - y % 5} years"
    return f"{y} years"


_HEADLINES = (
    "{title} at {company}",
    "{title} | {s1} | {s2} | {s3}",
    "{title} with {years} of experience",
    "{occupation} \u2022 {s1} & {s2}",
    "{title} at {company} | {s1}",
)
_HEADLINE_W = np.array([0.4, 0.22, 0.14, 0.1, 0.14])
_OTW_HEADLINES = (
    "Open to work: {title}",
    "{title} | Seeking new opportunities",
    "{title} \u2013 open to new roles",
)
_HEADLINES_ALL = _HEADLINES + _OTW_HEADLINES

_OPENERS = (
    "{title} with {years} of experience in {skills}.",
    "{Years} of experience as a {occ_lower}, most recently working with {skills}.",
    "Experienced {occ_lower} focused on {skills}.",
    "I am a {title_lower} who enjoys {s1} and {s2}.",
)
_MIDDLES = (
    "Currently at {company} in {metro}.",
    "Based in {metro}; previously at {prev_company}.",
    "Working at {company} ({metro}).",
    "Now at {company}, before that {prev_company}.",
)
_CLOSERS = (
    "Skilled in {s4} and {s5}.",
    "Known for reliable delivery and strong {s4}.",
    "Passionate about {s4}, mentoring and continuous improvement.",
    "Interested in teams that value {s5}.",
    "",
)


_FIELD = re.compile(r"\{(\w+)\}")
_YEARS_TEXT = [years_text(y) for y in range(80)]


def _render(templates: tuple[str, ...], choice: np.ndarray,
            fields: dict[str, np.ndarray]) -> np.ndarray:
    """Fill ``templates[choice[i]]`` for every row at once (object-array concatenation)."""
    out = np.full(choice.shape[0], "", dtype=object)
    for t, template in enumerate(templates):
        mask = choice == t
        if not template or not mask.any():
            continue
        acc = np.full(int(mask.sum()), "", dtype=object)
        for k, part in enumerate(_FIELD.split(template)):
            if k % 2:
                acc = acc + fields[part][mask]
            elif part:
                acc = acc + part
        out[mask] = acc
    return out


def profile_texts(
    u: np.ndarray,
    title: list[str],
    company: list[str],
    prev_company: list[str],
    occupation: list[str],
    occupation_singular: list[str],
    metro: list[str],
    years: np.ndarray,
    skills: np.ndarray,
    open_to_work: np.ndarray,
    relocate: np.ndarray,
) -> tuple[list[str], list[str]]:
    """Headlines and summaries of many members at once.

    ``u`` holds five uniforms per member that pick the templates; ``skills`` is an object array of
    each member's top five skill names (most important first).
    """
    len(title)

    def obj(values: object) -> np.ndarray:
        return np.array(values, dtype=object)

    years_t = obj(_YEARS_TEXT)[np.minimum(years.astype(np.int64), len(_YEARS_TEXT) - 1)]
    prev = obj(prev_company)
    comp = obj(company)
    fields = {
        "title": obj(title),
        "title_lower": obj([t.lower() for t in title]),
        "company": comp,
        "occupation": obj(occupation),
        "occ_lower": obj([o.lower() for o in occupation_singular]),
        "years": years_t,
        "Years": obj([y[:1].upper() + y[1:] for y in years_t.tolist()]),
        "s1": skills[:, 0],
        "s2": skills[:, 1],
        "s3": skills[:, 2],
        "s4": skills[:, 3],
        "s5": skills[:, 4],
        "skills": skills[:, 0] + ", " + skills[:, 1] + " and " + skills[:, 2],
        "metro": obj(metro),
        "prev_company": np.where(prev == "", comp, prev),
    }
    otw = open_to_work.astype(bool)
    cdf = np.cumsum(_HEADLINE_W) / _HEADLINE_W.sum()
    choice = np.minimum(np.searchsorted(cdf, u[:, 0], side="right"), len(_HEADLINES) - 1)
    use_otw = otw & (u[:, 1] < 0.45)
    choice = np.where(use_otw,
                      len(_HEADLINES) + np.minimum((u[:, 0] * len(_OTW_HEADLINES)).astype(int),
                                                   len(_OTW_HEADLINES) - 1), choice)
    headlines = _render(_HEADLINES_ALL, choice, fields)
    opener = _render(_OPENERS, np.minimum((u[:, 2] * len(_OPENERS)).astype(int), len(_OPENERS) - 1),
                     fields)
    single = (prev == "") | (prev == comp)
    middle_choice = np.where(single, (u[:, 3] * 2).astype(int) * 2,
                             (u[:, 3] * len(_MIDDLES)).astype(int))
    middle = _render(_MIDDLES, np.minimum(middle_choice, len(_MIDDLES) - 1), fields)
    closer = _render(_CLOSERS, np.minimum((u[:, 4] * len(_CLOSERS)).astype(int), len(_CLOSERS) - 1),
                     fields)
    tail = np.where(otw, np.where(relocate, " Open to new opportunities and willing to relocate.",
                                  " Open to new opportunities."),
                    np.where(relocate & (u[:, 4] < 0.3), " Open to relocation for the right role.",
                             ""))
    closer = np.where(closer == "", "", " " + closer)
    summaries = opener + " " + middle + closer + tail.astype(object)
    return [h[:300] for h in headlines.tolist()], summaries.tolist()


def article(word: str) -> str:
    """'a' or 'an' before ``word`` (by its first letter; good enough for titles)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


@functools.cache
def singular(occupation_title: str) -> str:
    """'Software Developers' -> 'Software Developer' (good enough for generated prose)."""
    head = occupation_title.split(",")[0].strip()
    first = head.split(" and ")[0].strip()
    words = first if " " in first else head
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith(("sses", "ches", "shes")):
        return words[:-2]
    if words.endswith("s") and not words.endswith("ss"):
        return words[:-1]
    return words
