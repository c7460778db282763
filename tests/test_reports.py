"""Removal-over-time reports: counting rules, periods, formats, determinism, CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from builders import event, feature, write
from click.testing import CliRunner

from symbols import _reportdoc, changes, dates, reports
from symbols._periods import period_end, period_label, period_of, period_start
from symbols.cli import cli
from symbols.errors import OutputError, RegistryError
from symbols.registry import Event, load, read
from symbols.timeline import History

ASTANA = {"lon": 71.43, "lat": 51.13}  # KZ-71; the builders' default point is in KZ-33
ALMATY = {"lon": 76.95, "lat": 43.25}  # KZ-75


def _event(kind: str, when: str, status: str | None = None) -> Event:
    return Event(kind, when, dates.parse(when), status, [], None)


def _registry(tmp_path: Path, *features: dict, name: str = "r.geojson"):  # type: ignore[no-untyped-def]
    return load(write(tmp_path / name, *features))


def _removed(when: str, kind: str = "removed", **extra) -> list[dict]:  # type: ignore[no-untyped-def]
    return [event("2010-05-01", "erected"), event(when, kind, **extra)]


def _counts(report: reports.Report) -> dict[str, tuple[int, int]]:
    return {
        label: (removed, erected)
        for label, removed, erected in zip(
            report.labels, report.removed, report.erected, strict=True
        )
    }


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------------------ the timeline fix


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


# --------------------------------------------------------------------------- counting rules


def test_toppled_then_removed_counts_once_when_toppled(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature(
            "taldy",
            [
                event("2016-11-30", "erected"),
                event("2022-01-05", "toppled"),
                event("2022-03-20", "removed"),
            ],
        ),
    )
    report = reports.build_report(registry, since=date(2022, 1, 1), until=date(2022, 3, 31))
    assert _counts(report) == {"2022-01": (1, 0), "2022-02": (0, 0), "2022-03": (0, 0)}
    assert [o.monument.id for o in report.counted] == ["taldy"]


def test_damaged_then_renamed_is_a_removal_and_a_restored_one_is_not_counted_again(
    tmp_path: Path,
) -> None:
    registry = _registry(
        tmp_path,
        feature(
            "street",
            [
                event("2000-01-01", "erected"),
                event("2022-01-06", "damaged"),
                event("2022-02-10", "renamed"),
                event("2023-05-01", "restored"),
                event("2024-07-01", "removed"),
            ],
            kind="street-name",
        ),
    )
    report = reports.build_report(registry, freq="year")
    assert _counts(report)["2022"] == (1, 0)
    assert _counts(report).get("2024", (0, 0)) == (0, 0)
    assert report.of("removed")[0].transition.change.type == "renamed"


@pytest.mark.parametrize(
    ("day", "month", "quarter", "year"),
    [
        ("2022-12-31", "2022-12", "2022-Q4", "2022"),
        ("2023-01-01", "2023-01", "2023-Q1", "2023"),
        ("2023-03-31", "2023-03", "2023-Q1", "2023"),
        ("2023-04-01", "2023-04", "2023-Q2", "2023"),
        ("2024-02-29", "2024-02", "2024-Q1", "2024"),
        ("2023-09-30", "2023-09", "2023-Q3", "2023"),
        ("2023-10-01", "2023-10", "2023-Q4", "2023"),
    ],
)
def test_period_boundaries(tmp_path: Path, day: str, month: str, quarter: str, year: str) -> None:
    registry = _registry(tmp_path, feature("x", _removed(day)))
    for freq, label in (("month", month), ("quarter", quarter), ("year", year)):
        report = reports.build_report(registry, freq=freq)
        assert report.labels[-1] == label
        assert report.removed[-1] == 1
        assert report.rough == [] or all(o.what == "erected" for o in report.rough)


def test_period_helpers_round_trip() -> None:
    for freq in reports.FREQS:
        for day in (date(2022, 12, 31), date(2023, 1, 1), date(2024, 2, 29), date(9999, 12, 31)):
            period = period_of(day, freq)
            assert period_start(period, freq) <= day <= period_end(period, freq)
    assert period_label(period_of(date(2024, 2, 1), "month"), "month") == "2024-02"
    assert period_label(period_of(date(2024, 3, 31), "quarter"), "quarter") == "2024-Q1"
    assert period_end(period_of(date(2024, 5, 5), "quarter"), "quarter") == date(2024, 6, 30)


@pytest.mark.parametrize(
    ("written", "counted_in"),
    [
        ("2022-02~", {"month": None, "quarter": "2022-Q1", "year": "2022"}),  # Jan..Mar
        ("2022-03/2022-04", {"month": None, "quarter": None, "year": "2022"}),
        ("2022", {"month": None, "quarter": None, "year": "2022"}),
        ("2022-12-31~", {"month": None, "quarter": None, "year": None}),  # into 2023
        ("2022-05", {"month": "2022-05", "quarter": "2022-Q2", "year": "2022"}),
        ("2022/..", {"month": None, "quarter": None, "year": None}),
    ],
)
def test_a_removal_counts_only_where_its_whole_range_lies(
    tmp_path: Path, written: str, counted_in: dict[str, str | None]
) -> None:
    registry = _registry(tmp_path, feature("x", _removed(written)))
    for freq, label in counted_in.items():
        report = reports.build_report(registry, freq=freq)
        rough = report.of("removed", rough=True)
        if label is None:
            assert sum(report.removed) == 0, freq
            assert [o.monument.id for o in rough] == ["x"], freq  # listed, never dropped
        else:
            assert _counts(report)[label][0] == 1, freq
            assert sum(report.removed) == 1 and rough == [], freq  # never spread


def test_rough_list_shows_ranges_and_open_ends(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path, feature("x", _removed("2022-02~")), feature("y", _removed("2022/.."))
    )
    text = reports.render(reports.build_report(registry), "md")
    rough = text.split("## Date known only roughly")[1]
    assert "**2022-01-01..2022-03-31** removal" in rough
    assert "removed, dated 2022-02\\~" in rough
    assert "**2022-01-01..…** removal" in rough


def test_sightings_only_removal_runs_from_the_day_after_the_last_sighting_standing(
    tmp_path: Path,
) -> None:
    registry = _registry(
        tmp_path,
        feature(
            "seen",
            [
                event("2005", "erected"),
                event("2022-01-10", "sighting", "standing"),
                event("2022-01-31", "sighting", "removed"),
            ],
        ),
        feature(
            "seen-late",
            [
                event("2005", "erected"),
                event("2022-01-31", "sighting", "standing"),
                event("2022-02-01", "sighting", "removed"),
            ],
        ),
        feature(
            "across",
            [
                event("2005", "erected"),
                event("2022-01-20", "sighting", "standing"),
                event("2022-02-10", "sighting", "toppled"),
            ],
        ),
    )
    report = reports.build_report(registry)
    by_id = {o.monument.id: o for o in report.counted + report.rough if o.what == "removed"}
    assert (by_id["seen"].earliest, by_id["seen"].latest) == (date(2022, 1, 11), date(2022, 1, 31))
    assert by_id["seen"].period == period_of(date(2022, 1, 1), "month")
    assert by_id["seen-late"].earliest == by_id["seen-late"].latest == date(2022, 2, 1)
    assert by_id["across"].period is None
    assert _counts(report) == {"2022-01": (1, 0), "2022-02": (1, 0)}
    text = reports.render(report, "md")
    assert (
        "**2022-01-21..2022-02-10** removal · **Object across** (across), Taldykorgan, "
        "Jetisu Region · statue · seen toppled, dated 2022-02-10; before that seen standing, "
        "dated 2022-01-20"
    ) in text


def test_a_sighting_narrows_a_rough_removal_into_one_period(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("x", [*_removed("2022"), event("2022-12-01", "sighting", "standing")]),
    )
    report = reports.build_report(registry, since=date(2022, 1, 1))
    assert _counts(report)["2022-12"] == (1, 0) and sum(report.removed) == 1
    assert "**2022-12-02..2022-12-31** · **Object x**" in reports.render(report, "md")


def test_erections_counted_in_their_own_column(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("kegen", [event("2022-03-15", "erected")], kind="bust", subject="Nurkadilov"),
        feature("planned", [event("2021", "proposed"), event("2022-03-02", "erected")]),
        feature("old", [event("2022-01-10", "sighting", "standing"), event("2022-02", "removed")]),
        feature("x", _removed("2022-03-03")),
    )
    report = reports.build_report(registry, since=date(2022, 1, 1))
    assert _counts(report) == {"2022-01": (0, 0), "2022-02": (1, 0), "2022-03": (1, 2)}
    # first seen already standing: no erection date, not counted as erected
    assert "old" not in {
        o.monument.id for o in report.counted + report.rough if o.what == "erected"
    }


def test_zero_filled_gaps_between_the_first_and_last_counted_periods(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("a", _removed("2022-01-15")),
        feature("b", _removed("2022-04-02")),
        feature("c", _removed("2021/2023")),  # rough: does not widen the rows
    )
    report = reports.build_report(registry, since=date(2022, 1, 1))
    assert report.labels == ["2022-01", "2022-02", "2022-03", "2022-04"]
    rows = _csv(reports.render(report, "csv"))
    assert [(r["period"], r["removed"], r["erected"]) for r in rows] == [
        ("2022-01", "1", "0"),
        ("2022-02", "0", "0"),
        ("2022-03", "0", "0"),
        ("2022-04", "1", "0"),
    ]
    whole = reports.build_report(registry)  # without --since: from the erections in 2010-05
    assert whole.labels[0] == "2010-05" and whole.labels[-1] == "2022-04"
    assert len(whole.labels) == 12 * 12


def test_since_and_until_select_whole_periods(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("a", _removed("2022-01-31")),
        feature("b", _removed("2022-02-15")),
        feature("c", _removed("2022-06-01")),
        feature("d", _removed("2022-03-20/2022-04-10")),  # rough, overlaps the window
        feature("e", _removed("2022-07-20/2022-08-10")),  # rough, outside
    )
    report = reports.build_report(registry, since=date(2022, 1, 31), until=date(2022, 4, 30))
    assert report.labels == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert report.removed == [1, 1, 0, 0]
    assert [o.monument.id for o in report.of("removed", rough=True)] == ["d"]
    quarter = reports.build_report(registry, freq="quarter", since=date(2022, 2, 28))
    assert quarter.labels == ["2022-Q1", "2022-Q2", "2022-Q3"]
    assert quarter.removed == [2, 1, 1]
    assert "Periods selected: 2022-Q1 to the last." in _reportdoc.summary(quarter)
    empty = reports.build_report(registry, since=date(2030, 1, 1), until=date(2030, 3, 31))
    assert empty.labels == ["2030-01", "2030-02", "2030-03"] and sum(empty.removed) == 0
    with pytest.raises(reports.ReportError, match="after --until"):
        reports.build_report(registry, since=date(2023, 1, 1), until=date(2022, 1, 1))


def test_uncertain_dates_count_and_are_flagged(tmp_path: Path) -> None:
    registry = _registry(tmp_path, feature("x", _removed("2022-03?")))
    report = reports.build_report(registry)
    assert _counts(report)["2022-03"] == (1, 0)
    assert "**2022-03-01..2022-03-31?** · **Object x**" in reports.render(report, "md")


# -------------------------------------------------------------------------------- --by


def _grouped(tmp_path: Path):  # type: ignore[no-untyped-def]
    return _registry(
        tmp_path,
        feature("a", _removed("2022-01-05"), **ASTANA),
        feature("b", _removed("2022-01-20"), kind="bust", subject="Nazarbayev"),
        feature("c", _removed("2022-03-01"), **ALMATY, subject="Nazarbayev"),
        feature("d", [event("2022-03-02", "erected")], kind="bust", **ASTANA),
    )


def test_by_region_is_a_long_table_zero_filled(tmp_path: Path) -> None:
    report = reports.build_report(_grouped(tmp_path), by="region", since=date(2022, 1, 1))
    rows = _csv(reports.render(report, "csv"))
    assert list(rows[0]) == ["period", "region", "region_name", "removed", "erected"]
    table = {(r["period"], r["region"]): (r["removed"], r["erected"]) for r in rows}
    assert len(rows) == 3 * 3  # three months x three regions with counted events
    assert table["2022-01", "KZ-71"] == ("1", "0")
    assert table["2022-01", "KZ-33"] == ("1", "0")
    assert table["2022-02", "KZ-75"] == ("0", "0")
    assert table["2022-03", "KZ-71"] == ("0", "1")
    assert {r["region_name"] for r in rows} == {"Astana", "Jetisu Region", "Almaty"}


def test_cli_csv_by_region_names_the_regions(tmp_path: Path) -> None:
    registry = _grouped(tmp_path)
    result = CliRunner().invoke(
        cli, ["report", str(registry.path), "--format", "csv", "--by", "region"]
    )
    assert result.exit_code == 0, result.output
    names = {row["region"]: row["region_name"] for row in _csv(result.output)}
    assert names["KZ-71"] == "Astana" and names["KZ-33"] == "Jetisu Region"


def test_by_kind_and_subject(tmp_path: Path) -> None:
    registry = _grouped(tmp_path)
    kind = _csv(
        reports.render(reports.build_report(registry, by="kind", since=date(2022, 1, 1)), "csv")
    )
    assert list(kind[0]) == ["period", "kind", "removed", "erected"]
    march = {r["kind"]: (r["removed"], r["erected"]) for r in kind if r["period"] == "2022-03"}
    assert march == {"bust": ("0", "1"), "statue": ("1", "0")}
    report = reports.build_report(registry, by="subject", since=date(2022, 1, 1))
    subject = _csv(reports.render(report, "csv"))
    jan = {r["subject"]: r["removed"] for r in subject if r["period"] == "2022-01"}
    assert jan == {"Nazarbayev": "1", "Someone": "1"}
    text = reports.render(report, "md")
    assert "## By subject" in text and "## Removals per month by subject" in text
    assert "| Period | Nazarbayev | Someone |" in text


def test_markdown_has_rules_summary_table_breakdowns_and_lists(tmp_path: Path) -> None:
    report = reports.build_report(_grouped(tmp_path), since=date(2022, 1, 1))
    text = reports.render(report, "md")
    assert text.startswith("# Removals and new memorials: r.geojson\n\n")
    assert (
        "r.geojson (4 objects): 3 removals and 1 erection (new memorials) dated to a single "
        "month, from 2022-01 to 2022-03. 0 more removals and 0 more erections have a date "
        "known only roughly"
    ) not in text  # the rough sentence only appears when there are rough ones
    assert "3 removals and 1 erection (new memorials) dated to a single month" in text
    assert "counts when it was toppled" in text  # the rules, in the report itself
    assert "| 2022-03 | 1 | 1 | 3 | 1 |" in text
    assert "| Astana (KZ-71) | 1 | 1 | 0 | 0 |" in text
    assert "| bust | 1 | 1 | 0 | 0 |" in text
    assert "Charts are drawn when the report is written to a file" in text
    assert "sources: [example.org](<https://example.org/news/1>)" in text


def test_sources_with_publisher_date_and_archive(tmp_path: Path) -> None:
    source = {
        "url": "https://tengrinews.kz/a_b",
        "publisher": "Tengrinews",
        "published": "2022-01-06",
        "archived": "https://web.archive.org/web/2022/https://tengrinews.kz/a_b",
    }
    registry = _registry(tmp_path, feature("x", _removed("2022-01-05", sources=[source])))
    report = reports.build_report(registry)
    md = reports.render(report, "md")
    assert (
        "sources: [Tengrinews, 2022-01-06](<https://tengrinews.kz/a_b>) "
        "([archived](<https://web.archive.org/web/2022/https://tengrinews.kz/a_b>))"
    ) in md
    page = reports.render(report, "html")
    assert (
        '<a href="https://tengrinews.kz/a_b" rel="noopener noreferrer">Tengrinews, 2022-01-06</a>'
        in page
    )


# -------------------------------------------------------------------- hostile registry text

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_escapes_all_registry_text_and_links_only_web_urls(tmp_path: Path) -> None:
    path = write(
        tmp_path / "evil.geojson",
        feature(
            "e<v>il",
            [
                event("2010-01-01", "erected"),
                event(
                    "2022-01-05",
                    "removed",
                    sources=[
                        {"url": "javascript:alert(1)", "publisher": HOSTILE},
                        {"url": 'https://ok.example/"><script>x</script>', "archived": "data:x"},
                        " JAVASCRIPT:alert(2)",
                    ],
                ),
            ],
            name=HOSTILE,
            place=HOSTILE,
            kind="statue",
            subject=HOSTILE,
        ),
    )
    registry = read(path)  # unvalidated on purpose: the page must be safe whatever it holds
    report = reports.build_report(registry, by="subject")
    page = reports.render(report, "html")
    assert "<script>" not in page and "<img" not in page.replace("<img alt=", "")
    assert 'href="javascript' not in page.lower() and 'href=" javascript' not in page.lower()
    assert 'href="data:' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "e&lt;v&gt;il" in page
    assert '<a href="https://ok.example/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "Content-Security-Policy" in page
    md = reports.render(report, "md")
    assert re.findall(r"(?<![\\\]])<", md) == ["<"] * md.count("](<")  # only link brackets
    assert "](<javascript" not in md.lower() and "(javascript" not in md.lower()
    assert "\\<script\\>" in md


def test_markdown_escapes_table_breaking_text(tmp_path: Path) -> None:
    registry = _registry(tmp_path, feature("x", _removed("2022-01-05"), subject="A | B\nC"))
    text = reports.render(reports.build_report(registry, by="subject"), "md")
    assert "| A \\| B C |" in text


# ------------------------------------------------------------------ files and determinism


def test_write_reports_writes_all_formats_and_charts_byte_identically(tmp_path: Path) -> None:
    registry = _registry(tmp_path, *_grouped_features())
    first = reports.write_reports(registry, tmp_path / "one")
    second = reports.write_reports(registry, tmp_path / "two")
    names = [p.name for p in first]
    assert names == [
        "report.md",
        "report.csv",
        "report.html",
        "report-cumulative.svg",
        "report-cumulative.png",
        "report-per-period.svg",
        "report-per-period.png",
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == sorted(names)  # no temp files
    md = (tmp_path / "one" / "report.md").read_text()
    assert "![Removals and new memorials so far](report-cumulative.png)" in md
    assert "(report-per-period.svg)" in md
    svg = (tmp_path / "one" / "report-cumulative.svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    png = (tmp_path / "one" / "report-cumulative.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png
    html_page = (tmp_path / "one" / "report.html").read_text()
    assert html_page.count('src="data:image/svg+xml;base64,') == 2


def _grouped_features() -> list[dict]:
    return [
        feature("a", _removed("2022-01-05"), **ASTANA),
        feature("b", _removed("2022-03-20"), kind="bust"),
        feature("c", [event("2022-02-02", "erected")], kind="bust", **ALMATY),
        feature("d", _removed("2022-05~")),
    ]


def test_charts_are_identical_across_processes(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    mine = reports.write_reports(load(path), tmp_path / "here")
    script = (
        "import sys; from pathlib import Path; from symbols import reports, registry;"
        "reports.write_reports(registry.load(sys.argv[1]), Path(sys.argv[2]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", script, str(path), str(tmp_path / "there")], check=True, env=env
    )
    for written in mine:
        assert written.read_bytes() == (tmp_path / "there" / written.name).read_bytes(), (
            written.name
        )


def test_empty_registry_still_gives_every_file(tmp_path: Path) -> None:
    registry = _registry(tmp_path, feature("x", [event("2022-01-10", "sighting", "standing")]))
    written = reports.write_reports(registry, tmp_path / "out")
    assert len(written) == 7
    assert (tmp_path / "out" / "report.csv").read_text() == "period,removed,erected\n"
    md = (tmp_path / "out" / "report.md").read_text()
    assert "no removal or erection is dated to a single month." in md


def test_report_files_are_readable_by_all_and_a_failed_write_names_the_file(
    tmp_path: Path,
) -> None:
    report = reports.build_report(_registry(tmp_path, *_grouped_features()))
    written = reports.write_report(report, "csv", tmp_path / "site" / "r.csv")
    assert written == [tmp_path / "site" / "r.csv"]
    assert written[0].stat().st_mode & 0o777 == 0o644
    (tmp_path / "taken.csv").mkdir()
    with pytest.raises(OutputError, match=r"^cannot write \S*taken\.csv: Is a directory$"):
        reports.write_report(report, "csv", tmp_path / "taken.csv")
    assert not list(tmp_path.glob(".taken.csv.*"))  # no temporary file left behind
    (tmp_path / "plain").write_text("")
    with pytest.raises(OutputError, match=r"^cannot write \S*plain/x\.csv: "):
        reports.write_report(report, "csv", tmp_path / "plain" / "x.csv")


def test_csv_does_not_import_matplotlib(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    script = (
        "import sys; from symbols import reports, registry;"
        "r = reports.build_report(registry.load(sys.argv[1]), details=False);"
        "reports.render(r, 'csv');"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


# ------------------------------------------------------------------------------------ CLI


def test_cli_report_csv_to_stdout(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    result = CliRunner().invoke(
        cli, ["report", str(path), "--format", "csv", "--freq", "quarter", "--since", "2022-01"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "period,removed,erected\n2022-Q1,2,1\n2022-Q2,1,0\n"


def test_cli_since_a_year_or_month_starts_at_its_first_period(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    for since, first in (("2022", "2022-Q1"), ("2022-05", "2022-Q2"), ("2022-05-31", "2022-Q2")):
        args = ["report", str(path), "--format", "csv", "--freq", "quarter", "--since", since]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[1].startswith(f"{first},"), since
    args = ["report", str(path), "--format", "csv", "--since", "2022", "--until", "2022-02"]
    result = CliRunner().invoke(cli, args)
    assert result.output == "period,removed,erected\n2022-01,1,0\n2022-02,0,1\n"


def test_cli_report_out_md_writes_charts_beside_and_infers_format(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    out = tmp_path / "site" / "kz.md"
    result = CliRunner().invoke(cli, ["report", str(path), "--out", str(out), "--since", "2022"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "kz-cumulative.png",
        "kz-cumulative.svg",
        "kz-per-period.png",
        "kz-per-period.svg",
        "kz.md",
    ]
    assert "](kz-cumulative.png)" in out.read_text()
    page = tmp_path / "kz.html"
    result = CliRunner().invoke(cli, ["report", str(path), "--out", str(page), "--by", "kind"])
    assert result.exit_code == 0, result.output
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob("kz-*"))  # HTML embeds its charts


def test_cli_report_errors_are_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    result = CliRunner().invoke(cli, ["report", str(path), "--since", "2023", "--until", "2022"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "symbols: --since 2023-01-01 is after --until 2022-12-31"
    ]
    result = CliRunner().invoke(cli, ["report", str(path), "--since", "2022-13"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["report", str(path), "--since", "2022-02-30"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "missing.geojson")])
    assert result.exit_code == 1 and "file not found" in result.output


# -------------------------------------------------------------------------------- changes


def _changes_registry(tmp_path: Path):  # type: ignore[no-untyped-def]
    return write(
        tmp_path / "r.geojson",
        feature(
            "a",
            [
                event(
                    "2010", "erected", sources=[{"url": "https://a.example/1", "published": "2010"}]
                ),
                event("2022-01-05", "toppled", recorded="2024-03-02"),
            ],
        ),
        feature(
            "b",
            [
                event(
                    "2022-02",
                    "removed",
                    sources=[
                        {"url": "https://b.example/1", "published": "2022-02-03"},
                        {"url": "https://b.example/2", "published": "2024-03-10"},
                    ],
                ),
            ],
        ),
        feature("c", [event("2024-03-01", "erected", sources=["https://c.example/1"])]),
    )


def test_changes_uses_recorded_then_published_then_event_date(tmp_path: Path) -> None:
    registry = load(_changes_registry(tmp_path))
    rows = changes.changes(registry, since=date(2024, 2, 29))
    assert [(r.monument.id, r.basis, r.day) for r in rows] == [
        ("c", "event date", date(2024, 3, 1)),
        ("a", "recorded", date(2024, 3, 2)),
        ("b", "published", date(2024, 3, 10)),
    ]
    assert [r.monument.id for r in changes.changes(registry, since=date(2024, 3, 1))] == ["a", "b"]
    assert [
        r.monument.id for r in changes.changes(registry, date(2024, 2, 1), date(2024, 3, 2))
    ] == [
        "c",
        "a",
    ]


def test_changes_cli_md_and_csv(tmp_path: Path) -> None:
    path = _changes_registry(tmp_path)
    result = CliRunner().invoke(cli, ["changes", str(path), "--since", "2024-02"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Events recorded after 2024-02-29\n\n3 events, oldest")
    assert (
        "- **2024-03-02** (recorded 2024-03-02) · **Object a** (a), Taldykorgan, Jetisu Region"
        " · statue · toppled, dated 2022-01-05 · sources: [example.org](<https://example.org/news/1>)"
    ) in result.output
    result = CliRunner().invoke(
        cli, ["changes", str(path), "--since", "2024-03-05", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = _csv(result.output)
    assert list(rows[0]) == list(changes.CHANGES_COLUMNS)
    assert [(r["id"], r["recorded"], r["basis"], r["sources"]) for r in rows] == [
        ("b", "2024-03-10", "published", "https://b.example/1 https://b.example/2")
    ]
    assert changes.run(path, date(2024, 3, 5), None, "csv") == result.output  # the library
    result = CliRunner().invoke(cli, ["changes", str(path)])
    assert result.exit_code == 2  # --since is required
    # a window that ends before it starts is a mistake, as for `symbols report`
    result = CliRunner().invoke(cli, ["changes", str(path), "--since", "2030", "--until", "2020"])
    assert (result.exit_code, result.output) == (
        1,
        "symbols: --since 2030-12-31 is after --until 2020-12-31\n",
    )


def test_changes_bad_recorded_date_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", [event("2020", "erected", recorded="soon")]))
    with pytest.raises(RegistryError, match=r"feature a: events\[0\]\.recorded: 'soon' is not"):
        changes.changes(load(path), since=date(2020, 1, 1))
    result = CliRunner().invoke(cli, ["changes", str(path), "--since", "2020"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1


def test_json_of_builders_is_what_we_think(tmp_path: Path) -> None:
    # guards the helpers above: the removal event carries the default source
    data = json.loads(write(tmp_path / "r.geojson", feature("x", _removed("2022"))).read_text())
    assert data["features"][0]["properties"]["events"][1]["type"] == "removed"


def test_markdown_table_folds_quiet_runs_but_csv_keeps_every_period(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("a", _removed("2022-01-15")),
        feature("b", _removed("2022-03-02")),
        feature("c", _removed("2022-08-02")),
    )
    report = reports.build_report(registry, since=date(2022, 1, 1))
    text = reports.render(report, "md")
    assert "| 2022-02 | 0 | 0 | 1 | 0 |" in text  # a run of one stays a row
    assert "| 2022-04..2022-07 | 0 | 0 | 2 | 0 |" in text
    assert "Runs of 3 or more months with nothing counted are one row here" in text
    assert len(_csv(reports.render(report, "csv"))) == 8


def test_objects_abroad_are_grouped_by_country_not_unknown(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("amman", _removed("2022-02-02"), lon=35.93, lat=31.95, country="JO", place="Amman"),
        feature("astana", _removed("2022-02-03"), **ASTANA, place="Astana"),
    )
    report = reports.build_report(registry, by="region", since=date(2022, 2, 1))
    rows = _csv(reports.render(report, "csv"))
    assert [(r["region"], r["region_name"], r["removed"]) for r in rows] == [
        ("JO", "", "1"),
        ("KZ-71", "Astana", "1"),
    ]
    text = reports.render(report, "md")
    assert "| JO (country) | 1 | 0 | 0 | 0 |" in text
    assert "(astana), Astana · statue" in text  # the place is not repeated as its region
    assert "(amman), Amman, JO · statue" in text
    # the status list and the changes say the same of where each object is
    rows = CliRunner().invoke(cli, ["status", str(registry.path), "--format", "csv"]).output
    assert {r["id"]: r["region"] for r in _csv(rows)} == {"amman": "JO", "astana": "KZ-71"}
    listed = changes.render_changes(
        changes.changes(registry, date(2000, 1, 1)),
        "csv",
        date(2000, 1, 1),
        registry.regions_or_countries,
    )
    assert {r["id"]: r["region"] for r in _csv(listed)} == {"amman": "JO", "astana": "KZ-71"}


def test_chart_ticks_fall_on_round_periods() -> None:
    from symbols import _charts

    def ticks(first: date, count: int, freq: str) -> list[str]:
        start = period_of(first, freq)
        periods = list(range(start, start + count))
        return _charts._ticks(periods, [period_label(p, freq) for p in periods], freq)[1]

    assert ticks(date(2022, 1, 1), 5, "month") == [
        "2022-01",
        "2022-02",
        "2022-03",
        "2022-04",
        "2022-05",
    ]
    assert ticks(date(2022, 2, 1), 24, "month") == [
        "2022-03", "2022-05", "2022-07", "2022-09", "2022-11", "2023-01",
        "2023-03", "2023-05", "2023-07", "2023-09", "2023-11", "2024-01",
    ]  # fmt: skip
    assert ticks(date(2009, 5, 1), 188, "month") == [str(y) for y in range(2010, 2025, 2)]
    assert ticks(date(1950, 1, 1), 76 * 4, "quarter") == [str(y) for y in range(1950, 2026, 10)]
    assert ticks(date(1900, 1, 1), 5, "year") == ["1900", "1901", "1902", "1903", "1904"]


def test_charts_say_what_they_leave_out(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path, feature("a", _removed("2022-01-15")), feature("b", _removed("2022"))
    )
    charts = reports.draw_charts(reports.build_report(registry, since=date(2022, 1, 1)))
    assert set(charts) == {"cumulative.svg", "cumulative.png", "per-period.svg", "per-period.png"}
    svg = charts["per-period.svg"].decode()
    # matplotlib keeps each text as a comment beside its glyph paths
    assert "<!-- Not shown: 1 removal and 0 erections whose date is known only roughly" in svg
    assert "<!-- removed (1) -->" in svg


# ------------------------------------------------------------------------------ fast paths


def test_entries_with_characters_to_escape_in_each_field(tmp_path: Path) -> None:
    # the one-search fast path must escape exactly as the field-by-field way does
    sources = [
        {"url": "https://a.example/x_y?q=1&r=<2>", "publisher": "A_B & <C>"},
        {"url": "https://b.example/ok", "published": "2024-01"},
    ]
    features = [
        feature("p1", _removed("2022-01-05", sources=[sources[0]]), name="Plain"),
        feature("p2", _removed("2022-01-06", sources=[sources[1]]), name="Under_score <b>"),
        feature("p3", _removed("2022-01-07", sources=sources), name="Two"),
        feature("p4", _removed("2022-01-08", sources=[]), name="None", place="A*B"),
    ]
    report = reports.build_report(_registry(tmp_path, *features))
    md = reports.render(report, "md")
    page = reports.render(report, "html")
    assert "[A\\_B \\& \\<C\\>](<https://a.example/x_y?q=1&r=%3C2%3E>)" in md
    assert "**Under\\_score \\<b\\>**" in md
    assert "A\\*B" in md and "\u00b7 no source" in md
    assert '<a href="https://a.example/x_y?q=1&amp;r=&lt;2&gt;" rel="noopener noreferrer">' in page
    assert "A_B &amp; &lt;C&gt;</a>" in page and "Under_score &lt;b&gt;" in page
    assert "https://b.example/ok</a>" not in page and ">b.example, 2024-01</a>" in page


def test_cli_report_output_keeps_clicks_handling_of_escape_characters(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("e", _removed("2022-01-05"), name="a\x1b[31mb"))
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "html"])
    # click strips ANSI sequences from what it writes to a file or pipe, as it always did
    assert result.exit_code == 0 and "<strong>ab</strong>" in result.output


def test_lists_are_by_date_whatever_the_registry_order(tmp_path: Path) -> None:
    # entries are made in registry order and shown by date (symbols._markup): both must hold
    registry = _registry(
        tmp_path,
        feature("c", [event("2012-03-04", "erected"), event("2023-05-06", "removed")]),
        feature("a", [event("2011", "erected"), event("2022-01-02", "toppled")]),
        feature("d", [event("2010-05-01", "erected"), event("2023-05-06", "removed")]),
        feature("b", [event("2013-01-01", "erected"), event("2022~", "removed")]),
        feature("e", [event("2009~", "erected"), event("2021-12-31", "removed")]),
    )
    built = reports.build_report(registry, freq="month")
    md = reports.render(built, "md")
    html = reports.render(built, "html")

    def ids(text: str, start: str, end: str | None, pattern: str) -> list[str]:
        part = text.split(start)[1]
        part = part.split(end)[0] if end else part
        return re.findall(pattern, part)

    md_id, html_id = r"\*\* \(([a-e])\)", r"</strong> \(<code>([a-e])</code>\)"
    assert ids(md, "## Removals", "## New memorials", md_id) == ["e", "a", "c", "d"]
    assert ids(md, "## New memorials", "## Date known", md_id) == ["d", "c", "b"]
    assert ids(md, "## Date known only roughly", None, md_id) == ["b", "e", "a"]
    assert ids(html, "<h2>Removals</h2>", "<h2>New memorials", html_id) == ["e", "a", "c", "d"]
    assert ids(html, "<h2>New memorials", "<h2>Date known", html_id) == ["d", "c", "b"]
    assert ids(html, "<h2>Date known only roughly</h2>", None, html_id) == ["b", "e", "a"]


def test_changes_count_a_range_open_at_the_end_from_its_start(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2016", "erected", recorded="2022/..")]),
        feature(
            "b",
            [
                event(
                    "2016",
                    "erected",
                    sources=[{"url": "https://a.org/", "published": "2023-05/.."}],
                )
            ],
        ),
        feature("c", [event("2016", "erected"), event("2024-02/..", "removed")]),
    )
    rows = changes.changes(load(path), since=date(2021, 1, 1))
    assert [(r.monument.id, r.day) for r in rows] == [
        ("a", date(2022, 1, 1)),
        ("b", date(2023, 5, 1)),
        ("c", date(2024, 2, 1)),
    ]
    assert changes.changes(load(path), since=date(2024, 6, 1)) == []


def test_run_makes_the_text_or_the_files_in_the_format_of_the_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", feature("a", _removed("2022-02-02")))
    text = reports.run(path, freq="year")
    assert isinstance(text, str) and text.startswith("# Removals and new memorials: r.geojson")
    quiet = "".join(f"{year},0,0\n" for year in range(2011, 2022))
    expected = f"period,removed,erected\n2010,0,1\n{quiet}2022,1,0\n"
    assert reports.run(path, fmt="csv", freq="year") == expected
    written = reports.run(path, out=tmp_path / "out" / "r.CSV", freq="year")
    assert written == [tmp_path / "out" / "r.CSV"]
    assert (tmp_path / "out" / "r.CSV").read_text().startswith("period,removed,erected\n")


def test_entries_take_each_objects_region_by_its_place_in_the_registry(tmp_path: Path) -> None:
    registry = _registry(
        tmp_path,
        feature("in-astana", _removed("2022-03-01"), place="Old square", **ASTANA),
        feature("in-almaty", _removed("2022-01-05"), place="Old square", **ALMATY),
    )
    text = reports.render(reports.build_report(registry), "md")
    removals = [line for line in text.splitlines() if "removed, dated" in line]
    assert "(in-almaty), Old square, Almaty \u00b7" in removals[0]
    assert "(in-astana), Old square, Astana \u00b7" in removals[1]
    # a report counted without details (as for CSV) still renders, without regions
    text = reports.render(reports.build_report(registry, details=False), "md")
    assert "(in-almaty), Old square \u00b7 statue" in text


def test_an_empty_out_or_a_folder_among_the_targets_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "r.geojson", *_grouped_features())
    result = CliRunner().invoke(cli, ["report", str(path), "--out", ""])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == "symbols: no file name to write the report to\n"
    (tmp_path / "x-per-period.png").mkdir()  # one of the chart files' names
    result = CliRunner().invoke(cli, ["report", str(path), "--out", str(tmp_path / "x.md")])
    assert result.exit_code == 1, result.output
    assert "x-per-period.png: Is a directory" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.geojson", "x-per-period.png"]


def test_a_registry_with_repeated_ids_still_renders(tmp_path: Path) -> None:
    # validate() hands back such a registry with its errors; the library must not crash on it
    # (an id names one region: the last object's)
    path = write(
        tmp_path / "r.geojson",
        feature("twin", _removed("2022-01-05"), place="Old square", **ASTANA),
        feature("twin", _removed("2022-03-01"), place="Old square", **ALMATY),
    )
    registry = read(path)
    text = reports.render(reports.build_report(registry), "md")
    removals = [line for line in text.splitlines() if "removed, dated" in line]
    assert len(removals) == 2 and all("(twin), Old square, Almaty" in r for r in removals)


def test_the_cli_offers_what_the_library_takes() -> None:
    # the CLI spells the choices out so that `symbols --help` need not import the reports
    options = {p.name: p for p in cli.commands["report"].params}
    assert tuple(options["freq"].type.choices) == reports.FREQS
    assert tuple(options["fmt"].type.choices) == reports.FORMATS
    assert tuple(options["by"].type.choices) == reports.GROUPINGS


def test_an_interrupted_command_says_so_and_claims_nothing_it_cannot_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(reports, "run", interrupted)
    result = CliRunner().invoke(cli, ["report", str(write(tmp_path / "r.geojson"))])
    assert result.exit_code == 130
    assert result.output == "symbols: interrupted (no file is left half-written)\n"
