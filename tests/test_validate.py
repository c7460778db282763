"""Validation: each problem with its exact message shape FILE:LINE: feature ID: field: message."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from builders import event, feature, write
from click.testing import CliRunner

from symbols.cli import cli
from symbols.validate import validate

TODAY = date(2026, 11, 27)


def lines_of(path: Path, strict: bool = False) -> list[str]:
    return [str(p) for p in validate(path, strict=strict, today=TODAY).problems]


def line_containing(path: Path, needle: str, after: int = 0) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(needle)


def test_clean_registry_has_no_problems(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a"), feature("b"))
    result = validate(path, today=TODAY)
    assert result.ok and result.problems == []
    assert len(result.registry) == 2  # type: ignore[arg-type]


def test_misspelt_event_type_suggests(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", [event("2022-01-05", "remvoed")]))
    line = line_containing(path, '"remvoed"')
    assert lines_of(path) == [
        f"{path}:{line}: feature a: events[0].type: unknown event type 'remvoed'; "
        "did you mean 'removed'?"
    ]


def test_misspelt_kind_suggests(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", kind="statu"))
    line = line_containing(path, '"statu"')
    assert lines_of(path) == [
        f"{path}:{line}: feature a: kind: unknown kind 'statu'; did you mean 'statue'?"
    ]


def test_unrelated_kind_lists_choices(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", kind="zeppelin"))
    (message,) = lines_of(path)
    assert message.endswith(
        "unknown kind 'zeppelin'; expected one of statue, bust, portrait, "
        "plaque, bas-relief, mural, sculpture, stele, street-name, place-name, "
        "institution-name, other"
    )


def test_not_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text('{\n  "type": "FeatureCollection",\n  "features": [,]\n}\n')
    (message,) = lines_of(path)
    assert message.startswith(f"{path}:3: column 16: not valid JSON")


def test_nan_is_named(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [feature("a")]}, indent=2)
    path.write_text(text.replace("78.37", "NaN"))
    (message,) = lines_of(path)
    line = line_containing(path, "NaN")
    assert message.startswith(f"{path}:{line}: column ")
    assert "NaN and Infinity are not JSON" in message


def test_not_utf8_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [feature("a")]}, indent=2)
    path.write_bytes(text.replace("Taldykorgan", "Taldyk\xf6rgan").encode("latin-1"))
    (message,) = lines_of(path)
    raw_lines = path.read_bytes().split(b"\n")
    line = next(n for n, raw in enumerate(raw_lines, start=1) if b"Taldyk" in raw)
    column = raw_lines[line - 1].index(b"\xf6") + 1
    assert message == (
        f"{path}:{line}: not UTF-8 text (byte 0xf6 at column {column}); save the file as UTF-8"
    )


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert lines_of(path) == []


def test_not_a_feature_collection(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps(feature("a")))
    assert lines_of(path) == [
        f"{path}:1: type: not a GeoJSON FeatureCollection (the top level must be an object "
        'with "type": "FeatureCollection")'
    ]


def test_missing_file(tmp_path: Path) -> None:
    assert lines_of(tmp_path / "nope.geojson") == [f"{tmp_path / 'nope.geojson'}: file not found"]


def test_missing_and_duplicate_ids(tmp_path: Path) -> None:
    nameless = feature("x")
    del nameless["id"]
    path = write(tmp_path / "r.geojson", feature("a"), feature("a"), nameless)
    messages = lines_of(path)
    second = line_containing(path, '"id": "a"', after=line_containing(path, '"id": "a"'))
    assert f"{path}:{second}: feature a: id: duplicate id (also feature #1 in the file)" in messages
    assert any(
        m.endswith("feature #3: id: missing: give the feature a stable slug id") for m in messages
    )


def test_null_and_out_of_range_geometry(tmp_path: Path) -> None:
    empty = feature("a")
    empty["geometry"] = None
    far = feature("b", lon=45.0, lat=178.0)
    path = write(tmp_path / "r.geojson", empty, far)
    messages = lines_of(path)
    null_line = line_containing(path, '"geometry": null')
    assert messages[0] == (
        f"{path}:{null_line}: feature a: geometry: missing or null: every object needs a location"
    )
    assert messages[1].endswith(
        "feature b: geometry.coordinates: [45.0, 178.0] is out of range: longitude -180..180, "
        "latitude -90..90 (swapped? GeoJSON is [longitude, latitude])"
    )


def test_swapped_coordinates_warn(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", lon=45.02, lat=78.37, country="KZ"))
    assert validate(path, today=TODAY).ok  # a warning, not an error...
    assert not validate(path, strict=True, today=TODAY).ok  # ...unless strict
    (message,) = lines_of(path)
    assert "feature a: geometry.coordinates: warning: coordinates look swapped" in message
    assert "[78.37, 45.02] is in KZ-33" in message


def test_region_disagreeing_with_geometry_warns(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", region="KZ-19"))
    result = validate(path, today=TODAY)
    assert result.ok
    (warning,) = result.warnings
    assert str(warning).endswith(
        "feature a: region: warning: stored region KZ-19 disagrees with the geometry, "
        "which is in KZ-33"
    )
    assert not validate(path, strict=True, today=TODAY).ok


def test_bad_and_future_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event("2016-11-30", "erected"),
                event("05.01.2022", "toppled"),
                event("2027-01", "removed"),
            ],
        ),
    )
    messages = lines_of(path)
    assert messages == [
        f"{path}:{line_containing(path, '05.01.2022')}: feature a: events[1].date: "
        "'05.01.2022' is not an EDTF date: write year first, e.g. YYYY-MM-DD",
        f"{path}:{line_containing(path, '2027-01')}: feature a: events[2].date: "
        "'2027-01' is in the future (today is 2026-11-27)",
    ]


def test_impossible_history(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2016-11-30", "erected"), event("2015", "removed")]),
    )
    line = line_containing(path, '"2015"')
    assert lines_of(path) == [
        f"{path}:{line}: feature a: events[1].date: "
        "impossible history: removed on 2015 before it was erected on 2016-11-30"
    ]


def test_sighting_without_status(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", [event("2020", "sighting")]))
    (message,) = lines_of(path)
    assert message.endswith("feature a: events[0].status: a sighting must record the status seen")


def test_standing_after_removal_suggests_restored(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event("2016", "erected"),
                event("2022-01-05", "toppled"),
                event("2023-05-01", "sighting", "standing"),
            ],
        ),
    )
    (message,) = lines_of(path)
    assert message.endswith(
        "feature a: events[2].status: seen standing on 2023-05-01 after it was toppled "
        "(2022-01-05): record a 'restored' event instead"
    )


def test_an_undated_event_does_not_shift_the_events_named(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event("not-a-date", "proposed"),
                event("2022-01-05", "toppled"),
                event("2023-05-01", "sighting", "standing"),
            ],
        ),
    )
    messages = [m.split(": ", 2)[2] for m in lines_of(path)]
    assert messages[0].startswith("events[0].date: ")
    assert messages[1] == (
        "events[2].status: seen standing on 2023-05-01 after it was toppled (2022-01-05): "
        "record a 'restored' event instead"
    )


def test_source_urls_must_be_http(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event(
                    "2016",
                    "erected",
                    sources=[
                        "javascript:alert(1)",
                        {"title": "no url"},
                        {"url": "ftp://example.org/x"},
                        {"url": "https://ok.example/", "archived": "data:text/html,x"},
                    ],
                )
            ],
        ),
    )
    messages = [m.split(": ", 2)[2] for m in lines_of(path)]
    assert messages == [
        "events[0].sources[0]: 'javascript:alert(1)' is not an http(s) URL",
        "events[0].sources[1].url: missing: a source needs its url",
        "events[0].sources[2].url: 'ftp://example.org/x' is not an http(s) URL",
        "events[0].sources[3].archived: 'data:text/html,x' is not an http(s) URL",
    ]


def test_warnings_no_events_and_no_source(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", []),
        feature("b", [event("2016", "erected", sources=[])]),
    )
    result = validate(path, today=TODAY)
    assert result.ok
    assert [str(w).split(": ", 2)[2] for w in result.warnings] == [
        "events: warning: no events: nothing says when it stood or changed",
        "events[0].sources: warning: no source: cite where this is reported",
    ]
    assert not validate(path, strict=True, today=TODAY).ok


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", kind="statu"),
        feature("b", [event("2024-13", "remvoed")]),
        feature("c", place=""),
    )
    assert len(lines_of(path)) == 4


def test_cli_exit_codes_and_output(tmp_path: Path) -> None:
    good = write(tmp_path / "good.geojson", feature("a"))
    bad = write(tmp_path / "bad.geojson", feature("a", kind="statu"))
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", str(good)])
    assert ok.exit_code == 0
    assert f"{good}: 1 objects, 0 errors, 0 warnings" in ok.stderr
    failed = runner.invoke(cli, ["validate", str(bad)])
    assert failed.exit_code == 1
    assert "did you mean 'statue'?" in failed.stdout
    assert "Traceback" not in failed.output
    usage = runner.invoke(cli, ["validate", "--no-such-option"])
    assert usage.exit_code == 2


def test_cli_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", []))
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["validate", "--strict", str(path)]).exit_code == 1


def test_validation_never_writes(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", kind="statu"))
    before = path.read_bytes()
    CliRunner().invoke(cli, ["validate", str(path)])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.geojson"]


@pytest.mark.skipif(not Path("data/monuments.geojson").exists(), reason="no bundled registry")
def test_bundled_registry_passes_strict() -> None:
    result = validate("data/monuments.geojson", strict=True)
    assert [str(p) for p in result.problems] == []
    assert len(result.registry) >= 15  # type: ignore[arg-type]


def test_json_schema_accepts_what_validate_accepts(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(Path("docs/registry.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator(schema)
    good = {"type": "FeatureCollection", "features": [feature("a", [event("2024-02~", "removed")])]}
    assert list(checker.iter_errors(good)) == []
    bundled = Path("data/monuments.geojson")
    if bundled.exists():
        assert [e.message for e in checker.iter_errors(json.loads(bundled.read_text()))] == []
    bad = feature("b", [event("2024", "remvoed", sources=["javascript:alert(1)"])], kind="statu")
    errors = list(checker.iter_errors({"type": "FeatureCollection", "features": [bad]}))
    assert len(errors) == 3


def test_recorded_must_be_a_past_edtf_date(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event("2016", "erected", recorded="2024-03-02"),
                event("2022-01-05", "toppled", recorded="soon"),
                event("2023", "removed", recorded="2027-01-01"),
            ],
        ),
    )
    messages = [m.split(": ", 2)[2] for m in lines_of(path)]
    assert messages == [
        "events[1].recorded: 'soon' is not an EDTF date: use YYYY, YYYY-MM or YYYY-MM-DD, "
        "optionally with ?, ~ or %, or an interval A/B",
        "events[2].recorded: '2027-01-01' is in the future (today is 2026-11-27)",
    ]


def test_dates_of_the_wrong_json_type_are_located_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event("2016", "erected", recorded=["2024"]),
                {**event("x", "toppled"), "date": {"y": 1}},
                event("2017", "damaged", sources=[{"url": "https://a.org/", "published": [1]}]),
            ],
        ),
    )
    messages = [m.split(": ", 2)[2] for m in lines_of(path)]
    assert len(messages) == 3
    assert messages[0].startswith("events[0].recorded: ")
    assert messages[1].startswith("events[1].date: ")
    assert messages[2] == "events[2].sources[0].published: expected an EDTF date as text, got list"


def test_source_texts_and_notes_must_be_text_and_a_broken_url_is_one_line(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event(
                    "2016",
                    "erected",
                    sources=[
                        {"url": "https://ok.example/", "title": 5, "publisher": ["P"]},
                        "https://[oops/x",
                    ],
                    note={"text": "n"},
                )
            ],
        ),
    )
    messages = [m.split(": ", 2)[2] for m in lines_of(path)]
    assert messages == [
        "events[0].sources[0].title: must be text, found 5",
        "events[0].sources[0].publisher: must be text, found ['P']",
        "events[0].sources[1]: 'https://[oops/x' is not a URL (Invalid IPv6 URL)",
        "events[0].note: must be text, found {'text': 'n'}",
    ]
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_open_ended_dates_before_a_sighting_are_no_crash(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2020/..", "erected"), event("2021/..", "sighting", "removed")]),
        feature("b", [event("2020/", "erected"), event("2020/..", "removed")]),
    )
    assert validate(path, today=TODAY).ok
    result = CliRunner().invoke(cli, ["status", str(path), "--as-of", "2025-01-01"])
    assert result.exit_code == 0, result.output


def test_a_deeply_nested_value_keeps_every_finding_located(tmp_path: Path) -> None:
    deep: object = "bottom"
    for _ in range(500):  # deeper than the scanner recurses (orjson reads up to 1024)
        deep = [deep]
    path = write(tmp_path / "r.geojson", feature("a", name="", extra=deep))
    problems = validate(path, today=TODAY).problems
    assert [(p.field, p.line) for p in problems] == [("name", line_containing(path, '"name"'))]


def test_checking_only_some_features_finds_what_the_whole_check_finds_of_them(
    tmp_path: Path,
) -> None:
    from symbols.registry import read
    from symbols.validate import check

    path = write(
        tmp_path / "r.geojson",
        feature("a", kind="statu"),  # an error
        feature("b", lon=45.02, lat=78.37, country="KZ"),  # a warning: swapped coordinates
        feature("c"),
        feature("a", region="KZ-19"),  # a repeated id (an error) and a region warning
        feature("e", [event("2016-11-30", "erected"), event("2015", "removed")]),
    )
    registry = read(path)
    whole = check(registry, today=TODAY)
    assert len(whole) == 5

    def line_of(problem) -> int:  # type: ignore[no-untyped-def]
        return next(i for i, start in enumerate(starts) if problem.line < start) - 1

    text = path.read_text()
    starts = [text.count("\n", 0, text.index(f'"id": "{f}"')) + 1 for f in "abcae"] + [10**9]
    for only in ({0}, {1}, {2}, {3}, {4}, {1, 3}, set(), {0, 1, 2, 3, 4}):
        some = check(read(path), today=TODAY, only=only)
        assert some == [p for p in whole if line_of(p) in only], only
    (duplicate, region) = check(read(path), today=TODAY, only={3})
    assert "duplicate id (also feature #1" in duplicate.message
    assert "stored region KZ-19 disagrees" in region.message


def test_what_the_schema_refuses_validate_refuses_too(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(Path("docs/registry.schema.json").read_text())
    checker = jsonschema.Draft202012Validator(schema)
    cases = [
        ({"country": "kz"}, "country: 'kz' is not an ISO 3166-1 code like KZ"),
        ({"country": "Kazakhstan"}, "country: 'Kazakhstan' is not an ISO 3166-1 code like KZ"),
        ({"subject:wikidata": "9259"}, "subject:wikidata: '9259' is not a Wikidata item id"),
        ({"subject:wikidata": "Q09"}, "subject:wikidata: 'Q09' is not a Wikidata item id"),
        ({"notes": 5}, "notes: must be text, found 5"),
    ]
    for properties, message in cases:
        item = feature("a", **properties)
        path = write(tmp_path / "r.geojson", item)
        (line,) = lines_of(path)
        assert f"feature a: {message}" in line
        assert list(checker.iter_errors({"type": "FeatureCollection", "features": [item]}))
    published = event(
        "2016-11-30", "erected", sources=[{"url": "https://e.org/", "published": "2030"}]
    )
    path = write(tmp_path / "r.geojson", feature("a", [published]))
    (line,) = lines_of(path)
    assert "events[0].sources[0].published: '2030' is in the future (today is 2026-" in line
    # an object without events: a warning here, and the schema takes it
    bare = feature("a")
    del bare["properties"]["events"]
    assert not list(checker.iter_errors({"type": "FeatureCollection", "features": [bare]}))


def test_problems_without_lines_are_the_same_problems_found_without_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from symbols import _jsonspans
    from symbols.registry import read
    from symbols.validate import check

    path = write(tmp_path / "r.geojson", feature("a", kind="statu"), feature("b", place=""))
    located = check(read(path), today=TODAY)
    assert [p.line for p in located] == [
        line_containing(path, '"statu"'),
        line_containing(path, '"place": ""'),
    ]

    def no_scan(text: str) -> None:
        raise AssertionError("the text was scanned for line numbers")

    monkeypatch.setattr(_jsonspans, "scan", no_scan)
    assert check(read(path), today=TODAY, lines=False) == [replace(p, line=None) for p in located]
