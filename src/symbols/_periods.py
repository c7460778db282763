"""Report periods (month, quarter, year) as whole numbers, so that consecutive periods are
consecutive numbers: a month is ``year * 12 + month - 1``, a quarter ``year * 4 + quarter - 1``,
a year itself. The reports count in them and the charts label their ticks with them.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date


def period_of(day: date, freq: str) -> int:
    """The number of the period (month, quarter or year) that contains ``day``."""
    return period_function(freq)(day)


def period_function(freq: str) -> Callable[[date], int]:
    """:func:`period_of` for one ``freq``, as one expression (for loops over every object)."""
    if freq == "month":
        return lambda day: day.year * 12 + day.month - 1
    if freq == "quarter":
        return lambda day: day.year * 4 + (day.month - 1) // 3
    return lambda day: day.year


def period_label(period: int, freq: str) -> str:
    """``2024-02`` (month), ``2024-Q1`` (quarter), ``2024`` (year)."""
    if freq == "month":
        return f"{period // 12:04d}-{period % 12 + 1:02d}"
    if freq == "quarter":
        return f"{period // 4:04d}-Q{period % 4 + 1}"
    return f"{period:04d}"


def period_start(period: int, freq: str) -> date:
    if freq == "month":
        return date(period // 12, period % 12 + 1, 1)
    if freq == "quarter":
        return date(period // 4, (period % 4) * 3 + 1, 1)
    return date(period, 1, 1)


def period_end(period: int, freq: str) -> date:
    start = period_start(period, freq)
    month = {"month": start.month, "quarter": start.month + 2}.get(freq, 12)
    return date(start.year, month, calendar.monthrange(start.year, month)[1])
