"""Where each value of a JSON text lies: offsets for error lines and for in-place edits.

The fast path reads JSON with orjson and keeps no positions. When a problem must be reported
with its line, or an edit must touch only a few bytes, this slower scanner walks the same text
and records, for every value, the ``(start, end)`` offsets of the value and, for object members,
the offset where the member's key starts.

Walking a whole 100,000-feature registry in Python takes ten seconds, and an edit or a few
problems need the offsets of a handful of features. So the items of one array (``defer``: a
registry's ``features``) are only delimited when the text is scanned, by the standard library's
C decoder, and each is walked when something inside it is first asked for.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

Path = tuple[str | int, ...]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


@dataclass
class Spans:
    """Offsets of values and member keys by JSON path, as :func:`scan` found them."""

    text: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)
    # the deferred items, by path: (start, end, depth left), until they are walked
    deferred: dict[Path, tuple[int, int, int]] = field(default_factory=dict)
    defer: Path | None = None
    _line_starts: list[int] | None = None

    def value(self, path: Path) -> tuple[int, int] | None:
        """``(start, end)`` of the value at ``path``, None if there is none."""
        self._walk_into(path)
        return self.values.get(path)

    def key(self, path: Path) -> int | None:
        """Where the key of the object member at ``path`` starts, None if there is none."""
        self._walk_into(path)
        return self.keys.get(path)

    def line_of_offset(self, offset: int) -> int:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return bisect.bisect_right(self._line_starts, offset)

    def line(self, path: Path) -> int | None:
        """Line (1-based) of the deepest known part of ``path``: its key, else its value."""
        self._walk_into(path)
        while path:
            if path in self.keys:
                return self.line_of_offset(self.keys[path])
            if path in self.values:
                return self.line_of_offset(self.values[path][0])
            path = path[:-1]
        return self.line_of_offset(self.values[()][0]) if () in self.values else None

    def _walk_into(self, path: Path) -> None:
        """Walk the deferred item that ``path`` lies in (if it does and was not walked yet)."""
        if not self.deferred or self.defer is None or len(path) <= len(self.defer) + 1:
            return  # not inside an item (an item's own span is known without walking it)
        item = path[: len(self.defer) + 1]
        if item in self.deferred:
            start, _, depth = self.deferred.pop(item)
            _value(self.text, start, item, self, depth)


def scan(text: str, max_depth: int = 64, defer: Path | None = ("features",)) -> Spans:
    """Record the spans of the values in ``text``, which must be valid JSON: the items of the
    array at ``defer`` (if there is one) only delimited, each walked when first asked about."""
    spans = Spans(text, defer=defer)
    end = _value(text, _skip(text, 0), (), spans, max_depth)
    if _skip(text, end) != len(text):
        raise ValueError("extra data after the JSON value")
    return spans


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _value(text: str, pos: int, path: Path, spans: Spans, depth: int) -> int:
    char = text[pos : pos + 1]
    if depth <= 0 and char in ("{", "["):
        # deeper than anything worth a line of its own: one span for the whole value, found
        # without recursing (Python's stack is not deep enough for any nesting JSON allows)
        end = _end_of_nested(text, pos)
    elif char == "{":
        end = _object(text, pos, path, spans, depth)
    elif char == "[":
        end = _array(text, pos, path, spans, depth)
    elif char == '"':
        _, end = _scanstring(text, pos + 1, True)
    elif text.startswith("true", pos):
        end = pos + 4
    elif text.startswith("false", pos):
        end = pos + 5
    elif text.startswith("null", pos):
        end = pos + 4
    else:
        match = _NUMBER.match(text, pos)
        if not match:
            raise ValueError(f"unexpected character at offset {pos}")
        end = match.end()
    spans.values[path] = (pos, end)
    return end


_decode_one = json.JSONDecoder().raw_decode


def _deferred_items(text: str, pos: int, path: Path, spans: Spans, depth: int) -> int:
    """Delimit the array's items (from the first, at ``pos``) without walking them."""
    index = 0
    while True:
        if text[pos] in "{[":
            try:  # C speed: decoding a feature costs less than stepping through it in Python
                end = _decode_one(text, pos)[1]
            except RecursionError:  # nested deeper than the C decoder goes
                end = _end_of_nested(text, pos)
            spans.deferred[(*path, index)] = (pos, end, depth)
            spans.values[(*path, index)] = (pos, end)
        else:
            end = _value(text, pos, (*path, index), spans, depth)
        pos = _skip(text, end)
        index += 1
        if text[pos] == "]":
            return pos + 1
        if text[pos] != ",":
            raise ValueError(f"expected , or ] at offset {pos}")
        pos = _skip(text, pos + 1)


_STRING_OR_BRACKET = re.compile(r'["\[\]{}]')


def _end_of_nested(text: str, pos: int) -> int:
    """The end of the object or array starting at ``pos``."""
    depth = 0
    while True:
        match = _STRING_OR_BRACKET.search(text, pos)
        if match is None:
            raise ValueError("unterminated JSON value")
        char, pos = match.group(), match.end()
        if char == '"':
            _, pos = _scanstring(text, pos, True)
        elif char in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos


def _object(text: str, pos: int, path: Path, spans: Spans, depth: int) -> int:
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "}":
        return pos + 1
    while True:
        key_start = pos
        key, pos = _scanstring(text, pos + 1, True)
        member = (*path, key)
        spans.keys[member] = key_start
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1)  # the colon
        pos = _skip(text, _value(text, pos, member, spans, depth - 1))
        if text[pos] == "}":
            return pos + 1
        pos = _skip(text, pos + 1)  # the comma


def _array(text: str, pos: int, path: Path, spans: Spans, depth: int) -> int:
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "]":
        return pos + 1
    if path == spans.defer and depth > 1:
        return _deferred_items(text, pos, path, spans, depth - 1)
    index = 0
    while True:
        pos = _skip(text, _value(text, pos, (*path, index), spans, depth - 1))
        index += 1
        if text[pos] == "]":
            return pos + 1
        pos = _skip(text, pos + 1)
