"""The validator's one-pass common case (``symbols._plaincheck``) against its detailed checks.

``plain_events`` may pass a feature only when the detailed checks find nothing in its members,
and the events it makes must be the ones the detailed checks make. Every variant below changes
one member of a clean feature; for each, validation must report exactly what the detailed checks
alone (the one-pass check switched off) report, and make the same events.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from builders import event, feature, write

from symbols import validate as validate_module
from symbols._plaincheck import plain_events
from symbols.registry import Monument, read
from symbols.validate import validate

TODAY = date(2026, 1, 1)

CLEAN = feature(
    "bust-1",
    [
        event("1999-05", "erected", sources=["https://example.org/a"]),
        event("2023-04-01", "sighting", "standing", note="seen"),
        event("2024~", "removed", sources=[{"url": "https://example.org/b", "publisher": "P"}]),
    ],
    lon=78.37,
    lat=45.02,
    region="KZ-33",
    photo="https://example.org/photo.jpg",
)


def _set(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    variant = copy.deepcopy(CLEAN)
    target: Any = variant
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return variant


_DELETE = object()
P = ("properties",)
E0 = ("properties", "events", 0)
E1 = ("properties", "events", 1)
E2 = ("properties", "events", 2)

VARIANTS: list[tuple[tuple[Any, ...], Any]] = [
    (("type",), "feature"),
    (("type",), _DELETE),
    (("id",), _DELETE),
    (("id",), 7),
    (("id",), "Bust 1"),
    (("id",), ""),
    (("geometry",), None),
    (("geometry",), {"type": "Point"}),
    (("geometry", "type"), "Polygon"),
    (("geometry", "coordinates"), [78.37]),
    (("geometry", "coordinates"), [78, 45]),
    (("geometry", "coordinates"), [45.02, 178.37]),
    (("geometry", "coordinates"), [78.37, 95.0]),
    (("geometry", "coordinates"), [True, 45.0]),
    (("geometry", "coordinates"), ["78.37", 45.0]),
    (("properties",), []),
    ((*P, "name"), _DELETE),
    ((*P, "name"), ""),
    ((*P, "name"), "   "),
    ((*P, "name"), " x "),
    ((*P, "subject"), None),
    ((*P, "place"), 3),
    ((*P, "kind"), "statuee"),
    ((*P, "kind"), None),
    ((*P, "kind"), ["statue"]),
    ((*P, "location_precision"), "city"),
    ((*P, "location_precision"), _DELETE),
    ((*P, "region"), "kz-19"),
    ((*P, "region"), "KZ-61"),
    ((*P, "region"), 19),
    ((*P, "photo"), "javascript:alert(1)"),
    ((*P, "photo"), "https://example.org/a b"),
    ((*P, "country"), "KZ"),
    ((*P, "country"), "kz"),
    ((*P, "country"), "Kazakhstan"),
    ((*P, "country"), 5),
    ((*P, "subject:wikidata"), "Q9259"),
    ((*P, "subject:wikidata"), "9259"),
    ((*P, "subject:wikidata"), "Q09"),
    ((*P, "notes"), "text"),
    ((*P, "notes"), 5),
    ((*P, "events"), []),
    ((*P, "events"), None),
    ((*P, "events"), {}),
    ((*P, "events", 0), "1999"),
    ((*E0, "type"), "erect"),
    ((*E0, "type"), _DELETE),
    ((*E0, "type"), "sighting"),
    ((*E0, "status"), "standing"),
    ((*E1, "status"), _DELETE),
    ((*E1, "status"), "gone"),
    ((*E1, "status"), ["standing"]),
    ((*E0, "date"), "1999-13"),
    ((*E0, "date"), "2099"),
    ((*E0, "date"), 1999),
    ((*E0, "date"), _DELETE),
    ((*E0, "date"), " 1999"),
    ((*E0, "recorded"), "2025-01-01"),
    ((*E0, "recorded"), "2099-01-01"),
    ((*E0, "sources"), []),
    ((*E0, "sources"), _DELETE),
    ((*E0, "sources"), "https://example.org/a"),
    ((*E0, "sources"), ["ftp://example.org/a"]),
    ((*E0, "sources"), ["javascript:alert(1)"]),
    ((*E0, "sources"), [{"title": "no url"}]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "archived": "javascript:x"}]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "published": "2024-99"}]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "published": "2024-02"}]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "published": "2099-02"}]),
    ((*E0, "sources"), [3]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "title": 5}]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "publisher": ["P"]}]),
    ((*E0, "sources"), [{"url": "https://example.org/a", "title": "T", "publisher": "P"}]),
    ((*E0, "sources"), ["https://[oops/a"]),
    ((*E0, "note"), 3),
    ((*E0, "note"), "a note"),
    ((*E2, "date"), "1990"),  # removed before it was erected
    ((*P, "events"), [event("2020", "erected"), event("2019-05", "damaged")]),
    ((*P, "events"), [event("2019-05", "damaged"), event("2020", "erected")]),
    ((*P, "events"), [event("2020", "erected"), event("2020-05", "removed")]),
    (
        (*P, "events"),
        [event("2019", "renamed"), event("2020", "erected"), event("2019", "erected")],
    ),
    ((*P, "events"), [event("2019", "sighting", "removed"), event("2020", "sighting", "standing")]),
    ((*E2, "type"), "sighting"),
]


def _made(monument: Monument) -> str:
    """The events as made, class names included: a named tuple equals a plain tuple, and the
    two paths must make the same kinds of objects, with every field."""
    return repr(monument.events)


def _detailed(monkeypatch: pytest.MonkeyPatch, path: Path) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(validate_module, "plain_events", lambda raw, today: None)
        return validate(path, strict=True, today=TODAY)


@pytest.mark.parametrize(("where", "value"), VARIANTS, ids=lambda v: repr(v)[:40])
def test_plain_check_passes_only_what_the_detailed_checks_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: tuple[Any, ...], value: Any
) -> None:
    path = write(tmp_path / "r.geojson", _set(where, value))
    detailed = _detailed(monkeypatch, path)
    both = validate(path, strict=True, today=TODAY)
    assert both.problems == detailed.problems
    if plain_events(read(path).data["features"][0], TODAY) is not None:
        assert both.registry is not None and detailed.registry is not None
        assert _made(both.registry.features[0]) == _made(detailed.registry.features[0])


def test_a_clean_feature_takes_the_one_pass_check(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path / "r.geojson", CLEAN, feature("bust-2"))
    for raw in read(path).data["features"]:
        assert plain_events(raw, TODAY) is not None
    detailed = _detailed(monkeypatch, path)
    both = validate(path, strict=True, today=TODAY)
    assert both.problems == detailed.problems == []
    for quick, slow in zip(both.registry.features, detailed.registry.features, strict=True):
        assert _made(quick) == _made(slow)
        assert quick.history.changes == slow.history.changes


def test_duplicate_ids_are_still_found(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", CLEAN, copy.deepcopy(CLEAN))
    problems = validate(path, today=TODAY).problems
    assert [p.message for p in problems] == ["duplicate id (also feature #1 in the file)"]


def test_the_bundled_registry_is_checked_the_same_both_ways(monkeypatch) -> None:
    path = Path(__file__).parent.parent / "data" / "monuments.geojson"
    detailed = _detailed(monkeypatch, path)
    both = validate(path, strict=True, today=TODAY)
    assert both.problems == detailed.problems
    for quick, slow in zip(both.registry.features, detailed.registry.features, strict=True):
        assert _made(quick) == _made(slow)
