"""Removal-over-time reports: how many symbols came down and went up, when, where, of which kind.

Counting uses the one rule set in :mod:`symbols.timeline`: an object's removal is
``History.removal()`` (its first change from standing or damaged to toppled, removed, relocated
or renamed, counted once) and its erection is ``History.erection()``. Each has a day range. A
removal or erection is counted in a period (month, quarter, year) only when its whole range lies
in that period; the others are listed apart as "date known only roughly", never dropped or
spread. :data:`RULES` says this in plain words inside every report; ``docs/reports.md`` has more.

:func:`build_report` counts; :func:`render` gives Markdown, CSV or HTML text; :func:`write_report`
writes one report (with its charts beside a Markdown file); :func:`write_reports` writes all
three for ``symbols build``. :func:`changes` lists the events recorded after a date.
"""

from __future__ import annotations

import base64
import calendar
import contextlib
import csv
import gc
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from html import escape
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from . import dates
from .errors import Problem, RegistryError, SymbolsError
from .registry import Monument, Registry, Source
from .timeline import Transition

FREQS: tuple[str, ...] = ("month", "quarter", "year")
FORMATS: tuple[str, ...] = ("md", "csv", "html")
GROUPINGS: tuple[str, ...] = ("region", "kind", "subject")
CHARTS: tuple[str, ...] = ("cumulative", "per-period")
UNKNOWN = "(unknown)"
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


class ReportError(SymbolsError):
    """Report options that cannot work together."""


# ---------------------------------------------------------------------------------- periods


def period_of(day: date, freq: str) -> int:
    """The number of the period (month, quarter or year) that contains ``day``."""
    if freq == "month":
        return day.year * 12 + day.month - 1
    if freq == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return day.year


def period_label(period: int, freq: str) -> str:
    """``2024-02`` (month), ``2024-Q1`` (quarter), ``2024`` (year)."""
    if freq == "month":
        return f"{period // 12:04d}-{period % 12 + 1:02d}"
    if freq == "quarter":
        return f"{period // 4:04d}-Q{period % 4 + 1}"
    return f"{period:04d}"


def period_start(period: int, freq: str) -> date:
    if freq == "month":
        return date(period // 12, period % 12 + 1, 1)
    if freq == "quarter":
        return date(period // 4, (period % 4) * 3 + 1, 1)
    return date(period, 1, 1)


def period_end(period: int, freq: str) -> date:
    start = period_start(period, freq)
    month = {"month": start.month, "quarter": start.month + 2}.get(freq, 12)
    return date(start.year, month, calendar.monthrange(start.year, month)[1])


# --------------------------------------------------------------------------------- counting


class Occurrence(NamedTuple):
    """One object's removal or erection, with its day range and (if counted) its period."""

    earliest: date
    latest: date
    what: str  # "removed" or "erected"
    monument: Monument
    transition: Transition
    period: int | None  # the period holding the whole range, else None (date known roughly)


@dataclass
class Report:
    """Counts per period (zero-filled, oldest first) and the occurrences behind them."""

    name: str  # the registry's file name
    objects: int
    freq: str
    since: date | None
    until: date | None
    by: str | None
    periods: list[int]
    removed: list[int]
    erected: list[int]
    counted: list[Occurrence]  # counted in one of ``periods``, by date
    rough: list[Occurrence]  # date known only roughly, overlapping the selected periods
    group_of: dict[str, str | None] = field(default_factory=dict)  # object id -> --by group
    regions: dict[str, str | None] = field(default_factory=dict)  # object id -> region code
    region_names: dict[str, str] = field(default_factory=dict)  # region code -> English name
    # regions: a country code (no "-") stands for an object in a country without region data

    @property
    def labels(self) -> list[str]:
        return [period_label(p, self.freq) for p in self.periods]

    def of(self, what: str, rough: bool = False) -> list[Occurrence]:
        return [o for o in (self.rough if rough else self.counted) if o.what == what]

    def region_label(self, code: str | None) -> str:
        if not code:
            return UNKNOWN
        name = self.region_names.get(code)
        if name:
            return f"{name} ({code})"
        return code if "-" in code else f"{code} (country)"


def occurrences(registry: Iterable[Monument], freq: str) -> list[Occurrence]:
    """Every object's removal and erection (by the timeline rules), in registry order."""
    found = []
    append = found.append
    for monument in registry:
        history = monument.history
        for what, transition in (("removed", history.removal()), ("erected", history.erection())):
            if transition is None:
                continue
            earliest, latest = transition.earliest, transition.latest
            first = period_of(earliest, freq)
            period = first if first == period_of(latest, freq) else None
            append(Occurrence(earliest, latest, what, monument, transition, period))
    return found


def build_report(
    registry: Registry,
    freq: str = "month",
    since: date | None = None,
    until: date | None = None,
    by: str | None = None,
    details: bool = True,
) -> Report:
    """Count removals and erections per period.

    ``since``/``until`` select whole periods: those that end on or after ``since`` and start on
    or before ``until``. Rows run from the first to the last period with a counted removal or
    erection, or from ``since``'s and to ``until``'s period when given, zero-filled. ``details``
    False skips what only Markdown and HTML show (region names).
    """
    if freq not in FREQS:
        raise ReportError(f"unknown frequency {freq!r}; use one of {', '.join(FREQS)}")
    if by is not None and by not in GROUPINGS:
        raise ReportError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")
    if since and until and since > until:
        raise ReportError(f"--since {since} is after --until {until}")
    low = period_of(since, freq) if since else None
    high = period_of(until, freq) if until else None
    found = occurrences(registry.features, freq)

    def selected(period: int) -> bool:
        return (low is None or period >= low) and (high is None or period <= high)

    counted = [o for o in found if o.period is not None and selected(o.period)]
    counted.sort(key=itemgetter(0, 1))  # oldest first; ties stay in registry order
    window_start = period_start(low, freq) if low is not None else dates.MIN_DAY
    window_end = period_end(high, freq) if high is not None else dates.MAX_DAY
    rough = [
        o
        for o in found
        if o.period is None and o.earliest <= window_end and o.latest >= window_start
    ]
    rough.sort(key=lambda o: (o.what == "erected", o.earliest, o.latest))

    used = [o.period for o in counted if o.period is not None]
    first = low if low is not None else min(used, default=high)
    last = high if high is not None else max(used, default=low)
    periods = list(range(first, last + 1)) if first is not None and last is not None else []
    tally = Counter((o.what, o.period) for o in counted)
    report = Report(
        name=registry.path.name,
        objects=len(registry),
        freq=freq,
        since=since,
        until=until,
        by=by,
        periods=periods,
        removed=[tally["removed", p] for p in periods],
        erected=[tally["erected", p] for p in periods],
        counted=counted,
        rough=rough,
    )
    if details or by == "region":
        report.regions = _regions(registry)
    if details:
        report.region_names = _region_names()
    if by is not None:
        key = _group_key(report, by)
        report.group_of = {o.monument.id: key(o.monument) for o in (*counted, *rough)}
    return report


def _group_key(report: Report, by: str) -> Callable[[Monument], str | None]:
    if by == "region":
        return lambda m: report.regions.get(m.id)
    if by == "kind":
        return lambda m: m.kind
    return lambda m: m.prop("subject")


def _regions(registry: Registry) -> dict[str, str | None]:
    """Each object's region code; for a country whose regions are not known, its country
    code (``JO``), so that objects abroad are not lumped together as unknown."""
    regions = registry.regions
    result = {}
    for monument in registry.features:
        code = regions.get(monument.id)
        if not code:
            country = monument.properties.get("country")
            code = country if isinstance(country, str) and country else None
        result[monument.id] = code
    return result


def _region_names() -> dict[str, str]:
    from . import geo

    return {code: region.name_en for code, region in geo.regions().items() if region.name_en}


def groups(report: Report, key: Callable[[Occurrence], str | None]) -> list[GroupRow]:
    """Totals per group (counted and roughly dated, removals and erections), most removed
    first."""
    tally: Counter[tuple[str | None, int]] = Counter()
    for offset, items in ((0, report.counted), (2, report.rough)):
        tally.update((key(o), offset + (o.what == "erected")) for o in items)
    names = {group for group, _ in tally}
    result = [GroupRow(g, *(tally[g, column] for column in range(4))) for g in names]
    result.sort(key=lambda r: (-r.removed, -r.erected, -r.rough_removed, r.group is None, r.group))
    return result


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: str | None
    removed: int
    erected: int
    rough_removed: int
    rough_erected: int


def by_period(report: Report) -> tuple[list[str | None], dict[tuple[str | None, int], list[int]]]:
    """The ``--by`` groups (sorted, unknown last) and [removed, erected] per (group, period)."""
    cells: dict[tuple[str | None, int], list[int]] = {}
    names: set[str | None] = set()
    for o in report.counted:
        group = report.group_of.get(o.monument.id)
        names.add(group)
        assert o.period is not None
        cells.setdefault((group, o.period), [0, 0])[o.what == "erected"] += 1
    return sorted(names, key=lambda g: (g is None, g or "")), cells


# ---------------------------------------------------------------------------------- output
#
# Markdown and HTML are rendered from one small document model, so that both say the same
# things and every registry text goes through one escaping function per format. Blocks:
# ("h1"|"h2", text) ("p", text) ("ul", [text]) ("table", header, rows) ("charts",)
# ("entries", [Entry]). Texts are plain (escaped when rendered); table rows are a label and
# numbers.

Block = tuple


class Entry(NamedTuple):
    """One line of a list of removals, erections or recorded events."""

    lead: str  # shown first, in bold: the date range or day
    note: str  # right after the lead
    name: str
    id: str
    place: str
    kind: str
    how: str  # what happened, with dates as written
    sources: list[Source]


def render(report: Report, fmt: str, chart_stem: str | None = None) -> str:
    """The report as text. Markdown shows the charts written beside it as ``chart_stem``-*.png
    (without a stem it says how to get them); HTML embeds them, drawing them here."""
    if fmt == "csv":
        return render_csv(report)
    if fmt == "md":
        return _markdown(document(report), chart_stem)
    if fmt == "html":
        return _html(document(report), title(report), draw_charts(report, ("svg",)))
    raise ReportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_csv(report: Report) -> str:
    """``period,removed,erected``; with ``--by``, a long table ``period,GROUP,removed,erected``
    (plus ``region_name`` for regions): one row per period and group, zero-filled."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    labels = report.labels
    if report.by is None:
        writer.writerow(["period", "removed", "erected"])
        writer.writerows(zip(labels, report.removed, report.erected, strict=True))
        return out.getvalue()
    names, cells = by_period(report)
    region = report.by == "region"
    writer.writerow(
        ["period", report.by, *(["region_name"] if region else []), "removed", "erected"]
    )
    for period, label in zip(report.periods, labels, strict=True):
        for group in names:
            removed, erected = cells.get((group, period), (0, 0))
            name = [report.region_names.get(group or "", "")] if region else []
            writer.writerow([label, group or "", *name, removed, erected])
    return out.getvalue()


def chart_names(stem: str) -> dict[str, str]:
    """Chart file names beside a report called ``stem``.md: ``{stem}-cumulative.svg`` etc."""
    return {f"{c}.{ext}": f"{stem}-{c}.{ext}" for c in CHARTS for ext in ("svg", "png")}


def draw_charts(report: Report, formats: tuple[str, ...] = ("svg", "png")) -> dict[str, bytes]:
    """``cumulative.svg``, ``cumulative.png``, ``per-period.svg``, ``per-period.png`` (those of
    ``formats``)."""
    from . import _charts

    rough_removed = len(report.of("removed", rough=True))
    rough_erected = len(report.of("erected", rough=True))
    note = ""
    if rough_removed or rough_erected:
        note = (
            f"Not shown: {_n(rough_removed, 'removal')} and {_n(rough_erected, 'erection')} "
            f"whose date is known only roughly (listed in the report)."
        )
    return _charts.draw(
        report.periods, report.labels, report.removed, report.erected, report.freq, note, formats
    )


def write_report(report: Report, fmt: str, out: Path) -> list[Path]:
    """Write the report to ``out`` (Markdown: its four charts beside it); return the paths.
    Everything is rendered before anything is written."""
    out = Path(out)
    if fmt == "md":
        names = chart_names(out.stem)
        files = {out: render(report, "md", out.stem).encode("utf-8")}
        files.update({out.with_name(names[k]): v for k, v in draw_charts(report).items()})
    else:
        files = {out: render(report, fmt).encode("utf-8")}
    for path, data in files.items():
        write_atomic(path, data)
    return list(files)


def write_reports(registry: Registry, out_dir: Path) -> list[Path]:
    """report.md, report.csv and report.html (then the four chart files that report.md shows)
    in ``out_dir``, for ``symbols build``: monthly, every period. Returns the paths written."""
    out_dir = Path(out_dir)
    with quick():
        report = build_report(registry)
        charts = draw_charts(report)
        doc = document(report)
        names = chart_names("report")
        files = {
            out_dir / "report.md": _markdown(doc, "report").encode("utf-8"),
            out_dir / "report.csv": render_csv(report).encode("utf-8"),
            out_dir / "report.html": _html(doc, title(report), charts).encode("utf-8"),
            **{out_dir / names[key]: data for key, data in charts.items()},
        }
        del doc, report
    for path, data in files.items():
        write_atomic(path, data)
    return list(files)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place: readers see
    the old file or the new one, never a part."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(name, 0o644)
            os.replace(name, path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error.strerror or error}") from None


@contextlib.contextmanager
def quick() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading and counting 100,000 objects allocates
    millions of acyclic ones, and repeated collections would triple the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ----------------------------------------------------------------------------- the document


def title(report: Report) -> str:
    return f"Removals and new memorials: {report.name}"


def summary(report: Report) -> str:
    """A sentence or two with the totals."""
    unit = report.freq
    removed, erected = sum(report.removed), sum(report.erected)
    rough_removed = len(report.of("removed", rough=True))
    rough_erected = len(report.of("erected", rough=True))
    where = f"{report.name} ({_n(report.objects, 'object')})"
    if report.periods and (removed or erected):
        first, last = report.labels[0], report.labels[-1]
        stretch = f"in {first}" if first == last else f"from {first} to {last}"
        text = (
            f"{where}: {_n(removed, 'removal')} and {_n(erected, 'erection')} "
            f"(new memorials) dated to a single {unit}, {stretch}."
        )
    else:
        text = f"{where}: no removal or erection is dated to a single {unit}"
        text += " in the selected periods." if report.since or report.until else "."
    if rough_removed or rough_erected:
        text += (
            f" {_n(rough_removed, 'more removal')} and {_n(rough_erected, 'more erection')} "
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


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _source_label(source: Source, host: str | None) -> str:
    label = source.publisher or host or source.url or "source"
    return f"{label}, {source.published}" if source.published else label


# Markdown

_MD_SPECIAL_CHARS = "\\`*_[]<>|&#~"
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|&#~\r\n]")
_MD_TABLE = str.maketrans({c: "\\" + c for c in _MD_SPECIAL_CHARS} | {"\n": " ", "\r": " "})
_MD_URL = str.maketrans({"\\": "%5C", "<": "%3C", ">": "%3E", " ": "%20", "\n": "", "\r": ""})
_MD_URL_SPECIAL = re.compile(r"[\\<> \r\n]")
_CHART_ALT = {
    "cumulative": "Removals and new memorials so far",
    "per-period": "Removals and new memorials per period",
}


def md_escape(text: str) -> str:
    """Registry text made inert in Markdown: no markup, no raw HTML, no table breaks."""
    if _MD_SPECIAL.search(text) is None:
        return text
    return text.translate(_MD_TABLE)


def _md_url(url: str) -> str:
    return url.translate(_MD_URL) if _MD_URL_SPECIAL.search(url) else url


def _md_link(text: str, url: str) -> str:
    return f"[{md_escape(text)}](<{_md_url(url)}>)"


def _md_entry(e: Entry) -> str:
    lead, note, name, ident, place, kind, how, _ = e
    if _MD_SPECIAL.search(f"{lead}{note}{name}{ident}{place}{kind}{how}"):
        lead, note, name, ident, place, kind, how = map(
            md_escape, (lead, note, name, ident, place, kind, how)
        )
    text = f"- **{lead}**{note} \u00b7 **{name}** ({ident})"
    if place:
        text += f", {place}"
    if kind:
        text += f" \u00b7 {kind}"
    return f"{text} \u00b7 {how}{_sources(e.sources, md_escape, _md_link)}"


def _sources(
    sources: list[Source], esc: Callable[[str], str], link: Callable[[str, str], str]
) -> str:
    if not sources:
        return " \u00b7 no source"
    links = []
    for source in sources:
        url, host = _web(source.url)
        label = _source_label(source, host)
        item = link(label, url) if url else esc(label)
        if source.archived:
            archived = _web(source.archived)[0]
            if archived:
                item += f" ({link('archived', archived)})"
        links.append(item)
    return " \u00b7 sources: " + "; ".join(links)


def _markdown(doc: list[Block], chart_stem: str | None) -> str:
    out: list[str] = []
    for block in doc:
        kind = block[0]
        if kind == "h1":
            out += [f"# {md_escape(block[1])}", ""]
        elif kind == "h2":
            out += [f"## {md_escape(block[1])}", ""]
        elif kind == "p":
            out += [md_escape(block[1]), ""]
        elif kind == "ul":
            out += [f"- {md_escape(item)}" for item in block[1]]
            out.append("")
        elif kind == "entries":
            out += [_md_entry(entry) for entry in block[1]]
            out.append("")
        elif kind == "table":
            header, rows = block[1], block[2]
            out.append("| " + " | ".join(md_escape(h) for h in header) + " |")
            out.append("| --- |" + " ---: |" * (len(header) - 1))
            for row in rows:
                cells = [md_escape(row[0]), *(str(c) for c in row[1:])]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif kind == "charts":
            if chart_stem is None:
                out += ["Charts are drawn when the report is written to a file (`--out`).", ""]
                continue
            names = chart_names(chart_stem)
            for chart, alt in _CHART_ALT.items():
                png, svg = quote(names[f"{chart}.png"]), quote(names[f"{chart}.svg"])
                out += [f"![{alt}]({png})", "", f"[{alt} (SVG)]({svg})", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# HTML

_STYLE = (
    'body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:62rem;margin:2rem auto;'
    "padding:0 1rem;line-height:1.45;color:#222}"
    "table{border-collapse:collapse;margin:0.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:0.2rem 0.6rem}td.n{text-align:right}"
    "th{background:#f2f2f2;text-align:left}li{margin:0.2rem 0}"
    "figure{margin:1rem 0}figure img{max-width:100%;height:auto}"
)
_HTML_SPECIAL = re.compile("[&<>\"']")
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _html_link(text: str, url: str) -> str:
    return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(text)}</a>'


def _html_entry(e: Entry) -> str:
    lead, note, name, ident, place, kind, how, _ = e
    if _HTML_SPECIAL.search(f"{lead}{note}{name}{ident}{place}{kind}{how}"):
        lead, note, name, ident, place, kind, how = map(
            escape, (lead, note, name, ident, place, kind, how)
        )
    text = (
        f"<li><strong>{lead}</strong>{note} \u00b7 <strong>{name}</strong> (<code>{ident}</code>)"
    )
    if place:
        text += f", {place}"
    if kind:
        text += f" \u00b7 {kind}"
    return f"{text} \u00b7 {how}{_sources(e.sources, escape, _html_link)}</li>"


def _html(doc: list[Block], page_title: str, charts: dict[str, bytes] | None) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(page_title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
    ]
    for block in doc:
        kind = block[0]
        if kind in ("h1", "h2"):
            out.append(f"<{kind}>{escape(block[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{escape(block[1])}</p>")
        elif kind == "ul":
            out += ["<ul>", *(f"<li>{escape(item)}</li>" for item in block[1]), "</ul>"]
        elif kind == "entries":
            out += ["<ul>", *(_html_entry(entry) for entry in block[1]), "</ul>"]
        elif kind == "table":
            header, rows = block[1], block[2]
            out.append("<table>")
            out.append("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>")
            for row in rows:
                cells = "".join(f'<td class="n">{c}</td>' for c in row[1:])
                out.append(f"<tr><td>{escape(row[0])}</td>{cells}</tr>")
            out.append("</table>")
        elif kind == "charts" and charts is not None:
            for chart, alt in _CHART_ALT.items():
                data = base64.b64encode(charts[f"{chart}.svg"]).decode("ascii")
                out.append(
                    f'<figure><img alt="{escape(alt)}" '
                    f'src="data:image/svg+xml;base64,{data}"></figure>'
                )
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- shared text helpers

_WEB_URL = re.compile(r"https?://([^/?#\s\\]+)", re.IGNORECASE)


def _web(url: str | None) -> tuple[str | None, str | None]:
    """(url, host) when ``url`` is an http(s) URL with a host, else (None, None)."""
    if not url:
        return None, None
    url = url.strip()
    match = _WEB_URL.match(url)
    return (url, match.group(1)) if match else (None, None)


def web_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL with a host, else None (never a javascript: link)."""
    return _web(url)[0]


def span(earliest: date, latest: date) -> str:
    """``2024-02-12``, or ``2024-01-01..2024-03-31`` with an open end shown as ``…``."""
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


# ---------------------------------------------------------------------------------- changes


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event with the day it was recorded and on what grounds."""

    day: date  # the last day of the recorded range
    recorded: str  # as written
    basis: str  # "recorded", "published" or "event date"
    monument: Monument
    index: int  # the event's position in the object's events


def changes(registry: Registry, since: date, until: date | None = None) -> list[Recorded]:
    """Events recorded after ``since`` (and on or before ``until``), oldest record first.

    An event's record date is its ``recorded`` field (EDTF) when present, else the latest
    ``published`` date among its sources, else its own date; of a range, the last day counts.
    """
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
        return Recorded(when.latest, text, "recorded", monument, index)
    published: list[tuple[date, str]] = []
    for source in event.sources:
        if source.published:
            try:
                published.append((dates.parse(source.published).latest, source.published))
            except SymbolsError:
                continue
    if published:
        day, text = max(published)
        return Recorded(day, text, "published", monument, index)
    if event.when is None:
        return None
    return Recorded(event.when.latest, event.date, "event date", monument, index)


def render_changes(
    rows: list[Recorded], fmt: str, since: date, regions: dict[str, str | None]
) -> str:
    """The recorded events as a Markdown list or CSV."""
    if fmt == "csv":
        return _changes_csv(rows, regions)
    if fmt == "md":
        names = _region_names()
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


def _event_text(rec: Recorded) -> str:
    event = rec.monument.events[rec.index]
    if event.type == "sighting":
        return f"seen {event.status or 'unknown'}, dated {event.date}"
    return f"{event.type}, dated {event.date}"


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
                regions.get(m.id) or m.prop("country") or "",
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
        ("p", f"{_n(len(rows), 'event')}, oldest record first. {RECORDED_RULE}"),
    ]
    entries = []
    for rec in rows:
        m = rec.monument
        place, region = m.prop("place"), regions.get(m.id) or m.prop("country")
        where = (
            f"{place}, {region}" if place and region and place != region else place or region or ""
        )
        entries.append(
            Entry(
                rec.day.isoformat(),
                f" ({rec.basis} {rec.recorded})",
                m.name,
                m.id,
                where,
                m.kind,
                _event_text(rec),
                m.events[rec.index].sources,
            )
        )
    if entries:
        doc.append(("entries", entries))
    return _markdown(doc, None)
