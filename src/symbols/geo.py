"""Reference geography of Kazakhstan: first-level regions (ISO 3166-2) and an offline gazetteer.

The data live in the repository's ``geo/`` folder (provenance and licences in geo/README.md),
which a wheel carries as ``symbols/_geodata/``; the environment variable SYMBOLS_GEO_DIR points
to another copy. Shapely is imported only inside
the functions that need polygons, so importing this module stays cheap; :func:`regions_at` needs
neither while ``geo/kz_regions.index.bin`` (built by ``geo/build_region_index.py``) matches the
region file, and answers exactly as shapely does.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from symbols._regionindex import RegionIndex
from symbols.errors import GeoDataError, PlaceError


def _data_dir() -> Path:
    """SYMBOLS_GEO_DIR, else the copy an installed wheel carries, else the checkout's geo/ (a
    source tree or an editable install)."""
    if named := os.environ.get("SYMBOLS_GEO_DIR"):
        return Path(named)
    here = Path(__file__).resolve().parent
    packaged = here / "_geodata"
    return packaged if packaged.is_dir() else here.parents[1] / "geo"


GEO_DIR = _data_dir()
REGIONS_FILE = GEO_DIR / "kz_regions.geojson"
GAZETTEER_FILE = GEO_DIR / "kz_gazetteer.tsv"
INDEX_FILE = GEO_DIR / "kz_regions.index.bin"
SIMPLIFIED_FILE = GEO_DIR / "kz_regions.simplified.json"
INDEX_FORMAT = "symbols region index 2"  # what INDEX_FILE's layout is (geo/build_region_index.py)

#: When several settlements share a name, the most populous one is taken only if it has at least
#: DOMINANCE times the population of every other; otherwise the name is ambiguous. A population
#: of 0 (unknown to GeoNames) counts as UNKNOWN_POPULATION, the threshold of GeoNames cities500.
DOMINANCE = 10
UNKNOWN_POPULATION = 500

_CODE_RE = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2, e.g. "KZ-33"
    name_en: str
    name_kk: str
    name_ru: str
    type: str  # "region" or "city"


@dataclass(frozen=True)
class Place:
    name: str  # GeoNames' name, Latin script
    name_kk: str | None  # Kazakh Cyrillic, where known
    name_ru: str | None  # Russian, where known
    lon: float
    lat: float
    population: int  # 0 = unknown
    region: str | None  # ISO 3166-2 code of the polygon that contains the point
    geonameid: int
    matched: str = ""  # the name (of any script or spelling) the query matched


def country_of_region(code: str) -> str:
    """The ISO 3166-1 country of an ISO 3166-2 code: "KZ-33" -> "KZ"."""
    m = _CODE_RE.match(code.strip().upper())
    if not m:
        raise ValueError(f"not an ISO 3166-2 code: {code!r}")
    return m.group(1)


@cache
def _regions_bytes() -> bytes:
    return _read_geo(REGIONS_FILE)


def _read_geo(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise GeoDataError(
            f"cannot read {path}: {error.strerror or error} (the geo/ folder of the symbols "
            "repository; SYMBOLS_GEO_DIR names another)"
        ) from None


@cache
def _regions_crc32() -> int:
    # The derived files also record the region file's SHA-256, which names it; checking that
    # would load OpenSSL into every command that looks up a region (3 ms of a 60 ms command).
    return zlib.crc32(_regions_bytes())


def _built_from_current(header: Any) -> bool:
    return isinstance(header, dict) and header.get("source_crc32") == _regions_crc32()


def _derived(path: Path) -> dict[str, Any] | None:
    """A file built from the region file by geo/build_region_index.py, if it was built from
    the current one (its ``source_crc32``), else None."""
    import orjson

    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if _built_from_current(data) else None


@cache
def simplified_regions() -> dict[str, Any] | None:
    """``geo/kz_regions.simplified.json`` (the map pages' region layer), if it was built from
    the current region file: ``tolerance``, ``decimals`` and ``features``."""
    return _derived(SIMPLIFIED_FILE)


@cache
def _features() -> tuple[dict[str, Any], ...]:
    import orjson

    data = orjson.loads(_regions_bytes())
    return tuple(sorted(data["features"], key=lambda f: f["properties"]["iso_3166_2"]))


@cache
def regions() -> dict[str, Region]:
    """The 17 regions and 3 cities of republican significance, keyed by ISO code, in code order."""
    index = _index_data()
    properties = index["properties"] if index else [f["properties"] for f in _features()]
    out = {}
    for p in properties:
        code = p["iso_3166_2"]
        out[code] = Region(code, p["name_en"], p["name_kk"], p["name_ru"], p["type"])
    return out


@cache
def region_geometries() -> dict[str, Any]:
    """Shapely geometries (prepared) of the regions, keyed by ISO code, in code order."""
    import shapely
    from shapely.geometry import shape

    out = {f["properties"]["iso_3166_2"]: shape(f["geometry"]) for f in _features()}
    for geom in out.values():
        shapely.prepare(geom)
    return out


def region_at(lon: float, lat: float) -> str | None:
    """ISO code of the region containing (lon, lat) in WGS84, or None outside Kazakhstan."""
    return regions_at([lon], [lat])[0]


def regions_at(lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
    """Vectorised region_at. A point on a border shared by several regions (polygons are
    closed: borders count as inside) gets the lowest ISO code among them; NaN gives None."""
    index = _index()
    if index is None:
        return _regions_at_shapely(lons, lats)
    if len(lons) != len(lats) or any(
        getattr(v, "ndim", 1) != 1 or isinstance(v, (str, bytes)) for v in (lons, lats)
    ):
        raise ValueError("lons and lats must be flat sequences of the same length")
    return index.at_each(map(float, lons), map(float, lats))


def _regions_at_shapely(lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
    """regions_at with shapely: the reference, used when the grid index is missing or stale."""
    import numpy as np
    import shapely

    x = np.asarray(lons, dtype=float)
    y = np.asarray(lats, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("lons and lats must be flat sequences of the same length")
    codes = list(region_geometries())
    geoms = list(region_geometries().values())
    found = np.full(x.shape, -1, dtype=np.int64)
    for i, (minx, miny, maxx, maxy) in enumerate(shapely.bounds(geoms)):
        todo = np.flatnonzero((found < 0) & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        if todo.size:
            found[todo[shapely.intersects_xy(geoms[i], x[todo], y[todo])]] = i
    return [codes[i] if i >= 0 else None for i in found.tolist()]


@cache
def _index_file() -> tuple[dict[str, Any], memoryview] | None:
    """The grid index's header and the bytes after it, if it was built from the current region
    file (its ``source_crc32``), else None."""
    import orjson

    try:
        raw = INDEX_FILE.read_bytes()
        end = raw.index(b"\n")
        header = orjson.loads(raw[:end])
    except (OSError, ValueError):  # (orjson.JSONDecodeError is a ValueError)
        return None
    if not _built_from_current(header) or header.get("format") != INDEX_FORMAT:
        return None  # (then regions are looked up with shapely, as exactly)
    return header, memoryview(raw)[end + 1 :]


def _index_data() -> dict[str, Any] | None:
    found = _index_file()
    return None if found is None else found[0]


@cache
def _index() -> RegionIndex | None:
    found = _index_file()
    if found is None:
        return None
    try:
        return RegionIndex(*found)
    except (ValueError, KeyError, TypeError):  # a damaged file: shapely answers instead
        return None


# --- names -------------------------------------------------------------------------------------

_LATIN_SPECIAL = str.maketrans(
    {
        "ş": "sh",
        "š": "sh",
        "ç": "ch",
        "č": "ch",
        "ž": "zh",
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "ë": "e",
        "ё": "е",
    }
)
_CYRILLIC = str.maketrans(
    {
        "а": "a",
        "ә": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "ғ": "g",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "ie",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "і": "i",
        "ј": "i",
        "к": "k",
        "қ": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "ң": "n",
        "о": "o",
        "ө": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ұ": "u",
        "ү": "u",
        "ў": "u",
        "ф": "f",
        "х": "h",
        "ҳ": "h",
        "һ": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sh",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "iu",
        "я": "ia",
        "ҷ": "j",
        "ҡ": "k",
    }
)
#: (pattern, replacement) pairs that fold common spelling variants together
_FOLDS: tuple[tuple[str, str], ...] = (
    (r"[^a-z0-9]", ""),
    (r"dzh|zh|dj", "j"),
    (r"kh|x", "h"),
    (r"gh", "g"),
    (r"q", "k"),
    (r"ou", "u"),
    (r"y", "i"),
    (r"w", "v"),
    (r"(?:^|(?<=[aeiou]))i(?=[aeiou])", ""),
    (r"(.)\1+", r"\1"),
)


@cache
def _folds() -> list[tuple[re.Pattern[str], str]]:
    # compiled when a name is first matched, not by every command that imports this module
    return [(re.compile(pattern), replacement) for pattern, replacement in _FOLDS]


def place_key(text: str) -> str:
    """A Latin matching key under which Kazakh, Russian and Latin spellings of one name meet:
    casefolded, diacritics and punctuation dropped, ё = е, Cyrillic transliterated, and common
    variants folded (q/k, gh/g, zh/j/dzh, kh/h, y/i, doubled letters). "Талдықорған",
    "Талдыкорган", "Taldyqorghan" and "Taldykorgan" all give "taldikorgan"."""
    import unicodedata  # imported where names are matched: few commands do

    s = unicodedata.normalize("NFKD", text.casefold().translate(_LATIN_SPECIAL))
    s = "".join(c for c in s if not unicodedata.combining(c)).translate(_CYRILLIC)
    for pattern, repl in _folds():
        s = pattern.sub(repl, s)
    return s


@cache
def _gazetteer() -> tuple[tuple[Place, tuple[str, ...]], ...]:
    import csv
    import io

    rows = []
    text = io.StringIO(_read_geo(GAZETTEER_FILE).decode("utf-8"), newline="")
    for r in csv.DictReader(text, delimiter="\t", quoting=csv.QUOTE_NONE):
        place = Place(
            r["name"],
            r["name_kk"] or None,
            r["name_ru"] or None,
            float(r["lon"]),
            float(r["lat"]),
            int(r["population"] or 0),
            r["region"] or None,
            int(r["geonameid"]),
        )
        alts = [a for a in r["alternates"].split("|") if a]
        names = [n for n in (r["name"], r["name_kk"], r["name_ru"], *alts) if n]
        rows.append((place, tuple(dict.fromkeys(names))))
    return tuple(rows)


@cache
def _name_index() -> dict[str, dict[int, str]]:
    """place_key -> {row number: the first name of that place having this key}."""
    index: dict[str, dict[int, str]] = {}
    for i, (_, names) in enumerate(_gazetteer()):
        for name in names:
            index.setdefault(place_key(name), {}).setdefault(i, name)
    index.pop("", None)
    return index


@cache
def _region_index() -> dict[str, str]:
    generic = re.compile(r"\b(region|oblast|oblysy|облысы|область|city)\b", re.IGNORECASE)
    full: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for code, r in regions().items():
        full[place_key(code)] = code
        for name in (r.name_en, r.name_kk, r.name_ru):
            full[place_key(name)] = code
            short.setdefault(place_key(generic.sub("", name)), set()).add(code)
    for key, codes in short.items():
        if len(codes) == 1:
            full.setdefault(key, codes.pop())
    return full


def _region_code(text: str) -> str | None:
    return _region_index().get(place_key(text))


def _describe(p: Place) -> str:
    region = regions()[p.region].name_en if p.region else "outside the region polygons"
    pop = f"population {p.population:,}" if p.population else "population unknown"
    alias = f" [{p.matched}]" if p.matched and p.matched != p.name else ""
    return f"{p.name}{alias} ({p.region}, {region}; {pop}; geonames {p.geonameid})"


def _matched(i: int, query: str, fallback: str) -> Place:
    """Row i as a Place whose ``matched`` is the query's own spelling if the place has it."""
    place, names = _gazetteer()[i]
    folded = query.casefold().replace("ё", "е")
    exact = [n for n in names if n.casefold().replace("ё", "е") == folded]
    return replace(place, matched=exact[0] if exact else fallback)


def _pop(p: Place) -> int:
    return p.population or UNKNOWN_POPULATION


def lookup_place(text: str, region: str | None = None) -> Place:
    """The one settlement of Kazakhstan called ``text`` in any of its spellings and scripts.

    ``region`` (an ISO code or a region name in any of the three languages) narrows the search;
    so does a trailing ", REGION" in ``text`` ("Aksu, KZ-55"). A GeoNames id is accepted too.
    Of several settlements with the name, the most populous wins only if it has DOMINANCE (10)
    times the population of each other one. Raises PlaceError for unknown or ambiguous names.
    """
    query = text.strip()
    if region is None and "," in query:
        head, tail = query.rsplit(",", 1)
        if _region_code(tail) is not None:
            query, region = head.strip(), tail
    code = None
    if region is not None and (code := _region_code(region)) is None:
        raise PlaceError(f"unknown region {region!r}; use an ISO code such as KZ-33")
    rows = _gazetteer()
    if query.isdigit():
        hits = {i: p.name for i, (p, _) in enumerate(rows) if p.geonameid == int(query)}
    else:
        if not place_key(query):
            raise PlaceError(f"not a place name: {text!r}")
        hits = _name_index().get(place_key(query), {})
    hits = {i: n for i, n in hits.items() if code is None or rows[i][0].region == code}
    if not hits:
        where = f" in {code}" if code else ""
        similar = search_places(query, limit=5)
        hint = "; did you mean: " + ", ".join(_describe(p) for p in similar) if similar else ""
        raise PlaceError(f"unknown place {text!r}{where}{hint}")
    ranked = sorted(hits, key=lambda i: (-_pop(rows[i][0]), rows[i][0].geonameid))
    best = rows[ranked[0]][0]
    if len(ranked) == 1 or _pop(best) >= DOMINANCE * _pop(rows[ranked[1]][0]):
        return _matched(ranked[0], query, hits[ranked[0]])
    listed = "; ".join(_describe(_matched(i, query, hits[i])) for i in ranked)
    raise PlaceError(
        f"ambiguous place {text!r}: {len(ranked)} settlements: {listed}; "
        f'add the region ("{query}, KZ-..") or give the geonames id'
    )


def search_places(text: str, limit: int = 5) -> list[Place]:
    """Up to ``limit`` settlements whose names resemble ``text``, best first (for suggestions)."""
    import difflib

    key = place_key(text)
    if not key or limit <= 0:
        return []
    rows = _gazetteer()
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    best: dict[int, tuple[float, str]] = {}
    for name_key, places in _name_index().items():
        if name_key == key:
            score = 2.0
        elif name_key.startswith(key) and len(key) >= 3:
            score = 1.0 + len(key) / len(name_key)
        else:
            matcher.set_seq1(name_key)
            if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
                continue
            score = matcher.ratio()
            if score < 0.6:
                continue
        for i, name in places.items():
            if score > best.get(i, (-1.0, ""))[0]:
                best[i] = (score, name)
    order = sorted(best, key=lambda i: (-best[i][0], -rows[i][0].population, rows[i][0].geonameid))
    return [replace(rows[i][0], matched=best[i][1]) for i in order[:limit]]


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 codes of the countries whose regions ``geo/`` holds."""
    return frozenset(country_of_region(code) for code in regions())
