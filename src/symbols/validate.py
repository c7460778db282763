"""Checking a registry: every problem at once, each located by file, line, feature and field.

Errors make a registry unusable (commands refuse it); warnings are advice, errors under
``--strict``. Line numbers are found only when there is something to report, so checking a
clean registry costs little more than parsing it; a feature with nothing to report in its
members is recognised in one pass (:mod:`symbols._plaincheck`) before any detailed check.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import dates
from ._plaincheck import plain_events, plain_source
from ._values import (
    COUNTRY,
    REGION_CODE,
    SLUG,
    coordinates_problem,
    good_point,
    is_one_of,
    is_qid,
    show,
    suggest,
    url_problem,
)
from .errors import DateError, Problem, RegistryError
from .registry import KINDS, PRECISIONS, Event, Monument, Registry, read
from .timeline import EVENT_TYPES, GONE, NEEDS_EXISTENCE, PRESENT, STATUSES

_GEOMETRY_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}
_KIND_SET = frozenset(KINDS)
_PRECISION_SET = frozenset(PRECISIONS)
_PLAIN_EVENT_TYPES = frozenset(EVENT_TYPES) - {"sighting"}  # known types that record no status


@dataclass
class ValidationResult:
    path: Path
    problems: list[Problem] = field(default_factory=list)
    registry: Registry | None = None
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        if self.strict:
            return list(self.problems)
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    path: Path | str, strict: bool = False, today: date | None = None, warnings: bool = True
) -> ValidationResult:
    """Read and check the registry at ``path``. Unreadable files give one located error.
    ``warnings=False`` looks for errors only (what a command that uses the registry needs)."""
    path = Path(path)
    try:
        registry = read(path)
    except RegistryError as error:
        return ValidationResult(path, error.problems, None, strict)
    problems = check(registry, today=today, warnings=warnings or strict)
    return ValidationResult(path, problems, registry, strict)


def check(
    registry: Registry,
    today: date | None = None,
    warnings: bool = True,
    only: Collection[int] | None = None,
    lines: bool = True,
) -> list[Problem]:
    """Every problem in ``registry`` (errors only with ``warnings=False``), in file order, with
    line numbers. With ``only``, the problems of the features at those positions (a repeated id
    is still found against every feature before it): what an edit checks of the features it
    changed. ``lines=False`` leaves the line numbers out (None), and the work of finding them
    in the text: for problems only counted or compared."""
    checker = _Checker(today or dates.today(), warnings)
    raw_features = registry.data["features"]
    with registry.collector_paused():  # events and histories, kept for the commands
        for index, (raw, monument) in enumerate(zip(raw_features, registry.features, strict=True)):
            if only is None or index in only:
                checker.feature(index, raw, monument)
            else:
                checker.seen(index, raw)
    if warnings:
        checker.regions(registry, only)  # its findings are all warnings
    return checker.located(registry, lines)


@dataclass
class _Finding:
    severity: str
    feature: str | None
    path: tuple[str | int, ...]
    message: str


class _Checker:
    def __init__(self, today: date, warnings: bool = True) -> None:
        self.today = today
        self.warnings = warnings
        self.findings: list[_Finding] = []
        self._feature_id: str | None = None
        self._ids: dict[str, int] = {}

    def error(self, path: tuple, message: str) -> None:
        self.findings.append(_Finding("error", self._feature_id, path, message))

    def warn(self, path: tuple, message: str) -> None:
        if self.warnings:
            self.findings.append(_Finding("warning", self._feature_id, path, message))

    def seen(self, index: int, raw: Any) -> None:
        """A feature not checked, whose id a later one may repeat."""
        feature_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(feature_id, str):
            self._ids.setdefault(feature_id, index)

    def feature(self, index: int, raw: Any, monument: Monument) -> None:
        base = ("features", index)
        self._feature_id = monument.id
        plain = plain_events(raw, self.today)
        if plain is not None and monument.id not in self._ids:
            self._ids[monument.id] = index
            monument._events, sighted = plain
            if sighted and len(monument._events) > 1:
                dated = [(number, e.type, e.when) for number, e in enumerate(monument._events)]
                self._check_history((*base, "properties"), dated, monument)  # type: ignore[arg-type]
            return
        if not isinstance(raw, dict):
            self.error(base, "a feature must be a JSON object")
            return
        if raw.get("type") != "Feature":
            self.error((*base, "type"), f'expected "Feature", found {show(raw.get("type"))}')
        self._check_id(base, raw)
        self._check_geometry(base, raw.get("geometry"))
        properties = raw.get("properties")
        if not isinstance(properties, dict):
            self.error((*base, "properties"), "missing: a feature needs a properties object")
            return
        props = (*base, "properties")
        self._check_properties(props, properties)
        self._check_events(props, properties, monument)

    def _check_id(self, base: tuple, raw: dict) -> None:
        feature_id = raw.get("id")
        if feature_id is None:
            self.error((*base, "id"), "missing: give the feature a stable slug id")
            return
        if not isinstance(feature_id, str):
            self.error((*base, "id"), f"must be text (a slug), found {show(feature_id)}")
            return
        if feature_id in self._ids:
            first = self._ids[feature_id]
            self.error((*base, "id"), f"duplicate id (also feature #{first + 1} in the file)")
        else:
            self._ids[feature_id] = base[1]
        if not SLUG.fullmatch(feature_id):
            self.warn((*base, "id"), "not a slug: use lowercase letters, digits and hyphens")

    def _check_geometry(self, base: tuple, geometry: Any) -> None:
        if type(geometry) is dict and geometry.get("type") == "Point" and good_point(geometry):
            return  # the common case, cheaply, for registries of 100,000 objects
        path = (*base, "geometry")
        if geometry is None:
            self.error(path, "missing or null: every object needs a location")
            return
        if not isinstance(geometry, dict):
            self.error(path, "must be a GeoJSON geometry object")
            return
        kind = geometry.get("type")
        if kind not in _GEOMETRY_DEPTH:
            hint = suggest(kind, _GEOMETRY_DEPTH) if isinstance(kind, str) else ""
            self.error((*path, "type"), f"unsupported geometry type {show(kind)}{hint}")
            return
        problem = coordinates_problem(geometry.get("coordinates"), _GEOMETRY_DEPTH[kind])
        if problem:
            self.error((*path, "coordinates"), problem)

    def _check_properties(self, path: tuple, properties: dict) -> None:
        for key in ("name", "subject", "place"):
            value = properties.get(key)
            if not isinstance(value, str) or not value.strip():
                self.error((*path, key), "missing: required text")
        if not is_one_of(properties.get("kind"), _KIND_SET):
            self._check_choice(path, properties, "kind", KINDS)
        if not is_one_of(properties.get("location_precision"), _PRECISION_SET):
            self._check_choice(path, properties, "location_precision", PRECISIONS)
        region = properties.get("region")
        if region is not None and not (isinstance(region, str) and REGION_CODE.fullmatch(region)):
            self.error((*path, "region"), f"{show(region)} is not an ISO 3166-2 code like KZ-33")
        photo = properties.get("photo")
        if photo is not None and (problem := url_problem(photo)):
            self.error((*path, "photo"), problem)
        country = properties.get("country")
        if country is not None and not (isinstance(country, str) and COUNTRY.fullmatch(country)):
            self.error((*path, "country"), f"{show(country)} is not an ISO 3166-1 code like KZ")
        qid = properties.get("subject:wikidata")
        if qid is not None and not (isinstance(qid, str) and is_qid(qid)):
            self.error(
                (*path, "subject:wikidata"), f"{show(qid)} is not a Wikidata item id like Q9259"
            )
        notes = properties.get("notes")
        if notes is not None and not isinstance(notes, str):
            self.error((*path, "notes"), f"must be text, found {show(notes)}")

    def _check_choice(self, path: tuple, properties: dict, key: str, allowed: tuple) -> None:
        value = properties.get(key)
        if value is None:
            self.error((*path, key), f"missing: one of {', '.join(allowed)}")
        elif value not in allowed:
            hint = suggest(value, allowed) if isinstance(value, str) else ""
            self.error((*path, key), f"unknown {key} {show(value)}{hint}")

    def _check_events(self, path: tuple, properties: dict, monument: Monument) -> None:
        events = properties.get("events")
        if events is None or events == []:
            self.warn((*path, "events"), "no events: nothing says when it stood or changed")
            return
        if not isinstance(events, list):
            self.error((*path, "events"), "must be a list of events")
            return
        made: list[Event] = []  # Monument.events, made here as the events are checked
        dated: list[tuple[int, str, dates.DateRange]] = []
        for number, raw in enumerate(events):
            at = (*path, "events", number)
            if not isinstance(raw, dict):
                self.error(at, "an event must be a JSON object")
                made.append(Event.from_json(raw))
                continue
            event = self._check_event(at, raw)
            made.append(event)
            if event.when is not None:
                dated.append((number, event.type, event.when))
        monument._events = made
        if len(dated) > 1:  # a single event contradicts nothing
            self._check_history(path, dated, monument)

    def _check_event(self, at: tuple, raw: dict) -> Event:
        """Check one event; return it as read (``when`` None when the date is not valid)."""
        get = raw.get
        kind = get("type")
        status = get("status")
        if status is not None or not is_one_of(kind, _PLAIN_EVENT_TYPES):
            self._check_type_and_status(at, kind, status)
        sources = get("sources")
        if type(sources) is not list or not sources or None in map(plain_source, sources):
            self._check_sources(at, sources)  # plain URLs (the common case) need no more
        recorded = get("recorded")
        if recorded is not None:
            self._check_date(at, recorded, key="recorded")
        note = get("note")
        if note is not None and not isinstance(note, str):
            self.error((*at, "note"), f"must be text, found {show(note)}")
        date_text = get("date")
        when = self._check_date(at, date_text)
        return Event.from_members(kind, date_text, when, status, sources, note)

    def _check_type_and_status(self, at: tuple, kind: Any, status: Any) -> None:
        if kind is None:
            self.error((*at, "type"), f"missing: one of {', '.join(EVENT_TYPES)}")
        elif kind not in EVENT_TYPES:
            hint = suggest(kind, EVENT_TYPES) if isinstance(kind, str) else ""
            self.error((*at, "type"), f"unknown event type {show(kind)}{hint}")
        if kind == "sighting" and status is None:
            self.error((*at, "status"), "a sighting must record the status seen")
        if status is not None and status not in STATUSES:
            hint = suggest(status, STATUSES) if isinstance(status, str) else ""
            self.error((*at, "status"), f"unknown status {show(status)}{hint}")
        elif status is not None and kind != "sighting" and kind in EVENT_TYPES:
            self.warn((*at, "status"), f"ignored: only sightings record a status ({kind})")

    def _check_date(self, at: tuple, value: Any, key: str = "date") -> dates.DateRange | None:
        where = (*at, key)
        if value is None:
            self.error(where, "missing: an EDTF date such as 2024-02-12, 2024-02~ or 2023")
            return None
        try:
            when = dates.parse(value)
        except DateError as error:
            self.error(where, str(error))
            return None
        if when.earliest > self.today:
            self.error(where, f"{value!r} is in the future (today is {self.today})")
        return when

    def _check_sources(self, at: tuple, sources: Any) -> None:
        if sources is None or sources == []:
            self.warn((*at, "sources"), "no source: cite where this is reported")
            return
        if not isinstance(sources, list):
            self.error((*at, "sources"), "must be a list of sources (objects with a url, or URLs)")
            return
        for number, source in enumerate(sources):
            if plain_source(source) is not None:
                continue
            where = (*at, "sources", number)
            if isinstance(source, str):
                problem = url_problem(source)
                if problem:
                    self.error(where, problem)
                continue
            if not isinstance(source, dict):
                self.error(where, "a source is an object with a url, or a URL")
                continue
            if "url" not in source:
                self.error((*where, "url"), "missing: a source needs its url")
            else:
                problem = url_problem(source["url"])
                if problem:
                    self.error((*where, "url"), problem)
            for key in ("title", "publisher"):
                text = source.get(key)
                if text is not None and not isinstance(text, str):
                    self.error((*where, key), f"must be text, found {show(text)}")
            archived = source.get("archived")
            if archived is not None and (problem := url_problem(archived)):
                self.error((*where, "archived"), problem)
            if source.get("published") is not None:
                self._check_date(where, source["published"], key="published")

    def _check_history(
        self, path: tuple, dated: list[tuple[int, Any, dates.DateRange]], monument: Monument
    ) -> None:
        erected = [when for _, kind, when in dated if kind == "erected"]
        if erected:
            first = min(erected, key=lambda when: when.earliest)
            for i, kind, when in dated:
                if kind in NEEDS_EXISTENCE and when.latest < first.earliest:
                    self.error(
                        (*path, "events", i, "date"),
                        f"impossible history: {kind} on {when.text} "
                        f"before it was erected on {first.text}",
                    )
        if not any(kind == "sighting" for _, kind, _ in dated):
            return  # only sightings can contradict what came before them
        previous = None
        for change in monument.history.changes:
            if (
                change.type == "sighting"
                and previous is not None
                and previous.status in GONE
                and change.status in PRESENT
                and previous.latest < change.earliest
            ):
                self.error(
                    (*path, "events", change.index, "status"),
                    f"seen {change.status} on {monument.events[change.index].date} after it was "
                    f"{previous.status} ({monument.events[previous.index].date}): "
                    "record a 'restored' event instead",
                )
            previous = change

    def regions(self, registry: Registry, only: Collection[int] | None = None) -> None:
        """Warn about swapped coordinates and stored regions that disagree with the geometry (of
        the features at positions ``only``, if given)."""
        from . import geo

        countries = geo.countries()
        features = registry.features
        candidates = [
            (i, features[i])
            for i in (range(len(features)) if only is None else sorted(only))
            if features[i].lon is not None and _country(features[i]) in countries
        ]
        if not candidates:
            return
        if only is None:
            located = registry.located_regions  # shared with Registry.regions
            found = [located[i] for i, _ in candidates]
        else:
            found = geo.regions_at([m.lon for _, m in candidates], [m.lat for _, m in candidates])
        missing = [(i, m) for (i, m), code in zip(candidates, found, strict=True) if code is None]
        swapped = (
            geo.regions_at([m.lat for _, m in missing], [m.lon for _, m in missing])
            if missing
            else []
        )
        swapped_code = {i: code for (i, _), code in zip(missing, swapped, strict=True)}
        for (index, monument), code in zip(candidates, found, strict=True):
            self._feature_id = monument.id
            stored = monument.prop("region")
            base = ("features", index)
            if code is None and swapped_code.get(index):
                self.warn(
                    (*base, "geometry", "coordinates"),
                    f"coordinates look swapped: [{monument.lon}, {monument.lat}] is outside "
                    f"the known regions, [{monument.lat}, {monument.lon}] is in "
                    f"{swapped_code[index]}; GeoJSON is [longitude, latitude]",
                )
            elif stored and code and stored != code:
                self.warn(
                    (*base, "properties", "region"),
                    f"stored region {stored} disagrees with the geometry, which is in {code}",
                )
            elif stored and code is None:
                self.warn(
                    (*base, "properties", "region"),
                    f"stored region {stored}, but the geometry is outside its country's regions",
                )

    def located(self, registry: Registry, lines: bool = True) -> list[Problem]:
        if not self.findings:
            return []
        from ._jsonspans import scan  # only when there is something to locate

        spans = None
        if lines:
            with contextlib.suppress(ValueError):
                spans = scan(registry.text)
        problems = []
        for finding in self.findings:
            line = spans.line(finding.path) if spans else None
            problems.append(
                Problem(
                    str(registry.path),
                    line,
                    finding.feature,
                    _field_label(finding.path),
                    finding.message,
                    finding.severity,
                )
            )
        problems.sort(key=lambda p: p.line or 0)
        return problems


def _country(monument: Monument) -> str | None:
    """The object's country, as stored or implied by its stored region."""
    country = monument.properties.get("country")
    if isinstance(country, str):
        return country
    stored = monument.properties.get("region")
    return stored.split("-")[0] if isinstance(stored, str) else None


def _field_label(path: tuple[str | int, ...]) -> str | None:
    parts = list(path[2:])
    if parts[:1] == ["properties"]:
        parts = parts[1:]
    if not parts:
        return None
    label = ""
    for part in parts:
        label += f"[{part}]" if isinstance(part, int) else (f".{part}" if label else part)
    return label
