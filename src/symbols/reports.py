"""Removal-over-time reports: how many symbols came down and went up, when, where, of which kind.

Counting uses the one rule set in :mod:`symbols.timeline`: an object's removal is
``History.removal()`` (its first change from standing or damaged to toppled, removed, relocated
or renamed, counted once) and its erection is ``History.erection()``. Each has a day range. A
removal or erection is counted in a period (month, quarter, year) only when its whole range lies
in that period; the others are listed apart as "date known only roughly", never dropped or
spread. Every Markdown and HTML report says this in plain words (``symbols._reportdoc.RULES``);
``docs/reports.md`` has more.

:func:`build_report` counts; :func:`render` gives Markdown, CSV or HTML text; :func:`write_report`
writes one report (with its charts beside a Markdown file); :func:`write_reports` writes all
three for ``symbols build``. Periods are numbered as in :mod:`symbols._periods`; what the
Markdown and HTML report says is built in :mod:`symbols._reportdoc` and rendered by
:mod:`symbols._markup`. The events recorded after a date are :mod:`symbols.changes`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import dates
from ._atomic import write_output
from ._markup import chart_names, html, markdown, plural, region_label, region_names
from ._periods import period_end, period_function, period_label, period_of, period_start
from .errors import OutputError, ReportError
from .registry import Monument, Registry, load, paused_collector
from .timeline import Transition

if TYPE_CHECKING:
    from ._charts import ChartProcess

FREQS: tuple[str, ...] = ("month", "quarter", "year")
FORMATS: tuple[str, ...] = ("md", "csv", "html")
GROUPINGS: tuple[str, ...] = ("region", "kind", "subject")
#: the format of a report file, by its suffix (others: Markdown)
FORMAT_OF_SUFFIX = {".md": "md", ".markdown": "md", ".csv": "csv", ".html": "html", ".htm": "html"}


# --------------------------------------------------------------------------------- counting


class Occurrence(NamedTuple):
    """One object's removal or erection, with its day range and (if counted) its period."""

    earliest: date
    latest: date
    what: str  # "removed" or "erected"
    monument: Monument
    transition: Transition
    period: int | None  # the period holding the whole range, else None (date known roughly)
    position: int  # the object's position in the registry


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
    # object id -> region code, every object in registry order (an Occurrence's position)
    regions: dict[str, str | None] = field(default_factory=dict)
    region_names: dict[str, str] = field(default_factory=dict)  # region code -> English name
    # regions: a country code (no "-") stands for an object in a country without region data

    @property
    def labels(self) -> list[str]:
        return [period_label(p, self.freq) for p in self.periods]

    @property
    def rough_counts(self) -> tuple[int, int]:
        """How many removals and erections have a date known only roughly."""
        erected = sum(o.what == "erected" for o in self.rough)
        return len(self.rough) - erected, erected

    def of(self, what: str, rough: bool = False) -> list[Occurrence]:
        return [o for o in (self.rough if rough else self.counted) if o.what == what]

    def region_label(self, code: str | None) -> str:
        return region_label(code, self.region_names)


def occurrences(registry: Iterable[Monument], freq: str) -> list[Occurrence]:
    """Every object's removal and erection (by the timeline rules), in registry order."""
    found = []
    of = period_function(freq)
    for position, monument in enumerate(registry):
        history = monument.history
        for what, change in (("removed", history.removal()), ("erected", history.erection())):
            if change is not None:
                first = of(change.earliest)
                period = first if first == of(change.latest) else None
                found.append(
                    Occurrence(
                        change.earliest, change.latest, what, monument, change, period, position
                    )
                )
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
    False skips the objects' regions, which only Markdown and HTML show (CSV: only ``--by
    region``).
    """
    if freq not in FREQS:
        raise ReportError(f"unknown frequency {freq!r}; use one of {', '.join(FREQS)}")
    if by is not None and by not in GROUPINGS:
        raise ReportError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")
    if since and until and since > until:
        raise ReportError(f"--since {since} is after --until {until}")
    low = period_of(since, freq) if since else None
    high = period_of(until, freq) if until else None
    window_start = period_start(low, freq) if low is not None else dates.MIN_DAY
    window_end = period_end(high, freq) if high is not None else dates.MAX_DAY
    counted: list[Occurrence] = []
    rough: list[Occurrence] = []
    tally: Counter[tuple[str, int]] = Counter()
    for o in occurrences(registry.features, freq):  # one pass: there may be 100,000s
        period = o.period
        if period is None:
            if o.earliest <= window_end and o.latest >= window_start:
                rough.append(o)
        elif (low is None or period >= low) and (high is None or period <= high):
            counted.append(o)
            tally[o.what, period] += 1
    # Oldest first (by earliest, then latest day), ties in registry order: two stable sorts,
    # a third faster than one on pairs of dates for 100,000s of occurrences.
    counted.sort(key=itemgetter(1))
    counted.sort(key=itemgetter(0))
    rough.sort(key=lambda o: (o.what == "erected", o.earliest, o.latest))

    used = {period for _, period in tally}
    first = low if low is not None else min(used, default=high)
    last = high if high is not None else max(used, default=low)
    periods = list(range(first, last + 1)) if first is not None and last is not None else []
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
        report.regions = registry.regions_or_countries
        report.region_names = region_names()
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


def groups(report: Report, key: Callable[[Occurrence], str | None]) -> list[GroupRow]:
    """Totals per group (counted and roughly dated, removals and erections), most removed
    first."""
    tally: Counter[tuple[str | None, int]] = Counter()
    for offset, items in ((0, report.counted), (2, report.rough)):
        tally.update((key(o), offset + (o.what == "erected")) for o in items)
    return group_rows(tally)


def group_rows(tally: Counter[tuple[str | None, int]]) -> list[GroupRow]:
    """:func:`groups` from a tally of (group, column): 0 removed, 1 erected, 2 and 3 the same
    with the date known only roughly."""
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


def render(report: Report, fmt: str, charts: ChartProcess | None = None) -> str:
    """The report as text. Markdown says how to get its charts (:func:`write_report` writes
    them beside it, :func:`draw_charts` draws them); HTML embeds them, drawn by ``charts`` (a
    :class:`~symbols._charts.ChartProcess`; by default here) while the document is made."""
    if fmt == "csv":
        return render_csv(report)
    from . import _reportdoc  # here, not at the top: it imports this module (and CSV skips it)

    if fmt == "md":
        return markdown(_reportdoc.document(report), None)
    if fmt == "html":
        drawing = _send_charts(report, ("svg",), charts)
        doc = _reportdoc.document(report)
        return html(doc, _reportdoc.title(report), drawing.result())
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


def draw_charts(report: Report, formats: tuple[str, ...] = ("svg", "png")) -> dict[str, bytes]:
    """``cumulative.svg``, ``cumulative.png``, ``per-period.svg``, ``per-period.png`` (those of
    ``formats``), drawn here: the report's charts for a program that places them itself."""
    return _send_charts(report, formats, None).result()


def _send_charts(
    report: Report, formats: tuple[str, ...], charts: ChartProcess | None
) -> ChartProcess:
    """``charts`` (by default one that draws in this process) sent the report's charts to
    draw; its ``result()`` gives them."""
    from ._charts import ChartProcess

    charts = charts or ChartProcess(spawn=False)
    rough_removed, rough_erected = report.rough_counts
    note = ""
    if rough_removed or rough_erected:
        note = (
            f"Not shown: {plural(rough_removed, 'removal')} and "
            f"{plural(rough_erected, 'erection')} "
            f"whose date is known only roughly (listed in the report)."
        )
    charts.send(
        report.periods, report.labels, report.removed, report.erected, report.freq, note, formats
    )
    return charts


def run(
    registry: Path,
    *,
    fmt: str | None = None,
    out: Path | None = None,
    freq: str = "month",
    since: date | None = None,
    until: date | None = None,
    by: str | None = None,
    keep: list[Any] | None = None,
) -> str | list[Path]:
    """Load ``registry`` and make its report: the text, or with ``out`` the files written (see
    :func:`write_report`). ``fmt`` defaults to ``out``'s suffix's format, else Markdown.

    ``keep``: a list that the loaded registry and the report are put in, instead of being freed
    on return (for 100,000 objects, 0.3 s). The ``symbols`` command passes one: its process ends
    right after, and the objects go with it."""
    from ._charts import ChartProcess

    if out is not None and not Path(out).name:  # '' (which pathlib reads as '.') or '/'
        raise ReportError("no file name to write the report to")
    if fmt is None:
        fmt = FORMAT_OF_SUFFIX.get(out.suffix.lower(), "md") if out else "md"
    # charts (Markdown files and HTML): matplotlib loads and draws on another core meanwhile
    charted = fmt == "html" or (fmt == "md" and out is not None)
    with paused_collector(), ChartProcess(spawn=charted) as charts:
        loaded = load(registry)
        built = build_report(
            loaded, freq=freq, since=since, until=until, by=by, details=fmt != "csv"
        )
        if out is None:
            made: str | list[Path] = render(built, fmt, charts=charts)
        else:
            made = write_report(built, fmt, out, charts)
        if keep is not None:
            keep += [loaded, built]
        # The report goes first: it lists objects by date, and were it the last to hold them,
        # they would be freed in that order, hopping about memory (0.3 s for 100,000 objects);
        # freed with the registry, they go in file order.
        del built
    return made


def write_report(
    report: Report, fmt: str, out: Path, charts: ChartProcess | None = None
) -> list[Path]:
    """Write the report to ``out`` (Markdown: its four charts beside it, drawn by ``charts``
    while the text is made); return the paths. Everything is rendered before anything is
    written."""
    return _write(_report_files(report, {Path(out): fmt}, charts))


def write_reports(
    registry: Registry, out_dir: Path, charts: ChartProcess | None = None
) -> list[Path]:
    """report.md, report.csv and report.html (then the four chart files that report.md shows)
    in ``out_dir``, for ``symbols build``: monthly, every period. Returns the paths written."""
    out_dir = Path(out_dir)
    with paused_collector():
        report = build_report(registry)
        targets = {out_dir / f"report.{fmt}": fmt for fmt in ("md", "csv", "html")}
        files = _report_files(report, targets, charts)
        del report
    return _write(files)


def _report_files(
    report: Report, targets: dict[Path, str], charts: ChartProcess | None
) -> dict[Path, bytes]:
    """Each target rendered in its format, then the chart files the Markdown ones show; the
    document made once, the charts drawn once (by ``charts`` meanwhile)."""
    from . import _reportdoc  # here, not at the top: it imports this module

    wanted = set(targets.values())
    if unknown := sorted(wanted - set(FORMATS)):
        raise ReportError(f"unknown format {unknown[0]!r}; use one of {', '.join(FORMATS)}")
    formats = ("svg", "png") if "md" in wanted else ("svg",) if "html" in wanted else ()
    drawing = _send_charts(report, formats, charts) if formats else None
    doc = _reportdoc.document(report) if wanted & {"md", "html"} else []
    files: dict[Path, bytes] = dict.fromkeys(targets, b"")  # in the targets' order
    for path, fmt in targets.items():
        if fmt == "md":
            files[path] = markdown(doc, path.stem).encode("utf-8")
        elif fmt == "csv":
            files[path] = render_csv(report).encode("utf-8")
    drawn = drawing.result() if drawing else {}
    for path, fmt in targets.items():
        if fmt == "html":
            files[path] = html(doc, _reportdoc.title(report), drawn).encode("utf-8")
    for path, fmt in targets.items():
        if fmt == "md":
            names = chart_names(path.stem)
            files.update({path.with_name(names[key]): data for key, data in drawn.items()})
    return files


def _write(files: dict[Path, bytes]) -> list[Path]:
    """Write each file whole (:func:`symbols._atomic.write_output`); return the paths. A
    target that is a folder is refused before anything is written."""
    for path in files:
        if path.is_dir():
            raise OutputError(f"cannot write {path}: Is a directory")
    return [write_output(path, data) for path, data in files.items()]
