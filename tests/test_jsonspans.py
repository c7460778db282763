"""The offsets scanner: a registry's features are delimited at once and walked when asked about,
with the same offsets as walking everything."""

from __future__ import annotations

import json

import pytest
from builders import WRITERS, base_data

from symbols._jsonspans import scan


def eager(text: str):  # type: ignore[no-untyped-def]
    return scan(text, defer=None)


def odd_data() -> dict:
    """The edit tests' registry, with items in ``features`` that are not features at all."""
    data = base_data()
    data["features"] += [None, 3.5, "text", [], {}, [1, {"a": [2, "]}"]}], {"type": "Feature"}]
    data["bbox"] = [1, 2, 3, 4]
    return data


@pytest.mark.parametrize("style", sorted(WRITERS))
def test_deferred_features_give_the_offsets_a_full_walk_gives(style: str) -> None:
    odd = style != "hand"  # the hand style writes features only
    text = WRITERS[style](odd_data() if odd else base_data()).removeprefix("\ufeff")
    full = eager(text)
    lazy = scan(text)
    assert len(lazy.deferred) == (8 if odd else 4)  # features, [], {}, [1, ...], {"type": ...}
    for path, span in full.values.items():
        assert lazy.value(path) == span, path
    for path, start in full.keys.items():
        assert lazy.key(path) == start, path
    # every item with something inside was asked about and walked; [] and {} have nothing
    left = [text[start:end] for start, end, _ in lazy.deferred.values()]
    assert [item.replace(" ", "") for item in left] == (["[]", "{}"] if odd else [])
    for path in [*full.values, ("features", 0, "properties", "nowhere", 3), ("nowhere",)]:
        assert lazy.line(path) == full.line(path), path
    assert lazy.value(("features", 0, "nowhere")) is None
    assert lazy.key(("features", 99, "id")) is None


def test_only_the_feature_asked_about_is_walked() -> None:
    text = json.dumps(base_data(), indent=2)
    spans = scan(text)
    assert set(spans.deferred) == {("features", i) for i in range(4)}
    start, end = spans.value(("features", 2))  # an item's own span: known, nothing walked
    assert text[start] == "{" and text[end - 1] == "}" and len(spans.deferred) == 4
    assert ("features", 2, "id") not in spans.keys
    line = spans.line(("features", 2, "properties", "kind"))
    assert text.splitlines()[line - 1].strip() == '"kind": "street-name",'
    assert set(spans.deferred) == {("features", 0), ("features", 1), ("features", 3)}
    assert ("features", 0, "id") not in spans.keys  # nothing else walked


def test_a_feature_nested_deeper_than_the_c_decoder_goes_is_delimited_too() -> None:
    deep = "[" * 5000 + '"bottom"' + "]" * 5000
    text = '{"features": [{"id": "a", "x": ' + deep + '}, {"id": "b"}]}'
    spans = scan(text)
    second = text.index('{"id": "b"}')
    assert spans.value(("features", 1)) == (second, second + len('{"id": "b"}'))
    assert spans.value(("features", 0, "x")) == (text.index("[["), second - 3)
    assert spans.key(("features", 1, "id")) == second + 1


def test_a_malformed_text_is_refused() -> None:
    for text in ('{"features": [{"id": "a"} {"id": "b"}]}', '{"features": [{"id": "a"'):
        with pytest.raises(ValueError):
            scan(text)


def test_the_items_a_splice_touches() -> None:
    from symbols._jsonedit import Document
    from symbols._splices import Splice

    data = base_data()
    text = json.dumps(data, indent=2)
    doc = Document(text, data)
    spans = [doc.span(("features", i)) for i in range(4)]
    inside = Splice(spans[1][0] + 5, spans[1][0] + 5, "x")
    at_end = Splice(spans[3][1], spans[3][1], ",{}")  # appending after the last feature
    between = Splice(spans[0][1] + 1, spans[1][0] - 1, "")  # the separator only
    across = Splice(spans[1][1] - 1, spans[2][0] + 1, "")
    assert doc.touched_items(("features",), [inside]) == {1}
    assert doc.touched_items(("features",), [at_end]) == {3}
    assert doc.touched_items(("features",), [between]) == set()
    assert doc.touched_items(("features",), [across, inside]) == {1, 2}
    assert doc.touched_items(("features",), []) == set()


def test_a_splice_that_repeats_the_next_line_keeps_three_lines_of_context_after_it() -> None:
    # "{ a a } b c a }": the inserted "a" equals the line after it; trimmed as equal, that line
    # would slide out of the change and leave two lines of context (patch -F0 refuses the hunk)
    from symbols._splices import Splice, unified_diff

    text = "{\na\na\n}\nb\nc\na\n}\n"
    diff = unified_diff(text, [Splice(2, 2, "a\n")], ("r", "r"))
    header, *body = diff.splitlines()[2:]
    assert header == "@@ -1,5 +1,6 @@"
    assert body == [" {", " a", "+a", " a", " }", " b"]
    changed = [i for i, line in enumerate(body) if line[0] != " "]
    assert len(body) - 1 - changed[-1] == 3  # the file goes on: three lines after the change
