"""Splices of a text (replace ``text[start:end]`` by new text): applying them, and the unified
diff they make, computed from the lines around them only (an edit's ``--dry-run``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple


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
    for window in _windows(text, sorted(splices, key=lambda s: s.start)):
        hunks += _hunk(window)
    return f"--- {labels[0]}\n+++ {labels[1]}\n{''.join(hunks)}" if hunks else ""


_CONTEXT = 3


class _Window(NamedTuple):
    """A stretch of the text around some splices, before and after them."""

    old: str
    new: str
    old_line: int  # lines of the old text before the stretch
    new_line: int  # and of the new text
    lines_before: int  # whole lines of the stretch before the first splice's line
    lines_after: int  # and after the last splice's line


def _hunk(window: _Window) -> list[str]:
    """The unified-diff hunk of ``window``; [] if the splices change nothing. The unchanged
    lines at either end are context, but never the spliced lines themselves: an insertion that
    repeats the line after it would otherwise slide past the splice and leave fewer than three
    lines of context after it (``patch -F0`` refuses such a hunk)."""
    old, new = _lines(window.old), _lines(window.new)
    old_line, new_line = window.old_line, window.new_line
    same = min(len(old), len(new))
    head = next((i for i in range(same) if old[i] != new[i]), same)
    if head == len(old) == len(new):
        return []
    head = min(head, window.lines_before)
    tail = next((i for i in range(same - head) if old[-1 - i] != new[-1 - i]), same - head)
    tail = min(tail, window.lines_after)
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


def _windows(text: str, splices: list[Splice]) -> list[_Window]:
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
        last = old.find("\n", max(s.end for s in inside) - start)
        before = old.count("\n", 0, inside[0].start - start)
        after = len(_lines(old[last + 1 :])) if last != -1 else 0
        windows.append(_Window(old, new, old_line, old_line + shift, before, after))
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
