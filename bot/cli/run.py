"""`run` (the service), and the two checks around it: `check` before (the configuration,
and what chats changed beside it) and `health` while it runs (the Docker HEALTHCHECK)."""

from __future__ import annotations

import asyncio

from bot.app import opened
from bot.config import BotConfig, Environment
from bot.model import utc_now
from bot.store import Store, database_exists


def cmd_run(args, env, config) -> int:
    with opened(env, config) as app:
        asyncio.run(app.serve())
    return 0


def cmd_check(args, env: Environment, config: BotConfig) -> int:
    print(
        f"{env.config_path}: ok: {len(config.feeds)} feeds, {len(config.topics)} topics, "
        f"{len(config.chats)} chats"
    )
    if not env.telegram_token:
        print("note: TELEGRAM_BOT_TOKEN is not set: digests will go to the console")
    for line in chat_changes(env, config):
        print(line)
    return 0


def cmd_health(args, env, config) -> int:
    with opened(env, config) as app:
        last = app.store.last_cycle()
        limit = 3 * app.tick_seconds() + 600
    if last is None:
        print("unhealthy: no poll cycle has run yet")
        return 1
    age = (utc_now() - last["finished_at"]).total_seconds()
    if age > limit:
        print(f"unhealthy: the last poll cycle finished {age:.0f}s ago")
        return 1
    print(f"ok: last poll cycle {age:.0f}s ago")
    return 0


def chat_changes(env, config) -> list[str]:
    """What chats changed from Telegram, on top of feeds.yaml (for `check`). Only an
    existing database is read: `check` never creates one."""
    if not database_exists(env.database_url):
        return []
    store = Store.open(env.database_url)
    try:
        settings = store.chat_settings()
        added = [f for f in store.feed_states(with_counts=False) if f.origin != "config"]
    finally:
        store.close()
    lines = [
        f"database: beside feeds.yaml: {sum(f.enabled for f in added)} feeds added from chats "
        f"or OPML, {len(settings.approved)} chats approved from Telegram, "
        f"{sum(len(c) for c in settings.choices.values())} topic choices, "
        f"{len(settings.watches)} watches, {len(settings.schedules)} digest schedules"
    ]
    for feed in added:
        state = "" if feed.enabled else " (removed)"
        lines.append(f"  feed [{feed.origin}] {feed.name} <{feed.url}>{state}")
    for chat, name in settings.approved.items():
        lines.append(f"  chat {chat} approved ({name or 'no name'})")
    for chat, choices in settings.choices.items():
        for topic, choice in choices.items():
            how = ("digest+alerts" if choice.alerts else "digest") if choice.digest else "off"
            unknown = "" if topic in config.topics else " (not in feeds.yaml: ignored)"
            lines.append(f"  chat {chat}: topic {topic}: {how}{unknown}")
    for watch in settings.watches:
        alerts = " +alerts" if watch.alerts else ""
        lines.append(f"  chat {watch.chat}: watch {watch.name}{alerts}: {watch.query}")
    for chat, own in settings.schedules.items():
        parts = [f"digest {own.schedule}"] if own.schedule else []
        parts += [f"timezone {own.timezone}"] if own.timezone else []
        lines.append(f"  chat {chat}: {', '.join(parts)} (over feeds.yaml)")
    return lines
