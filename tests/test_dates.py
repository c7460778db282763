from datetime import date

import pytest

from symbols import dates
from symbols.errors import DateError


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-02-12", date(2024, 2, 12), date(2024, 2, 12)),
        ("2024-02-12?", date(2024, 2, 12), date(2024, 2, 12)),
        ("2024-02~", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-01~", date(2023, 12, 1), date(2024, 2, 29)),
        ("2024-12~", date(2024, 11, 1), date(2025, 1, 31)),
        ("2024~", date(2023, 1, 1), date(2025, 12, 31)),
        ("2024-02-12~", date(2024, 2, 11), date(2024, 2, 13)),
        ("2024-02%", date(2024, 1, 1), date(2024, 3, 31)),
        ("201X", date(2010, 1, 1), date(2019, 12, 31)),
        ("2024-XX", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-02-XX", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02/2024-01-19", date(2023, 2, 1), date(2024, 1, 19)),
        ("2020-06/2021-07", date(2020, 6, 1), date(2021, 7, 31)),
        ("../2024-01-12", dates.MIN_DAY, date(2024, 1, 12)),
        ("/2024-01-12", dates.MIN_DAY, date(2024, 1, 12)),
        ("2024-01/..", date(2024, 1, 1), dates.MAX_DAY),
    ],
)
def test_ranges(text: str, earliest: date, latest: date) -> None:
    parsed = dates.parse(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)
    assert parsed.text == text


def test_qualifiers_flags() -> None:
    assert dates.parse("2024?").uncertain and not dates.parse("2024?").approximate
    assert dates.parse("2024~").approximate and not dates.parse("2024~").uncertain
    both = dates.parse("2024%")
    assert both.uncertain and both.approximate
    assert dates.parse("2023?/2024").uncertain


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("05.01.2022", "year first"),
        ("2024-2-5", "two digits"),
        ("2024-13", "month 13 does not exist"),
        ("2023-02-29", "day 29 does not exist"),
        ("2024-21", "seasons are not supported"),
        ("2024?-02", "qualifier"),
        ("2024/2023", "ends before it starts"),
        ("../..", "at least one known end"),
        ("2024/2025/2026", "one '/'"),
        ("", "empty"),
        (" 2024", "spaces"),
        ("yesterday", "not an EDTF date"),
        ("201X-05", "unspecified digits cannot have a month"),
    ],
)
def test_errors_explain(text: str, fragment: str) -> None:
    with pytest.raises(DateError, match=fragment):
        dates.parse(text)


def test_parse_rejects_non_text() -> None:
    for value in (2024, ["2024"], {"date": "2024"}, None):  # lists and objects are not hashable
        with pytest.raises(DateError, match="expected an EDTF date as text"):
            dates.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("0001-01-01~", "0001-01-01", "0001-01-02"),
        ("0001-01~", "0001-01-01", "0001-02-28"),
        ("9999-12~", "9999-11-01", "9999-12-31"),
        ("9999-12-31~", "9999-12-30", "9999-12-31"),
        ("0001~", "0001-01-01", "0002-12-31"),
    ],
)
def test_approximate_dates_at_the_ends_of_the_calendar(text, earliest, latest) -> None:
    found = dates.parse(text)
    assert (found.earliest.isoformat(), found.latest.isoformat()) == (earliest, latest)


def test_parse_day_for_command_line() -> None:
    assert dates.parse_day("2024-02-12") == date(2024, 2, 12)
    assert dates.parse_day("2024-02") == date(2024, 2, 29)
    assert dates.parse_day("2023") == date(2023, 12, 31)
    for bad in ("2024~", "2024-XX", "12/02/2024", "soon"):
        with pytest.raises(DateError):
            dates.parse_day(bad)


def test_today_can_be_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBOLS_TODAY", "2025-06-30")
    assert dates.today() == date(2025, 6, 30)
    monkeypatch.delenv("SYMBOLS_TODAY")
    assert dates.today() == date.today()


def test_format_range() -> None:
    def shown(text: str, open_end: str = "") -> str:
        value = dates.parse(text)
        return dates.format_range(value.earliest, value.latest, open_end)

    assert shown("2024-02-12") == "2024-02-12"
    assert shown("2024-02") == "2024-02-01..2024-02-29"
    assert shown("../2024") == "..2024-12-31"
    assert shown("../2024", "…") == "…..2024-12-31"
    assert shown("2024/..", "…") == "2024-01-01..…"


def test_first_and_last_days_of_a_period_given_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert dates.parse_first_day("2024-02") == date(2024, 2, 1)
    assert dates.parse_day("2024-02") == date(2024, 2, 29)
    assert dates.parse_first_day("2024") == date(2024, 1, 1)
    with pytest.raises(DateError, match="period's first day"):
        dates.parse_first_day("nonsense")
    monkeypatch.setenv("SYMBOLS_TODAY", "garbage")
    with pytest.raises(DateError, match=r"^SYMBOLS_TODAY='garbage' is not a date"):
        dates.today()
