"""Small registries for tests: build features and write them as a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def write(path: Path, *features: dict[str, Any]) -> Path:
    path.write_text(json.dumps(collection(*features), indent=2, ensure_ascii=False) + "\n")
    return path
