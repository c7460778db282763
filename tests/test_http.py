"""The HTTP plumbing: retries, Retry-After, politeness, User-Agent, cache, failures.

Every request goes to a real HTTP server on 127.0.0.1; nothing touches the internet.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from netutil import closed_port, head_dropping_server, late
from pytest_httpserver import HTTPServer
from werkzeug import Response

from symbols import _http
from symbols.errors import NetworkError, SymbolsError


@pytest.fixture(name="closed_port")
def closed_port_fixture() -> int:
    return closed_port()


def same(value: Any) -> Any:
    return value


def make_client(tmp_path: Path, **overrides) -> tuple[_http.Client, list[float]]:  # type: ignore[no-untyped-def]
    settings = _http.Settings(
        timeout=2.0,
        connect_timeout=1.0,
        retries=3,
        backoff=0.01,
        retry_after_max=0.05,
        delay=0.0,
        cache_dir=tmp_path / "cache",
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    client = _http.Client(settings)
    slept: list[float] = []
    client.sleep = lambda seconds: slept.append(seconds)  # type: ignore[method-assign]
    return client, slept


def test_retries_500_then_answers(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/flaky").respond_with_data("busy", status=500)
    server.expect_oneshot_request("/flaky").respond_with_data("busy", status=503)
    server.expect_request("/flaky").respond_with_data("fine")
    client, slept = make_client(tmp_path)
    response = client.request("GET", server.url_for("/flaky"))
    assert response.status_code == 200
    assert slept == [0.01, 0.02]  # exponential backoff


def test_gives_up_after_the_retries(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/down").respond_with_data("no", status=502)
    client, slept = make_client(tmp_path, retries=2)
    assert client.request("GET", server.url_for("/down")).status_code == 502
    assert len(server.log) == 3 and len(slept) == 2


def test_no_retry_on_404(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/missing").respond_with_data("no", status=404)
    client, slept = make_client(tmp_path)
    assert client.request("GET", server.url_for("/missing")).status_code == 404
    assert len(server.log) == 1 and slept == []


def test_429_honours_retry_after_seconds_capped(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "30"}
    )
    server.expect_oneshot_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    server.expect_request("/busy").respond_with_data("ok")
    client, slept = make_client(tmp_path, retry_after_max=5.0)
    assert client.request("GET", server.url_for("/busy")).status_code == 200
    assert slept == [5.0, 0.0]  # 30 s capped at 5; 0 honoured as is (not the backoff)


def test_retry_after_http_date() -> None:
    now = time.time()
    moment = datetime.fromtimestamp(now, UTC) + timedelta(seconds=120)
    assert _http.retry_after(format_datetime(moment, usegmt=True), now=now) == pytest.approx(
        120, abs=1
    )
    assert _http.retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert _http.retry_after("7") == 7.0
    assert _http.retry_after("soon") is None
    assert _http.retry_after(None) is None


def test_politeness_delay_per_host(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a").respond_with_data("a")
    client, _ = make_client(tmp_path, delay=0.2)
    client.sleep = time.sleep  # type: ignore[method-assign]
    started = time.monotonic()
    for _ in range(3):
        client.request("GET", server.url_for("/a"))
    assert time.monotonic() - started >= 0.39  # the 2nd and 3rd waited their turn


def test_user_agent_names_project_and_contact(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/ua").respond_with_data("ok")
    client, _ = make_client(tmp_path)
    client.request("GET", server.url_for("/ua"))
    agent = server.log[0][0].headers["User-Agent"]
    assert agent.startswith("symbols/") and "https://" in agent


def test_contact_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBOLS_CONTACT", "mailto:someone@example.org")
    assert "mailto:someone@example.org" in _http.user_agent()


def test_fetch_json_caches_answers(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/api", query_string="q=1").respond_with_json({"n": 1})
    client, _ = make_client(tmp_path)
    url = server.url_for("/api")
    assert client.fetch_json("API", url, params={"q": "1"}, parse=same) == {"n": 1}
    assert client.fetch_json("API", url, params={"q": "1"}, parse=same) == {
        "n": 1
    }  # from the cache
    assert len(server.log) == 1
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1


def test_cache_expires_and_can_be_off(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/api").respond_with_json({"n": 2})
    url = server.url_for("/api")
    client, _ = make_client(tmp_path, cache_ttl=0.0)
    client.fetch_json("API", url, parse=same)
    time.sleep(0.01)
    client.fetch_json("API", url, parse=same)
    assert len(server.log) == 2  # expired
    off, _ = make_client(tmp_path / "off", cache=False)
    off.fetch_json("API", url, parse=same)
    off.fetch_json("API", url, parse=same)
    assert len(server.log) == 4 and not (tmp_path / "off" / "cache").exists()


def test_cache_keys_include_the_body(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/post", method="POST").respond_with_handler(
        lambda request: Response(f'{{"got": "{request.form["data"]}"}}', mimetype="text/json")
    )
    client, _ = make_client(tmp_path)
    url = server.url_for("/post")
    assert client.fetch_json("API", url, method="POST", data={"data": "a"}, parse=same) == {
        "got": "a"
    }
    assert client.fetch_json("API", url, method="POST", data={"data": "b"}, parse=same) == {
        "got": "b"
    }


def refuse_remarks(value: Any) -> Any:
    if "remark" in value:
        raise ValueError(value["remark"])
    return value["n"]


def test_answers_the_parser_refuses_are_not_cached(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/api").respond_with_json({"remark": "Query timed out"})
    server.expect_request("/api").respond_with_json({"n": 3})
    client, _ = make_client(tmp_path)
    url = server.url_for("/api")
    with pytest.raises(
        _http.BadAnswer,
        match=r"^API at 127\.0\.0\.1:\d+ answered unexpectedly \(Query timed out\)$",
    ):
        client.fetch_json("API", url, parse=refuse_remarks)
    assert not (tmp_path / "cache").exists()
    assert client.fetch_json("API", url, parse=refuse_remarks) == 3  # asked again
    assert client.fetch_json("API", url, parse=refuse_remarks) == 3  # now from the cache
    assert len(server.log) == 2


def test_a_cached_answer_the_parser_refuses_is_asked_again(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/api").respond_with_json({"remark": "Query timed out"})
    client, _ = make_client(tmp_path)
    url = server.url_for("/api")
    client.fetch_json("API", url, parse=same)  # cached, as versions that did not check did
    server.clear()
    server.expect_request("/api").respond_with_json({"n": 4})
    assert client.fetch_json("API", url, parse=refuse_remarks) == 4
    assert client.fetch_json("API", url, parse=refuse_remarks) == 4
    assert len(server.log) == 1


def test_malformed_json_is_one_line(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/bad").respond_with_data("{not json", content_type="application/json")
    client, _ = make_client(tmp_path)
    with pytest.raises(
        _http.BadAnswer, match=r"^API at 127\.0\.0\.1:\d+ answered with malformed JSON$"
    ):  # what it means for files is the command's to say, not the transport's
        client.fetch_json("API", server.url_for("/bad"), parse=same)
    assert not (tmp_path / "cache").exists()  # bad answers are not cached


def test_error_status_is_a_bad_answer(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/gone").respond_with_data("gone", status=410)
    client, _ = make_client(tmp_path)
    with pytest.raises(_http.BadAnswer, match=r"^API at 127\.0\.0\.1:\d+ answered 410 GONE$"):
        client.fetch_json("API", server.url_for("/gone"), parse=same)


def test_unreachable_is_a_network_error(closed_port: int, tmp_path: Path) -> None:
    client, slept = make_client(tmp_path)
    with pytest.raises(NetworkError) as caught:
        client.fetch_json("API", f"http://127.0.0.1:{closed_port}/x", parse=same)
    message = str(caught.value)
    assert not isinstance(caught.value, _http.BadAnswer)
    assert message == (
        f"cannot reach API at 127.0.0.1:{closed_port}: connection refused; "
        "check the network (or the service URL option)"
    )
    assert "\n" not in message and slept == []


def test_timeout(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/late").respond_with_handler(late(0.6))
    client, _ = make_client(tmp_path, timeout=0.2)
    with pytest.raises(NetworkError, match="timed out waiting for an answer"):
        client.fetch_json("API", server.url_for("/late"), parse=same)


def test_probe_falls_back_to_get(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/nohead", method="HEAD").respond_with_data("", status=405)
    server.expect_request("/nohead", method="GET").respond_with_data("page")
    client, _ = make_client(tmp_path)
    result = _http.probe(client, server.url_for("/nohead"))
    assert result.status == 200 and not result.dead
    assert [r.method for r, _ in server.log] == ["HEAD", "GET"]


def asked(client: _http.Client) -> list[str]:
    """The methods ``client`` will be asked to send, in order."""
    methods: list[str] = []
    send = client.request

    def request(method: str, url: str, **kwargs: Any) -> Any:
        methods.append(method)
        return send(method, url, **kwargs)

    client.request = request  # type: ignore[method-assign]
    return methods


def test_probe_asks_again_with_get_when_the_server_drops_head(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    methods = asked(client)
    with head_dropping_server() as url:
        result = _http.probe(client, url)
    assert result.status == 200 and not result.dead
    assert methods == ["HEAD", "GET"]


def test_probe_does_not_ask_a_dead_host_twice(closed_port: int, tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    methods = asked(client)
    result = _http.probe(client, f"http://127.0.0.1:{closed_port}/page")
    assert result.dead and result.error == "connection refused"
    assert methods == ["HEAD"]  # a GET would be refused too


def test_only_a_dropped_request_is_asked_again() -> None:
    import requests
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

    unresolved = NewConnectionError(None, "Failed to resolve 'x.invalid'")  # type: ignore[arg-type]
    dns = requests.ConnectionError(MaxRetryError(None, "/", unresolved))  # type: ignore[arg-type]
    dropped = requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))
    assert _http._dropped(dropped)
    assert not _http._dropped(dns)
    assert not _http._dropped(requests.ReadTimeout())
    assert not _http._dropped(requests.exceptions.SSLError())


def test_probe_follows_redirect_chains(server: HTTPServer, tmp_path: Path) -> None:
    final = server.url_for("/final")
    server.expect_request("/one").respond_with_data(
        "", status=301, headers={"Location": server.url_for("/two")}
    )
    server.expect_request("/two").respond_with_data("", status=302, headers={"Location": final})
    server.expect_request("/final").respond_with_data("here")
    client, _ = make_client(tmp_path)
    result = _http.probe(client, server.url_for("/one"))
    assert result.redirected and result.final_url == final and not result.dead
    assert result.describe(slow=5) == f"redirected to {final}"


def test_fragments_and_normalised_urls_are_not_redirects(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/").respond_with_data("home")
    server.expect_request("/page").respond_with_data("page")
    client, _ = make_client(tmp_path)
    bare = f"http://127.0.0.1:{server.port}"  # requests asks for "/"
    for url in (bare, server.url_for("/page") + "#section"):
        result = _http.probe(client, url)
        assert not result.redirected and result.describe(slow=5) is None, url


def test_failures_are_named() -> None:
    import requests

    dns = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='x.invalid', port=80): Max retries exceeded with url: / "
        '(Caused by NameResolutionError("<urllib3.connection.HTTPConnection object>: Failed to '
        "resolve 'x.invalid' ([Errno -2] Name or service not known)\"))"
    )
    offline = requests.exceptions.ConnectionError("[Errno -3] Temporary failure in name resolution")
    reset = requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected())")
    assert _http.describe_failure(dns) == "host not found (DNS)"
    assert _http.describe_failure(offline) == "host not found (DNS)"
    assert _http.describe_failure(reset) == "connection dropped"
    assert _http.describe_failure(requests.exceptions.ConnectTimeout()) == "timed out connecting"
    assert _http.describe_failure(requests.exceptions.SSLError()) == "TLS/certificate error"


def test_requests_is_not_imported_at_cli_start() -> None:
    code = "import sys, symbols.cli, symbols.sources; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SYMBOLS_HTTP_DELAY", "0.25")
    monkeypatch.setenv("SYMBOLS_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("SYMBOLS_NO_CACHE", "1")
    settings = _http.Settings.from_env(backoff=0.5)
    assert (settings.delay, settings.backoff, settings.cache) == (0.25, 0.5, False)
    assert settings.cache_dir == tmp_path / "c"
    monkeypatch.setenv("SYMBOLS_HTTP_DELAY", "soon")
    with pytest.raises(SymbolsError, match="SYMBOLS_HTTP_DELAY"):
        _http.Settings.from_env()


def test_endpoints_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYMBOLS_WAYBACK_URL", raising=False)
    assert _http.endpoint("wayback") == "https://archive.org/wayback/available"
    monkeypatch.setenv("SYMBOLS_WAYBACK_URL", "http://127.0.0.1:9/wb")
    assert _http.endpoint("wayback") == "http://127.0.0.1:9/wb"
    assert _http.endpoint("wayback", "http://127.0.0.1:8/x") == "http://127.0.0.1:8/x"


@pytest.mark.parametrize(
    ("variable", "value", "need"),
    [
        ("SYMBOLS_HTTP_RETRIES", "-1", "a whole number, 0 or more"),
        ("SYMBOLS_HTTP_RETRIES", "1.5", "a whole number, 0 or more"),
        ("SYMBOLS_HTTP_RETRIES", "many", "a whole number, 0 or more"),
        ("SYMBOLS_HTTP_CONNECT_TIMEOUT", "-2", "a number of seconds above 0"),
        ("SYMBOLS_HTTP_CONNECT_TIMEOUT", "0", "a number of seconds above 0"),
        ("SYMBOLS_HTTP_CONNECT_TIMEOUT", "nan", "a number of seconds above 0"),
        ("SYMBOLS_HTTP_BACKOFF", "-1", "a number of seconds, 0 or more"),
        ("SYMBOLS_HTTP_RETRY_AFTER_MAX", "-1", "a number of seconds, 0 or more"),
        ("SYMBOLS_HTTP_DELAY", "-0.5", "a number of seconds, 0 or more"),
        ("SYMBOLS_HTTP_DELAY", "inf", "a number of seconds, 0 or more"),
        ("SYMBOLS_CACHE_TTL", "-1", "a number of seconds, 0 or more"),
    ],
)
def test_bad_settings_in_the_environment_are_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, need: str
) -> None:
    from click.testing import CliRunner

    from symbols.cli import cli

    monkeypatch.setenv(variable, value)
    message = f"${variable}={value!r}: give {need}"
    with pytest.raises(SymbolsError) as raised:
        _http.Settings.from_env()
    assert str(raised.value) == message
    registry = tmp_path / "r.geojson"
    registry.write_text('{"type": "FeatureCollection", "features": []}\n')
    result = CliRunner().invoke(cli, ["sources", "check", str(registry)])
    assert (result.exit_code, result.stderr) == (1, f"symbols: {message}\n")


def test_zero_retries_is_one_attempt(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMBOLS_HTTP_RETRIES", "0")
    monkeypatch.setenv("SYMBOLS_HTTP_CONNECT_TIMEOUT", "0.5")
    settings = _http.Settings.from_env(delay=0.0)
    assert (settings.retries, settings.connect_timeout) == (0, 0.5)
    server.expect_request("/busy").respond_with_data("no", status=503)
    with _http.Client(settings) as client:
        assert client.request("GET", server.url_for("/busy")).status_code == 503
    assert len(server.log) == 1
