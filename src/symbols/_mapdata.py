"""The data block a map page embeds: everything its script shows, computed here.

Statuses come only from :mod:`symbols.timeline`: a dated map carries each listed object's status
code (``timeline.listing``); the timeline page carries each object's status intervals
(``History.intervals``) as ``[start day, code, start day, code, ...]``, which the page searches
by bisection. A code is ``2 * index in STATUSES + (0 if certain else 1)``; a day is a number of
days since 1970-01-01.

Texts are embedded as they are; :func:`symbols._mappage.embed_json` escapes them for the page,
and the page's script only ever puts them into ``textContent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from . import dates
from ._markup import region_label, region_names
from .registry import KINDS, Monument, Registry
from .timeline import EVENT_TYPES, STATUSES, listing

FORMAT_VERSION = 1
_EPOCH = date(1970, 1, 1).toordinal()
_STATUS_INDEX = {status: i for i, status in enumerate(STATUSES)}
_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
_EVENT_TYPE_SET = frozenset(EVENT_TYPES)
_COORDINATE_DECIMALS = 5  # about a metre: finer than any location_precision the registry has
_REGION_TOLERANCE = 0.02  # degrees (about 2 km): a pixel or two at the zooms regions are read at
_REGION_DECIMALS = 3
_REGION_CLASSES = 5


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH


def from_day_number(number: int) -> date:
    return date.fromordinal(number + _EPOCH)


def status_code(status: str, certain: bool) -> int:
    return 2 * _STATUS_INDEX[status] + (0 if certain else 1)


def title_of(registry: Registry) -> str:
    """The registry's own title (a ``title`` or ``name`` member of the collection), if any."""
    for key in ("title", "name"):
        value = registry.data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "Monuments and public symbols"


def map_payload(registry: Registry, day: date) -> dict[str, Any]:
    """What the dated map of ``day`` shows: the objects ``symbols status`` lists on that day."""
    with registry.collector_paused():  # histories and the payload: no reference cycles
        return _map_payload(registry, day)


def _map_payload(registry: Registry, day: date) -> dict[str, Any]:
    listed = [(m, s) for m, s in listing(registry.features, day) if m.lon is not None]
    payload = _objects(registry, [m for m, _ in listed])
    payload.update(
        mode="map",
        day=day_number(day),
        s=[status_code(s.status, s.certain) for _, s in listed],
        e=[m.events[s.event].date for m, s in listed],
    )
    payload["regions"] = _regions(registry)
    return payload


def timeline_payload(registry: Registry, today: date) -> dict[str, Any]:
    """What the time-slider page needs: every object ever listed, with its status intervals."""
    with registry.collector_paused():
        return _timeline_payload(registry, today)


def _timeline_payload(registry: Registry, today: date) -> dict[str, Any]:
    placed = []
    steps = []
    for monument in registry.features:
        intervals = monument.history.intervals() if monument.lon is not None else []
        if not intervals:
            continue
        placed.append(monument)
        flat: list[int] = []
        for interval in intervals:
            flat += [day_number(interval.start), status_code(interval.status, interval.certain)]
        steps.append(flat)
    payload = _objects(registry, placed)
    first = _first_day(placed)
    payload.update(
        mode="timeline",
        day=day_number(today),
        range=[day_number(min(first, today)) if first else day_number(today), day_number(today)],
        t=steps,
    )
    payload["regions"] = _regions(registry)
    return payload


def region_removals(registry: Registry, day: date) -> dict[str, int]:
    """Removals per region whose date range ended on or before ``day`` (regions with none are
    left out). An object's removal is ``History.removal()``; its region, ``Registry.regions``."""
    counts: dict[str, int] = {}
    limit = day_number(day)
    for code, days in _removal_days(registry).items():
        number = sum(1 for d in days if d <= limit)
        if number:
            counts[code] = number
    return counts


def _objects(registry: Registry, monuments: Sequence[Monument]) -> dict[str, Any]:
    kind_of = [m.kind for m in monuments]
    kinds = sorted(set(kind_of), key=lambda k: (_KIND_INDEX.get(k, 99), k))
    kind_index = {kind: i for i, kind in enumerate(kinds)}
    positions: list[float] = []
    for m in monuments:
        positions += [round(m.lat, _COORDINATE_DECIMALS), round(m.lon, _COORDINATE_DECIMALS)]
    return {
        "v": FORMAT_VERSION,
        "statuses": list(STATUSES),
        "kinds": kinds,
        "n": len(monuments),
        "p": positions,
        "k": [kind_index[kind] for kind in kind_of],
        "d": _all_details(registry, monuments),
        "bounds": _bounds(monuments),
    }


def _all_details(registry: Registry, monuments: Sequence[Monument]) -> list[list[Any]]:
    """Each object's popup contents, computed once per object of the registry: every page of
    a build (the map of each date, the timeline) shares them, as they depend on no date."""
    # keyed by id(): the registry, which holds the memo, holds every object as long
    known: dict[int, list[Any]] = registry.memo.setdefault("popup details", {})
    regions = registry.regions_or_countries  # abroad: the country, as reports show it
    names = region_names()
    out = []
    for m in monuments:
        details = known.get(id(m))
        if details is None:
            label = region_label(regions.get(m.id), names, unknown="")
            details = known[id(m)] = _details(m, label or None)
        out.append(details)
    return out


_TEXTS = ("name:kk", "name:ru", "subject", "place", "location_precision", "notes")


def _details(m: Monument, region: str | None) -> list[Any]:
    """The popup's contents: [id, name, name:kk, name:ru, subject, place, region (as labelled:
    ``Almaty Region (KZ-19)``, ``JO (country)``), precision, notes, events]; an event is [date
    as written, type, status (sightings), note, first day, sources]; a source is [url, title,
    publisher, published, archived] (a :class:`~symbols.registry.Source`), without trailing
    nulls."""
    # once per object (see _all_details); plain loops over its events and sources
    events = []
    for event in m.events:
        when = event.when
        kind = event.type
        if when is None or kind not in _EVENT_TYPE_SET:
            continue
        sources = []
        for source in event.sources:
            fields = list(source)
            while fields[-1] is None:  # (the url never is)
                fields.pop()
            sources.append(fields)
        events.append(
            [
                event.date,
                kind,
                event.status if kind == "sighting" else None,
                event.note,
                day_number(when.earliest),
                sources,
            ]
        )
    kk, ru, subject, place, precision, notes = map(m.prop, _TEXTS)
    return [m.id, m.name, kk, ru, subject, place, region, precision, notes, events]


def _bounds(monuments: Sequence[Monument]) -> list[list[float]] | None:
    """The box around ``monuments`` (all placed)."""
    lats = [m.lat for m in monuments]
    lons = [m.lon for m in monuments]
    if not lats:
        return None
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _first_day(monuments: Iterable[Monument]) -> date | None:
    """The first event's first day; an open start (``../2020``) counts from its end."""
    first = None
    for m in monuments:
        for change in m.history.changes:
            day = change.earliest if change.earliest != dates.MIN_DAY else change.latest
            if first is None or day < first:
                first = day
    return first


def _removal_days(registry: Registry) -> dict[str, list[int]]:
    regions = registry.regions
    days: dict[str, list[int]] = {}
    for m in registry.features:
        code = regions.get(m.id)
        removal = m.history.removal()
        # an open-ended removal (renamed 2014/..) never ends: no date counts it
        if code and removal and removal.latest != dates.MAX_DAY:
            days.setdefault(code, []).append(day_number(removal.latest))
    return {code: sorted(values) for code, values in sorted(days.items())}


def _regions(registry: Registry) -> dict[str, Any] | None:
    """Region names for the region box (popups get their region label with their details)
    and, where ``geo/`` has the polygons, the shaded region layer:
    each region's removal days (the page counts those on or before its date) and the class
    breaks, set by the most removals any region ever has, so that every page and every date of
    one registry share one scale. Made once per registry: every page of a build shows it."""
    memo = registry.memo
    if "region layer" not in memo:
        memo["region layer"] = _region_layer(registry)
    return memo["region layer"]  # type: ignore[no-any-return]


def _region_layer(registry: Registry) -> dict[str, Any] | None:
    from . import geo

    known = geo.regions()
    used = {code for code in registry.regions.values() if code}
    if not used & set(known):
        return None
    removals = _removal_days(registry)
    maximum = max((len(days) for days in removals.values()), default=0)
    return {
        "names": {code: [r.name_en, r.name_kk, r.name_ru] for code, r in known.items()},
        "features": _region_shapes(),
        "removals": removals,
        "breaks": removal_breaks(maximum),
        "max": maximum,
    }


def removal_breaks(maximum: int) -> list[int]:
    """Lower bounds of the shading classes above zero: one class per count up to five, then
    geometric steps up to ``maximum`` (five classes), so any registry's spread fits."""
    if maximum <= 0:
        return []
    if maximum <= _REGION_CLASSES:
        return list(range(1, maximum + 1))
    steps = {max(1, round(maximum ** (k / _REGION_CLASSES))) for k in range(_REGION_CLASSES)}
    return sorted(steps)


@cache
def _region_shapes() -> tuple[dict[str, Any], ...]:
    """The region polygons, simplified together (shared borders stay shared) and rounded: as
    shipped in ``geo/`` (``geo/build_region_index.py``) while that file was made from the current
    region file at this tolerance, else computed now."""
    from . import geo

    shipped = geo.simplified_regions()
    if (
        shipped is not None
        and shipped.get("tolerance") == _REGION_TOLERANCE
        and shipped.get("decimals") == _REGION_DECIMALS
    ):
        return tuple(shipped["features"])
    return simplify_region_shapes()


def simplify_region_shapes() -> tuple[dict[str, Any], ...]:
    """:func:`_region_shapes` computed with shapely (``shapely.coverage_simplify``)."""
    import shapely

    from . import geo

    geometries = geo.region_geometries()
    codes = list(geometries)
    simplified = shapely.coverage_simplify(list(geometries.values()), _REGION_TOLERANCE)
    shapes = []
    for code, geometry in zip(codes, simplified, strict=True):
        mapping = shapely.geometry.mapping(geometry)
        shapes.append(
            {
                "type": "Feature",
                "properties": {"code": code},
                "geometry": {
                    "type": mapping["type"],
                    "coordinates": _rounded(mapping["coordinates"]),
                },
            }
        )
    return tuple(shapes)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, _REGION_DECIMALS)
    return [_rounded(v) for v in value]
