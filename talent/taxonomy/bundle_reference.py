"""Reference tables from the bundle: industries, companies, metros, first names, surnames,
schools."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from talent.errors import ConfigError
from talent.taxonomy.model import CompanyRef, MetroRef
from talent.taxonomy.tsv import read_tsv, to_float

MAX_METROS = 150
# a place this close to a larger kept city is part of its metro (e.g. Brooklyn -> New York City)
METRO_MERGE_KM = 30.0
HQ_MATCH_KM = 80.0
MIN_FIRST_NAME_BIRTHS = 2000
#: GeoNames lists New York City's boroughs as places of their own, already counted in the city.
CITY_PARTS = frozenset(
    {
        ("Brooklyn", "New York"),
        ("Queens", "New York"),
        ("Manhattan", "New York"),
        ("The Bronx", "New York"),
        ("Staten Island", "New York"),
    }
)

#: Fortune 1000 industry -> LinkedIn Industry Codes V2 label (hand mapping; labels resolved to ids
#: at import).
FORTUNE_TO_LINKEDIN: dict[str, str] = {
    "Aerospace & Defense": "Defense and Space Manufacturing",
    "Apparel": "Apparel Manufacturing",
    "Advertising, marketing": "Advertising Services",
    "Diversified Outsourcing Services": "Business Consulting and Services",
    "Education": "Education",
    "Equipment Leasing": "Equipment Rental Services",
    "Financial Data Services": "Financial Services",
    "Miscellaneous": "Business Consulting and Services",
    "Temporary Help": "Staffing and Recruiting",
    "Toys, Sporting Goods": "Sporting Goods Manufacturing",
    "Waste Management": "Waste Collection",
    "Chemicals": "Chemical Manufacturing",
    "Energy": "Oil and Gas",
    "Mining, Crude-Oil Production": "Oil, Gas, and Mining",
    "Oil and Gas Equipment, Services": "Oil and Gas",
    "Petroleum Refining": "Oil and Coal Product Manufacturing",
    "Pipelines": "Oil and Gas",
    "Utilities: Gas and Electric": "Utilities",
    "Engineering & Construction": "Construction",
    "Homebuilders": "Residential Building Construction",
    "Commercial Banks": "Banking",
    "Diversified Financials": "Financial Services",
    "Insurance: Life, Health (Mutual)": "Insurance",
    "Insurance: Life, Health (stock)": "Insurance",
    "Insurance: Property and Casualty (Mutual)": "Insurance",
    "Insurance: Property and Casualty (Stock)": "Insurance",
    "Real estate": "Real Estate",
    "Securities": "Capital Markets",
    "Food & Drug Stores": "Retail Groceries",
    "Beverages": "Beverage Manufacturing",
    "Food Consumer Products": "Food and Beverage Manufacturing",
    "Food Production": "Food and Beverage Manufacturing",
    "Tobacco": "Tobacco Manufacturing",
    "Health Care: Insurance and Managed Care": "Insurance",
    "Health Care: Medical Facilities": "Hospitals and Health Care",
    "Health Care: Pharmacy and Other Services": "Hospitals and Health Care",
    "Medical Products and Equipment": "Medical Equipment Manufacturing",
    "Pharmaceuticals": "Pharmaceutical Manufacturing",
    "Wholesalers: Health Care": "Wholesale Drugs and Sundries",
    "Food Services": "Restaurants",
    "Hotels, Casinos, Resorts": "Hospitality",
    "Home Equipment, Furnishings": "Household and Institutional Furniture Manufacturing",
    "Household and Personal Products": "Personal Care Product Manufacturing",
    "Construction and Farm Machinery": "Machinery Manufacturing",
    "Electronics, Electrical Equip.": "Appliances, Electrical, and Electronics Manufacturing",
    "Industrial Machinery": "Industrial Machinery Manufacturing",
    "Building Materials, Glass": "Glass, Ceramics and Concrete Manufacturing",
    "Forest and Paper Products": "Paper and Forest Product Manufacturing",
    "Metals": "Primary Metal Manufacturing",
    "Packaging, Containers": "Packaging and Containers Manufacturing",
    "Entertainment": "Entertainment Providers",
    "Publishing, Printing": "Book and Periodical Publishing",
    "Motor Vehicles & Parts": "Motor Vehicle Manufacturing",
    "Automotive Retailing, Services": "Retail Motor Vehicles",
    "General Merchandisers": "Retail",
    "Internet Services and Retailing": "Technology, Information and Internet",
    "Specialty Retailers: Apparel": "Retail Apparel and Fashion",
    "Specialty Retailers: Other": "Retail",
    "Computer Software": "Software Development",
    "Computers, Office Equipment": "Computer Hardware Manufacturing",
    "Information Technology Services": "IT Services and IT Consulting",
    "Network and Other Communications Equipment": "Communications Equipment Manufacturing",
    "Scientific,Photographic and Control Equipment": "Measuring and Control Instrument "
                                                     "Manufacturing",
    "Semiconductors and Other Electronic Components": "Semiconductor Manufacturing",
    "Telecommunications": "Telecommunications",
    "Airlines": "Airlines and Aviation",
    "Mail, Package, and Freight Delivery": "Freight and Package Transportation",
    "Railroads": "Rail Transportation",
    "Shipping": "Maritime Transportation",
    "Transportation Equipment": "Transportation Equipment Manufacturing",
    "Transportation and Logistics": "Transportation, Logistics, Supply Chain and Storage",
    "Trucking, Truck Leasing": "Truck Transportation",
    "Wholesalers: Diversified": "Wholesale",
    "Wholesalers: Electronics and Office Equipment": "Wholesale Computer Equipment",
    "Wholesalers: Food and Grocery": "Wholesale Food and Beverage",
}

FIXED_SCHOOLS = (
    "Massachusetts Institute of Technology",
    "Stanford University",
    "Carnegie Mellon University",
    "Georgia Institute of Technology",
    "Harvard University",
    "Princeton University",
    "Yale University",
    "Cornell University",
    "Johns Hopkins University",
    "Purdue University",
    "Western Governors University",
    "Southern New Hampshire University",
)


def size_band(employees: int) -> str:
    """LinkedIn-style company size band for a head count."""
    for upper, band in (
        (50, "1-50"),
        (200, "51-200"),
        (1000, "201-1000"),
        (5000, "1001-5000"),
        (10000, "5001-10000"),
    ):
        if employees <= upper:
            return band
    return "10001+"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def load_industries(directory: Path) -> dict[int, str]:
    """LinkedIn industry id -> label (all of Industry Codes V2)."""
    return {
        int(row["industry_id"]): row["label"]
        for row in read_tsv(directory / "linkedin_industries_v2.tsv", ("industry_id", "label"))
        if row["industry_id"].isdigit()
    }


def _cities(directory: Path) -> list[dict[str, str]]:
    rows = list(
        read_tsv(
            directory / "cities_us.tsv",
            ("geonameid", "city", "state", "latitude", "longitude", "population"),
        )
    )
    rows.sort(key=lambda r: (-int(to_float(r["population"])), r["geonameid"]))
    return rows


def load_metros(directory: Path, limit: int = MAX_METROS) -> list[MetroRef]:
    """The ``limit`` largest U.S. metros, built greedily from GeoNames places: a place within
    :data:`METRO_MERGE_KM` of a larger kept city adds its population to that city's metro."""
    kept: list[MetroRef] = []
    for row in _cities(directory):
        if (row["city"], row["state"]) in CITY_PARTS:
            continue
        lat, lon = to_float(row["latitude"]), to_float(row["longitude"])
        population = int(to_float(row["population"]))
        host = next(
            (
                i
                for i, m in enumerate(kept)
                if haversine_km(lat, lon, m.latitude, m.longitude) <= METRO_MERGE_KM
            ),
            None,
        )
        if host is not None:
            kept[host] = replace(kept[host], population=kept[host].population + population)
        elif len(kept) < limit:
            kept.append(
                MetroRef(
                    id=int(row["geonameid"]),
                    name=row["city"],
                    region=row["state"],
                    country="US",
                    latitude=lat,
                    longitude=lon,
                    population=population,
                )
            )
    return sorted(kept, key=lambda m: (-m.population, m.id))


def nearest_metro(
    metros: list[MetroRef], lat: float, lon: float, max_km: float = HQ_MATCH_KM
) -> int | None:
    best = min(metros, key=lambda m: haversine_km(lat, lon, m.latitude, m.longitude), default=None)
    if best is None or haversine_km(lat, lon, best.latitude, best.longitude) > max_km:
        return None
    return best.id


def load_companies(
    directory: Path, industries: dict[int, str], metros: list[MetroRef]
) -> list[CompanyRef]:
    """Fortune 1000 companies with a LinkedIn industry, size band and headquarters metro (if near
    one)."""
    by_label = {label: industry_id for industry_id, label in industries.items()}
    unknown = sorted({label for label in FORTUNE_TO_LINKEDIN.values() if label not in by_label})
    if unknown:
        raise ConfigError(
            "linkedin_industries_v2.tsv lacks industries the Fortune mapping uses: "
            f"{', '.join(unknown)}"
        )
    places = {
        (r["city"], r["state"]): (to_float(r["latitude"]), to_float(r["longitude"]))
        for r in _cities(directory)
    }
    companies: list[CompanyRef] = []
    for row in read_tsv(
        directory / "companies_fortune1000_2024.tsv",
        ("company", "sector", "industry", "employees", "hq_city", "hq_state"),
    ):
        label = FORTUNE_TO_LINKEDIN.get(row["industry"]) or FORTUNE_TO_LINKEDIN.get(row["sector"])
        industry_id = by_label.get(label) if label else None
        place = places.get((row["hq_city"], row["hq_state"]))
        companies.append(
            CompanyRef(
                name=row["company"],
                industry_id=industry_id,
                industry=label or row["industry"],
                size_band=size_band(int(to_float(row["employees"]))),
                hq_metro_id=nearest_metro(metros, *place) if place else None,
            )
        )
    return companies


def load_first_names(
    directory: Path, min_births: int = MIN_FIRST_NAME_BIRTHS
) -> list[tuple[str, float, float]]:
    """(name, P(female), births 1955-2004) for names with at least ``min_births`` births, most
    common first."""
    names: list[tuple[str, float, float]] = []
    for row in read_tsv(
        directory / "first_names_us_ssa.tsv",
        ("first_name", "female_births_1955_2004", "male_births_1955_2004", "p_female_1955_2004"),
    ):
        births = to_float(row["female_births_1955_2004"]) + to_float(row["male_births_1955_2004"])
        if births >= min_births:
            names.append((row["first_name"], to_float(row["p_female_1955_2004"]), births))
    names.sort(key=lambda n: (-n[2], n[0]))
    return names


def load_surnames(directory: Path) -> list[tuple[str, float]]:
    """(surname, people in Census 2000), most common first."""
    rows = read_tsv(directory / "surnames_us_census2000.tsv", ("surname", "count"))
    names = [(row["surname"], to_float(row["count"])) for row in rows if to_float(row["count"]) > 0]
    names.sort(key=lambda n: (-n[1], n[0]))
    return names


def generate_schools(metros: list[MetroRef]) -> list[str]:
    """Plausible school names from the metros' states and cities, plus a few fixed well-known
    ones."""
    schools: list[str] = list(FIXED_SCHOOLS)
    for state in dict.fromkeys(m.region for m in metros if m.region):
        schools += [f"University of {state}", f"{state} State University"]
    for metro in metros[:60]:
        schools += [f"{metro.name} Community College", f"University of {metro.name}"]
    return list(dict.fromkeys(schools))
