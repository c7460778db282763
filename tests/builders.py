"""Small registries for tests: build features and write them as a file; the file styles the
edit tests write a registry in, and the day they run on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

#: $SYMBOLS_TODAY in the edit tests (the ``edit_day`` fixture): what an edit is checked against,
#: and the day its events are recorded on.
EDIT_DAY = "2026-11-27"


def event(when: str, kind: str, status: str | None = None, **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"date": when, "type": kind}
    if status is not None:
        raw["status"] = status
    raw["sources"] = extra.pop("sources", [{"url": "https://example.org/news/1", "title": "News"}])
    raw.update(extra)
    return raw


def feature(
    feature_id: str,
    events: list[dict[str, Any]] | None = None,
    lon: float = 78.37,
    lat: float = 45.02,
    **properties: Any,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": f"Object {feature_id}",
        "kind": "statue",
        "subject": "Someone",
        "place": "Taldykorgan",
        "location_precision": "settlement",
    }
    props.update(properties)
    props["events"] = events if events is not None else [event("2016-11-30", "erected")]
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def collection(*features: dict[str, Any], **members: Any) -> dict[str, Any]:
    """A FeatureCollection; ``members`` go between its ``type`` and its ``features``."""
    return {"type": "FeatureCollection", **members, "features": list(features)}


def write(path: Path, *features: dict[str, Any], **members: Any) -> Path:
    data = json.dumps(collection(*features, **members), indent=2, ensure_ascii=False)
    path.write_text(data + "\n", encoding="utf-8")
    return path


# -- the edit tests' registry, in the styles people and tools write ---------------------------


def base_data() -> dict[str, Any]:
    bust = feature(
        "almaty-bust",
        [
            event("2016-11-30", "erected"),
            event("2022-01-05", "toppled", sources=["https://example.org/a"]),
        ],
        lon=76.9,
        lat=43.25,
        **{"name:kk": "Нұрсұлтан бюсті"},
    )
    statue = feature("taldy-statue", **{"x-custom": {"keep": [1, 2.5, None]}})
    sign = feature("kegen-sign", lon=79.22638, lat=43.01451, kind="street-name")
    del sign["properties"]["events"]
    plaque = feature(
        "shymkent-plaque",
        [event("2019-05", "erected", sources=["https://example.org/p", "https://example.org/q"])],
        lon=69.6,
        lat=42.31,
    )
    return collection(bust, statue, sign, plaque)


def _gdal(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}: {_gdal(v)}" for k, v in value.items())
        return "{ " + inner + " }" if value else "{ }"
    if isinstance(value, list):
        return "[ " + ", ".join(_gdal(v) for v in value) + " ]" if value else "[ ]"
    return json.dumps(value, ensure_ascii=False)


def gdal(data: dict[str, Any]) -> str:
    """GDAL's GeoJSON driver (and so QGIS): top level unindented, one feature per line."""
    lines = ",\n".join(_gdal(f) for f in data["features"])
    head = '{\n"type": "FeatureCollection",\n"name": "monuments",\n'
    crs = '"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n'
    return head + crs + '"features": [\n' + lines + "\n]\n}\n"


def hand(data: dict[str, Any]) -> str:
    """The docs' hand style: 2-space indent, geometry and each event on one line."""

    def one(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    features = []
    for f in data["features"]:
        members = []
        for key, value in f.items():
            if key != "properties":
                members.append(f"      {one(key)}: {one(value)}")
                continue
            props = []
            for pk, pv in value.items():
                if pk == "events" and pv:
                    events = ",\n".join(f"          {one(e)}" for e in pv)
                    props.append(f'        "events": [\n{events}\n        ]')
                else:
                    props.append(f"        {one(pk)}: {one(pv)}")
            members.append('      "properties": {\n' + ",\n".join(props) + "\n      }")
        features.append("    {\n" + ",\n".join(members) + "\n    }")
    return (
        '{\n  "type": "FeatureCollection",\n  "features": [\n' + ",\n".join(features) + "\n  ]\n}\n"
    )


Writer = Callable[[dict[str, Any]], str]
WRITERS: dict[str, Writer] = {
    "geojson.io": lambda d: json.dumps(d, indent=2, ensure_ascii=False),  # no final newline
    "python-4-ascii": lambda d: json.dumps(d, indent=4) + "\n",
    "tabs": lambda d: json.dumps(d, indent="\t", ensure_ascii=False) + "\n",
    "gdal": gdal,
    "crlf": lambda d: json.dumps(d, indent=2, ensure_ascii=False).replace("\n", "\r\n") + "\r\n",
    "bom": lambda d: "\ufeff" + json.dumps(d, indent=2, ensure_ascii=False) + "\n",
    "compact": lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False),
    "hand": hand,
    "php": lambda d: json.dumps(d, indent=4).replace("/", "\\/"),  # json_encode: \/ and \u
}
STYLES = list(WRITERS)


def write_style(path: Path, style: str, data: dict[str, Any] | None = None) -> Path:
    """Write ``data`` (default: :func:`base_data`) as the writer of ``style`` would."""
    path.write_bytes(WRITERS[style](data or base_data()).encode())
    return path


def data_of(raw: bytes) -> dict[str, Any]:
    return orjson.loads(raw.decode("utf-8-sig"))


def assert_same_style(style: str, raw: bytes) -> None:
    """The file is exactly what its writer makes of its data: the edit kept the style."""
    assert raw.decode() == WRITERS[style](data_of(raw))
