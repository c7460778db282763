"""What the Markdown and HTML report says, as a document (:mod:`symbols._markup` renders it):
title, summary, the counting rules in plain words, the table per period, the breakdowns, and one
line per removal and erection with its dates as written and its sources.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from . import dates
from ._markup import UNKNOWN, Block, Entry, event_text, place_in_region, plural
from ._periods import period_label, period_of
from .registry import Source
from .reports import Occurrence, Report, by_period, group_rows, groups

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
    rough_removed, rough_erected = report.rough_counts
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
    # The lists of removals and erections are made first: one pass over the occurrences (for
    # 100,000 objects, each pass is mostly waiting for memory) also tallies the breakdowns.
    by_region: Counter[tuple[str | None, int]] = Counter()
    by_kind: Counter[tuple[str | None, int]] = Counter()
    lists = []
    for items, empty, rough in (
        (report.of("removed"), "No removal is dated to a single period.", False),
        (report.of("erected"), "No erection is dated to a single period.", False),
        (report.rough, "None.", True),
    ):
        block, regions, kinds, columns = _entries(report, items, empty, rough)
        by_region.update(zip(regions, columns, strict=True))
        by_kind.update(zip(kinds, columns, strict=True))
        lists.append(block)
    breakdowns = [("region", group_rows(by_region)), ("kind", group_rows(by_kind))]
    if report.by == "subject":
        subjects = groups(report, lambda o: o.monument.prop("subject") or UNKNOWN)
        breakdowns.append(("subject", subjects))
    for name, rows_of_groups in breakdowns:
        doc.append(("h2", f"By {name}"))
        header = [name.capitalize(), "Removed", "Erected"]
        header += ["Removed, date rough", "Erected, date rough"]
        body = [
            [r.group, r.removed, r.erected, r.rough_removed, r.rough_erected]
            for r in rows_of_groups
        ]
        doc.append(("table", header, body) if body else ("p", "Nothing to count."))
    if report.by is not None:
        doc += _cross_tables(report)
    doc += [("h2", "Removals"), lists[0], ("h2", "New memorials (erections)"), lists[1]]
    doc.append(("h2", "Date known only roughly"))
    unit = report.freq
    doc.append(("p", f"Not counted in any {unit}: each date range spans more than one {unit}."))
    doc.append(lists[2])
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


def _entries(
    report: Report,
    items: list[Occurrence],
    empty: str,
    rough: bool,
) -> tuple[Block, list[str], list[str], list[int]]:
    """The list of ``items`` (a list of dated or of ``rough`` occurrences) as a block of entries
    made in registry order and shown in the order of ``items``; with, in the order made, each
    entry's region (as the breakdown by region labels it), kind (``other`` when it has none)
    and column of the breakdowns (removed, erected, removed rough, erected rough)."""
    if not items:
        return ("p", empty), [], [], []
    # One pass, no call per entry in the common case (150,000 entries for 100,000 objects):
    # the day ranges' texts cached.
    codes = {*report.regions.values(), None}
    short = {code: report.region_names.get(code, code) for code in codes}
    labels = {code: report.region_label(code) for code in codes}
    notes = {"removed": " removal", "erected": " erection"} if rough else {}
    first_column = 2 if rough else 0
    spans: dict[tuple[date, date], str] = {}
    new = tuple.__new__
    # the items' positions in registry order: entries are made in that order (symbols._markup)
    made = sorted(range(len(items)), key=[o.position for o in items].__getitem__)
    entries = []
    append = entries.append
    regions: list[str] = []
    kinds: list[str] = []
    columns: list[int] = []
    for o in map(items.__getitem__, made):
        earliest, latest, removed_or_erected, monument, transition, _, _ = o
        columns.append(first_column + (removed_or_erected == "erected"))
        ident = monument.id
        get = monument.properties.get
        place = get("place")
        code = report.regions.get(ident)
        regions.append(labels[code])
        where = place_in_region(place if isinstance(place, str) else None, short[code])
        change = transition.change
        if change.type == "sighting":
            how, sources = _seen(o)
        else:
            event = monument.events[change.index]
            how, sources = event_text(event), event.sources
        lead = spans.get((earliest, latest))
        if lead is None:
            lead = spans[earliest, latest] = dates.format_range(earliest, latest, "…")
        if change.doubtful:
            lead += "?"
        name = get("name")
        kind = get("kind")
        if not isinstance(kind, str) or not kind:
            kind = "other"
        kinds.append(kind)
        append(
            new(
                Entry,
                (
                    lead,
                    notes.get(removed_or_erected, ""),
                    name if isinstance(name, str) and name else ident,
                    ident,
                    where,
                    kind,
                    how,
                    sources,
                ),
            )
        )
    order = [0] * len(made)  # where each item's entry was made
    for position, index in enumerate(made):
        order[index] = position
    return ("entries", entries, order), regions, kinds, columns


def _selection(report: Report) -> str:
    freq = report.freq
    start = period_label(period_of(report.since, freq), freq) if report.since else "the first"
    end = period_label(period_of(report.until, freq), freq) if report.until else "the last"
    return f"{start} to {end}"


def _seen(o: Occurrence) -> tuple[str, list[Source]]:
    """A change that sightings bound: what was seen, with the sighting or event before it,
    dates as written, and the sources of both."""
    change = o.transition.change
    events = o.monument.events
    event = events[change.index]
    how = event_text(event)
    sources = list(event.sources)
    changes = o.monument.history.changes
    position = changes.index(change)
    if position > 0:
        before = changes[position - 1]
        seen = events[before.index]
        how += f"; before that {event_text(seen)}"
        sources += [s for s in seen.sources if s not in sources]
    return how, sources
