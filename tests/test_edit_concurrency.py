"""Concurrent and interrupted edits: every edit lands, and a killed writer leaves the old file."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from builders import EDIT_DAY, assert_same_style, write_style

from symbols import _atomic, edit
from symbols.errors import EditError
from symbols.validate import validate

pytestmark = pytest.mark.usefixtures("edit_day")
TODAY = date.fromisoformat(EDIT_DAY)
FEATURES = ["almaty-bust", "taldy-statue", "kegen-sign", "shymkent-plaque"]
RUN_CLI = "from symbols.cli import main; main()"

# Runs one sighting; the hook pauses it at STAGE ("locked" or "written") until RELEASE exists
# (or for a minute), after writing MARKER, so a test can kill it or make others wait.
PAUSED_WRITER = """
import sys, time
from pathlib import Path
from symbols import _atomic, edit

stage, marker, release, registry, day = sys.argv[1:6]

def hook(at, path):
    if at == stage:
        Path(marker).write_text(str(path))
        deadline = time.monotonic() + 60
        while not Path(release).exists() and time.monotonic() < deadline:
            time.sleep(0.01)

_atomic.test_hook = hook
edit.add_sighting(registry, "taldy-statue", date=day, status="standing",
                  sources=["https://example.org/paused"])
"""


def _day(n: int) -> str:
    return (date(2020, 1, 1) + timedelta(days=n)).isoformat()


def _worker(path: str, worker: int, count: int, go: str) -> None:
    while not os.path.exists(go):
        time.sleep(0.001)
    for k in range(count):
        n = worker * count + k
        edit.add_sighting(
            path,
            FEATURES[n % len(FEATURES)],
            date=_day(n),
            status="standing" if n % len(FEATURES) != 0 else "damaged",
            sources=[f"https://example.org/{worker}/{k}"],
            today=TODAY,
        )


def _sightings(path: Path) -> list[str]:
    data = orjson.loads(path.read_bytes().decode("utf-8-sig"))
    return sorted(
        s if isinstance(s, str) else s["url"]
        for f in data["features"]
        for e in f["properties"].get("events", [])
        if e["type"] == "sighting"
        for s in e["sources"]
    )


@pytest.mark.parametrize("style", ["geojson.io", "gdal", "crlf"])
def test_eight_processes_five_sightings_each_all_land(tmp_path: Path, style: str) -> None:
    path = write_style(tmp_path / "r.geojson", style)
    go = tmp_path / "go"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(str(path), w, 5, str(go))) for w in range(8)]
    for process in workers:
        process.start()
    go.touch()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    expected = sorted(f"https://example.org/{w}/{k}" for w in range(8) for k in range(5))
    assert _sightings(path) == expected
    assert_same_style(style, path.read_bytes())
    assert validate(path, today=TODAY).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "r.geojson"]


def test_concurrent_commands_all_land(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "hand")
    commands = [
        [sys.executable, "-c", RUN_CLI, "sighting", FEATURES[n % 4], "--date", _day(n),
         "--status", "standing" if n % 4 else "damaged", "--source", f"https://e.org/{n}",
         "--registry", str(path)]
        for n in range(12)
    ]  # fmt: skip
    running = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands
    ]
    for process in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert _sightings(path) == sorted(f"https://e.org/{n}" for n in range(12))
    assert_same_style("hand", path.read_bytes())


def _start_paused(tmp_path: Path, path: Path, stage: str) -> tuple[subprocess.Popen, Path, Path]:
    marker, release = tmp_path / f"marker-{stage}", tmp_path / f"release-{stage}"
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_WRITER, stage, str(marker), str(release), str(path), "2024"],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the writer never reached its pause"
        time.sleep(0.01)
    return process, marker, release


@pytest.mark.parametrize("stage", ["locked", "written"])
def test_a_writer_killed_mid_edit_leaves_the_old_file(tmp_path: Path, stage: str) -> None:
    path = write_style(tmp_path / "r.geojson", "bom")
    before = path.read_bytes()
    process, marker, _ = _start_paused(tmp_path, path, stage)
    if stage == "written":
        temporary = Path(marker.read_text())
        assert temporary.exists() and temporary.parent == tmp_path
        assert b'"sighting"' in temporary.read_bytes()  # the new text, complete but not renamed
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert path.read_bytes() == before
    assert validate(path, today=TODAY).ok
    # the kernel dropped the dead writer's lock: the next edit proceeds and tidies up
    edit.add_sighting(path, "taldy-statue", date="2025", status="standing", sources=["https://e/"])
    assert _sightings(path) == ["https://e/"]
    marker.unlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.geojson"]


def test_a_second_edit_waits_for_the_first(tmp_path: Path) -> None:
    path = write_style(tmp_path / "r.geojson", "tabs")
    first, _, release = _start_paused(tmp_path, path, "locked")
    second = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "sighting", "kegen-sign", "--date", "2025",
         "--status", "standing", "--source", "https://e.org/second", "--registry", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(1.0)
    assert second.poll() is None  # still waiting for the lock
    release.touch()
    _, err = second.communicate(timeout=60)
    assert first.wait(60) == 0 and second.returncode == 0, err
    assert f"symbols: waiting for another edit of the registry (process {first.pid})" in err
    assert _sightings(path) == ["https://e.org/second", "https://example.org/paused"]
    assert_same_style("tabs", path.read_bytes())


def test_gives_up_after_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    before = path.read_bytes()
    monkeypatch.setattr(_atomic, "LOCK_TIMEOUT", 0.2)
    with _atomic.locked(path), pytest.raises(EditError, match="held the registry's lock"):
        edit.add_sighting(
            path, "kegen-sign", date="2025", status="standing", sources=["https://e/"]
        )
    assert path.read_bytes() == before


def test_edits_are_fsynced_and_generated_files_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    path = write_style(tmp_path / "r.geojson", "geojson.io")
    edit.add_sighting(
        path, "taldy-statue", date=_day(10), status="standing", sources=["https://example.org/s"]
    )
    assert len(synced) == 2  # the file, then its directory
    synced.clear()
    _atomic.write_output(tmp_path / "maps" / "map.html", b"<html></html>")
    assert synced == [] and (tmp_path / "maps" / "map.html").read_bytes() == b"<html></html>"
    _atomic.write_output(tmp_path / "review.geojson", b"{}", durable=True)
    assert len(synced) == 2
