"""The ``symbols sources check`` and ``symbols discover`` commands (registered in
:mod:`symbols.cli`): they ask web services, so they share options for timeouts, delays, the answer
cache and the services' URLs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._cliopts import country_code_option, default_registry, registry_argument, waiting


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


@click.group("sources")
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
        registry or default_registry(),
        archive=archive,
        refresh_archived=refresh_archived,
        dry_run=dry_run,
        timeout=timeout,
        slow=slow,
        workers=workers,
        delay=delay,
        cache=not no_cache,
        wayback_url=wayback_url,
        on_wait=waiting,
    )
    sys.exit(code)


def _subject_qid(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ._wikidata import check_qid

    try:
        return check_qid(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
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
    callback=country_code_option,
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
        registry or default_registry(),
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
