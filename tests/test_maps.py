"""Maps without a browser: what the pages embed, escaping, determinism, assets, the commands.

tests/browser/ loads the same pages in Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import zlib
from datetime import date
from pathlib import Path

import pytest
from builders import event, feature, write
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "browser"))

from registries import HOSTILE, SAMPLE_DATES, TODAY, hostile, sample  # noqa: E402

from symbols import maps, registry  # noqa: E402
from symbols._mapdata import (  # noqa: E402
    day_number,
    from_day_number,
    map_payload,
    removal_breaks,
    status_code,
    timeline_payload,
)
from symbols._mappage import (  # noqa: E402
    ASSETS,
    FRAME,
    _asset_version,
    embed_json,
    render_frame,
)
from symbols.cli import cli  # noqa: E402
from symbols.errors import DateError  # noqa: E402
from symbols.listing import status_rows  # noqa: E402
from symbols.timeline import STATUSES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "monuments.geojson"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBOLS_TODAY", TODAY)


@pytest.fixture
def sample_path(tmp_path: Path) -> Path:
    return sample(tmp_path / "sample.geojson")


def data_block(page: str) -> dict:
    match = re.search(r'<script ([^>]*)id="symbols-data"[^>]*>(.*?)</script>', page, re.S)
    assert match, "no data block"
    if 'data-encoding="deflate-base64"' in match[1]:
        assert 'type="text/plain"' in match[1]
        return json.loads(zlib.decompress(base64.b64decode(match[2])))
    assert match[1] == 'type="application/json" '
    return json.loads(match[2])


def lookup(steps: list[int], day: int) -> int:
    """The page's bisection, in Python: the code of the last interval starting by ``day``."""
    code = -1
    for start, value in zip(steps[::2], steps[1::2], strict=True):
        if start <= day:
            code = value
    return code


@pytest.mark.parametrize("when", SAMPLE_DATES)
def test_the_dated_map_holds_what_status_lists(sample_path: Path, when: str) -> None:
    loaded = registry.load(sample_path)
    day = date.fromisoformat(when)
    data = data_block(maps.map_html(loaded, day))
    rows = status_rows(loaded, day)
    ids = [record[0] for record in data["d"]]
    assert ids == [row.id for row in rows]
    assert data["n"] == len(rows)
    assert data["s"] == [status_code(row.status, row.certain) for row in rows]
    assert data["e"] == [row.since for row in rows]
    assert data["day"] == day_number(day)


def test_the_timeline_carries_the_status_function(sample_path: Path) -> None:
    loaded = registry.load(sample_path)
    data = timeline_payload(loaded, date.fromisoformat(TODAY))
    by_id = {record[0]: steps for record, steps in zip(data["d"], data["t"], strict=True)}
    assert set(by_id) == {m.id for m in loaded}
    days = [date.fromisoformat(d) for d in SAMPLE_DATES]
    days += [date(2022, 1, 5), date(2024, 2, 12), date(2024, 2, 13), date(2010, 6, 24)]
    for monument in loaded:
        for day in days:
            status = monument.history.status_on(day)
            expected = -1 if status is None else status_code(status.status, status.certain)
            assert lookup(by_id[monument.id], day_number(day)) == expected, (monument.id, day)
    assert data["range"] == [day_number(date(2010, 6, 1)), day_number(date(2025, 6, 30))]


def test_day_numbers() -> None:
    assert day_number(date(1970, 1, 1)) == 0
    assert day_number(date(2024, 2, 29)) == 19782
    assert from_day_number(19782) == date(2024, 2, 29)
    assert status_code("planned", True) == 0
    assert status_code(STATUSES[-1], False) == 2 * len(STATUSES) - 1


def test_region_shading(sample_path: Path) -> None:
    loaded = registry.load(sample_path)
    # the toppled statue (Jetisu) counts from 2022-01-05; the portrait's removal (Almaty) is
    # bounded by sightings and counts once its range has ended; the plaque's is 2024-02~; a
    # renaming (Astana) and a relocation (Shymkent) take a symbol away too
    assert maps.region_removals(loaded, date(2022, 1, 4)) == {}
    assert maps.region_removals(loaded, date(2022, 1, 5)) == {"KZ-33": 1}
    assert maps.region_removals(loaded, date(2023, 1, 31)) == {"KZ-33": 1, "KZ-71": 1}
    assert maps.region_removals(loaded, date(2025, 6, 30)) == {
        "KZ-33": 1,
        "KZ-71": 1,
        "KZ-75": 2,
        "KZ-79": 1,
    }
    regions = map_payload(loaded, date(2025, 6, 30))["regions"]
    assert regions["removals"]["KZ-75"] == sorted(regions["removals"]["KZ-75"])
    assert regions["max"] == 2 and regions["breaks"] == [1, 2]
    assert len(regions["features"]) == 20
    assert regions["names"]["KZ-75"][0] == "Almaty"


def test_removal_breaks() -> None:
    assert removal_breaks(0) == []
    assert removal_breaks(3) == [1, 2, 3]
    assert removal_breaks(10) == [1, 2, 3, 4, 6]
    breaks = removal_breaks(5000)
    assert breaks[0] == 1 and len(breaks) == 5 and breaks == sorted(set(breaks))


def test_no_region_layer_where_geo_has_no_polygons(tmp_path: Path) -> None:
    from registries import write

    abroad = [f for f in __import__("registries").sample_features() if f["id"] == "ankara-statue"]
    loaded = registry.load(write(tmp_path / "tr.geojson", abroad))
    assert map_payload(loaded, date(2025, 1, 1))["regions"] is None


def test_json_in_a_page_cannot_break_out() -> None:
    text = embed_json({"a": "</script><!-- \u2028\u2029 & <b>"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028\u2029 & <b>"}


def test_hostile_text_lands_only_escaped(tmp_path: Path) -> None:
    loaded = registry.read(hostile(tmp_path / "hostile.geojson"))
    for page in (maps.map_html(loaded, date(2025, 1, 1)), maps.timeline_html(loaded)):
        for raw in ("<b>bold</b>", "<script>window.__pwned", "<img src=x", '"><img'):
            assert raw not in page
        assert "\u2028" not in page and "\u2029" not in page
        assert "<title>Title &lt;/script&gt;" in page
        # the only <script> elements are the pinned assets, the data block and the page script
        assert page.count("<script") == len([a for a in ASSETS if a.path.endswith(".js")]) + 2
        assert "49" not in page.split("<script")[0]  # {{ 7*7 }} was not a template
        data = data_block(page)
        assert data["title"] == f"Title {HOSTILE}"
        assert page.count("Symbols.start(") == 1  # @@script@@ in the data stayed text
        assert data["d"][0][1].startswith("Name </script>")


def test_the_shipped_frame_is_what_folium_renders() -> None:
    shipped = (ROOT / "src" / "symbols" / "assets" / FRAME).read_text(encoding="utf-8")
    assert render_frame() == shipped, "run `python -m symbols._mappage` to render it again"
    assert render_frame() == render_frame()
    assert re.findall(r"var (\w+) = L\.", shipped) == ["map_3", "tile_layer_4"]


def test_pages_are_deterministic(sample_path: Path) -> None:
    loaded = registry.load(sample_path)
    again = registry.load(sample_path)
    day = date(2024, 2, 1)
    first = maps.map_html(loaded, day)
    assert first == maps.map_html(again, day)
    assert maps.timeline_html(loaded) == maps.timeline_html(again)
    assert "map_" in first and not re.search(r"[0-9a-f]{32}", first)


def test_builds_are_byte_identical(sample_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = runner.invoke(cli, ["build", str(sample_path), "--out", str(out)])
        assert result.exit_code == 0, result.output
        files = sorted(p for p in out.rglob("*") if p.is_file())
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in files})
    assert outputs[0] == outputs[1]
    assert {"index.html", "timeline.html", "assets/symbols-map.js"} <= set(outputs[0])


def test_only_pinned_assets_are_loaded(sample_path: Path) -> None:
    page = maps.map_html(registry.load(sample_path), date(2024, 2, 1))
    urls = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', page))
    assert urls == {asset.url for asset in ASSETS}
    for banned in ("bootstrap", "jquery", "font-awesome", "fontawesome", "awesome-markers"):
        assert banned not in page.lower()
    for asset in ASSETS:
        assert f'integrity="{asset.integrity}"' in page


def test_pins_agree_with_package_json_and_node_modules() -> None:
    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for asset in ASSETS:
        assert pins[asset.package] == asset.version
        installed = ROOT / "node_modules" / asset.package / asset.path
        if not installed.exists():
            pytest.skip("node_modules not installed (npm ci)")
        digest = base64.b64encode(hashlib.sha384(installed.read_bytes()).digest()).decode()
        assert asset.integrity == f"sha384-{digest}", asset.path


def test_large_pages_embed_deflated_data(sample_path: Path) -> None:
    loaded = registry.load(sample_path)
    plain = maps.map_html(loaded, date(2024, 2, 1))
    packed = maps.map_html(loaded, date(2024, 2, 1), compress=True)
    assert 'data-encoding="deflate-base64"' in packed
    assert data_block(packed) == data_block(plain)


def test_snapshot_dates(sample_path: Path) -> None:
    loaded = registry.load(sample_path)
    chosen = maps.snapshots(loaded, date(2025, 6, 30), [date(2022, 1, 1)])
    days = [s.day.isoformat() for s in chosen]
    assert days == sorted(days)
    assert "2022-01-01" in days  # chosen
    assert "2022-01-04" in days  # the eve of the first removal dated to a day or month
    year_ends = [s.day.year for s in chosen if s.kind == "year end"]
    assert year_ends == [2010, 2011, 2012, 2014, 2016, 2017, 2019, 2022, 2023, 2024]
    with pytest.raises(DateError, match="after today"):
        maps.snapshots(loaded, date(2025, 6, 30), [date(2025, 7, 1)])


def test_snapshots_keep_the_latest_year_ends(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "MAX_YEAR_ENDS", 3)
    chosen = maps.snapshots(registry.load(sample_path), date(2025, 6, 30))
    assert [s.day.isoformat() for s in chosen] == [
        "2022-01-04",
        "2022-12-31",
        "2023-12-31",
        "2024-12-31",
    ]


def test_map_command(sample_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.html"
    result = CliRunner().invoke(
        cli, ["map", str(sample_path), "--as-of", "2024-02-01", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    data = data_block(out.read_text())
    assert data["mode"] == "map" and data["n"] == 8
    assert not list(tmp_path.glob(".*.tmp"))


def test_timeline_command(sample_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.html"
    result = CliRunner().invoke(cli, ["timeline", str(sample_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = data_block(out.read_text())
    assert data["mode"] == "timeline" and data["n"] == 8
    assert data["range"][1] == day_number(date.fromisoformat(TODAY))


def test_build_command(sample_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "assets").mkdir(parents=True)
    (out / "map-1999-12-31.html").write_text("stale: an earlier build's snapshot")
    (out / "assets" / "snapshots.txt").write_text("map-1999-12-31.html\n")
    mine = {"notes.txt": "mine", "map-2020-06-15.html": "made by symbols map"}
    for name, text in mine.items():
        (out / name).write_text(text)
    result = CliRunner().invoke(
        cli, ["build", str(sample_path), "--out", str(out), "--snapshot", "2022-01-01"]
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "timeline.html", "map-2022-01-01.html", "map-2022-01-04.html"} <= names
    assert "map-1999-12-31.html" not in names
    assert all((out / name).read_text() == text for name, text in mine.items())
    listed = (out / "assets" / "snapshots.txt").read_text().split()
    assert "map-2022-01-01.html" in listed and "map-2020-06-15.html" not in listed
    assert sorted(listed) == sorted(n for n in names if n.startswith("map-") and n not in mine)
    files = [p for p in out.rglob("*") if p.is_file() and p.name not in mine]
    assert result.stderr.count("wrote ") == len(files)
    index = data_block((out / "index.html").read_text())
    hrefs = {link["href"] for link in index["links"]}
    assert {"timeline.html", "map-2022-01-01.html", "map-2022-01-04.html"} <= hrefs
    reports = [p for p in names if p.startswith("report")]
    assert set(reports) <= hrefs  # whatever symbols.reports wrote is linked
    snapshot = data_block((out / "map-2022-01-01.html").read_text())
    assert {"href": "index.html", "text": "All maps and reports"} in snapshot["links"]


def test_built_pages_share_one_copy_of_their_script_and_style(
    sample_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    maps.build(registry.load(sample_path), out, today=date(2025, 1, 1))
    script = (out / "assets" / "symbols-map.js").read_text()
    style = (out / "assets" / "symbols-map.css").read_text()
    assert "window.Symbols" in script and style.strip()
    pages = [out / "index.html", out / "timeline.html", *out.glob("map-*.html")]
    assert len(pages) > 2
    for page in pages:
        text = page.read_text()
        # linked with a checksum of the text written, so that no browser keeps an earlier
        # build's copy
        js, css = (f"{zlib.crc32(t.encode()):08x}" for t in (script, style))
        assert (js, css) == (_asset_version("symbols-map.js"), _asset_version("symbols-map.css"))
        assert f'<script src="assets/symbols-map.js?v={js}"></script>' in text
        assert f'<link rel="stylesheet" href="assets/symbols-map.css?v={css}">' in text
        assert "window.Symbols" not in text and "<style>" not in text
    alone = maps.map_html(registry.load(sample_path), date(2025, 1, 1))
    assert script in alone and "assets/symbols-map.js" not in alone  # `symbols map`: one file


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["map", "{missing}"], "file not found"),
        (["map", "{bad}"], "not valid JSON"),
        (["map", "{sample}", "--out", "{file}/x.html"], "cannot write"),
        (["build", "{sample}", "--out", "{file}/site"], "cannot write"),
        (["build", "{sample}", "--snapshot", "2030-01-01"], "after today"),
    ],
)
def test_command_errors(sample_path: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.geojson").write_text("{")
    (tmp_path / "file").write_text("")
    values = {
        "missing": tmp_path / "nope.geojson",
        "bad": tmp_path / "bad.geojson",
        "sample": sample_path,
        "file": tmp_path / "file",
    }
    argv = [a.format(**values) for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_bad_date_is_a_usage_error(sample_path: Path) -> None:
    result = CliRunner().invoke(cli, ["map", str(sample_path), "--as-of", "2024-13-01"])
    assert result.exit_code == 2


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, symbols.cli, symbols.maps;"
        "print([m for m in ('folium', 'branca', 'shapely', 'geopandas', 'matplotlib', 'pandas')"
        " if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(not BUNDLED.exists(), reason="the bundled registry is not there yet")
def test_bundled_registry_maps(tmp_path: Path) -> None:
    loaded = registry.load(BUNDLED)
    for when in ("2022-01-01", "2023-12-31", TODAY):
        day = date.fromisoformat(when)
        data = data_block(maps.map_html(loaded, day))
        assert [d[0] for d in data["d"]] == [row.id for row in status_rows(loaded, day)]


def test_a_build_computes_the_region_layer_and_each_popup_once(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from symbols import _mapdata

    calls = {"layer": 0, "details": 0}
    layer, details = _mapdata._region_layer, _mapdata._details

    def count(name, function):  # type: ignore[no-untyped-def]
        def counted(*args):  # type: ignore[no-untyped-def]
            calls[name] += 1
            return function(*args)

        return counted

    monkeypatch.setattr(_mapdata, "_region_layer", count("layer", layer))
    monkeypatch.setattr(_mapdata, "_details", count("details", details))
    loaded = registry.load(sample_path)
    written = maps.build(loaded, tmp_path / "site", today=date(2025, 1, 1))
    pages = [p for p in written if p.suffix == ".html" and p.name != "report.html"]
    assert len(pages) > 3
    assert calls == {"layer": 1, "details": sum(1 for m in loaded.features if m.lon is not None)}


def test_a_removal_on_the_first_day_of_the_calendar_has_no_eve(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("0001-01-01", "erected"), event("0001-01-01", "removed")]),
    )
    chosen = maps.snapshots(registry.load(path), date(2025, 6, 30))
    assert [s.kind for s in chosen] == ["year end"]  # the end of year 1; no eve before day 1


def test_a_later_build_removes_only_the_snapshots_it_no_longer_chooses(
    sample_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    loaded = registry.load(sample_path)
    maps.build(loaded, out, today=date(2025, 6, 30), extra_snapshots=[date(2022, 1, 1)])
    assert (out / "map-2022-01-01.html").exists()
    maps.build(loaded, out, today=date(2025, 6, 30))
    assert not (out / "map-2022-01-01.html").exists()
    assert (out / "map-2022-01-04.html").exists()  # chosen again: kept, rewritten


def test_popups_label_regions_and_countries_and_open_removals_shade_nothing(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("here", [event("2010", "erected"), event("2022-01-05", "removed")]),
        feature("renamed", [event("2010", "erected"), event("2014-03-14/..", "renamed")]),
        feature("abroad", lon=35.93, lat=31.95, country="JO"),
    )
    payload = map_payload(registry.load(path), date(2025, 6, 30))
    region_of = {d[0]: d[6] for d in payload["d"]}
    assert region_of["here"] == region_of["renamed"] == "Jetisu Region (KZ-33)"
    assert region_of["abroad"] == "JO (country)"
    layer = payload["regions"]
    assert layer["removals"] == {"KZ-33": [day_number(date(2022, 1, 5))]}  # not day 9999-12-31
    assert layer["max"] == 1


def test_the_page_assets_can_be_inlined() -> None:
    from symbols._mappage import ASSET_DIR, PAGE_ASSETS

    for name in PAGE_ASSETS:
        text = (ASSET_DIR / name).read_text(encoding="utf-8")
        # inside <script> or <style>, such a tag would end the element early
        assert not re.search(r"</(script|style)|<!--", text, re.IGNORECASE), name
