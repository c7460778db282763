"""Synthetic registries of any size, shaped like real ones, for the scale benchmarks.

Deterministic: the same size and seed give the same file.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

GAZETTEER = Path(__file__).resolve().parents[1] / "geo" / "kz_gazetteer.tsv"

KINDS = ["statue", "bust", "portrait", "plaque", "street-name", "mural", "stele", "sculpture"]


def _settlements() -> list[tuple[str, float, float]]:
    """Real settlements, so that objects fall inside the regions as real ones do."""
    with GAZETTEER.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [(r["name"], float(r["lon"]), float(r["lat"])) for r in rows]


def synthetic_features(count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    settlements = _settlements()
    features = []
    for n in range(count):
        erected_year = rng.randint(1950, 2020)
        events = [
            {
                "date": f"{erected_year}-{rng.randint(1, 12):02d}",
                "type": "erected",
                "sources": [{"url": f"https://news.example.org/{n}/built", "title": "Unveiled"}],
            }
        ]
        fate = rng.random()
        if fate < 0.35:
            year = rng.randint(max(erected_year + 1, 2022), 2025)
            events.append(
                {
                    "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "type": rng.choice(["removed", "toppled", "relocated"]),
                    "sources": [f"https://news.example.org/{n}/removed"],
                }
            )
        elif fate < 0.5:
            events.append(
                {
                    "date": "2023-02",
                    "type": "sighting",
                    "status": "standing",
                    "sources": [f"https://photos.example.org/{n}"],
                }
            )
            events.append(
                {
                    "date": f"2024-{rng.randint(1, 12):02d}~",
                    "type": "removed",
                    "sources": [f"https://news.example.org/{n}/gone"],
                }
            )
        place, lon, lat = rng.choice(settlements)
        features.append(
            {
                "type": "Feature",
                "id": f"object-{n:06d}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(lon + rng.uniform(-0.01, 0.01), 5),
                        round(lat + rng.uniform(-0.01, 0.01), 5),
                    ],
                },
                "properties": {
                    "name": f"Monument {n}",
                    "kind": rng.choice(KINDS),
                    "subject": rng.choice(["Lenin", "Nazarbayev", "A poet", "A general"]),
                    "place": place,
                    "country": "KZ",
                    "location_precision": "settlement",
                    "events": events,
                },
            }
        )
    return features


def write_registry(path: Path, count: int, seed: int = 1) -> Path:
    collection = {"type": "FeatureCollection", "features": synthetic_features(count, seed)}
    path.write_text(json.dumps(collection, indent=2, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"synthetic-{size}.geojson")
    write_registry(out, size)
    print(out)
