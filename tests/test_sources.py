"""``symbols sources check`` (and ``--archive``) and ``symbols discover``, end to end.

A real threaded HTTP server on 127.0.0.1 plays the web, the Wayback Machine, Wikidata and
Overpass with recorded-style answers. Every service URL not set by a test points to a closed
local port, so nothing can reach the internet.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from builders import event, feature, write
from click.testing import CliRunner
from netutil import closed_port, late
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from symbols import _candidates, sources
from symbols.cli import cli
from symbols.errors import SymbolsError
from symbols.registry import load, read
from symbols.validate import validate

TODAY = "2026-01-15"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Fast, local settings; every service points to a closed port unless a test says so."""
    nowhere = f"http://127.0.0.1:{closed_port()}"
    for name in ("WIKIDATA", "OVERPASS", "WAYBACK"):
        monkeypatch.setenv(f"SYMBOLS_{name}_URL", f"{nowhere}/{name.lower()}")
    monkeypatch.setenv("SYMBOLS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SYMBOLS_HTTP_DELAY", "0")
    monkeypatch.setenv("SYMBOLS_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("SYMBOLS_HTTP_RETRY_AFTER_MAX", "0.05")
    monkeypatch.setenv("SYMBOLS_TODAY", TODAY)
    monkeypatch.delenv("SYMBOLS_NO_CACHE", raising=False)
    return nowhere


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# -- check ------------------------------------------------------------------------------------


def serve_the_web(server: HTTPServer) -> None:
    """200, a 301 chain, 404, 410, 500 then 200, 429 with Retry-After, HEAD refused, slow, late."""
    server.expect_request("/ok").respond_with_data("fine")
    server.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": server.url_for("/moved-again")}
    )
    server.expect_request("/moved-again").respond_with_data(
        "", status=301, headers={"Location": server.url_for("/target")}
    )
    server.expect_request("/target").respond_with_data("here")
    server.expect_request("/missing").respond_with_data("no", status=404)
    server.expect_request("/gone").respond_with_data("gone", status=410)
    server.expect_oneshot_request("/flaky").respond_with_data("oops", status=500)
    server.expect_request("/flaky").respond_with_data("fine")
    server.expect_oneshot_request("/busy").respond_with_data(
        "wait", status=429, headers={"Retry-After": "1"}
    )
    server.expect_request("/busy").respond_with_data("fine")
    server.expect_request("/nohead", method="HEAD").respond_with_data("", status=405)
    server.expect_request("/nohead", method="GET").respond_with_data("page")
    server.expect_request("/copy").respond_with_data("archived page")
    server.expect_request("/slow").respond_with_handler(late(0.3))
    server.expect_request("/late").respond_with_handler(late(1.5))


def web_registry(tmp_path: Path, server: HTTPServer) -> Path:
    u = server.url_for
    return write(
        tmp_path / "monuments.geojson",
        feature(
            "astana-bust",
            [
                event(
                    "2016-11-30",
                    "erected",
                    sources=[{"url": u("/ok"), "published": "2016-11-30"}, u("/moved")],
                ),
                event("2024-01-12", "removed", sources=[{"url": u("/missing")}, u("/ok")]),
            ],
        ),
        feature(
            "kegen-bust",
            [
                event(
                    "2023-05-01",
                    "erected",
                    sources=[u("/gone"), {"url": u("/flaky"), "archived": u("/copy")}],
                ),
                event(
                    "2024-06",
                    "sighting",
                    "standing",
                    sources=[u("/busy"), u("/nohead"), u("/slow"), u("/late")],
                ),
            ],
        ),
    )


def test_check_reports_dead_redirected_slow_per_object_and_event(
    server: HTTPServer, tmp_path: Path
) -> None:
    serve_the_web(server)
    path = web_registry(tmp_path, server)
    before = path.read_bytes()
    result = run("sources", "check", str(path), "--timeout", "0.8", "--slow", "0.2")
    u = server.url_for
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"feature astana-bust: events[0] (erected 2016-11-30): {u('/moved')}: "
        f"redirected to {u('/target')}",
        f"feature astana-bust: events[1] (removed 2024-01-12): {u('/missing')}: 404 NOT FOUND",
        f"feature kegen-bust: events[0] (erected 2023-05-01): {u('/gone')}: 410 GONE",
        f"feature kegen-bust: events[1] (sighting 2024-06): {u('/slow')}: slow (0.3 s)",
        f"feature kegen-bust: events[1] (sighting 2024-06): {u('/late')}: "
        "timed out waiting for an answer (0.8 s)",
    ]
    assert "10 links checked (11 citations)" in result.stderr
    assert "3 dead, 1 redirected, 1 slow (over 0.2 s)" in result.stderr
    assert "Checking links" not in result.stderr  # no progress bar when not a terminal
    assert path.read_bytes() == before
    requested = [request.path for request, _ in server.log]
    assert requested.count("/ok") == 1  # cited twice, checked once
    assert requested.count("/flaky") == 2 and requested.count("/busy") == 2  # retried
    assert requested.count("/copy") == 1  # archived copies are checked too


def test_check_clean_registry_exits_0(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/ok").respond_with_data("fine")
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2020", "erected", sources=[server.url_for("/ok")])]),
    )
    result = run("sources", "check", str(path))
    assert result.exit_code == 0 and result.stdout == ""
    assert "1 links checked (1 citations)" in result.stderr and "0 dead" in result.stderr


def test_check_library_results(server: HTTPServer, tmp_path: Path) -> None:
    serve_the_web(server)
    registry = load(web_registry(tmp_path, server))
    found = sources.citations(registry)
    assert [c.url for c in found if c.archived_copy] == [server.url_for("/copy")]
    assert found[0].published == "2016-11-30" and not found[0].has_archived


def test_check_without_network_is_one_line(tmp_path: Path) -> None:
    first, second = closed_port(), closed_port()
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2020", "erected", sources=[f"http://127.0.0.1:{first}/a"])]),
        feature("b", [event("2021", "erected", sources=[f"http://127.0.0.1:{second}/b"])]),
    )
    result = run("sources", "check", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "symbols: none of the 2 links could be reached (connection refused): "
        "is the network down? nothing was written"
    ]


def test_one_unreachable_host_is_a_dead_link(tmp_path: Path) -> None:
    port = closed_port()
    path = write(
        tmp_path / "r.geojson",
        feature("a", [event("2020", "erected", sources=[f"http://127.0.0.1:{port}/a"])]),
    )
    result = run("sources", "check", str(path))
    assert result.exit_code == 1
    assert result.stdout.endswith(f"http://127.0.0.1:{port}/a: connection refused\n")


def test_check_refuses_an_invalid_registry(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    result = run("sources", "check", str(path))
    assert result.exit_code == 1 and "missing" in result.stderr


def test_refresh_archived_needs_archive(tmp_path: Path) -> None:
    result = run("sources", "check", str(tmp_path / "r.geojson"), "--refresh-archived")
    assert result.exit_code == 2 and "go with --archive" in result.stderr


# -- archive ----------------------------------------------------------------------------------


def serve_wayback(
    server: HTTPServer, answers: dict[str, Any], slow: tuple[str, ...] = ()
) -> list[dict[str, list[str]]]:
    """The availability API: ``answers`` maps a path to a snapshot timestamp, None (no
    snapshot), "malformed" or ``{"url": ...}`` (a snapshot at that URL); the paths in ``slow``
    are answered after 0.3 s."""
    asked: list[dict[str, list[str]]] = []

    def handler(request: Request) -> Response:
        query = parse_qs(request.query_string.decode())
        asked.append(query)
        url = query["url"][0]
        name = url.split(str(server.port), 1)[1]
        if name in slow:
            time.sleep(0.3)
        answer = answers[name]
        if answer == "malformed":
            return Response('{"archived_snapshots": {', mimetype="application/json")
        snapshots = {}
        if isinstance(answer, dict):
            snapshots["closest"] = {"status": "200", "available": True, **answer}
        elif answer:
            snapshots["closest"] = {
                "status": "200",
                "available": True,
                "url": f"http://web.archive.org/web/{answer}/{url}",
                "timestamp": answer,
            }
        return Response(json.dumps({"url": url, "archived_snapshots": snapshots}))

    server.expect_request("/wayback/available").respond_with_handler(handler)
    return asked


def archive_registry(tmp_path: Path, server: HTTPServer) -> Path:
    u = server.url_for
    return write(
        tmp_path / "monuments.geojson",
        feature(
            "astana-bust",
            [
                event(
                    "2016-11-30",
                    "erected",
                    sources=[{"url": u("/ok"), "title": "T", "published": "2016-11-30"}, u("/b")],
                ),
                event("2024-01-12", "removed", sources=[{"url": u("/missing")}]),
            ],
        ),
        feature(
            "kegen-bust",
            [
                event(
                    "2023-05-01",
                    "erected",
                    sources=[{"url": u("/c"), "archived": u("/copy")}],
                )
            ],
        ),
    )


def serve_archive(
    server: HTTPServer,
    answers: dict[str, Any],
    dead: tuple[str, ...] = (),
    slow: tuple[str, ...] = (),
) -> list[dict[str, list[str]]]:
    """The pages :func:`archive_registry` cites ("fine", or 404 for those in ``dead``) and the
    Wayback Machine answering ``answers`` (see :func:`serve_wayback`); the lookups asked."""
    for name in ("/ok", "/b", "/c", "/copy", "/missing"):
        if name in dead:
            server.expect_request(name).respond_with_data("no", status=404)
        else:
            server.expect_request(name).respond_with_data("fine")
    return serve_wayback(server, answers, slow)


def check_archive(server: HTTPServer, path: Path, *more: str) -> Any:
    """``symbols sources check PATH --archive`` with the test server as the Wayback Machine."""
    wayback = server.url_for("/wayback/available")
    return run("sources", "check", str(path), "--archive", "--wayback-url", wayback, *more)


def test_archive_writes_the_closest_snapshots(server: HTTPServer, tmp_path: Path) -> None:
    asked = serve_archive(
        server,
        {"/ok": "20161201000000", "/b": "20200101000000", "/missing": "20240101000000"},
        dead=("/missing",),
    )
    path = archive_registry(tmp_path, server)
    before = path.read_text()
    result = check_archive(server, path)
    assert result.exit_code == 1  # /missing is dead, even though it is now archived
    assert "archive: 3 archived links written" in result.stderr
    data = json.loads(path.read_text())
    first = data["features"][0]["properties"]["events"]
    u = server.url_for
    assert first[0]["sources"][0]["archived"] == (
        f"https://web.archive.org/web/20161201000000/{u('/ok')}"
    )
    assert first[0]["sources"][1] == {  # a plain URL became an object
        "url": u("/b"),
        "archived": f"https://web.archive.org/web/20200101000000/{u('/b')}",
    }
    assert first[1]["sources"][0]["archived"].endswith(u("/missing"))  # dead links too
    kegen = data["features"][1]["properties"]["events"][0]["sources"][0]
    assert kegen["archived"] == u("/copy")  # never overwritten
    by_url = {q["url"][0]: q for q in asked}
    assert by_url[u("/ok")]["timestamp"] == ["20161130"]  # the published date
    assert "timestamp" not in by_url[u("/b")]
    assert u("/c") not in by_url  # already archived: not even looked up
    changed = [line for line in path.read_text().splitlines() if line not in before.splitlines()]
    assert len(changed) <= 8  # a minimal diff: only the touched sources
    assert validate(path).ok


def test_refresh_archived_replaces(server: HTTPServer, tmp_path: Path) -> None:
    serve_archive(server, {"/ok": None, "/b": None, "/missing": None, "/c": "20230502000000"})
    path = archive_registry(tmp_path, server)
    result = check_archive(server, path, "--refresh-archived")
    assert result.exit_code == 0, result.output
    kegen = json.loads(path.read_text())["features"][1]["properties"]["events"][0]["sources"][0]
    assert kegen["archived"].startswith("https://web.archive.org/web/20230502000000/")
    assert f"archive: {server.url_for('/ok')}: no snapshot in the Wayback Machine" in result.stdout


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("malformed", "answered with malformed JSON"),
        (
            {"url": "javascript:alert(1)"},
            "answered unexpectedly (a bad snapshot link: 'javascript:alert(1)' is not an http(s) "
            "URL)",
        ),
        (
            {"url": "https://web.archive.org/web/2020/a b"},
            "answered unexpectedly (a bad snapshot link: 'https://web.archive.org/web/2020/a b' "
            "has whitespace in it (write a space as %20))",
        ),
        (
            {"url": "//x.org/a"},
            "answered unexpectedly (a bad snapshot link: '//x.org/a' is not an http(s) URL)",
        ),
    ],
    ids=["malformed", "javascript", "whitespace", "no-scheme"],
)
def test_archive_failed_lookups_are_said_and_not_written(
    server: HTTPServer, tmp_path: Path, answer: Any, reason: str
) -> None:
    serve_archive(server, {"/ok": answer, "/b": "20200101000000", "/missing": None})
    path = archive_registry(tmp_path, server)
    result = check_archive(server, path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"archive: {server.url_for('/ok')}: lookup failed (the Wayback Machine at "
        f"127.0.0.1:{server.port} {reason}); not written",
        f"archive: {server.url_for('/missing')}: no snapshot in the Wayback Machine",
    ]
    assert "archive: 1 archived links written" in result.stderr
    events = json.loads(path.read_text())["features"][0]["properties"]["events"]
    assert "archived" not in events[0]["sources"][0]
    assert events[0]["sources"][1]["archived"].startswith("https://web.archive.org/web/2020")
    assert validate(path).ok  # the others are written


def test_archive_lists_failed_lookups_in_file_order(server: HTTPServer, tmp_path: Path) -> None:
    answers = dict.fromkeys(("/ok", "/b", "/missing"), "malformed")
    serve_archive(server, answers, slow=("/ok",))  # the first lookup ends last
    path = archive_registry(tmp_path, server)
    before = path.read_bytes()
    result = check_archive(server, path)
    assert result.exit_code == 1
    u = server.url_for
    assert [line.split(": lookup failed")[0] for line in result.stdout.splitlines()] == [
        f"archive: {u('/ok')}",
        f"archive: {u('/b')}",
        f"archive: {u('/missing')}",
    ]
    assert "archive: 0 archived links written" in result.stderr
    assert path.read_bytes() == before


def test_archive_says_when_it_waits_for_another_edit(server: HTTPServer, tmp_path: Path) -> None:
    import os
    import threading

    from symbols import _atomic

    asked = serve_archive(server, {"/ok": "2016", "/b": "2020", "/missing": None})
    path = archive_registry(tmp_path, server)
    results: list[Any] = []
    with _atomic.locked(_atomic.target(path)):  # another edit holds the registry
        worker = threading.Thread(target=lambda: results.append(check_archive(server, path)))
        worker.start()
        deadline = time.monotonic() + 20
        while len(asked) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # now it waits for the lock
    worker.join(30)
    (result,) = results
    assert result.exit_code == 0, result.output
    assert (
        f"symbols: waiting for another edit of the registry (process {os.getpid()})"
    ) in result.stderr
    assert "archive: 2 archived links written" in result.stderr


def test_archive_never_lands_on_a_source_that_moved_during_the_lookups(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_archive(server, {"/ok": "2016", "/b": "2020", "/missing": "2024"})
    path = archive_registry(tmp_path, server)
    real = sources.archive_updates

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        data = json.loads(path.read_text())  # someone swaps the first event's two sources
        first = data["features"][0]["properties"]["events"][0]["sources"]
        first.reverse()
        path.write_text(json.dumps(data, indent=2))
        return found

    monkeypatch.setattr(sources, "archive_updates", edited_meanwhile)
    result = check_archive(server, path)
    assert result.exit_code == 1  # asked to archive two links that it could not
    u = server.url_for
    assert (
        f"archive: astana-bust: events[0].sources[0] is no longer {u('/ok')} (the registry "
        "changed during the lookups); its archived link was not written"
    ) in result.stdout
    assert "archive: 1 archived links written" in result.stderr
    events = json.loads(path.read_text())["features"][0]["properties"]["events"]
    assert events[0]["sources"][0] == u("/b")  # not given /ok's snapshot
    assert "archived" not in events[0]["sources"][1]  # nor /ok given /b's
    assert events[1]["sources"][0]["archived"].endswith(u("/missing"))


def test_archive_dry_run_writes_nothing(server: HTTPServer, tmp_path: Path) -> None:
    serve_archive(server, {"/ok": "2016", "/b": "2020", "/missing": "2024"})
    path = archive_registry(tmp_path, server)
    before = path.read_bytes()
    result = check_archive(server, path, "--dry-run")
    assert result.exit_code == 0
    assert "3 archived links would be written (dry run)" in result.stderr
    assert path.read_bytes() == before


def test_archive_without_network_writes_nothing(
    server: HTTPServer, tmp_path: Path, offline: str
) -> None:
    serve_archive(server, {})
    path = archive_registry(tmp_path, server)
    before = path.read_bytes()
    result = run("sources", "check", str(path), "--archive")  # $SYMBOLS_WAYBACK_URL: closed
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"symbols: cannot reach the Wayback Machine at {offline.split('//')[1]}: "
        "connection refused; check the network (or the service URL option); nothing was written"
    ]
    assert path.read_bytes() == before


def test_archive_answers_are_cached(server: HTTPServer, tmp_path: Path) -> None:
    asked = serve_archive(server, {"/ok": None, "/b": None, "/missing": None})
    path = archive_registry(tmp_path, server)
    check_archive(server, path)
    assert len(asked) == 3
    check_archive(server, path)
    assert len(asked) == 3
    check_archive(server, path, "--no-cache")
    assert len(asked) == 6


def test_archive_does_not_cache_a_refused_answer(server: HTTPServer, tmp_path: Path) -> None:
    serve_archive(server, {"/ok": {"url": "javascript:alert(1)"}, "/b": None, "/missing": None})
    path = archive_registry(tmp_path, server)
    result = check_archive(server, path)
    assert result.exit_code == 1 and "lookup failed" in result.stdout
    server.clear()
    asked = serve_archive(server, {"/ok": "2016", "/b": None, "/missing": None})
    result = check_archive(server, path)
    assert result.exit_code == 0, result.output
    assert [q["url"][0] for q in asked] == [server.url_for("/ok")]  # the others: cached
    assert "archive: 1 archived links written" in result.stderr


# -- discover ---------------------------------------------------------------------------------


def binding(**values: str) -> dict[str, Any]:
    return {key: {"type": "literal", "value": value} for key, value in values.items()}


LABELS = {
    "head": {"vars": ["label"]},
    "results": {
        "bindings": [
            {"label": {"type": "literal", "value": "Nursultan Nazarbayev", "xml:lang": "en"}},
            {"label": {"type": "literal", "value": "Нурсултан Назарбаев", "xml:lang": "ru"}},
        ]
    },
}
WD = "http://www.wikidata.org/entity/"
ITEMS = {
    "results": {
        "bindings": [
            binding(
                item=WD + "Q111",
                itemLabel="Monument",
                coord="Point(71.41 51.16)",
                relation=WD.replace("entity", "prop/direct") + "P180",
            ),
            binding(
                item=WD + "Q222",
                itemLabel="Bust of Nazarbayev",
                coord="Point(71.4304 51.1282)",
                relation="http://www.wikidata.org/prop/direct/P180",
                classLabel="bust",
                placeLabel="Astana",
                name_ru="Бюст Назарбаева",
            ),
            binding(
                item=WD + "Q222",
                itemLabel="Bust of Nazarbayev",
                coord="Point(71.4304 51.1282)",
                relation="http://www.wikidata.org/prop/direct/P547",
                classLabel="sculpture",
                placeLabel="Astana",
            ),
            binding(
                item=WD + "Q333",
                itemLabel="Nazarbayev University",
                coord="Point(71.3969 51.0906)",
                classLabel="university",
                relation="http://www.wikidata.org/prop/direct/P138",
                placeLabel="Q1520",
            ),
        ]
    }
}
OVERPASS = {
    "version": 0.6,
    "elements": [
        {
            "type": "node",
            "id": 501,
            "lat": 51.12825,
            "lon": 71.43045,
            "tags": {
                "historic": "memorial",
                "memorial": "bust",
                "name": "Бюст Назарбаева",
                "wikidata": "Q222",
                "subject:wikidata": "Q9259",
            },
        },
        {
            "type": "way",
            "id": 601,
            "center": {"lat": 43.2500, "lon": 76.9500},
            "tags": {"highway": "primary", "name": "проспект Назарбаева"},
        },
        {
            "type": "way",
            "id": 602,
            "center": {"lat": 43.2590, "lon": 76.9500},
            "tags": {"highway": "primary", "name": "проспект Назарбаева"},
        },
        {
            "type": "node",
            "id": 701,
            "lat": 49.95027,
            "lon": 82.6000,
            "tags": {"memorial": "plaque", "name": "Мемориальная доска Назарбаеву"},
        },
        {
            "type": "node",
            "id": 801,
            "lat": 45.0400,
            "lon": 78.4000,
            "tags": {
                "memorial": "statue",
                "name": "Памятник Н. Назарбаеву",
                "addr:city": "Талдыкорган",
            },
        },
    ],
}


def serve_queries(
    server: HTTPServer, items: Any = ITEMS, overpass: Any = OVERPASS
) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"sparql": [], "overpass": []}

    def sparql(request: Request) -> Response:
        query = request.args["query"]
        seen["sparql"].append(query)
        assert request.args["format"] == "json"
        answer = LABELS if "rdfs:label ?label" in query else items
        body = answer if isinstance(answer, str) else json.dumps(answer)
        return Response(body, mimetype="application/sparql-results+json")

    def interpreter(request: Request) -> Response:
        seen["overpass"].append(request.form["data"])
        body = overpass if isinstance(overpass, str) else json.dumps(overpass)
        return Response(body, mimetype="application/json")

    server.expect_request("/sparql").respond_with_handler(sparql)
    server.expect_request("/api/interpreter", method="POST").respond_with_handler(interpreter)
    return seen


def discover_registry(tmp_path: Path) -> Path:
    return write(
        tmp_path / "monuments.geojson",
        feature("astana-monument", lon=71.41, lat=51.16, wikidata="Q111", place="Astana"),
        feature(
            "ukg-plaque",
            lon=82.6,
            lat=49.95,
            kind="plaque",
            location_precision="exact",
            place="Oskemen",
        ),
        feature("taldykorgan-statue", lon=78.37, lat=45.02),
    )


def discover_args(server: HTTPServer, path: Path, out: Path, *more: str) -> list[str]:
    return [
        "discover",
        str(path),
        "--subject-wikidata",
        "Q9259",
        "--country",
        "kz",
        "--out",
        str(out),
        "--wikidata-url",
        server.url_for("/sparql"),
        "--overpass-url",
        server.url_for("/api/interpreter"),
        *more,
    ]


def test_discover_writes_new_candidates_for_review(server: HTTPServer, tmp_path: Path) -> None:
    seen = serve_queries(server)
    path = discover_registry(tmp_path)
    before = path.read_bytes()
    out = tmp_path / "review.geojson"
    result = run(*discover_args(server, path, out))
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before  # the registry is never changed
    review = json.loads(out.read_text())
    ids = [f["id"] for f in review["features"]]
    assert ids == ["osm-node-801", "osm-way-601", "wikidata-q222", "wikidata-q333"]
    assert "held: wikidata-q111 (Monument) is feature astana-monument: same Wikidata item Q111" in (
        result.stdout
    )
    assert "held: osm-node-701" in result.stdout and "is feature ukg-plaque: 30 m away" in (
        result.stdout
    )
    assert "4 candidates for Nursultan Nazarbayev (Q9259) written for review; 2 already in" in (
        result.stderr
    )
    bust = review["features"][2]
    props = bust["properties"]
    assert bust["geometry"]["coordinates"] == [71.43045, 51.12825]  # the OSM node's position
    assert props["kind"] == "bust" and props["wikidata"] == "Q222" and props["osm"] == "node/501"
    assert props["subject"] == "Nursultan Nazarbayev" and props["subject:wikidata"] == "Q9259"
    assert props["place"] == "Astana" and props["country"] == "KZ"
    assert props["location_precision"] == "exact" and props["name:ru"] == "Бюст Назарбаева"
    assert props["candidate"]["found_by"] == ["wikidata", "osm"]
    assert props["candidate"]["matched_by"] == ["depicts", "commemorates", "subject:wikidata"]
    (sighting,) = props["events"]
    assert sighting["type"] == "sighting" and sighting["status"] == "standing"
    assert sighting["date"] == f"{TODAY}?"
    assert [s["url"] for s in sighting["sources"]] == [
        "https://www.wikidata.org/wiki/Q222",
        "https://www.openstreetmap.org/node/501",
    ]
    statue, street, _, university = review["features"]
    assert statue["properties"]["kind"] == "statue"
    assert statue["properties"]["place"] == "Талдыкорган"
    assert statue["properties"]["candidate"]["near"][0]["id"] == "taldykorgan-statue"
    assert street["properties"]["kind"] == "street-name"  # two segments, one candidate
    assert street["properties"]["location_precision"] == "site"
    assert university["properties"]["kind"] == "institution-name"
    assert university["properties"]["place"] == "unknown"  # the label service gave only an id
    # the queries asked for the subject, in the country, by relation and by name
    items_query = seen["sparql"][1]
    assert "wd:Q9259" in items_query and 'wdt:P297 "KZ"' in items_query
    assert all(f"wdt:{p}" in items_query for p in ("P180", "P547", "P138", "P625"))
    (overpass,) = seen["overpass"]
    assert 'area["ISO3166-1"="KZ"]' in overpass and "out center" in overpass
    assert '"subject:wikidata"~"(^|;) *Q9259 *(;|$)"' in overpass
    assert "Nazarbayev|Назарбаев|Nazarbaev" in overpass


def test_discovered_features_validate_when_copied_in(server: HTTPServer, tmp_path: Path) -> None:
    serve_queries(server)
    path = discover_registry(tmp_path)
    out = tmp_path / "review.geojson"
    assert run(*discover_args(server, path, out)).exit_code == 0
    result = validate(out, strict=True)
    assert result.ok, [str(p) for p in result.problems]
    merged = json.loads(path.read_text())
    merged["features"] += json.loads(out.read_text())["features"]
    copied = tmp_path / "merged.geojson"
    copied.write_text(json.dumps(merged, ensure_ascii=False))
    assert validate(copied).ok
    assert len(read(copied)) == 7


def test_discover_default_out_name(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_queries(server, items={"results": {"bindings": []}}, overpass={"elements": []})
    path = discover_registry(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run(
        "discover",
        str(path),
        "--subject-wikidata",
        "q9259",
        "--wikidata-url",
        server.url_for("/sparql"),
        "--overpass-url",
        server.url_for("/api/interpreter"),
    )
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "discovered-Q9259.geojson").read_text())
    assert written == {"type": "FeatureCollection", "features": []}  # an empty result
    assert "0 candidates" in result.stderr


def test_discover_without_country_searches_tags_only(server: HTTPServer, tmp_path: Path) -> None:
    seen = serve_queries(server, items={"results": {"bindings": []}}, overpass={"elements": []})
    path = discover_registry(tmp_path)
    args = [
        a
        for a in discover_args(server, path, tmp_path / "o.geojson")
        if a not in ("--country", "kz")
    ]
    assert run(*args).exit_code == 0
    assert "area" not in seen["overpass"][0] and "Nazarbayev" not in seen["overpass"][0]
    assert "P297" not in seen["sparql"][1]


@pytest.mark.parametrize(
    ("items", "overpass", "message"),
    [
        ("{not json", OVERPASS, r"Wikidata at 127\.0\.0\.1:\d+ answered with malformed JSON"),
        ({"head": {}}, OVERPASS, r"Wikidata at .* answered unexpectedly \(not a SPARQL JSON"),
        (ITEMS, "<html>", r"Overpass at .* answered with malformed JSON"),
        (
            ITEMS,
            {"elements": [], "remark": 'runtime error: Query timed out in "query" at line 4'},
            r"Overpass at .* answered unexpectedly \(runtime error: Query timed out",
        ),
    ],
)
def test_discover_bad_answers_are_one_line_and_write_nothing(
    server: HTTPServer, tmp_path: Path, items: Any, overpass: Any, message: str
) -> None:
    serve_queries(server, items=items, overpass=overpass)
    out = tmp_path / "review.geojson"
    result = run(*discover_args(server, discover_registry(tmp_path), out))
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("symbols: ") and line.endswith("; nothing was written")
    import re

    assert re.search(message, line)
    assert not out.exists()


def test_discover_retries_a_busy_overpass(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/api/interpreter").respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "2"}
    )
    server.expect_oneshot_request("/api/interpreter").respond_with_data("busy", status=504)
    serve_queries(server)
    out = tmp_path / "review.geojson"
    result = run(*discover_args(server, discover_registry(tmp_path), out))
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["features"]) == 4


def test_discover_without_network(tmp_path: Path, offline: str) -> None:
    out = tmp_path / "review.geojson"
    result = run(
        "discover",
        str(discover_registry(tmp_path)),
        "--subject-wikidata",
        "Q9259",
        "--out",
        str(out),
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"symbols: cannot reach Wikidata at {offline.split('//')[1]}: connection refused; "
        "check the network (or the service URL option); nothing was written"
    ]
    assert not out.exists()


def test_discover_timeout(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/sparql").respond_with_handler(late(1.0))
    out = tmp_path / "review.geojson"
    result = run(*discover_args(server, discover_registry(tmp_path), out, "--timeout", "0.3"))
    assert result.exit_code == 1 and "timed out waiting for an answer" in result.stderr
    assert not out.exists()


def test_discover_uses_the_cache(server: HTTPServer, tmp_path: Path) -> None:
    serve_queries(server)
    path = discover_registry(tmp_path)
    out = tmp_path / "review.geojson"
    assert run(*discover_args(server, path, out)).exit_code == 0
    server.clear()  # the services are gone; the cached answers remain
    out.unlink()
    assert run(*discover_args(server, path, out)).exit_code == 0
    assert len(json.loads(out.read_text())["features"]) == 4
    result = run(*discover_args(server, path, out, "--no-cache"))
    assert result.exit_code == 1 and "answered 500" in result.stderr


def test_discover_does_not_cache_a_refused_answer(server: HTTPServer, tmp_path: Path) -> None:
    timed_out = {"elements": [], "remark": "runtime error: Query timed out in query at line 4"}
    serve_queries(server, overpass=timed_out)
    path = discover_registry(tmp_path)
    out = tmp_path / "review.geojson"
    result = run(*discover_args(server, path, out))
    assert result.exit_code == 1 and "Query timed out" in result.stderr
    server.clear()
    seen = serve_queries(server)  # Overpass answers properly now
    result = run(*discover_args(server, path, out))  # the cache is on
    assert result.exit_code == 0, result.output
    assert len(seen["overpass"]) == 1  # asked again, not given the timeout from the cache
    assert seen["sparql"] == []  # the good Wikidata answers came from the cache
    assert len(json.loads(out.read_text())["features"]) == 4


def test_discover_never_writes_the_registry(server: HTTPServer, tmp_path: Path) -> None:
    path = discover_registry(tmp_path)
    result = run(*discover_args(server, path, path))
    assert result.exit_code == 1 and "never writes the registry" in result.stderr


def test_discover_into_a_missing_folder_makes_it(server: HTTPServer, tmp_path: Path) -> None:
    serve_queries(server)
    out = tmp_path / "no" / "such" / "review.geojson"
    result = run(*discover_args(server, discover_registry(tmp_path), out))
    assert result.exit_code == 0, result.output
    ids = [f["id"] for f in json.loads(out.read_text())["features"]]
    assert ids == ["osm-node-801", "osm-way-601", "wikidata-q222", "wikidata-q333"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["review.geojson"]  # no temporaries


def test_discover_into_a_folder_that_is_a_file(server: HTTPServer, tmp_path: Path) -> None:
    serve_queries(server)
    (tmp_path / "taken").write_text("a file")
    out = tmp_path / "taken" / "review.geojson"
    result = run(*discover_args(server, discover_registry(tmp_path), out))
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"symbols: cannot write {out}: ")


def test_discover_library_checks_its_arguments(tmp_path: Path) -> None:
    path = discover_registry(tmp_path)
    with pytest.raises(SymbolsError, match="not a Wikidata item id"):
        sources.run_discover(path, "Nazarbayev")
    with pytest.raises(SymbolsError, match="not a Wikidata item id"):
        sources.run_discover(path, "Q1\u0662")  # only ASCII digits
    with pytest.raises(SymbolsError, match="ISO 3166-1"):
        sources.run_discover(path, "Q9259", country='KZ"]')


@pytest.mark.parametrize("qid", ["Nazarbayev", "Q1\u0662", "Q\u00b2", "Q01", "Q"])
def test_discover_rejects_bad_ids(qid: str) -> None:
    result = run("discover", "--subject-wikidata", qid)
    assert result.exit_code == 2 and f"{qid!r} is not a Wikidata item id" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["discover", "REGISTRY", "--subject-wikidata", "Q9259"],
        ["add", "--id", "b", "--name", "B", "--kind", "bust", "--subject", "S", "--place", "Kegen"]
        + ["--registry", "REGISTRY"],
    ],
)
@pytest.mark.parametrize("code", ["KAZ", "K", "k1", "\u00df", "\uff2b\uff3a"])
def test_a_malformed_country_is_a_usage_error_everywhere(
    tmp_path: Path, command: list[str], code: str
) -> None:
    path = discover_registry(tmp_path)
    before = path.read_bytes()
    args = [str(path) if arg == "REGISTRY" else arg for arg in command]
    result = run(*args, "--country", code)
    assert result.exit_code == 2
    assert (
        f"Invalid value for '--country': {code!r} is not an ISO 3166-1 alpha-2 code like KZ"
    ) in result.stderr
    assert path.read_bytes() == before


def test_country_codes() -> None:
    from symbols import _overpass, _wikidata
    from symbols._values import country_code

    assert country_code(" kz") == "KZ" and country_code("Uz") == "UZ"
    for bad in ("KAZ", "", "k1", "\u00df", "\uff2b\uff3a", 'KZ"'):  # ß and ＫＺ upper to ASCII
        with pytest.raises(ValueError, match="is not an ISO 3166-1 alpha-2 code like KZ"):
            country_code(bad)
    with pytest.raises(ValueError, match="ISO 3166-1"):
        _wikidata.items_query("Q9259", 'KZ" . }')  # never into the query
    with pytest.raises(ValueError, match="ISO 3166-1"):
        _overpass.query("Q9259", 'KZ"]', [])
    assert 'wdt:P297 "KZ"' in _wikidata.items_query("Q9259", "kz")


def test_discover_with_given_names(server: HTTPServer, tmp_path: Path) -> None:
    seen = serve_queries(server, items={"results": {"bindings": []}}, overpass={"elements": []})
    out = tmp_path / "o.geojson"
    args = discover_args(
        server, discover_registry(tmp_path), out, "--name", "Елбасы", "--name", "a.b"
    )
    assert run(*args).exit_code == 0
    assert '~"Елбасы|a\\\\.b",i' in seen["overpass"][0]


# -- the matching rule ------------------------------------------------------------------------


def test_held_by_rule(tmp_path: Path) -> None:
    registry = load(
        write(
            tmp_path / "r.geojson",
            feature("by-osm", lon=70.0, lat=50.0, osm="https://www.openstreetmap.org/node/9"),
            feature(
                "by-source",
                [event("2020", "erected", sources=["https://www.wikidata.org/wiki/Q77"])],
                lon=70.1,
                lat=50.0,
            ),
            feature("exact", lon=71.0, lat=50.0, location_precision="exact", name="Bust of A. B."),
            feature(
                "street",
                lon=72.0,
                lat=50.0,
                kind="street-name",
                name="Nazarbayev Avenue",
                **{"name:ru": "проспект Назарбаева"},
            ),
        )
    )
    C = _candidates.Candidate
    assert _candidates.held_by(C("x", 75, 45, osm="node/9"), registry) == (
        "by-osm",
        "same OSM object node/9",
    )
    assert _candidates.held_by(C("x", 75, 45, wikidata="Q77"), registry)[0] == "by-source"
    near = C("Доска", 71.001, 50.0, kind="plaque")  # ~70 m, another name and kind
    assert _candidates.held_by(near, registry) is None
    assert _candidates.nearby(near, registry) == [("exact", 71)]
    same_kind = C("Памятник", 71.001, 50.0, kind="statue")
    assert _candidates.held_by(same_kind, registry)[0] == "exact"  # the registry's is a statue too
    assert _candidates.held_by(C("Бюст", 71.001, 50.0, kind="bust"), registry) == (
        "exact",
        "71 m away, similar name",  # "byust" is like "bust of"
    )
    far = C("Bust of A. B.", 71.004, 50.0, kind="bust")  # ~290 m: beyond 200 m
    assert _candidates.held_by(far, registry) is None
    avenue = C("проспект Назарбаева", 72.015, 50.0, kind="street-name")  # ~1.1 km, same name
    assert _candidates.held_by(avenue, registry)[0] == "street"


def test_names_and_surnames() -> None:
    assert _candidates.normalize_name("Назарбаев, Н.А.") == "nazarbaev n a"
    assert _candidates.similar_names(["Nazarbayev Avenue"], ["проспект Назарбаева"]) is False
    assert _candidates.similar_names(["Бюст Назарбаева"], ["Byust Nazarbaeva (Astana)"]) is True
    ignore = ("nazarbaev", "nazarbayev", "nursultan")
    # every candidate shares the subject's name: it is no evidence
    assert _candidates.similar_names(["Доска Назарбаеву"], ["Bust of Nazarbayev"], ignore) is False
    assert _candidates.similar_names(["Бюст Н. Назарбаеву"], ["Bust of Nazarbayev"], ignore)
    assert _candidates.similar_names(["Назарбаев"], ["Nazarbayev"], ignore) is False
    assert _candidates.surnames({"en": "Nursultan Nazarbayev", "ru": "Назарбаев, Нурсултан"}) == [
        "Nazarbayev",
        "Назарбаев",
        "Nazarbaev",
    ]
    assert _candidates.osm_key("n123") == "node/123"
    assert _candidates.osm_key("https://www.openstreetmap.org/way/5#map") == "way/5"
    assert _candidates.osm_key("nothing") is None


def test_merge_keeps_distinct_objects_apart() -> None:
    C = _candidates.Candidate
    bust = C("Бюст Назарбаева", 71.43, 51.128, kind="bust", osm="node/1", found_by=["osm"])
    plaque = C("Доска Назарбаеву", 71.4301, 51.128, kind="plaque", osm="node/2", found_by=["osm"])
    item = C(
        "Bust of Nazarbayev", 71.4302, 51.128, kind="bust", wikidata="Q5", found_by=["wikidata"]
    )
    other = C(
        "Bust of Nazarbayev", 71.4302, 51.128, kind="bust", wikidata="Q6", found_by=["wikidata"]
    )
    ignore = _candidates.subject_words(["Nursultan Nazarbayev", "Нурсултан Назарбаев"])
    assert ignore == ("nazarbaev", "nazarbayev", "nursultan")
    merged = _candidates.merge([item, other, bust, plaque], ignore)
    assert [c.id for c in merged] == ["wikidata-q5", "wikidata-q6", "osm-node-2"]
    assert merged[0].osm == "node/1" and merged[0].found_by == ["wikidata", "osm"]
    segments = [
        C(
            "улица Назарбаева",
            76.95,
            43.25 + i * 0.009,
            kind="street-name",
            osm=f"way/{i}",
            found_by=["osm"],
        )
        for i in range(3)
    ]
    (street,) = _candidates.merge(segments, ignore)  # each within 2 km of the previous
    assert len(_candidates.merge([plaque, bust])) == 2  # one service: two objects
    assert street.osm == "way/0"


def test_the_review_file_is_fsynced_and_maps_and_reports_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from symbols import maps, reports

    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    maps.write_page(tmp_path / "maps" / "map.html", "<html></html>")
    reports._write({tmp_path / "report.md": b"# Report\n"})
    assert synced == []  # made again from the registry: not worth the fsync
    review = sources.write_review(tmp_path / "review.geojson", [])
    assert len(synced) == 2  # the file, then its folder: it came over the network
    assert json.loads(review.read_text()) == {"type": "FeatureCollection", "features": []}
    from symbols._atomic import write_output

    with pytest.raises(TypeError):
        write_output(tmp_path / "x", b"", True)  # type: ignore[misc]  # durable= by name only
