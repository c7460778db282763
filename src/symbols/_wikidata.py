"""Wikidata's SPARQL endpoint for ``symbols discover``: query building and answer parsing.

Items are found that depict (P180), commemorate (P547) or are named after (P138) the subject and
have coordinates (P625), optionally in a country given by its ISO 3166-1 code (P17/P297). Named
places are kept on purpose: the registry tracks renamed streets, places and institutions too.
"""

from __future__ import annotations

import re
from typing import Any

from ._candidates import Candidate
from ._values import country_code, is_qid

RELATIONS = {"P180": "depicts", "P547": "commemorates", "P138": "named after"}
LANGUAGES = ("en", "ru", "kk")
_POINT = re.compile(r"Point\(\s*(-?[\d.]+(?:[eE][-+]?\d+)?)\s+(-?[\d.]+(?:[eE][-+]?\d+)?)\s*\)")

#: English class labels (instance of, P31) to registry kinds, first match wins.
KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("bust", "bust"),
    ("statue", "statue"),
    ("equestrian", "statue"),
    ("plaque", "plaque"),
    ("relief", "bas-relief"),
    ("mural", "mural"),
    ("portrait", "portrait"),
    ("painting", "portrait"),
    ("stele", "stele"),
    ("stela", "stele"),
    ("sculpture", "sculpture"),
    ("street", "street-name"),
    ("avenue", "street-name"),
    ("road", "street-name"),
    ("square", "street-name"),
    ("boulevard", "street-name"),
    ("university", "institution-name"),
    ("school", "institution-name"),
    ("airport", "institution-name"),
    ("library", "institution-name"),
    ("museum", "institution-name"),
    ("hospital", "institution-name"),
    ("institution", "institution-name"),
    ("organization", "institution-name"),
    ("foundation", "institution-name"),
    ("stadium", "institution-name"),
    ("park", "place-name"),
    ("city", "place-name"),
    ("town", "place-name"),
    ("village", "place-name"),
    ("settlement", "place-name"),
    ("district", "place-name"),
    ("peak", "place-name"),
    ("mountain", "place-name"),
)


def check_qid(value: str) -> str:
    """``value`` as a Wikidata item id (``Q9259``; spaces around and a small q are fine);
    ValueError when it is not one."""
    text = value.strip().upper()
    if not is_qid(text):
        raise ValueError(f"{value!r} is not a Wikidata item id like Q9259")
    return text


def item_url(qid: str) -> str:
    return f"https://www.wikidata.org/wiki/{qid}"


def labels_query(subject: str) -> str:
    languages = ", ".join(f'"{lang}"' for lang in LANGUAGES)
    return (
        f"SELECT ?label WHERE {{ wd:{check_qid(subject)} rdfs:label ?label . "
        f"FILTER(LANG(?label) IN ({languages})) }}"
    )


def parse_labels(answer: Any) -> dict[str, str]:
    """Language code to label, from the answer to :func:`labels_query`."""
    labels: dict[str, str] = {}
    for row in _bindings(answer):
        label = row.get("label")
        if isinstance(label, dict) and isinstance(label.get("value"), str):
            labels.setdefault(str(label.get("xml:lang", "")), label["value"])
    return labels


def items_query(subject: str, country: str | None) -> str:
    qid = check_qid(subject)
    country = country_code(country) if country is not None else None  # it goes into the query
    relations = " ".join(f"wdt:{p}" for p in RELATIONS)
    where_country = (
        f'  ?item wdt:P17 ?country . ?country wdt:P297 "{country}" .\n' if country else ""
    )
    names = "\n".join(
        f'  OPTIONAL {{ ?item rdfs:label ?name_{lang} . FILTER(LANG(?name_{lang}) = "{lang}") }}'
        for lang in LANGUAGES
    )
    return (
        "SELECT ?item ?itemLabel ?coord ?relation ?classLabel ?placeLabel "
        + " ".join(f"?name_{lang}" for lang in LANGUAGES)
        + " WHERE {\n"
        f"  VALUES ?relation {{ {relations} }}\n"
        f"  ?item ?relation wd:{qid} ; wdt:P625 ?coord .\n"
        f"{where_country}"
        "  OPTIONAL { ?item wdt:P31 ?class . }\n"
        "  OPTIONAL { ?item wdt:P131 ?place . }\n"
        f"{names}\n"
        '  SERVICE wikibase:label { bd:serviceParam wikibase:language "en,ru,kk,mul". }\n'
        "}"
    )


def parse_items(answer: Any) -> list[Candidate]:
    """One candidate per item (rows repeat an item once per class, place and relation)."""
    found: dict[str, Candidate] = {}
    classes: dict[str, list[str]] = {}
    for row in _bindings(answer):
        qid = _value(row, "item").rsplit("/", 1)[-1]
        point = _POINT.fullmatch(_value(row, "coord").strip())
        if not is_qid(qid) or not point:
            continue
        if qid not in found:
            names = {f"name:{lang}": _value(row, f"name_{lang}") for lang in LANGUAGES}
            names = {key: value for key, value in names.items() if value}
            label = _value(row, "itemLabel")
            name = names.get("name:en") or (label if label != qid else "")
            candidate = Candidate(
                name=name or next(iter(names.values()), qid),
                lon=float(point.group(1)),
                lat=float(point.group(2)),
                names=names,
                wikidata=qid,
                found_by=["wikidata"],
                place=_label(row, "placeLabel"),
            )
            candidate.sources.append(
                (item_url(qid), f"Wikidata: {candidate.name} ({qid})", "Wikidata")
            )
            found[qid] = candidate
            classes[qid] = []
        relation = _value(row, "relation").rsplit("/", 1)[-1]
        if relation in RELATIONS and RELATIONS[relation] not in found[qid].why:
            found[qid].why.append(RELATIONS[relation])
        class_label = _label(row, "classLabel")
        if class_label:
            classes[qid].append(class_label)
    for qid, candidate in found.items():
        candidate.kind = guess_kind(classes[qid])
    return list(found.values())


def guess_kind(class_labels: list[str]) -> str:
    lowered = [label.lower() for label in class_labels]
    for word, kind in KIND_WORDS:
        if any(word in label for label in lowered):
            return kind
    return "other"


def _bindings(answer: Any) -> list[dict[str, Any]]:
    try:
        rows = answer["results"]["bindings"]
    except (KeyError, TypeError):
        raise ValueError("not a SPARQL JSON result (no results.bindings)") from None
    if not isinstance(rows, list):
        raise ValueError("not a SPARQL JSON result (results.bindings is not a list)")
    return [row for row in rows if isinstance(row, dict)]


def _value(row: dict[str, Any], key: str) -> str:
    cell = row.get(key)
    value = cell.get("value") if isinstance(cell, dict) else None
    return value if isinstance(value, str) else ""


def _label(row: dict[str, Any], key: str) -> str | None:
    """A label from the label service, or None when it only repeats the item id."""
    value = _value(row, key)
    return None if not value or is_qid(value) else value
