"""Composition: which stories a chat gets, grouped, collapsed and ranked. Pure.

The rules, in the order applied:
- only the chat's topics; nothing already delivered to the chat; only what was found
  since its last digest (the first: the last 24 h, decided by the caller);
- nothing published more than MAX_AGE before now, unless it was published since the
  last digest (the bot was down, or a feed was failing: found late, still news), while
  a newly added feed's back catalogue stays out;
- copies of one story on several sites (bot/stories/cluster.py) become one item, under the first
  of the chat's topics that any copy matched; the best source leads;
- items are ranked by score, how many outlets carried the story, and recency; then an
  item whose story is one event with an item ranked above it in another language (the
  English and the Spanish report of one ruling: bot/stories/crosslang.py) moves to right
  after it; at most `max_items` per topic, the rest counted.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Sequence
from datetime import datetime, timedelta

from bot.digest.model import Candidate, Digest, Item, Section
from bot.stories.cluster import StoryText, cluster
from bot.stories.crosslang import evidence, same_event

MAX_AGE = timedelta(hours=72)
ALERT_FRESHNESS = timedelta(hours=6)  # older when found: the digest, not an alert
HALF_LIFE_HOURS = 36.0  # a story this old ranks half as high as a fresh one
AGGREGATOR_FEEDS = ("google news",)  # their copies lead only when nobody else has the story


def news_only(candidates: Sequence[Candidate], *, not_before: datetime) -> list[Candidate]:
    """What an alert may carry: news. An article published before the service first saw
    the chat (the back catalogue a first poll brings in) or more than ALERT_FRESHNESS
    before it was found (an old page a feed surfaced again) waits for the digest."""
    return [c for c in candidates if c.published >= max(not_before, c.found - ALERT_FRESHNESS)]


def compose(
    candidates: Iterable[Candidate],
    *,
    kind: str,
    chat_name: str,
    topics: Sequence[tuple[str, str]],
    timezone: str,
    now: datetime,
    since: datetime,
    delivered: Container[int] = frozenset(),
    max_items: int = 10,
) -> Digest:
    """The digest (or alert) of `candidates` for a chat whose topics are (id, title) pairs
    in the chat's order."""
    order = {topic_id: rank for rank, (topic_id, _) in enumerate(topics)}
    oldest = min(now - MAX_AGE, since)
    by_article: dict[int, dict[str, Candidate]] = {}
    for c in candidates:
        if (
            c.topic in order
            and c.article_id not in delivered
            and c.found >= since
            and c.published >= oldest
        ):
            by_article.setdefault(c.article_id, {})[c.topic] = c
    articles = sorted(by_article.items())
    groups = cluster([_story(matches) for _, matches in articles])
    sections: dict[str, list[Item]] = {}
    for group in groups:
        members = [articles[i][1] for i in group]
        topic = min((t for m in members for t in m), key=order.__getitem__)
        sections.setdefault(topic, []).append(_item(members, topic))
    composed = []
    for topic_id, title in topics:
        items = _beside_translations(
            sorted(sections.get(topic_id, ()), key=lambda item: _rank_key(item, now))
        )
        if items:
            composed.append(
                Section(topic_id, title, tuple(items[:max_items]), max(0, len(items) - max_items))
            )
    return Digest(
        kind=kind,
        chat_name=chat_name,
        timezone=timezone,
        created=now,
        since=since,
        sections=tuple(composed),
        article_ids=frozenset(by_article),
    )


def _story(matches: dict[str, Candidate]) -> StoryText:
    any_match = next(iter(matches.values()))
    return StoryText(any_match.title, any_match.text)


def _item(members: list[dict[str, Candidate]], topic: str) -> Item:
    """The story's item: the best copy that matched `topic` leads; the others follow
    oldest first (who had it first)."""
    on_topic = [m[topic] for m in members if topic in m]
    lead = max(on_topic, key=_source_quality)
    others = sorted(
        (next(iter(m.values())) if topic not in m else m[topic] for m in members),
        key=lambda c: (c.published, c.article_id),
    )
    return Item(lead, tuple(c for c in others if c.article_id != lead.article_id))


def _source_quality(c: Candidate) -> tuple:
    from_aggregator = c.feed.casefold().startswith(AGGREGATOR_FEEDS)
    return (c.score, not from_aggregator, -c.published.timestamp(), -c.article_id)


def _rank_key(item: Item, now: datetime) -> tuple:
    age_hours = max(0.0, (now - item.lead.published).total_seconds() / 3600)
    size = 1 + len(item.others)
    rank = item.lead.score * (1 + 0.5 * math.log(size)) * 0.5 ** (age_hours / HALF_LIFE_HOURS)
    return (-rank, -item.lead.published.timestamp(), item.lead.article_id)


def _beside_translations(ranked: list[Item]) -> list[Item]:
    """`ranked`, with each item that reports the same event as an item above it in another
    language moved to right after that item (after the ones already placed there). An item
    without a language, or matching only items of its own, stays where it ranked."""
    placed: list[list[Item]] = []  # runs: an item, then its other-language reports
    seen: list[tuple[Item, frozenset[str], list[Item]]] = []
    for item in ranked:
        lead = item.lead
        clues = evidence(lead.title, lead.text)
        run = next(
            (
                run
                for other, other_clues, run in seen
                if lead.language
                and other.lead.language
                and other.lead.language != lead.language
                and same_event(clues, other_clues, lead.published, other.lead.published)
            ),
            None,
        )
        if run is None:
            run = [item]
            placed.append(run)
        else:
            run.append(item)
        seen.append((item, clues, run))
    return [item for run in placed for item in run]
