"""A map page: a frame that Folium renders, filled with one page's data.

The frame is a Folium element tree (a ``folium.Map`` subclass, a ``folium.TileLayer``, and
elements for the pinned assets and the page script) rendered with ``@@slot@@`` markers where a
page's title, data block, style and script go. Folium is slow to import (it pulls in pandas);
so the frame is rendered once, shipped as ``assets/page-frame.html``, and each page only fills
the slots (``python -m symbols._mappage`` renders it again; a test checks that the shipped frame
is what Folium renders). Slots are filled in one pass after rendering, so no registry text ever
goes through a Jinja template.

Folium's own defaults (Bootstrap, jQuery, Font Awesome, awesome-markers from four CDNs) are not
loaded: the map declares no default assets, and :data:`ASSETS` lists the only files a page
fetches besides map tiles, each pinned by version and Subresource Integrity hash.

Folium names elements after random ids; :func:`_number` renames every element of the tree from a
counter before rendering, so the frame, and so every page, is the same for the same input.
"""

from __future__ import annotations

import base64
import html
import itertools
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

CDN = "https://cdn.jsdelivr.net/npm"
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
#: Pages whose data block is bigger than this embed it deflated and base64-encoded (the page
#: inflates it with the browser's DecompressionStream); smaller ones stay readable JSON.
COMPRESS_ABOVE = 1_000_000
COMPRESS_LEVEL = 1  # of 9: a fifth of the JSON's size; level 3 is a tenth smaller, 1.4 x slower
FRAME = "page-frame.html"
#: the package's own files (plain files beside the modules: importlib.resources would cost
#: every command a few milliseconds of imports to find them)
ASSET_DIR = Path(__file__).parent / "assets"
_SLOT = re.compile(r"@@(title|style|data|script)@@")


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str  # inside the npm package
    integrity: str  # Subresource Integrity of the file as published on npm

    @property
    def url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.path}"


#: Everything a page loads from the network besides tiles. package.json pins the same versions
#: for the browser tests, which serve these files from node_modules (and check the hashes).
ASSETS: tuple[Asset, ...] = (
    Asset(
        "leaflet",
        "1.9.4",
        "dist/leaflet.css",
        "sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H",
    ),
    Asset(
        "leaflet.markercluster",
        "1.5.3",
        "dist/MarkerCluster.css",
        "sha384-pmjIAcz2bAn0xukfxADbZIb3t8oRT9Sv0rvO+BR5Csr6Dhqq+nZs59P0pPKQJkEV",
    ),
    Asset(
        "leaflet",
        "1.9.4",
        "dist/leaflet.js",
        "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH",
    ),
    Asset(
        "leaflet.markercluster",
        "1.5.3",
        "dist/leaflet.markercluster.js",
        "sha384-eXVCORTRlv4FUUgS/xmOyr66XBVraen8ATNLMESp92FKXLAMiKkerixTiBvXriZr",
    ),
)


@cache
def _asset_version(name: str) -> str:
    """A checksum of the asset's text (CRC-32: no cryptographic hash, whose import loads
    OpenSSL, is needed): in the URL a page links it by, so that a browser that keeps an earlier
    build's copy fetches this one (the page's data may need it)."""
    return f"{zlib.crc32(_asset_text(name).encode('utf-8')):08x}"


@cache
def _asset_text(name: str) -> str:
    # inlined in <script> and <style> as it is (tests/test_maps.py checks it can be)
    return (ASSET_DIR / name).read_text(encoding="utf-8")


def embed_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped so
    no text can close the element or open a comment, U+2028/2029 escaped for old parsers."""
    return _embeddable(orjson.dumps(value))


def _embeddable(data: bytes) -> str:
    """:func:`embed_json` of JSON already serialised."""
    return (
        data.decode("utf-8")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


#: The page's own style and script, which :func:`render_page` inlines or links (in this order).
PAGE_ASSETS = ("symbols-map.css", "symbols-map.js")


def page_asset(name: str) -> str:
    """The text of one of :data:`PAGE_ASSETS` (for a site that links them instead)."""
    return _asset_text(name)


def render_page(
    title: str,
    payload: dict[str, Any],
    compress: bool | None = None,
    assets: str | None = None,
) -> str:
    """The whole HTML page for ``payload`` (see :mod:`symbols._mapdata`). The page's script and
    style are inlined (one self-contained file), or with ``assets`` (a relative folder URL such
    as ``"assets"``) linked from there, so that a site of many pages carries them once."""
    data, encoding = _encode(payload, compress)
    kind = (
        'type="application/json"'
        if encoding is None
        else f'type="text/plain" data-encoding="{encoding}"'
    )
    block = f'<script {kind} id="symbols-data">{data}</script>'
    if assets is None:
        style = f"<style>{_asset_text('symbols-map.css')}</style>"
        script = _asset_text("symbols-map.js")
    else:
        folder = html.escape(assets.rstrip("/"))
        css, js = (f"{folder}/{name}?v={_asset_version(name)}" for name in PAGE_ASSETS)
        style = f'<link rel="stylesheet" href="{css}">\n<script src="{js}"></script>'
        script = ""  # loaded in the head, before the page's inline start
    values = {"title": html.escape(title), "style": style, "data": block, "script": script}
    return _SLOT.sub(lambda slot: values[slot[1]], _frame())


@cache
def _frame() -> str:
    return (ASSET_DIR / FRAME).read_text(encoding="utf-8")


def render_frame() -> str:
    """The frame as Folium renders it now (what ``assets/page-frame.html`` must hold)."""
    import folium

    kinds = _element_classes()
    page = kinds.Page()
    kinds.Assets().add_to(page)
    page.html.add_child(kinds.Raw("@@data@@"), name="data")
    leaflet_map = kinds.Map(location=[48.0, 67.0], tiles=None, zoom_start=5)
    # the page script fits the view to the objects; these only set the zoom range
    leaflet_map.leaflet_options = {
        "center": [48.0, 67.0],
        "zoom": 5,
        "minZoom": 2,
        "maxZoom": 18,
        "zoomControl": False,  # the page script places it below the title
        "worldCopyJump": True,
    }
    page.add_child(leaflet_map)
    tiles = folium.TileLayer(
        tiles=TILES, attr=TILES_ATTRIBUTION, name="OpenStreetMap", max_zoom=19
    ).add_to(leaflet_map)
    kinds.Start(tiles).add_to(leaflet_map)
    _number(page)
    return page.render()


@cache
def _element_classes() -> Any:
    """The frame's element types (Folium is imported only to render the frame)."""
    import types

    import folium
    from branca.element import Element, Figure, MacroElement
    from folium.template import Template

    class Raw(Element):
        """Text put into the page as it is, not through a template."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def render(self, **kwargs: Any) -> str:
            return self.text

    class Page(Figure):
        _template = Template(
            "<!DOCTYPE html>\n"
            '<html lang="en">\n'
            "<head>\n"
            '<meta charset="utf-8">\n'
            "<title>@@title@@</title>\n"
            "{{ this.header.render(**kwargs) }}\n"
            "</head>\n"
            "<body>\n"
            "{{ this.html.render(**kwargs) }}\n"
            "<script>\n"
            # an asset the CDN did not give (each one's onerror marks the page offline): the
            # page shows its note and starts nothing that would throw
            "if (!document.documentElement.classList.contains('symbols-offline')) {\n"
            "{{ this.script.render(**kwargs) }}\n"
            "}\n"
            "</script>\n"
            "</body>\n"
            "</html>\n"
        )

        def __init__(self) -> None:
            super().__init__()
            self.header._children.clear()  # Figure's http-equiv meta: <meta charset> says it

    class Assets(MacroElement):
        _template = Template(
            "{% macro header(this, kwargs) %}"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "{% for asset in this.assets %}"
            "{% if asset.path.endswith('.css') %}"
            '<link rel="stylesheet" href="{{ asset.url }}" integrity="{{ asset.integrity }}" '
            'crossorigin="anonymous">\n'
            "{% else %}"
            '<script src="{{ asset.url }}" integrity="{{ asset.integrity }}" '
            'crossorigin="anonymous" onerror="'
            "document.documentElement.classList.add('symbols-offline')"
            '"></script>\n'
            "{% endif %}"
            "{% endfor %}"
            "@@style@@\n"
            "{% endmacro %}"
            "{% macro html(this, kwargs) %}"
            '<p class="symbols-offline-note" role="alert">The map library could not be '
            "loaded from {{ this.cdn }}: this page needs a network connection that reaches it."
            "</p>\n"
            "<noscript><p>@@title@@: this map needs JavaScript.</p></noscript>\n"
            "{% endmacro %}"
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "Assets"
            self.assets = ASSETS
            self.cdn = CDN

    class Map(folium.Map):
        default_js: list[tuple[str, str]] = []
        default_css: list[tuple[str, str]] = []
        _template = Template(
            "{% macro html(this, kwargs) %}"
            '<div class="symbols-map" id="{{ this.get_name() }}"></div>\n'
            "{% endmacro %}"
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, "
            "{{ this.leaflet_options|tojson }});\n"
            "{% endmacro %}"
        )

    class Start(MacroElement):
        """The page script, then its start with the map and tile layer it draws on."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "@@script@@\n"
            "Symbols.start({{ this._parent.get_name() }}, {{ this.tiles.get_name() }});\n"
            "{% endmacro %}"
        )

        def __init__(self, tiles: Element) -> None:
            super().__init__()
            self._name = "Start"
            self.tiles = tiles

    return types.SimpleNamespace(Raw=Raw, Page=Page, Assets=Assets, Map=Map, Start=Start)


def _encode(payload: dict[str, Any], compress: bool | None) -> tuple[str, str | None]:
    data = orjson.dumps(payload)
    if compress is None:
        compress = len(data) > COMPRESS_ABOVE
    if not compress:
        return _embeddable(data), None
    # zlib, not gzip: gzip's header carries a timestamp, and the page must not change
    packed = zlib.compress(data, COMPRESS_LEVEL)
    return base64.b64encode(packed).decode("ascii"), "deflate-base64"


def _number(root: Any) -> None:
    """Give every element of the tree an id from a counter, in tree order, instead of Folium's
    random one: element names (``map_2``, ``tile_layer_3``) then depend only on the tree."""
    counter = itertools.count(1)

    def visit(element: Any) -> None:
        element._id = str(next(counter))
        renamed: OrderedDict[str, Any] = OrderedDict()
        for key, child in element._children.items():
            automatic = key == child.get_name()
            visit(child)
            renamed[child.get_name() if automatic else key] = child
        element._children = renamed

    visit(root)
    for part in (root.header, root.html, root.script):
        visit(part)


def main() -> None:
    """Render the frame again into the package's assets (after changing it or Folium)."""
    path = ASSET_DIR / FRAME
    path.write_text(render_frame(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
