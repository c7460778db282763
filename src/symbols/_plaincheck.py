"""The common case of validation in one pass: a feature with nothing to report.

:mod:`symbols.validate` checks each feature field by field, in one method per part, so that
every problem is found and explained. Most features of a big registry have no problem, and for
100,000 of them the method calls alone cost a third of the checking. :func:`plain_events`
recognises such a feature in one function: it answers with the feature's events when it is
sure the detailed checks would find nothing in its members (no error and no warning), and with
None as soon as anything is unusual, for the detailed checks to look at. It never explains:
it only says "nothing to see here", so it may be stricter than the detailed checks, never
looser (``tests/test_validate_plain.py`` holds it to that).

What it does not cover, the validator still does: duplicate ids, the regions, and the
agreement of sightings with the history before them (``_check_history``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import dates
from ._values import COUNTRY, PLAIN_URL, QID, REGION_CODE, SLUG
from .errors import DateError
from .registry import KINDS, PRECISIONS, Event, Source
from .timeline import EVENT_TYPES, NEEDS_EXISTENCE, STATUSES

_KINDS = frozenset(KINDS)
_PRECISIONS = frozenset(PRECISIONS)
_TYPES = frozenset(EVENT_TYPES)
_STATUSES = frozenset(STATUSES)
_TEXTS = ("name", "subject", "place")
_NEEDS_EXISTENCE = frozenset(NEEDS_EXISTENCE)
# Event and Source are named tuples: made with tuple.__new__, 0.06 s faster for 100,000 objects
# than through their own __new__ (tests/test_validate_plain.py compares them, class and fields,
# with what Event.from_json makes)
new = tuple.__new__
parse_date = dates.parse_text


def plain_events(raw: Any, today: date) -> tuple[list[Event], bool] | None:
    """``raw`` feature's events, and whether any is a sighting, if nothing in the feature needs
    a message (sightings aside: whether they agree with what came before them is for the
    history to tell), else None."""
    if type(raw) is not dict or raw.get("type") != "Feature":
        return None
    feature_id = raw.get("id")
    if type(feature_id) is not str or not SLUG.fullmatch(feature_id):
        return None
    geometry = raw.get("geometry")
    if type(geometry) is not dict or geometry.get("type") != "Point":
        return None
    position = geometry.get("coordinates")
    if type(position) is not list or len(position) != 2:
        return None
    lon, lat = position
    if type(lon) is not float or type(lat) is not float:
        return None  # (ints are fine too, but rare: the detailed check takes them)
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return None  # NaN fails these comparisons too
    properties = raw.get("properties")
    if type(properties) is not dict:
        return None
    get = properties.get
    for key in _TEXTS:
        text = get(key)
        if type(text) is not str or not text.strip():
            return None
    kind, precision = get("kind"), get("location_precision")
    if type(kind) is not str or kind not in _KINDS:
        return None
    if type(precision) is not str or precision not in _PRECISIONS:
        return None
    region, photo = get("region"), get("photo")
    if region is not None and (type(region) is not str or not REGION_CODE.fullmatch(region)):
        return None
    if photo is not None and (type(photo) is not str or PLAIN_URL.match(photo) is None):
        return None
    country, qid, notes = get("country"), get("subject:wikidata"), get("notes")
    if country is not None and (type(country) is not str or not COUNTRY.fullmatch(country)):
        return None
    if qid is not None and (type(qid) is not str or not QID.fullmatch(qid)):
        return None
    if notes is not None and type(notes) is not str:
        return None
    events = get("events")
    if type(events) is not list or not events:
        return None
    made = []
    built = ended = None  # the first erection's first day, the first removal's (etc.) last
    sighted = False
    for event in events:
        if type(event) is not dict or "recorded" in event:
            return None
        event_get = event.get
        kind, status = event_get("type"), event_get("status")
        if type(kind) is not str or kind not in _TYPES:
            return None
        if (status is None) != (kind != "sighting"):
            return None  # a sighting without a status, or a status on another event
        if status is not None and (type(status) is not str or status not in _STATUSES):
            return None
        date_text = event_get("date")
        if type(date_text) is not str:
            return None
        try:
            when = parse_date(date_text)
        except DateError:
            return None
        if when.earliest > today:
            return None
        if kind == "erected":
            if built is None or when.earliest < built:
                built = when.earliest
        elif kind in _NEEDS_EXISTENCE:
            if ended is None or when.latest < ended:
                ended = when.latest
        elif kind == "sighting":
            sighted = True
        sources, note = event_get("sources"), event_get("note")
        if type(sources) is not list or not sources:
            return None
        made_sources = [plain_source(source) for source in sources]
        if None in made_sources:
            return None
        if note is not None and type(note) is not str:
            return None
        made.append(new(Event, (kind, date_text, when, status, made_sources, note)))
    if built is not None and ended is not None and ended < built:
        return None  # gone before it was erected
    return made, sighted


def plain_source(source: Any) -> Source | None:
    """The source as read (``Source.from_json``) if it needs no closer look: a good URL, texts
    that are text, no archive link or publication date to check; else None."""
    if type(source) is str:
        return new(Source, (source, None, None, None, None)) if PLAIN_URL.match(source) else None
    if type(source) is not dict or "archived" in source or "published" in source:
        return None
    get = source.get
    url, title, publisher = get("url"), get("title"), get("publisher")
    if type(url) is not str or PLAIN_URL.match(url) is None:
        return None
    if (title is not None and type(title) is not str) or (
        publisher is not None and type(publisher) is not str
    ):
        return None
    return new(Source, (url, title, publisher, None, None))
