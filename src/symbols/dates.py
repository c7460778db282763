"""EDTF dates as day ranges.

Every date in the registry is Extended Date/Time Format (Library of Congress, ISO 8601-2) text.
This module turns it into the range of days on which the event may have happened,
``[earliest, latest]``, which is all the status rules in :mod:`symbols.timeline` need.

Supported: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``; unspecified digits ``201X``, ``2024-XX``,
``2024-02-XX``; the qualifiers ``?`` (uncertain), ``~`` (approximate), ``%`` (both) at the end;
intervals ``A/B`` whose ends may be open (``..``) or unknown (empty).

An approximate date (``~`` or ``%``) widens its range by one unit of its own precision on each
side: ``2024-02~`` is any day from January to March 2024. An uncertain date (``?``) keeps its
range; the status it leads to is reported as not certain.
"""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .errors import DateError

MIN_DAY = date(1, 1, 1)
MAX_DAY = date(9999, 12, 31)

_SINGLE = re.compile(
    r"(?P<year>\d{2}(?:\d\d|\dX|XX))"
    r"(?:-(?P<month>\d\d|XX)(?:-(?P<day>\d\d|XX))?)?"
    r"(?P<qualifier>[?~%])?"
)


@dataclass(frozen=True, slots=True)
class DateRange:
    """The days on which something dated ``text`` may have happened, both ends included."""

    text: str
    earliest: date
    latest: date
    uncertain: bool = False
    approximate: bool = False

    def __str__(self) -> str:
        return self.text


def today() -> date:
    """Today's date, or the one set in ``SYMBOLS_TODAY`` (for reproducible builds and tests)."""
    pinned = os.environ.get("SYMBOLS_TODAY")
    if pinned:
        try:
            return parse_day(pinned)
        except DateError as error:
            raise DateError(f"SYMBOLS_TODAY={error}") from None
    return date.today()


def parse(text: str) -> DateRange:
    """Parse EDTF ``text`` into a :class:`DateRange`; raise :class:`DateError` if it is not one
    (also when ``text`` is not a string: JSON may give a number, list or object)."""
    if not isinstance(text, str):
        raise DateError(f"expected an EDTF date as text, got {type(text).__name__}")
    return parse_text(text)


@lru_cache(maxsize=65536)
def parse_text(text: str) -> DateRange:
    """:func:`parse` for ``text`` known to be a string (cached: a registry repeats its dates;
    only strings may come here, a list is not hashable)."""
    stripped = text.strip()
    if stripped != text or not text:
        raise DateError(f"{text!r} is not an EDTF date (empty or surrounded by spaces)")
    if "/" in text:
        return _parse_interval(text)
    earliest, latest, uncertain, approximate = _parse_single(text)
    return DateRange(text, earliest, latest, uncertain, approximate)


def parse_day(text: str) -> date:
    """Parse a day given on the command line (``--as-of``): ``YYYY-MM-DD``, or ``YYYY-MM`` and
    ``YYYY`` meaning the last day of that month or year."""
    return _parse_day(text, last=True)


def parse_first_day(text: str) -> date:
    """:func:`parse_day` where ``YYYY-MM`` and ``YYYY`` mean the first day (``--since``)."""
    return _parse_day(text, last=False)


def _parse_day(text: str, last: bool) -> date:
    try:
        earliest, latest, uncertain, approximate = _parse_single(text)
    except DateError:
        which = "last" if last else "first"
        raise DateError(
            f"{text!r} is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY for the period's {which} "
            "day)"
        ) from None
    if uncertain or approximate or "X" in text:
        raise DateError(f"{text!r}: give an exact date here, without ?, ~, % or X")
    return latest if last else earliest


def _parse_interval(text: str) -> DateRange:
    if text.count("/") != 1:
        raise DateError(f"{text!r} is not an EDTF interval: use one '/' between two dates")
    start, end = text.split("/")
    if start in ("", ".."):
        earliest, s_unc, s_apx = MIN_DAY, False, False
    else:
        earliest, _, s_unc, s_apx = _parse_single(start)
    if end in ("", ".."):
        latest, e_unc, e_apx = MAX_DAY, False, False
    else:
        _, latest, e_unc, e_apx = _parse_single(end)
    if start in ("", "..") and end in ("", ".."):
        raise DateError(f"{text!r}: an interval needs at least one known end")
    if earliest > latest:
        raise DateError(f"{text!r}: the interval ends before it starts")
    return DateRange(text, earliest, latest, s_unc or e_unc, s_apx or e_apx)


def _parse_single(text: str) -> tuple[date, date, bool, bool]:
    match = _SINGLE.fullmatch(text)
    if not match:
        raise DateError(_explain(text))
    year_text, month_text, day_text, qualifier = match.group("year", "month", "day", "qualifier")
    if "X" in year_text and month_text is not None:
        raise DateError(f"{text!r}: a year with unspecified digits cannot have a month")
    uncertain = qualifier in ("?", "%")
    approximate = qualifier in ("~", "%")

    if "X" in year_text:
        first_year = int(year_text.replace("X", "0"))
        last_year = int(year_text.replace("X", "9"))
        if first_year == 0:
            first_year = 1
        earliest, latest = date(first_year, 1, 1), date(last_year, 12, 31)
        unit = "year"
    else:
        year = int(year_text)
        if year == 0:
            raise DateError(f"{text!r}: year 0000 is not supported")
        if month_text is None or month_text == "XX":
            if day_text not in (None, "XX"):
                raise DateError(f"{text!r}: a day cannot follow an unspecified month")
            earliest, latest, unit = date(year, 1, 1), date(year, 12, 31), "year"
        else:
            month = int(month_text)
            if not 1 <= month <= 12:
                if 21 <= month <= 41:
                    raise DateError(f"{text!r}: EDTF seasons are not supported; use a month range")
                raise DateError(f"{text!r}: month {month_text} does not exist")
            last = calendar.monthrange(year, month)[1]
            if day_text is None or day_text == "XX":
                earliest, latest, unit = date(year, month, 1), date(year, month, last), "month"
            else:
                day = int(day_text)
                if not 1 <= day <= last:
                    raise DateError(f"{text!r}: day {day_text} does not exist in that month")
                earliest = latest = date(year, month, day)
                unit = "day"
    if approximate:
        earliest, latest = _widen(earliest, latest, unit)
    return earliest, latest, uncertain, approximate


def _widen(earliest: date, latest: date, unit: str) -> tuple[date, date]:
    """One ``unit`` more on each side, within the calendar (0001-01-01~ cannot start earlier)."""
    before = earliest - timedelta(days=1) if earliest > MIN_DAY else MIN_DAY
    after = latest + timedelta(days=1) if latest < MAX_DAY else MAX_DAY
    if unit == "day":
        return before, after
    if unit == "month":
        after_last = calendar.monthrange(after.year, after.month)[1]
        return before.replace(day=1), after.replace(day=after_last)
    return (
        date(max(1, earliest.year - 1), 1, 1),
        date(min(9999, latest.year + 1), 12, 31),
    )


def _explain(text: str) -> str:
    if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{4}", text):
        return f"{text!r} is not an EDTF date: write year first, e.g. YYYY-MM-DD"
    if re.fullmatch(r"\d{4}-\d-\d{1,2}|\d{4}-\d{1,2}-\d", text):
        return f"{text!r} is not an EDTF date: months and days take two digits (2024-02-05)"
    if re.search(r"[?~%]", text[:-1]):
        return f"{text!r} is not an EDTF date: put the qualifier ?, ~ or % at the end"
    return (
        f"{text!r} is not an EDTF date: use YYYY, YYYY-MM or YYYY-MM-DD, "
        "optionally with ?, ~ or %, or an interval A/B"
    )


def format_range(earliest: date, latest: date, open_end: str = "") -> str:
    """Human form of a day range: ``2024-01-01..2024-03-31``, or the day; an open end is shown
    as ``open_end`` (reports use ``…``)."""
    if earliest == latest:
        return earliest.isoformat()
    start = open_end if earliest == MIN_DAY else earliest.isoformat()
    end = open_end if latest == MAX_DAY else latest.isoformat()
    return f"{start}..{end}"
