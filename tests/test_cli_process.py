"""The ``symbols`` command as its own process: commands that read the whole registry end the
process at once (``os._exit``) once their output is out, instead of freeing every object first.
What they print, write and exit with is what click's test runner sees, to the last byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import event, feature, write
from click.testing import CliRunner

from symbols import reports
from symbols.cli import cli
from symbols.registry import load

TODAY = "2026-01-01"


def many(count: int) -> list[dict]:
    return [
        feature(
            f"object-{n}",
            [event("2016-11-30", "erected"), event(f"2022-0{n % 9 + 1}-05", "removed")],
            name=f"Monument number {n} with a long name",
        )
        for n in range(count)
    ]


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write(tmp_path / "r.geojson", *many(40), feature("z", kind="statu"))


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return write(tmp_path / "ok.geojson", *many(40))


# an exit handler that a normal interpreter exit would run, and os._exit does not
MAIN = (
    "import atexit; atexit.register(print, 'EXITED SLOWLY'); from symbols.cli import main; main()"
)


def command(*args: str, **kwargs) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = {**os.environ, "SYMBOLS_TODAY": TODAY}
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        capture_output=True,
        env=env,
        **kwargs,
    )


def in_runner(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env={"SYMBOLS_TODAY": TODAY})


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--format", "csv"],
        ["status", "--format", "json"],
        ["report", "--format", "md"],
        ["report", "--format", "csv", "--by", "region"],
        ["changes", "--since", "2000-01-01"],
    ],
)
def test_what_the_process_prints_is_all_there(valid: Path, args: list[str]) -> None:
    ran = command(args[0], str(valid), *args[1:])
    expected = in_runner(args[0], str(valid), *args[1:])
    assert (ran.returncode, expected.exit_code) == (0, 0), ran.stderr
    assert ran.stdout.decode() == expected.stdout  # no "EXITED SLOWLY": the process ended at once
    assert ran.stderr.decode() == expected.stderr


def test_validate_exits_with_its_status_and_its_summary(registry: Path, valid: Path) -> None:
    ran = command("validate", str(registry))
    assert ran.returncode == 1
    assert ran.stdout.decode().endswith(
        "feature z: kind: unknown kind 'statu'; did you mean 'statue'?\n"
    )
    assert ran.stderr.decode() == f"{registry}: 41 objects, 1 errors, 0 warnings\n"
    assert command("validate", str(valid)).returncode == 0
    # a command that reads no registry ends as usual
    assert command("--help").stdout.decode().endswith("EXITED SLOWLY\n")
    assert in_runner("validate", str(registry)).exit_code == 1  # SystemExit, as before


def test_written_files_are_whole(valid: Path, tmp_path: Path) -> None:
    for args, name in (
        (["map", str(valid), "--out", str(tmp_path / "m.html")], "m.html"),
        (["timeline", str(valid), "--out", str(tmp_path / "t.html")], "t.html"),
        (["report", str(valid), "--out", str(tmp_path / "r.md")], "r.md"),
    ):
        ran = command(*args, cwd=tmp_path)
        assert ran.returncode == 0 and not ran.stdout, (ran.stdout, ran.stderr)
        assert f"wrote {tmp_path / name}" in ran.stderr.decode()
        written = (tmp_path / name).read_bytes()
        ran_again = in_runner(*args)
        assert ran_again.exit_code == 0 and (tmp_path / name).read_bytes() == written


def test_a_reader_that_stops_early_is_no_error(valid: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from symbols.cli import main; main()", "report", str(valid)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SYMBOLS_TODAY": TODAY},
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(9) == b"# Removal"
    process.stdout.close()  # as `| head` does
    assert process.wait(timeout=60) == 0
    assert b"Traceback" not in process.stderr.read()


def test_the_library_keeps_what_it_made_only_when_asked(valid: Path) -> None:
    kept: list = []
    text = reports.run(valid, fmt="md", keep=kept)
    assert text == reports.run(valid, fmt="md")
    registry, report = kept
    assert len(registry) == 40 and report.objects == 40
    assert [m.id for m in registry.features] == [m.id for m in load(valid).features]
