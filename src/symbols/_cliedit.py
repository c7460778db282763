"""The commands that edit the registry: ``symbols sighting``, ``event`` and ``add`` (registered
in :mod:`symbols.cli`; the work is :mod:`symbols.edit`'s)."""

from __future__ import annotations

from pathlib import Path

import click

from ._cliopts import REGISTRY_HELP, country_code_option, default_registry, waiting


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


@click.command()
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
        registry or default_registry(),
        feature_id,
        date=when,
        status=status,
        sources=sources,
        titles=titles,
        note=note,
        dry_run=dry_run,
        on_wait=waiting,
    )
    _show_edit(result, dry_run)


@click.command()
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
        registry or default_registry(),
        feature_id,
        edit.NewEvent(kind, when, sources, titles, None, note),
        dry_run=dry_run,
        on_wait=waiting,
    )
    _show_edit(result, dry_run)


@click.command()
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
    callback=country_code_option,
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
        registry or default_registry(),
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
        on_wait=waiting,
    )
    _show_edit(result, dry_run)
