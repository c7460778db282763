"""The report's two charts, drawn with matplotlib and written as SVG and PNG, byte for byte the
same on every run: no timestamps or software versions in the files, a fixed SVG id salt, one
bundled font (DejaVu Sans). Imported only when a chart is drawn (matplotlib is slow to load).
"""

from __future__ import annotations

import io
import math
from typing import Any

REMOVED_COLOR = "#b2182b"
ERECTED_COLOR = "#2166ac"
WIDTH, HEIGHT, DPI = 8.0, 3.6, 100
MAX_TICKS = 12

_RC = {
    "svg.hashsalt": "symbols-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "path.simplify": False,
}
_SVG_METADATA = {"Date": None, "Creator": None, "Contributor": None, "Format": None}
_PNG_METADATA = {"Software": None}


def draw(labels: list[str], removed: list[int], erected: list[int], freq: str) -> dict[str, bytes]:
    """``cumulative.svg|png`` and ``per-period.svg|png`` for the counts per period."""
    import matplotlib

    charts: dict[str, bytes] = {}
    with matplotlib.rc_context(_RC):
        for name, paint in (("cumulative", _cumulative), ("per-period", _per_period)):
            figure = _figure()
            axes = figure.add_subplot()
            paint(axes, labels, removed, erected, freq)
            _finish(axes, labels, freq)
            figure.tight_layout()
            charts[f"{name}.svg"] = _save(figure, "svg", _SVG_METADATA)
            charts[f"{name}.png"] = _save(figure, "png", _PNG_METADATA)
    return charts


def _figure() -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _cumulative(
    axes: Any, labels: list[str], removed: list[int], erected: list[int], freq: str
) -> None:
    axes.set_title(f"Removals and new memorials so far, by {freq}")
    edges = [i - 0.5 for i in range(len(labels) + 1)]
    for values, color, label in (
        (removed, REMOVED_COLOR, "removed"),
        (erected, ERECTED_COLOR, "erected"),
    ):
        total, running = 0, []
        for value in values:
            total += value
            running.append(total)
        if running:
            axes.stairs(
                running, edges, baseline=None, color=color, lw=2.0, label=f"{label} ({total})"
            )
    axes.set_ylabel(f"total by end of {freq}")


def _per_period(
    axes: Any, labels: list[str], removed: list[int], erected: list[int], freq: str
) -> None:
    axes.set_title(f"Removals and new memorials per {freq}")
    width = 0.42 if len(labels) <= 60 else 0.5
    left = [i - width / 2 for i in range(len(labels))]
    right = [i + width / 2 for i in range(len(labels))]
    axes.bar(left, removed, width, color=REMOVED_COLOR, label=f"removed ({sum(removed)})")
    axes.bar(right, erected, width, color=ERECTED_COLOR, label=f"erected ({sum(erected)})")
    axes.set_ylabel(f"per {freq}")


def _finish(axes: Any, labels: list[str], freq: str) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color="#dddddd", lw=0.6)
    axes.set_axisbelow(True)
    if not labels:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.text(
            0.5,
            0.5,
            f"nothing dated to a single {freq}",
            ha="center",
            va="center",
            transform=axes.transAxes,
            color="#666666",
        )
        return
    top = axes.get_ylim()[1]
    axes.set_ylim(0, max(1.0, top * 1.05))
    step = max(1, math.ceil(len(labels) / MAX_TICKS))
    ticks = list(range(0, len(labels), step))
    axes.set_xticks(ticks, [labels[i] for i in ticks])
    axes.set_xlim(-0.6, len(labels) - 0.4)
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False)


def _save(figure: Any, fmt: str, metadata: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata=metadata, dpi=DPI)
    return buffer.getvalue()
