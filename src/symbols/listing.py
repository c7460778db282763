"""Status listings: every object's status on a date, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .registry import Registry, load, paused_collector
from .timeline import listing

COLUMNS = ("id", "status", "certain", "since", "kind", "place", "region", "name")


@dataclass(frozen=True)
class StatusRow:
    id: str
    status: str
    certain: bool
    since: str  # the date, as written, of the event that led to the status
    kind: str
    place: str
    region: str
    name: str


def run(registry: Path, day: date, fmt: str, keep: list[Any] | None = None) -> str:
    """Load ``registry`` and list each object's status on ``day`` as ``fmt`` (table, csv, json).
    Loading, listing and rendering make objects for every feature: the collector is paused.
    ``keep``: see :func:`symbols.reports.run`."""
    with paused_collector():
        loaded = load(registry)
        if keep is not None:
            keep.append(loaded)
        return render(status_rows(loaded, day), fmt, day)


def status_rows(registry: Registry, day: date) -> list[StatusRow]:
    """One row per object listed on ``day`` (see :mod:`symbols.timeline`), in file order."""
    regions = registry.regions_or_countries
    return [
        StatusRow(
            id=monument.id,
            status=status.status,
            certain=status.certain,
            since=monument.events[status.event].date,
            kind=monument.kind,
            place=monument.prop("place") or "",
            region=regions.get(monument.id) or "",
            name=monument.name,
        )
        for monument, status in listing(registry.features, day)
    ]


def render(rows: list[StatusRow], fmt: str, day: date) -> str:
    if fmt == "csv":
        return _csv(rows)
    if fmt == "json":
        payload = {"as_of": day.isoformat(), "objects": [asdict(row) for row in rows]}
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    return _table(rows, day)


def _csv(rows: list[StatusRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = asdict(row)
        values["certain"] = "true" if row.certain else "false"
        writer.writerow([values[column] for column in COLUMNS])
    return out.getvalue()


def _table(rows: list[StatusRow], day: date) -> str:
    header = ("ID", "STATUS", "SINCE", "PLACE", "NAME")
    body = [
        (
            row.id,
            row.status + ("" if row.certain else "?"),
            row.since,
            row.place,
            row.name,
        )
        for row in rows
    ]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header[:-1])]
    lines = []
    for values in [header, *body]:
        cells = [value.ljust(width) for value, width in zip(values[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, values[-1]]).rstrip())
    uncertain = sum(not row.certain for row in rows)
    footer = f"{len(rows)} objects listed as of {day.isoformat()}"
    if uncertain:
        footer += f"; {uncertain} uncertain (marked ?: a change may or may not have happened yet)"
    return "\n".join([*lines, "", footer]) + "\n"
