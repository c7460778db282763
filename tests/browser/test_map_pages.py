"""The generated pages in headless Chromium: what is on the map agrees with `symbols status`."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Watch, open_page
from registries import SAMPLE_DATES, TODAY, hostile, sample

from symbols import maps, registry
from symbols._mappage import ASSETS, page_asset
from symbols.cli import cli
from symbols.listing import status_rows
from symbols.registry import Registry

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "monuments.geojson"


@dataclass
class Site:
    registry: Registry
    maps: dict[str, Path]
    timeline: Path
    packed: Path
    hostile_map: Path
    hostile_timeline: Path
    index: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    out = tmp_path_factory.mktemp("site")
    loaded = registry.load(sample(out / "sample.geojson"))
    today = date.fromisoformat(TODAY)
    pages = {}
    for when in SAMPLE_DATES:
        pages[when] = maps.write_page(
            out / f"map-{when}.html", maps.map_html(loaded, date.fromisoformat(when))
        )
    timeline = maps.write_page(out / "timeline.html", maps.timeline_html(loaded, today))
    packed = maps.write_page(
        out / "packed.html", maps.map_html(loaded, date(2024, 2, 1), compress=True)
    )
    evil = registry.read(hostile(out / "hostile.geojson"))  # unvalidated: javascript: URLs stay
    hostile_map = maps.write_page(out / "hostile.html", maps.map_html(evil, today))
    hostile_timeline = maps.write_page(out / "hostile-t.html", maps.timeline_html(evil, today))
    built = out / "built"
    maps.build(loaded, built, today=today, extra_snapshots=[date(2022, 1, 1)])
    return Site(
        loaded, pages, timeline, packed, hostile_map, hostile_timeline, built / "index.html"
    )


def expected(reg: Registry, day: date) -> dict[str, tuple[str, bool]]:
    """What `symbols status --as-of DAY --format json` lists."""
    result = CliRunner().invoke(
        cli, ["status", str(reg.path), "--as-of", day.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["objects"]
    assert [r["id"] for r in rows] == [r.id for r in status_rows(reg, day)]
    return {row["id"]: (row["status"], row["certain"]) for row in rows}


def on_map(page: Any) -> dict[str, tuple[str, bool]]:
    """Every object in the map's object layer, with the style its marker has."""
    shown = page.evaluate(
        """() => {
          const s = window.symbols;
          return s.objects.getLayers().map(m => {
            const i = m.options.objectIndex, style = s.styleOf(i), status = s.statusOf(i);
            return [s.ids[i], style.status, !style.uncertain, status.status, status.certain];
          });
        }"""
    )
    for _, style, style_certain, status, certain in shown:
        assert (style, style_certain) == (status, certain)
    result = {row[0]: (row[1], row[2]) for row in shown}
    assert len(result) == len(shown)
    return result


def test_dated_maps_show_what_status_lists(page: Any, site: Site, watch: Watch) -> None:
    for when, path in site.maps.items():
        open_page(page, path)
        assert on_map(page) == expected(site.registry, date.fromisoformat(when)), when
        assert page.evaluate("window.symbols.day()") == when
        title = page.locator(".sym-title").inner_text()
        assert when in title
    served = {url.split("?")[0] for url in watch.served}
    assert {asset.url for asset in ASSETS} <= served


def test_a_deflated_page_shows_the_same(page: Any, site: Site) -> None:
    open_page(page, site.packed)
    assert on_map(page) == expected(site.registry, date(2024, 2, 1))


def test_popups_show_names_status_and_sourced_history(page: Any, site: Site) -> None:
    open_page(page, site.maps["2022-01-20"])
    assert page.evaluate("window.symbols.markers.filter(m => m.getPopup()).length") == 0
    text = page.evaluate("window.symbols.openPopup('taldykorgan-statue').then(e => e.innerText)")
    for part in (
        "Object taldykorgan-statue",
        "Тұлғаның ескерткіші",
        "Памятник",
        "toppled on 2022-01-20 (since 2022-01-05), certain",
        "statue",
        "Someone",
        "Taldykorgan",
        "Jetisu Region (KZ-33)",
        "2016-11-30 erected",
        "2022-01-05 toppled",
        "2024-01/2024-02-12 removed: the pedestal (after 2022-01-20)",
        "Statue toppled (Example News, 2022-01-05)",
    ):
        assert part in text, part
    links = page.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-popup-content a'))"
        ".map(a => [a.textContent, a.href])"
    )
    assert ["Statue toppled", "https://example.org/news/toppled"] in links
    assert [
        "archived",
        "https://web.archive.org/web/2022/https://example.org/news/toppled",
    ] in links
    # only the opened object got a popup
    assert page.evaluate("window.symbols.markers.filter(m => m.getPopup()).length") == 1


def test_objects_sharing_a_spot_spread_out(page: Any, site: Site) -> None:
    open_page(page, site.timeline)
    page.evaluate("window.symbols.setDate('2022-06-01')")
    text = page.evaluate("window.symbols.openPopup('taldykorgan-street').then(e => e.innerText)")
    assert "Object taldykorgan-street" in text and "standing on 2022-06-01" in text
    # both objects are on the map, spread apart around their spot
    assert page.locator(".sym-icon").count() >= 2
    page.evaluate("window.symbols.map.closePopup()")
    page.locator('.sym-icon[title^="Object taldykorgan-statue"]').click()
    assert "toppled on 2022-06-01" in page.locator(".leaflet-popup-content").inner_text()


def test_a_click_opens_a_popup(page: Any, site: Site) -> None:
    open_page(page, site.maps["2025-06-30"])
    icon = page.locator('.sym-icon[title^="Object ankara-statue"]')
    icon.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Ankara" in popup.inner_text()
    assert "2010-06/2010-06-24 erected" in popup.inner_text()
    page.evaluate("window.symbols.map.closePopup()")
    assert page.locator(".leaflet-popup-content").count() == 0
    icon.focus()
    page.keyboard.press("Enter")
    popup.wait_for()
    assert "Ankara" in popup.inner_text()
    # as with any Leaflet marker, a second click or Enter closes the popup, a third opens it
    for press in (icon.click, lambda: page.keyboard.press("Enter")):
        press()
        page.locator(".leaflet-popup").wait_for(state="detached")  # after its fading out
        press()
        popup.wait_for()
        assert "Ankara" in popup.inner_text()


def test_the_slider_restyles_as_the_status_engine_says(page: Any, site: Site) -> None:
    open_page(page, site.timeline)
    assert page.evaluate("window.symbols.day()") == TODAY
    days = [*SAMPLE_DATES, "2010-06-24", "2022-01-05", "2024-02-12", "2024-02-13"]
    for when in days:
        assert page.evaluate(f"window.symbols.setDate('{when}')") == when
        day = date.fromisoformat(when)
        assert on_map(page) == expected(site.registry, day), when
        statuses = page.evaluate(
            "window.symbols.ids.map((id, i) => [id, window.symbols.statusOf(i)])"
        )
        for monument_id, status in statuses:
            truth = site.registry.get(monument_id).history.status_on(day)
            got = None if status is None else (status["status"], status["certain"])
            assert got == (None if truth is None else (truth.status, truth.certain))
        for code, count in maps.region_removals(site.registry, day).items():
            assert page.evaluate(f"window.symbols.regionCount('{code}')") == count
        assert page.locator("#symbols-date").get_attribute("aria-valuetext") == when


def test_the_slider_works_from_the_keyboard_and_keeps_the_date_in_the_url(
    page: Any, site: Site
) -> None:
    open_page(page, site.timeline)
    slider = page.locator("#symbols-date")
    assert page.get_by_role("slider", name="Date").get_attribute("type") == "range"
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("window.symbols.day() === '2010-06-01'")
    assert on_map(page) == {}
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("window.symbols.day() === '2025-06-29'")
    page.evaluate("window.symbols.setDate('2022-01-20')")
    page.wait_for_function("location.hash === '#date=2022-01-20'")
    assert page.locator(".sym-timebar output").inner_text() == "2022-01-20"
    # a link with the date opens the same view
    page.goto(site.timeline.resolve().as_uri() + "#date=2023-02-15")
    page.wait_for_function("window.symbols && window.symbols.ready")
    page.evaluate("window.symbols.ready.then(() => true)")
    assert page.evaluate("window.symbols.day()") == "2023-02-15"
    assert on_map(page) == expected(site.registry, date(2023, 2, 15))
    page.evaluate("location.hash = '#date=2015-06-01'")
    page.wait_for_function("window.symbols.day() === '2015-06-01'")
    # next/previous change jump between dates on which something changed
    page.get_by_role("button", name="Next change").click()
    assert page.evaluate("window.symbols.day()") == "2016-11-30"
    page.get_by_role("button", name="Previous change").click()
    assert page.evaluate("window.symbols.day()") == "2014-05-01"


def test_play_and_pause(page: Any, site: Site) -> None:
    open_page(page, site.timeline)
    page.evaluate("window.symbols.setDate('2021-01-01')")
    play = page.get_by_role("button", name="Play")
    play.click()
    assert page.locator(".sym-timebar button[aria-pressed]").get_attribute("aria-pressed") == (
        "true"
    )
    page.wait_for_function("window.symbols.day() > '2021-06-01'")
    page.get_by_role("button", name="Pause").click()
    stopped = page.evaluate("window.symbols.day()")
    page.wait_for_timeout(400)
    assert page.evaluate("window.symbols.day()") == stopped


def popup_says(page: Any) -> tuple[str, str] | None:
    """The open popup's heading and status line, or None when no popup is open."""
    popups = page.locator(".leaflet-popup-content")
    if popups.count() == 0:
        return None
    assert popups.count() == 1
    status = popups.locator("dt", has_text="Status").locator("xpath=following-sibling::dd[1]")
    return popups.locator("h2").inner_text(), status.inner_text()


def status_line(site: Site, monument_id: str, when: str) -> str:
    """What a popup's status line says of an object on a date, from the status engine."""
    status = site.registry.get(monument_id).history.status_on(date.fromisoformat(when))
    assert status is not None
    doubt = ", certain" if status.certain else "\nuncertain: a dated change may or may not have"
    return f"{status.status} on {when}{doubt}" + ("" if status.certain else " happened yet")


def test_an_open_popup_follows_its_object_through_the_slider(page: Any, site: Site) -> None:
    """A popup stays open, its status updated, while its object is on the map, whatever other
    objects come and go; it closes when its object leaves."""
    open_page(page, site.timeline)

    def follow(monument_id: str, start: str, *moves: str) -> None:
        page.evaluate("window.symbols.map.closePopup()")
        page.evaluate(f"window.symbols.setDate('{start}')")
        page.evaluate(f"window.symbols.openPopup('{monument_id}')")
        before = set(page.evaluate("window.symbols.shown()"))
        for when in moves:
            page.evaluate(f"window.symbols.setDate('{when}')")
            shown = set(page.evaluate("window.symbols.shown()"))
            assert shown != before and monument_id in shown, when  # others came or went
            before = shown
            page.wait_for_timeout(300)  # markercluster's animations end within 200 ms
            expected = (f"Object {monument_id}", status_line(site, monument_id, when))
            assert popup_says(page) == expected, (monument_id, when)

    follow("shymkent-bust", "2023-01-01", "2017-01-01", "2024-06-01", "2022-01-10")
    follow("ankara-statue", "2025-06-30", "2012-06-01")  # most leave: the rest clustered anew
    follow("almaty-portrait", "2011-12-10", "2025-06-30")  # its marker goes into a cluster
    # spread apart from an object at the same spot, which folds as a marker comes elsewhere
    follow("taldykorgan-street", "2022-06-01", "2024-06-01")
    page.evaluate("window.symbols.setDate('2019-01-01')")  # before it was erected
    page.locator(".leaflet-popup").wait_for(state="detached")  # after its fading out
    # while playing
    page.evaluate("window.symbols.setDate('2010-07-01')")
    page.evaluate("window.symbols.openPopup('ankara-statue')")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("window.symbols.day() > '2012-06-01'")
    page.get_by_role("button", name="Pause").click()
    day = page.evaluate("window.symbols.day()")
    page.wait_for_timeout(300)
    assert popup_says(page) == ("Object ankara-statue", status_line(site, "ankara-statue", day))


def test_filters_by_status_and_kind(page: Any, site: Site) -> None:
    open_page(page, site.maps["2025-06-30"])
    everything = on_map(page)
    control = page.locator(".leaflet-control-layers")
    control.get_by_label("removed").uncheck()
    assert on_map(page) == {k: v for k, v in everything.items() if v[0] != "removed"}
    control.get_by_label("bust").uncheck()
    kinds = {m.id: m.kind for m in site.registry}
    assert on_map(page) == {
        k: v for k, v in everything.items() if v[0] != "removed" and kinds[k] != "bust"
    }
    control.get_by_label("removed").check()
    control.get_by_label("bust").check()
    assert on_map(page) == everything
    control.get_by_label("removals so far").uncheck()
    assert page.evaluate("window.symbols.map.hasLayer(window.symbols.regions)") is False


@pytest.mark.parametrize("which", ["hostile_map", "hostile_timeline"])
def test_hostile_text_is_shown_as_text_and_never_runs(page: Any, site: Site, which: str) -> None:
    open_page(page, getattr(site, which))
    text = page.evaluate("window.symbols.openPopup('hostile-1').then(e => e.textContent)")
    assert "Name </script><script>window.__pwned" in text
    assert "Notes </script>" in text and "Note </script>" in text
    assert "Title </script>" in text and "Publisher </script>" in text
    weird = page.evaluate("window.symbols.ids[1]")
    page.evaluate(f"window.symbols.openPopup({weird!r})")
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert hrefs and all(h.startswith(("https:", "file:")) for h in hrefs), hrefs
    assert (
        page.evaluate("document.querySelectorAll('.leaflet-popup img, .sym-title b').length") == 0
    )
    assert page.locator(".sym-title h1").inner_text().startswith("Title </script>")
    page.mouse.move(640, 400)
    page.wait_for_timeout(100)
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_screenshot(page: Any, site: Site, tmp_path: Path) -> None:
    """Saves what a reader sees (set SYMBOLS_SCREENSHOTS=DIR to keep a copy and look at it)."""
    open_page(page, site.index)
    page.wait_for_timeout(300)
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("SYMBOLS_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "index.png")
    # the legend, title and layer control do not overlap one another
    boxes = page.evaluate(
        """() => ['.sym-title', '.sym-legend', '.leaflet-control-layers', '.leaflet-control-zoom']
             .map(s => { const r = document.querySelector(s).getBoundingClientRect();
                         return [s, r.left, r.top, r.right, r.bottom]; })"""
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (a, b)


def test_without_the_cdn_the_page_says_so_and_nothing_throws(
    page: Any, site: Site, watch: Watch
) -> None:
    """With Leaflet out of reach the page shows its note; neither the page script (in a built
    site loaded on its own before the page's inline start) nor the page's inline start raises
    an uncaught error."""
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    thrown: list[Any] = []
    page.on("pageerror", lambda error: thrown.append(error))
    for path, linked in ((site.index, True), (site.maps["2025-06-30"], False)):
        thrown.clear()
        page.goto(path.resolve().as_uri())
        page.get_by_role("alert").filter(has_text="could not be loaded").wait_for()
        assert "symbols-offline" in page.evaluate("document.documentElement.className")
        if linked:  # the script from assets/ ran to its end
            assert page.locator('script[src^="assets/symbols-map.js?v="]').count() == 1
            assert page.evaluate("typeof window.Symbols.start") == "function"
        assert thrown == []
    # the browser reports every pinned asset it could not fetch, and nothing else
    failed = "Failed to load resource: net::ERR_FAILED"
    assert watch.console == [failed] * (2 * len(ASSETS)), watch.console
    watch.console.clear()
    assert watch.errors == []


def test_with_one_library_missing_the_page_says_so_and_nothing_throws(
    page: Any, site: Site, watch: Watch
) -> None:
    """Leaflet loads, Leaflet.markercluster does not: the page is offline all the same (its
    note, no map started, no error), not half started."""
    page.route("**/leaflet.markercluster@*/dist/leaflet.markercluster.js", lambda r: r.abort())
    thrown: list[Any] = []
    page.on("pageerror", lambda error: thrown.append(error))
    page.goto(site.index.resolve().as_uri())
    page.get_by_role("alert").filter(has_text="could not be loaded").wait_for()
    assert page.evaluate("typeof window.L") == "object"
    assert page.locator(".leaflet-container").count() == 0  # no map started
    assert thrown == []
    assert watch.console == ["Failed to load resource: net::ERR_FAILED"], watch.console
    watch.console.clear()
    assert watch.errors == []


def test_the_stylesheet_styles_only_what_the_script_makes() -> None:
    """Every page class the stylesheet styles (``sym-...``) is one the script makes: no rule
    is left behind for an element that is gone."""
    made = set(re.findall(r"(?<![\w-])sym-[\w-]+", page_asset("symbols-map.js")))
    styled = set(re.findall(r"\.(sym-[\w-]+)", page_asset("symbols-map.css")))
    assert styled and styled <= made, sorted(styled - made)


@pytest.mark.skipif(not BUNDLED.exists(), reason="the bundled registry is not there yet")
def test_the_bundled_registry(page: Any, tmp_path: Path) -> None:
    loaded = registry.load(BUNDLED)
    today = date.fromisoformat(TODAY)
    maps.build(loaded, tmp_path, today=today)  # pages that link the shared assets/ folder
    open_page(page, tmp_path / "index.html")
    assert on_map(page) == expected(loaded, today)
    open_page(page, tmp_path / "timeline.html")
    for when in ("2021-12-31", "2022-01-10", "2022-12-31", "2024-06-30"):
        page.evaluate(f"window.symbols.setDate('{when}')")
        assert on_map(page) == expected(loaded, date.fromisoformat(when)), when


@pytest.mark.skipif(not BUNDLED.exists(), reason="the bundled registry is not there yet")
def test_an_opened_popup_is_not_under_the_title_box(page: Any, tmp_path: Path) -> None:
    """The index's title box holds the links to every snapshot and report: a popup opened
    near it is panned clear of it, whatever its height."""
    maps.build(registry.load(BUNDLED), tmp_path, today=date.fromisoformat(TODAY))
    open_page(page, tmp_path / "index.html")
    rect = "(s) => { const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"  # noqa: E501
    title = page.evaluate(rect, ".sym-title")
    assert title[3] > 200  # taller than on a page with few links
    for shown in page.evaluate("window.symbols.shown()")[:6]:
        page.evaluate(f"window.symbols.openPopup({shown!r})")
        page.locator(".leaflet-popup").wait_for()
        page.wait_for_timeout(400)  # the pan
        popup = page.evaluate(rect, ".leaflet-popup")
        apart = popup[2] <= title[0] or title[2] <= popup[0] or popup[3] <= title[1]
        assert apart or title[3] <= popup[1], (shown, popup, title)
        page.evaluate("window.symbols.map.closePopup()")


def test_more_objects_than_are_clustered_at_street_zoom(page: Any, tmp_path: Path) -> None:
    """Past 10,000 objects the page clusters only up to street zoom, and re-clusters rather
    than removing most markers one by one: still every listed object, as status says."""
    from registries import many

    loaded = registry.read(many(tmp_path / "many.geojson", 10_050))
    timeline = maps.write_page(tmp_path / "t.html", maps.timeline_html(loaded, date(2025, 6, 30)))
    open_page(page, timeline)
    assert page.evaluate("window.symbols.objects.options.disableClusteringAtZoom") == 15
    for when in ("2025-06-30", "2022-06-30", "1999-01-01", "2023-05-15", "2025-06-30"):
        page.evaluate(f"window.symbols.setDate('{when}')")
        assert on_map(page) == expected(loaded, date.fromisoformat(when)), when


def test_a_map_with_nothing_on_it(page: Any, site: Site, tmp_path: Path) -> None:
    from registries import sample_features, write

    abroad = [f for f in sample_features() if f["id"] == "ankara-statue"]
    for reg in (site.registry, registry.load(write(tmp_path / "tr.geojson", abroad))):
        path = maps.write_page(tmp_path / "empty.html", maps.map_html(reg, date(2000, 1, 1)))
        open_page(page, path)
        assert on_map(page) == {}
        assert "0 objects" in page.locator(".sym-title").inner_text()
