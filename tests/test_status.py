"""`symbols status`: the listing on a date, through the CLI and the library."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from builders import event, feature, write
from click.testing import CliRunner

from symbols import listing
from symbols.cli import cli
from symbols.listing import status_rows
from symbols.registry import load


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write(
        tmp_path / "r.geojson",
        feature(
            "taldykorgan",
            [
                event("2016-11-30", "erected"),
                event("2022-01-05", "toppled"),
                event("2024-01/2024-02-12", "removed"),
            ],
        ),
        feature(
            "almaly-portrait",
            [
                event("2011-12-01", "erected"),
                event("2023-02", "sighting", "standing"),
                event("2024-01-19", "sighting", "removed"),
            ],
            lon=76.94,
            lat=43.25,
            kind="portrait",
            place="Almaty",
        ),
        feature(
            "kegen-bust",
            [event("2024-01-15", "proposed"), event("2024-12-02", "erected")],
            lon=79.23,
            lat=43.02,
            kind="bust",
            place="Kegen",
        ),
    )


def csv_rows(registry: Path, as_of: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["status", str(registry), "--as-of", as_of, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_csv_columns_and_listing(registry: Path) -> None:
    rows = csv_rows(registry, "2024-01-16")
    assert list(rows[0]) == ["id", "status", "certain", "since", "kind", "place", "region", "name"]
    assert [(r["id"], r["status"], r["certain"]) for r in rows] == [
        ("taldykorgan", "toppled", "false"),
        ("almaly-portrait", "standing", "false"),
        ("kegen-bust", "planned", "true"),
    ]
    assert rows[0]["since"] == "2022-01-05"
    assert rows[0]["region"] == "KZ-33"  # derived from the geometry
    assert rows[1]["region"] == "KZ-75"


def test_objects_not_yet_known_are_left_out(registry: Path) -> None:
    assert [r["id"] for r in csv_rows(registry, "2015-01-01")] == ["almaly-portrait"]
    assert csv_rows(registry, "2011-11-30") == []


def test_status_after_everything(registry: Path) -> None:
    rows = csv_rows(registry, "2025-01-01")
    assert [(r["status"], r["certain"]) for r in rows] == [
        ("removed", "true"),
        ("removed", "true"),
        ("standing", "true"),
    ]


def test_month_as_of_means_its_last_day(registry: Path) -> None:
    assert csv_rows(registry, "2024-02") == csv_rows(registry, "2024-02-29")


def test_json_and_table(registry: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["status", str(registry), "--as-of", "2024-06-01", "--format", "json"])
    payload = json.loads(out.stdout)
    assert payload["as_of"] == "2024-06-01"
    assert payload["objects"][0]["status"] == "removed"
    assert payload["objects"][0]["certain"] is True
    table = runner.invoke(cli, ["status", str(registry), "--as-of", "2024-01-16"]).stdout
    assert "toppled?" in table
    assert "3 objects listed as of 2024-01-16; 2 uncertain" in table


def test_library_matches_cli(registry: Path) -> None:
    rows = status_rows(load(registry), date(2024, 1, 16))
    assert [(r.id, r.status, r.certain) for r in rows] == [
        (r["id"], r["status"], r["certain"] == "true") for r in csv_rows(registry, "2024-01-16")
    ]
    result = CliRunner().invoke(cli, ["status", str(registry), "--as-of", "2024-01-16"])
    assert listing.run(registry, date(2024, 1, 16), "table") == result.output


def test_default_as_of_is_today(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = csv_rows(registry, "2025-01-01")
    monkeypatch.setenv("SYMBOLS_TODAY", "2025-01-01")
    result = CliRunner().invoke(cli, ["status", str(registry), "--format", "csv"])
    assert list(csv.DictReader(io.StringIO(result.stdout))) == expected


def test_default_registry_from_environment(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBOLS_REGISTRY", str(registry))
    result = CliRunner().invoke(cli, ["status", "--as-of", "2025-01-01", "--format", "csv"])
    assert result.exit_code == 0 and "kegen-bust" in result.stdout


def test_bad_date_is_a_usage_error(registry: Path) -> None:
    result = CliRunner().invoke(cli, ["status", str(registry), "--as-of", "12/01/2024"])
    assert result.exit_code == 2
    assert "'12/01/2024' is not a date" in result.output


def test_invalid_registry_is_refused_in_one_line_per_problem(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.geojson", feature("a", kind="statu"))
    result = CliRunner().invoke(cli, ["status", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"{bad}:16: feature a: kind: unknown kind 'statu'; did you mean 'statue'?"
    ]
    assert "Traceback" not in result.output


def test_missing_registry(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["status", str(tmp_path / "none.geojson")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{tmp_path / 'none.geojson'}: file not found"
