"""Answers to chat commands as Telegram HTML. Pure: values in, message texts out.

Every piece of text goes through bot/telegram_html.py, as digests' do; an answer longer
than a message is split between blocks (split_message).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import telegram_html
from bot.feeds.health import feed_health, when_text
from bot.match.query import QueryError, query_names
from bot.telegram_html import MESSAGE_LIMIT, cut, esc, visible_length

TITLE_CHARS = 200
SNIPPET_CHARS = 300
NAMES_SHOWN = 6  # names of a topic in /topics
SEARCH_EXAMPLES = (
    '"remain in mexico" matamoros',
    '"credible fear" NEAR/5 officers',
    '(mpp OR "quédate en méxico") AND court*',
    "title:asilo lang:es",
)


def marked(snippet: str, highlights) -> str:
    return telegram_html.marked(snippet, highlights, SNIPPET_CHARS)


def link(title: str, url: str | None) -> str:
    return telegram_html.link(title, url, TITLE_CHARS)


def search_page(found, query: str, page: int, per_page: int, timezone: str) -> str:
    """One page of /search results; `found` is bot.pipeline.search.SearchResults. A
    result is a story (its copies under "also in"): pages and the count are of stories,
    with the articles beside them when copies make them more."""
    if not found.results:
        if page > 1:
            return f"No more results for <code>{esc(cut(query, 200))}</code>."
        none = f"No articles match <code>{esc(cut(query, 200))}</code>."
        if found.hint:  # "did you mean OR? operators are upper case: …", as sentences
            hint = re.sub(r"(^|[?.] )([a-z])", lambda m: m[1] + m[2].upper(), found.hint)
            none += f"\n{esc(hint)}."
        return none
    tz = ZoneInfo(timezone)
    first = (page - 1) * per_page + 1
    about = "" if found.total_exact else "about "
    pages = max(page, -(-found.total // per_page))
    noun = "result" if found.total == 1 else "results"
    articles = ""
    if found.articles != found.total or found.articles_exact != found.total_exact:
        articles_about = "" if found.articles_exact else "about "
        plural = "article" if found.articles == 1 else "articles"
        articles = f" ({articles_about}{found.articles} {plural})"
    lines = [
        f"<b>{about}{found.total} {noun}</b>{articles} for "
        f"<code>{esc(cut(query, 200))}</code> · page {page} of {about}{pages}"
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
    shown, caret = exc.pointer(query)
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
    """Every topic as a reader knows it (its title, what it covers, the names it looks
    for) and what this chat receives and is alerted on; not its query code, which only
    the operator maintains (`check --verbose` shows it)."""
    receives = {t for t, _ in plan.topics} if plan else set()
    alerts = {t for t, _ in plan.alert_topics} if plan else set()
    blocks = ["<b>Topics</b> (✅ in this chat's digest, 🔔 alerts)"]
    for key, topic in config_topics.items():
        marks = ("✅" if key in receives else "▫️") + (" 🔔" if key in alerts else "")
        lines = [f"{marks} <b>{esc(topic.title)}</b> ({esc(key)})"]
        if topic.description:
            lines.append(f"<i>{esc(cut(topic.description, 300))}</i>")
        shaped = getattr(topic, "names", None)  # a shape's names, as written
        names = list(shaped) if shaped else query_names(topic.query, NAMES_SHOWN + 1)
        if names:
            more = ", …" if len(names) > NAMES_SHOWN else ""
            lines.append("Looks for: " + ", ".join(esc(n) for n in names[:NAMES_SHOWN]) + more)
        blocks.append("\n".join(lines))
    for watch in watches:
        marks = "✅" + (" 🔔" if watch.alerts else "")
        query = esc(cut(watch.query, 120))
        blocks.append(f"{marks} <b>{esc(watch.name)}</b> (this chat's watch): <code>{query}</code>")
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
