"""The ``symbols`` command: parses arguments and calls the library; nothing more.

Domain errors (:class:`symbols.errors.SymbolsError`) become one line each on stderr and exit
status 1; usage errors exit 2 (click's convention). The commands that edit the registry are in
:mod:`symbols._cliedit`, those that ask web services in :mod:`symbols._clisources`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import dates
from ._cliedit import add, event, sighting
from ._cliopts import DAY, FIRST_DAY, default_registry, echo_text, registry_argument
from ._clisources import discover, sources_group
from .errors import RegistryError, SymbolsError


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

    result = run(registry or default_registry(), strict=strict)
    for problem in result.problems:
        click.echo(str(problem))
    count = len(result.registry) if result.registry else 0
    summary = (
        f"{result.path}: {count} objects, {len(result.errors)} errors, "
        f"{len(result.warnings)} warnings{' (strict)' if strict else ''}"
    )
    click.echo(summary, err=True)
    _end(0 if result.ok else 1)


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

    kept: list[Any] = []
    echo_text(listing.run(registry or default_registry(), as_of or dates.today(), fmt, kept))
    _end()


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

    kept: list[Any] = []
    made = reports.run(
        registry or default_registry(),
        fmt=fmt,
        out=out,
        freq=freq,
        since=since,
        until=until,
        by=by,
        keep=kept,
    )
    if isinstance(made, str):
        echo_text(made)
    else:
        for path in made:
            click.echo(f"wrote {path}", err=True)
    _end()


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

    kept: list[Any] = []
    echo_text(recorded.run(registry or default_registry(), since, until, fmt, keep=kept))
    _end()


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
    loaded = load(registry or default_registry())
    page = maps.map_html(loaded, day)
    _wrote(maps.write_page(out or Path(f"map-{day.isoformat()}.html"), page))
    _end()


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

    loaded = load(registry or default_registry())
    _wrote(maps.write_page(out, maps.timeline_html(loaded, dates.today())))
    _end()


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

    loaded = load(registry or default_registry())
    written = maps.build(loaded, out, extra_snapshots=snapshot_days, progress=_wrote)
    click.echo(f"{out}: {len(written)} files", err=True)
    _end()


for command in (add, discover, event, sighting, sources_group):
    cli.add_command(command)


def _end(code: int = 0) -> None:
    """Exit with ``code``; at once when this process is the ``symbols`` command (:func:`main`),
    as mypy ends: what the command loaded, still held by its caller's frame, goes with the
    process instead of being freed object by object first (0.3 s for 100,000 objects). Called
    another way (click's test runner, a program), this returns, or raises SystemExit for a
    code other than 0, as ``sys.exit`` would."""
    context = click.get_current_context()
    if not (context.find_root().obj or {}).get(_ENDS_PROCESS):
        if code:
            sys.exit(code)
        return
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe (`| head`) takes what it takes
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


_ENDS_PROCESS = "ends the process"


def main() -> None:
    """The ``symbols`` console script. It ends the process (see :func:`_end`): a program runs the
    commands with click's ``CliRunner`` or calls the library."""
    cli(prog_name="symbols", obj={_ENDS_PROCESS: True})
