"""The ``symbols`` command: parses arguments and calls the library; nothing more.

Domain errors (:class:`symbols.errors.SymbolsError`) become one line each on stderr and exit
status 1; usage errors exit 2 (click's convention).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import dates
from .errors import DateError, RegistryError, SymbolsError

REGISTRY_HELP = "The registry GeoJSON (default: $SYMBOLS_REGISTRY or data/monuments.geojson)."


def _default_registry() -> Path:
    import os

    return Path(os.environ.get("SYMBOLS_REGISTRY", "data/monuments.geojson"))


def registry_argument(function):  # type: ignore[no-untyped-def]
    return click.argument(
        "registry", required=False, type=click.Path(dir_okay=False, path_type=Path)
    )(function)


class _DayType(click.ParamType):
    """A day on the command line; YYYY-MM and YYYY mean the last day of the month or year (or,
    with ``first``, the first day: --since)."""

    name = "DATE"

    def __init__(self, first: bool = False) -> None:
        self.parse = dates.parse_first_day if first else dates.parse_day

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if hasattr(value, "isoformat"):
            return value
        try:
            return self.parse(value)
        except DateError as error:
            self.fail(str(error), param, ctx)


DAY = _DayType()
FIRST_DAY = _DayType(first=True)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except SymbolsError as error:
            # a registry's problems already name their file and line; other errors get a prefix
            located = isinstance(error, RegistryError)
            for line in str(error).splitlines() or [type(error).__name__]:
                click.echo(line if located else f"symbols: {line}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            # each file is replaced whole or not at all; some may have been before the interrupt
            click.echo("symbols: interrupted (no file is left half-written)", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symbols")
def cli() -> None:
    """Track monuments and public symbols: what went up, came down or was renamed, and when.

    Each object in the registry (a GeoJSON file) carries dated, sourced events; every command
    derives statuses from them with one rule set.
    """


@cli.command()
@registry_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(registry: Path | None, strict: bool) -> None:
    """Check the registry and report every problem, one per line.

    Exit status: 0 valid, 1 invalid, 2 usage error. Nothing is ever written.
    """
    from .validate import validate as run

    result = run(registry or _default_registry(), strict=strict)
    for problem in result.problems:
        click.echo(str(problem))
    count = len(result.registry) if result.registry else 0
    summary = (
        f"{result.path}: {count} objects, {len(result.errors)} errors, "
        f"{len(result.warnings)} warnings{' (strict)' if strict else ''}"
    )
    click.echo(summary, err=True)
    sys.exit(0 if result.ok else 1)


@cli.command()
@registry_argument
@click.option("--as-of", "as_of", type=DAY, help="Date (YYYY-MM-DD; default: today).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def status(registry: Path | None, as_of, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """List each object's status on a date (objects not yet known are left out)."""
    from . import listing

    _echo_text(listing.run(registry or _default_registry(), as_of or dates.today(), fmt))


@cli.command()
@registry_argument
@click.option(
    "--freq",
    type=click.Choice(["month", "quarter", "year"]),
    default="month",
    show_default=True,
    help="Length of the periods counted.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "html"]),
    help="Output format (default: from --out's suffix, else md).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (Markdown: with SVG and PNG charts beside it) instead of standard output.",
)
@click.option(
    "--since", type=FIRST_DAY, help="First period: the one containing this date (2022: January)."
)
@click.option("--until", type=DAY, help="Last period: the one containing this date.")
@click.option(
    "--by",
    type=click.Choice(["region", "kind", "subject"]),
    help="Also count per region, kind or subject (CSV: a long table, one row per group).",
)
def report(  # type: ignore[no-untyped-def]
    registry: Path | None, freq: str, fmt: str | None, out: Path | None, since, until, by
) -> None:
    """Count removals and new memorials per month, quarter or year.

    A removal counts in a period only when its whole date range lies in it; the others are
    listed as "date known only roughly". The report states its counting rules.
    """
    from . import reports

    made = reports.run(
        registry or _default_registry(),
        fmt=fmt,
        out=out,
        freq=freq,
        since=since,
        until=until,
        by=by,
    )
    if isinstance(made, str):
        _echo_text(made)
    else:
        for path in made:
            click.echo(f"wrote {path}", err=True)


@cli.command()
@registry_argument
@click.option("--since", type=DAY, required=True, help="List what was recorded after this date.")
@click.option("--until", type=DAY, help="...and on or before this date.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
def changes(registry: Path | None, since, until, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """List the events recorded after a date (for a newsletter or a correction log).

    An event is recorded on its "recorded" date, else on the latest publication date of its
    sources, else on its own date.
    """
    from . import changes as recorded

    _echo_text(recorded.run(registry or _default_registry(), since, until, fmt))


def _service_url_option(name: str, variable: str, what: str):  # type: ignore[no-untyped-def]
    return click.option(
        f"--{name}-url",
        f"{name}_url",
        metavar="URL",
        help=f"{what} (default: ${variable} or the public service).",
    )


_delay_option = click.option(
    "--delay",
    type=click.FloatRange(min=0),
    help="Seconds between two requests to one host (default: $SYMBOLS_HTTP_DELAY or 1).",
)
_no_cache_option = click.option(
    "--no-cache", is_flag=True, help="Do not read or write the on-disk answer cache."
)


@cli.group("sources")
def sources_group() -> None:
    """Check the links that events cite, and archive them in the Wayback Machine."""


@sources_group.command("check")
@registry_argument
@click.option(
    "--archive",
    is_flag=True,
    help="Look each source up in the Wayback Machine and write the closest snapshot into its "
    "'archived' field (sources that have one are left alone).",
)
@click.option(
    "--refresh-archived", is_flag=True, help="With --archive: replace existing archived links too."
)
@click.option("--dry-run", is_flag=True, help="With --archive: look up, but write nothing.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds to wait for an answer before a link counts as dead.",
)
@click.option(
    "--slow",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Report links that take longer than this many seconds.",
)
@click.option(
    "--workers", type=click.IntRange(1, 32), default=4, show_default=True, help="Parallel checks."
)
@_delay_option
@_no_cache_option
@_service_url_option("wayback", "SYMBOLS_WAYBACK_URL", "Wayback availability API")
def sources_check(  # type: ignore[no-untyped-def]
    registry: Path | None,
    archive: bool,
    refresh_archived: bool,
    dry_run: bool,
    timeout: float,
    slow: float,
    workers: int,
    delay: float | None,
    no_cache: bool,
    wayback_url: str | None,
):
    """Check every source URL (and archived copy) that events cite, each once.

    Reports dead (4xx/5xx after retries, DNS or connection failure, timeout), redirected and
    slow links per object and event. Exit status 1 when any link is dead (or, with --archive,
    a lookup failed).
    """
    from . import sources

    if (refresh_archived or dry_run) and not archive:
        raise click.UsageError("--refresh-archived and --dry-run go with --archive")
    code = sources.run_check(
        registry or _default_registry(),
        archive=archive,
        refresh_archived=refresh_archived,
        dry_run=dry_run,
        timeout=timeout,
        slow=slow,
        workers=workers,
        delay=delay,
        cache=not no_cache,
        wayback_url=wayback_url,
        on_wait=_waiting,
    )
    sys.exit(code)


def _subject_qid(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ._wikidata import check_qid

    try:
        return check_qid(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _country_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ._values import country_code

    if value is None:
        return None
    try:
        return country_code(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.command()
@registry_argument
@click.option(
    "--subject-wikidata",
    "subject",
    required=True,
    metavar="QID",
    callback=_subject_qid,
    help="The subject's Wikidata item, e.g. Q9259 (Nursultan Nazarbayev).",
)
@click.option(
    "--country",
    metavar="CODE",
    callback=_country_code,
    help="ISO 3166-1 code, e.g. KZ (default: anywhere; OSM names are searched only in a country).",
)
@click.option(
    "--name",
    "names",
    multiple=True,
    metavar="TEXT",
    help="Search OSM names for this text (repeatable; default: the subject's surname, from its "
    "Wikidata labels).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The review GeoJSON to write (default: discovered-QID.geojson).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=120.0,
    show_default=True,
    help="Seconds to wait for each service's answer.",
)
@_delay_option
@_no_cache_option
@_service_url_option("wikidata", "SYMBOLS_WIKIDATA_URL", "Wikidata SPARQL endpoint")
@_service_url_option("overpass", "SYMBOLS_OVERPASS_URL", "Overpass API interpreter")
def discover(  # type: ignore[no-untyped-def]
    registry: Path | None,
    subject: str,
    country: str | None,
    names: tuple[str, ...],
    out: Path | None,
    timeout: float,
    delay: float | None,
    no_cache: bool,
    wikidata_url: str | None,
    overpass_url: str | None,
):
    """Find monuments, memorials and named places of a subject that the registry lacks.

    Asks Wikidata (items that depict, commemorate or are named after the subject) and
    OpenStreetMap (subject:wikidata, name:etymology:wikidata, names) and writes the objects the
    registry does not hold to a review GeoJSON. The registry itself is never changed.
    """
    from . import sources

    sources.run_discover(
        registry or _default_registry(),
        subject,
        country=country,
        out=out,
        names=list(names) or None,
        wikidata_url=wikidata_url,
        overpass_url=overpass_url,
        timeout=timeout,
        delay=delay,
        cache=not no_cache,
    )


def _edit_choices() -> dict[str, list[str]]:
    from .registry import KINDS, PRECISIONS
    from .timeline import EVENT_TYPES, STATUSES

    return {
        "kind": list(KINDS),
        "precision": list(PRECISIONS),
        "status": list(STATUSES),
        "type": list(EVENT_TYPES),
    }


_EDIT_CHOICES = _edit_choices()


def _edit_options(function):  # type: ignore[no-untyped-def]
    """--registry and --dry-run, shared by the commands that edit the registry."""
    function = click.option(
        "--dry-run", is_flag=True, help="Print the change as a unified diff; write nothing."
    )(function)
    return click.option(
        "--registry", type=click.Path(dir_okay=False, path_type=Path), help=REGISTRY_HELP
    )(function)


def _event_options(required: bool):  # type: ignore[no-untyped-def]
    def decorate(function):  # type: ignore[no-untyped-def]
        for option in reversed(
            [
                click.option(
                    "--source",
                    "sources",
                    multiple=True,
                    required=required,
                    metavar="URL",
                    help="Where this is reported (http or https; repeat for several).",
                ),
                click.option(
                    "--title",
                    "titles",
                    multiple=True,
                    metavar="TEXT",
                    help="The source's title (repeat in the order of --source).",
                ),
                click.option("--note", help="A note on the event."),
            ]
        ):
            function = option(function)
        return function

    return decorate


_DATE_HELP = "EDTF date: 2024-05-01, 2024-05, 2024-05~ (approximate), 2024-05-01? (uncertain)."


def _waiting(message: str) -> None:
    click.echo(f"symbols: {message}", err=True)


def _show_edit(result, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    for note in result.notes:
        click.echo(note, err=True)
    for problem in result.warnings:
        click.echo(str(problem), err=True)
    if dry_run:
        click.echo(result.diff(), nl=False)
        click.echo(f"{result.path}: {result.summary} (dry run: nothing was written)", err=True)
    else:
        click.echo(f"{result.path}: {result.summary}")


@cli.command()
@click.argument("feature_id", metavar="ID")
@click.option("--date", "when", required=True, metavar="DATE", help=_DATE_HELP)
@click.option(
    "--status", required=True, type=click.Choice(_EDIT_CHOICES["status"]), help="What was seen."
)
@_event_options(required=True)
@_edit_options
def sighting(  # type: ignore[no-untyped-def]
    feature_id: str, when: str, status: str, sources, titles, note, registry, dry_run: bool
) -> None:
    """Record that object ID was seen in a state (standing, removed, ...) on a date.

    The sighting is appended to the object's events, in the file's own style; the edit is
    validated, locked and atomic (docs/editing.md). Refused (exit 1, file unchanged) for an
    unknown id, a future date, a non-http(s) source, or a sighting that contradicts a certain
    event: seen standing after a certain removal calls for a 'restored' event instead.
    """
    from . import edit

    result = edit.add_sighting(
        registry or _default_registry(),
        feature_id,
        date=when,
        status=status,
        sources=sources,
        titles=titles,
        note=note,
        dry_run=dry_run,
        on_wait=_waiting,
    )
    _show_edit(result, dry_run)


@cli.command()
@click.argument("feature_id", metavar="ID")
@click.option(
    "--type",
    "kind",
    required=True,
    type=click.Choice([t for t in _EDIT_CHOICES["type"] if t != "sighting"]),
    help="What happened (for a sighting use `symbols sighting`).",
)
@click.option("--date", "when", required=True, metavar="DATE", help=_DATE_HELP)
@_event_options(required=True)
@_edit_options
def event(  # type: ignore[no-untyped-def]
    feature_id: str, kind: str, when: str, sources, titles, note, registry, dry_run: bool
) -> None:
    """Record an event of object ID: erected, damaged, toppled, removed, restored, ...

    Appended to the object's events in the file's own style; validated, locked and atomic
    (docs/editing.md). Refused (exit 1, file unchanged) if the result would be invalid, e.g. a
    removal dated before the object was erected.
    """
    from . import edit

    result = edit.add_event(
        registry or _default_registry(),
        feature_id,
        edit.NewEvent(kind, when, sources, titles, None, note),
        dry_run=dry_run,
        on_wait=_waiting,
    )
    _show_edit(result, dry_run)


@cli.command()
@click.option("--id", "feature_id", required=True, help="New slug id: lowercase, digits, hyphens.")
@click.option("--name", required=True, help="Display name of the object.")
@click.option("--kind", required=True, type=click.Choice(_EDIT_CHOICES["kind"]))
@click.option("--subject", required=True, help="Whom or what it honours.")
@click.option(
    "--place",
    required=True,
    help="The settlement. Without --lon/--lat it is looked up in the gazetteer (Kazakh, "
    "Russian or Latin spelling; 'Aksu, KZ-55' picks a region; a GeoNames id works too).",
)
@click.option("--lon", type=float, help="Longitude (WGS84, east positive).")
@click.option("--lat", type=float, help="Latitude (WGS84, north positive).")
@click.option(
    "--precision",
    type=click.Choice(_EDIT_CHOICES["precision"]),
    help="How exact the point is (required with --lon/--lat; else 'settlement').",
)
@click.option("--name-kk", help="Name in Kazakh (stored as name:kk).")
@click.option("--name-ru", help="Name in Russian (stored as name:ru).")
@click.option("--subject-wikidata", metavar="QID", help="The subject's Wikidata id (Q9259).")
@click.option(
    "--country",
    metavar="CC",
    callback=_country_code,
    help="ISO 3166-1 code (default: from the point).",
)
@click.option(
    "--region", metavar="CODE", help="Store this ISO 3166-2 region (normally derived, not stored)."
)
@click.option("--notes", help="Free-text notes on the object.")
@click.option(
    "--event",
    "event_type",
    type=click.Choice(_EDIT_CHOICES["type"]),
    help="Type of a first event (with --date and --source).",
)
@click.option("--erected", metavar="DATE", help="Shorthand for --event erected --date DATE.")
@click.option("--date", "when", metavar="DATE", help="Date of the first event. " + _DATE_HELP)
@click.option(
    "--status",
    type=click.Choice(_EDIT_CHOICES["status"]),
    help="With --event sighting: what was seen.",
)
@_event_options(required=False)
@_edit_options
def add(  # type: ignore[no-untyped-def]
    feature_id: str,
    name: str,
    kind: str,
    subject: str,
    place: str,
    lon,
    lat,
    precision,
    name_kk,
    name_ru,
    subject_wikidata,
    country,
    region,
    notes,
    event_type,
    erected,
    when,
    status,
    sources,
    titles,
    note,
    registry,
    dry_run: bool,
) -> None:
    """Add a new object, optionally with its first event.

    Without --lon/--lat, --place is looked up in the offline gazetteer of Kazakhstan's
    settlements and the match is shown; the point is the settlement's centre (precision
    'settlement'). The region is derived from the point, not stored. Appended to the features
    in the file's own style; validated, locked and atomic (docs/editing.md).
    """
    from . import edit

    if erected is not None:
        if event_type is not None or when is not None:
            raise click.UsageError("--erected is short for --event erected --date DATE: use one")
        event_type, when = "erected", erected
    first = None
    if event_type is not None:
        if when is None:
            raise click.UsageError("--event needs --date")
        first = edit.NewEvent(event_type, when, sources, titles, status, note)
    elif sources or titles or note or when or status:
        raise click.UsageError(
            "--date, --source, --title, --status and --note describe a first event: give --event "
            "TYPE (or --erected DATE)"
        )
    result = edit.add_object(
        registry or _default_registry(),
        feature_id,
        name=name,
        kind=kind,
        subject=subject,
        place=place,
        lon=lon,
        lat=lat,
        precision=precision,
        country=country,
        region=region,
        subject_wikidata=subject_wikidata,
        names={"kk": name_kk or "", "ru": name_ru or ""},
        notes=notes,
        event=first,
        dry_run=dry_run,
        on_wait=_waiting,
    )
    _show_edit(result, dry_run)


def _wrote(path: Path) -> None:
    click.echo(f"wrote {path} ({_size(path)})", err=True)


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} kB"


@cli.command("map")
@registry_argument
@click.option("--as-of", "as_of", type=DAY, help="Date (YYYY-MM-DD; default: today).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (default: map-DATE.html).",
)
def map_command(registry: Path | None, as_of, out: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Write an HTML map of the registry as it stood on a date.

    It shows every object that `symbols status` lists for the date, removed ones included,
    each styled by its status, with a legend, filters and a popup per object (docs/maps.md).
    """
    from . import maps
    from .registry import load

    day = as_of or dates.today()
    loaded = load(registry or _default_registry())
    page = maps.map_html(loaded, day)
    _wrote(maps.write_page(out or Path(f"map-{day.isoformat()}.html"), page))


@cli.command("timeline")
@registry_argument
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("timeline.html"),
    show_default=True,
    help="HTML file to write.",
)
def timeline_command(registry: Path | None, out: Path) -> None:
    """Write an HTML map with a date slider, from the first event to today.

    Moving the slider (or Play) restyles every object to its status on that date, the same
    status `symbols status --as-of` gives; the date is kept in the page's URL (#date=...).
    """
    from . import maps
    from .registry import load

    loaded = load(registry or _default_registry())
    _wrote(maps.write_page(out, maps.timeline_html(loaded, dates.today())))


@cli.command("build")
@registry_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("maps"),
    show_default=True,
    help="Directory to write the maps and reports into.",
)
@click.option(
    "--snapshot",
    "snapshot_days",
    type=DAY,
    multiple=True,
    help="Also write a map of this date (repeatable).",
)
def build_command(registry: Path | None, out: Path, snapshot_days) -> None:  # type: ignore[no-untyped-def]
    """Write every map and report: index.html (the map as of today, linking to the rest),
    timeline.html, dated snapshots (the eve of the first removal, year ends, --snapshot dates)
    and the reports. The same registry and day give byte-identical files."""
    from . import maps
    from .registry import load

    loaded = load(registry or _default_registry())
    written = maps.build(loaded, out, extra_snapshots=snapshot_days, progress=_wrote)
    click.echo(f"{out}: {len(written)} files", err=True)


def _echo_text(text: str) -> None:
    """``click.echo(text, nl=False)``, faster for 30 MB of report: click.echo strips ANSI
    escape sequences from all it writes to a file or pipe, with a regular expression over the
    whole text. Without an escape character (which every such sequence starts with) there is
    nothing to strip, and ``color=True`` skips the search: the same text, sooner."""
    click.echo(text, nl=False, color=None if "\x1b" in text else True)


def main() -> None:
    cli(prog_name="symbols")
