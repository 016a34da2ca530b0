"""`run` (the service), and the two checks around it: `check` before (the configuration,
and what chats changed beside it) and `health` while it runs (the Docker HEALTHCHECK)."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass

from bot.app import NoDatabase, opened, read_service_state
from bot.chat.service import ChatSideState
from bot.cli.processes import describe_processes, running
from bot.config import BotConfig, Environment
from bot.feeds.health import failing_feeds
from bot.model import utc_now
from bot.store import Store, database_exists


def cmd_run(args, env, config) -> int:
    with opened(env, config) as app:
        app.role = getattr(args, "role", "all")
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
    if getattr(args, "verbose", False):
        for key, topic in config.topics.items():
            shape = " (compiled from names:)" if topic.names else ""
            print(f"topic {key}{shape}:")
            print(f"  query: {topic.query}")
            if topic.exclude:
                print(f"  exclude: {topic.exclude}")
    return 0


def cmd_health(args, env, config) -> int:
    """Exit 1 when polling is not recent (Docker restarts the container), or there is no
    database yet. The rest only colours the text: "degraded" exits 0 while chat commands
    are off (a Telegram outage, retried by the service) or most feeds are failing (an
    outage of the network or DNS: the service retries them), since a restart would bring
    neither back."""
    try:
        with opened(env, config, create=False) as app:
            last = app.store.last_cycle()
            failing = failing_feeds(app.store.feed_states(with_counts=False))
            limit = 3 * app.tick_seconds() + 600
            rows, where, shared = app.store.processes(), app.store.describe(), app.store.shared
    except NoDatabase as exc:
        print(f"unhealthy: {exc}")
        return 1
    if shared:  # several processes: each says how it is in its heartbeat row
        chat = processes_line(where, rows, utc_now())
    else:
        chat = service_line(read_service_state(env.database_url))
        chat = ServiceLine(f"{chat.text}; store: {where}", chat.working)
    if last is None:
        print("unhealthy: no poll cycle has run yet" + chat.text)
        return 1
    age = (utc_now() - last["finished_at"]).total_seconds()
    if age > limit:
        print(f"unhealthy: the last poll cycle finished {age:.0f}s ago" + chat.text)
        return 1
    if failing:
        feeds, hint = failing
        print(
            f"degraded: {feeds} (last poll cycle {age:.0f}s ago)"
            + (f"; {hint}" if hint else "")
            + chat.text
        )
        return 0
    print(f"{'ok' if chat.working else 'degraded'}: last poll cycle {age:.0f}s ago" + chat.text)
    return 0


@dataclass(frozen=True)
class ServiceLine:
    text: str  # "; chat commands: on since …", or "" when no service said anything
    working: bool


def service_line(state: dict | None) -> ServiceLine:
    """What the service's state file (bot.app.App.write_state) says, for `health`."""
    if not state:
        return ServiceLine("", True)
    if state.get("stopped"):
        when = str(state.get("updated_at", "?"))[:16].replace("T", " ")
        return ServiceLine(f"; the service stopped at {when} UTC", True)
    if state.get("host") == socket.gethostname() and not _alive(state.get("pid")):
        return ServiceLine(f"; the service (pid {state.get('pid')}) is not running", True)
    if not state.get("chat"):
        return ServiceLine("", True)
    try:
        chat = ChatSideState.from_dict(state["chat"])
    except (TypeError, ValueError):
        return ServiceLine("; chat commands: unknown (unreadable state)", True)
    now = utc_now()
    if chat.state in ("retrying", "refused"):
        return ServiceLine(f"; chat commands {chat.describe(now)}", False)
    return ServiceLine(f"; chat commands: {chat.describe(now)}", chat.working(now))


def processes_line(kind: str, rows, now) -> ServiceLine:
    """On a shared store: which processes run, and the chat side of the one polling
    Telegram (a standby's is not news); degraded while that one cannot start."""
    text = "; " + describe_processes(kind, rows, now)
    states = []
    for row in running(rows, now):
        try:
            if row.chat:
                states.append(ChatSideState.from_dict(row.chat))
        except (TypeError, ValueError):
            continue
    active = [c for c in states if c.state != "standby"]
    if not active:
        return ServiceLine(text, True)
    chat = active[0]
    return ServiceLine(f"{text}; chat commands: {chat.describe(now)}", chat.working(now))


def _alive(pid) -> bool:
    """Is there a process `pid` on this machine (one we may not signal counts)?"""
    try:
        if int(pid) <= 0:
            return False
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


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
