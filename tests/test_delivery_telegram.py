"""TelegramSender against the fake Bot API over real HTTP: sending, retries, refusals, limits."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import traceback
from itertools import pairwise

import pytest

from bot.delivery.ratelimit import RateLimits
from bot.delivery.telegram import RetryPolicy, TelegramSender, api_base_url
from bot.errors import (
    ChatUnreachable,
    DeliveryError,
    DeliveryUnavailable,
    MessageRefused,
    TokenRefused,
)

# PTB warns that RetryAfter.retry_after will become a timedelta when it builds one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

UNLIMITED = RateLimits(per_chat_interval=0, per_group=1000, group_period=1, overall=1000)
QUICK = RetryPolicy(attempts=3, backoff=0.05, max_backoff=0.1, max_flood_wait=5)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def run(fake, go, *, token=None, base_url=None, limits=UNLIMITED, retry=QUICK, timeout=3.0):
    """Run `await go(sender)` with a sender pointed at the fake."""

    async def main():
        async with TelegramSender(
            token or fake.token,
            base_url=base_url or fake.base_url,
            limits=limits,
            retry=retry,
            timeout=timeout,
        ) as sender:
            return await go(sender)

    return asyncio.run(main())


def send(chat, html="<b>Digest</b> for today", **options):
    return lambda sender: sender.send_html(chat, html, **options)


def test_send_html_returns_the_message_id(fake_bot_api):
    assert run(fake_bot_api, send(-100123)) == 1
    assert run(fake_bot_api, send(-100123)) == 2
    [first, _] = fake_bot_api.sent_to(-100123)
    assert (first.html, first.text, first.parse_mode) == (
        "<b>Digest</b> for today",
        "Digest for today",
        "HTML",
    )


def test_link_preview_is_off_unless_asked(fake_bot_api):
    run(fake_bot_api, send(5))
    run(fake_bot_api, send(5, preview=True))
    assert [m.preview_disabled for m in fake_bot_api.sent_to(5)] == [True, False]


def test_thread_is_passed_through(fake_bot_api):
    run(fake_bot_api, send(-100123, thread=42))
    assert fake_bot_api.messages[0].thread == 42


def test_channel_by_username(fake_bot_api):
    fake_bot_api.add_channel("@news_digest")
    assert run(fake_bot_api, send("@news_digest")) == 1
    assert fake_bot_api.messages[0].chat_id == "@news_digest"


def test_send_photo_uploads_the_png_with_its_caption(fake_bot_api):
    sent = run(fake_bot_api, lambda s: s.send_photo(7, PNG, "<b>MPP</b> this week", thread=3))
    assert sent == 1
    [photo] = fake_bot_api.messages
    assert (photo.method, photo.photo, photo.text, photo.thread) == (
        "sendPhoto",
        PNG,
        "MPP this week",
        3,
    )


def test_check_returns_the_bots_username(fake_bot_api):
    assert run(fake_bot_api, lambda s: s.check()) == "@fake_digest_bot"
    server = fake_bot_api.base_url.removesuffix("/bot")  # as a user may write it
    assert run(fake_bot_api, lambda s: s.check(), base_url=server) == "@fake_digest_bot"


@pytest.mark.parametrize(
    ("value", "url"),
    [
        (None, "https://api.telegram.org/bot"),
        ("http://h:8081", "http://h:8081/bot"),
        ("http://h:8081/", "http://h:8081/bot"),
        ("http://h:8081/bot/", "http://h:8081/bot"),
        ("http://h/api/bot{token}", "http://h/api/bot{token}"),
    ],
)
def test_api_base_url(value, url):
    assert api_base_url(value) == url


def test_refused_token(fake_bot_api):
    wrong = "987654321:WRONGtokenWRONGtokenWRONG"
    with pytest.raises(TokenRefused) as caught:
        run(fake_bot_api, lambda s: s.check(), token=wrong)
    assert str(caught.value).startswith("telegram: the bot token was refused (401)")
    assert len(fake_bot_api.calls) == 1


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<script>alert(1)</script>", "Can't parse entities"),
        ("a < b & c", "Can't parse entities"),
        ("x" * 4097, "Message is too long"),
    ],
    ids=["tag", "unescaped", "too long"],
)
def test_refused_message_is_not_retried(fake_bot_api, html, reason):
    with pytest.raises(MessageRefused) as caught:
        run(fake_bot_api, send(5, html))
    assert str(caught.value).startswith("telegram: sendMessage to chat 5 was refused: ")
    assert reason in caught.value.description
    assert len(fake_bot_api.calls_to("sendMessage")) == 1


def test_flood_control_is_waited_out(fake_bot_api):
    fake_bot_api.flood(retry_after=1)
    started = time.monotonic()
    assert run(fake_bot_api, send(5)) == 1
    assert time.monotonic() - started >= 1.0
    first, second = fake_bot_api.calls_to("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # the fake's clock: the retry came after the wait


def test_flood_wait_beyond_the_cap_is_left_to_the_caller(fake_bot_api):
    fake_bot_api.flood(retry_after=30)
    with pytest.raises(DeliveryUnavailable) as caught:
        run(fake_bot_api, send(5))
    assert caught.value.retry_after == 30
    assert len(fake_bot_api.calls) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(fake_bot_api, status):
    fake_bot_api.fail(status, times=2)
    assert run(fake_bot_api, send(5)) == 1
    assert [c.status for c in fake_bot_api.calls] == [status, status, 200]


def test_dropped_connection_is_retried(fake_bot_api):
    fake_bot_api.drop()
    assert run(fake_bot_api, send(5)) == 1
    assert [c.status for c in fake_bot_api.calls] == [None, 200]


def test_hanging_server_times_out_and_is_retried(fake_bot_api):
    fake_bot_api.hang(5)
    started = time.monotonic()
    assert run(fake_bot_api, send(5), timeout=0.3) == 1
    assert time.monotonic() - started < 3
    assert len(fake_bot_api.calls) == 2


def test_outage_longer_than_the_retries(fake_bot_api):
    fake_bot_api.fail(500, times=10)
    with pytest.raises(DeliveryUnavailable) as caught:
        run(fake_bot_api, send(5))
    assert "failed 3 times (last: Internal Server Error)" in str(caught.value)
    assert caught.value.chat == 5 and caught.value.retry_after is None
    assert len(fake_bot_api.calls) == 3 and not fake_bot_api.messages


@pytest.mark.parametrize(
    ("chat", "setup", "says"),
    [
        (-1005, "kick", "the bot was removed from chat -1005"),
        (77, "kick", "user 77 blocked the bot"),
        (-1005, "forget", "chat -1005 was not found"),
        ("@news", "not admin", "the bot must be an administrator of @news to post there"),
        ("@news", "not member", "the bot must be an administrator of @news to post there"),
    ],
    ids=["kicked", "blocked", "not found", "not admin", "not member"],
)
def test_unreachable_chat(fake_bot_api, chat, setup, says):
    if setup in ("kick", "forget"):
        getattr(fake_bot_api, setup)(chat)
    else:
        fake_bot_api.add_channel(chat, admin=False, member=setup != "not member")
    with pytest.raises(ChatUnreachable) as caught:
        run(fake_bot_api, send(chat))
    assert str(caught.value).startswith(f"telegram: {says}")
    assert caught.value.chat == chat
    assert len(fake_bot_api.calls) == 1


def test_group_upgraded_to_a_supergroup(fake_bot_api):
    fake_bot_api.migrate(-5, -1005)
    with pytest.raises(ChatUnreachable) as caught:
        run(fake_bot_api, send(-5))
    assert caught.value.migrated_to == -1005
    assert str(caught.value) == (
        "telegram: chat -5 became a supergroup with the id -1005: put that id in feeds.yaml"
    )


def test_flood_on_every_attempt_says_how_long_to_wait(fake_bot_api):
    fake_bot_api.flood(retry_after=1, times=2)
    with pytest.raises(DeliveryUnavailable) as caught:
        run(fake_bot_api, send(5), retry=RetryPolicy(attempts=2, max_flood_wait=5))
    assert caught.value.retry_after == 1 and len(fake_bot_api.calls) == 2


def test_one_chat_gets_one_message_per_interval(fake_bot_api):
    limits = RateLimits(per_chat_interval=0.2)

    async def go(sender):
        for n in range(4):
            await sender.send_html(5, f"part {n}")

    started = time.monotonic()
    run(fake_bot_api, go, limits=limits)
    assert time.monotonic() - started >= 3 * 0.2
    times = [m.at for m in fake_bot_api.messages]
    assert all(b - a >= 0.15 for a, b in pairwise(times))
    assert [m.text for m in fake_bot_api.messages] == [f"part {n}" for n in range(4)]


def test_two_chats_do_not_wait_for_each_other(fake_bot_api):
    limits = RateLimits(per_chat_interval=0.3)

    async def three(sender, chat):
        for n in range(3):
            await sender.send_html(chat, f"part {n}")

    async def go(sender):
        await asyncio.gather(three(sender, 5), three(sender, 6))

    started = time.monotonic()
    run(fake_bot_api, go, limits=limits)
    elapsed = time.monotonic() - started
    assert 0.6 <= elapsed < 1.5  # one after the other would take at least 1.5 s
    assert len(fake_bot_api.sent_to(5)) == len(fake_bot_api.sent_to(6)) == 3


def test_group_and_overall_limits(fake_bot_api):
    group = RateLimits(per_chat_interval=0, per_group=2, group_period=0.5, overall=100)
    started = time.monotonic()
    run(
        fake_bot_api,
        lambda s: asyncio.gather(*(s.send_html(-100, "x") for _ in range(3))),
        limits=group,
    )
    assert time.monotonic() - started >= 0.5
    overall = RateLimits(per_chat_interval=0, overall=2, overall_period=0.5)
    started = time.monotonic()
    run(
        fake_bot_api,
        lambda s: asyncio.gather(*(s.send_html(c, "x") for c in (1, 2, 3))),
        limits=overall,
    )
    assert time.monotonic() - started >= 0.5


def test_the_token_never_shows(fake_bot_api, caplog):
    token = fake_bot_api.token
    fake_bot_api.kick(-1005)
    fake_bot_api.fail(502, method="getMe", times=5)
    fake_bot_api.drop(method="sendPhoto", times=5)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/bot"
    closed.close()
    errors: list[DeliveryError] = []

    async def everything(sender):
        for attempt in (
            sender.send_html(5, "<p>bad</p>"),
            sender.send_html(-1005, "kicked"),
            sender.check(),
            sender.send_photo(5, PNG, "dropped"),
        ):
            try:
                await attempt
            except DeliveryError as exc:
                errors.append(exc)

    with caplog.at_level(logging.DEBUG):
        run(fake_bot_api, everything)
        for base_url in (nowhere, fake_bot_api.base_url):
            try:
                run(fake_bot_api, send(5), token=token + "x", base_url=base_url)
            except DeliveryError as exc:
                errors.append(exc)
    assert [type(e) for e in errors] == [
        MessageRefused,
        ChatUnreachable,
        DeliveryUnavailable,
        DeliveryUnavailable,
        DeliveryUnavailable,
        TokenRefused,
    ]
    for exc in errors:
        shown = "".join(traceback.format_exception(exc)) + repr(exc)
        assert token not in shown
    # httpx logs each request's URL: it was there, with the token taken out.
    assert any("/bot[token]/sendMessage" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if token in r.getMessage()]
