"""Build the files that let ``symbols`` work with the regions without numpy or shapely at run time.

Writes, from ``kz_regions.geojson`` (whose SHA-256 and CRC-32 both files record; ``symbols.geo``
uses them only while the CRC-32 matches, which it computes without loading OpenSSL):

- ``kz_regions.index.bin``: the regions' properties in code order (names, so that
  ``symbols.geo.regions`` need not parse the polygons) and a grid index for
  ``symbols.geo.regions_at``. The file is one line of JSON (the header), then the arrays as raw
  little-endian bytes, each at the ``[offset, length]`` the header's ``arrays`` gives (offsets
  from the byte after the header line, 8-byte aligned): loading it takes a read and a copy, where
  base64 in JSON took ten times longer. Cells are 1/32 degree (a power of two, so a point's cell
  is computed exactly in floating point) over the regions' extent plus a margin of empty cells.
  Each cell is, for each region, *full* (the closed cell lies in the region's interior:
  ``contains_properly``), *empty* (``disjoint``) or *mixed*. ``grid`` (zlib) holds one byte per
  cell, row by row from the south-west: a region's index when that region is full and all others
  empty, 255 when all are empty, 254 when mixed. For a mixed cell, ``mixed_cells``/``mixed_at``/
  ``mixed_data`` (int32) list the regions not empty there (index, then -1 when full, else the
  number of edges and the edges); the edges listed are those whose bounding box meets the closed
  cell (a superset of the edges that meet it). ``vertices`` (float64) holds every region's rings
  (exterior and holes of every part) as ``x, y`` pairs, the regions' vertices starting at
  ``vertex_start`` (in the header); a region's edge ``k`` runs from its vertex ``k`` to ``k + 1``
  (GeoJSON rings repeat their first vertex, and no listed edge spans two rings). The
  coordinates are the GeoJSON file's own numbers.
- ``kz_regions.simplified.json``: the region layer of the map pages, as
  ``symbols._mapdata.simplify_region_shapes`` computes it (``shapely.coverage_simplify`` at the
  pages' tolerance, rounded), so that pages need not simplify on every run.

Run from the repository root (needs shapely and numpy, the project's dependencies):

    .venv/bin/python geo/build_region_index.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import zlib
from pathlib import Path

import numpy as np
import orjson
import shapely
from shapely.geometry import shape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
# symbols.geo (which simplifies the layer below) must read the region file this script stamps
# its files with, whatever SYMBOLS_GEO_DIR says
os.environ["SYMBOLS_GEO_DIR"] = str(HERE)

SOURCE = HERE / "kz_regions.geojson"
INDEX = HERE / "kz_regions.index.bin"
SIMPLIFIED = HERE / "kz_regions.simplified.json"
CELLS_PER_DEGREE = 32
OUTSIDE, MIXED = 255, 254
FULL = -1


def provenance(raw: bytes) -> dict:
    """What both files record of the region file they were built from."""
    return {
        "source": SOURCE.name,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "source_crc32": zlib.crc32(raw),  # what symbols.geo checks, cheaply
        "built_by": "geo/build_region_index.py",
    }


def rings(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [ring for polygon in polygons for ring in polygon]


def build_index(raw: bytes) -> bytes:
    from symbols.geo import INDEX_FORMAT  # what symbols.geo checks the index by

    data = orjson.loads(raw)
    features = sorted(data["features"], key=lambda f: f["properties"]["iso_3166_2"])
    codes = [f["properties"]["iso_3166_2"] for f in features]
    geoms = [shape(f["geometry"]) for f in features]
    for g in geoms:
        shapely.prepare(g)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    x0, y0 = float(np.floor(minx)) - 1, float(np.floor(miny)) - 1
    nx = int(np.ceil((maxx + 1 - x0) * CELLS_PER_DEGREE))
    ny = int(np.ceil((maxy + 1 - y0) * CELLS_PER_DEGREE))
    step = 1 / CELLS_PER_DEGREE
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    ix, iy = ix.ravel(), iy.ravel()  # cell number = iy * nx + ix
    bx0, by0 = x0 + ix * step, y0 + iy * step
    boxes = shapely.box(bx0, by0, bx0 + step, by0 + step)

    status = np.zeros((len(geoms), nx * ny), dtype=np.int8)  # 0 empty, 1 full, 2 mixed
    for r, g in enumerate(geoms):
        gx0, gy0, gx1, gy1 = g.bounds
        near = np.flatnonzero(
            (bx0 <= gx1) & (bx0 + step >= gx0) & (by0 <= gy1) & (by0 + step >= gy0)
        )
        meets = shapely.intersects(g, boxes[near])
        inside = shapely.contains_properly(g, boxes[near])
        status[r, near[meets]] = 2
        status[r, near[inside]] = 1

    vertices: list[list[float]] = []
    mixed: dict[int, list] = {}
    for r, f in enumerate(features):
        flat: list[float] = []
        edge_ids: list[int] = []
        for ring in rings(f["geometry"]):
            start = len(flat) // 2
            edge_ids += range(start, start + len(ring) - 1)
            for x, y in ring:
                flat += [x, y]
        vertices.append(flat)
        ids = np.array(edge_ids, dtype=np.int64)
        xs, ys = np.array(flat[0::2]), np.array(flat[1::2])
        ex0 = np.minimum(xs[ids], xs[ids + 1])
        ex1 = np.maximum(xs[ids], xs[ids + 1])
        ey0 = np.minimum(ys[ids], ys[ids + 1])
        ey1 = np.maximum(ys[ids], ys[ids + 1])
        # cells an edge's bounding box meets (closed boxes: a coordinate on a cell line meets both)
        cx0 = np.floor((ex0 - x0) * CELLS_PER_DEGREE).astype(int)
        cx1 = np.floor((ex1 - x0) * CELLS_PER_DEGREE).astype(int)
        cy0 = np.floor((ey0 - y0) * CELLS_PER_DEGREE).astype(int)
        cy1 = np.floor((ey1 - y0) * CELLS_PER_DEGREE).astype(int)
        on_x0 = (ex0 - x0) * CELLS_PER_DEGREE == cx0
        on_y0 = (ey0 - y0) * CELLS_PER_DEGREE == cy0
        cells: dict[int, list[int]] = {}
        for k, a0, a1, b0, b1, ox, oy in zip(
            ids.tolist(), cx0, cx1, cy0, cy1, on_x0, on_y0, strict=True
        ):
            for cy in range(b0 - (1 if oy else 0), b1 + 1):
                for cx in range(a0 - (1 if ox else 0), a1 + 1):
                    cells.setdefault(int(cy * nx + cx), []).append(k)
        for cell in np.flatnonzero(status[r] == 2).tolist():
            edges = cells.get(cell)
            if not edges:
                raise ValueError(f"{codes[r]}: mixed cell {cell} without edges")
            mixed.setdefault(cell, []).append([r, edges])
        for cell in np.flatnonzero(status[r] == 1).tolist():
            mixed.setdefault(cell, []).append([r, FULL])

    grid = np.full(nx * ny, OUTSIDE, dtype=np.uint8)
    for cell, entries in mixed.items():
        if len(entries) == 1 and entries[0][1] == FULL:
            grid[cell] = entries[0][0]
        else:
            grid[cell] = MIXED
    # mixed cells as one flat list of integers: for each cell (in cell order) the number of
    # regions listed, then for each region its index and its number of edges followed by the
    # edges (-1 and none when the region is full there); "mixed_cells" and "mixed_at" give each
    # cell's number and where its record starts
    mixed_cells, mixed_at, mixed_data = [], [], []
    for cell, entries in sorted(mixed.items()):
        if grid[cell] != MIXED:
            continue
        mixed_cells.append(cell)
        mixed_at.append(len(mixed_data))
        mixed_data.append(len(entries))
        for region, edges in sorted(entries):
            if edges == FULL:
                mixed_data += [region, FULL]
            else:
                mixed_data += [region, len(edges), *edges]
    flat = np.array([x for v in vertices for x in v], dtype="<f8")
    arrays = {
        "grid": zlib.compress(grid.tobytes(), 9),
        "mixed_cells": np.array(mixed_cells, dtype="<i4").tobytes(),
        "mixed_at": np.array(mixed_at, dtype="<i4").tobytes(),
        "mixed_data": np.array(mixed_data, dtype="<i4").tobytes(),
        "vertices": flat.tobytes(),
    }
    header = {
        "format": INDEX_FORMAT,
        **provenance(raw),
        "codes": codes,
        "properties": [f["properties"] for f in features],
        "origin": [x0, y0],
        "cells_per_degree": CELLS_PER_DEGREE,
        "size": [nx, ny],
        "mixed": len(mixed_cells),
        "vertex_start": np.cumsum([0] + [len(v) // 2 for v in vertices]).tolist(),
        "arrays": {},
    }
    body = b""
    for name, data in arrays.items():
        body += bytes(-len(body) % 8)  # each array 8-byte aligned
        header["arrays"][name] = [len(body), len(data)]
        body += data
    return orjson.dumps(header) + b"\n" + body


def main() -> None:
    raw = SOURCE.read_bytes()
    index = build_index(raw)
    INDEX.write_bytes(index)
    header = orjson.loads(index[: index.index(b"\n")])
    (nx, ny), mixed = header["size"], header["mixed"]
    print(f"wrote {INDEX.name}: {nx} x {ny} cells, {mixed} mixed, {len(index):,} bytes")

    from symbols import _mapdata

    shapes = {
        **provenance(raw),
        "tolerance": _mapdata._REGION_TOLERANCE,
        "decimals": _mapdata._REGION_DECIMALS,
        "features": list(_mapdata.simplify_region_shapes()),
    }
    SIMPLIFIED.write_bytes(orjson.dumps(shapes) + b"\n")
    print(f"wrote {SIMPLIFIED.name}")


if __name__ == "__main__":
    main()
