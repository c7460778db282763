"""Checking what a user asks to record, and building it as JSON in the file's conventions.

The edits themselves (locking, splicing, validating, writing) are in :mod:`symbols.edit`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import dates
from ._jsonedit import Document
from ._values import REGION_CODE, SLUG, country_code, suggest, url_problem
from ._wikidata import check_qid
from .errors import DateError, EditError, PlaceError, Problem
from .registry import KINDS, PRECISIONS, Event, Monument, Registry
from .timeline import EVENT_TYPES, STATUSES

FEATURE = ("features", "*")
PROPERTIES = (*FEATURE, "properties")
EVENT = (*PROPERTIES, "events", "*")
SOURCE = (*EVENT, "sources", "*")
_PHYSICAL = ("damaged", "toppled", "removed", "relocated")


@dataclass(frozen=True)
class NewEvent:
    """An event to record. ``titles`` pair with ``sources`` in order (fewer titles is fine); a
    repeated source is recorded once, with the first title given to it."""

    type: str
    date: str
    sources: Sequence[str]
    titles: Sequence[str] = ()
    status: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Where:
    """Where checked input is to go: the registry file (as the user named it) and the id of the
    feature, so that a refusal reads like validation's problems."""

    file: Path | str
    feature: str | None = None

    def say(self, field: str | None, message: str) -> str:
        """``FILE: feature ID: FIELD: message``, with the parts that are known."""
        return str(Problem(str(self.file), None, self.feature, field, message))

    def refuse(self, field: str | None, message: str) -> EditError:
        return EditError(self.say(field, message))


class OptionsError(EditError):
    """Options that only go together, given apart (``--lon`` without ``--lat``): a usage error,
    exit status 2 as click gives for its own."""

    exit_code = 2


@dataclass
class Location:
    place: str
    lon: float
    lat: float
    precision: str
    country: str | None
    region: str | None  # only when it is to be stored
    notes: list[str]


def new_location(
    place: str,
    lon: float | None,
    lat: float | None,
    precision: str | None,
    country: str | None,
    region: str | None,
    where: Where,
) -> Location:
    """Where a new object is: given coordinates, or the gazetteer's settlement ``place``."""
    from . import geo

    if (lon is None) != (lat is None):
        raise OptionsError("give both --lon and --lat, or neither (to look the place up)")
    if lon is None and precision not in (None, "settlement"):
        raise OptionsError(
            f"precision {precision!r} needs --lon and --lat: a gazetteer point is the "
            "settlement's centre (precision 'settlement')"
        )
    if lon is not None and precision not in PRECISIONS:
        raise OptionsError(f"give --precision with --lon and --lat: one of {', '.join(PRECISIONS)}")
    if not place.strip():
        raise where.refuse("place", "required (the settlement)")
    if region is not None:
        given, region = region, region.strip().upper()
        if not REGION_CODE.fullmatch(region):
            raise where.refuse("region", f"{given!r} is not an ISO 3166-2 code like KZ-33")
    if country is not None:
        try:
            country = country_code(country)
        except ValueError as error:
            raise where.refuse("country", str(error)) from None
    notes: list[str] = []
    if lon is None or lat is None:
        try:
            found = geo.lookup_place(place)
        except PlaceError as error:
            raise PlaceError(where.say("place", str(error))) from None
        lon, lat, precision = found.lon, found.lat, "settlement"
        place_name, code = found.name, found.region
        notes.append(f"{place} → {found.name} ({_region_label(code)}), {lon}, {lat}")
    else:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise where.refuse(
                "coordinates",
                f"[{lon}, {lat}] is out of range: longitude -180..180, latitude -90..90",
            )
        place_name, code = place.strip(), geo.region_at(lon, lat)
        swapped = geo.region_at(lat, lon) if code is None and abs(lon) <= 90 else None
        if swapped:
            raise where.refuse(
                "coordinates",
                f"look swapped: [{lon}, {lat}] is outside the known regions, [{lat}, {lon}] "
                f"is in {swapped}; give --lon (east) and --lat (north)",
            )
        notes.append(f"region: {_region_label(code)}, from the geometry")
    if code is not None:
        derived = geo.country_of_region(code)
        if country is not None and country != derived:
            raise where.refuse(
                "country",
                f"{country!r} does not match the point: it is in {_region_label(code)} "
                f"({derived}); leave --country out to take {derived}",
            )
        country = derived
    return Location(place_name, lon, lat, precision, country, region, notes)


def _region_label(code: str | None) -> str:
    from . import geo

    if code is None:
        return "outside the known regions"
    region = geo.regions().get(code)
    return f"{code} {region.name_en}" if region else code


def object_properties(
    feature_id: str,
    name: str,
    kind: str,
    subject: str,
    location: Location,
    subject_wikidata: str | None,
    names: Mapping[str, str],
    notes: str | None,
    where: Where,
) -> dict[str, Any]:
    """The new object's properties in canonical order, after checking them."""
    if not SLUG.fullmatch(feature_id):
        raise Where(where.file).refuse(
            "id", f"{feature_id!r} is not a slug: use lowercase letters, digits and hyphens"
        )
    for label, text in (("name", name), ("subject", subject)):
        if not text.strip():
            raise where.refuse(label, "required text")
    if kind not in KINDS:
        raise where.refuse("kind", f"unknown kind {kind!r}{suggest(kind, KINDS)}")
    if subject_wikidata is not None:
        try:
            subject_wikidata = check_qid(subject_wikidata)
        except ValueError as error:
            raise where.refuse("subject:wikidata", str(error)) from None
    values: dict[str, Any] = {"name": name.strip()}
    for language, text in names.items():
        if text.strip():
            values[f"name:{language}"] = text.strip()
    values |= {
        "kind": kind,
        "subject": subject.strip(),
        "subject:wikidata": subject_wikidata,
        "place": location.place,
        "country": location.country,
        "region": location.region,
        "location_precision": location.precision,
        "notes": notes,
    }
    return {k: v for k, v in values.items() if v is not None}


# --- checks on the input -------------------------------------------------------------------------


def check_event(event: NewEvent, today: date, where: Where) -> None:
    """Refuse an event that is wrong on its own: type, status, date, sources."""
    if event.type not in EVENT_TYPES:
        hint = suggest(event.type, EVENT_TYPES)
        raise where.refuse("type", f"unknown event type {event.type!r}{hint}")
    if event.type == "sighting" and event.status not in STATUSES:
        raise where.refuse("status", f"a sighting needs a status: one of {', '.join(STATUSES)}")
    if event.type != "sighting" and event.status is not None:
        raise where.refuse(
            "status", f"only sightings record a status ({event.type} leads to its own)"
        )
    try:
        when = dates.parse(event.date)
    except DateError as error:
        raise where.refuse("date", str(error)) from None
    if when.earliest > today:
        raise where.refuse("date", f"{event.date!r} is in the future (today is {today})")
    if not event.sources:
        raise where.refuse("source", "give at least one source URL")
    if len(event.titles) > len(event.sources):
        raise where.refuse("title", "more titles than sources: each title goes with one source")
    for url in event.sources:
        problem = url_problem(url)
        if problem:
            raise where.refuse("source", problem)


def feature_index(registry: Registry, feature_id: str) -> int:
    """The position of the one feature with id ``feature_id``; EditError naming close ids."""
    found = [i for i, m in enumerate(registry.features) if m.id == feature_id]
    where = Where(registry.path)
    if len(found) > 1:
        listed = ", ".join(f"#{i + 1}" for i in found)
        raise where.refuse(
            None, f"id {feature_id!r} is used by features {listed}; fix the file first"
        )
    if found:
        return found[0]
    ids = [m.id for m in registry.features]
    close = difflib.get_close_matches(feature_id, ids, n=3, cutoff=0.6)
    close += [i for i in ids if feature_id.lower() in i and i not in close][: 3 - len(close)]
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise where.refuse(None, f"no object with id {feature_id!r}{hint}")


def feature_indexes(registry: Registry, feature_ids: Iterable[str]) -> dict[str, int]:
    """:func:`feature_index` of each id in ``feature_ids``, in one pass over the features; the
    first id that is unknown or used twice raises its EditError."""
    wanted = dict.fromkeys(feature_ids)
    found: dict[str, list[int]] = {}
    for i, monument in enumerate(registry.features):
        if monument.id in wanted:
            found.setdefault(monument.id, []).append(i)
    for feature_id in wanted:
        if len(found.get(feature_id, ())) != 1:
            feature_index(registry, feature_id)  # raises, naming the features or close ids
    return {feature_id: at[0] for feature_id, at in found.items()}


def contradiction(monument: Monument, new: Event) -> str | None:
    """Why sighting ``new`` cannot be true given a certain later event of ``monument``, if so.

    Seen standing (or any state but planned) before a certain later erection with no earlier
    one; seen toppled or removed before it was certainly damaged, toppled, removed or relocated
    later, with nothing (restored, erected) that could have brought it back in between. A
    standing sighting after a certain removal is :mod:`symbols.validate`'s check."""
    if new.type != "sighting" or new.when is None or new.status is None:
        return None
    events = [(i, e) for i, e in enumerate(monument.events) if e.when is not None]
    later_events = sorted(
        ((i, e) for i, e in events if e.type != "sighting" and e.earliest > new.latest),
        key=lambda pair: (pair[1].earliest, pair[0]),
    )
    for i, later in later_events:
        if later.doubtful:
            continue
        others = [e for _, e in events if e is not later and e.type in ("erected", "restored")]
        if later.type == "erected" and new.status != "planned":
            if not any(e.earliest <= new.latest for e in others):
                return (
                    f"seen {new.status} on {new.date}, but it was erected later, on "
                    f"{later.date} (events[{i}]); check both dates"
                )
        elif (
            later.type in _PHYSICAL
            and new.status in ("toppled", "removed")
            and not any(e.latest >= new.earliest and e.earliest <= later.latest for e in others)
        ):
            return (
                f"seen {new.status} on {new.date}, but it was {later.type} later, on "
                f"{later.date} (events[{i}]); if it was put back in between, "
                "record a 'restored' event first"
            )
    return None


def parsed_event(event: NewEvent) -> Event:
    return Event(event.type, event.date, dates.parse(event.date), event.status, [], None)


def refuse_duplicate(where: Where, monument: Monument, new: Event) -> None:
    for i, old in enumerate(monument.events):
        if (old.type, old.date, old.status) == (new.type, new.date, new.status):
            raise where.refuse(
                None,
                f"already recorded as events[{i}] ({old.type} on {old.date}); "
                "add a source to it by hand if you have another",
            )


def event_json(doc: Document, event: NewEvent, today: date) -> dict[str, Any]:
    """The event as the file would write it: keys in the file's order; sources as plain URLs
    unless they have titles or the file writes sources as objects; ``recorded`` on ``today``
    (the day the edit is checked against)."""
    layout = doc.layout
    as_objects = layout.prefers(SOURCE, "dict")
    titles: dict[str, str | None] = {}  # each URL once, with the first title it was given
    for n, url in enumerate(event.sources):
        titles[url] = titles.get(url) or (event.titles[n] if n < len(event.titles) else None)
    sources: list[Any] = []
    for url, title in titles.items():
        if title or as_objects:
            source = {"url": url, "title": title} if title else {"url": url}
            sources.append(layout.ordered(SOURCE, source))
        else:
            sources.append(url)
    values = {
        "date": event.date,
        "type": event.type,
        "status": event.status,
        "sources": sources,
        "note": event.note,
        # the day the event entered the registry, which `symbols changes` lists it by
        "recorded": today.isoformat(),
    }  # in canonical order
    return layout.ordered(EVENT, {k: v for k, v in values.items() if v is not None})
