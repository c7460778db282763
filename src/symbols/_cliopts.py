"""What the ``symbols`` commands share: the registry argument, dates, country codes, output."""

from __future__ import annotations

from pathlib import Path

import click

from . import dates
from .errors import DateError

REGISTRY_HELP = "The registry GeoJSON (default: $SYMBOLS_REGISTRY or data/monuments.geojson)."


def default_registry() -> Path:
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


def country_code_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    from ._values import country_code

    if value is None:
        return None
    try:
        return country_code(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def waiting(message: str) -> None:
    click.echo(f"symbols: {message}", err=True)


def echo_text(text: str) -> None:
    """``click.echo(text, nl=False)``, faster for 30 MB of report: click.echo strips ANSI
    escape sequences from all it writes to a file or pipe, with a regular expression over the
    whole text. Without an escape character (which every such sequence starts with) there is
    nothing to strip, and ``color=True`` skips the search: the same text, sooner."""
    click.echo(text, nl=False, color=None if "\x1b" in text else True)
