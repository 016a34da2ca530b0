"""Answers to chat commands as Telegram HTML. Pure: values in, message texts out.

The conventions of bot/digest/render.py: every piece of text is escaped, the only tags
are b, i, code and a href (http and https links only), and an answer longer than a
message is split between blocks, each part at most 4096 characters as Telegram counts.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.digest.render import MESSAGE_LIMIT, _safe_url, visible_length
from bot.feeds.health import feed_health, when_text
from bot.match.query import QueryError

_TAG = re.compile(r"<[^>]*>")
TITLE_CHARS = 200
SNIPPET_CHARS = 300
SEARCH_EXAMPLES = (
    '"remain in mexico" matamoros',
    '"credible fear" NEAR/5 officers',
    '(mpp OR "quédate en méxico") AND court*',
    "title:asilo lang:es",
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def split_message(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines, in as few messages as fit; a block longer than a
    message on its own is cut (its tags would be cut too, so it goes as plain text)."""
    parts: list[list[str]] = [[]]
    size = 0
    for block in blocks:
        if visible_length(block) > limit:
            block = esc(html.unescape(_strip_tags(block))[: limit - 1]) + "…"
        length = visible_length(block) + (2 if parts[-1] else 0)
        if parts[-1] and size + length > limit:
            parts.append([])
            length, size = visible_length(block), 0
        parts[-1].append(block)
        size += length
    return ["\n\n".join(p) for p in parts if p]


def _strip_tags(text: str) -> str:
    return _TAG.sub("", text)


def cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def marked(snippet: str, highlights, limit: int = SNIPPET_CHARS) -> str:
    """The snippet escaped, its hits in bold (offsets from the matcher)."""
    text = snippet[:limit]
    out, position = [], 0
    for start, end in sorted(tuple(h) for h in highlights):
        if start < position or end > len(text) or start >= end:
            continue
        out += [esc(text[position:start]), f"<b>{esc(text[start:end])}</b>"]
        position = end
    out.append(esc(text[position:]))
    return "".join(out) + ("…" if len(snippet) > limit else "")


def link(title: str, url: str | None) -> str:
    safe = _safe_url(url)
    text = esc(cut(title, TITLE_CHARS) or "(untitled)")
    return f'<a href="{html.escape(safe, quote=True)}">{text}</a>' if safe else text


def search_page(found, query: str, page: int, per_page: int, timezone: str) -> str:
    """One page of /search results; `found` is bot.pipeline.search.SearchResults."""
    if not found.results:
        if page > 1:
            return f"No more results for <code>{esc(cut(query, 200))}</code>."
        return f"No articles match <code>{esc(cut(query, 200))}</code>."
    tz = ZoneInfo(timezone)
    first = (page - 1) * per_page + 1
    about = "" if found.total_exact else "about "
    pages = max(page, -(-found.total // per_page))
    lines = [
        f"<b>{about}{found.total} results</b> for <code>{esc(cut(query, 200))}</code> · "
        f"page {page} of {about}{pages}"
    ]
    for number, result in enumerate(found.results, start=first):
        when = result.published.astimezone(tz)
        item = [
            f"<b>{number}.</b> {link(result.title, result.url)}",
            f"<i>{esc(result.feed)} · {when:%b %-d, %Y %H:%M}</i>",
        ]
        if result.snippet:
            item.append(marked(result.snippet, result.highlights))
        if result.also_in:
            feeds = ", ".join(esc(c["feed"]) for c in result.also_in[:5])
            more = f" and {len(result.also_in) - 5} more" if len(result.also_in) > 5 else ""
            item.append(f"<i>also in: {feeds}{more}</i>")
        lines.append("\n".join(item))
    text = "\n\n".join(lines)
    if visible_length(text) > MESSAGE_LIMIT:  # five very long items: drop the snippets
        return "\n\n".join(line.split("\n")[0] for line in lines)
    return text


def query_error(query: str, exc: QueryError, command: str = "/search") -> str:
    """Where the query went wrong (a caret under the column) and how to write it."""
    shown = query[:200]
    caret = " " * min(exc.column - 1, len(shown)) + "^"
    return (
        f"Query error at column {exc.column}: {esc(exc.message)}\n"
        f"<code>{esc(shown)}\n{caret}</code>\n"
        'Hint: operators are upper case (AND, OR, NOT, NEAR/5), phrases go in "quotes", '
        f"parentheses must close. Send {command} alone for examples."
    )


def search_examples() -> str:
    lines = ["<b>Search the archive</b> (the topics' query language). For example:"]
    lines += [f"<code>/search {esc(example)}</code>" for example in SEARCH_EXAMPLES]
    lines.append(
        'Words must all appear; OR, NOT, "phrases", prefix* (3 letters), NEAR/5, '
        'title: and body:, lang:es, feed:"Border Report", =MPP for exact case.'
    )
    return "\n".join(lines)


def topics_list(config_topics, plan, watches) -> list[str]:
    """Every topic with its query, and what this chat receives and is alerted on."""
    receives = {t for t, _ in plan.topics} if plan else set()
    alerts = {t for t, _ in plan.alert_topics} if plan else set()
    blocks = ["<b>Topics</b> (✅ in this chat's digest, 🔔 alerts)"]
    for key, topic in config_topics.items():
        marks = ("✅" if key in receives else "▫️") + (" 🔔" if key in alerts else "")
        lines = [
            f"{marks} <b>{esc(key)}</b>: {esc(topic.title)}",
            f"<code>{esc(topic.query)}</code>",
        ]
        if topic.exclude:
            lines.append(f"excluding <code>{esc(topic.exclude)}</code>")
        blocks.append("\n".join(lines))
    for watch in watches:
        marks = "✅" + (" 🔔" if watch.alerts else "")
        blocks.append(f"{marks} <b>{esc(watch.name)}</b> (watch)\n<code>{esc(watch.query)}</code>")
    blocks.append(
        "Change: /subscribe TOPIC [alerts] · /unsubscribe TOPIC · /watch NAME QUERY (admins)"
    )
    return blocks


def feeds_list(states, now: datetime) -> list[str]:
    blocks = [f"<b>Feeds</b> ({sum(f.enabled for f in states)} enabled of {len(states)})"]
    for f in states:
        origin = "" if f.origin == "config" else f" [{esc(f.origin)}]"
        health = feed_health(f, now)
        line = f"<b>{esc(f.name)}</b>{origin}: {esc(health)}"
        if f.enabled and f.consecutive_failures and f.last_error:
            line += f"\n<i>{esc(cut(f.last_error, 200))} ({when_text(f.last_error_at, now)})</i>"
        blocks.append(line)
    return blocks


def next_digest_text(when: datetime | None, timezone: str) -> str:
    if when is None:
        return "no digest is scheduled for this chat"
    local = when.astimezone(ZoneInfo(timezone))
    return f"next digest {local:%a %b %-d, %H:%M} ({esc(timezone)})"
