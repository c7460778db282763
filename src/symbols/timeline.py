"""Status on a date: the one rule set that the CLI, maps, time slider and reports all use.

An object's events are dated by day ranges (see :mod:`symbols.dates`). The rules:

1. An object is listed on DATE only if some event certainly happened on or before DATE
   (its range ends on or before DATE).
2. Its status is the one led to by the latest such event, in history order (below).
3. The status is not ``certain`` when a pending event (its range contains DATE, so it may or
   may not have happened yet) would lead to another status, or when the event that set the
   status is itself dated as uncertain (``?`` or ``%``).
4. Sightings bound unknown changes. A sighting that records a status different from the one
   before it means the change happened after the previous event and on or before the sighting;
   between the two the status is uncertain. A sighting inside another event's range also
   narrows that event: seen in its old state, the change came later; seen in its new state, the
   change had already happened. (Seen in another gone state, e.g. removed inside a toppling's
   range, says nothing about the order, so it narrows nothing.)

History order: by earliest day, then latest day, with ``proposed`` and ``erected`` first among
overlapping events (nothing is damaged or removed before it exists), then file order.

:meth:`History.intervals` samples the same rules at every day where they can change and gives
the piecewise-constant status function that the time-slider page looks up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from .dates import DateRange

STATUS_OF_TYPE: dict[str, str] = {
    "proposed": "planned",
    "erected": "standing",
    "damaged": "damaged",
    "toppled": "toppled",
    "removed": "removed",
    "relocated": "relocated",
    "restored": "standing",
    "renamed": "renamed",
}
EVENT_TYPES: tuple[str, ...] = (*STATUS_OF_TYPE, "sighting")
STATUSES: tuple[str, ...] = (
    "planned",
    "standing",
    "damaged",
    "toppled",
    "removed",
    "relocated",
    "renamed",
)
#: the events that only an object that exists can undergo
NEEDS_EXISTENCE = ("damaged", "toppled", "removed", "relocated", "restored", "renamed")
PRESENT = frozenset({"standing", "damaged"})
GONE = frozenset({"toppled", "removed", "relocated", "renamed"})
_CREATION_RANK = {"proposed": 0, "erected": 1}
_NOT_YET = (None, "planned")  # statuses before an erection
_ONE_DAY = timedelta(days=1)
# Changes are made with tuple.__new__, as every object's history is made (100,000s): a named
# tuple's own __new__ is a Python call
_new = tuple.__new__


class DatedEvent(Protocol):
    """What the rules need of an event (``symbols.registry.Event`` is one)."""

    @property
    def type(self) -> str: ...

    @property
    def status(self) -> str | None: ...

    @property
    def when(self) -> DateRange | None: ...  # None: no valid date (the event makes no change)


class Change(NamedTuple):
    """An event placed in an object's history, with its effective date range."""

    index: int  # position in the object's ``events`` list
    type: str
    status: str
    earliest: date
    latest: date
    doubtful: bool
    changes_status: bool  # False for a sighting that confirms the status before it


class Status(NamedTuple):
    status: str
    certain: bool
    event: int  # index of the event that led into the status (a confirming sighting is not one)


class Interval(NamedTuple):
    """``status`` holds from ``start`` to ``end`` (both included; ``end`` None: ever since)."""

    start: date
    end: date | None
    status: str
    certain: bool


class Transition(NamedTuple):
    """A removal or an erection: when (a day range) and through which history change."""

    earliest: date
    latest: date
    change: Change
    before: str | None
    after: str


class History:
    """An object's events in order, answering its status on any day."""

    __slots__ = ("changes",)

    def __init__(self, events: Sequence[DatedEvent]) -> None:
        """A change's ``index`` is its event's position in ``events``; an event without a
        valid date (``when`` None: only in a registry with errors) makes no change."""
        self.changes: tuple[Change, ...] = _order(events)

    def status_on(self, day: date) -> Status | None:
        """The object's status on ``day``, or None when it is not yet listed."""
        current: Change | None = None
        setter: Change | None = None  # the change that led into the status, not a confirmation
        for change in self.changes:
            if change.latest <= day:
                current = change
                if change.changes_status or setter is None or setter.status != change.status:
                    setter = change
        if current is None or setter is None:
            return None
        certain = not current.doubtful
        if certain:
            for change in self.changes:
                if (
                    change.earliest <= day < change.latest
                    and change.status != current.status
                    and change.changes_status
                ):
                    certain = False
                    break
        return Status(current.status, certain, setter.index)

    def intervals(self) -> list[Interval]:
        """The status function as consecutive intervals from the first listed day."""
        days = sorted({c.earliest for c in self.changes} | {c.latest for c in self.changes})
        result: list[Interval] = []
        for day in days:
            status = self.status_on(day)
            if status is None:
                continue
            if result and (result[-1].status, result[-1].certain) == (
                status.status,
                status.certain,
            ):
                continue
            if result:
                last = result[-1]
                result[-1] = Interval(last.start, day - _ONE_DAY, last.status, last.certain)
            result.append(Interval(day, None, status.status, status.certain))
        return result

    def removal(self) -> Transition | None:
        """The object's first change from present (standing, damaged) to gone."""
        before: str | None = None
        for change in self.changes:  # (a loop of its own: reports ask every object)
            if change.changes_status and before in PRESENT and change.status in GONE:
                return Transition(change.earliest, change.latest, change, before, change.status)
            before = change.status
        return None

    def erection(self) -> Transition | None:
        """The object's first change into present from nothing or from planned, by an
        ``erected`` event or bounded by sightings after a ``planned`` status."""
        before: str | None = None
        for change in self.changes:
            if change.changes_status and change.status in PRESENT and before in _NOT_YET:
                if before is None and change.type == "sighting":
                    return None  # first seen already standing: when it went up is unknown
                return Transition(change.earliest, change.latest, change, before, change.status)
            before = change.status
        return None


def _order(events: Sequence[DatedEvent]) -> tuple[Change, ...]:
    # Runs for every object of the registry: one pass over the events, no work for sightings
    # or ordering where there is none to do.
    if len(events) == 1:  # the commonest history: nothing to narrow or order
        e = events[0]
        kind, when = e.type, e.when
        if when is None:
            return ()
        status = STATUS_OF_TYPE.get(kind) or e.status or ""
        change = (0, kind, status, when.earliest, when.latest, when.uncertain, True)
        return (_new(Change, change),)
    raw = []
    built = None  # the first erection's earliest day
    sightings = []
    for i, e in enumerate(events):
        kind, when = e.type, e.when
        if when is None:
            continue
        earliest = when.earliest
        status = STATUS_OF_TYPE.get(kind) or e.status or ""
        row = (i, kind, status, earliest, when.latest, when.uncertain)
        raw.append(row)
        if kind == "erected":
            if built is None or earliest < built:
                built = earliest
        elif kind == "sighting":
            sightings.append(row)
    # Nothing is damaged, removed or renamed before it exists: a change whose range starts
    # before the first erection starts with it (else a removal dated "2022" of a bust erected
    # on 2022-06-15 would sort first and be lost).
    narrowed = []
    for row in raw:
        index, kind, status, earliest, latest, doubtful = row
        changed = False
        if kind not in ("sighting", "proposed", "erected") and built and earliest < built <= latest:
            earliest, changed = built, True
        if sightings and kind != "sighting":
            earliest, latest = _narrow(status, earliest, latest, sightings)
            changed = True
        narrowed.append((index, kind, status, earliest, latest, doubtful) if changed else row)
    if len(narrowed) > 1:
        narrowed.sort(key=lambda r: (r[3], r[4], _CREATION_RANK.get(r[1], 2), r[0]))

    ordered: list[Change] = []
    previous: Change | None = None
    for index, kind, status, earliest, latest, doubtful in narrowed:
        changes_status = previous is None or status != previous.status
        if kind == "sighting" and previous is not None and changes_status:
            # the day after the previous change, within this one's range (an open end has none)
            earliest = previous.latest + _ONE_DAY if previous.latest < latest else latest
        change = _new(Change, (index, kind, status, earliest, latest, doubtful, changes_status))
        ordered.append(change)
        previous = change
    return tuple(ordered)


def _narrow(
    status: str, earliest: date, latest: date, sightings: Iterable[tuple]
) -> tuple[date, date]:
    for _, _, seen, seen_earliest, seen_latest, _ in sightings:
        if not (earliest <= seen_earliest and seen_latest < latest):
            continue
        if seen == status:
            new_earliest, new_latest = earliest, min(latest, seen_latest)
        elif seen in GONE and status in GONE:
            continue  # seen removed inside a toppling's range: before or after it? unknown
        else:
            new_earliest, new_latest = max(earliest, seen_earliest + _ONE_DAY), latest
        if new_earliest <= new_latest:
            earliest, latest = new_earliest, new_latest
    return earliest, latest


class HasHistory(Protocol):
    @property
    def history(self) -> History: ...


def listing(objects: Iterable[HasHistory], day: date) -> list[tuple[HasHistory, Status]]:
    """The objects listed on ``day`` with their status, in the given order."""
    result = []
    for item in objects:
        status = item.history.status_on(day)
        if status is not None:
            result.append((item, status))
    return result
