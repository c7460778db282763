"""The ``symbols`` command: parses arguments and calls the library; nothing more.

Domain errors (:class:`symbols.errors.SymbolsError`) become one line each on stderr and exit
status 1; usage errors exit 2 (click's convention).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import dates
from .errors import DateError, SymbolsError

REGISTRY_HELP = "The registry GeoJSON (default: $SYMBOLS_REGISTRY or data/monuments.geojson)."


def _default_registry() -> Path:
    import os

    return Path(os.environ.get("SYMBOLS_REGISTRY", "data/monuments.geojson"))


def registry_argument(function):  # type: ignore[no-untyped-def]
    return click.argument(
        "registry", required=False, type=click.Path(dir_okay=False, path_type=Path)
    )(function)


class _DayType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if hasattr(value, "isoformat"):
            return value
        try:
            return dates.parse_day(value)
        except DateError as error:
            self.fail(str(error), param, ctx)


DAY = _DayType()


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except SymbolsError as error:
            for line in str(error).splitlines() or [type(error).__name__]:
                click.echo(f"symbols: {line}" if not _is_located(line) else line, err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("symbols: interrupted; nothing was written", err=True)
            ctx.exit(130)


def _is_located(line: str) -> bool:
    head = line.split(":", 1)[0]
    return head.endswith((".geojson", ".json")) or "/" in head


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
    from .registry import load

    day = as_of or dates.today()
    loaded = load(registry or _default_registry())
    rows = listing.status_rows(loaded, day)
    click.echo(listing.render(rows, fmt, day), nl=False)


def main() -> None:
    cli(prog_name="symbols")
