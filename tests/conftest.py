"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from builders import EDIT_DAY


@pytest.fixture(scope="module")
def running() -> Iterator:
    """A real HTTP server on 127.0.0.1 (pytest-httpserver), one per test module."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(running):  # type: ignore[no-untyped-def]
    """The module's server with no handlers and an empty log, for one test."""
    running.clear()
    return running


@pytest.fixture
def edit_day(monkeypatch: pytest.MonkeyPatch) -> str:
    """$SYMBOLS_TODAY set to :data:`builders.EDIT_DAY` (the edit tests use it as a mark)."""
    monkeypatch.setenv("SYMBOLS_TODAY", EDIT_DAY)
    return EDIT_DAY
