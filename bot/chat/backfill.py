"""A new /watch over the archive: the stored articles of the last BACKFILL_DAYS days are
matched against its query, so the watch starts with its history (/search, /trend, the
next digest) instead of empty.

Bounded so that it cannot stall the bot: it runs in a thread (the caller awaits it with
asyncio.to_thread), reads in batches of BATCH and writes each batch in its own short
transaction (the poller's writes interleave), and stops after LIMIT articles, newest first.

Old stories belong in the digest, not in instant alerts: the matches are stamped with
the chat's last digest time, which the next digest covers, and the chat's alerts start
after that stamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.match.matcher import Matcher, Topic, build_document
from bot.store import Store, Watch

BACKFILL_DAYS = 30
LIMIT = 50_000
BATCH = 500


@dataclass(frozen=True)
class Backfill:
    articles: int  # looked at
    matched: int  # new matches written
    complete: bool  # False: LIMIT was reached before the window's oldest article


def stamp_for(store: Store, chat_key: str | None, now: datetime) -> datetime:
    """The matched_at of backfilled matches: inside the next digest's window, before the
    chat's alerts (which are moved past it when needed)."""
    if chat_key is None:
        return now
    state = store.chat_state(chat_key)
    if state.last_digest_at is not None:
        stamp = state.last_digest_at
    else:  # no digest yet: the first one covers FIRST_DIGEST_WINDOW before it
        stamp = (state.alerts_since or now) - timedelta(microseconds=1)
    if state.alerts_since is None or state.alerts_since <= stamp:
        store.update_chat(chat_key, alerts_since=stamp + timedelta(microseconds=1))
    return stamp


def backfill(
    store: Store, watch: Watch, *, now: datetime, stamp: datetime,
    days: int = BACKFILL_DAYS, limit: int = LIMIT, batch: int = BATCH,
) -> Backfill:  # fmt: skip
    """Match the watch against the articles published in the last `days` (blocking)."""
    matcher = Matcher([Topic(id=watch.topic_id, query=watch.query)])
    seen = matched = 0
    for rows in store.articles_for_matching(now - timedelta(days=days), batch=batch):
        rows = rows[: limit - seen]
        found = {}
        for row in rows:
            article_id = row.id
            hits = matcher.match(build_document(row.title, row.summary, row.content,
                                                language=row.language, feed=row.feed))  # fmt: skip
            if hits:
                found[article_id] = hits
        matched += store.add_matches(found, stamp)
        seen += len(rows)
        if seen >= limit:
            return Backfill(seen, matched, complete=False)
    return Backfill(seen, matched, complete=True)
