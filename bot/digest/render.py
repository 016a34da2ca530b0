"""Digest → Telegram HTML messages. Pure.

Every piece of text goes through bot/telegram_html.py (escaping, links, length as
Telegram counts it). Parts are cut between items, never inside one, and a part that
starts inside a topic repeats the topic's heading.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.digest.model import Candidate, Digest, Item, Section
from bot.digest.spikes import Spike
from bot.telegram_html import MESSAGE_LIMIT, esc, link, marked, visible_length

TITLE_CHARS = 300  # longer titles (broken feeds) are cut: an item must fit a message
SNIPPET_CHARS = 400
OUTLETS_SHOWN = 5
BOLD_SPANS = 3  # bold hits in a snippet, at most
KIND_TITLES = {"digest": "daily digest", "alert": "alert"}


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
        f"<b>{esc(digest.chat_name)} — {kind}</b>",
        f"{local:%A, %B %-d, %Y} · {esc(digest.timezone)}",
    ]
    if digest.sections:
        counts = " · ".join(f"{esc(s.title)}: {s.stories}" for s in digest.sections)
        lines.append(counts)
    return "\n".join(lines)


def _section_heading(section: Section, *, continued: bool = False) -> str:
    stories = f"{section.stories} {'story' if section.stories == 1 else 'stories'}"
    suffix = " (continued)" if continued else f" · {stories}"
    return f"<b>{esc(section.title)}</b>{suffix}"


def _more(section: Section) -> str:
    return f"<i>…and {section.more} more — /search topic:{esc(section.topic)}</i>"


def _item(item: Item, number: int, created: datetime, tz: ZoneInfo) -> str:
    lead = item.lead
    lines = [
        f"<b>{number}.</b> {link(lead.title, lead.url, TITLE_CHARS)}",
        f"<i>{esc(lead.source)} · {_when(lead, created, tz)}</i>",
    ]
    snippet = _snippet(lead)
    if snippet:
        lines.append(snippet)
    if item.others:
        lines.append(_others(item))
    return "\n".join(lines)


def _when(c: Candidate, created: datetime, tz: ZoneInfo) -> str:
    local = c.published.astimezone(tz)
    if local.date() == created.astimezone(tz).date():
        return f"{local:%H:%M}"
    return f"{local:%b %-d, %H:%M}"


def _snippet(c: Candidate) -> str:
    """The snippet with what made the story match in bold; cut (and its hits with it)
    when too long."""
    return (
        marked(c.snippet, name_spans(c.snippet, c.highlights), SNIPPET_CHARS) if c.snippet else ""
    )


def name_spans(snippet: str, highlights, limit: int = BOLD_SPANS) -> list[tuple[int, int]]:
    """The hits worth bold in a digest: the names a topic is about ("Remain in Mexico",
    "credible fear", MPP), not every context word near them (judge, court, policy), which
    would make bold point at nothing. Names are how a policy is written about: several
    words, or an acronym in capitals. When a snippet has no such hit, its first hit is
    bold alone. At most `limit` spans, in reading order."""
    spans = sorted(tuple(h) for h in highlights)
    names = [(s, e) for s, e in spans if _is_name(snippet[s:e])]
    return (names or spans[:1])[:limit]


def _is_name(text: str) -> bool:
    words = text.split()
    return len(words) > 1 or (len(text) >= 2 and text.isupper())


def _others(item: Item) -> str:
    """'+ 3 more: A, B and C', or '+ 6 more from Metro Daily' when they are all the
    lead's outlet's (a site that publishes a story under several addresses)."""
    lead_source = item.lead.source
    names: list[str] = []
    for c in item.others:
        name = c.source
        if name.casefold() != lead_source.casefold() and name not in names:
            names.append(name)
    count = len(item.others)
    if not names:
        return f"+ {count} more from {esc(lead_source)}" if lead_source else f"+ {count} more"
    shown = ", ".join(esc(n) for n in names[:OUTLETS_SHOWN])
    if len(names) > OUTLETS_SHOWN:
        shown += f" and {len(names) - OUTLETS_SHOWN} others"
    return f"+ {count} more: {shown}"


SPIKE_TITLE_CHARS = 200


def render_spike(title: str, found: Spike, top: list[dict]) -> str:
    """The spike alert: the day's count against the normal, then the top stories."""
    lines = [
        f"📈 <b>Coverage spike: {esc(title)}</b>",
        f"{found.count} articles today ({found.day:%b %-d}); the median of the {found.days} "
        f"days before is {found.median:g}.",
    ]
    for number, story in enumerate(top, 1):
        story_link = link(story["title"], story["url"], SPIKE_TITLE_CHARS)
        lines.append(f"<b>{number}.</b> {story_link} · {esc(story['feed'])}")
    return "\n".join(lines)
