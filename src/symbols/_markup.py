"""The document model that the Markdown and HTML reports and the list of recorded changes are
written in, and its rendering: one escaping function per format, links only to http(s) URLs;
with the small text helpers they share (plurals, region names, chart file names).

A document is a list of blocks: ``("h1"|"h2", text)`` ``("p", text)`` ``("ul", [text])``
``("table", header, rows)`` ``("charts",)`` ``("entries", [Entry])`` or
``("entries", [Entry], order)``. Texts are plain (escaped when rendered); table rows are a label
and numbers. Rendering both formats from one model keeps them saying the same things, and every
registry text goes through the one escaping function of its format.

An ``order`` lists the entries' positions in the order they are shown. A report makes its
entries object by object in registry order and lists them by date: an object's texts and events
lie together in memory in registry order, and going through 100,000 of them by date instead
spends half the time waiting for memory. The renderers too go through the entries as they were
made and put the lines in order at the end.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from html import escape
from typing import NamedTuple
from urllib.parse import quote

from .registry import Event, Source

CHARTS: tuple[str, ...] = ("cumulative", "per-period")

Block = tuple


class Entry(NamedTuple):
    """One line of a list of removals, erections or recorded events."""

    lead: str  # shown first, in bold: the date range or day
    note: str  # right after the lead
    name: str
    id: str
    place: str
    kind: str
    how: str  # what happened, with dates as written
    sources: list[Source]


def chart_names(stem: str) -> dict[str, str]:
    """Chart file names beside a report called ``stem``.md: ``{stem}-cumulative.svg`` etc."""
    return {f"{c}.{ext}": f"{stem}-{c}.{ext}" for c in CHARTS for ext in ("svg", "png")}


def event_text(event: Event) -> str:
    """What an event says, with its date as written: ``toppled, dated 2022-01-05``,
    ``seen standing, dated 2023-02``."""
    if event.type == "sighting":
        return f"seen {event.status or 'unknown'}, dated {event.date}"
    return f"{event.type}, dated {event.date}"


UNKNOWN = "(unknown)"


def region_label(code: str | None, names: dict[str, str], unknown: str = UNKNOWN) -> str:
    """``Almaty Region (KZ-19)`` from a region code and :func:`region_names`; a code without a
    name as it is, a country's code (objects abroad) as ``JO (country)``."""
    if not code:
        return unknown
    name = names.get(code)
    if name:
        return f"{name} ({code})"
    return code if "-" in code else f"{code} (country)"


def place_in_region(place: str | None, region: str | None) -> str:
    """Where an object is, as the lists say it: ``Kegen, Almaty Region``; the place alone when
    the region has its name, the region alone when there is no place."""
    if not place:
        return region or ""
    return f"{place}, {region}" if region and region != place else place


def plural(count: int, noun: str) -> str:
    """``1 removal``, ``2 removals``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def region_names() -> dict[str, str]:
    """Region code -> English name, for the regions that have one."""
    from . import geo

    return {code: region.name_en for code, region in geo.regions().items() if region.name_en}


# Links

# Only http(s) URLs with a host become links: never javascript:, data: or the like. Unlike
# validate's URL check this also gives the host (a source's label when it has no publisher) and
# takes registry text as it is, valid or not.
_WEB_URL = re.compile(r"https?://([^/?#\s\\]+)", re.IGNORECASE)


def _web(url: str | None) -> tuple[str | None, str | None]:
    """(url, host) when ``url`` is an http(s) URL with a host, else (None, None)."""
    if not url:
        return None, None
    url = url.strip()
    match = _WEB_URL.match(url)
    return (url, match.group(1)) if match else (None, None)


def _source_label(source: Source, host: str | None) -> str:
    label = source.publisher or host or source.url or "source"
    return f"{label}, {source.published}" if source.published else label


def _sources(
    sources: list[Source], esc: Callable[[str], str], link: Callable[[str, str], str]
) -> str:
    if not sources:
        return " \u00b7 no source"
    links = []
    for source in sources:
        url, host = _web(source.url)
        label = _source_label(source, host)
        item = link(label, url) if url else esc(label)
        if source.archived:
            archived = _web(source.archived)[0]
            if archived:
                item += f" ({link('archived', archived)})"
        links.append(item)
    return " \u00b7 sources: " + "; ".join(links)


class _EntryStyle(NamedTuple):
    """How one format writes an :class:`Entry`."""

    special: re.Pattern[str]  # text without these characters needs no escaping
    escape: Callable[[str], str]
    link: Callable[[str, str], str]  # (text, url): text and url escaped
    safe_link: Callable[[str, str], str]  # (text, url): text needs no escaping, url escaped
    line: Callable[[str, str, str, str, str], str]  # (lead, note, name, ident, rest)


def _entries(entries: list[Entry], style: _EntryStyle) -> list[str]:
    """Each entry as one line (Markdown) or list item (HTML). A list of removals holds up to
    one entry per object, so this is the report's innermost loop. In the common case (one
    source, not archived) one search finds that no text needs escaping, label included."""
    special = style.special.search
    escape, link, safe_link, line = style.escape, style.link, style.safe_link, style.line
    web = _WEB_URL.match
    lines = []
    append = lines.append
    for lead, note, name, ident, place, kind, how, sources in entries:
        text = f"{lead}{note}{name}{ident}{place}{kind}{how}"
        cited = None
        if len(sources) == 1 and not (source := sources[0]).archived:
            # _sources() for one source, inline
            url = source.url
            if url:
                url = url.strip()
                match = web(url)
            else:
                match = None
            label = source.publisher or (match and match.group(1)) or source.url or "source"
            if source.published:
                label = f"{label}, {source.published}"
            if not special(f"{text}{label}"):
                cited = safe_link(label, url) if match else label
                cited = f" \u00b7 sources: {cited}"
            elif not special(text):
                cited = link(label, url) if match else escape(label)
                cited = f" \u00b7 sources: {cited}"
        if cited is None:
            if special(text):
                lead, note, name, ident, place, kind, how = map(
                    escape, (lead, note, name, ident, place, kind, how)
                )
            cited = _sources(sources, escape, link)
        if place:
            rest = f", {place} \u00b7 {kind} \u00b7 {how}" if kind else f", {place} \u00b7 {how}"
        else:
            rest = f" \u00b7 {kind} \u00b7 {how}" if kind else f" \u00b7 {how}"
        append(line(lead, note, name, ident, rest + cited))
    return lines


def _in_order(lines: list[str], block: Block) -> list[str]:
    """An entries block's lines in the block's ``order``, if it has one."""
    if len(block) < 3:
        return lines
    return [lines[position] for position in block[2]]


# Markdown

_MD_SPECIAL_CHARS = "\\`*_[]<>|&#~"
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|&#~\r\n]")
_MD_TABLE = str.maketrans({c: "\\" + c for c in _MD_SPECIAL_CHARS} | {"\n": " ", "\r": " "})
_MD_URL = str.maketrans({"\\": "%5C", "<": "%3C", ">": "%3E", " ": "%20", "\n": "", "\r": ""})
_MD_URL_SPECIAL = re.compile(r"[\\<> \r\n]")
_CHART_ALT = {
    "cumulative": "Removals and new memorials so far",
    "per-period": "Removals and new memorials per period",
}


def md_escape(text: str) -> str:
    """Registry text made inert in Markdown: no markup, no raw HTML, no table breaks."""
    if _MD_SPECIAL.search(text) is None:
        return text
    return text.translate(_MD_TABLE)


def _md_url(url: str) -> str:
    return url.translate(_MD_URL) if _MD_URL_SPECIAL.search(url) else url


def _md_safe_link(text: str, url: str) -> str:
    return f"[{text}](<{_md_url(url)}>)"


def _md_link(text: str, url: str) -> str:
    return _md_safe_link(md_escape(text), url)


_MD_ENTRY = _EntryStyle(
    _MD_SPECIAL,
    md_escape,
    _md_link,
    _md_safe_link,
    lambda lead, note, name, ident, rest: f"- **{lead}**{note} \u00b7 **{name}** ({ident}){rest}",
)


def markdown(doc: list[Block], chart_stem: str | None) -> str:
    """The document in Markdown; its charts are the files beside it named for ``chart_stem``
    (without a stem, a line says how to get them)."""
    out: list[str] = []
    for block in doc:
        kind = block[0]
        if kind == "h1":
            out += [f"# {md_escape(block[1])}", ""]
        elif kind == "h2":
            out += [f"## {md_escape(block[1])}", ""]
        elif kind == "p":
            out += [md_escape(block[1]), ""]
        elif kind == "ul":
            out += [f"- {md_escape(item)}" for item in block[1]]
            out.append("")
        elif kind == "entries":
            out += _in_order(_entries(block[1], _MD_ENTRY), block)
            out.append("")
        elif kind == "table":
            header, rows = block[1], block[2]
            out.append("| " + " | ".join(md_escape(h) for h in header) + " |")
            out.append("| --- |" + " ---: |" * (len(header) - 1))
            for row in rows:
                cells = [md_escape(row[0]), *(str(c) for c in row[1:])]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif kind == "charts":
            if chart_stem is None:
                out += ["Charts are drawn when the report is written to a file (`--out`).", ""]
                continue
            names = chart_names(chart_stem)
            for chart, alt in _CHART_ALT.items():
                png, svg = quote(names[f"{chart}.png"]), quote(names[f"{chart}.svg"])
                out += [f"![{alt}]({png})", "", f"[{alt} (SVG)]({svg})", ""]
    while out and not out[-1]:
        out.pop()
    out.append("")  # the text ends with one newline; joined once, as it may be 60 MB
    return "\n".join(out)


# HTML

_STYLE = (
    'body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:62rem;margin:2rem auto;'
    "padding:0 1rem;line-height:1.45;color:#222}"
    "table{border-collapse:collapse;margin:0.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:0.2rem 0.6rem}td.n{text-align:right}"
    "th{background:#f2f2f2;text-align:left}li{margin:0.2rem 0}"
    "figure{margin:1rem 0}figure img{max-width:100%;height:auto}"
)
_HTML_SPECIAL = re.compile("[&<>\"']")
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _html_safe_link(text: str, url: str) -> str:
    return f'<a href="{escape(url)}" rel="noopener noreferrer">{text}</a>'


def _html_link(text: str, url: str) -> str:
    return _html_safe_link(escape(text), url)


_HTML_ENTRY = _EntryStyle(
    _HTML_SPECIAL,
    escape,
    _html_link,
    _html_safe_link,
    lambda lead, note, name, ident, rest: (
        f"<li><strong>{lead}</strong>{note} \u00b7 <strong>{name}</strong> "
        f"(<code>{ident}</code>){rest}</li>"
    ),
)


def html(doc: list[Block], page_title: str, charts: dict[str, bytes] | None) -> str:
    """The document as one self-contained HTML page, ``charts`` (SVG) embedded."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(page_title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
    ]
    for block in doc:
        kind = block[0]
        if kind in ("h1", "h2"):
            out.append(f"<{kind}>{escape(block[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{escape(block[1])}</p>")
        elif kind == "ul":
            out += ["<ul>", *(f"<li>{escape(item)}</li>" for item in block[1]), "</ul>"]
        elif kind == "entries":
            out += ["<ul>", *_in_order(_entries(block[1], _HTML_ENTRY), block), "</ul>"]
        elif kind == "table":
            header, rows = block[1], block[2]
            out.append("<table>")
            out.append("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>")
            for row in rows:
                cells = "".join(f'<td class="n">{c}</td>' for c in row[1:])
                out.append(f"<tr><td>{escape(row[0])}</td>{cells}</tr>")
            out.append("</table>")
        elif kind == "charts" and charts is not None:
            for chart, alt in _CHART_ALT.items():
                data = base64.b64encode(charts[f"{chart}.svg"]).decode("ascii")
                out.append(
                    f'<figure><img alt="{escape(alt)}" '
                    f'src="data:image/svg+xml;base64,{data}"></figure>'
                )
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
