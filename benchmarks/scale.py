"""Scale benchmarks (issue 6): synthetic registries of 1k, 10k and 100k objects, every step timed.

    .venv/bin/python benchmarks/scale.py                 # 1k, 10k, 100k (about 2 minutes)
    .venv/bin/python benchmarks/scale.py --quick         # 1k and 10k only
    .venv/bin/python benchmarks/scale.py --sizes 1000,50000 --repeat 5

Progress goes to stderr; two Markdown tables go to stdout: the goals (measured figure, goal,
PASS/FAIL) and every measurement by registry size. A failed goal is a result, not an error: the
exit status is 0 unless the benchmark itself could not run.

Commands run as the user runs them (a child process each; wall time, best of ``--repeat``; CPU
time and peak memory of the child from ``wait4``). The orjson parse that ``symbols validate`` is
compared with runs in this process, as the issue states it. Pages are loaded in Debian's
headless Chromium through Playwright, with the pinned CDN assets answered from ``node_modules``
by the browser tests' own routing helpers (``tests/browser/conftest.py``); nothing is fetched
from the network and no browser is downloaded.

Files go to ``benchmarks/out/`` (git-ignored; ``--out`` to change). Registries are made by
``benchmarks/synthetic.py`` (deterministic) and reused while newer than it.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFTEST = ROOT / "tests" / "browser" / "conftest.py"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
TODAY = "2026-01-01"  # SYMBOLS_TODAY for every command: after the synthetic events, reproducible
MB = 1_000_000
#: Slider moves on the timeline page, from the page's start (today): all standing, mixed,
#: before anything (every marker leaves), back to today (every marker returns).
SLIDER_MOVES = ("2021-12-31", "2024-06-30", "start", "end")


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ measurements


@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS in bytes."""

    wall: float
    cpu: float
    rss: int
    code: int
    stderr: str


@dataclass
class Figure:
    value: float | None  # None: not measured (see note)
    unit: str  # "s", "MB", "x"
    note: str = ""
    runs: list[float] = field(default_factory=list)

    def show(self) -> str:
        if self.value is None:
            return self.note or "not measured"
        if self.unit == "s":
            text = f"{self.value:.3f} s" if self.value < 1 else f"{self.value:.2f} s"
        elif self.unit == "MB":
            text = f"{self.value:.1f} MB"
        elif self.unit == "x":
            text = f"{self.value:.1f} x"
        else:
            text = f"{self.value:g} {self.unit}"
        return text


class Results:
    def __init__(self) -> None:
        self.figures: dict[tuple[str, int], Figure] = {}

    def put(self, step: str, size: int, figure: Figure) -> Figure:
        self.figures[(step, size)] = figure
        return figure

    def get(self, step: str, size: int) -> Figure | None:
        return self.figures.get((step, size))


def symbols_command() -> list[str]:
    """The installed ``symbols`` entry point beside this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "symbols"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("symbols")
    if found:
        return [found]
    return [sys.executable, "-c", "from symbols.cli import main; main()"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SYMBOLS_TODAY"] = TODAY
    return env


def run_child(command: Sequence[str], cwd: Path) -> Run:
    """Run ``command`` once; its standard output is discarded (it is not what is measured)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, env=child_env()
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Run(
        wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, process.returncode, text
    )


def best_of(command: Sequence[str], repeat: int, cwd: Path, what: str) -> list[Run]:
    runs = []
    for attempt in range(repeat):
        run = run_child(command, cwd)
        log(f"  {what}: {run.wall:.2f} s wall, {run.cpu:.2f} s CPU, {run.rss / MB:.0f} MB peak")
        runs.append(run)
        if run.code != 0:
            log(f"  {what} exited {run.code}: {run.stderr.strip()[-500:]}")
            break
        if attempt == 0 and run.wall > 60:
            break  # one is enough for so slow a step
    return runs


def interleaved(steps: dict[str, Sequence[str]], repeat: int, cwd: Path) -> dict[str, list[Run]]:
    """Each step's runs, ``repeat`` rounds of one run of every step: on a shared machine a slow
    minute then costs one run of each step, not every run of one (the best counts)."""
    runs: dict[str, list[Run]] = {step: [] for step in steps}
    for attempt in range(repeat):
        for step, command in steps.items():
            done = runs[step]
            if done and (done[-1].code != 0 or done[0].wall > 60):
                continue  # failed, or one is enough for so slow a step
            run = run_child(command, cwd)
            done.append(run)
            what = step.replace("_", " ")
            log(f"  {what}: {run.wall:.2f} s wall, {run.cpu:.2f} s CPU, {run.rss / MB:.0f} MB peak")
            if run.code != 0:
                log(f"  {what} exited {run.code}: {run.stderr.strip()[-500:]}")
        log(f"  round {attempt + 1} of {repeat} done")
    return runs


def timed(runs: list[Run]) -> Figure:
    if not runs or runs[-1].code != 0:
        tail = runs[-1].stderr.strip().splitlines()[-1:] if runs else []
        code = runs[-1].code if runs else "?"
        return Figure(None, "s", f"error (exit {code}: {' '.join(tail)[:120]})")
    best = min(runs, key=lambda r: r.wall)
    return Figure(best.wall, "s", f"CPU {best.cpu:.2f} s", [r.wall for r in runs])


def in_process(function: Callable[[], Any], repeat: int, what: str) -> Figure:
    times = []
    cpu = []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        log(f"  {what}: {times[-1]:.2f} s")
    best = times.index(min(times))
    return Figure(times[best], "s", f"CPU {cpu[best]:.2f} s", times)


# -------------------------------------------------------------------------- the folium way


def folium_baseline(registry: Path, out: Path) -> None:
    """The obvious folium map: one ``folium.Marker`` per object in a ``MarkerCluster``, each
    with a ``folium.Popup`` showing what a symbols popup shows (name, kind, place, each event
    with its sources as links), saved as one page."""
    import folium
    import orjson
    from folium.plugins import MarkerCluster

    def link(source: object) -> str:
        url = source.get("url", "") if isinstance(source, dict) else str(source)
        title = source.get("title") if isinstance(source, dict) else None
        return f'<a href="{html.escape(url)}">{html.escape(title or url)}</a>'

    features = orjson.loads(registry.read_bytes())["features"]
    leaflet_map = folium.Map(location=[48.0, 67.0], zoom_start=5)
    cluster = MarkerCluster().add_to(leaflet_map)
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"][:2]
        props = feature["properties"]
        events = "".join(
            f"<li>{html.escape(str(e.get('date')))}: {html.escape(str(e.get('type')))} "
            f"({', '.join(link(s) for s in e.get('sources', []))})</li>"
            for e in props.get("events", [])
        )
        text = (
            f"<b>{html.escape(props['name'])}</b><br>{html.escape(props.get('kind', ''))}, "
            f"{html.escape(props.get('place', ''))}<ul>{events}</ul>"
        )
        folium.Marker([lat, lon], popup=folium.Popup(text, max_width=300)).add_to(cluster)
    leaflet_map.save(str(out))


# ---------------------------------------------------------------------------------- browser

BLANK_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>blank Leaflet page</title>
{assets}
<style>html, body, #map {{ height: 100%; margin: 0; }}</style>
</head><body><div id="map"></div>
<script>
var map = L.map("map").setView([48, 67], 5);
L.tileLayer("https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", {{maxZoom: 19}}).addTo(map);
L.markerClusterGroup().addTo(map);
window.benchReady = Promise.resolve(map);
</script></body></html>
"""

#: Resolves when the page's objects are all Leaflet layers and a frame has been drawn.
MAP_READY = """async () => {
  const api = await window.symbols.ready;
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return api.markers.length;
}"""
BLANK_READY = """async () => {
  await window.benchReady;
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return 0;
}"""
#: What exists of the objects and their popups: markers, layers in the cluster group, markers
#: with a popup bound, popups whose content is already a string or a DOM node (built), and
#: popup elements in the document.
MAP_STATE = """() => {
  const api = window.symbols;
  let bound = 0, built = 0;
  for (const marker of api.markers) {
    const popup = marker.getPopup && marker.getPopup();
    if (popup) {
      bound++;
      const content = popup.getContent();
      if (typeof content === "string" || content instanceof Node) built++;
    }
  }
  let reachable = 0;
  for (const marker of api.markers) if (api.objects.hasLayer(marker)) reachable++;
  return {
    markers: api.markers.length,
    layers: api.objects.getLayers().length,
    reachable: reachable,
    bound: bound,
    built: built,
    popupElements: document.querySelectorAll(".leaflet-popup").length,
  };
}"""
SHOW_MARKER = """async (index) => {
  const api = window.symbols;
  const marker = api.markers[index];
  await new Promise((resolve) => api.objects.zoomToShowLayer(marker, resolve));
  marker.getElement().id = "bench-target";
  return marker.options.title;
}"""
#: Move the slider as a user does (an input event) and time until the page has restyled every
#: object (its requestAnimationFrame callback, registered first, has run setDay) and until the
#: next frame (the restyled markers drawn).
MOVE_SLIDER = """async (target) => {
  const api = await window.symbols.ready;
  const slider = document.getElementById("symbols-date");
  const value = target === "start" ? slider.min : target === "end" ? slider.max
    : String(Date.UTC(+target.slice(0, 4), +target.slice(5, 7) - 1, +target.slice(8, 10)) / 864e5);
  const start = performance.now();
  slider.value = value;
  slider.dispatchEvent(new Event("input", { bubbles: true }));
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const restyled = performance.now() - start;
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const drawn = performance.now() - start;
  return { restyled: restyled / 1000, drawn: drawn / 1000, day: api.day(),
           shown: api.objects.getLayers().length };
}"""


def _conftest() -> Any:
    """The browser tests' helpers (launch arguments, CDN-to-node_modules mapping, the tile)."""
    spec = importlib.util.spec_from_file_location("symbols_browser_conftest", CONFTEST)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {CONFTEST}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def ensure_node_modules() -> None:
    if (ROOT / "node_modules" / "leaflet" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("node_modules is missing and npm is not installed")
    # npm ci installs exactly what package-lock.json pins (as `make test-deps` does)
    log("node_modules is missing: npm ci (the pinned Leaflet assets)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)


class Browser:
    """Headless Debian Chromium with the CDN routed to node_modules, as the browser tests do."""

    def __init__(self) -> None:
        ensure_node_modules()
        self.helpers = _conftest()
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=str(self.helpers.CHROMIUM), args=self.helpers.LAUNCH_ARGS
        )
        self.version = self.browser.version

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()

    def page(self) -> tuple[Any, Any, list[str]]:
        helpers = self.helpers
        problems: list[str] = []
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 800}, service_workers="block"
        )

        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith("file://"):
                route.continue_()
            elif helpers.TILE_PATTERN.fullmatch(url):
                headers = {"content-type": "image/png", "access-control-allow-origin": "*"}
                route.fulfill(status=200, body=helpers.TILE, headers=headers)
            elif (asset := helpers.local_asset(url)) is not None:
                kind = helpers.CONTENT_TYPES.get(asset.suffix, "application/octet-stream")
                headers = {"content-type": kind, "access-control-allow-origin": "*"}
                route.fulfill(status=200, body=asset.read_bytes(), headers=headers)
            else:
                problems.append(f"unrouted request {url}")
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        return context, page, problems

    def load(self, path: Path, ready: str) -> tuple[float, Any, Any, list[str]]:
        """Open ``path`` in a fresh context; seconds until ``ready`` resolves. The caller closes
        the returned context."""
        context, page, problems = self.page()
        start = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
        page.evaluate(ready)
        return time.perf_counter() - start, context, page, problems


def blank_page(out: Path) -> Path:
    from symbols._mappage import ASSETS

    tags = []
    for asset in ASSETS:
        if asset.path.endswith(".css"):
            tags.append(
                f'<link rel="stylesheet" href="{asset.url}" integrity="{asset.integrity}" '
                'crossorigin="anonymous">'
            )
        else:
            tags.append(
                f'<script src="{asset.url}" integrity="{asset.integrity}" '
                'crossorigin="anonymous"></script>'
            )
    path = out / "blank-leaflet.html"
    path.write_text(BLANK_PAGE.format(assets="\n".join(tags)), encoding="utf-8")
    return path


def measure_blank(browser: Browser, out: Path, repeat: int, results: Results) -> None:
    path = blank_page(out)
    times = []
    for _ in range(repeat):
        seconds, context, _, problems = browser.load(path, BLANK_READY)
        context.close()
        if problems:
            log(f"  blank page: {problems[:3]}")
        times.append(seconds)
        log(f"  blank Leaflet page: {seconds:.2f} s")
    results.put("blank_load", 0, Figure(min(times), "s", runs=times))


def measure_map_page(
    browser: Browser, page_path: Path, size: int, repeat: int, results: Results
) -> None:
    times = []
    state: dict[str, Any] = {}
    problems: list[str] = []
    for attempt in range(repeat):
        seconds, context, page, problems = browser.load(page_path, MAP_READY)
        times.append(seconds)
        log(f"  map page load ({size:,}): {seconds:.2f} s")
        if attempt == 0:
            state = page.evaluate(MAP_STATE)
            log(f"  before any click: {state}")
            state["clicked"] = click_one(page, size // 2, problems)
            after = page.evaluate(MAP_STATE)
            state["bound_after_click"] = after["bound"]
            state["popup_elements_after_click"] = after["popupElements"]
            log(f"  after one click: {after}; popup text: {state['clicked']!r}")
        context.close()
        if problems:
            log(f"  problems: {problems[:3]}")
            break
    results.put("map_load", size, Figure(min(times), "s", runs=times))
    reachable = state.get("reachable") == size and state.get("layers") == size
    results.put(
        "map_reachable",
        size,
        Figure(
            float(state.get("reachable", 0)),
            "layers",
            "" if reachable else f"only {state.get('reachable')} of {size:,} are layers",
        ),
    )
    lazy = (
        state.get("bound") == 0
        and state.get("built") == 0
        and state.get("popupElements") == 0
        and bool(state.get("clicked"))
        and state.get("popup_elements_after_click") == 1
        and not problems
    )
    results.put(
        "popups_lazy",
        size,
        Figure(
            1.0 if lazy else 0.0,
            "bool",
            f"before a click: {state.get('bound')} popups bound, {state.get('built')} built, "
            f"{state.get('popupElements')} in the DOM; after one click: "
            f"{state.get('bound_after_click')} bound, "
            f"{state.get('popup_elements_after_click')} shown"
            + (f"; {problems[0]}" if problems else ""),
        ),
    )


def click_one(page: Any, index: int, problems: list[str]) -> str:
    """Click marker ``index`` as a user would; the popup's text (empty if none opened)."""
    try:
        title = page.evaluate(SHOW_MARKER, index)
        target = page.locator("#bench-target")
        try:
            target.click(timeout=5_000)
        except Exception:  # covered by a neighbour at this zoom: the click event itself
            target.dispatch_event("click")
        page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        text = page.inner_text(".leaflet-popup-content")
    except Exception as error:  # a result to report, not a crash
        problems.append(f"click: {error}".splitlines()[0])
        return ""
    name = title.split(" (")[0]
    if name not in text:
        problems.append(f"popup of {name!r} shows {text[:80]!r}")
    return text.splitlines()[0] if text else ""


def measure_slider(
    browser: Browser, page_path: Path, size: int, repeat: int, results: Results
) -> None:
    seconds, context, page, problems = browser.load(page_path, MAP_READY)
    log(f"  timeline page load ({size:,}): {seconds:.2f} s")
    results.put("timeline_load", size, Figure(seconds, "s"))
    worst = 0.0
    per_move: dict[str, list[float]] = {move: [] for move in SLIDER_MOVES}
    for _ in range(repeat):
        for move in SLIDER_MOVES:
            outcome = page.evaluate(MOVE_SLIDER, move)
            per_move[move].append(outcome["drawn"])
            log(
                f"  slider to {move} ({outcome['day']}, {outcome['shown']:,} shown): "
                f"restyled in {outcome['restyled']:.3f} s, drawn in {outcome['drawn']:.3f} s"
            )
    context.close()
    best = {move: min(times) for move, times in per_move.items()}
    worst = max(best.values())
    slowest = max(best, key=lambda move: best[move])
    note = f"slowest move: to {slowest}" + (f"; {problems[0]}" if problems else "")
    results.put("slider", size, Figure(worst, "s", note, list(best.values())))


# ------------------------------------------------------------------------------ the steps


def registry_for(out: Path, size: int, seed: int) -> Path:
    sys.path.insert(0, str(HERE))
    from synthetic import write_registry

    path = out / f"synthetic-{size}-seed{seed}.geojson"
    source = HERE / "synthetic.py"
    if not path.exists() or path.stat().st_mtime < source.stat().st_mtime:
        log(f"generating {path.name}")
        write_registry(path, size, seed)
    return path


def measure_size(
    size: int,
    registry: Path,
    out: Path,
    repeat: int,
    results: Results,
    browser: Browser | None,
    folium_up_to: int,
) -> None:
    import orjson

    symbols = symbols_command()
    work = out / f"n{size}"
    work.mkdir(parents=True, exist_ok=True)
    mb = registry.stat().st_size / MB
    log(f"--- {size:,} objects ({mb:.0f} MB registry)")
    results.put("registry_size", size, Figure(mb, "MB"))

    results.put(
        "orjson",
        size,
        in_process(lambda: orjson.loads(registry.read_bytes()), repeat, "orjson parse"),
    )
    map_path, timeline_path = work / "map.html", work / "timeline.html"
    baseline_path = work / "folium-markers.html"
    # an edit reads, parses and checks the whole file to change a few lines; --dry-run does all
    # of it but the write
    middle = f"object-{size // 2:06d}"
    edit = [*symbols, "sighting", middle, "--date", "2021-06-01", "--status", "standing"]
    edit += ["--source", "https://example.org/b", "--registry", str(registry), "--dry-run"]
    steps = {
        "validate": [*symbols, "validate", str(registry)],
        "map": [*symbols, "map", str(registry), "--out", str(map_path)],
        "timeline": [*symbols, "timeline", str(registry), "--out", str(timeline_path)],
        "report_csv": [*symbols, "report", str(registry), "--format", "csv"],
        "report_md": [*symbols, "report", str(registry), "--format", "md"],
        "report_out": [*symbols, "report", str(registry), "--out", str(work / "report.md")],
        "edit": edit,
    }
    if size <= folium_up_to:
        folium_way = [sys.executable, str(Path(__file__).resolve()), "--folium-baseline"]
        steps["folium"] = [*folium_way, str(registry), str(baseline_path)]
    for step, runs in interleaved(steps, repeat, work).items():
        results.put(step, size, timed(runs))
    for step, path in (("map", map_path), ("timeline", timeline_path), ("folium", baseline_path)):
        if path.exists() and step in steps:
            results.put(f"{step}_file", size, Figure(path.stat().st_size / MB, "MB"))

    build_dir = work / "build"
    runs = best_of([*symbols, "build", str(registry), "--out", str(build_dir)], 1, work, "build")
    results.put("build", size, timed(runs))
    if runs and runs[-1].code == 0:
        results.put("build_rss", size, Figure(max(r.rss for r in runs) / MB, "MB"))

    if browser is None:
        return
    for step, path, measure in (
        ("map_load", map_path, measure_map_page),
        ("slider", timeline_path, measure_slider),
    ):
        if not path.exists():
            continue
        try:
            measure(browser, path, size, repeat, results)
        except Exception as error:  # a page that never gets ready is a result
            message = str(error).splitlines()[0][:160]
            log(f"  {step} failed: {message}")
            results.put(step, size, Figure(None, "s", f"error: {message}"))


# ------------------------------------------------------------------------------ the tables


@dataclass
class Goal:
    text: str  # what is measured
    size: int  # at how many objects the issue states it
    limit: str  # the goal, as the table shows it
    judge: Callable[[Results, int], tuple[str, bool | None]]  # measured text, passed


def _ratio(results: Results, top: str, bottom: str, size: int) -> tuple[float | None, str]:
    a, b = results.get(top, size), results.get(bottom, size)
    for name, figure in ((top, a), (bottom, b)):
        if figure is None:
            return None, f"not measured ({name})"
        if figure.value is None:
            return None, f"{name}: {figure.note}"
    assert a is not None and b is not None and a.value and b.value
    return a.value / b.value, f"{a.show()} / {b.show()}"


def _cpu(figure: Figure | None) -> float | None:
    if figure is None or not figure.note.startswith("CPU "):
        return None
    return float(figure.note.split()[1])


def _validate_goal(results: Results, size: int) -> tuple[str, bool | None]:
    ratio, detail = _ratio(results, "validate", "orjson", size)
    if ratio is None:
        return detail, None
    ours, orjson = _cpu(results.get("validate", size)), _cpu(results.get("orjson", size))
    by_cpu = f"; by CPU time {ours / orjson:.2f} x" if ours and orjson else ""
    return f"{ratio:.2f} x ({detail}{by_cpu})", ratio <= 2.5


def _map_goal(results: Results, size: int) -> tuple[str, bool | None]:
    ratio, detail = _ratio(results, "folium", "map", size)
    if ratio is None:
        return detail, None
    folium, ours = _cpu(results.get("folium", size)), _cpu(results.get("map", size))
    by_cpu = f"; by CPU time {folium / ours:.1f} x" if folium and ours else ""
    text = f"{ratio:.1f} x faster (folium {detail.replace(' / ', ', symbols map ')}{by_cpu})"
    return text, ratio >= 20


def _below(step: str, limit: float, unit: str = "s") -> Callable[[Results, int], Any]:
    def judge(results: Results, size: int) -> tuple[str, bool | None]:
        figure = results.get(step, size)
        if figure is None or figure.value is None:
            return (figure.note if figure else "not measured"), None
        return figure.show(), figure.value < limit if unit == "s" else figure.value <= limit

    return judge


def _load_goal(results: Results, size: int) -> tuple[str, bool | None]:
    page, blank = results.get("map_load", size), results.get("blank_load", 0)
    reach = results.get("map_reachable", size)
    if not page or not blank or page.value is None or blank.value is None:
        return "not measured (no browser)", None
    extra = page.value - blank.value
    text = f"{extra:.2f} s ({page.show()} - blank {blank.show()})"
    if reach and reach.note:
        return f"{text}; {reach.note}", False
    return f"{text}, all {size:,} reachable", extra <= 5


def _lazy_goal(results: Results, size: int) -> tuple[str, bool | None]:
    figure = results.get("popups_lazy", size)
    if figure is None:
        return "not measured (no browser)", None
    return figure.note, figure.value == 1.0


def _help_goal(results: Results, size: int) -> tuple[str, bool | None]:
    figure = results.get("help", 0)
    if figure is None or figure.value is None:
        return (figure.note if figure else "not measured"), None
    return f"{figure.show()} (best of {len(figure.runs)})", figure.value < 0.3


GOALS = [
    Goal("`symbols validate` vs an orjson parse of the file", 100_000, "<= 2.5 x", _validate_goal),
    Goal("`symbols map` vs folium Marker-per-object + MarkerCluster", 10_000, ">= 20 x faster",
         _map_goal),
    Goal("dated map file size", 100_000, "<= 15 MB", _below("map_file", 15, "MB")),
    Goal("dated map load in headless Chromium, minus a blank Leaflet page", 100_000, "<= 5 s",
         _load_goal),
    Goal("popups built only when opened", 100_000, "none before a click", _lazy_goal),
    Goal("timeline page: slider move restyles all objects (slowest move)", 100_000, "< 1 s",
         _below("slider", 1.0)),
    Goal("`symbols report --format csv`", 100_000, "< 3 s", _below("report_csv", 3.0)),
    Goal("`symbols report --format md`", 100_000, "< 3 s", _below("report_md", 3.0)),
    Goal("`symbols report --out report.md` (with charts)", 100_000, "< 3 s",
         _below("report_out", 3.0)),
    Goal("`symbols --help`", 0, "< 0.3 s", _help_goal),
    Goal("peak memory (max RSS) of `symbols build`", 100_000, "< 2 GB (2000 MB)",
         _below("build_rss", 2000, "MB")),
]  # fmt: skip

DETAIL_ROWS = [
    ("registry_size", "registry file"),
    ("orjson", "orjson parse, in process"),
    ("validate", "`symbols validate`"),
    ("map", "`symbols map`"),
    ("map_file", "map file"),
    ("folium", "folium Marker-per-object map"),
    ("folium_file", "folium map file"),
    ("timeline", "`symbols timeline`"),
    ("timeline_file", "timeline file"),
    ("report_csv", "`symbols report --format csv`"),
    ("report_md", "`symbols report --format md`"),
    ("report_out", "`symbols report --out report.md`"),
    ("edit", "`symbols sighting ID ... --dry-run` (one edit)"),
    ("build", "`symbols build` (once)"),
    ("build_rss", "`symbols build` peak RSS"),
    ("map_load", "map page load in Chromium"),
    ("timeline_load", "timeline page load in Chromium (once)"),
    ("slider", "slider move, slowest (restyle + draw)"),
]


def goal_table(results: Results, sizes: Sequence[int]) -> str:
    lines = [
        "| goal | objects | measured | goal | result |",
        "| --- | ---: | --- | --- | --- |",
    ]
    footnote = False
    for goal in GOALS:
        size = goal.size
        if size and size not in sizes:
            smaller = [s for s in sizes if s < size]
            size = max(smaller) if smaller else min(sizes)
        measured, passed = goal.judge(results, size)
        verdict = "not measured" if passed is None else ("PASS" if passed else "**FAIL**")
        if goal.size and size != goal.size and passed is not None:
            verdict += " *"
            footnote = True
        shown = f"{size:,}" if size else "-"
        lines.append(f"| {goal.text} | {shown} | {measured} | {goal.limit} | {verdict} |")
    text = "\n".join(lines) + "\n"
    if footnote:
        text += "\n\\* measured on fewer objects than the goal names (run without --quick).\n"
    return text


def detail_table(results: Results, sizes: Sequence[int]) -> str:
    lines = [
        "| step | " + " | ".join(f"{s:,}" for s in sizes) + " |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " |",
    ]
    for step, label in DETAIL_ROWS:
        cells = []
        for size in sizes:
            figure = results.get(step, size)
            if figure is None:
                cells.append("-")
            elif figure.value is not None and figure.note.startswith("CPU"):
                cells.append(f"{figure.show()} ({figure.note})")
            else:
                cells.append(figure.show())
        if any(cell != "-" for cell in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    blank = results.get("blank_load", 0)
    if blank is not None:
        lines.append(
            "| blank Leaflet page load | " + " | ".join(blank.show() for _ in sizes) + " |"
        )
    return "\n".join(lines) + "\n"


def machine(browser_version: str | None, load_at_start: float) -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    load = os.getloadavg()[0]
    parts = [
        model,
        f"{os.cpu_count()} cores",
        memory,
        f"Python {platform.python_version()}",
        f"Chromium {browser_version}" if browser_version else "no browser",
        platform.system() + " " + platform.release(),
        date.today().isoformat(),
        f"load average {load_at_start:.1f} at the start, {load:.1f} at the end",
    ]
    return "; ".join(p for p in parts if p)


# ------------------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time symbols on synthetic registries of 1k, 10k and 100k objects and "
        "print a Markdown table of the goals of issue 6 (PASS/FAIL)."
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(s.replace("_", "")) for s in text.split(",") if s),
        help="Comma-separated registry sizes (default: 1000,10000,100000).",
    )
    parser.add_argument("--quick", action="store_true", help="1k and 10k objects only.")
    parser.add_argument(
        "--repeat", type=int, default=5, help="Runs of each step; the best counts (default: 5)."
    )
    parser.add_argument("--seed", type=int, default=1, help="Seed of the synthetic registries.")
    parser.add_argument(
        "--out", type=Path, default=HERE / "out", help="Work directory (default: benchmarks/out)."
    )
    parser.add_argument("--no-browser", action="store_true", help="Skip the Chromium steps.")
    parser.add_argument(
        "--folium-up-to",
        type=int,
        default=10_000,
        help="Build the folium baseline for sizes up to this (default: 10000; it is slow).",
    )
    parser.add_argument("--folium-baseline", nargs=2, type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.folium_baseline:
        folium_baseline(*args.folium_baseline)
        return 0
    sizes = sorted(set(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)))
    repeat = max(1, args.repeat)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results = Results()
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]  # other work on the machine skews wall times
    if load_at_start >= 0.5 * (os.cpu_count() or 1):
        log(f"load average {load_at_start:.1f}: other work will slow the wall times down")

    help_runs = best_of([*symbols_command(), "--help"], max(5, repeat), out, "symbols --help")
    results.put("help", 0, timed(help_runs))

    browser = None
    if not args.no_browser:
        try:
            browser = Browser()
            log(f"Chromium {browser.version}")
            measure_blank(browser, out, repeat, results)
        except Exception as error:  # no browser here: the other steps still run
            log(f"browser steps skipped: {error}")
            browser = None
    try:
        for size in sizes:
            registry = registry_for(out, size, args.seed)
            measure_size(size, registry, out, repeat, results, browser, args.folium_up_to)
    finally:
        version = browser.version if browser else None
        if browser is not None:
            browser.close()
    log(f"done in {time.perf_counter() - started:.0f} s")

    print(f"Machine: {machine(version, load_at_start)}\n")
    print(goal_table(results, sizes))
    print(f"All measurements (wall time best of {repeat}; CPU time of that run):\n")
    print(detail_table(results, sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
