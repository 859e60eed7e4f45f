"""Hand-written word tables that standardization uses (all keys are :func:`normalize`-d tokens).

Kept small and conservative: an entry is only used after an exact alias lookup has failed, so a
taxonomy alias always wins over these tables (``"ai engineer"`` stays an alias even though
``ai`` is not expanded here).
"""

from __future__ import annotations

#: Token -> expansion, applied token by token to titles and skills.
ABBREVIATIONS: dict[str, str] = {
    # seniority
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "jnr": "junior",
    "assoc": "associate",
    "vp": "vice president",
    "svp": "senior vice president",
    "evp": "executive vice president",
    # roles and titles
    "swe": "software engineer",
    "sde": "software development engineer",
    "sw": "software",
    "dev": "developer",
    "devs": "developers",
    "eng": "engineer",
    "engr": "engineer",
    "mgr": "manager",
    "mgmt": "management",
    "pm": "product manager",
    "tpm": "technical program manager",
    "ds": "data scientist",
    "qa": "quality assurance",
    "sdet": "software development engineer in test",
    "dba": "database administrator",
    "sysadmin": "system administrator",
    "admin": "administrative",
    "asst": "assistant",
    "dir": "director",
    "ops": "operations",
    "biz": "business",
    "hr": "human resources",
    "rn": "registered nurse",
    "np": "nurse practitioner",
    "cto": "chief technology officer",
    "ceo": "chief executive officer",
    "cfo": "chief financial officer",
    "coo": "chief operating officer",
    "cmo": "chief marketing officer",
    "fullstack": "full stack",
    # skills
    "js": "javascript",
    "ts": "typescript",
    "py": "python",
    "golang": "go",
    "k8s": "kubernetes",
    "ml": "machine learning",
    "dl": "deep learning",
    "nlp": "natural language processing",
    "cv": "computer vision",
    "postgres": "postgresql",
    "gcp": "google cloud platform",
    "aws": "amazon web services",
    "tf": "tensorflow",
}

#: Seniority words at the start of a title -> level index into ``SENIORITY_LEVELS``
#: (intern, entry, associate, mid-senior, senior, lead, manager, director, executive).
SENIORITY_WORDS: dict[str, int] = {
    "intern": 0,
    "trainee": 0,
    "apprentice": 0,
    "junior": 1,
    "entry": 1,
    "graduate": 1,
    "associate": 2,
    "mid": 3,
    "intermediate": 3,
    "senior": 4,
    "lead": 5,
    "staff": 5,
    "principal": 5,
    "head": 7,
    "vice": 8,  # "vice president ..." (the following "president" is stripped with it)
}

#: Seniority words that are often part of an occupation's own name ("associate professor",
#: "graduate assistant", "head nurse"): they count only when stripping them finds the title.
WEAK_SENIORITY_WORDS: frozenset[str] = frozenset(
    {"associate", "graduate", "apprentice", "head", "vice"}
)

#: Words that only qualify a seniority word and go with it ("entry level", "head of",
#: "vice president").
SENIORITY_FILLERS: frozenset[str] = frozenset({"level", "of", "president"})

#: Trailing level markers dropped from titles ("software engineer ii").
LEVEL_SUFFIXES: frozenset[str] = frozenset({"i", "ii", "iii", "iv", "v", "1", "2", "3", "4", "5"})

#: Legal-form and filler words dropped from company names ("The Walt Disney Company" ->
#: "walt disney").
COMPANY_NOISE: frozenset[str] = frozenset(
    {
        "the",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "companies",
        "llc",
        "ltd",
        "limited",
        "plc",
        "lp",
        "llp",
        "holdings",
        "holding",
        "group",
        "gmbh",
        "ag",
        "sa",
        "nv",
    }
)

#: Location words around a metro name ("Greater Boston Area", "Seattle metro").
LOCATION_NOISE: frozenset[str] = frozenset({"greater", "area", "metro", "metropolitan", "region"})

#: Nicknames -> metro names to try, in order.
METRO_NICKNAMES: dict[str, tuple[str, ...]] = {
    "nyc": ("new york", "new york city"),
    "new york city": ("new york", "new york city"),
    "manhattan": ("new york", "new york city"),
    "sf": ("san francisco",),
    "san fran": ("san francisco",),
    "bay area": ("san francisco", "san jose"),
    "sf bay area": ("san francisco", "san jose"),
    "san francisco bay area": ("san francisco", "san jose"),
    "silicon valley": ("san jose", "san francisco"),
    "la": ("los angeles",),
    "dc": ("washington",),
    "washington dc": ("washington",),
    "philly": ("philadelphia",),
    "vegas": ("las vegas",),
    "nola": ("new orleans",),
    "atl": ("atlanta",),
    "dfw": ("dallas",),
    "socal": ("los angeles",),
}

#: U.S. state names -> postal codes (for "City, ST").
US_STATES: dict[str, str] = {
    "alabama": "al",
    "alaska": "ak",
    "arizona": "az",
    "arkansas": "ar",
    "california": "ca",
    "colorado": "co",
    "connecticut": "ct",
    "delaware": "de",
    "district of columbia": "dc",
    "florida": "fl",
    "georgia": "ga",
    "hawaii": "hi",
    "idaho": "id",
    "illinois": "il",
    "indiana": "in",
    "iowa": "ia",
    "kansas": "ks",
    "kentucky": "ky",
    "louisiana": "la",
    "maine": "me",
    "maryland": "md",
    "massachusetts": "ma",
    "michigan": "mi",
    "minnesota": "mn",
    "mississippi": "ms",
    "missouri": "mo",
    "montana": "mt",
    "nebraska": "ne",
    "nevada": "nv",
    "new hampshire": "nh",
    "new jersey": "nj",
    "new mexico": "nm",
    "new york": "ny",
    "north carolina": "nc",
    "north dakota": "nd",
    "ohio": "oh",
    "oklahoma": "ok",
    "oregon": "or",
    "pennsylvania": "pa",
    "puerto rico": "pr",
    "rhode island": "ri",
    "south carolina": "sc",
    "south dakota": "sd",
    "tennessee": "tn",
    "texas": "tx",
    "utah": "ut",
    "vermont": "vt",
    "virginia": "va",
    "washington": "wa",
    "west virginia": "wv",
    "wisconsin": "wi",
    "wyoming": "wy",
}
