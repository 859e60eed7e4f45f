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
    (("Lead {t}", 0.35), ("Principal {t}", 0.2), ("Staff {t}", 0.15), ("Senior {t}", 0.15), ("{t} Team Lead", 0.15)),
    (("{t} Manager", 0.35), ("Lead {t}", 0.2), ("Senior {t}", 0.15), ("{t} Supervisor", 0.15), ("Manager, {t}", 0.15)),
    (("Director, {t}", 0.4), ("Head of {t}", 0.3), ("Principal {t}", 0.3)),
    (("VP, {t}", 0.3), ("Head of {t}", 0.3), ("Chief {t}", 0.2), ("Executive {t}", 0.2)),
)
N_FORMS = max(len(forms) for forms in SENIORITY_FORMS)

SENIORITY_WORDS = frozenset(
    "senior sr jr junior lead principal staff chief head director manager vp intern trainee apprentice "
    "associate supervisor executive president i ii iii iv".split()
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
_PLAIN_SENIOR = ("Lead {t}", "Senior {t}", "{t} Supervisor", "Lead {t}", "{t} Manager", "Senior {t}", "Lead {t}")


def apply_form(variant: str, level: int, form: int, zone: int = 4) -> str:
    """The title a member of ``level`` writes with seniority form ``form`` of ``variant``.

    Occupations of job zone 1-3 get no corporate ladder words ("Principal", "VP", ...): a senior
    bartender is a "Lead Bartender" or a "Bartender Supervisor".
    """
    if has_seniority_word(variant):
        return variant
    return _template(level, form, zone <= 3).format(t=variant)


@functools.lru_cache(maxsize=None)
def _template(level: int, form: int, plain: bool) -> str:
    forms = SENIORITY_FORMS[level]
    template = forms[min(form, len(forms) - 1)][0]
    if plain and any(word in template for word in _CORPORATE):
        template = _PLAIN_SENIOR[(level + form) % len(_PLAIN_SENIOR)]
    return template


def add_noise(title: str, rng: np.random.Generator, extra: str = "") -> str:
    """A plausible sloppy version of ``title``: an abbreviation, a typo, odd casing or a decoration."""
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
                w2 = w[:i] + w[i + 1] + w[i] + w[i + 2:]  # swap two letters
            else:
                w2 = w[:i] + w[i + 1:]  # drop one
            return title[: m.start()] + w2 + title[m.end():]
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


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


_HEADLINES = (
    "{title} at {company}",
    "{title} | {s1} | {s2} | {s3}",
    "{title} with {years} of experience",
    "{occupation} \u2022 {s1} & {s2}",
    "{title} at {company} | {s1}",
)
_HEADLINE_W = np.array([0.4, 0.22, 0.14, 0.1, 0.14])
_OTW_HEADLINES = ("Open to work: {title}", "{title} | Seeking new opportunities", "{title} \u2013 open to new roles")

_OPENERS = (
    "{title} with {years} of experience in {skills}.",
    "{years} of experience as a {occ_lower}, most recently working with {skills}.",
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
    "Skilled in {s3} and {s4}.",
    "Known for reliable delivery and strong {s3}.",
    "Passionate about {s3}, mentoring and continuous improvement.",
    "Interested in teams that value {s4}.",
    "",
)


def headline(rng_u: float, rng_v: float, title: str, company: str, occupation: str, years: float,
             skill_names: list[str], open_to_work: bool) -> str:
    """One headline; ``rng_u``/``rng_v`` are uniforms drawn by the caller (vectorized)."""
    s = (skill_names + ["teamwork", "communication", "problem solving"])[:3]
    if open_to_work and rng_v < 0.45:
        template = _OTW_HEADLINES[int(rng_u * len(_OTW_HEADLINES))]
    else:
        idx = int(np.searchsorted(np.cumsum(_HEADLINE_W), rng_u * _HEADLINE_W.sum(), side="right"))
        template = _HEADLINES[min(idx, len(_HEADLINES) - 1)]
    text = template.format(title=title, company=company, occupation=occupation, years=years_text(years),
                           s1=s[0], s2=s[1], s3=s[2])
    return text[:300]


def summary(u: tuple[float, float, float], title: str, occupation_singular: str, years: float, company: str,
            prev_company: str, metro: str, skill_names: list[str], open_to_work: bool, relocate: bool) -> str:
    """Two to four sentences built from the profile (uniforms ``u`` pick the templates)."""
    s = skill_names + ["teamwork", "communication", "problem solving", "planning", "quality"]
    opener = _OPENERS[int(u[0] * len(_OPENERS))]
    if not prev_company or prev_company == company:
        middle = _MIDDLES[int(u[1] * 2) * 2]  # the templates that name one company
    else:
        middle = _MIDDLES[int(u[1] * len(_MIDDLES))]
    closer = _CLOSERS[int(u[2] * len(_CLOSERS))]
    fields = dict(title=title, title_lower=title.lower(), occ_lower=occupation_singular.lower(),
                  years=years_text(years), skills=join_names(s[:3]), s1=s[0], s2=s[1], s3=s[3], s4=s[4],
                  company=company, prev_company=prev_company or company, metro=metro)
    parts = [opener.format(**fields), middle.format(**fields)]
    if closer:
        parts.append(closer.format(**fields))
    if open_to_work:
        parts.append("Open to new opportunities" + (" and willing to relocate." if relocate else "."))
    elif relocate and u[2] < 0.3:
        parts.append("Open to relocation for the right role.")
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def article(word: str) -> str:
    """'a' or 'an' before ``word`` (by its first letter; good enough for titles)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def singular(occupation_title: str) -> str:
    """'Software Developers' -> 'Software Developer' (good enough for generated prose)."""
    words = occupation_title.split(",")[0].split(" and ")[0].strip()
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith(("sses", "ches", "shes")):
        return words[:-2]
    if words.endswith("s") and not words.endswith("ss"):
        return words[:-1]
    return words
