"""Sources that last, and candidates found for us: link checking, archiving and discovery.

- :func:`run_check` (``symbols sources check``): every source and ``archived`` URL of every event
  is requested once (HEAD, falling back to GET), and dead, redirected and slow links are
  reported per object and event. With ``archive=True`` each source URL is looked up in the
  Wayback Machine and the closest snapshot is written into the source's ``archived`` field
  through :func:`symbols.edit.set_archived` (minimal diff, validated, locked, atomic).
- :func:`run_discover` (``symbols discover``): asks Wikidata and OpenStreetMap (Overpass) for
  objects that depict, commemorate or are named after a subject, drops the ones the registry
  already holds (:func:`symbols._candidates.held_by` states the rule) and writes the rest to
  a review GeoJSON. The registry itself is never changed.

The HTTP plumbing (timeouts, retries, politeness, cache, probing a link) is in
:mod:`symbols._http`; the query languages in :mod:`symbols._wikidata` and
:mod:`symbols._overpass`; candidates, their merging and the matching rule in
:mod:`symbols._candidates`. See docs/sources.md.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
import orjson

from . import _http, dates
from ._candidates import (
    Candidate,
    held_by,
    merge,
    nearby,
    subject_words,
    surnames,
    to_feature,
)
from ._values import country_code, url_problem
from .errors import NetworkError, SymbolsError
from .registry import Registry, load

CONNECTION_FAILURES = ("host not found", "connection refused", "network unreachable")
T = TypeVar("T")


# -- checking links ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """One place a URL is cited: a source's ``url`` (or its ``archived`` copy) in an event."""

    feature: str
    event: int
    label: str  # "removed 2024-01-12"
    source: int
    url: str
    archived_copy: bool = False  # True: this is the source's ``archived`` URL
    published: str | None = None
    has_archived: bool = False


def citations(registry: Registry) -> list[Citation]:
    """Every cited URL in file order: each source's ``url`` and, when present, its ``archived``."""
    found = []
    for monument in registry:
        for e, event in enumerate(monument.events):
            label = f"{event.type} {event.date}".strip()
            for s, source in enumerate(event.sources):
                common = {"feature": monument.id, "event": e, "label": label, "source": s}
                if source.url:
                    found.append(
                        Citation(
                            **common,
                            url=source.url,
                            published=source.published,
                            has_archived=bool(source.archived),
                        )
                    )
                if source.archived:
                    found.append(Citation(**common, url=source.archived, archived_copy=True))
    return found


def _network_down(results: dict[str, _http.LinkResult]) -> bool:
    """No link answered, none was merely slow, and they were on at least two hosts."""
    hosts = {urlsplit(url).netloc for url in results}
    failures = [r.error or "" for r in results.values()]
    return len(hosts) >= 2 and all(f.startswith(CONNECTION_FAILURES) for f in failures)


# -- archiving --------------------------------------------------------------------------------


def wayback_snapshot(
    client: _http.Client, base: str, url: str, published: str | None = None
) -> str | None:
    """The closest Wayback Machine snapshot of ``url`` (to ``published`` when given), or None.

    Raises NetworkError when the service cannot be reached, ValueError on a bad answer (a
    snapshot link that is not a good http(s) URL too: that lookup failed, the others stand)."""
    params = {"url": url}
    day = _day(published)
    if day:
        params["timestamp"] = day.strftime("%Y%m%d")
    try:
        return client.fetch_json(
            "the Wayback Machine", base, params=params, parse=_closest_snapshot
        )
    except _http.BadAnswer as error:
        raise ValueError(str(error)) from None


def _closest_snapshot(answer: Any) -> str | None:
    """The snapshot link in a Wayback availability answer, or None when there is none;
    ValueError when it is not such an answer or its link is not a good http(s) URL."""
    if not isinstance(answer, dict) or not isinstance(answer.get("archived_snapshots"), dict):
        raise ValueError("not a Wayback availability answer")
    closest = answer["archived_snapshots"].get("closest")
    if not isinstance(closest, dict) or not closest.get("available"):
        return None
    snapshot, status = closest.get("url"), str(closest.get("status", "200"))
    if not isinstance(snapshot, str) or not status.startswith("2"):
        return None
    snapshot = re.sub(r"^http://web\.archive\.org/", "https://web.archive.org/", snapshot)
    problem = url_problem(snapshot)
    if problem:
        raise ValueError(f"a bad snapshot link: {problem}")
    return snapshot


def _day(text: str | None) -> Any:
    if not text:
        return None
    try:
        return dates.parse(text).earliest
    except SymbolsError:
        return None


Lookup = tuple[str, str | None]  # a source URL and its published date
Update = tuple[str, int, int, str, str]  # feature id, event, source, source URL, snapshot


@dataclass(frozen=True)
class ToArchive:
    """The sources to give an ``archived`` link (file order), and the snapshot lookups they
    need: each (URL, published date) once."""

    sources: list[Citation]
    lookups: list[Lookup]

    @classmethod
    def of(cls, found: list[Citation], refresh: bool = False) -> ToArchive:
        """The sources among ``found``: those with no ``archived`` copy yet, or all with
        ``refresh``."""
        wanted = [c for c in found if not c.archived_copy and (refresh or not c.has_archived)]
        return cls(wanted, list(dict.fromkeys((c.url, c.published) for c in wanted)))


@dataclass(frozen=True)
class Snapshots:
    """What the lookups found: the updates for :func:`symbols.edit.set_archived`, the lookups
    that failed (URL, why) and the URLs with no snapshot, both in lookup order."""

    updates: list[Update]
    failed: list[tuple[str, str]]
    missing: list[str]

    def notes(self) -> list[str]:
        """A line for each URL that got no snapshot."""
        return [
            *(f"archive: {url}: lookup failed ({why}); not written" for url, why in self.failed),
            *(f"archive: {url}: no snapshot in the Wayback Machine" for url in self.missing),
        ]


def archive_updates(
    todo: ToArchive,
    client: _http.Client,
    base: str,
    *,
    workers: int = 4,
    progress: Callable[[int], None] | None = None,
) -> Snapshots:
    """Look up the closest snapshot of each source in ``todo`` (``workers`` at a time).

    A service that cannot be reached raises NetworkError (so nothing at all is written)."""
    found: dict[Lookup, str | None] = {}
    errors: dict[Lookup, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(wayback_snapshot, client, base, *k): k for k in todo.lookups}
        for future in as_completed(futures):
            key = futures[future]
            try:
                found[key] = future.result()
            except ValueError as error:
                errors[key] = str(error)
            if progress:
                progress(1)
    return Snapshots(
        updates=[
            (c.feature, c.event, c.source, c.url, snapshot)
            for c in todo.sources
            if (snapshot := found.get((c.url, c.published)))
        ],
        failed=[(key[0], errors[key]) for key in todo.lookups if key in errors],
        missing=[key[0] for key in todo.lookups if key in found and found[key] is None],
    )


def run_check(
    path: Path,
    *,
    archive: bool = False,
    refresh_archived: bool = False,
    dry_run: bool = False,
    timeout: float = 10.0,
    slow: float = 5.0,
    workers: int = 4,
    delay: float | None = None,
    cache: bool = True,
    wayback_url: str | None = None,
    settings: _http.Settings | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> int:
    """``symbols sources check``: print the report, maybe archive; return the exit status.

    ``settings`` (default: from the environment, with ``timeout``, ``delay`` and ``cache``)
    tunes the HTTP client; ``dry_run`` looks snapshots up but writes nothing; ``on_wait`` is
    told when writing the archived links waits for another edit (as in :mod:`symbols.edit`)."""
    registry = load(path)
    found = citations(registry)
    urls = [c.url for c in found]
    started = time.monotonic()
    settings = settings or _settings(timeout, delay, cache)
    with _http.Client(settings) as client:
        with _progress(len(set(urls)), "Checking links") as step:
            results = _http.check_links(
                urls, client, timeout=timeout, workers=workers, progress=step
            )
        if _network_down(results):
            raise NetworkError(
                f"none of the {len(results)} links could be reached "
                f"({next(iter(results.values())).error}): is the network down? nothing was written"
            )
        for c in found:
            problem = results[c.url].describe(slow)
            if problem:
                what = f"archived {c.url}" if c.archived_copy else c.url
                click.echo(f"feature {c.feature}: events[{c.event}] ({c.label}): {what}: {problem}")
        dead = sum(r.dead for r in results.values())
        redirected = sum(r.redirected and not r.dead for r in results.values())
        slow_count = sum(r.seconds > slow and not r.error for r in results.values())
        failed = 0
        if archive:
            base = _http.endpoint("wayback", wayback_url)
            todo = ToArchive.of(found, refresh_archived)
            with _progress(len(todo.lookups), "Looking up snapshots") as step, _nothing_written():
                snapshots = archive_updates(todo, client, base, workers=workers, progress=step)
            for note in snapshots.notes():
                click.echo(note)
            failed = len(snapshots.failed)
            written = 0
            if snapshots.updates:
                from .edit import set_archived

                edited = set_archived(
                    registry.path, snapshots.updates, dry_run=dry_run, on_wait=on_wait
                )
                written = edited.count
                for note in edited.notes:
                    click.echo(note)
                failed += edited.skipped  # sources that moved while the snapshots were looked up
            done = "would be written (dry run)" if dry_run else "written"
            click.echo(f"archive: {written} archived links {done} to {registry.path}", err=True)
    click.echo(
        f"{registry.path}: {len(results)} links checked ({len(found)} citations) in "
        f"{time.monotonic() - started:.1f} s: {dead} dead, {redirected} redirected, "
        f"{slow_count} slow (over {slow:g} s)",
        err=True,
    )
    return 1 if dead or failed else 0


def _settings(timeout: float, delay: float | None, cache: bool) -> _http.Settings:
    """The environment's settings, with what the command line says (``cache=True``: as the
    environment says)."""
    return _http.Settings.from_env(timeout=timeout, delay=delay, cache=None if cache else False)


@contextlib.contextmanager
def _nothing_written() -> Iterator[None]:
    """A service that failed ends the command before it writes anything: say so (the HTTP
    layer cannot know)."""
    try:
        yield
    except NetworkError as error:
        raise type(error)(f"{error}; nothing was written") from None


def _progress(length: int, label: str) -> Any:
    """A progress bar on stderr when it is a terminal; otherwise a silent stand-in."""
    if not sys.stderr.isatty() or length == 0:
        return contextlib.nullcontext(lambda n: None)

    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        with click.progressbar(length=length, label=label, file=sys.stderr) as shown:
            yield shown.update

    return bar()


# -- discovering candidates -------------------------------------------------------------------


def discover(
    registry: Registry,
    subject: str,
    client: _http.Client,
    *,
    country: str | None = None,
    names: list[str] | None = None,
    wikidata_url: str | None = None,
    overpass_url: str | None = None,
) -> tuple[str, list[Candidate], list[tuple[Candidate, str, str]]]:
    """The subject's label, the new candidates, and the held ones with (registry id, reason)."""
    from . import _overpass, _wikidata

    sparql = _http.endpoint("wikidata", wikidata_url)
    overpass = _http.endpoint("overpass", overpass_url)
    headers = {"Accept": "application/sparql-results+json"}

    def ask_wikidata(query: str, parse: Callable[[Any], T]) -> T:
        return client.fetch_json(
            "Wikidata",
            sparql,
            params={"query": query, "format": "json"},
            headers=headers,
            parse=parse,
        )

    labels = ask_wikidata(_wikidata.labels_query(subject), _wikidata.parse_labels)
    label = labels.get("en") or next(iter(labels.values()), subject)
    items = ask_wikidata(_wikidata.items_query(subject, country), _wikidata.parse_items)
    query = _overpass.query(subject, country, names or surnames(labels))
    objects = client.fetch_json(
        "Overpass",
        overpass,
        method="POST",
        data={"data": query},
        parse=lambda answer: _overpass.parse(answer, subject),
    )
    new, held = [], []
    ignore = subject_words([*labels.values(), *(names or [])])
    for candidate in sorted(merge([*items, *objects], ignore), key=lambda c: c.id):
        match = held_by(candidate, registry, ignore)
        if match:
            held.append((candidate, *match))
        else:
            candidate.near = nearby(candidate, registry)
            new.append(candidate)
    return label, new, held


def write_review(out: Path, features: list[dict[str, Any]]) -> Path:
    """Write discover's review GeoJSON (atomic, folders made); return ``out``."""
    from ._atomic import write_output

    collection = {"type": "FeatureCollection", "features": features}
    data = orjson.dumps(collection, option=orjson.OPT_INDENT_2) + b"\n"
    # durable, unlike maps and reports: the candidates came over the network and may not come
    # back the same
    return write_output(out, data, durable=True)


def run_discover(
    path: Path,
    subject: str,
    *,
    country: str | None = None,
    out: Path | None = None,
    names: list[str] | None = None,
    wikidata_url: str | None = None,
    overpass_url: str | None = None,
    timeout: float = 120.0,
    delay: float | None = None,
    cache: bool = True,
    settings: _http.Settings | None = None,
) -> int:
    """``symbols discover``: write the review file and print what was found; exit status."""
    from . import _wikidata
    from ._atomic import target

    try:
        subject = _wikidata.check_qid(subject)
        country = country_code(country) if country is not None else None
    except ValueError as error:
        raise SymbolsError(str(error)) from None
    registry = load(path)
    out = out or Path(f"discovered-{subject}.geojson")
    if target(out) == target(registry.path):
        raise SymbolsError(f"{out}: discover never writes the registry; choose another --out")
    settings = settings or _settings(timeout, delay, cache)
    with _http.Client(settings) as client, _nothing_written():
        label, new, held = discover(
            registry,
            subject,
            client,
            country=country,
            names=names,
            wikidata_url=wikidata_url,
            overpass_url=overpass_url,
        )
    today = dates.today().isoformat()
    write_review(out, [to_feature(c, subject, label, country, today) for c in new])
    for candidate, feature_id, reason in held:
        click.echo(f"held: {candidate.id} ({candidate.name}) is feature {feature_id}: {reason}")
    for candidate in new:
        near = f"; near {', '.join(i for i, _ in candidate.near)}" if candidate.near else ""
        click.echo(
            f"new: {candidate.id}: {candidate.name} ({candidate.kind}, "
            f"{candidate.lat:.5f}, {candidate.lon:.5f}; {'+'.join(candidate.found_by)}){near}"
        )
    click.echo(
        f"{out}: {len(new)} candidates for {label} ({subject}) written for review; "
        f"{len(held)} already in {registry.path}",
        err=True,
    )
    return 0
