"""``symbols changes``: the events recorded after a date, for a newsletter or a correction log.

An event's record date is its ``recorded`` field (EDTF) when present, else the latest
``published`` date among its sources, else its own date; of a range, the last day counts.
:func:`changes` lists them, :func:`render_changes` writes them as a Markdown list or CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import dates
from ._markup import Block, Entry, event_text, markdown, place_in_region, plural, region_names
from .errors import Problem, RegistryError, ReportError, SymbolsError
from .registry import Monument, Registry, load, paused_collector


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event with the day it was recorded and on what grounds."""

    day: date  # the last day of the recorded range
    recorded: str  # as written
    basis: str  # "recorded", "published" or "event date"
    monument: Monument
    index: int  # the event's position in the object's events


def run(
    registry: Path,
    since: date,
    until: date | None = None,
    fmt: str = "md",
    keep: list[Any] | None = None,
) -> str:
    """Load ``registry`` and list the events recorded after ``since`` as ``fmt`` (md, csv),
    with the collector paused (see :func:`symbols.registry.paused_collector`). ``keep``: see
    :func:`symbols.reports.run`."""
    with paused_collector():
        loaded = load(registry)
        if keep is not None:
            keep.append(loaded)
        rows = changes(loaded, since, until)
        return render_changes(rows, fmt, since, loaded.regions_or_countries)


def changes(registry: Registry, since: date, until: date | None = None) -> list[Recorded]:
    """Events recorded after ``since`` (and on or before ``until``), oldest record first.

    An event's record date is its ``recorded`` field (EDTF) when present, else the latest
    ``published`` date among its sources, else its own date; of a range, the last day counts
    (of a range open at the end, its first).
    """
    if until is not None and since > until:
        raise ReportError(f"--since {since} is after --until {until}")
    found = []
    for monument in registry.features:
        raw_events = monument.properties.get("events")
        for index, event in enumerate(monument.events):
            raw = raw_events[index] if isinstance(raw_events, list) else None
            entry = _recorded(registry, monument, index, raw, event)
            if entry and entry.day > since and (until is None or entry.day <= until):
                found.append(entry)
    found.sort(key=lambda r: (r.day, r.monument.id, r.index))
    return found


def _recorded(registry: Registry, monument: Monument, index: int, raw, event) -> Recorded | None:  # type: ignore[no-untyped-def]
    text = raw.get("recorded") if isinstance(raw, dict) else None
    if text is not None:
        try:
            when = dates.parse(text)
        except SymbolsError as error:
            field_name = f"events[{index}].recorded"
            raise RegistryError(
                Problem(str(registry.path), None, monument.id, field_name, str(error))
            ) from None
        return Recorded(_last_day(when), text, "recorded", monument, index)
    published: list[tuple[date, str]] = []
    for source in event.sources:
        if source.published:
            try:
                published.append((_last_day(dates.parse(source.published)), source.published))
            except SymbolsError:
                continue
    if published:
        day, text = max(published)
        return Recorded(day, text, "published", monument, index)
    if event.when is None:
        return None
    return Recorded(_last_day(event.when), event.date, "event date", monument, index)


def _last_day(when: dates.DateRange) -> date:
    """The day a range counts as recorded on: its last, or its first when it has no end (an
    open ``2022/..`` would otherwise be recorded in the year 9999, after every --since)."""
    return when.latest if when.latest != dates.MAX_DAY else when.earliest


def render_changes(
    rows: list[Recorded], fmt: str, since: date, regions: dict[str, str | None]
) -> str:
    """The recorded events as a Markdown list or CSV; ``regions``: each object's region, or
    country abroad (``Registry.regions_or_countries``)."""
    if fmt == "csv":
        return _changes_csv(rows, regions)
    if fmt == "md":
        names = region_names()
        return _changes_markdown(rows, since, {k: names.get(v, v) for k, v in regions.items() if v})
    raise ReportError(f"unknown format {fmt!r}; use md or csv")


CHANGES_COLUMNS = (
    "recorded",
    "recorded_as",
    "basis",
    "id",
    "name",
    "place",
    "region",
    "event",
    "date",
    "status",
    "sources",
)
RECORDED_RULE = (
    "An event counts as recorded on its \u201crecorded\u201d date when it has one, else on the "
    "latest publication date among its sources, else on its own date; of a date range, the "
    "last day counts."
)


def _changes_csv(rows: list[Recorded], regions: dict[str, str | None]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHANGES_COLUMNS)
    for rec in rows:
        m = rec.monument
        event = m.events[rec.index]
        writer.writerow(
            [
                rec.day.isoformat(),
                rec.recorded,
                rec.basis,
                m.id,
                m.name,
                m.prop("place") or "",
                regions.get(m.id) or "",
                event.type,
                event.date,
                event.status or "",
                " ".join(s.url for s in event.sources if s.url),
            ]
        )
    return out.getvalue()


def _changes_markdown(rows: list[Recorded], since: date, regions: dict[str, str | None]) -> str:
    doc: list[Block] = [
        ("h1", f"Events recorded after {since.isoformat()}"),
        ("p", f"{plural(len(rows), 'event')}, oldest record first. {RECORDED_RULE}"),
    ]
    entries = []
    for rec in rows:
        m = rec.monument
        entries.append(
            Entry(
                rec.day.isoformat(),
                f" ({rec.basis} {rec.recorded})",
                m.name,
                m.id,
                place_in_region(m.prop("place"), regions.get(m.id)),
                m.kind,
                event_text(rec.monument.events[rec.index]),
                m.events[rec.index].sources,
            )
        )
    if entries:
        doc.append(("entries", entries))
    return markdown(doc, None)
