"""Removal-over-time reports: counting rules, periods, formats, determinism, CLI."""

from __future__ import annotations

from datetime import date

from symbols import dates
from symbols.registry import Event
from symbols.timeline import History


def _event(kind: str, when: str, status: str | None = None) -> Event:
    return Event(kind, when, dates.parse(when), status)


def test_removal_dated_only_by_year_of_a_monument_erected_that_year_is_not_lost() -> None:
    # timeline fix: the removal "2022" used to sort before the erection on 2022-06-15, so the
    # object ended "standing" with neither a removal nor an erection.
    history = History([_event("erected", "2022-06-15"), _event("removed", "2022")])
    removal = history.removal()
    assert removal is not None
    assert (removal.earliest, removal.latest) == (date(2022, 6, 15), date(2022, 12, 31))
    erection = history.erection()
    assert erection is not None and erection.earliest == date(2022, 6, 15)
    assert history.status_on(date(2023, 1, 1)).status == "removed"
