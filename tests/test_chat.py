"""The chat commands end to end: the real service (python-telegram-bot polling) against
the fake Bot API; updates go in through getUpdates, answers are read from the fake."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from tests.chatbot import Running, button, message, wait_for
from tests.conftest import rss

GROUP, ADMIN, MEMBER, STRANGER_GROUP = -1001, 7, 8, -2002
NOW = datetime.now(UTC)


def config(feed_url: str = "", **settings) -> str:
    feeds = f'feeds: [{{name: "Border Wire", url: "{feed_url}"}}]\n' if feed_url else ""
    extra = ", ".join(f"{k}: {v}" for k, v in settings.items())
    return f"""
settings: {{timezone: UTC{", " + extra if extra else ""}}}
{feeds}topics:
  mpp: {{title: "Remain in Mexico", query: '"remain in mexico" OR mpp'}}
  asylum: {{title: "Asylum", query: 'asylum OR asilo'}}
chats:
  - {{id: {GROUP}, name: "Border team", topics: [mpp]}}
admins: [{ADMIN}]
"""


def story(n: int, title: str, hours_ago: float = 1, text: str = "") -> dict:
    return {"title": title, "link": f"https://news.example/{n}", "guid": f"g{n}",
            "pubDate": NOW - timedelta(hours=hours_ago),
            "description": text or f"Story {n}: {title}."}  # fmt: skip


@pytest.fixture
def start(fake_bot_api, tmp_path, httpserver):
    """start(items=[...], **settings) → a running service whose one feed holds `items`."""
    running = []

    def go(items=(), **settings):
        url = ""
        if items:
            httpserver.expect_request("/feed").respond_with_data(
                rss(list(items)), content_type="text/xml"
            )
            url = httpserver.url_for("/feed")
        bot = Running(fake_bot_api, config(url, **settings), f"sqlite:///{tmp_path / 'bot.db'}")
        running.append(bot)
        if items:
            wait_for(bot.store.last_cycle, what="the first poll")
        return bot

    yield go
    for bot in running:
        bot.close()


def answers(fake, chat, n=1):
    """The first n messages the bot sent to chat (waits for them)."""
    return wait_for(
        lambda: (sent := fake.sent_to(chat)) and len(sent) >= n and sent, what=f"{n} answers"
    )


def test_commands_are_registered_and_help_names_the_chats_topics(start, fake_bot_api):
    start()
    names = [c["command"] for c in fake_bot_api.commands]
    assert {"help", "search", "digest", "topics", "subscribe", "watch", "feeds", "trend",
            "status", "addfeed", "removefeed", "unsubscribe", "unwatch"} <= set(names)  # fmt: skip
    fake_bot_api.push_update(message(GROUP, MEMBER, "/start"))
    text = answers(fake_bot_api, GROUP)[0].text
    assert "Remain in Mexico" in text and "Next digest" in text and "/search" in text


def test_an_unknown_chat_is_told_once_then_ignored(start, fake_bot_api):
    bot = start()
    fake_bot_api.push_update(message(STRANGER_GROUP, MEMBER, "/help"))
    first = answers(fake_bot_api, STRANGER_GROUP)[0].text
    assert str(STRANGER_GROUP) in first and "private" in first and "/approve" in first
    fake_bot_api.push_update(message(STRANGER_GROUP, MEMBER, "/search mpp"))
    fake_bot_api.push_update(message(GROUP, MEMBER, "/help"))  # a marker: handled after those
    answers(fake_bot_api, GROUP)
    assert len(fake_bot_api.sent_to(STRANGER_GROUP)) == 1
    assert bot.store.chat_access(str(STRANGER_GROUP)) == "told"
