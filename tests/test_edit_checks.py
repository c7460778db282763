"""Refused edits: a clear one-line reason, exit status 1, and the file byte-identical."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from builders import STYLES, base_data, event, feature, write, write_style
from click.testing import CliRunner

from symbols import edit
from symbols.cli import cli
from symbols.errors import EditError, PlaceError
from symbols.registry import PRECISIONS

pytestmark = pytest.mark.usefixtures("edit_day")  # today is 2026-11-27
URL = "https://example.org/seen"


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write(
        tmp_path / "r.geojson",
        feature("plain", [event("2016-11-30", "erected")]),
        feature("gone", [event("2016-11-30", "erected"), event("2022-01-05", "removed")]),
        feature("later", [event("2016-11-30", "erected"), event("2024-03-10", "toppled")]),
        feature("new-one", [event("2023-06-01", "erected")]),
        feature("doubtful", [event("2016-11-30", "erected"), event("2024-03-10?", "removed")]),
    )


def refused(path: Path, *args: str, status: int = 1) -> str:
    """Run a command that must be refused (``status`` 2: a usage error); return its one line of
    stderr."""
    before = path.read_bytes()
    result = CliRunner().invoke(cli, [*args, "--registry", str(path)])
    assert result.exit_code == status, result.output
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no lock, no temp
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("symbols: "), result.stderr
    return lines[0]


def sighting(path: Path, feature_id: str, when: str, status: str, url: str = URL) -> str:
    return refused(
        path, "sighting", feature_id, "--date", when, "--status", status, "--source", url
    )


def test_unknown_id_suggests_close_ids(registry: Path) -> None:
    line = sighting(registry, "gon", "2024", "removed")
    assert line == f"symbols: {registry}: no object with id 'gon'; did you mean 'gone'?"
    assert "did you mean 'new-one'?" in sighting(registry, "new", "2024", "removed")


def test_future_and_malformed_dates(registry: Path) -> None:
    line = sighting(registry, "plain", "2027-01-01", "standing")
    assert line == (
        f"symbols: {registry}: feature plain: date: '2027-01-01' is in the future "
        "(today is 2026-11-27)"
    )
    line = sighting(registry, "plain", "12.05.2024", "standing")
    assert line.startswith(
        f"symbols: {registry}: feature plain: date: '12.05.2024' is not an EDTF date: write "
        "year first"
    )


@pytest.mark.parametrize("url", ["ftp://example.org/x", "example.org/x", "javascript:alert(1)"])
def test_only_http_sources(registry: Path, url: str) -> None:
    line = sighting(registry, "plain", "2024", "standing", url)
    assert line == f"symbols: {registry}: feature plain: source: {url!r} is not an http(s) URL"


@pytest.mark.parametrize(
    "url", ["https://x.org/a b", "https://x.org/a\tb", "https://x.org/a\nb", " https://x.org/a"]
)
def test_urls_with_whitespace_are_refused(registry: Path, url: str) -> None:
    assert f"{url!r} has whitespace in it" in sighting(registry, "plain", "2024", "standing", url)


def test_urls_with_whitespace_are_validation_errors(tmp_path: Path) -> None:
    from symbols.validate import validate

    spaced = "https://x.org/a b"
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2016-11-30", "erected", sources=[spaced, {"url": URL + "\t"}])]),
    )
    messages = [p.message for p in validate(path).problems if p.severity == "error"]
    assert messages == [
        f"{spaced!r} has whitespace in it (write a space as %20)",
        f"{URL + chr(9)!r} has whitespace in it (write a space as %20)",
    ]


def test_standing_after_a_certain_removal_suggests_restored(registry: Path) -> None:
    line = sighting(registry, "gone", "2024-05-01", "standing")
    assert line == (
        f"symbols: {registry}: feature gone: events[2].status: seen standing on 2024-05-01 after "
        "it was removed (2022-01-05): record a 'restored' event instead; nothing was written"
    )
    restored = edit.NewEvent("restored", "2023-08", [URL])
    edit.add_event(registry, "gone", restored)
    edit.add_sighting(registry, "gone", date="2024-05-01", status="standing", sources=[URL])


def test_sighting_contradicting_a_certain_later_event(registry: Path) -> None:
    line = sighting(registry, "later", "2023-05", "removed")
    assert line == (
        f"symbols: {registry}: feature later: seen removed on 2023-05, but it was toppled later, "
        "on 2024-03-10 (events[1]); if it was put back in between, record a 'restored' event "
        "first; nothing was written"
    )
    line = sighting(registry, "new-one", "2021", "standing")
    assert "seen standing on 2021, but it was erected later, on 2023-06-01" in line
    # a later event that is itself uncertain does not contradict
    edit.add_sighting(registry, "doubtful", date="2023-05", status="removed", sources=[URL])
    # seen planned before the erection is no contradiction
    edit.add_sighting(registry, "new-one", date="2021", status="planned", sources=[URL])


def test_impossible_history_is_refused_with_the_validators_reason(registry: Path) -> None:
    line = refused(
        registry, "event", "new-one", "--type", "removed", "--date", "2020", "--source", URL
    )
    assert "impossible history: removed on 2020 before it was erected on 2023-06-01" in line


def test_duplicate_event_is_refused(registry: Path) -> None:
    edit.add_sighting(registry, "plain", date="2024-05", status="standing", sources=[URL])
    line = sighting(registry, "plain", "2024-05", "standing")
    assert "already recorded as events[1] (sighting on 2024-05)" in line


def test_existing_errors_elsewhere_do_not_block(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("bad", kind="statu"), feature("fine"))
    result = edit.add_sighting(path, "fine", date="2024", status="standing", sources=[URL])
    assert result.written
    assert result.notes == [
        f"note: {path} already had 1 error before this edit (not caused by it); "
        "`symbols validate` lists them"
    ]


def test_not_json_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [\n{"id": "a",}\n]}\n')
    before = path.read_bytes()
    result = CliRunner().invoke(
        cli, ["sighting", "a", "--date", "2024", "--status", "standing", "--source", URL,
              "--registry", str(path)],
    )  # fmt: skip
    assert result.exit_code == 1 and path.read_bytes() == before
    assert result.stderr.startswith(f"{path}:2: column")


@pytest.mark.parametrize("style", STYLES)
def test_refusals_leave_every_style_byte_identical(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    before = path.read_bytes()
    attempts = [
        lambda: edit.add_sighting(path, "nope", date="2024", status="standing", sources=[URL]),
        lambda: edit.add_sighting(
            path, "almaty-bust", date="2024", status="standing", sources=[URL]
        ),  # after its certain toppling
        lambda: edit.add_object(path, "x", name="X", kind="bust", subject="S", place="Nowhere"),
        lambda: edit.set_archived(path, [("almaty-bust", 1, 0, URL, "ftp://archive/x")]),
        lambda: edit.set_archived(path, [("almaty-bust", 7, 0, URL, "https://archive/x")]),
    ]
    for attempt in attempts:
        with pytest.raises((EditError, PlaceError)):
            attempt()
        assert path.read_bytes() == before


# --- new objects -------------------------------------------------------------------------------

ADD = ["add", "--id", "new-bust", "--name", "New bust", "--kind", "bust", "--subject", "S"]


@pytest.mark.parametrize("spelling", ["Талдыкорган", "Талдықорған", "Taldyqorghan", "Taldykorgan"])
def test_gazetteer_resolves_all_three_scripts(registry: Path, spelling: str) -> None:
    result = CliRunner().invoke(cli, [*ADD, "--place", spelling, "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    assert f"{spelling} → Taldykorgan (KZ-33 Jetisu Region), 78.37389, 45.01556" in result.stderr
    added = orjson.loads(registry.read_bytes())["features"][-1]
    assert added["geometry"]["coordinates"] == [78.37389, 45.01556]
    assert added["properties"]["place"] == "Taldykorgan"
    assert added["properties"]["location_precision"] == "settlement"
    assert "region" not in added["properties"]


def test_unknown_and_ambiguous_places_list_candidates(registry: Path) -> None:
    line = refused(registry, *ADD, "--place", "Taldykorgn")
    where = f"symbols: {registry}: feature new-bust: place: "
    assert line.startswith(f"{where}unknown place 'Taldykorgn'; did you mean: Taldykorgan")
    line = refused(registry, *ADD, "--place", "Aksu")
    assert line.startswith(f"{where}ambiguous place 'Aksu': 3 settlements: Aksu (KZ-55")
    edit.add_object(registry, "aksu-bust", name="B", kind="bust", subject="S", place="Aksu, KZ-55")


def test_unknown_kinds_and_types_read_as_validation_says_them(registry: Path) -> None:
    from symbols.registry import KINDS

    before = registry.read_bytes()
    with pytest.raises(EditError, match=r": kind: unknown kind 'Statu'; did you mean 'statue'\?$"):
        edit.add_object(registry, "x", name="X", kind="Statu", subject="S", place="Kegen")
    with pytest.raises(EditError) as raised:
        edit.add_object(registry, "x", name="X", kind="zeppelin", subject="S", place="Kegen")
    assert str(raised.value) == (
        f"{registry}: feature x: kind: unknown kind 'zeppelin'; expected one of {', '.join(KINDS)}"
    )
    with pytest.raises(EditError, match=r": type: unknown event type 'remvoed'; did you mean"):
        edit.add_event(registry, "plain", edit.NewEvent("remvoed", "2024", [URL]))
    assert registry.read_bytes() == before


def test_new_object_checks(registry: Path) -> None:
    line = refused(registry, *ADD[:2], "plain", *ADD[3:], "--place", "Kegen")
    assert line == f"symbols: {registry}: id 'plain' is taken by feature #1 (Object plain)"
    line = refused(registry, *ADD[:2], "New Bust", *ADD[3:], "--place", "Kegen")
    assert line.startswith(f"symbols: {registry}: id: 'New Bust' is not a slug")
    line = refused(registry, *ADD, "--place", "Kegen", "--lon", "43.01", "--lat", "79.22",
                   "--precision", "exact")  # fmt: skip
    assert line.startswith(
        f"symbols: {registry}: feature new-bust: coordinates: look swapped: [43.01, 79.22] is "
        "outside the known regions"
    )
    for qid in ("9", "Q1\u0662", "Q09"):
        line = refused(registry, *ADD, "--place", "Kegen", "--subject-wikidata", qid)
        assert line == (
            f"symbols: {registry}: feature new-bust: subject:wikidata: {qid!r} is not a Wikidata "
            "item id like Q9259"
        )
    line = refused(registry, *ADD, "--place", "Kegen", "--region", "KZ-1234")
    assert line == (
        f"symbols: {registry}: feature new-bust: region: 'KZ-1234' is not an ISO 3166-2 code "
        "like KZ-33"
    )
    edit.add_object(registry, "q-bust", name="B", kind="bust", subject="S", place="Kegen",
                    subject_wikidata=" q9259")  # fmt: skip
    added = orjson.loads(registry.read_bytes())["features"][-1]["properties"]
    assert added["subject:wikidata"] == "Q9259"  # as discover takes it


def test_coordinate_options_that_go_together_given_apart_are_usage_errors(registry: Path) -> None:
    line = refused(registry, *ADD, "--place", "Kegen", "--lon", "79.22", status=2)
    assert line == "symbols: give both --lon and --lat, or neither (to look the place up)"
    line = refused(registry, *ADD, "--place", "Kegen", "--lon", "79.22", "--lat", "43.01", status=2)
    assert line == "symbols: give --precision with --lon and --lat: one of " + ", ".join(PRECISIONS)
    line = refused(registry, *ADD, "--place", "Kegen", "--precision", "exact", status=2)
    assert line.startswith("symbols: precision 'exact' needs --lon and --lat")


def test_a_country_that_is_not_the_points_is_refused(registry: Path) -> None:
    line = refused(registry, *ADD, "--place", "Kegen", "--lon", "79.22", "--lat", "43.01",
                   "--precision", "site", "--country", "ZZ")  # fmt: skip
    assert line == (
        f"symbols: {registry}: feature new-bust: country: 'ZZ' does not match the point: it is "
        "in KZ-19 Almaty Region (KZ); leave --country out to take KZ"
    )
    line = refused(registry, *ADD, "--place", "Taldykorgan", "--country", "uz")
    assert ": country: 'UZ' does not match the point: it is in KZ-33 Jetisu Region (KZ)" in line


def test_country_and_region_codes_may_be_lowercase(registry: Path) -> None:
    result = CliRunner().invoke(
        cli, [*ADD, "--place", "Kegen", "--lon", "79.22", "--lat", "43.01", "--precision",
              "site", "--country", " kz", "--region", "kz-19", "--registry", str(registry)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = orjson.loads(registry.read_bytes())["features"][-1]["properties"]
    assert (added["country"], added["region"]) == ("KZ", "KZ-19")
    edit.add_object(registry, "b", name="B", kind="bust", subject="S", place="Kegen", country="kz")
    assert orjson.loads(registry.read_bytes())["features"][-1]["properties"]["country"] == "KZ"
    before = registry.read_bytes()
    with pytest.raises(EditError, match=": country: 'KAZ' is not an ISO 3166-1 alpha-2 code like"):
        edit.add_object(registry, "c", name="C", kind="bust", subject="S", place="Kegen",
                        country="KAZ")  # fmt: skip
    assert registry.read_bytes() == before


def test_new_object_with_everything(registry: Path) -> None:
    result = edit.add_object(
        registry,
        "kegen-nurkadilov-bust",
        name="Bust of Zamanbek Nurkadilov",
        kind="bust",
        subject="Zamanbek Nurkadilov",
        place="Kegen village, main square",
        lon=79.2264,
        lat=43.0145,
        precision="site",
        region="KZ-19",
        subject_wikidata="Q4354476",
        names={"kk": "Заманбек Нұрқаділов бюсті", "ru": "Бюст Заманбека Нуркадилова"},
        notes="Unveiled by his family.",
        event=edit.NewEvent("sighting", "2024-08", [URL], ["A photo"], status="standing"),
    )
    assert result.notes == ["region: KZ-19 Almaty Region, from the geometry"]
    added = orjson.loads(registry.read_bytes())["features"][-1]
    assert added["properties"] == {
        "name": "Bust of Zamanbek Nurkadilov",
        "kind": "bust",
        "subject": "Zamanbek Nurkadilov",
        "place": "Kegen village, main square",
        "location_precision": "site",
        "name:kk": "Заманбек Нұрқаділов бюсті",
        "name:ru": "Бюст Заманбека Нуркадилова",
        "subject:wikidata": "Q4354476",
        "country": "KZ",
        "region": "KZ-19",
        "notes": "Unveiled by his family.",
        "events": [
            {
                "date": "2024-08",
                "type": "sighting",
                "status": "standing",
                "sources": [{"url": URL, "title": "A photo"}],
                "recorded": "2026-11-27",
            }
        ],
    }  # keys the file knows in its order (name, kind, subject, place, precision), new ones after
    assert "status on 2026-11-27: standing since 2024-08" in result.summary


def test_set_archived_refuses_unknown_targets(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io", base_data())
    with pytest.raises(EditError, match="no object with id 'nope'"):
        edit.set_archived(path, [("nope", 0, 0, URL, "https://web.archive.org/x")])
    with pytest.raises(
        EditError,
        match=rf"^{path}: feature almaty-bust: events\[0\]\.sources\[5\]: no such source; nothing",
    ):
        edit.set_archived(path, [("almaty-bust", 0, 5, URL, "https://web.archive.org/x")])
    before = path.read_bytes()
    for e, s in ((-1, 0), (0, -1)):
        with pytest.raises(
            EditError,
            match=rf"^{path}: feature almaty-bust: events\[{e}\]\.sources\[{s}\]: no such "
            r"source \(positions count from 0\); nothing was written$",
        ):
            edit.set_archived(path, [("almaty-bust", e, s, URL, "https://web.archive.org/x")])
    assert path.read_bytes() == before
    assert edit.set_archived(path, [], dry_run=True).count == 0


class Passes(list):
    """A registry's features that count the passes made over them."""

    def __init__(self, features: list[Any], passes: list[int]) -> None:
        super().__init__(features)
        self.passes = passes

    def __iter__(self) -> Iterator[Any]:
        self.passes.append(1)
        return super().__iter__()


def test_set_archived_finds_the_ids_once_per_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 300
    features = [
        feature(f"bust-{n}", [event("2016", "erected", sources=[f"https://e.org/{n}"])])
        for n in range(count)
    ]
    passes: list[int] = []
    real = edit.from_text

    def counted(*args: Any) -> Any:
        registry = real(*args)
        registry.features = Passes(registry.features, passes)
        return registry

    monkeypatch.setattr(edit, "from_text", counted)

    def passes_for(updates: int) -> int:
        path = write(tmp_path / f"r{updates}.geojson", *features)
        wanted = [
            (f"bust-{n}", 0, 0, f"https://e.org/{n}", f"https://web.archive.org/web/2020/{n}")
            for n in range(updates)
        ]
        passes.clear()
        assert edit.set_archived(path, wanted).count == updates
        return len(passes)

    few = passes_for(3)
    assert few > 0  # the count sees the edit's passes (finding the ids, validating)
    assert passes_for(count) == few  # not one more pass over the features per update
    data = orjson.loads((tmp_path / f"r{count}.geojson").read_bytes())["features"]
    assert data[123]["properties"]["events"][0]["sources"][0] == {
        "url": "https://e.org/123",
        "archived": "https://web.archive.org/web/2020/123",
    }


def test_set_archived_refuses_a_repeated_id(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a"), feature("b"), feature("a"))
    with pytest.raises(EditError, match=r"id 'a' is used by features #1, #3; fix the file first"):
        edit.set_archived(path, [("b", 0, 0, URL, URL), ("a", 0, 0, URL, URL)])
    with pytest.raises(EditError, match=r"no object with id 'c'"):
        edit.set_archived(path, [("b", 0, 0, URL, URL), ("c", 0, 0, URL, URL)])


def test_set_archived_skips_a_source_that_is_no_longer_the_one_looked_up(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2016", "erected", sources=["https://e.org/2", "https://e.org/1"])]),
        feature("b", [event("2016", "erected", sources=["https://e.org/3"])]),
    )  # another edit put e.org/2 in front of e.org/1 while they were looked up
    result = edit.set_archived(
        path,
        [
            ("a", 0, 0, "https://e.org/1", "https://web.archive.org/web/2020/1"),
            ("a", 0, 1, "https://e.org/2", "https://web.archive.org/web/2020/2"),
            ("b", 0, 0, "https://e.org/3", "https://web.archive.org/web/2020/3"),
        ],
    )
    assert result.count == 1 and result.skipped == 2 and result.written
    assert result.notes == [
        "archive: a: events[0].sources[0] is no longer https://e.org/1 (the registry changed "
        "during the lookups); its archived link was not written",
        "archive: a: events[0].sources[1] is no longer https://e.org/2 (the registry changed "
        "during the lookups); its archived link was not written",
    ]
    features = orjson.loads(path.read_bytes())["features"]
    assert features[0]["properties"]["events"][0]["sources"] == [
        "https://e.org/2",
        "https://e.org/1",
    ]  # neither got the other's link
    assert features[1]["properties"]["events"][0]["sources"] == [
        {"url": "https://e.org/3", "archived": "https://web.archive.org/web/2020/3"}
    ]


def test_what_an_edit_brings_is_told_apart_from_what_the_file_had(tmp_path: Path) -> None:
    # Only the changed and added features are checked before and after; the rest of the file is
    # checked once, for its errors. The same warning elsewhere does not hide the new one.
    bare = feature("bare")
    del bare["properties"]["events"]  # warning: no events
    path = write(tmp_path / "r.geojson", feature("bad", kind="statu"), bare, feature("fine"))
    result = edit.add_object(path, "new-bust", name="B", kind="bust", subject="S", place="Kegen")
    assert [(p.feature, p.field, p.message) for p in result.warnings] == [
        ("new-bust", "events", "no events: nothing says when it stood or changed")
    ]
    assert result.notes[-1] == (
        f"note: {path} already had 1 error before this edit (not caused by it); "
        "`symbols validate` lists them"
    )
    result = edit.add_sighting(path, "bare", date="2024", status="standing", sources=[URL])
    assert result.written and result.warnings == []  # "bare" has an event now: nothing new
    line = refused(path, "event", "fine", "--type", "removed", "--date", "2010", "--source", URL)
    assert "impossible history: removed on 2010 before it was erected on 2016-11-30" in line


def test_an_edit_that_settles_an_error_counts_it_as_the_files_before(tmp_path: Path) -> None:
    seen = event("2023-05-01", "sighting", status="standing")  # after its removal: an error
    gone = feature("gone", [event("2016-11-30", "erected"), event("2022-01-05", "removed"), seen])
    path = write(tmp_path / "r.geojson", gone, feature("bad", kind="statu"))
    result = edit.add_event(path, "gone", edit.NewEvent("restored", "2023-04", [URL]))
    assert result.written
    assert result.notes[-1] == (
        f"note: {path} already had 2 errors before this edit (not caused by it); "
        "`symbols validate` lists them"
    )
