"""Minimal in-place edits of a JSON text, written in the text's own style.

A :class:`Document` is a JSON text with the offsets of its values (:mod:`symbols._jsonspans`)
and a :class:`Layout` learned from it: line ends, indentation, separators, which containers are
spread over lines and which sit on one, key order, ``ensure_ascii`` or raw UTF-8. New values are
rendered with that layout and spliced in (:class:`Splice`); every other byte is kept.

The layout is learned per *role*: a JSON path with list indices replaced by ``*``, so all events
of all features share one role, ``("features", "*", "properties", "events", "*")``. A new value
is spread over lines the way existing values of its role are (else the way values under the same
last two path steps are, else like its parent). A value inserted into a one-line container stays
on one line. To keep the learning cheap on a large registry, only the top level, the feature being
edited (its votes count most), and the first and last features are looked at.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._jsonspans import Spans, scan

Path = tuple[str | int, ...]
Role = tuple[str, ...]

_WS = re.compile(r"[ \t\n\r]*")
_LINE_INDENT = re.compile(r"[ \t]*")
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
_ESCAPED_NON_ASCII = re.compile(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])[0-9a-fA-F]{2}")
_FOCUS_WEIGHT = 1000
_SAMPLE_HEAD, _SAMPLE_TAIL = 20, 100


def role_of(path: Path) -> Role:
    return tuple("*" if isinstance(step, int) else step for step in path)


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` by ``new``."""

    start: int
    end: int
    new: str


def apply(text: str, splices: Iterable[Splice]) -> str:
    """``text`` with the (non-overlapping) splices made."""
    ordered = sorted(splices, key=lambda s: (s.start, s.end))
    parts, position = [], 0
    for splice in ordered:
        if splice.start < position:
            raise ValueError("overlapping edits")
        parts += [text[position : splice.start], splice.new]
        position = splice.end
    parts.append(text[position:])
    return "".join(parts)


def unified_diff(text: str, splices: Iterable[Splice], labels: tuple[str, str]) -> str:
    """The change the splices make to ``text``, as a unified diff with three lines of context.

    Only the lines around the splices are compared (difflib over a whole registry of 100,000
    features, millions of mostly equal lines, would take minutes); the hunks are numbered as in
    the whole file. Each stretch around some splices is one hunk: its unchanged first and last
    lines are the context (so difflib, which aligns only the changed lines between them, cannot
    pair a context line with a lookalike inside the change and leave a hunk without context)."""
    hunks = []
    for old, new, old_line, new_line in _windows(text, sorted(splices, key=lambda s: s.start)):
        hunks += _hunk(_lines(old), _lines(new), old_line, new_line)
    return f"--- {labels[0]}\n+++ {labels[1]}\n{''.join(hunks)}" if hunks else ""


_CONTEXT = 3


def _hunk(old: list[str], new: list[str], old_line: int, new_line: int) -> list[str]:
    """The unified-diff hunk turning lines ``old`` into ``new``, which start after line
    ``old_line`` of the old text and ``new_line`` of the new one; [] if they are the same."""
    same = min(len(old), len(new))
    head = next((i for i in range(same) if old[i] != new[i]), same)
    tail = next((i for i in range(same - head) if old[-1 - i] != new[-1 - i]), same - head)
    if head == len(old) == len(new):
        return []
    before = old[max(0, head - _CONTEXT) : head]
    after = old[len(old) - tail : len(old) - tail + _CONTEXT]
    changed_old, changed_new = old[head : len(old) - tail], new[head : len(new) - tail]
    body = [" " + line for line in before]
    matcher = difflib.SequenceMatcher(None, changed_old, changed_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            body += [" " + line for line in changed_old[i1:i2]]
        else:
            body += ["-" + line for line in changed_old[i1:i2]]
            body += ["+" + line for line in changed_new[j1:j2]]
    body += [" " + line for line in after]
    first = head - len(before)  # of the hunk, counted from the start of old and new alike
    old_count = len(before) + len(changed_old) + len(after)
    new_count = len(before) + len(changed_new) + len(after)
    header = (
        f"@@ -{_range(old_line + first, old_count)} +{_range(new_line + first, new_count)} @@\n"
    )
    marked = [
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in body
    ]
    return [header, *marked]


def _range(start: int, count: int) -> str:
    """A hunk's line range as unified diffs write it (``start``: lines before it)."""
    if count == 1:
        return str(start + 1)
    return f"{start if count == 0 else start + 1},{count}"


def _windows(text: str, splices: list[Splice]) -> list[tuple[str, str, int, int]]:
    """For each stretch of the text around some splices (with context lines, neighbours
    merged): its text before, after, and the line numbers before it in the old and new text."""
    stretches: list[list[Any]] = []  # [start, end, splices]
    for splice in splices:
        start = _line_start(text, splice.start, _CONTEXT)
        end = _line_end(text, splice.end, _CONTEXT)
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = max(end, stretches[-1][1])
            stretches[-1][2].append(splice)
        else:
            stretches.append([start, end, [splice]])
    windows = []
    counted, old_line, shift = 0, 0, 0  # line numbers counted up to offset ``counted``
    for start, end, inside in stretches:
        old_line += text.count("\n", counted, start)
        counted = start
        old = text[start:end]
        new = apply(old, [Splice(s.start - start, s.end - start, s.new) for s in inside])
        windows.append((old, new, old_line, old_line + shift))
        shift += new.count("\n") - old.count("\n")
    return windows


def _lines(text: str) -> list[str]:
    """The lines of ``text`` with their ends, split at line feeds only, as git and patch do
    (``str.splitlines`` would split a name at a raw U+2028 too)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _line_start(text: str, offset: int, back: int) -> int:
    """Where the line holding ``offset`` starts, ``back`` lines further up."""
    start = text.rfind("\n", 0, offset) + 1
    for _ in range(back):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _line_end(text: str, offset: int, forward: int) -> int:
    """Where the line holding ``offset`` ends (after its line end), ``forward`` lines further."""
    end = offset
    for _ in range(forward + 1):
        newline = text.find("\n", end)
        if newline == -1:
            return len(text)
        end = newline + 1
    return end


class Layout:
    """How a particular JSON text is written, learned from a sample of its containers."""

    def __init__(self, text: str) -> None:
        crlf = text.count("\r\n")
        self.newline = "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
        self.ensure_ascii = text.isascii() and bool(_ESCAPED_NON_ASCII.search(text))
        self.escape_slash = "\\/" in text and '"http://' not in text and '"https://' not in text
        self.multiline: dict[Role, Counter[bool]] = defaultdict(Counter)
        self.units: dict[Role, Counter[str]] = defaultdict(Counter)
        self.kinds: dict[Role, Counter[str]] = defaultdict(Counter)
        self.key_orders: dict[Role, list[tuple[float, list[str]]]] = defaultdict(list)
        self.unit: Counter[str] = Counter()
        self.key_sep: Counter[str] = Counter()
        self.item_sep: Counter[str] = Counter()
        self.pad: Counter[str] = Counter()

    # --- what was learned ----------------------------------------------------------------------

    def spread(self, role: Role) -> bool | None:
        """Whether values of ``role`` are spread over lines (None: no evidence)."""
        for votes in (self.multiline.get(role), self.multiline.get(("~", *role[-2:]))):
            if votes:
                return votes[True] >= votes[False]
        return None

    def indent_unit(self, role: Role) -> str:
        for votes in (self.units.get(role), self.units.get(("~", *role[-2:])), self.unit):
            if votes:
                return votes.most_common(1)[0][0]
        return "  "

    def prefers(self, role: Role, kind: str) -> bool:
        """Whether most existing values of ``role`` are of JSON ``kind`` ("str", "dict", ...)."""
        votes = self.kinds.get(role)
        return bool(votes) and votes.most_common(1)[0][0] == kind

    def order(self, role: Role, keys: list[str]) -> list[str]:
        """``keys`` (in their canonical order) rearranged into the order the file uses."""
        known: list[str] = []
        for _, seen in sorted(self.key_orders.get(role, []), key=lambda pair: -pair[0]):
            for position, key in enumerate(seen):
                if key in known:
                    continue
                after = next((k for k in reversed(seen[:position]) if k in known), None)
                known.insert(known.index(after) + 1 if after is not None else 0, key)
        result = [k for k in known if k in keys]
        for position, key in enumerate(keys):
            if key in result:
                continue
            after = next((k for k in reversed(keys[:position]) if k in result), None)
            result.insert(result.index(after) + 1 if after is not None else 0, key)
        return result

    def ordered(self, role: Role, mapping: Mapping[str, Any]) -> dict[str, Any]:
        """``mapping`` (its keys in their canonical order) with its keys in the file's order."""
        return {k: mapping[k] for k in self.order(role, list(mapping))}

    @property
    def colon(self) -> str:
        return self.key_sep.most_common(1)[0][0] if self.key_sep else ": "

    @property
    def comma(self) -> str:
        if self.item_sep:
            return self.item_sep.most_common(1)[0][0]
        return ", " if self.colon.endswith(" ") else ","

    @property
    def padding(self) -> str:
        return self.pad.most_common(1)[0][0] if self.pad else ""

    @property
    def expands(self) -> bool:
        """Whether the text spreads anything over lines at all."""
        return any(votes[True] for votes in self.multiline.values())

    # --- rendering -----------------------------------------------------------------------------

    def scalar(self, value: Any) -> str:
        text = json.dumps(value, ensure_ascii=self.ensure_ascii, allow_nan=False)
        if self.escape_slash and isinstance(value, str):
            text = text.replace("/", "\\/")
        return text

    def render(self, value: Any, role: Role, indent: str, inline: bool = False) -> str:
        """``value`` as JSON text starting at a line indented by ``indent``."""
        if not isinstance(value, (dict, list)):
            return self.scalar(value)
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        spread = self.spread(role)
        if spread is None:
            spread = self.expands
        if isinstance(value, dict):
            inner = (
                (
                    self.scalar(k),
                    self.render(v, (*role, k), indent + self.indent_unit(role), inline),
                )
                for k, v in value.items()
            )
            items = [f"{k}{self.colon}{v}" for k, v in inner]
            brackets = "{}"
        else:
            unit = self.indent_unit(role)
            items = [self.render(v, (*role, "*"), indent + unit, inline) for v in value]
            brackets = "[]"
        if inline or not spread:
            pad = self.padding
            return brackets[0] + pad + self.comma.join(items) + pad + brackets[1]
        step = self.newline + indent + self.indent_unit(role)
        return brackets[0] + step + ("," + step).join(items) + self.newline + indent + brackets[1]


class Document:
    """A JSON text, its parsed value, the offsets of its values, and its layout."""

    def __init__(self, text: str, data: Any, focus: Path | None = None) -> None:
        self.text = text
        self.data = data
        self.spans: Spans = scan(text)
        self.layout = Layout(text)
        self._learn_sample(focus)

    # --- reading -------------------------------------------------------------------------------

    def value(self, path: Path) -> Any:
        node = self.data
        for step in path:
            node = node[step]
        return node

    def span(self, path: Path) -> tuple[int, int]:
        span = self.spans.value(path)
        if span is None:
            raise KeyError(path)
        return span

    def touched_items(self, path: Path, splices: Iterable[Splice]) -> set[int]:
        """Positions of the items of the list at ``path`` that the splices change (a splice at an
        item's very end counts: it appends to it)."""
        items = self.value(path)
        spans = [self.span((*path, index)) for index in range(len(items))]
        starts = [start for start, _ in spans]
        touched: set[int] = set()
        for splice in splices:
            first = max(bisect.bisect_right(starts, splice.start) - 1, 0)
            last = bisect.bisect_right(starts, splice.end)
            touched.update(
                index
                for index in range(first, last)
                if spans[index][0] <= splice.end and splice.start <= spans[index][1]
            )
        return touched

    def key_start(self, path: Path) -> int:
        start = self.spans.key(path)
        if start is None:
            raise KeyError(path)
        return start

    def line_indent(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        return _LINE_INDENT.match(self.text, start).group()  # type: ignore[union-attr]

    def _one_line(self, path: Path) -> bool:
        start, end = self.span(path)
        return self.text.find("\n", start, end) == -1

    def _members(self, path: Path) -> list[str]:
        """The object's keys in text order."""
        return sorted(self.value(path), key=lambda k: self.key_start((*path, k)))

    # --- edits ---------------------------------------------------------------------------------

    def replace(self, path: Path, new: Any) -> Splice:
        """Replace the value at ``path`` by ``new``."""
        start, end = self.span(path)
        inline = bool(path) and self._one_line(path[:-1])
        rendered = self.layout.render(new, role_of(path), self.line_indent(start), inline)
        return Splice(start, end, rendered)

    def append(self, path: Path, new: Any) -> Splice:
        """Append ``new`` to the list at ``path``."""
        items = self.value(path)
        if not items:
            return self.replace(path, [new])
        start, end = self.span(path)
        last = (*path, len(items) - 1)
        last_start, last_end = self.span(last)
        if len(items) >= 2:
            separator = self.text[self.span((*path, len(items) - 2))[1] : last_start]
        else:
            separator = "," + self.text[start + 1 : last_start]
        indent = self._indent_after(separator, last_end)
        rendered = self.layout.render(new, role_of(last), indent, self._one_line(path))
        return Splice(last_end, last_end, separator + rendered)

    def add_member(self, path: Path, key: str, new: Any) -> Splice:
        """Add ``key: new`` as the last member of the object at ``path`` (key must be new)."""
        keys = self._members(path)
        if not keys:
            return self.replace(path, {key: new})
        start, _ = self.span(path)
        last = (*path, keys[-1])
        last_key = self.key_start(last)
        value_start, value_end = self.span(last)
        if len(keys) >= 2:
            separator = self.text[self.span((*path, keys[-2]))[1] : last_key]
        else:
            separator = "," + self.text[start + 1 : last_key]
        colon = self.text[_scanstring(self.text, last_key + 1)[1] : value_start]
        indent = self._indent_after(separator, value_end)
        rendered = self.layout.render(new, role_of((*path, key)), indent, self._one_line(path))
        return Splice(value_end, value_end, separator + self.layout.scalar(key) + colon + rendered)

    def set_member(self, path: Path, key: str, new: Any) -> Splice:
        if key in self.value(path):
            return self.replace((*path, key), new)
        return self.add_member(path, key, new)

    def _indent_after(self, separator: str, previous_end: int) -> str:
        newline = separator.rfind("\n")
        if newline >= 0:
            return separator[newline + 1 :]
        return self.line_indent(previous_end - 1)

    # --- learning ------------------------------------------------------------------------------

    def _learn_sample(self, focus: Path | None) -> None:
        data = self.data
        if not isinstance(data, dict):
            self._learn(data, (), 1)
            return
        self._learn(data, (), 1, skip="features")
        features = data.get("features")
        if isinstance(features, list):
            self._learn(features, ("features",), 1, skip="*")
            count = len(features)
            sample = set(range(min(count, _SAMPLE_HEAD))) | set(
                range(max(0, count - _SAMPLE_TAIL), count)
            )
            for index in sorted(sample):
                self._learn(features[index], ("features", index), 1)
        if focus is not None and self.spans.value(focus) is not None:
            self._learn(self.value(focus), focus, _FOCUS_WEIGHT)

    def _learn(self, value: Any, path: Path, weight: float, skip: str | None = None) -> None:
        layout, text = self.layout, self.text
        role = role_of(path)
        layout.kinds[role][type(value).__name__] += weight
        if not isinstance(value, (dict, list)) or not value or self.spans.value(path) is None:
            return
        start, end = self.span(path)
        first = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        spread = text.find("\n", start, end) != -1
        for key in (role, ("~", *role[-2:])):
            layout.multiline[key][spread] += weight
        if spread and text.find("\n", start, first) != -1:
            base, own = self.line_indent(start), self.line_indent(first)
            if own.startswith(base):
                unit = own[len(base) :]
                layout.units[role][unit] += weight
                layout.units[("~", *role[-2:])][unit] += weight
                if unit:
                    layout.unit[unit] += weight
        elif not spread:
            layout.pad[text[start + 1 : first]] += weight
        if isinstance(value, dict):
            keys = self._members(path)
            key_end = _scanstring(text, first + 1)[1]
            layout.key_sep[text[key_end : self.span((*path, keys[0]))[0]]] += weight
            if len(keys) > 1 and not spread:
                between = text[self.span((*path, keys[0]))[1] : self.key_start((*path, keys[1]))]
                layout.item_sep[between] += weight
            layout.key_orders[role].append((weight, keys))
            for key in keys:
                if key != skip:
                    self._learn(value[key], (*path, key), weight)
        else:
            if len(value) > 1 and not spread:
                between = text[self.span((*path, 0))[1] : self.span((*path, 1))[0]]
                layout.item_sep[between] += weight
            if skip != "*":
                for index, item in enumerate(value):
                    self._learn(item, (*path, index), weight)
