"""A new installation without a token and without chats still shows the product working:
the console is its one chat, receiving every topic."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.delivery.outbox import CONSOLE_CHAT, flush
from bot.delivery.telegram import TelegramSender
from tests.conftest import rss
from tests.test_cli import bot, feeds_config

ITEMS = [
    {"title": "Shelters in Tijuana prepare for Remain in Mexico", "link": "https://n.example/1",
     "guid": "1", "description": "Remain in Mexico returns, shelters say."},
]  # fmt: skip
TOPICS = "topics:\n  mpp: {title: Remain in Mexico, query: '\"remain in mexico\"'}\n"


def test_without_token_or_chats_the_console_gets_the_digest_now(tmp_path, httpserver):
    httpserver.expect_request("/f").respond_with_data(rss(ITEMS), content_type="text/xml")
    config = feeds_config(("Border Report", httpserver.url_for("/f"))) + TOPICS
    assert bot(tmp_path, "poll", config=config).returncode == 0
    result = bot(tmp_path, "digest")
    assert result.returncode == 0, result.stderr
    assert "Shelters in Tijuana prepare" in result.stdout
    assert "Console: 1 story in 1 part" in result.stdout


def test_with_a_token_and_no_chats_digest_says_where_to_add_one(tmp_path):
    config = feeds_config(("F", "https://f.example/feed")) + TOPICS
    result = bot(
        tmp_path, "digest", config=config, env={"TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35}
    )
    assert result.returncode == 2 and "feeds.yaml has no chats" in result.stderr


def test_what_was_written_for_the_console_never_goes_to_telegram(store, fake_bot_api):
    now = datetime.now(UTC)
    store.enqueue(chat=CONSOLE_CHAT, kind="digest", thread=None, preview=False, created=now,
                  since=now, parts=["<b>Console digest</b>"], article_ids=[])  # fmt: skip

    async def go():
        async with TelegramSender(fake_bot_api.token, base_url=fake_bot_api.base_url) as sender:
            return await flush(store, sender)

    report = asyncio.run(go())
    assert report.sent == 0 and fake_bot_api.sent_to(CONSOLE_CHAT) == []
    assert len(store.pending_parts(CONSOLE_CHAT)) == 1  # kept for the console
