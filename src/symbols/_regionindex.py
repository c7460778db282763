"""The precomputed grid that answers "which region is this point in?" without shapely.

Plumbing for :func:`symbols.geo.regions_at`; the grid file is built by
``geo/build_region_index.py``, which also describes its layout.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any

_OUTSIDE, _MIXED, _FULL = 255, 254, -1


class RegionIndex:
    """The grid of geo/kz_regions.index.bin (its layout is described in the script that builds
    it). A point's cell is found exactly (cells are 1/32 degree); a cell wholly inside one region
    or outside all answers at once. In a cell that region borders cross, a point is on a
    region's boundary (inside: polygons are closed) or inside it by the parity of the region's
    edges crossed by a ray going east from the point to the first cell that lies wholly inside or
    wholly outside that region (whose status is known); the edges are those listed for the cells
    the ray passes. Orientation tests are exact (rational arithmetic where floating point cannot
    decide), so the answer is shapely's own."""

    def __init__(self, header: dict[str, Any], body: memoryview) -> None:
        """``header``: the index file's first line, parsed; ``body``: the bytes after it. A
        damaged file raises ValueError."""
        import zlib

        def part(name: str) -> memoryview:
            offset, length = header["arrays"][name]
            if offset + length > len(body):
                raise ValueError(f"index file too short for its {name}")
            return body[offset : offset + length]

        self.codes: list[str] = header["codes"]
        self.x0, self.y0 = (float(v) for v in header["origin"])
        self.scale = float(header["cells_per_degree"])
        self.nx, self.ny = header["size"]
        try:
            self.grid = zlib.decompress(part("grid"))
        except zlib.error as error:
            raise ValueError(f"index grid unreadable: {error}") from None
        if len(self.grid) != self.nx * self.ny:
            raise ValueError("index grid has the wrong size")
        self.mixed_cells = _little_endian("i", part("mixed_cells"))
        self.mixed_at = _little_endian("i", part("mixed_at"))
        self.mixed_data = _little_endian("i", part("mixed_data"))
        # x, y of every region's vertices, the regions' from vertex_start
        self.vertices = _little_endian("d", part("vertices"))
        self.vertex_start: list[int] = header["vertex_start"]

    def _entries(self, cell: int) -> Iterator[tuple[int, list[int] | int]]:
        """A mixed cell's regions in code order, each with its edges, or _FULL."""
        data = self.mixed_data
        pos = self.mixed_at[bisect_left(self.mixed_cells, cell)]
        for _ in range(data[pos]):
            region, count = data[pos + 1], data[pos + 2]
            if count == _FULL:
                pos += 2
                yield region, _FULL
            else:
                yield region, data[pos + 3 : pos + 3 + count]
                pos += 2 + count

    def at_each(self, xs: Iterable[float], ys: Iterable[float]) -> list[str | None]:
        """The region of each point (x, y), in one loop (a registry may have 100,000 points):
        a point in a cell wholly inside one region or outside all is answered by its cell."""
        x0, y0, scale, nx, ny = self.x0, self.y0, self.scale, self.nx, self.ny
        grid, codes = self.grid, self.codes
        found: list[str | None] = []
        append = found.append
        for x, y in zip(xs, ys, strict=True):
            fx = (x - x0) * scale  # exact: a power-of-two scale, Sterbenz subtraction
            fy = (y - y0) * scale
            if not (0.0 <= fx < nx and 0.0 <= fy < ny):  # also NaN
                append(None)
                continue
            ix, iy = int(fx), int(fy)
            value = grid[iy * nx + ix]
            if value < _MIXED:
                append(codes[value])
            elif value == _OUTSIDE:
                append(None)
            else:
                append(self._in_mixed_cell(ix, iy, x, y))
        return found

    def _in_mixed_cell(self, ix: int, iy: int, x: float, y: float) -> str | None:
        for region, edges in self._entries(iy * self.nx + ix):
            if edges == _FULL or self._inside(region, edges, ix, iy, x, y):  # type: ignore[arg-type]
                return self.codes[region]
        return None

    def _status(self, region: int, cell: int) -> list[int] | int | None:
        """The region in ``cell``: _FULL, None (empty) or the edges listed there."""
        value = self.grid[cell]
        if value == _MIXED:
            for r, edges in self._entries(cell):
                if r == region:
                    return edges
            return None
        return _FULL if value == region else None

    def _inside(
        self, region: int, edges: list[int], ix: int, iy: int, px: float, py: float
    ) -> bool:
        crossed = set(edges)
        row = iy * self.nx
        column = ix + 1
        while True:  # the grid's last column is outside every region
            status = self._status(region, row + column)
            if status is None or status == _FULL:
                break
            crossed.update(status)  # type: ignore[arg-type]
            column += 1
        qx = self.x0 + (column + 0.5) / self.scale
        v = self.vertices
        first = 2 * self.vertex_start[region]
        odd = False
        for k in crossed:
            i = first + 2 * k
            ax, ay, bx, by = v[i], v[i + 1], v[i + 2], v[i + 3]
            if (
                (ax <= px <= bx or bx <= px <= ax)
                and (ay <= py <= by or by <= py <= ay)
                and _orientation(ax, ay, bx, by, px, py) == 0
            ):
                return True  # on the boundary
            if (ay > py) != (by > py):
                side = 1 if by > ay else -1
                if (
                    _orientation(ax, ay, bx, by, px, py) == side
                    and _orientation(ax, ay, bx, by, qx, py) == -side
                ):
                    odd = not odd
        return odd != (status == _FULL)


def _little_endian(typecode: str, data: memoryview) -> array:
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values


def _orientation(ax: float, ay: float, bx: float, by: float, px: float, py: float) -> int:
    """1 if p is left of the line from a to b, -1 if right, 0 if on it: exactly."""
    left = (bx - ax) * (py - ay)
    right = (by - ay) * (px - ax)
    det = left - right
    bound = 1e-15 * (abs(left) + abs(right))  # well above Shewchuk's 3.3e-16 error bound
    if det > bound:
        return 1
    if det < -bound:
        return -1
    from fractions import Fraction  # rarely needed: imported then

    exact = (Fraction(bx) - Fraction(ax)) * (Fraction(py) - Fraction(ay)) - (
        Fraction(by) - Fraction(ay)
    ) * (Fraction(px) - Fraction(ax))
    return (exact > 0) - (exact < 0)
