"""Sources that last, and candidates found for us: link checking, archiving and discovery.

- :func:`run_check` (``symbols sources check``): every source and ``archived`` URL of every event
  is requested once (HEAD, falling back to GET), and dead, redirected and slow links are
  reported per object and event. With ``archive=True`` each source URL is looked up in the
  Wayback Machine and the closest snapshot is written into the source's ``archived`` field
  through :func:`symbols.edit.set_archived` (minimal diff, validated, locked, atomic).
- :func:`run_discover` (``symbols discover``): asks Wikidata and OpenStreetMap (Overpass) for
  objects that depict, commemorate or are named after a subject, drops the ones the registry
  already holds (:func:`held_by` states the rule) and writes the rest to a review GeoJSON. The
  registry itself is never changed.

The HTTP plumbing (timeouts, retries, politeness, cache) is in :mod:`symbols._http`; the query
languages in :mod:`symbols._wikidata` and :mod:`symbols._overpass`. See docs/sources.md.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import orjson

from . import _http, dates
from .errors import NetworkError, SymbolsError
from .registry import Registry, load

CONNECTION_FAILURES = ("host not found", "connection refused", "network unreachable")


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

    Raises NetworkError when the service cannot be reached, ValueError on a bad answer."""
    params = {"url": url}
    day = _day(published)
    if day:
        params["timestamp"] = day.strftime("%Y%m%d")
    try:
        answer = client.fetch_json("the Wayback Machine", base, params=params)
    except _http.BadAnswer as error:
        raise ValueError(str(error).removesuffix("; nothing was written")) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("archived_snapshots"), dict):
        raise ValueError("not a Wayback availability answer")
    closest = answer["archived_snapshots"].get("closest")
    if not isinstance(closest, dict) or not closest.get("available"):
        return None
    snapshot, status = closest.get("url"), str(closest.get("status", "200"))
    if not isinstance(snapshot, str) or not status.startswith("2"):
        return None
    return re.sub(r"^http://web\.archive\.org/", "https://web.archive.org/", snapshot)


def _day(text: str | None) -> Any:
    if not text:
        return None
    try:
        return dates.parse(text).earliest
    except SymbolsError:
        return None


def archive_updates(
    found: list[Citation],
    client: _http.Client,
    base: str,
    *,
    refresh: bool = False,
    workers: int = 4,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[tuple[str, int, int, str]], list[str]]:
    """Snapshots for the sources to archive, and a note for each URL that got none.

    Sources that already have an ``archived`` copy are skipped unless ``refresh``. A service that
    cannot be reached raises NetworkError (so nothing at all is written)."""
    wanted = _to_archive(found, refresh)
    keys = _lookups(wanted)
    snapshots: dict[tuple[str, str | None], str | None] = {}
    notes: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(wayback_snapshot, client, base, *key): key for key in keys}
        for future in as_completed(futures):
            key = futures[future]
            try:
                snapshots[key] = future.result()
            except ValueError as error:
                notes.append(f"archive: {key[0]}: lookup failed ({error}); not written")
            if progress:
                progress(1)
    for key in keys:
        if key in snapshots and snapshots[key] is None:
            notes.append(f"archive: {key[0]}: no snapshot in the Wayback Machine")
    updates = [
        (c.feature, c.event, c.source, snap)
        for c in wanted
        if (snap := snapshots.get((c.url, c.published)))
    ]
    return updates, notes


def _to_archive(found: list[Citation], refresh: bool) -> list[Citation]:
    return [c for c in found if not c.archived_copy and (refresh or not c.has_archived)]


def _lookups(wanted: list[Citation]) -> list[tuple[str, str | None]]:
    return list(dict.fromkeys((c.url, c.published) for c in wanted))


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
) -> int:
    """``symbols sources check``: print the report, maybe archive; return the exit status.

    ``settings`` (default: from the environment, with ``timeout``, ``delay`` and ``cache``)
    tunes the HTTP client; ``dry_run`` looks snapshots up but writes nothing."""
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
            todo = _to_archive(found, refresh_archived)
            with _progress(len(_lookups(todo)), "Looking up snapshots") as step:
                updates, notes = archive_updates(
                    found, client, base, refresh=refresh_archived, workers=workers, progress=step
                )
            for note in notes:
                click.echo(note)
            failed = sum("lookup failed" in note for note in notes)
            written = 0
            if updates:
                from .edit import set_archived

                written = set_archived(registry.path, updates, dry_run=dry_run)
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


def _progress(length: int, label: str) -> Any:
    """A progress bar on stderr when it is a terminal; otherwise a silent stand-in."""
    import contextlib

    if not sys.stderr.isatty() or length == 0:
        return contextlib.nullcontext(lambda n: None)

    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        with click.progressbar(length=length, label=label, file=sys.stderr) as shown:
            yield shown.update

    return bar()


# -- discovering candidates -------------------------------------------------------------------

#: A candidate is the registry's object when within this many metres of it (by the registry
#: object's location_precision) and of a similar name or the same kind; see :func:`held_by`.
MATCH_RADIUS = {"exact": 200.0, "site": 500.0}
NAME_RADIUS = 2000.0  # named streets, places, institutions: similar name within 2 km
NEAR_RADIUS = {"exact": 1000.0, "site": 1000.0, "settlement": 15000.0, "region": 15000.0}
NAMED_KINDS = frozenset({"street-name", "place-name", "institution-name"})
_TRANSLIT = (
    "а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f "
    "х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu я=ya ә=a ғ=g қ=k ң=n ө=o ұ=u ү=u һ=h і=i"
)
_CYRILLIC = dict(pair.split("=") for pair in _TRANSLIT.split())
_OSM_ID = re.compile(r"(?:openstreetmap\.org/)?\b(node|way|relation|[nwr])\s*/?\s*(\d+)", re.I)
_OSM_TYPES = {"n": "node", "w": "way", "r": "relation"}


@dataclass
class Candidate:
    """An object found by Wikidata or OpenStreetMap, before it becomes a review feature."""

    name: str
    lon: float
    lat: float
    kind: str = "other"
    names: dict[str, str] = field(default_factory=dict)  # "name:ru" → text
    place: str | None = None
    wikidata: str | None = None
    osm: str | None = None  # "node/123"
    found_by: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # "depicts", "subject:wikidata", "name"…
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # url, title, publisher
    precision: str = "exact"
    near: list[tuple[str, int]] = field(default_factory=list)  # registry ids, metres away
    aliases: list[str] = field(default_factory=list)  # names of merged duplicates

    @property
    def id(self) -> str:
        if self.wikidata:
            return f"wikidata-{self.wikidata.lower()}"
        return f"osm-{(self.osm or 'unknown').replace('/', '-')}"

    def all_names(self) -> list[str]:
        return [self.name, *self.names.values(), *self.aliases]

    def absorb(self, other: Candidate) -> None:
        """Merge what ``other`` (the same object from another service) adds."""
        if (
            other.osm
            and (not self.osm or self.osm.startswith("way"))
            and other.precision == "exact"
        ):
            self.lon, self.lat = other.lon, other.lat  # a mapped node beats an item's coordinate
        self.wikidata = self.wikidata or other.wikidata
        self.osm = self.osm or other.osm
        self.kind = self.kind if self.kind != "other" else other.kind
        self.place = self.place or other.place
        for key, value in other.names.items():
            self.names.setdefault(key, value)
        self.aliases.extend(n for n in other.all_names() if n not in self.all_names())
        for items, more in ((self.found_by, other.found_by), (self.why, other.why)):
            items.extend(x for x in more if x not in items)
        self.sources.extend(s for s in other.sources if s not in self.sources)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, a)))


def normalize_name(text: str) -> str:
    """Lowercase Latin letters and digits: Cyrillic transliterated, accents and marks dropped."""
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text.casefold())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch if ch.isalnum() else " " for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


def similar_names(first: list[str], second: list[str]) -> bool:
    """Some name of one is like some name of the other (ratio ≥ 0.6, or one contains the other)."""
    for a in filter(None, map(normalize_name, first)):
        for b in filter(None, map(normalize_name, second)):
            if (min(len(a), len(b)) >= 4 and (a in b or b in a)) or difflib.SequenceMatcher(
                None, a, b
            ).ratio() >= 0.6:
                return True
    return False


def osm_key(value: Any) -> str | None:
    """``node/123`` from ``node/123``, ``n123``, ``way 5`` or an openstreetmap.org URL."""
    match = _OSM_ID.search(value) if isinstance(value, str) else None
    if not match:
        return None
    kind = match.group(1).lower()
    return f"{_OSM_TYPES.get(kind, kind)}/{match.group(2)}"


def held_by(candidate: Candidate, registry: Registry) -> tuple[str, str] | None:
    """The registry object that already is ``candidate``, and why; None when it is new.

    The rule, first match wins: the same Wikidata item (property ``wikidata``); the same OSM
    object (property ``osm``); a source citing the candidate's Wikidata or OSM page; within
    200 m of an ``exact`` (500 m of a ``site``) object with a similar name or the same kind;
    for street, place and institution names, a similar name within 2 km.
    """
    for monument in registry:
        if candidate.wikidata and (monument.prop("wikidata") or "").upper() == candidate.wikidata:
            return monument.id, f"same Wikidata item {candidate.wikidata}"
        if candidate.osm and osm_key(monument.prop("osm")) == candidate.osm:
            return monument.id, f"same OSM object {candidate.osm}"
        for event in monument.events:
            for source in event.sources:
                if _cites(source.url, candidate):
                    return monument.id, f"cites {source.url}"
    for monument in registry:
        if monument.lon is None or monument.lat is None:
            continue
        metres = distance_m(candidate.lon, candidate.lat, monument.lon, monument.lat)
        if metres > NAME_RADIUS:
            continue
        names = [v for k, v in monument.properties.items() if _is_name(k) and isinstance(v, str)]
        alike = similar_names(candidate.all_names(), names)
        radius = MATCH_RADIUS.get(monument.prop("location_precision") or "", 0.0)
        if metres <= radius and (alike or candidate.kind == monument.kind != "other"):
            return monument.id, f"{metres:.0f} m away, {'similar name' if alike else 'same kind'}"
        if alike and candidate.kind in NAMED_KINDS and monument.kind in NAMED_KINDS:
            return monument.id, f"similar name {metres:.0f} m away"
    return None


def nearby(candidate: Candidate, registry: Registry) -> list[tuple[str, int]]:
    """Registry objects close enough to be worth comparing by eye: (id, metres)."""
    found = []
    for monument in registry:
        if monument.lon is not None and monument.lat is not None:
            metres = distance_m(candidate.lon, candidate.lat, monument.lon, monument.lat)
            if metres <= NEAR_RADIUS.get(monument.prop("location_precision") or "", 1000.0):
                found.append((monument.id, round(metres)))
    return sorted(found, key=lambda pair: pair[1])


def _cites(url: str, candidate: Candidate) -> bool:
    if candidate.wikidata and re.search(
        rf"wikidata\.org/(?:wiki|entity)/{candidate.wikidata}\b", url, re.I
    ):
        return True
    return bool(candidate.osm and "openstreetmap.org" in url and osm_key(url) == candidate.osm)


def _is_name(key: str) -> bool:
    return key in ("name", "old_name", "alt_name", "official_name") or key.startswith("name:")


def merge(found: list[Candidate]) -> list[Candidate]:
    """One candidate per object: Wikidata items and OSM objects of one thing, street segments."""
    merged: list[Candidate] = []
    for candidate in found:
        for kept in merged:
            if _same(kept, candidate):
                kept.absorb(candidate)
                break
        else:
            merged.append(candidate)
    return merged


def _same(a: Candidate, b: Candidate) -> bool:
    if (a.wikidata and a.wikidata == b.wikidata) or (a.osm and a.osm == b.osm):
        return True
    metres = distance_m(a.lon, a.lat, b.lon, b.lat)
    if metres > NAME_RADIUS:
        return False
    alike = similar_names(a.all_names(), b.all_names())
    if a.kind in NAMED_KINDS and a.kind == b.kind:
        return alike
    return metres <= MATCH_RADIUS["exact"] and (alike or a.kind == b.kind != "other")


def surnames(labels: dict[str, str]) -> list[str]:
    """Name patterns for OSM: each label's surname ("Nazarbayev", "Назарбаев"), transliterated
    too ("Nazarbaev"); a prefix match also finds declined forms ("Назарбаеву")."""
    found: list[str] = []
    for label in labels.values():
        word = label.split(",")[0].strip() if "," in label else (label.split() or [""])[-1]
        for variant in (word, normalize_name(word).title()):
            if len(variant) >= 4 and variant.casefold() not in map(str.casefold, found):
                found.append(variant)
    return found


def to_feature(
    candidate: Candidate, subject: str, subject_label: str, country: str | None, today: str
) -> dict[str, Any]:
    """A registry-shaped feature: valid if copied into the registry as it is."""
    services = " and ".join(
        {"wikidata": "Wikidata", "osm": "OpenStreetMap"}[s] for s in candidate.found_by
    )
    properties: dict[str, Any] = {
        "name": candidate.name,
        **{k: v for k, v in sorted(candidate.names.items()) if v != candidate.name},
        "kind": candidate.kind,
        "subject": subject_label,
        "subject:wikidata": subject,
        "place": candidate.place or "unknown",
        **({"country": country} if country else {}),
        "location_precision": candidate.precision,
        **({"wikidata": candidate.wikidata} if candidate.wikidata else {}),
        **({"osm": candidate.osm} if candidate.osm else {}),
        "candidate": {
            "found": today,
            "found_by": candidate.found_by,
            "matched_by": candidate.why,
            "near": [{"id": i, "metres": m} for i, m in candidate.near],
        },
        "events": [
            {
                "date": f"{today}?",
                "type": "sighting",
                "status": "standing",
                "note": f"listed by {services} on {today} (symbols discover), not seen: "
                "check it, date its history, replace this sighting with sourced events",
                "sources": [
                    {"url": u, "title": t, "publisher": p} for u, t, p in candidate.sources
                ],
            }
        ],
    }
    return {
        "type": "Feature",
        "id": candidate.id,
        "geometry": {"type": "Point", "coordinates": [candidate.lon, candidate.lat]},
        "properties": properties,
    }


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

    def ask_wikidata(query: str, parse: Callable[[Any], Any]) -> Any:
        answer = client.fetch_json(
            "Wikidata", sparql, params={"query": query, "format": "json"}, headers=headers
        )
        return _parsed("Wikidata", sparql, parse, answer)

    labels = ask_wikidata(_wikidata.labels_query(subject), _wikidata.parse_labels)
    label = labels.get("en") or next(iter(labels.values()), subject)
    items = ask_wikidata(_wikidata.items_query(subject, country), _wikidata.parse_items)
    query = _overpass.query(subject, country, names or surnames(labels))
    answer = client.fetch_json("Overpass", overpass, method="POST", data={"data": query})
    objects = _parsed("Overpass", overpass, lambda a: _overpass.parse(a, subject), answer)
    new, held = [], []
    for candidate in sorted(merge([*items, *objects]), key=lambda c: c.id):
        match = held_by(candidate, registry)
        if match:
            held.append((candidate, *match))
        else:
            candidate.near = nearby(candidate, registry)
            new.append(candidate)
    return label, new, held


def _parsed(service: str, url: str, parse: Callable[[Any], Any], answer: Any) -> Any:
    try:
        return parse(answer)
    except ValueError as error:
        host = urlsplit(url).netloc or url
        raise NetworkError(
            f"{service} at {host} answered unexpectedly ({error}); nothing was written"
        ) from None


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
    from ._atomic import target, write_atomic

    try:
        subject = _wikidata.check_qid(subject)
    except ValueError as error:
        raise SymbolsError(str(error)) from None
    country = country.upper() if country else None
    registry = load(path)
    out = out or Path(f"discovered-{subject}.geojson")
    if target(out) == target(registry.path):
        raise SymbolsError(f"{out}: discover never writes the registry; choose another --out")
    settings = settings or _settings(timeout, delay, cache)
    with _http.Client(settings) as client:
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
    features = [to_feature(c, subject, label, country, today) for c in new]
    collection = {"type": "FeatureCollection", "features": features}
    write_atomic(target(out), orjson.dumps(collection, option=orjson.OPT_INDENT_2) + b"\n")
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
