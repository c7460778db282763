"""Candidates from Wikidata and OpenStreetMap for ``symbols discover``: the record, merging
duplicates, the rule that recognises objects the registry already holds, the review feature.

The rule (:func:`held_by`) and its distances are documented in docs/sources.md.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .registry import Registry

#: A candidate is the registry's object when within this many metres of it (by the registry
#: object's location_precision) and of a similar name or the same kind; see :func:`held_by`.
MATCH_RADIUS = {"exact": 200.0, "site": 500.0}
NAME_RADIUS = 2000.0  # named streets, places, institutions: similar name within 2 km
NEAR_RADIUS = {"exact": 1000.0, "site": 1000.0, "settlement": 15000.0, "region": 15000.0}
NAMED_KINDS = frozenset({"street-name", "place-name", "institution-name"})
_TRANSLIT = (
    "а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f "
    "х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu я=ya ә=a ғ=g қ=k ң=n ө=o ұ=u ү=u һ=h і=i"
)
_CYRILLIC = dict(pair.split("=") for pair in _TRANSLIT.split())
_OSM_ID = re.compile(r"(?:openstreetmap\.org/)?\b(node|way|relation|[nwr])\s*/?\s*(\d+)", re.I)
_OSM_TYPES = {"n": "node", "w": "way", "r": "relation"}


@dataclass
class Candidate:
    """An object found by Wikidata or OpenStreetMap, before it becomes a review feature."""

    name: str
    lon: float
    lat: float
    kind: str = "other"
    names: dict[str, str] = field(default_factory=dict)  # "name:ru" → text
    place: str | None = None
    wikidata: str | None = None
    osm: str | None = None  # "node/123"
    found_by: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # "depicts", "subject:wikidata", "name"…
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # url, title, publisher
    precision: str = "exact"
    near: list[tuple[str, int]] = field(default_factory=list)  # registry ids, metres away
    aliases: list[str] = field(default_factory=list)  # names of merged duplicates

    @property
    def id(self) -> str:
        if self.wikidata:
            return f"wikidata-{self.wikidata.lower()}"
        return f"osm-{(self.osm or 'unknown').replace('/', '-')}"

    def all_names(self) -> list[str]:
        return [self.name, *self.names.values(), *self.aliases]

    def absorb(self, other: Candidate) -> None:
        """Merge what ``other`` (the same object from another service) adds."""
        if (
            other.osm
            and (not self.osm or self.osm.startswith("way"))
            and other.precision == "exact"
        ):
            self.lon, self.lat = other.lon, other.lat  # a mapped node beats an item's coordinate
        self.wikidata = self.wikidata or other.wikidata
        self.osm = self.osm or other.osm
        self.kind = self.kind if self.kind != "other" else other.kind
        self.place = self.place or other.place
        for key, value in other.names.items():
            self.names.setdefault(key, value)
        self.aliases.extend(n for n in other.all_names() if n not in self.all_names())
        for items, more in ((self.found_by, other.found_by), (self.why, other.why)):
            items.extend(x for x in more if x not in items)
        self.sources.extend(s for s in other.sources if s not in self.sources)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a)))


def normalize_name(text: str) -> str:
    """Lowercase Latin letters and digits: Cyrillic transliterated, accents and marks dropped."""
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text.casefold())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch if ch.isalnum() else " " for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


def similar_names(first: list[str], second: list[str], ignore: tuple[str, ...] = ()) -> bool:
    """Some name of one is like some name of the other (ratio ≥ 0.6, or one contains the other),
    once words starting with an ``ignore`` word (the subject's names, which every candidate
    shares) and initials are left out."""

    def key(name: str) -> str:
        words = normalize_name(name).split()
        return " ".join(w for w in words if len(w) > 1 and not w.startswith(ignore))

    for a in filter(None, map(key, first)):
        for b in filter(None, map(key, second)):
            if (min(len(a), len(b)) >= 4 and (a in b or b in a)) or difflib.SequenceMatcher(
                None, a, b
            ).ratio() >= 0.6:
                return True
    return False


def subject_words(names: list[str]) -> tuple[str, ...]:
    """The words of the subject's names, normalised, for ``similar_names(ignore=...)``."""
    words = {w for name in names for w in normalize_name(name).split() if len(w) >= 3}
    return tuple(sorted(words))


def osm_key(value: Any) -> str | None:
    """``node/123`` from ``node/123``, ``n123``, ``way 5`` or an openstreetmap.org URL."""
    match = _OSM_ID.search(value) if isinstance(value, str) else None
    if not match:
        return None
    kind = match.group(1).lower()
    return f"{_OSM_TYPES.get(kind, kind)}/{match.group(2)}"


def held_by(
    candidate: Candidate, registry: Registry, ignore: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """The registry object that already is ``candidate``, and why; None when it is new.

    The rule, first match wins: the same Wikidata item (property ``wikidata``); the same OSM
    object (property ``osm``); a source citing the candidate's Wikidata or OSM page; within
    200 m of an ``exact`` (500 m of a ``site``) object with a similar name or the same kind;
    for street, place and institution names, a similar name within 2 km.
    """
    for monument in registry:
        if candidate.wikidata and (monument.prop("wikidata") or "").upper() == candidate.wikidata:
            return monument.id, f"same Wikidata item {candidate.wikidata}"
        if candidate.osm and osm_key(monument.prop("osm")) == candidate.osm:
            return monument.id, f"same OSM object {candidate.osm}"
        for event in monument.events:
            for source in event.sources:
                if _cites(source.url, candidate):
                    return monument.id, f"cites {source.url}"
    for monument in registry:
        if monument.lon is None or monument.lat is None:
            continue
        metres = distance_m(candidate.lon, candidate.lat, monument.lon, monument.lat)
        if metres > NAME_RADIUS:
            continue
        names = [v for k, v in monument.properties.items() if _is_name(k) and isinstance(v, str)]
        alike = similar_names(candidate.all_names(), names, ignore)
        radius = MATCH_RADIUS.get(monument.prop("location_precision") or "", 0.0)
        if metres <= radius and (alike or candidate.kind == monument.kind != "other"):
            return monument.id, f"{metres:.0f} m away, {'similar name' if alike else 'same kind'}"
        if alike and candidate.kind in NAMED_KINDS and monument.kind in NAMED_KINDS:
            return monument.id, f"similar name {metres:.0f} m away"
    return None


def nearby(candidate: Candidate, registry: Registry) -> list[tuple[str, int]]:
    """Registry objects close enough to be worth comparing by eye: (id, metres)."""
    found = []
    for monument in registry:
        if monument.lon is not None and monument.lat is not None:
            metres = distance_m(candidate.lon, candidate.lat, monument.lon, monument.lat)
            if metres <= NEAR_RADIUS.get(monument.prop("location_precision") or "", 1000.0):
                found.append((monument.id, round(metres)))
    return sorted(found, key=lambda pair: pair[1])


def _cites(url: str, candidate: Candidate) -> bool:
    if candidate.wikidata and re.search(
        rf"wikidata\.org/(?:wiki|entity)/{candidate.wikidata}\b", url, re.I
    ):
        return True
    return bool(candidate.osm and "openstreetmap.org" in url and osm_key(url) == candidate.osm)


def _is_name(key: str) -> bool:
    return key in ("name", "old_name", "alt_name", "official_name") or key.startswith("name:")


def merge(found: list[Candidate], ignore: tuple[str, ...] = ()) -> list[Candidate]:
    """One candidate per object: Wikidata items and OSM objects of one thing, street segments."""
    merged: list[Candidate] = []
    for candidate in found:
        for kept in merged:
            if _same(kept, candidate, ignore):
                kept.absorb(candidate)
                break
        else:
            merged.append(candidate)
    return merged


def _same(a: Candidate, b: Candidate, ignore: tuple[str, ...]) -> bool:
    """One object? The same item or OSM object; never two different items. Street (place,
    institution) names: a similar name within 2 km (the segments of one avenue). Otherwise only
    across services (one service lists distinct objects): within 200 m, a similar name or kind."""
    if (a.wikidata and a.wikidata == b.wikidata) or (a.osm and a.osm == b.osm):
        return True
    if a.wikidata and b.wikidata:
        return False
    metres = distance_m(a.lon, a.lat, b.lon, b.lat)
    if metres > NAME_RADIUS:
        return False
    alike = similar_names(a.all_names(), b.all_names(), ignore)
    if a.kind in NAMED_KINDS and a.kind == b.kind:
        return alike
    if set(a.found_by) & set(b.found_by):
        return False
    return metres <= MATCH_RADIUS["exact"] and (alike or a.kind == b.kind != "other")


def surnames(labels: dict[str, str]) -> list[str]:
    """Name patterns for OSM: each label's surname ("Nazarbayev", "Назарбаев"), transliterated
    too ("Nazarbaev"); a substring match also finds declined forms ("Назарбаеву")."""
    found: list[str] = []
    for label in labels.values():
        word = label.split(",")[0].strip() if "," in label else (label.split() or [""])[-1]
        for variant in (word, normalize_name(word).title()):
            if len(variant) >= 4 and variant.casefold() not in map(str.casefold, found):
                found.append(variant)
    return found


def to_feature(
    candidate: Candidate, subject: str, subject_label: str, country: str | None, today: str
) -> dict[str, Any]:
    """A registry-shaped feature: valid if copied into the registry as it is."""
    services = " and ".join(
        {"wikidata": "Wikidata", "osm": "OpenStreetMap"}[s] for s in candidate.found_by
    )
    properties: dict[str, Any] = {
        "name": candidate.name,
        **{k: v for k, v in sorted(candidate.names.items()) if v != candidate.name},
        "kind": candidate.kind,
        "subject": subject_label,
        "subject:wikidata": subject,
        "place": candidate.place or "unknown",
        **({"country": country} if country else {}),
        "location_precision": candidate.precision,
        **({"wikidata": candidate.wikidata} if candidate.wikidata else {}),
        **({"osm": candidate.osm} if candidate.osm else {}),
        "candidate": {
            "found": today,
            "found_by": candidate.found_by,
            "matched_by": candidate.why,
            "near": [{"id": i, "metres": m} for i, m in candidate.near],
        },
        "events": [
            {
                "date": f"{today}?",
                "type": "sighting",
                "status": "standing",
                "note": f"listed by {services} on {today} (symbols discover), not seen: "
                "check it, date its history, replace this sighting with sourced events",
                "sources": [
                    {"url": u, "title": t, "publisher": p} for u, t, p in candidate.sources
                ],
            }
        ],
    }
    return {
        "type": "Feature",
        "id": candidate.id,
        "geometry": {"type": "Point", "coordinates": [candidate.lon, candidate.lat]},
        "properties": properties,
    }
