"""Headless Chromium for the map tests, with the network replaced by local files.

Pages load their pinned assets from the CDN (``symbols._mappage.ASSETS``). Here every CDN
request is answered from ``node_modules`` (``npm ci`` installs the versions ``package.json``
pins), map tiles get a plain local tile, and any other request fails the test, as does any
console error, page error or dialog. Debian's Chromium is used (never a downloaded browser);
without ``/usr/bin/chromium`` the tests are skipped.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
CDN_PATTERN = re.compile(
    r"https://cdn\.jsdelivr\.net/npm/(?P<package>[^@/]+)@(?P<version>[^/]+)/(?P<path>.+)"
)
TILE_PATTERN = re.compile(r"https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png")
CONTENT_TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _tile() -> bytes:
    """A plain 256 x 256 PNG the colour of an empty map."""
    row = b"\x00" + bytes((0xF2, 0xEF, 0xE9)) * 256
    raw = row * 256

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


TILE = _tile()


def local_asset(url: str) -> Path | None:
    """The node_modules file that stands for a pinned CDN URL, or None."""
    match = CDN_PATTERN.fullmatch(url.split("?")[0])
    if not match:
        return None
    package_dir = NODE_MODULES / match["package"]
    try:
        version = json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    if version != match["version"]:
        return None
    path = (package_dir / match["path"]).resolve()
    if package_dir.resolve() not in path.parents or not path.is_file():
        return None
    return path


@dataclass
class Watch:
    """What went wrong in a page: requests nothing could answer, console errors, page errors,
    dialogs. ``check()`` fails the test if anything did."""

    unrouted: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)

    def check(self) -> None:
        problems = {
            "unrouted requests": self.unrouted,
            "console errors": self.console,
            "page errors": self.errors,
            "dialogs": self.dialogs,
        }
        found = {k: v for k, v in problems.items() if v}
        assert not found, f"the page misbehaved: {found}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is absent: apt-get install chromium")
    if not (NODE_MODULES / "leaflet" / "package.json").exists():
        pytest.fail("node_modules is missing: `npm ci` (make test-deps) installs the pinned assets")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Any, watch: Watch) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    page = context.new_page()

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
            return
        if TILE_PATTERN.fullmatch(url):
            watch.served.append(url)
            headers = {"content-type": "image/png", "access-control-allow-origin": "*"}
            route.fulfill(status=200, body=TILE, headers=headers)
            return
        asset = local_asset(url)
        if asset is not None:
            watch.served.append(url)
            route.fulfill(
                status=200,
                body=asset.read_bytes(),
                headers={
                    "content-type": CONTENT_TYPES.get(asset.suffix, "application/octet-stream"),
                    "access-control-allow-origin": "*",
                },
            )
            return
        watch.unrouted.append(url)
        route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: watch.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))

    def dialog(d: Any) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    yield page
    context.close()
    watch.check()


def open_page(page: Any, path: Path) -> None:
    """Load a generated page and wait until its objects are on the map."""
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.symbols && window.symbols.ready")
    page.evaluate("window.symbols.ready.then(() => true)")
