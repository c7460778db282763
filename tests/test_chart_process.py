"""The chart process: charts drawn in a child process beside the report, the same bytes as
drawn in this one, and drawn here whenever the child cannot help."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from builders import event, feature, write
from click.testing import CliRunner

from symbols import _charts, reports
from symbols._charts import ChartProcess
from symbols.cli import cli
from symbols.registry import load

ARGS = (
    [24264, 24265, 24266],
    ["2022-01", "2022-02", "2022-03"],
    [3, 0, 1],
    [0, 1, 0],
    "month",
    "Not shown: 1 removal and 0 erections whose date is known only roughly.",
    ("svg", "png"),
)


@pytest.fixture(scope="module")
def drawn_here() -> dict[str, bytes]:
    return _charts.draw(*ARGS)


def _no_drawing_here(*args: object) -> dict[str, bytes]:
    raise AssertionError("drawn in the parent process")


def test_the_child_draws_the_same_bytes(
    drawn_here: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    with ChartProcess() as charts:
        charts.send(*ARGS)
        monkeypatch.setattr(_charts, "draw", _no_drawing_here)
        assert charts.result() == drawn_here


def _fake_python(tmp_path: Path, body: str) -> str:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize(
    "body",
    [
        "exit 3",  # fails at once
        "cat >/dev/null; echo not a pickle",  # answers nonsense, successfully
        "cat >/dev/null; echo oops >&2; exit 1",  # fails after reading
        # answers with a pickled dict that is not the charts
        f'exec {sys.executable} -c "import pickle, sys; sys.stdin.buffer.read(); '
        "sys.stdout.buffer.write(pickle.dumps({'cumulative.svg': b'x'}))\"",
    ],
)
def test_a_failing_child_leaves_the_drawing_to_this_process(
    body: str, tmp_path: Path, drawn_here: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, body))
    with ChartProcess() as charts:
        time.sleep(0.05)  # (the first one has exited by now: sending meets a closed pipe)
        charts.send(*ARGS)
        assert charts.result() == drawn_here


def test_a_child_that_cannot_start_or_hangs_is_not_waited_for(
    tmp_path: Path, drawn_here: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "missing"))
    with ChartProcess() as charts:
        charts.send(*ARGS)
        assert charts.result() == drawn_here
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, "exec sleep 60"))
    started = time.monotonic()
    with ChartProcess(timeout=0.5) as charts:
        child = charts._child
        charts.send(*ARGS)
        assert charts.result() == drawn_here
    assert time.monotonic() - started < 10
    assert child is not None and child.returncode is not None  # killed and reaped


def test_leaving_ends_a_child_that_was_sent_nothing() -> None:
    with ChartProcess() as charts:
        child = charts._child
        assert child is not None and child.poll() is None
    assert child.returncode is not None
    with pytest.raises(RuntimeError, match="before send"):
        charts.result()


def test_report_and_build_use_it_and_end_it_when_the_registry_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = []  # each ChartProcess's child
    original = ChartProcess.__init__

    def recording(self: ChartProcess, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        started.append(self._child)

    monkeypatch.setattr(ChartProcess, "__init__", recording)
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2010-05-01", "erected"), event("2022-01-05", "toppled")]),
    )
    runner = CliRunner()
    for args in (["--out", str(tmp_path / "r.md")], ["--format", "html"]):
        result = runner.invoke(cli, ["report", str(path), *args])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "r-cumulative.png").read_bytes() == reports.draw_charts(
        reports.build_report(load(path))
    )["cumulative.png"]
    assert runner.invoke(cli, ["report", str(path)]).exit_code == 0  # no charts: no child
    assert runner.invoke(cli, ["report", str(path), "--format", "csv"]).exit_code == 0
    started = [child for child in started if child is not None]  # (CSV and stdout: none)
    assert len(started) == 2
    bad = write(tmp_path / "bad.geojson", feature("a", [event("2022-13-01", "toppled")]))
    result = runner.invoke(cli, ["report", str(bad), "--out", str(tmp_path / "bad.md")])
    assert result.exit_code == 1 and "bad.geojson" in result.output
    started = [child for child in started if child is not None]
    assert len(started) == 3
    assert all(child is not None and child.returncode is not None for child in started)


def test_the_child_imports_nothing_from_the_folder_of_its_script(
    tmp_path: Path, drawn_here: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child runs _charts.py by path, whose folder Python would put first on sys.path: a
    module there named like one the child imports (here pickle) would be imported instead.
    -P keeps the folder off sys.path."""
    script = tmp_path / "_charts.py"
    script.write_text(Path(_charts.__file__).read_text())
    (tmp_path / "pickle.py").write_text("raise SystemExit(7)\n")
    monkeypatch.setattr(_charts, "__file__", str(script))
    with ChartProcess() as charts:
        charts.send(*ARGS)
        monkeypatch.setattr(_charts, "draw", _no_drawing_here)  # so the child must draw
        assert charts.result() == drawn_here


def test_sending_does_not_wait_for_a_child_that_does_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, "exec sleep 60"))
    many = list(range(200_000))  # far more than a pipe holds
    with ChartProcess() as charts:
        child = charts._child
        started = time.monotonic()
        charts.send(many, [str(p) for p in many], many, many, "month", "", ("svg",))
        assert time.monotonic() - started < 2
    assert child is not None and child.returncode is not None
    with pytest.raises(RuntimeError, match="twice"):
        charts.send(*ARGS)


def test_without_spawning_it_draws_here(drawn_here: dict[str, bytes]) -> None:
    with ChartProcess(spawn=False) as charts:
        assert charts._child is None
        charts.send(*ARGS)
        assert charts.result() == drawn_here
