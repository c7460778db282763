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
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ._jsonspans import Spans, scan
from ._splices import Splice

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
