"""HTTP plumbing shared by the network jobs of :mod:`symbols.sources`.

One :class:`Client` wraps one ``requests.Session`` with:

- timeouts (connect, read) on every request;
- retries with exponential backoff on 429 and 5xx answers, honouring ``Retry-After`` (seconds
  or an HTTP date), capped so that a server cannot make us wait for hours;
- a descriptive User-Agent naming the project and a contact URL (Wikimedia and OSM ask for one);
- a per-host politeness delay: requests to one host start at least ``delay`` seconds apart, even
  from several threads;
- a small on-disk cache of JSON answers from the query services (not of link checks), keyed by
  method, URL and body, with an expiry; only answers the caller's parser accepted are kept.

Everything is tunable through :class:`Settings` (tests make the waits tiny) and environment
variables (``SYMBOLS_HTTP_*``, ``SYMBOLS_CACHE_*``, ``SYMBOLS_*_URL``). ``requests`` is imported
only when a client is made, so the CLI starts fast.
"""

from __future__ import annotations

import email.utils
import hashlib
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import orjson

from .errors import NetworkError, SymbolsError

#: Default endpoints; each can be replaced by an option or the environment variable beside it.
ENDPOINTS: dict[str, tuple[str, str]] = {
    "wikidata": ("https://query.wikidata.org/sparql", "SYMBOLS_WIKIDATA_URL"),
    "overpass": ("https://overpass-api.de/api/interpreter", "SYMBOLS_OVERPASS_URL"),
    "wayback": ("https://archive.org/wayback/available", "SYMBOLS_WAYBACK_URL"),
}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
HEAD_REFUSED = frozenset({403, 405, 501})  # answers to HEAD that deserve a GET
CACHE_MAX_FILES = 500  # the oldest entries beyond this are pruned
CACHE_MAX_BYTES = 5_000_000  # larger answers are not cached

T = TypeVar("T")


class BadAnswer(NetworkError):
    """A service answered, but not with what was asked (an error status, malformed JSON)."""


def endpoint(name: str, given: str | None = None) -> str:
    """The base URL of service ``name``: ``given``, else its environment variable, else default."""
    default, variable = ENDPOINTS[name]
    return given or os.environ.get(variable) or default


N = TypeVar("N", int, float)


def _env_number(name: str, default: N, parse: Callable[[str], N], *, above_zero: bool = False) -> N:
    """A number from the environment, read by ``parse`` (``float``: seconds, ``int``: a count):
    finite and 0 or more (above 0 with ``above_zero``); a bad value is a one-line SymbolsError
    naming the variable."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = parse(value)
        good = math.isfinite(number) and number >= 0 and not (above_zero and number == 0)
    except ValueError:
        good = False
    if not good:
        what = "a number of seconds" if parse is float else "a whole number"
        need = f"{what} above 0" if above_zero else f"{what}, 0 or more"
        raise SymbolsError(f"${name}={value!r}: give {need}")
    return number


def _default_cache_dir() -> Path:
    chosen = os.environ.get("SYMBOLS_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "symbols"


def _contact() -> str:
    chosen = os.environ.get("SYMBOLS_CONTACT")
    if chosen:
        return chosen
    try:
        from importlib.metadata import metadata

        meta = metadata("symbols")
        for entry in meta.get_all("Project-URL") or []:
            return entry.split(",", 1)[-1].strip()
        if meta.get("Home-page"):
            return str(meta["Home-page"])
    except Exception:  # noqa: BLE001 - metadata is a courtesy, never a failure
        pass
    return "https://github.com/symbols-tracker/symbols"


def user_agent() -> str:
    from . import __version__

    return f"symbols/{__version__} (monument and public-symbol tracker; +{_contact()})"


@dataclass
class Settings:
    """How the client behaves. :meth:`from_env` reads overrides from the environment."""

    timeout: float = 10.0  # read timeout, seconds
    connect_timeout: float = 5.0
    retries: int = 3  # extra attempts after a 429 or 5xx answer
    backoff: float = 1.0  # first wait; doubles each retry
    retry_after_max: float = 60.0  # the longest Retry-After honoured
    delay: float = 1.0  # per-host politeness delay between request starts
    cache: bool = True
    cache_dir: Path = field(default_factory=_default_cache_dir)
    cache_ttl: float = 86400.0  # seconds

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        settings = cls(
            connect_timeout=_env_number(
                "SYMBOLS_HTTP_CONNECT_TIMEOUT", cls.connect_timeout, float, above_zero=True
            ),
            retries=_env_number("SYMBOLS_HTTP_RETRIES", cls.retries, int),
            backoff=_env_number("SYMBOLS_HTTP_BACKOFF", cls.backoff, float),
            retry_after_max=_env_number("SYMBOLS_HTTP_RETRY_AFTER_MAX", cls.retry_after_max, float),
            delay=_env_number("SYMBOLS_HTTP_DELAY", cls.delay, float),
            cache=os.environ.get("SYMBOLS_NO_CACHE", "") in ("", "0"),
            cache_ttl=_env_number("SYMBOLS_CACHE_TTL", cls.cache_ttl, float),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(settings, key, value)
        return settings


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def describe_failure(error: Exception) -> str:
    """A short human reason for a ``requests`` exception: timeout, DNS, refused, TLS…"""
    import requests

    text = str(error)
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "timed out connecting"
    if isinstance(error, requests.exceptions.Timeout):
        return "timed out waiting for an answer"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS/certificate error"
    if isinstance(error, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "invalid URL"
    if isinstance(error, requests.exceptions.ConnectionError):
        lowered = text.lower()
        dns = ("name or service not known", "nameresolution", "failed to resolve", "getaddrinfo")
        if any(word in lowered for word in dns) or "name resolution" in lowered:
            return "host not found (DNS)"
        if "refused" in lowered:
            return "connection refused"
        if "unreachable" in lowered:
            return "network unreachable"
        if "reset" in lowered or "aborted" in lowered or "remotedisconnected" in lowered:
            return "connection dropped"
        return "connection failed"
    return type(error).__name__


class Client:
    """One shared ``requests.Session`` with timeouts, retries, politeness and a cache."""

    def __init__(self, settings: Settings | None = None) -> None:
        import requests

        self.settings = settings or Settings.from_env()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent()
        self._next_start: dict[str, float] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.sleep = time.sleep  # replaceable in tests

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            pause = self._next_start.get(host, 0.0) - time.monotonic()
            if pause > 0:
                self.sleep(pause)
            self._next_start[host] = time.monotonic() + self.settings.delay

    def request(
        self,
        method: str,
        url: str,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a request politely, retrying 429/5xx with backoff; return the last response.

        Connection errors and timeouts are raised as ``requests`` exceptions (callers decide
        whether that is a dead link or a :class:`NetworkError`); they are not retried.
        """
        s = self.settings
        kwargs.setdefault("timeout", (s.connect_timeout, timeout or s.timeout))
        attempts = 1 + max(0, s.retries if retries is None else retries)  # at least one
        for attempt in range(attempts):
            self._wait_turn(url)
            response = self.session.request(method, url, **kwargs)
            if response.status_code not in RETRY_STATUSES or attempt == attempts - 1:
                return response
            wait = retry_after(response.headers.get("Retry-After"))
            if wait is None:
                wait = s.backoff * (2**attempt)
            response.close()
            self.sleep(min(wait, s.retry_after_max))
        raise AssertionError("unreachable")  # pragma: no cover

    def fetch_json(
        self,
        service: str,
        url: str,
        *,
        method: str = "GET",
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        parse: Callable[[Any], T],
    ) -> T:
        """GET or POST ``url``, decode the JSON and return ``parse(value)``, using the cache.

        ``parse`` checks the answer (raising ValueError when it is not what was asked, such as
        Overpass's 200 with "runtime error: Query timed out") and makes the result. Only an
        answer it accepts is cached: a bad one would otherwise be given back for a day. Any
        failure is a NetworkError naming ``service`` and the host, in one line (what it means
        for files is the command's to say)."""
        full = f"{url}?{urlencode(params)}" if params else url
        key = hashlib.sha256(f"{method} {full}\n{urlencode(data or {})}".encode()).hexdigest()
        cached = self._cache_get(key)
        if cached is not None:
            try:
                return parse(cached)
            except ValueError:
                pass  # kept by a version that cached answers unchecked: ask again
        import requests

        host = urlsplit(url).netloc or url
        try:
            response = self.request(method, url, params=params, data=data, headers=headers)
        except requests.RequestException as error:
            raise NetworkError(
                f"cannot reach {service} at {host}: {describe_failure(error)}; "
                "check the network (or the service URL option)"
            ) from None
        if response.status_code != 200:
            status = f"{response.status_code} {response.reason or ''}".rstrip()
            raise BadAnswer(f"{service} at {host} answered {status}")
        try:
            value = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise BadAnswer(f"{service} at {host} answered with malformed JSON") from None
        try:
            result = parse(value)
        except ValueError as error:
            raise BadAnswer(f"{service} at {host} answered unexpectedly ({error})") from None
        self._cache_put(key, full, response.content)
        return result

    # -- the cache: one JSON file per answer, named by the key's hash ---------------------------

    def _cache_file(self, key: str) -> Path:
        return self.settings.cache_dir / f"{key}.json"

    def _cache_get(self, key: str) -> Any:
        if not self.settings.cache:
            return None
        path = self._cache_file(key)
        try:
            entry = orjson.loads(path.read_bytes())
            if time.time() - float(entry["stored"]) > self.settings.cache_ttl:
                path.unlink(missing_ok=True)
                return None
            return orjson.loads(entry["body"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _cache_put(self, key: str, url: str, body: bytes) -> None:
        if not self.settings.cache or len(body) > CACHE_MAX_BYTES:
            return
        directory = self.settings.cache_dir
        try:
            directory.mkdir(parents=True, exist_ok=True)
            entry = {"url": url, "stored": time.time(), "body": body.decode("utf-8")}
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(entry))
            os.replace(tmp, self._cache_file(key))
            self._prune(directory)
        except (OSError, UnicodeDecodeError):
            pass  # a cache that cannot be written is no cache, not an error

    def _prune(self, directory: Path) -> None:
        entries = [e for e in os.scandir(directory) if e.name.endswith(".json")]
        if len(entries) <= CACHE_MAX_FILES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
        for entry in entries[: len(entries) - CACHE_MAX_FILES]:
            Path(entry.path).unlink(missing_ok=True)


# -- link checks -----------------------------------------------------------------------------


@dataclass
class LinkResult:
    url: str
    status: int | None = None
    reason: str = ""
    final_url: str | None = None  # where redirects ended, when that is not the URL asked for
    seconds: float = 0.0
    error: str | None = None  # why no HTTP answer came (timeout, DNS, refused…)

    @property
    def dead(self) -> bool:
        return self.error is not None or (self.status or 0) >= 400

    @property
    def redirected(self) -> bool:
        return self.final_url is not None

    def describe(self, slow: float) -> str | None:
        """What is wrong with the link, or None when it is fine."""
        if self.error:
            return self.error
        problems = []
        if self.dead:
            problems.append(f"{self.status} {self.reason}".rstrip())
        elif self.redirected:
            problems.append(f"redirected to {self.final_url}")
        if self.seconds > slow:
            problems.append(f"slow ({self.seconds:.1f} s)")
        return "; ".join(problems) or None


def _dropped(error: Exception) -> bool:
    """Whether a request failed after the server took it: the server closed the connection or
    answered with something that is not HTTP (not: no such host, refused, unreachable, timed
    out, TLS; a second request would fail the same way)."""
    import requests
    from urllib3.exceptions import ProtocolError

    cause = error.args[0] if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(cause, ProtocolError)


def probe(client: Client, url: str, timeout: float | None = None) -> LinkResult:
    """Request ``url`` with HEAD (redirects followed), then with GET where a GET may be
    answered differently: HEAD refused (403, 405, 501) or dropped by the server."""
    import requests

    def answer(method: str) -> Any:
        response = client.request(
            method, url, timeout=timeout, allow_redirects=True, stream=method == "GET"
        )
        response.close()
        return response

    try:
        try:
            response = answer("HEAD")
            refused = response.status_code in HEAD_REFUSED
        except requests.RequestException as error:
            if not _dropped(error):
                raise
            refused = True
        if refused:
            response = answer("GET")
    except requests.RequestException as error:
        reason = describe_failure(error)
        seconds = timeout or client.settings.timeout
        if isinstance(error, requests.Timeout):
            reason += f" ({seconds:g} s)"
        return LinkResult(url, error=reason, seconds=seconds)
    elapsed = sum((r.elapsed.total_seconds() for r in (*response.history, response)), 0.0)
    asked = (response.history[0] if response.history else response).request.url
    final = response.url if response.url != asked else None  # both as sent: no #fragment
    return LinkResult(url, response.status_code, response.reason or "", final, elapsed)


def check_links(
    urls: list[str],
    client: Client,
    *,
    timeout: float | None = None,
    workers: int = 4,
    progress: Callable[[int], None] | None = None,
) -> dict[str, LinkResult]:
    """Probe each distinct URL once, ``workers`` at a time (politeness still applies per host)."""
    distinct = list(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(probe, client, url, timeout): url for url in distinct}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress:
                progress(1)
    return results
