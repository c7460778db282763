"""What the Markdown and HTML report says, as a document (:mod:`symbols._markup` renders it):
title, summary, the counting rules in plain words, the table per period, the breakdowns, and one
line per removal and erection with its dates as written and its sources.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from . import dates
from ._markup import Block, Entry, plural
from ._periods import period_label, period_of
from .registry import Monument, Source
from .reports import UNKNOWN, Occurrence, Report, by_period, groups

QUIET_RUN = 3  # Markdown and HTML tables show this many empty periods in a row as one row

RULES: tuple[str, ...] = (
    "A removal is the first time an object goes from standing (or damaged) to gone: toppled, "
    "removed, relocated or renamed. Each object counts once: a monument toppled and later "
    "carted away counts when it was toppled.",
    "A removal's date is the date range of the event that recorded it. When nobody dated the "
    "change and only sightings bound it, the range runs from the day after the last sighting "
    "that saw the object still there to the first sighting that saw it gone.",
    "A removal is counted in a {freq} only when its whole date range lies inside that {freq}. "
    "The others are listed apart under \u201cdate known only roughly\u201d with their ranges; "
    "they are never dropped and never spread over several periods.",
    "New memorials (erections) are counted the same way in their own column. An object first "
    "recorded already standing has no erection date and is not counted as erected.",
    "A date marked uncertain (?) is counted like any other and flagged with ? in the lists.",
)


def title(report: Report) -> str:
    return f"Removals and new memorials: {report.name}"


def summary(report: Report) -> str:
    """A sentence or two with the totals."""
    unit = report.freq
    removed, erected = sum(report.removed), sum(report.erected)
    rough_removed = len(report.of("removed", rough=True))
    rough_erected = len(report.of("erected", rough=True))
    where = f"{report.name} ({plural(report.objects, 'object')})"
    if report.periods and (removed or erected):
        first, last = report.labels[0], report.labels[-1]
        stretch = f"in {first}" if first == last else f"from {first} to {last}"
        text = (
            f"{where}: {plural(removed, 'removal')} and {plural(erected, 'erection')} "
            f"(new memorials) dated to a single {unit}, {stretch}."
        )
    else:
        text = f"{where}: no removal or erection is dated to a single {unit}"
        text += " in the selected periods." if report.since or report.until else "."
    if rough_removed or rough_erected:
        text += (
            f" {plural(rough_removed, 'more removal')} and "
            f"{plural(rough_erected, 'more erection')} "
            "have a date known only roughly (listed at the end)."
        )
    if report.since or report.until:
        text += f" Periods selected: {_selection(report)}."
    return text


def rules(report: Report) -> list[str]:
    return [rule.replace("{freq}", report.freq) for rule in RULES]


def document(report: Report) -> list[Block]:
    """The Markdown and HTML report as blocks."""
    doc: list[Block] = [("h1", title(report)), ("p", summary(report))]
    doc += [("h2", "How this report counts"), ("ul", rules(report))]
    doc.append(("h2", f"Per {report.freq}"))
    rows = _period_rows(report)
    header = ["Period", "Removed", "Erected", "Removed, cumulative", "Erected, cumulative"]
    doc.append(("table", header, rows) if rows else ("p", "Nothing to count."))
    if len(rows) < len(report.periods):
        doc.append(
            (
                "p",
                f"Runs of {QUIET_RUN} or more {report.freq}s with nothing counted are "
                "one row here; the CSV report has every period.",
            )
        )
    doc.append(("charts",))
    region_of = _region_labels(report)
    breakdowns: list[tuple[str, Callable[[Occurrence], str | None]]] = [
        ("region", lambda o: region_of[o.monument.id]),
        ("kind", lambda o: _kind(o.monument)),
    ]
    if report.by == "subject":
        breakdowns.append(("subject", lambda o: o.monument.prop("subject") or UNKNOWN))
    for name, key in breakdowns:
        doc.append(("h2", f"By {name}"))
        header = [name.capitalize(), "Removed", "Erected"]
        header += ["Removed, date rough", "Erected, date rough"]
        body = [
            [r.group, r.removed, r.erected, r.rough_removed, r.rough_erected]
            for r in groups(report, key)
        ]
        doc.append(("table", header, body) if body else ("p", "Nothing to count."))
    if report.by is not None:
        doc += _cross_tables(report)
    doc.append(("h2", "Removals"))
    doc.append(_entries(report, report.of("removed"), "No removal is dated to a single period."))
    doc.append(("h2", "New memorials (erections)"))
    doc.append(_entries(report, report.of("erected"), "No erection is dated to a single period."))
    doc.append(("h2", "Date known only roughly"))
    unit = report.freq
    doc.append(("p", f"Not counted in any {unit}: each date range spans more than one {unit}."))
    doc.append(_entries(report, report.rough, "None.", what=True))
    return doc


def _period_rows(report: Report) -> list[list]:  # type: ignore[type-arg]
    """Label, removed, erected and both running totals per period; a run of QUIET_RUN or more
    periods with nothing counted becomes one row labelled ``first..last``."""
    rows: list[list] = []  # type: ignore[type-arg]
    quiet: list[str] = []
    total_removed = total_erected = 0

    def flush() -> None:
        if len(quiet) >= QUIET_RUN:
            rows.append([f"{quiet[0]}..{quiet[-1]}", 0, 0, total_removed, total_erected])
        else:
            rows.extend([label, 0, 0, total_removed, total_erected] for label in quiet)
        quiet.clear()

    for label, removed, erected in zip(report.labels, report.removed, report.erected, strict=True):
        if not removed and not erected:
            quiet.append(label)
            continue
        flush()
        total_removed += removed
        total_erected += erected
        rows.append([label, removed, erected, total_removed, total_erected])
    flush()
    return rows


def _cross_tables(report: Report) -> list[Block]:
    names, cells = by_period(report)
    label = report.region_label if report.by == "region" else (lambda g: g or UNKNOWN)
    blocks: list[Block] = []
    for index, what in enumerate(("Removals", "Erections")):
        if what == "Erections" and not sum(report.erected):
            continue
        blocks.append(("h2", f"{what} per {report.freq} by {report.by}"))
        rows = [
            [period_label(p, report.freq), *(cells.get((g, p), (0, 0))[index] for g in names)]
            for p in report.periods
        ]
        header = ["Period", *(label(g) for g in names)]
        blocks.append(("table", header, rows) if rows and names else ("p", "Nothing to count."))
    return blocks


def _region_labels(report: Report) -> dict[str, str]:
    labels = {code: report.region_label(code) for code in set(report.regions.values())}
    return {m: labels[code] for m, code in report.regions.items()}


def _entries(report: Report, items: list[Occurrence], empty: str, what: bool = False) -> Block:
    if not items:
        return ("p", empty)
    short = {code: report.region_names.get(code, code) for code in set(report.regions.values())}
    regions = report.regions
    notes = {"removed": " removal", "erected": " erection"} if what else {}
    spans: dict[tuple[date, date], str] = {}
    entries = []
    append = entries.append
    for o in items:
        monument = o.monument
        props = monument.properties
        place = props.get("place")
        if not isinstance(place, str):
            place = None
        region = short.get(regions.get(monument.id))
        where = (
            f"{place}, {region}" if place and region and region != place else place or region or ""
        )
        how, sources = describe(o)
        lead = spans.get((o.earliest, o.latest))
        if lead is None:
            lead = spans[o.earliest, o.latest] = span(o.earliest, o.latest)
        if o.transition.change.doubtful:
            lead += "?"
        name = props.get("name")
        append(
            Entry(
                lead,
                notes.get(o.what, ""),
                name if isinstance(name, str) and name else monument.id,
                monument.id,
                where,
                _kind(monument),
                how,
                sources,
            )
        )
    return ("entries", entries)


def _kind(monument: Monument) -> str:
    kind = monument.properties.get("kind")
    return kind if isinstance(kind, str) and kind else "other"


def _selection(report: Report) -> str:
    freq = report.freq
    start = period_label(period_of(report.since, freq), freq) if report.since else "the first"
    end = period_label(period_of(report.until, freq), freq) if report.until else "the last"
    return f"{start} to {end}"


def span(earliest: date, latest: date) -> str:
    """``2024-02-12``, or ``2024-01-01..2024-03-31`` with an open end shown as ``…``.
    (:func:`symbols.dates.format_range` leaves an open end empty; the report shows ``…``.)"""
    if earliest == latest:
        return earliest.isoformat()
    start = "…" if earliest == dates.MIN_DAY else earliest.isoformat()
    end = "…" if latest == dates.MAX_DAY else latest.isoformat()
    return f"{start}..{end}"


def describe(o: Occurrence) -> tuple[str, list[Source]]:
    """What happened, with dates as written, and its sources: ``toppled, dated 2022-01-05``.
    A change bounded by sightings also names the sighting or event before it, and cites both."""
    change = o.transition.change
    events = o.monument.events
    event = events[change.index]
    if change.type != "sighting":
        return f"{change.type}, dated {event.date}", event.sources
    how = f"seen {change.status}, dated {event.date}"
    sources = list(event.sources)
    changes = o.monument.history.changes
    position = changes.index(change)
    if position > 0:
        before = changes[position - 1]
        seen = events[before.index]
        verb = f"seen {before.status}" if before.type == "sighting" else before.type
        how += f"; before that {verb}, dated {seen.date}"
        sources += [s for s in seen.sources if s not in sources]
    return how, sources
