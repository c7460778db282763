"""Editing the registry in place: sightings, events, new objects, archived source links.

Every edit here looks like a careful person's edit of the file (see docs/editing.md):

* **In place, in the file's style.** The new event, member or feature is rendered the way the
  file already writes such values (indentation, one feature per line, separators, CRLF, BOM,
  raw UTF-8 or ``\\u`` escapes, key order; see :mod:`symbols._jsonedit`) and spliced in; every
  other byte stays as it was. Events are appended to the object's ``events`` (created if absent,
  as the last property); new objects are appended to ``features``.
* **Validated first.** The edited text is checked with :func:`symbols.validate.check` before it
  is written. The edit is refused (:class:`~symbols.errors.EditError`, the file byte-identical)
  if it brings any *new* error; errors the file already had are reported but do not block an
  unrelated edit. Some refusals are explained before that: unknown ids (with close ids), future
  dates, non-http(s) URLs, a sighting contradicted by a certain later event, unknown places.
* **Locked and atomic** (:mod:`symbols._atomic`): the read-modify-write holds the registry's
  lock, so concurrent edits all land; the write is a temporary file, fsync and rename, so an
  interrupted edit leaves the old file. ``dry_run`` computes the same result, writes nothing and
  takes no lock.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Day
from pathlib import Path
from typing import Any

from . import _atomic, dates
from ._editinput import (
    FEATURE,
    PROPERTIES,
    SOURCE,
    NewEvent,
    Where,
    check_event,
    contradiction,
    event_json,
    feature_index,
    feature_indexes,
    new_location,
    object_properties,
    parsed_event,
    refuse_duplicate,
)
from ._jsonedit import Document
from ._splices import Splice, apply, unified_diff
from ._values import url_problem
from .errors import EditError, OutputError, Problem
from .registry import Registry, decode, from_text, read_bytes, read_text
from .validate import check

__all__ = ["EditResult", "NewEvent", "add_event", "add_object", "add_sighting", "set_archived"]

BOM = "\ufeff"


@dataclass
class EditResult:
    """What an edit did (or, for a dry run, would do)."""

    path: Path
    before: str  # the file's text before (without a BOM)
    after: str  # and after the edit
    written: bool
    summary: str
    notes: list[str] = field(default_factory=list)  # things worth telling the user
    warnings: list[Problem] = field(default_factory=list)  # new warnings the edit brings
    splices: list[Splice] = field(default_factory=list, repr=False)  # before -> after
    skipped: int = 0  # set_archived: updates not made, their source having changed meanwhile
    bom: bool = False  # the file starts with a byte order mark (not in before and after)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def count(self) -> int:
        """How many places in the text were changed."""
        return len(self.splices)

    def diff(self) -> str:
        """The change as a unified diff (``a/PATH``, ``b/PATH`` for a relative path: ``git apply``
        takes it), in the file's line ends."""
        if not self.bom:
            return unified_diff(self.before, self.splices, self._labels())
        # the file's first line starts with the BOM: so must the diff's, for it to apply
        shifted = [Splice(s.start + 1, s.end + 1, s.new) for s in self.splices]
        return unified_diff(BOM + self.before, shifted, self._labels())

    def _labels(self) -> tuple[str, str]:
        shown = self.path.as_posix()
        return (shown, shown) if self.path.is_absolute() else (f"a/{shown}", f"b/{shown}")


Wait = Callable[[str], None] | None


def add_sighting(
    registry: Path | str,
    feature_id: str,
    *,
    date: str,
    status: str,
    sources: Sequence[str],
    titles: Sequence[str] = (),
    note: str | None = None,
    dry_run: bool = False,
    today: Day | None = None,
    on_wait: Wait = None,
) -> EditResult:
    """Record that object ``feature_id`` was seen in ``status`` on ``date`` (EDTF)."""
    event = NewEvent("sighting", date, sources, titles, status, note)
    return add_event(registry, feature_id, event, dry_run=dry_run, today=today, on_wait=on_wait)


def add_event(
    registry: Path | str,
    feature_id: str,
    event: NewEvent,
    *,
    dry_run: bool = False,
    today: Day | None = None,
    on_wait: Wait = None,
) -> EditResult:
    """Append ``event`` to the events of object ``feature_id``."""
    day = today or dates.today()
    where = Where(registry, feature_id)
    check_event(event, day, where)

    def build(doc_for: Callable[[Any], Document], registry: Registry) -> _Plan:
        index = feature_index(registry, feature_id)
        monument = registry.features[index]
        raw = registry.data["features"][index]
        properties = raw.get("properties") if isinstance(raw, dict) else None
        if not isinstance(properties, dict):
            raise where.refuse("properties", "not an object; fix it by hand first")
        events = properties.get("events")
        if events is not None and not isinstance(events, list):
            raise where.refuse("events", "not a list; fix it by hand first")
        new = parsed_event(event)
        refuse_duplicate(where, monument, new)
        problem = contradiction(monument, new)
        if problem:
            raise where.refuse(None, f"{problem}; nothing was written")
        doc = doc_for(("features", index))
        rendered = event_json(doc, event, day)
        base = ("features", index, "properties")
        if events is None:
            splice = doc.add_member(base, "events", [rendered])
        else:
            splice = doc.append((*base, "events"), rendered)
        number = len(events or [])
        what = f"a sighting ({event.status})" if event.type == "sighting" else f"'{event.type}'"
        summary = f"{feature_id}: recorded {what} on {event.date} as events[{number}]"
        return _Plan([splice], summary, feature_id=feature_id)

    return _edit(registry, build, dry_run, day, on_wait)


def set_archived(
    path: Path | str,
    updates: Sequence[tuple[str, int, int, str, str]],
    *,
    dry_run: bool = False,
    on_wait: Wait = None,
) -> EditResult:
    """Write web-archive links into sources: each update is ``(feature id, event index, source
    index, source URL, archived URL)``. A source written as a plain URL string becomes
    ``{"url": ..., "archived": ...}`` (rendered in the file's style); an object source gets its
    ``archived`` member set (added as its last member, or its value replaced). Updates that
    change nothing are skipped; for the same source the last update wins.

    The source URL is the one the archived link was looked up for: an update whose source no
    longer has it (the registry was edited while the snapshots were looked up, and the position
    now holds another source) is skipped with a note in the result (and counted in its
    ``skipped``), so that no link lands on the wrong source. All other updates are one edit:
    validated, locked, atomic, minimal diff, and refused as a whole (EditError, file untouched)
    if any names an unknown id, event or source, or an archived URL that is not http(s). The
    result's ``count`` is the number of sources changed (0: nothing written)."""
    wanted = {(fid, e, s): (cited, url) for fid, e, s, cited, url in updates}
    for (fid, e, s), (_, url) in wanted.items():
        if e < 0 or s < 0:  # Python would count from the end of the list
            raise Where(path, fid).refuse(
                f"events[{e}].sources[{s}]",
                "no such source (positions count from 0); nothing was written",
            )
        problem = url_problem(url)
        if problem:
            raise Where(path, fid).refuse(
                f"events[{e}].sources[{s}].archived", f"{problem}; nothing was written"
            )

    def build(doc_for: Callable[[Any], Document], registry: Registry) -> _Plan:
        doc = doc_for(None)
        splices: list[Splice] = []
        notes: list[str] = []  # one for each update skipped
        positions = feature_indexes(registry, (fid for fid, _, _ in wanted))
        for (fid, e, s), (cited, url) in wanted.items():
            index = positions[fid]
            source_path = ("features", index, "properties", "events", e, "sources", s)
            try:
                source = doc.value(source_path)
            except (KeyError, IndexError, TypeError):
                raise Where(path, fid).refuse(
                    f"events[{e}].sources[{s}]", "no such source; nothing was written"
                ) from None
            now = source.get("url") if isinstance(source, dict) else source
            if now != cited:
                notes.append(
                    f"archive: {fid}: events[{e}].sources[{s}] is no longer {cited} (the "
                    "registry changed during the lookups); its archived link was not written"
                )
            elif isinstance(source, str):
                new = doc.layout.ordered(SOURCE, {"url": source, "archived": url})
                splices.append(doc.replace(source_path, new))
            elif isinstance(source, dict) and source.get("archived") != url:
                splices.append(doc.set_member(source_path, "archived", url))
        summary = f"archived links written into {len(splices)} sources"
        return _Plan(splices, summary, notes, skipped=len(notes))

    return _edit(path, build, dry_run, dates.today(), on_wait)


def add_object(
    registry: Path | str,
    feature_id: str,
    *,
    name: str,
    kind: str,
    subject: str,
    place: str,
    lon: float | None = None,
    lat: float | None = None,
    precision: str | None = None,
    country: str | None = None,
    region: str | None = None,
    subject_wikidata: str | None = None,
    names: Mapping[str, str] | None = None,
    notes: str | None = None,
    event: NewEvent | None = None,
    dry_run: bool = False,
    today: Day | None = None,
    on_wait: Wait = None,
) -> EditResult:
    """Append a new object (a Point feature) to the registry.

    With ``lon`` and ``lat`` the point is stored as given and ``precision`` is required. Without
    them ``place`` is looked up in the gazetteer (:func:`symbols.geo.lookup_place`, any script
    or spelling; PlaceError listing candidates if unknown or ambiguous): the point is the
    settlement's centre, precision ``settlement``, ``place`` the gazetteer's name. ``country``
    (either case) defaults to the country of the region the point lies in, and must be that
    country when given and the region is known. ``region`` is stored only when
    given (it is otherwise derived from the geometry). ``names`` maps language codes to names
    (``{"kk": ...}`` becomes ``name:kk``). ``event``, if given, is the object's first event."""
    day = today or dates.today()
    where = Where(registry, feature_id)
    location = new_location(place, lon, lat, precision, country, region, where)
    values = object_properties(
        feature_id, name, kind, subject, location, subject_wikidata, names or {}, notes, where
    )
    if event is not None:
        check_event(event, day, where)

    def build(doc_for: Callable[[Any], Document], registry: Registry) -> _Plan:
        taken = [i for i, m in enumerate(registry.features) if m.id == feature_id]
        if taken:
            other = registry.features[taken[0]]
            raise Where(registry.path).refuse(
                None, f"id {feature_id!r} is taken by feature #{taken[0] + 1} ({other.name})"
            )
        doc = doc_for(None)
        layout = doc.layout
        properties = dict(values, events=[event_json(doc, event, day)] if event else [])
        point = {"type": "Point", "coordinates": [location.lon, location.lat]}
        feature = layout.ordered(
            FEATURE,
            {
                "type": "Feature",
                "id": feature_id,
                "geometry": layout.ordered((*FEATURE, "geometry"), point),
                "properties": layout.ordered(PROPERTIES, properties),
            },
        )
        splice = doc.append(("features",), feature)
        summary = (
            f"added {feature_id} ({kind}, {location.place}) as feature "
            f"#{len(registry.features) + 1}"
        )
        return _Plan(
            [splice], summary, list(location.notes), feature_id=feature_id if event else None
        )

    return _edit(registry, build, dry_run, day, on_wait)


# --- the edit itself ---------------------------------------------------------------------------


@dataclass
class _Plan:
    splices: list[Splice]
    summary: str
    notes: list[str] = field(default_factory=list)
    feature_id: str | None = None
    skipped: int = 0


Builder = Callable[[Callable[[Any], Document], Registry], _Plan]


def _edit(
    registry: Path | str, build: Builder, dry_run: bool, today: Day, on_wait: Wait
) -> EditResult:
    shown = Path(registry)
    path = _atomic.target(shown)
    if not path.is_file():
        read_text(path)  # raises the usual located error: file not found, a directory, ...
    lock = contextlib.nullcontext() if dry_run else _atomic.locked(path, on_wait=on_wait)
    with lock:
        raw = read_bytes(path)
        text, bom = decode(path, raw), raw.startswith(BOM.encode())
        del raw
        planned = _planned(shown, text, build, today)
        plan, after_text = planned.plan, planned.after_text
        summary, notes = plan.summary, list(plan.notes)
        warnings: list[Problem] = []
        if after_text != text:
            verified = _verify(planned, shown, today)
            notes += verified.notes
            warnings = verified.warnings
            if verified.status:
                summary += f"; {verified.status}"
        if not dry_run and after_text != text:
            try:
                _atomic.write_atomic(path, (BOM if bom else "").encode() + after_text.encode())
            except OutputError as error:
                raise EditError(f"{error}; the registry was left as it was") from None
    written = not dry_run and after_text != text
    return EditResult(
        shown,
        text,
        after_text,
        written,
        summary,
        notes,
        warnings,
        plan.splices,
        plan.skipped,
        bom,
    )


def _key(problem: Problem) -> tuple:
    return (problem.severity, problem.feature, problem.field, problem.message)


@dataclass(frozen=True)
class _Verified:
    """What checking an edited text found, besides new errors (which refuse the edit)."""

    warnings: list[Problem]  # new warnings the edit brings
    notes: list[str]  # about errors the file already had
    status: str | None  # the edited object's status today, for the summary


@dataclass(frozen=True)
class _Planned:
    """An edit planned on the file as it was, with what the check of the file before it found."""

    plan: _Plan
    after_text: str
    count: int  # of features before the edit
    changed: set[int] | None  # positions of the features the edit changes, if known
    old: list[Problem]  # the problems of those features before (of all, if not known)


def _planned(shown: Path, text: str, build: Builder, today: Day) -> _Planned:
    """Plan the edit on ``text`` and check the features it changes as they were. The parsed
    file is dropped on return, before the new text is parsed: at 100,000 objects the two would
    take 1.3 GB, and the second one's memory comes slower from the system than reused memory."""
    before = from_text(shown, text)
    made: list[Document] = []

    def doc_for(focus: Any) -> Document:
        made.append(Document(text, before.data, focus))
        return made[-1]

    plan = build(doc_for, before)
    after_text = apply(text, plan.splices)
    changed = made[0].touched_items(("features",), plan.splices) if made else None
    # compared with the problems after by what they say, never shown: no line numbers
    old = check(before, today=today, only=changed, lines=False) if after_text != text else []
    return _Planned(plan, after_text, len(before), changed, old)


def _verify(planned: _Planned, shown: Path, today: Day) -> _Verified:
    """Refuse the edit if the new text brings errors; say what else it brings: its new warnings,
    the errors the file already had, and the status of the edited object today.

    When the edit's changed features are known, only those (and the features it adds) are
    checked before and after, for what the edit brings: the others are the same JSON at the
    same position, with the same problems. The errors the file already had are then those of
    one check of the new text."""
    after = from_text(shown, planned.after_text)
    changed = planned.changed
    if changed is not None:
        changed = changed | set(range(planned.count, len(after)))  # and the features added
    old = planned.old
    new = check(after, today=today, only=changed)
    fresh = Counter(_key(p) for p in new) - Counter(_key(p) for p in old)
    added = []
    for problem in new:
        if fresh[_key(problem)] > 0:
            fresh[_key(problem)] -= 1
            added.append(problem)
    errors = [p for p in added if p.severity == "error"]
    if errors:
        reasons = "; ".join(_describe(p) for p in errors)
        raise EditError(f"{shown}: {reasons}; nothing was written")
    notes = []
    standing = _errors(old)
    if changed is not None:
        # the unchanged features have the errors they had: those of the new text, but the
        # changed ones' own (an edit may settle an error, as a 'restored' event does)
        everywhere = check(after, today=today, warnings=False, lines=False)
        standing += _errors(everywhere) - _errors(new)
    if standing:
        notes.append(
            f"note: {shown} already had {standing} error{'s' * (standing != 1)} before this edit "
            "(not caused by it); `symbols validate` lists them"
        )
    status = None
    feature_id = planned.plan.feature_id
    if feature_id is not None:
        now = after.by_id[feature_id].history.status_on(today)
        if now is not None:
            since = after.by_id[feature_id].events[now.event].date
            certainty = "" if now.certain else ", not certain"
            status = f"status on {today}: {now.status} since {since}{certainty}"
    return _Verified([p for p in added if p.severity == "warning"], notes, status)


def _errors(problems: list[Problem]) -> int:
    return sum(p.severity == "error" for p in problems)


def _describe(problem: Problem) -> str:
    parts = [f"feature {problem.feature}"] if problem.feature else []
    if problem.field:
        parts.append(problem.field)
    return ": ".join([*parts, problem.message])
