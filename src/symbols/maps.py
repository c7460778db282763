"""Maps: the registry as it stood on a date, the time-slider page, and the whole set of pages.

:func:`map_html` is ``symbols map``: every object ``symbols status`` lists on the date, styled by
its status. :func:`timeline_html` is ``symbols timeline``: every object with its status
intervals, restyled in the page as a slider moves. :func:`build` is ``symbols build``: the map as
of today (``index.html``), the timeline, dated snapshots and the reports.

Both pages are Folium (Leaflet) pages built to scale: an object is one Leaflet marker made in the
page from compact arrays (not one Folium element each), held by a marker-cluster group, with its
popup built only when opened (see docs/maps.md). Statuses come only from
:mod:`symbols.timeline`; the page looks them up and never derives them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from . import dates
from ._mapdata import map_payload, region_removals, timeline_payload, title_of
from .errors import DateError
from .registry import Registry

__all__ = [
    "Link",
    "Snapshot",
    "build",
    "map_html",
    "region_removals",
    "snapshots",
    "timeline_html",
    "write_page",
]

INDEX = "index.html"
TIMELINE = "timeline.html"
ASSETS = "assets"  # the folder, beside the pages, of their shared script and style
SNAPSHOT_LIST = "snapshots.txt"  # in ASSETS: the snapshot pages the last build wrote
MAX_YEAR_ENDS = 10  # snapshots at year ends: the latest ten years with events
_DATED = 31  # days: a removal known to this precision has an eve
_SNAPSHOT_FILE = re.compile(r"map-\d{4}-\d{2}-\d{2}\.html")


@dataclass(frozen=True)
class Link:
    """A link shown in a page's title box; links of one ``group`` share a line."""

    href: str
    text: str
    group: str | None = None


@dataclass(frozen=True)
class Snapshot:
    day: date
    kind: str  # "chosen" (--snapshot), "eve" (of the first dated removal) or "year end"

    @property
    def filename(self) -> str:
        return f"map-{self.day.isoformat()}.html"


def map_html(
    registry: Registry,
    day: date,
    *,
    links: Sequence[Link] = (),
    compress: bool | None = None,
    assets: str | None = None,
) -> str:
    """The dated map of ``day`` as one self-contained HTML page (``assets``: see
    :func:`symbols._mappage.render_page`)."""
    payload = map_payload(registry, day)
    return _page(registry, payload, f"map as of {day.isoformat()}", links, compress, assets)


def timeline_html(
    registry: Registry,
    today: date | None = None,
    *,
    links: Sequence[Link] = (),
    compress: bool | None = None,
    assets: str | None = None,
) -> str:
    """The time-slider page: from the first event to ``today`` (default: :func:`dates.today`);
    ``assets``: see :func:`symbols._mappage.render_page`."""
    payload = timeline_payload(registry, today or dates.today())
    return _page(registry, payload, "time slider", links, compress, assets)


def _page(
    registry: Registry,
    payload: dict[str, Any],
    what: str,
    links: Sequence[Link],
    compress: bool | None,
    assets: str | None,
) -> str:
    from ._mappage import render_page

    title = title_of(registry)
    payload.update(title=title, links=_links(links))
    return render_page(f"{title}: {what}", payload, compress, assets)


def write_page(path: Path | str, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a temporary file renamed over it)."""
    from ._atomic import write_output

    return write_output(path, text.encode("utf-8"))


def snapshots(registry: Registry, today: date, extra: Iterable[date] = ()) -> list[Snapshot]:
    """The dates worth a snapshot map, in order: the eve of the first removal dated to within a
    month, the end of each of the latest :data:`MAX_YEAR_ENDS` years in which some event
    happened (before this year), and ``extra`` dates. The index map already shows today."""
    chosen: dict[date, str] = {}
    for day in extra:
        if day > today:
            raise DateError(f"snapshot {day.isoformat()} is after today ({today.isoformat()})")
        chosen[day] = "chosen"
    # a removal dated only to "sometime in these years" has no eve worth showing
    dated = [
        r.earliest
        for m in registry.features
        if (r := m.history.removal()) is not None and (r.latest - r.earliest).days <= _DATED
    ]
    first = min(dated, default=dates.MIN_DAY)
    if first > dates.MIN_DAY and (eve := first - timedelta(days=1)) < today:
        chosen.setdefault(eve, "eve")
    years = sorted(
        {c.latest.year for m in registry.features for c in m.history.changes}
        & set(range(1, today.year))
    )
    for year in years[-MAX_YEAR_ENDS:]:
        chosen.setdefault(date(year, 12, 31), "year end")
    return [Snapshot(day, kind) for day, kind in sorted(chosen.items())]


def build(
    registry: Registry,
    out_dir: Path | str,
    *,
    today: date | None = None,
    extra_snapshots: Iterable[date] = (),
    progress: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write the map set into ``out_dir``: ``index.html`` (the map as of today, linking to the
    rest), ``timeline.html``, ``map-YYYY-MM-DD.html`` snapshots and the reports. Snapshot files
    that an earlier build wrote (listed in ``assets/snapshots.txt``) and that are no longer
    chosen are removed; other files are left alone, maps made by ``symbols map`` included.
    Returns the paths written, in order."""
    from ._charts import ChartProcess
    from ._mappage import PAGE_ASSETS, page_asset
    from .reports import write_reports

    out = Path(out_dir)
    today = today or dates.today()
    chosen = snapshots(registry, today, extra_snapshots)  # (a bad --snapshot: nothing started)
    written: list[Path] = []

    def done(path: Path) -> None:
        written.append(path)
        if progress is not None:
            progress(path)

    with ChartProcess() as charts:  # matplotlib loads on another core while the maps are made
        # the pages share one copy of their script and style instead of inlining it in each
        for name in PAGE_ASSETS:
            done(write_page(out / ASSETS / name, page_asset(name)))
        back = Link(INDEX, "All maps and reports")
        page = timeline_html(registry, today, links=[back], assets=ASSETS)
        done(write_page(out / TIMELINE, page))
        for snapshot in chosen:
            links = [back, Link(f"{TIMELINE}#date={snapshot.day.isoformat()}", "Time slider")]
            page = map_html(registry, snapshot.day, links=links, assets=ASSETS)
            done(write_page(out / snapshot.filename, page))
        reports = write_reports(registry, out, charts)
    for path in reports:
        done(path)
    links = [Link(TIMELINE, "Time slider: every date from the first event to today")]
    snapshot_links = [_snapshot_link(s) for s in chosen]
    links += [link for link in snapshot_links if link.group == "Snapshots"]
    links += [link for link in snapshot_links if link.group != "Snapshots"]
    links += [Link(path.relative_to(out).as_posix(), path.name, "Reports") for path in reports]
    done(write_page(out / INDEX, map_html(registry, today, links=links, assets=ASSETS)))
    done(_replace_snapshot_list(out, [s.filename for s in chosen]))
    return written


def _replace_snapshot_list(out: Path, names: list[str]) -> Path:
    """Record this build's snapshot files, removing those of the last build not among them;
    return the list's path."""
    listing = out / ASSETS / SNAPSHOT_LIST
    try:
        before = listing.read_text(encoding="utf-8").split()
    except OSError:
        before = []
    for name in sorted(set(before) - set(names)):
        if _SNAPSHOT_FILE.fullmatch(name):  # (only a page name, never a path elsewhere)
            with contextlib.suppress(OSError):
                (out / name).unlink()
    return write_page(listing, "".join(f"{name}\n" for name in names))


def _snapshot_link(snapshot: Snapshot) -> Link:
    day = snapshot.day
    if snapshot.kind == "year end":
        return Link(snapshot.filename, str(day.year), "Year ends")
    text = (
        day.isoformat() if snapshot.kind == "chosen" else f"{day} (eve of the first dated removal)"
    )
    return Link(snapshot.filename, text, "Snapshots")


def _links(links: Sequence[Link]) -> list[dict[str, Any]]:
    return [
        {"href": link.href, "text": link.text, **({"group": link.group} if link.group else {})}
        for link in links
    ]
