"""Digest → Telegram HTML messages. Pure.

Telegram's HTML parse mode accepts a handful of tags and refuses the whole message for
anything else, so every piece of text is escaped here and the only tags are the ones
written below (b, i, a href). A message may hold 4096 characters after entity parsing
(UTF-16 code units, as Telegram counts): parts are cut between items, never inside one,
and a part that starts inside a topic repeats the topic's heading.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.digest.model import Candidate, Digest, Item, Section

MESSAGE_LIMIT = 4096  # Telegram: characters after entity parsing
TITLE_CHARS = 300  # longer titles (broken feeds) are cut: an item must fit a message
SNIPPET_CHARS = 400
OUTLETS_SHOWN = 5
KIND_TITLES = {"digest": "daily digest", "alert": "alert"}
_TAG = re.compile(r"<[^>]*>")


def render(digest: Digest) -> list[str]:
    """The digest as Telegram HTML messages, in order; [] for an empty alert."""
    tz = ZoneInfo(digest.timezone)
    header = _header(digest, tz)
    if digest.empty:
        if digest.kind == "alert":
            return []
        since = digest.since.astimezone(tz).strftime("%a %b %-d, %H:%M")
        return [f"{header}\n\nNo new coverage since {since}."]
    units: list[tuple[Section, str, bool]] = []  # (section, html, is the section's heading)
    for section in digest.sections:
        units.append((section, _section_heading(section), True))
        for number, item in enumerate(section.items, 1):
            units.append((section, _item(item, number, digest.created, tz), False))
        if section.more:
            units.append((section, _more(section), False))
    return _pack(header, units)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: tags removed, entities decoded, UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def _pack(header: str, units: list[tuple[Section, str, bool]]) -> list[str]:
    parts: list[list[str]] = [[header]]
    size = visible_length(header)
    current: Section | None = None
    for index, (section, block, heading) in enumerate(units):
        if heading:  # a heading travels with the section's first item
            block = block + "\n\n" + units[index + 1][1]
        elif index and units[index - 1][2]:
            continue  # already sent with its heading
        length = visible_length(block) + 2
        if size + length > MESSAGE_LIMIT:
            parts.append([])
            size = 0
            if not heading and section is current:
                again = _section_heading(section, continued=True)
                parts[-1].append(again)
                size += visible_length(again) + 2
        parts[-1].append(block)
        size += length
        current = section
    return ["\n\n".join(blocks) for blocks in parts if blocks]


def _header(digest: Digest, tz: ZoneInfo) -> str:
    local = digest.created.astimezone(tz)
    kind = KIND_TITLES.get(digest.kind, digest.kind)
    lines = [
        f"<b>{_text(digest.chat_name)} — {kind}</b>",
        f"{local:%A, %B %-d, %Y} · {_text(digest.timezone)}",
    ]
    if digest.sections:
        counts = " · ".join(f"{_text(s.title)}: {s.stories}" for s in digest.sections)
        lines.append(counts)
    return "\n".join(lines)


def _section_heading(section: Section, *, continued: bool = False) -> str:
    stories = f"{section.stories} {'story' if section.stories == 1 else 'stories'}"
    suffix = " (continued)" if continued else f" · {stories}"
    return f"<b>{_text(section.title)}</b>{suffix}"


def _more(section: Section) -> str:
    return f"<i>…and {section.more} more — /search topic:{_text(section.topic)}</i>"


def _item(item: Item, number: int, created: datetime, tz: ZoneInfo) -> str:
    lead = item.lead
    title = _text(_cut(lead.title, TITLE_CHARS) or "(untitled)")
    url = _safe_url(lead.url)
    link = f'<a href="{html.escape(url, quote=True)}">{title}</a>' if url else title
    lines = [
        f"<b>{number}.</b> {link}",
        f"<i>{_text(_source(lead))} · {_when(lead, created, tz)}</i>",
    ]
    snippet = _snippet(lead)
    if snippet:
        lines.append(snippet)
    if item.others:
        lines.append(_others(item))
    return "\n".join(lines)


def _source(c: Candidate) -> str:
    return c.outlet or c.feed


def _when(c: Candidate, created: datetime, tz: ZoneInfo) -> str:
    local = c.published.astimezone(tz)
    if local.date() == created.astimezone(tz).date():
        return f"{local:%H:%M}"
    return f"{local:%b %-d, %H:%M}"


def _snippet(c: Candidate) -> str:
    """The snippet with its hits in bold; cut (and its hits with it) when too long."""
    text = c.snippet[:SNIPPET_CHARS]
    out, position = [], 0
    for start, end in sorted(c.highlights):
        if start < position or end > len(text) or start >= end:
            continue  # overlapping or out of range: shown plain rather than wrong
        out.append(_text(text[position:start]))
        out.append(f"<b>{_text(text[start:end])}</b>")
        position = end
    out.append(_text(text[position:]))
    if len(c.snippet) > SNIPPET_CHARS:
        out.append("…")
    return "".join(out)


def _others(item: Item) -> str:
    lead_source = _source(item.lead).casefold()
    names: list[str] = []
    for c in item.others:
        name = _source(c)
        if name.casefold() != lead_source and name not in names:
            names.append(name)
    shown = ", ".join(_text(n) for n in names[:OUTLETS_SHOWN])
    if len(names) > OUTLETS_SHOWN:
        shown += f" and {len(names) - OUTLETS_SHOWN} others"
    count = len(item.others)
    return f"+ {count} more" + (f": {shown}" if shown else "")


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links are links; anything else (javascript:, data:) is left out."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(text: str) -> str:
    return html.escape(text, quote=False)
