"""The report's two charts, drawn with matplotlib and written as SVG and PNG, byte for byte the
same on every run: no timestamps or software versions in the files, a fixed SVG id salt, one
bundled font (DejaVu Sans). Imported only when a chart is drawn (matplotlib is slow to load).

:class:`ChartProcess` draws them in a child process beside the work that counts and renders the
report: importing matplotlib and drawing take half a second, which a second core hides.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

REMOVED_COLOR = "#b2182b"
ERECTED_COLOR = "#2166ac"
WIDTH, HEIGHT, DPI = 8.0, 3.6, 100
MAX_TICKS = 12
SIDE_BY_SIDE = 36  # up to this many periods, removed and erected bars stand side by side
PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
STEPS = {
    "month": (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200),
    "quarter": (1, 2, 4, 8, 20, 40, 80, 200, 400),
    "year": (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
}

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
_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": None, "Contributor": None, "Format": None},
    "png": {"Software": None},
}


def draw(
    periods: list[int],
    labels: list[str],
    removed: list[int],
    erected: list[int],
    freq: str,
    note: str = "",
    formats: tuple[str, ...] = ("svg", "png"),
) -> dict[str, bytes]:
    """``cumulative.svg|png`` and ``per-period.svg|png`` for the counts per period (``periods``
    numbered as in :func:`symbols._periods.period_of`, consecutive, labelled ``labels``);
    ``note`` is printed small under the chart. ``formats``: any of svg, png."""
    import matplotlib

    charts: dict[str, bytes] = {}
    with matplotlib.rc_context(_RC):
        for name, paint in (("cumulative", _cumulative), ("per-period", _per_period)):
            figure = _figure()
            axes = figure.add_subplot()
            paint(axes, labels, removed, erected, freq)
            _finish(axes, periods, labels, freq)
            if note:
                figure.text(0.98, 0.015, note, ha="right", va="bottom", color="#555555", size=8)
            figure.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
            for fmt in formats:
                charts[f"{name}.{fmt}"] = _save(figure, fmt, _METADATA[fmt])
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
    x = range(len(labels))
    removed_label, erected_label = f"removed ({sum(removed)})", f"erected ({sum(erected)})"
    if len(labels) <= SIDE_BY_SIDE:
        width = 0.4
        left, right = [i - width / 2 for i in x], [i + width / 2 for i in x]
        axes.bar(left, removed, width, color=REMOVED_COLOR, label=removed_label)
        axes.bar(right, erected, width, color=ERECTED_COLOR, label=erected_label)
    else:  # too many periods for pairs of bars: stack them, one filled outline per series
        edges = [i - 0.5 for i in range(len(labels) + 1)]
        stacked = [r + e for r, e in zip(removed, erected, strict=True)]
        style = {"fill": True, "lw": 0}
        axes.stairs(removed, edges, color=REMOVED_COLOR, label=removed_label, **style)
        axes.stairs(
            stacked, edges, baseline=removed, color=ERECTED_COLOR, label=erected_label, **style
        )
    axes.set_ylabel(f"per {freq}")


def _finish(axes: Any, periods: list[int], labels: list[str], freq: str) -> None:
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
    ticks, names = _ticks(periods, labels, freq)
    axes.set_xticks(ticks, names)
    axes.set_xlim(-0.6, len(labels) - 0.4)
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False)


def _ticks(periods: list[int], labels: list[str], freq: str) -> tuple[list[int], list[str]]:
    """At most MAX_TICKS ticks on round periods: every month, quarter, half year, then every
    year, 2, 5, 10... years (labelled by the year alone)."""
    per_year = PER_YEAR[freq]
    ticks: list[int] = []
    step = 1
    for step in STEPS[freq]:
        ticks = [i for i, p in enumerate(periods) if p % step == 0]
        if len(ticks) <= MAX_TICKS:
            break
    if not ticks:  # fewer periods than one step: label them all
        return list(range(len(labels))), labels
    if step >= per_year:
        return ticks, [str(periods[i] // per_year) for i in ticks]
    return ticks, [labels[i] for i in ticks]


def _save(figure: Any, fmt: str, metadata: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata=metadata, dpi=DPI)
    return buffer.getvalue()


class ChartProcess:
    """The report's charts, drawn in a child process that imports matplotlib as soon as it
    starts: start it before the registry is read, :meth:`send` the arguments of :func:`draw`
    once the counts are known, render the report, then take the :meth:`result`.

    The child is only a way to use another core. With ``spawn=False`` (or in a frozen program,
    which has no Python to start), and whenever the child cannot start, fails, answers
    something else or takes longer than ``timeout`` seconds, :meth:`result` draws the charts in
    this process: the same function, so the same bytes. Use it as a context manager: leaving
    ends a child still running (a registry that failed to load sends it nothing)."""

    def __init__(self, spawn: bool = True, timeout: float = 120.0) -> None:
        self.timeout = timeout
        self._args: tuple[Any, ...] | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._sending: threading.Thread | None = None
        if not spawn or not sys.executable or getattr(sys, "frozen", False):
            return
        try:
            # this file itself, which needs nothing of its package; -P: nothing from its folder
            self._child = subprocess.Popen(
                [sys.executable, "-P", str(Path(__file__).resolve())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._child = None

    def send(self, *args: Any) -> None:
        """Have the charts ``draw(*args)`` drawn (once)."""
        if self._args is not None:
            raise RuntimeError("ChartProcess.send() twice: it draws one set of charts")
        self._args = args
        child = self._child
        if child is None or child.stdin is None:
            return
        # written beside the report's work: the child reads only once matplotlib is loaded,
        # and many periods are more than a pipe holds
        self._sending = threading.Thread(
            target=_send, args=(child.stdin, pickle.dumps(args)), daemon=True
        )
        self._sending.start()
        child.stdin = None  # the thread closes it; communicate() must leave it alone

    def result(self) -> dict[str, bytes]:
        """The charts for the arguments sent: the child's, else drawn here."""
        if self._args is None:
            raise RuntimeError("ChartProcess.result() before send()")
        child, self._child = self._child, None
        if child is not None:
            try:
                out, _ = child.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                out = None
            finally:
                _end(child)
            if self._sending is not None:
                self._sending.join()  # done: the child has ended and its pipe is closed
            if out and child.returncode == 0:
                try:
                    charts = pickle.loads(out)
                except Exception:  # whatever the child wrote, it was not the charts
                    charts = None
                if _are_charts(charts, self._args[-1]):
                    return charts  # type: ignore[no-any-return]
        return draw(*self._args)

    def close(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            _end(child)

    def __enter__(self) -> ChartProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _send(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError):  # (a child that died: BrokenPipeError)
        pipe.write(data)
    with contextlib.suppress(OSError):
        pipe.close()


def _are_charts(charts: Any, formats: tuple[str, ...]) -> bool:
    """Whether ``charts`` is what :func:`draw` gives for ``formats``."""
    names = {f"{chart}.{fmt}" for chart in ("cumulative", "per-period") for fmt in formats}
    return (
        isinstance(charts, dict)
        and set(charts) == names
        and all(isinstance(data, bytes) for data in charts.values())
    )


def _end(child: subprocess.Popen[bytes]) -> None:
    """Kill ``child`` if it still runs, close its pipes and reap it."""
    if child.poll() is None:
        child.kill()
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    child.wait()


def serve() -> None:
    """The child of :class:`ChartProcess`: import what drawing needs, then draw the charts for
    the arguments read (pickled) from standard input, and write them (pickled) to standard
    output."""
    from matplotlib.backends import backend_agg, backend_svg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401
    from matplotlib.ticker import MaxNLocator  # noqa: F401

    args = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps(draw(*args)))
    sys.stdout.buffer.flush()
    # done: the parent waits for this process to end, and tearing down matplotlib's modules
    # would keep it waiting a tenth of a second for nothing
    os._exit(0)


if __name__ == "__main__":
    serve()
