"""Editing in place: each edit, in each file style, changes only the edited object's lines.

A registry is written in one style by a *writer* (json.dumps with 2 or 4 spaces or tabs, GDAL's
one feature per line, CRLF, BOM, compact, the docs' hand style). After an edit, the file must be
exactly what the same writer would write for the edited data: so the new text is in the file's
style, and everything else is byte-identical. (The writers are in builders.py: the other edit
tests write registries with them too.)
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import EDIT_DAY, STYLES, assert_same_style, base_data, data_of, write_style

from symbols import edit
from symbols._jsonspans import scan

pytestmark = pytest.mark.usefixtures("edit_day")
TODAY = EDIT_DAY
ARCHIVE = "https://web.archive.org/web/2024/https://example.org/a"


def touched_lines(old: str, new: str) -> tuple[set[int], set[int]]:
    """Line numbers (1-based) removed from ``old`` and added in ``new``."""
    matcher = difflib.SequenceMatcher(
        None, old.splitlines(keepends=True), new.splitlines(keepends=True), autojunk=False
    )
    removed: set[int] = set()
    added: set[int] = set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed |= set(range(i1 + 1, i2 + 1))
            added |= set(range(j1 + 1, j2 + 1))
    return removed, added


def lines_of(text: str, path: tuple) -> set[int]:
    spans = scan(text)
    start, end = spans.value(path)
    return set(range(spans.line_of_offset(start), spans.line_of_offset(end - 1) + 1))


def assert_insertion(old: str, new: str) -> str:
    """``new`` is ``old`` with one piece of text inserted; returns the piece."""
    common = len(old) - next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old)
    )
    start = len(old) - common
    inserted = new[start : len(new) - (len(old) - start)]
    assert new == old[:start] + inserted + old[start:]
    return inserted


def old_new(path: Path, action: Callable[[], object]) -> tuple[str, str]:
    before = path.read_bytes().decode("utf-8-sig")
    action()
    return before, path.read_bytes().decode("utf-8-sig")


MULTILINE = [s for s in STYLES if s != "compact"]


@pytest.mark.parametrize("style", STYLES)
def test_sighting_appends_one_event_in_the_files_style(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    old, new = old_new(
        path,
        lambda: edit.add_sighting(
            path,
            "taldy-statue",
            date="2024-05-01",
            status="removed",
            sources=["https://example.org/x"],
            titles=["Photo of the empty square"],
            note="seen from the bus",
        ),
    )
    assert_same_style(style, path.read_bytes())
    inserted = assert_insertion(old, new)
    assert inserted.startswith(",") and "Photo of the empty square" in inserted
    events = data_of(path.read_bytes())["features"][1]["properties"]["events"]
    assert events[-1] == {
        "date": "2024-05-01",
        "type": "sighting",
        "status": "removed",
        "sources": [{"url": "https://example.org/x", "title": "Photo of the empty square"}],
        "note": "seen from the bus",
        "recorded": TODAY,  # the day it entered the registry, for `symbols changes`
    }
    if style in MULTILINE:
        removed, added = touched_lines(old, new)
        target = ("features", 1)
        assert removed <= lines_of(old, target) and added <= lines_of(new, target)
        assert len(removed) <= 1  # at most the previous event's last line gains a comma


@pytest.mark.parametrize("style", STYLES)
def test_plain_url_sources_stay_plain(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    old, new = old_new(
        path,
        lambda: edit.add_sighting(
            path, "shymkent-plaque", date="2024-05", status="standing", sources=["https://e.org/s"]
        ),
    )
    assert_same_style(style, path.read_bytes())
    assert_insertion(old, new)
    last = data_of(path.read_bytes())["features"][3]["properties"]["events"][-1]
    assert last["sources"] == ["https://e.org/s"]


@pytest.mark.parametrize("style", STYLES)
def test_event_creates_missing_events_list_last(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    new_event = edit.NewEvent("renamed", "2022-09-17", ["https://example.org/rename"])
    old, new = old_new(path, lambda: edit.add_event(path, "kegen-sign", new_event))
    assert_same_style(style, path.read_bytes())
    assert_insertion(old, new)
    props = data_of(path.read_bytes())["features"][2]["properties"]
    assert list(props)[-1] == "events"
    assert props["events"] == [
        {
            "date": "2022-09-17",
            "type": "renamed",
            "sources": ["https://example.org/rename"],
            "recorded": TODAY,
        }
    ]
    if style in MULTILINE:
        removed, added = touched_lines(old, new)
        assert removed <= lines_of(old, ("features", 2)) and added <= lines_of(new, ("features", 2))


@pytest.mark.parametrize("style", STYLES)
def test_add_appends_a_feature_found_in_the_gazetteer(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    first = edit.NewEvent("erected", "2023-09", ["https://example.org/kegen"])

    def add() -> None:
        result = edit.add_object(
            path,
            "kegen-nurkadilov-bust",
            name="Bust of Zamanbek Nurkadilov",
            kind="bust",
            subject="Zamanbek Nurkadilov",
            place="Кеген",
            names={"kk": "Заманбек Нұрқаділов бюсті"},
            event=first,
        )
        assert result.notes[0] == "Кеген → Kegen (KZ-19 Almaty Region), 79.22638, 43.01451"

    old, new = old_new(path, add)
    assert_same_style(style, path.read_bytes())
    inserted = assert_insertion(old, new)
    added = data_of(path.read_bytes())["features"][-1]
    assert added["id"] == "kegen-nurkadilov-bust"
    assert added["geometry"] == {"type": "Point", "coordinates": [79.22638, 43.01451]}
    assert list(added) == ["type", "id", "geometry", "properties"]  # as the file orders them
    props = added["properties"]
    assert props["place"] == "Kegen" and props["location_precision"] == "settlement"
    assert props["country"] == "KZ" and "region" not in props
    assert props["events"][0]["sources"] == ["https://example.org/kegen"]  # as most sources here
    if style == "gdal":
        assert inserted.count("\n") == 1  # one new line: the feature
    if style in MULTILINE:
        # at most the previous feature's last line changes, gaining a comma (difflib may
        # instead show the new lines as inserted before it)
        removed, added_lines = touched_lines(old, new)
        previous_end = max(lines_of(new, ("features", 3)))
        assert removed <= {previous_end}
        assert added_lines <= lines_of(new, ("features", 4)) | {previous_end}
        assert new.splitlines()[previous_end - 1] == old.splitlines()[previous_end - 1] + ","


@pytest.mark.parametrize("style", STYLES)
def test_set_archived_touches_only_those_sources(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    updates = [
        ("almaty-bust", 1, 0, "https://example.org/a", ARCHIVE),  # a plain URL: becomes an object
        ("taldy-statue", 0, 0, "https://example.org/news/1", ARCHIVE),  # gains "archived"
    ]
    old, new = old_new(path, lambda: edit.set_archived(path, updates))
    assert_same_style(style, path.read_bytes())
    features = data_of(path.read_bytes())["features"]
    assert features[0]["properties"]["events"][1]["sources"] == [
        {"url": "https://example.org/a", "archived": ARCHIVE}
    ]
    assert features[1]["properties"]["events"][0]["sources"][0] == {
        "url": "https://example.org/news/1",
        "title": "News",
        "archived": ARCHIVE,
    }
    if style in MULTILINE:
        removed, added = touched_lines(old, new)
        for text, lines in ((old, removed), (new, added)):
            spans = lines_of(text, ("features", 0, "properties", "events", 1, "sources", 0))
            spans |= lines_of(text, ("features", 1, "properties", "events", 0, "sources", 0))
            assert lines <= spans
    assert edit.set_archived(path, updates).count == 0  # already there: nothing to change
    again = [("taldy-statue", 0, 0, "https://example.org/news/1", ARCHIVE + "x")]
    assert edit.set_archived(path, again).count == 1


def test_non_ascii_follows_the_file(tmp_path: Path) -> None:
    raw_utf8 = write_style(tmp_path / "a.geojson", "geojson.io")
    escaped = write_style(tmp_path / "b.geojson", "python-4-ascii")
    for path in (raw_utf8, escaped):
        edit.add_sighting(
            path, "taldy-statue", date="2024", status="standing", sources=["https://e.org/"],
            note="Талдықорған",
        )  # fmt: skip
    assert "Талдықорған" in raw_utf8.read_text()
    assert "\\u0422\\u0430\\u043b" in escaped.read_text() and escaped.read_bytes().isascii()


def test_unknown_properties_and_key_order_are_kept(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    before = data_of(path.read_bytes())
    edit.add_sighting(path, "taldy-statue", date="2024", status="standing", sources=["https://e/"])
    after = data_of(path.read_bytes())
    props = after["features"][1]["properties"]
    assert props["x-custom"] == {"keep": [1, 2.5, None]}
    assert list(props) == list(before["features"][1]["properties"])
    after["features"][1]["properties"]["events"].pop()
    assert after == before


def test_event_keys_follow_the_files_order(tmp_path: Path) -> None:
    data = base_data()
    for f in data["features"]:
        for e in f["properties"].get("events", []):
            order = ["type", "sources", "date"]  # an unusual order, consistently used
            for key in order:
                e[key] = e.pop(key)
    path = write_style(tmp_path / "r.geojson", "geojson.io", data)
    edit.add_sighting(
        path, "taldy-statue", date="2024", status="standing", sources=["https://e/"], note="n"
    )
    last = data_of(path.read_bytes())["features"][1]["properties"]["events"][-1]
    assert list(last) == ["type", "status", "sources", "note", "recorded", "date"]
    assert_same_style("geojson.io", path.read_bytes())


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    before, stat = path.read_bytes(), path.stat()
    result = edit.add_sighting(
        path, "taldy-statue", date="2024", status="standing", sources=["https://e/"], dry_run=True
    )
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert not result.written and result.changed
    diff = result.diff()
    assert diff.startswith(f"--- {path}\n+++ {path}\n@@ ")
    assert '+            "type": "sighting",\n' in diff
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.geojson"]  # no lock, no temp file


def test_file_mode_and_symlink_survive(tmp_path: Path) -> None:
    real = write_style(tmp_path / "real.geojson", "geojson.io")
    real.chmod(0o640)
    link = tmp_path / "link.geojson"
    link.symlink_to(real.name)
    edit.add_sighting(link, "taldy-statue", date="2024", status="standing", sources=["https://e/"])
    assert link.is_symlink() and (real.stat().st_mode & 0o777) == 0o640
    assert '"sighting"' in real.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.geojson", "real.geojson"]


def test_recorded_is_the_day_the_edit_was_checked_against(tmp_path: Path) -> None:
    from datetime import date

    path = write_style(tmp_path / "r.geojson", "hand")
    day = date(2025, 2, 3)  # not $SYMBOLS_TODAY
    edit.add_sighting(
        path, "taldy-statue", date="2025-01", status="standing", sources=["https://e.org/s"],
        today=day,
    )  # fmt: skip
    first = edit.NewEvent("erected", "2020", ["https://e.org/e"])
    edit.add_object(path, "new-bust", name="N", kind="bust", subject="S", place="Kegen",
                    event=first, today=day)  # fmt: skip
    features = data_of(path.read_bytes())["features"]
    assert features[1]["properties"]["events"][-1]["recorded"] == "2025-02-03"
    assert features[-1]["properties"]["events"][0]["recorded"] == "2025-02-03"


def whole_file_diff(result: edit.EditResult) -> str:
    """What difflib makes of the whole before and after texts (the dry run's diff used to be
    this; on a big registry it takes minutes)."""
    import difflib

    def lines(text: str) -> list[str]:  # split at line feeds only, as git does
        *whole, last = text.split("\n")
        return [line + "\n" for line in whole] + ([last] if last else [])

    out = []
    shown = str(result.path)
    for line in difflib.unified_diff(lines(result.before), lines(result.after), shown, shown):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def changed_lines(diff: str) -> tuple[int, int]:
    lines = diff.splitlines()[2:]
    return sum(line.startswith("-") for line in lines), sum(line.startswith("+") for line in lines)


def git_apply(tmp_path: Path, result: edit.EditResult) -> bytes:
    """The registry file (untouched by a dry run) with ``result.diff()`` applied by git."""
    import subprocess

    work = tmp_path / "apply"
    work.mkdir(exist_ok=True)
    target = work / "r.geojson"
    target.write_bytes(result.path.read_bytes())
    patch = tmp_path / "change.diff"
    patch.write_bytes(result.diff().replace(str(result.path), "r.geojson").encode())
    subprocess.run(["git", "apply", "-p0", str(patch)], cwd=work, check=True)
    return target.read_bytes()


def written(result: edit.EditResult) -> bytes:
    """What the edit writes (or a dry run would)."""
    return ("\ufeff" * result.bom + result.after).encode()


@pytest.mark.parametrize("style", STYLES)
def test_the_dry_run_diff_is_the_whole_file_diff_and_applies(tmp_path: Path, style: str) -> None:
    data = base_data()
    # more features, so that the edits below are apart (separate hunks) or near (one hunk)
    data["features"] += [dict(data["features"][1], id=f"more-{n}") for n in range(12)]
    path = write_style(tmp_path / "r.geojson", style, data)
    edits = [
        lambda: edit.add_sighting(
            path, "more-5", date="2024", status="standing", sources=["https://e/"], dry_run=True
        ),
        lambda: edit.add_object(
            path, "new-bust", name="New\u2028bust", kind="bust", subject="S", place="Kegen",
            dry_run=True,
        ),  # at the end of the file; a raw line separator in a name is not a line end
        lambda: edit.set_archived(
            path,
            [("almaty-bust", 1, 0, "https://example.org/a", ARCHIVE),
             ("taldy-statue", 0, 0, "https://example.org/news/1", ARCHIVE),
             *[(f"more-{n}", 0, 0, "https://example.org/news/1", ARCHIVE) for n in (0, 7, 11)]],
            dry_run=True,
        ),
    ]  # fmt: skip
    for make in edits:
        result = make()
        assert result.changed and not result.written
        diff = result.diff()
        whole = whole_file_diff(result)
        # as many lines taken out and put in (difflib may align a repeated line differently
        # when it sees a few lines rather than the whole file: "}" is "}")
        assert changed_lines(diff) == changed_lines(whole)
        assert diff.count("\n@@ ") == whole.count("\n@@ ")
        assert git_apply(tmp_path, result) == written(result)


def test_a_diff_keeps_its_context_where_lines_look_alike(tmp_path: Path) -> None:
    # difflib, given only the lines around a change, can pair a context line with a lookalike
    # inside the change and leave a hunk with no context after it: git takes such a hunk for
    # the end of the file and refuses it
    a, b = "https://e.org/a", "https://e.org/b"
    sources = [a, {"url": b, "title": "T"}, {"url": b, "title": "U"}]
    data = base_data()
    for item in data["features"][:2]:
        item["properties"]["events"][0]["sources"] = sources
    path = write_style(tmp_path / "r.geojson", "geojson.io", data)
    result = edit.set_archived(
        path,
        [("almaty-bust", 0, 0, a, ARCHIVE), ("almaty-bust", 0, 1, b, ARCHIVE + "b")],
        dry_run=True,
    )
    for hunk in result.diff().split("\n@@ ")[1:]:
        lines = hunk.splitlines()[1:]
        assert lines[:3] == [" " + line[1:] for line in lines[:3]]  # three lines of context
        assert lines[-3:] == [" " + line[1:] for line in lines[-3:]]  # before and after
    assert git_apply(tmp_path, result) == written(result)


@pytest.mark.parametrize("style", ["bom", "compact"])
def test_a_diff_of_the_first_line_of_a_file_with_a_bom_applies(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style, {"type": "FeatureCollection", "features": []})
    if style == "compact":  # one line: every change is on the first
        path.write_bytes("\ufeff".encode() + path.read_bytes())
    result = edit.add_object(
        path, "new-bust", name="B", kind="bust", subject="S", place="Kegen", dry_run=True
    )
    assert result.bom and result.diff().startswith(f"--- {path}\n+++ {path}\n@@ -1")
    assert git_apply(tmp_path, result) == written(result)
