"""Registries the map tests write: a small one with every status, and a hostile one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # for builders, when pytest has not put tests/ there already
    sys.path.append(str(TESTS))

import builders  # noqa: E402

#: Dates on which the sample registry's objects are in many different states.
SAMPLE_DATES = ("2015-06-01", "2022-01-04", "2022-01-20", "2023-02-15", "2024-02-01", "2025-06-30")
TODAY = "2025-06-30"
NEWS = {"url": "https://example.org/news/1", "title": "News", "publisher": "Example"}


def _event(when: str, kind: str, status: str | None = None, **extra: Any) -> dict[str, Any]:
    """:func:`builders.event`, its default source with a publisher."""
    return builders.event(when, kind, status, **{"sources": [dict(NEWS)], **extra})


def _feature(
    feature_id: str, lon: float, lat: float, events: list[dict[str, Any]], **props: Any
) -> dict[str, Any]:
    """:func:`builders.feature`, somewhere, at precision "site" unless ``props`` say otherwise."""
    defaults = {"place": "Somewhere", "location_precision": "site"}
    return builders.feature(feature_id, events, lon, lat, **{**defaults, **props})


def write(path: Path, features: list[dict[str, Any]], **members: Any) -> Path:
    """:func:`builders.write` for a list of features."""
    return builders.write(path, *features, **members)


def sample_features() -> list[dict[str, Any]]:
    archived = {
        "url": "https://example.org/news/toppled",
        "title": "Statue toppled",
        "publisher": "Example News",
        "published": "2022-01-05",
        "archived": "https://web.archive.org/web/2022/https://example.org/news/toppled",
    }
    return [
        _feature(
            "taldykorgan-statue",
            78.3737,
            45.0156,
            [
                _event("2016-11-30", "erected"),
                _event("2022-01-05", "toppled", sources=[archived]),
                _event("2024-01/2024-02-12", "removed", note="the pedestal"),
            ],
            **{"name:kk": "Тұлғаның ескерткіші", "name:ru": "Памятник", "place": "Taldykorgan"},
        ),
        _feature(  # at the same point as the statue: a cluster that only spreads apart
            "taldykorgan-street",
            78.3737,
            45.0156,
            [_event("2019-03-20", "erected")],
            kind="street-name",
            place="Taldykorgan",
            location_precision="settlement",
        ),
        _feature(
            "almaty-portrait",
            76.94,
            43.25,
            [
                _event("2011-12-01", "erected"),
                _event("2023-02", "sighting", "standing"),
                _event("2024-01-19", "sighting", "removed"),
            ],
            kind="portrait",
            place="Almaty",
        ),
        _feature(
            "almaty-plaque",
            76.95,
            43.24,
            [_event("2012", "erected"), _event("2024-02~", "removed")],
            kind="plaque",
            place="Almaty",
            location_precision="settlement",
        ),
        _feature(
            "kegen-bust",
            79.23,
            43.02,
            [_event("2024-01-15", "proposed"), _event("2024-12-02", "erected")],
            kind="bust",
            place="Kegen",
        ),
        _feature(
            "astana-avenue",
            71.43,
            51.13,
            [_event("2017-11-30", "erected"), _event("2022-09-17", "renamed")],
            kind="street-name",
            place="Astana",
        ),
        _feature(
            "shymkent-bust",
            69.6,
            42.32,
            [
                _event("2014-05-01", "erected"),
                _event("2022-01-06", "damaged"),
                _event("2022-03-01", "restored"),
                _event("2023-02-01?", "relocated"),
            ],
            kind="bust",
            place="Shymkent",
        ),
        _feature(
            "ankara-statue",
            32.86,
            39.93,
            [_event("2010-06/2010-06-24", "erected")],
            place="Ankara",
            country="TR",
        ),
    ]


def sample(path: Path) -> Path:
    return write(path, sample_features())


PWN = "window.__pwned = (window.__pwned || 0) + 1"
HOSTILE = (
    f'</script><script>{PWN}</script><img src=x onerror="{PWN}"><b>bold</b>&amp;'
    "{{ 7*7 }}{% if x %}@@script@@"
)


def hostile_features() -> list[dict[str, Any]]:
    """Markup and script in every text a page shows; ``javascript:`` and ``data:`` URLs that
    validation would refuse (the page must not trust validation alone)."""
    evil_source = {
        "url": f"javascript:{PWN}",
        "title": f"Title {HOSTILE}",
        "publisher": f"Publisher {HOSTILE}",
        "published": "2022-01-05",
        "archived": f"data:text/html,<script>{PWN}</script>",
    }
    fine_source = {"url": "https://example.org/a?x=<b>&y=\"'", "title": f"Fine {HOSTILE}"}
    return [
        _feature(
            "hostile-1",
            76.94,
            43.25,
            [
                _event("2016-11-30", "erected", sources=[evil_source, " javascript:alert(1)"]),
                _event("2022-01-05", "toppled", note=f"Note {HOSTILE}", sources=[fine_source]),
            ],
            name=f"Name {HOSTILE} \u2028 \u2029",
            subject=f"Subject {HOSTILE}",
            place=f"Place {HOSTILE}",
            notes=f"Notes {HOSTILE}",
            **{"name:kk": f"KK {HOSTILE}", "name:ru": f"RU {HOSTILE}"},
        ),
        _feature(
            f'x"><img src=x onerror="{PWN}">',
            71.43,
            51.13,
            [_event("2019", "erected")],
            name="<!-- <script>",
        ),
    ]


def hostile(path: Path) -> Path:
    return write(path, hostile_features(), title=f"Title {HOSTILE}")


def many(path: Path, count: int) -> Path:
    """``count`` objects in a grid over Kazakhstan; a third removed in 2022, some uncertain."""
    features = []
    for n in range(count):
        events = [_event(f"{2000 + n % 20}-{1 + n % 12:02d}", "erected", sources=[])]
        if n % 3 == 0:
            events.append(_event(f"2022-{1 + n % 12:02d}-{1 + n % 28:02d}", "removed", sources=[]))
        elif n % 7 == 0:
            events.append(_event("2023-05~", "toppled", sources=[]))
        lon, lat = 52 + (n % 200) * 0.15, 42 + (n // 200) * 0.1
        features.append(_feature(f"object-{n}", round(lon, 5), round(lat, 5), events))
    return write(path, features)
