"""The status rules, on small histories with known answers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from symbols.registry import Event
from symbols.timeline import History, Interval, listing


def ev(when: str, kind: str, status: str | None = None) -> Event:
    raw = {"date": when, "type": kind, "sources": ["https://example.org/"]}
    if status:
        raw["status"] = status
    return Event.from_json(raw)


def at(history: History, day: str) -> tuple[str, bool] | None:
    found = history.status_on(date.fromisoformat(day))
    return None if found is None else (found.status, found.certain)


TALDYKORGAN = [
    ev("2016-11-30", "erected"),
    ev("2022-01-05", "toppled"),
    ev("2022-01-22", "sighting", "toppled"),
    ev("2024-01/2024-02-12", "removed"),
]


def test_not_listed_before_any_certain_event() -> None:
    history = History(TALDYKORGAN)
    assert at(history, "2016-11-29") is None
    assert at(history, "2016-11-30") == ("standing", True)


def test_latest_certain_event_sets_status() -> None:
    history = History(TALDYKORGAN)
    assert at(history, "2022-01-04") == ("standing", True)
    assert at(history, "2022-01-05") == ("toppled", True)
    assert at(history, "2023-12-31") == ("toppled", True)
    assert at(history, "2024-02-12") == ("removed", True)


def test_pending_event_makes_status_uncertain() -> None:
    history = History(TALDYKORGAN)
    # the pedestal's removal may or may not have happened between 1 Jan and 12 Feb 2024
    assert at(history, "2024-01-01") == ("toppled", False)
    assert at(history, "2024-02-11") == ("toppled", False)


def test_events_in_any_order_give_the_same_answers() -> None:
    days = ["2016-11-30", "2022-01-05", "2024-01-15", "2024-02-12", "2026-01-01"]
    expected = [at(History(TALDYKORGAN), d) for d in days]
    for permutation in itertools.permutations(TALDYKORGAN):
        assert [at(History(list(permutation)), d) for d in days] == expected


def test_month_precision_event() -> None:
    history = History([ev("2020", "erected"), ev("2024-02", "removed")])
    assert at(history, "2020-12-30") is None  # "2020" ends on 31 December
    assert at(history, "2020-12-31") == ("standing", True)
    assert at(history, "2024-01-31") == ("standing", True)
    assert at(history, "2024-02-01") == ("standing", False)
    assert at(history, "2024-02-29") == ("removed", True)


def test_approximate_date_widens() -> None:
    history = History([ev("2020", "erected"), ev("2024-02~", "removed")])
    assert at(history, "2024-01-01") == ("standing", False)
    assert at(history, "2024-03-30") == ("standing", False)
    assert at(history, "2024-03-31") == ("removed", True)


def test_uncertain_qualifier_marks_status_uncertain() -> None:
    history = History([ev("2020", "erected"), ev("2024-02-05?", "removed")])
    assert at(history, "2024-02-04") == ("standing", True)
    assert at(history, "2024-02-05") == ("removed", False)


def test_sightings_bound_an_undated_change() -> None:
    # Almaly metro portrait: seen in February 2023, seen gone on 19 January 2024
    history = History(
        [
            ev("2011-12-01", "erected"),
            ev("2023-02", "sighting", "standing"),
            ev("2024-01-19", "sighting", "removed"),
        ]
    )
    assert at(history, "2023-02-28") == ("standing", True)
    assert at(history, "2023-03-01") == ("standing", False)
    assert at(history, "2024-01-18") == ("standing", False)
    assert at(history, "2024-01-19") == ("removed", True)
    removal = history.removal()
    assert removal is not None
    assert (removal.earliest, removal.latest) == (date(2023, 3, 1), date(2024, 1, 19))


def test_confirming_sighting_changes_nothing() -> None:
    history = History(
        [ev("2011", "erected"), ev("2020-05", "sighting", "standing"), ev("2024-01", "removed")]
    )
    assert at(history, "2020-05-15") == ("standing", True)
    assert history.removal() is not None
    assert history.removal().latest == date(2024, 1, 31)  # type: ignore[union-attr]


def test_sighting_inside_a_range_narrows_the_change() -> None:
    # removed some time in 2020..2023, but seen standing on 1 May 2021
    history = History(
        [
            ev("2005", "erected"),
            ev("2020/2023", "removed"),
            ev("2021-05-01", "sighting", "standing"),
        ]
    )
    assert at(history, "2021-05-01") == ("standing", True)
    assert at(history, "2021-05-02") == ("standing", False)
    assert at(history, "2024-01-01") == ("removed", True)
    removal = history.removal()
    assert removal is not None and removal.earliest == date(2021, 5, 2)


def test_sighting_of_the_new_state_ends_the_range() -> None:
    history = History(
        [ev("2005", "erected"), ev("2020/2023", "removed"), ev("2021-05-01", "sighting", "removed")]
    )
    assert at(history, "2021-05-01") == ("removed", True)
    assert history.removal().latest == date(2021, 5, 1)  # type: ignore[union-attr]


def test_overlapping_erected_comes_first() -> None:
    history = History([ev("2016-06-01", "damaged"), ev("2016", "erected")])
    assert at(history, "2016-06-01") == ("damaged", False)
    assert at(history, "2017-01-01") == ("damaged", True)


def test_restored_after_toppled() -> None:
    history = History(
        [ev("2000", "erected"), ev("2010-05-01", "toppled"), ev("2012-09-01", "restored")]
    )
    assert at(history, "2011-01-01") == ("toppled", True)
    assert at(history, "2013-01-01") == ("standing", True)
    assert history.removal().change.type == "toppled"  # type: ignore[union-attr]


def test_removal_counted_once_at_first_change() -> None:
    removal = History(TALDYKORGAN).removal()
    assert removal is not None
    assert removal.change.type == "toppled"
    assert (removal.earliest, removal.latest) == (date(2022, 1, 5), date(2022, 1, 5))


def test_erection_of_a_new_memorial() -> None:
    history = History([ev("2024-01-15", "proposed"), ev("2024-12-02", "erected")])
    assert at(history, "2024-06-01") == ("planned", True)
    assert at(history, "2024-12-02") == ("standing", True)
    erection = history.erection()
    assert erection is not None and erection.before == "planned"
    assert history.removal() is None


def test_first_seen_standing_is_not_an_erection() -> None:
    history = History([ev("2024-03-01", "sighting", "standing")])
    assert at(history, "2024-03-01") == ("standing", True)
    assert history.erection() is None


def test_open_interval_is_never_certain() -> None:
    history = History([ev("2020", "erected"), ev("2024-01/..", "removed")])
    assert at(history, "2030-01-01") == ("standing", False)


def test_intervals_agree_with_status_on_every_day() -> None:
    histories = [
        History(TALDYKORGAN),
        History(
            [
                ev("2011-12-01", "erected"),
                ev("2023-02", "sighting", "standing"),
                ev("2024-01-19", "sighting", "removed"),
            ]
        ),
        History([ev("2016-06-01", "damaged"), ev("2016", "erected"), ev("2019~", "removed")]),
        History([ev("2020", "erected"), ev("2024-02-05?", "removed")]),
    ]
    for history in histories:
        intervals = history.intervals()
        start = intervals[0].start - timedelta(days=3)
        for offset in range((date(2026, 1, 1) - start).days):
            day = start + offset * timedelta(days=1)
            expected = history.status_on(day)
            found = _lookup(intervals, day)
            assert found == (None if expected is None else (expected.status, expected.certain))


def test_intervals_are_contiguous_and_merged() -> None:
    intervals = History(TALDYKORGAN).intervals()
    assert intervals[0] == Interval(date(2016, 11, 30), date(2022, 1, 4), "standing", True)
    for before, after in itertools.pairwise(intervals):
        assert before.end is not None and before.end + timedelta(days=1) == after.start
        assert (before.status, before.certain) != (after.status, after.certain)
    assert intervals[-1].end is None
    assert [(i.status, i.certain) for i in intervals] == [
        ("standing", True),
        ("toppled", True),
        ("toppled", False),
        ("removed", True),
    ]


def test_listing_skips_objects_not_yet_known() -> None:
    class Thing:
        def __init__(self, history: History) -> None:
            self.history = history

    early, late = Thing(History(TALDYKORGAN)), Thing(History([ev("2024-12-02", "erected")]))
    assert [t for t, _ in listing([early, late], date(2023, 1, 1))] == [early]
    assert len(listing([early, late], date(2025, 1, 1))) == 2


def _lookup(intervals: list[Interval], day: date) -> tuple[str, bool] | None:
    for interval in intervals:
        if interval.start <= day and (interval.end is None or day <= interval.end):
            return interval.status, interval.certain
    return None


@pytest.mark.parametrize("day", ["2022-01-05", "2024-01-01"])
def test_status_names_the_event(day: str) -> None:
    found = History(TALDYKORGAN).status_on(date.fromisoformat(day))
    assert found is not None and TALDYKORGAN[found.event].type == "toppled"


def test_another_gone_state_inside_a_range_narrows_nothing() -> None:
    # toppled some time in January; seen removed (the rubble cleared) on the 10th
    history = History(
        [ev("2005", "erected"), ev("2022-01", "toppled"), ev("2022-01-10", "sighting", "removed")]
    )
    removal = history.removal()
    assert removal is not None and removal.change.type == "toppled"
    assert (removal.earliest, removal.latest) == (date(2022, 1, 1), date(2022, 1, 31))
    assert at(history, "2022-01-10") == ("removed", False)  # the toppling may still be pending
    assert at(history, "2022-01-31") == ("removed", True)


def test_an_event_without_a_valid_date_makes_no_change_and_shifts_no_index() -> None:
    undated = ev("2022-13", "removed")  # (a registry with errors: validation names it)
    assert undated.when is None
    history = History([ev("2016", "erected"), undated, ev("2023", "toppled")])
    assert [(c.index, c.type) for c in history.changes] == [(0, "erected"), (2, "toppled")]
    assert History([undated]).changes == ()
    assert History([undated, ev("2016", "erected")]).changes[0].index == 1
