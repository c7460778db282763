"""The editing commands: arguments in, library called, one-line errors, the diff on --dry-run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import assert_same_style, data_of, write_style
from click.testing import CliRunner

from symbols.cli import cli

pytestmark = pytest.mark.usefixtures("edit_day")  # today is 2026-11-27


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_cli_sighting_event_add(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "hand")
    reg = ["--registry", str(path)]
    result = run(
        "sighting", "taldy-statue", "--date", "2025-03-02", "--status", "damaged",
        "--source", "https://e.org/1", "--source", "https://e.org/2", "--title", "One", *reg,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "taldy-statue: recorded a sighting (damaged) on 2025-03-02 as events[1]" in result.stdout
    assert "status on 2026-11-27: damaged since 2025-03-02" in result.stdout
    last = data_of(path.read_bytes())["features"][1]["properties"]["events"][-1]
    assert last["sources"] == [
        {"url": "https://e.org/1", "title": "One"},
        {"url": "https://e.org/2"},
    ]

    result = run("event", "taldy-statue", "--type", "removed", "--date", "2025-04~",
                 "--source", "https://e.org/3", "--note", "by the akimat", *reg)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "recorded 'removed' on 2025-04~ as events[2]" in result.stdout

    result = run("add", "--id", "astana-plaque", "--name", "Plaque", "--kind", "plaque",
                 "--subject", "S", "--place", "Astana", "--lon", "71.43", "--lat", "51.13",
                 "--precision", "site", "--erected", "2021", "--source", "https://e.org/4",
                 *reg)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "region: KZ-71 Astana, from the geometry" in result.stderr
    added = data_of(path.read_bytes())["features"][-1]
    assert added["geometry"]["coordinates"] == [71.43, 51.13]
    assert added["properties"]["location_precision"] == "site"
    assert_same_style("hand", path.read_bytes())


def test_cli_dry_run_prints_the_diff(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "gdal")
    before = path.read_bytes()
    result = run("add", "--id", "x-bust", "--name", "X", "--kind", "bust", "--subject", "S",
                 "--place", "Taldykorgan", "--registry", str(path), "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n")
    assert '+{ "type": "Feature", "id": "x-bust", ' in result.stdout
    assert "Taldykorgan → Taldykorgan (KZ-33 Jetisu Region), 78.37389, 45.01556" in result.stderr
    assert "dry run: nothing was written" in result.stderr
    assert "feature x-bust: events: warning: no events" in result.stderr


def test_cli_registry_defaults_to_the_environment(tmp_path: Path, monkeypatch) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    monkeypatch.setenv("SYMBOLS_REGISTRY", str(path))
    result = run("sighting", "taldy-statue", "--date", "2024", "--status", "standing",
                 "--source", "https://e.org/")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"sighting"' in path.read_text()


def test_cli_add_first_event_options_must_go_together(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    before = path.read_bytes()
    common = ["add", "--id", "n", "--name", "N", "--kind", "bust", "--subject", "S", "--place",
              "Kegen", "--registry", str(path)]  # fmt: skip
    for extra in (["--source", "https://e/"], ["--erected", "2020", "--event", "removed"],
                  ["--event", "erected"]):  # fmt: skip
        result = run(*common, *extra)
        assert result.exit_code == 2, (extra, result.output)
    result = run(*common, "--event", "sighting", "--date", "2024", "--source", "https://e/")
    assert result.exit_code == 1 and "a sighting needs a status" in result.stderr
    assert path.read_bytes() == before


def test_an_event_recorded_today_shows_in_the_correction_log(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    result = run(
        "sighting", "taldy-statue", "--date", "2019-05", "--status", "standing",
        "--source", "https://e.org/old-photo", "--registry", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    log = run("changes", str(path), "--since", "2026-11-26", "--format", "csv")
    assert log.exit_code == 0, log.output
    rows = [line for line in log.stdout.splitlines()[1:] if line]
    assert len(rows) == 1
    assert rows[0].startswith("2026-11-27,2026-11-27,recorded,taldy-statue,")


def test_cli_repeated_source_keeps_its_own_title(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "hand")
    result = run(
        "sighting", "taldy-statue", "--date", "2025-03-02", "--status", "standing",
        "--source", "https://e.org/1", "--title", "",
        "--source", "https://e.org/1", "--title", "One",
        "--source", "https://e.org/2", "--title", "Two",
        "--source", "https://e.org/1", "--title", "Another one",
        "--registry", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last = data_of(path.read_bytes())["features"][1]["properties"]["events"][-1]
    assert last["sources"] == [  # each URL once, with the first title it was given
        {"url": "https://e.org/1", "title": "One"},
        {"url": "https://e.org/2", "title": "Two"},
    ]
