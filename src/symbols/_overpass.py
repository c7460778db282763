"""OpenStreetMap's Overpass API for ``symbols discover``: query building and answer parsing.

Nodes and ways are found whose ``subject:wikidata`` or ``name:etymology:wikidata`` holds the
subject's item id, or (inside a country) whose name, a translated name, ``old_name`` or
``alt_name`` contains one of the subject's names. Ways are placed at their centre.
"""

from __future__ import annotations

import re
from typing import Any

from ._candidates import Candidate
from ._values import country_code, is_qid

NAME_KEYS = r"^(name|name:[a-z]{2,3}|old_name|alt_name|official_name)$"

#: (tag, value or None for any value) to registry kinds, first match wins.
KIND_TAGS: tuple[tuple[str, str | None, str], ...] = (
    ("memorial", "bust", "bust"),
    ("artwork_type", "bust", "bust"),
    ("memorial", "statue", "statue"),
    ("artwork_type", "statue", "statue"),
    ("memorial", "plaque", "plaque"),
    ("memorial", "blue_plaque", "plaque"),
    ("memorial", "stele", "stele"),
    ("memorial", "stela", "stele"),
    ("artwork_type", "relief", "bas-relief"),
    ("artwork_type", "bas_relief", "bas-relief"),
    ("artwork_type", "mural", "mural"),
    ("artwork_type", "painting", "portrait"),
    ("artwork_type", "portrait", "portrait"),
    ("memorial", "sculpture", "sculpture"),
    ("artwork_type", "sculpture", "sculpture"),
    ("highway", None, "street-name"),
    ("place", "square", "street-name"),
    ("place", None, "place-name"),
    ("leisure", "park", "place-name"),
    ("amenity", None, "institution-name"),
    ("office", None, "institution-name"),
    ("aeroway", "aerodrome", "institution-name"),
)


def object_url(osm: str) -> str:
    return f"https://www.openstreetmap.org/{osm}"


def _regex_literal(text: str) -> str:
    """``text`` as a literal inside an Overpass (POSIX extended) regex in a quoted string."""
    escaped = re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)
    return escaped.replace("\\", "\\\\").replace('"', '\\"')


def query(subject: str, country: str | None, names: list[str], timeout: int = 90) -> str:
    """The Overpass QL query; without a country only the tag searches run (world-wide)."""
    tag = f"(^|;) *{subject} *(;|$)"
    country = country_code(country) if country is not None else None
    scope = "(area.country)" if country else ""
    lines = [f"[out:json][timeout:{timeout}];"]
    if country:
        lines.append(f'area["ISO3166-1"="{country}"][admin_level=2]->.country;')
    lines.append("(")
    for kind in ("node", "way"):
        lines.append(f'  {kind}["subject:wikidata"~"{tag}"]{scope};')
        lines.append(f'  {kind}["name:etymology:wikidata"~"{tag}"]{scope};')
        if country and names:
            pattern = "|".join(_regex_literal(n) for n in names)
            lines.append(f'  {kind}[~"{NAME_KEYS}"~"{pattern}",i]{scope};')
    lines.append(");")
    lines.append("out center tags;")
    return "\n".join(lines)


def parse(answer: Any, subject: str = "") -> list[Candidate]:
    """One candidate per node or way with a position."""
    if not isinstance(answer, dict) or not isinstance(answer.get("elements"), list):
        remark = answer.get("remark") if isinstance(answer, dict) else None
        raise ValueError(str(remark) if remark else "not an Overpass JSON answer (no elements)")
    remark = answer.get("remark")
    if isinstance(remark, str) and "error" in remark.lower():
        raise ValueError(remark)
    found: list[Candidate] = []
    for element in answer["elements"]:
        if not isinstance(element, dict) or element.get("type") not in ("node", "way"):
            continue
        place = element if element["type"] == "node" else element.get("center")
        tags = element.get("tags") if isinstance(element.get("tags"), dict) else {}
        try:
            lon, lat = float(place["lon"]), float(place["lat"])  # type: ignore[index]
            osm = f"{element['type']}/{int(element['id'])}"
        except (KeyError, TypeError, ValueError):
            continue
        names = {
            key: str(value)
            for key, value in tags.items()
            if re.fullmatch(NAME_KEYS, key) and key != "name" and isinstance(value, str)
        }
        name = tags.get("name") or tags.get("name:en") or next(iter(names.values()), osm)
        wikidata = tags.get("wikidata")
        candidate = Candidate(
            name=str(name),
            lon=lon,
            lat=lat,
            names=names,
            osm=osm,
            wikidata=_first_qid(wikidata),
            kind=guess_kind(tags),
            found_by=["osm"],
            place=_place(tags),
            precision="exact" if element["type"] == "node" else "site",
        )
        candidate.why.extend(_why(tags, subject))
        kind_name = "node" if element["type"] == "node" else "way"
        candidate.sources.append(
            (object_url(osm), f"OpenStreetMap {kind_name}: {candidate.name}", "OpenStreetMap")
        )
        found.append(candidate)
    return found


def guess_kind(tags: dict[str, Any]) -> str:
    for key, value, kind in KIND_TAGS:
        if key in tags and (value is None or tags[key] == value):
            return kind
    return "other"


def _place(tags: dict[str, Any]) -> str | None:
    for key in ("addr:city", "addr:place", "is_in:city", "addr:village", "addr:town"):
        if isinstance(tags.get(key), str) and tags[key].strip():
            return str(tags[key]).strip()
    return None


def _why(tags: dict[str, Any], subject: str) -> list[str]:
    why = [
        key
        for key in ("subject:wikidata", "name:etymology:wikidata")
        if subject and subject in re.split(r"\s*;\s*", str(tags.get(key, "")))
    ]
    return why or ["name"]


def _first_qid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    first = value.split(";", 1)[0].strip()
    return first if is_qid(first) else None
