"""Reading the registry: a GeoJSON FeatureCollection of objects, each with dated events.

:func:`read` parses a file into :class:`Registry` without judging it (bad values are kept as
they are, so that :mod:`symbols.validate` can report every problem at once). :func:`load`
reads and validates, and refuses a registry with errors: that is what every command that
uses the registry's contents calls.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from math import isfinite, nan
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from . import dates
from .errors import DateError, Problem, RegistryError
from .timeline import History

_new = tuple.__new__

DEFAULT_REGISTRY = Path("data/monuments.geojson")
#: Registries of at least this many bytes are parsed with the cyclic garbage collector paused
#: (see :func:`_collector_paused`).
PAUSE_COLLECTOR_ABOVE = 1_000_000
#: ... and the events and histories of registries with at least this many objects are made so.
PAUSE_COLLECTOR_FEATURES = 1_000

KINDS: tuple[str, ...] = (
    "statue",
    "bust",
    "portrait",
    "plaque",
    "bas-relief",
    "mural",
    "sculpture",
    "stele",
    "street-name",
    "place-name",
    "institution-name",
    "other",
)
PRECISIONS: tuple[str, ...] = ("exact", "site", "settlement", "region")


class Source(NamedTuple):
    url: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    archived: str | None = None

    @classmethod
    def from_json(cls, value: Any) -> Source:
        if isinstance(value, str):
            return _new(cls, (value, None, None, None, None))
        if isinstance(value, dict):
            # called for most events' sources: one lookup per member, no calls
            get = value.get
            url, title, publisher = get("url"), get("title"), get("publisher")
            published, archived = get("published"), get("archived")
            return _new(
                cls,
                (
                    url if type(url) is str and url else "",
                    title if type(title) is str else None,
                    publisher if type(publisher) is str else None,
                    published if type(published) is str else None,
                    archived if type(archived) is str else None,
                ),
            )
        return cls(url="")


class Event(NamedTuple):
    """One dated event of an object. ``when`` is None when ``date`` is not valid EDTF.

    Source and Event are named tuples, made with ``tuple.__new__`` where many are made: a
    registry of 100,000 objects has hundreds of thousands of each, and a dataclass's
    ``__init__`` took three times as long."""

    type: str
    date: str
    when: dates.DateRange | None
    status: str | None
    sources: list[Source]
    note: str | None

    @property
    def earliest(self) -> date:
        return self.when.earliest if self.when else dates.MAX_DAY

    @property
    def latest(self) -> date:
        return self.when.latest if self.when else dates.MAX_DAY

    @property
    def doubtful(self) -> bool:
        return bool(self.when and self.when.uncertain)

    @classmethod
    def from_json(cls, value: Any) -> Event:
        # called for every event of every object: one lookup per member, no keyword calls
        if not isinstance(value, dict):
            return cls("", "", None, None, [], None)
        get = value.get
        date_text = get("date")
        try:
            when = dates.parse(date_text)
        except DateError:
            when = None
        return cls.from_members(
            get("type"), date_text, when, get("status"), get("sources"), get("note")
        )

    @classmethod
    def from_members(
        cls,
        kind: Any,
        date_text: Any,
        when: dates.DateRange | None,
        status: Any,
        sources: Any,
        note: Any,
    ) -> Event:
        """The event from its members as read (``when``: ``date_text`` parsed, or None), for
        :meth:`from_json` and for validation, which reads and parses them as it checks them."""
        return _new(
            cls,
            (
                kind if isinstance(kind, str) else "",
                date_text if isinstance(date_text, str) else "",
                when,
                status if type(status) is str else None,
                [Source.from_json(s) for s in sources] if isinstance(sources, list) else [],
                note if type(note) is str else None,
            ),
        )


@dataclass(slots=True)
class Monument:
    """One registry object (a feature): its identity, place, and events."""

    id: str
    properties: dict[str, Any]
    geometry: dict[str, Any] | None
    lon: float | None = None  # a representative point of the geometry
    lat: float | None = None
    _events: list[Event] | None = None
    _history: History | None = None

    @property
    def events(self) -> list[Event]:
        """The events, read from ``properties`` when first asked for (validation reads them as
        it checks them and sets ``_events``)."""
        if self._events is None:
            raw = self.properties.get("events")
            self._events = [Event.from_json(e) for e in raw] if isinstance(raw, list) else []
        return self._events

    @property
    def name(self) -> str:
        return _text(self.properties.get("name")) or self.id

    def prop(self, key: str) -> str | None:
        return _text(self.properties.get(key))

    @property
    def kind(self) -> str:
        return self.prop("kind") or "other"

    @property
    def history(self) -> History:
        if self._history is None:
            self._history = History(self.events)
        return self._history


@dataclass
class Registry:
    path: Path
    features: list[Monument]
    data: dict[str, Any]
    _text: Callable[[], str]  # the file's text, decoded only when a line or an edit needs it
    #: what work on this registry derives and several steps share (the map pages of one build
    #: share each object's popup contents); it lives as long as this Registry
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def text(self) -> str:
        return self._text()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    @cached_property
    def by_id(self) -> dict[str, Monument]:
        return {m.id: m for m in self.features}

    @cached_property
    def regions(self) -> dict[str, str | None]:
        """Each object's region: as stored, else the region polygon its point falls in."""
        return {
            m.id: m.prop("region") or found
            for m, found in zip(self.features, self.located_regions, strict=True)
        }

    @cached_property
    def regions_or_countries(self) -> dict[str, str | None]:
        """Each object's region; where it has none (a country whose regions are not known),
        its country code (``JO``): what lists and reports show, so that objects abroad are not
        lumped together as unknown."""
        regions = self.regions
        if all(regions.values()):
            return regions
        return {m.id: regions[m.id] or m.prop("country") for m in self.features}

    @cached_property
    def located_regions(self) -> list[str | None]:
        """The region polygon each object's point falls in (``geo.regions_at``), in feature
        order; None without a point or outside every region. Computed once per registry: the
        validator's region checks and :attr:`regions` share it."""
        from . import geo

        # an object without a point is at NaN, which is in no region
        lons = [nan if m.lon is None else m.lon for m in self.features]
        lats = [nan if m.lat is None else m.lat for m in self.features]
        return geo.regions_at(lons, lats)

    @contextmanager
    def collector_paused(self) -> Iterator[None]:
        """For work that makes objects for every feature (events, histories): in a big registry
        (PAUSE_COLLECTOR_FEATURES or more), the collector paused and what was made frozen, as
        when the file was parsed (see :func:`_collector_paused`)."""
        with _paused_if(len(self.features) >= PAUSE_COLLECTOR_FEATURES):
            yield

    def get(self, feature_id: str) -> Monument:
        try:
            return self.by_id[feature_id]
        except KeyError:
            raise RegistryError(
                Problem(str(self.path), None, feature_id, None, "no object with this id")
            ) from None


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing or unreadable file raises RegistryError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(Problem(str(path), None, None, None, "file not found")) from None
    except OSError as error:
        raise RegistryError(
            Problem(str(path), None, None, None, error.strerror or str(error))
        ) from None


def decode(path: Path, raw: bytes) -> str:
    """UTF-8 text, a BOM allowed; other bytes raise RegistryError with line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise RegistryError(
            Problem(
                str(path),
                line,
                None,
                None,
                f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {column}); "
                "save the file as UTF-8",
            )
        ) from None


def read_text(path: Path) -> str:
    """The file's text: UTF-8, a BOM allowed. Unreadable or not UTF-8 raises RegistryError."""
    return decode(path, read_bytes(path))


def parse_json(path: Path, text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        line, column = _position(text, error.pos)
        rest = text[error.pos : error.pos + 9].lstrip("-")
        if rest.startswith(("NaN", "Infinity")):
            message = (
                f"column {column}: NaN and Infinity are not JSON; "
                "numbers (coordinates) must be finite"
            )
        else:
            message = f"column {column}: not valid JSON: {error.msg}"
        raise RegistryError(Problem(str(path), line, None, None, message)) from None


def read(path: Path | str) -> Registry:
    """Parse ``path`` into a Registry. Only unreadable JSON or a non-FeatureCollection raise."""
    path = Path(path)
    raw = read_bytes(path)
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    with _collector_paused(len(body)):
        try:
            # orjson parses bytes twice as fast as str; text is decoded only when needed
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            text = decode(path, raw)
            parse_json(path, text)  # raises with line and column
            raise
        return _registry(path, data, lambda: decode(path, raw))


def from_text(path: Path | str, text: str) -> Registry:
    """Parse ``text`` (without a BOM) as the registry at ``path``, as :func:`read` does."""
    path = Path(path)
    with _collector_paused(len(text)):
        return _registry(path, parse_json(path, text), lambda: text)


@contextmanager
def paused_collector() -> Iterator[None]:
    """Make objects without the cyclic garbage collector, then freeze what was made.

    A registry of 100,000 objects is millions of dicts, lists and strings, none in a reference
    cycle (reference counting frees them), and so are the events, histories and reports made
    from it. While they are made, the collector would traverse them all again and again (most
    of an orjson parse's time), and afterwards every full collection would traverse them once
    more, the last one as a command returns and frees them: ``gc.freeze()`` moves them out of
    its way. Commands that read a whole registry run in this; so does parsing a big one.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def _collector_paused(size: int) -> Iterator[None]:
    """:func:`paused_collector` for a registry of ``size`` bytes or objects of at least
    PAUSE_COLLECTOR_ABOVE; small registries (most tests) are left to the collector as they are."""
    with _paused_if(size >= PAUSE_COLLECTOR_ABOVE):
        yield


def _paused_if(big: bool) -> AbstractContextManager[None]:
    return paused_collector() if big else nullcontext()


def _registry(path: Path, data: Any, text: Callable[[], str]) -> Registry:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise RegistryError(
            Problem(
                str(path),
                1,
                None,
                "type",
                "not a GeoJSON FeatureCollection "
                '(the top level must be an object with "type": "FeatureCollection")',
            )
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise RegistryError(
            Problem(str(path), 1, None, "features", "a FeatureCollection needs a features list")
        )
    return Registry(path, [monument_from_json(f, i) for i, f in enumerate(features)], data, text)


def load(path: Path | str, strict: bool = False) -> Registry:
    """Read and validate ``path``; raise RegistryError listing every error if it is invalid."""
    from .validate import validate

    result = validate(path, strict=strict, warnings=False)
    if not result.ok:
        raise RegistryError(result.errors)
    assert result.registry is not None
    return result.registry


def monument_from_json(feature: Any, position: int) -> Monument:
    # called for every feature: the common case (text id, properties, a Point) checked cheaply
    if type(feature) is not dict:
        return Monument(f"#{position + 1}", {}, None)
    get = feature.get
    feature_id, properties, geometry = get("id"), get("properties"), get("geometry")
    if type(properties) is not dict:
        properties = {}
    if type(feature_id) is not str:
        feature_id = str(feature_id) if type(feature_id) is int else f"#{position + 1}"
    if type(geometry) is not dict:
        return Monument(feature_id, properties, None)
    lon, lat = representative_point(geometry)
    return Monument(feature_id, properties, geometry, lon, lat)


def representative_point(geometry: Any) -> tuple[float | None, float | None]:
    """A point to place a marker: the Point itself, else the middle of the coordinates' box."""
    if not isinstance(geometry, dict):
        return None, None
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Point":
        if type(coordinates) is list and len(coordinates) == 2:
            lon, lat = coordinates  # the common case, checked cheaply
            if type(lon) is float and type(lat) is float and isfinite(lon) and isfinite(lat):
                return lon, lat
        if _is_position(coordinates):
            return float(coordinates[0]), float(coordinates[1])
        return None, None
    positions = list(_positions(coordinates))
    if not positions:
        return None, None
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2


def _positions(value: Any):  # type: ignore[no-untyped-def]
    if _is_position(value):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _positions(item)


def _is_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (2, 3)
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and isfinite(v) for v in value
        )
    )


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
