"""Checks of single values (a position, a URL, a choice) that validation and editing share.

Each ``*_problem`` function returns what is wrong as a message fragment, or None.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

# a plain http(s) URL: the common case, recognised without urlsplit's cost at 100,000 objects
PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:[/?#]\S*)?\Z")
SLUG = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")  # what a feature id should look like
REGION_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")  # ISO 3166-2
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")  # ISO 3166-1 alpha-2, either case (ASCII only)
COUNTRY = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2 as the registry stores it
QID = re.compile(r"Q[1-9][0-9]*")  # a Wikidata item id; ASCII digits only: it goes into queries
_WHITESPACE = re.compile(r"\s")  # anywhere in a URL, even around it: the file keeps it as given


def good_point(geometry: dict) -> bool:
    position = geometry.get("coordinates")
    if type(position) is not list or len(position) != 2:
        return False
    lon, lat = position
    return (
        type(lon) in (float, int)
        and type(lat) in (float, int)
        and -180 <= lon <= 180
        and -90 <= lat <= 90
    )


def is_one_of(value: Any, allowed: frozenset[str]) -> bool:
    return type(value) is str and value in allowed


def coordinates_problem(value: Any, depth: int) -> str | None:
    if value is None:
        return "missing"
    if depth == 0:
        if not isinstance(value, list) or len(value) not in (2, 3):
            return "a position is [longitude, latitude]"
        for number in value:
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                return f"{show(number)} is not a number"
            if not math.isfinite(number):
                return "coordinates must be finite numbers"
        lon, lat = value[0], value[1]
        if not -180 <= lon <= 180 or not -90 <= lat <= 90:
            swapped = abs(lat) > 90 >= abs(lon)
            hint = " (swapped? GeoJSON is [longitude, latitude])" if swapped else ""
            return f"[{lon}, {lat}] is out of range: longitude -180..180, latitude -90..90{hint}"
        return None
    if not isinstance(value, list) or not value:
        return "must be a non-empty list"
    for item in value:
        problem = coordinates_problem(item, depth - 1)
        if problem:
            return problem
    return None


def url_problem(url: Any) -> str | None:
    if isinstance(url, str) and PLAIN_URL.match(url):
        return None  # the common case, without urlsplit's cost at 100,000 objects
    if not isinstance(url, str) or not url:
        return f"{show(url)} is not a URL"
    try:
        parts = urlsplit(url.strip())
    except ValueError as error:  # e.g. "https://[oops/x": Invalid IPv6 URL
        return f"{url!r} is not a URL ({error})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not parts.netloc:
        return f"{url!r} has no host"
    if _WHITESPACE.search(url):
        return f"{url!r} has whitespace in it (write a space as %20)"
    return None


def is_qid(text: str) -> bool:
    """Whether ``text`` is exactly a Wikidata item id (``Q9259``: no spaces, capital Q)."""
    return QID.fullmatch(text) is not None


def country_code(value: str) -> str:
    """``value`` as an ISO 3166-1 alpha-2 code (``KZ``; spaces around and small letters are
    fine); ValueError when it is not one. What is returned goes into queries as it is."""
    text = value.strip()
    if not COUNTRY_CODE.fullmatch(text):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 code like KZ")
    return text.upper()


def suggest(value: str, allowed) -> str:  # type: ignore[no-untyped-def]
    import difflib  # only when something is misspelt

    close = difflib.get_close_matches(value.lower(), list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(allowed)}"


def show(value: Any) -> str:
    """A JSON value as a message shows it: null for None, else its repr."""
    return "null" if value is None else repr(value)
