"""The console sink: Telegram HTML shown as readable text, under a header naming the chat."""

from __future__ import annotations

import asyncio
import inspect
import io

import pytest

from bot.delivery.console import ConsoleSender, html_to_text

CASES = [
    ("bold kept as plain", "<b>MPP</b> digest", "MPP digest"),
    ("entities", "a &lt; b &amp; c &gt; d &quot;q&quot; &#x27;s&#39;", "a < b & c > d \"q\" 's'"),
    (
        "link with its URL",
        '<a href="https://e.org/a?x=1&amp;y=2">Court blocks MPP</a>',
        "Court blocks MPP (https://e.org/a?x=1&y=2)",
    ),
    ("link that is its URL", '<a href="https://e.org/">https://e.org/</a>', "https://e.org/"),
    ("nested tags", "<i>Border Report</i> · <b>8:05 <u>AM</u></b>", "Border Report · 8:05 AM"),
    ("quote", "<blockquote>line one\nline two</blockquote>", "> line one\n> line two"),
    ("spoiler and code", '<span class="tg-spoiler">s</span> <code>x&lt;1</code>', "s x<1"),
    ("unclosed link", '<a href="https://e.org/">cut', "cut (https://e.org/)"),
    ("emoji and right to left", "📰 <b>مرحبا</b>", "📰 مرحبا"),
]


@pytest.mark.parametrize(("html", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_console_sender_prints_each_part_under_a_header():
    out = io.StringIO()

    async def go():
        async with ConsoleSender(out) as sender:
            return [
                await sender.send_html(-100123, "<b>Border team</b> · part 1", thread=7),
                await sender.send_html(-100123, 'See <a href="https://e.org/">this</a>'),
                await sender.send_photo("@news", b"\x89PNG" + bytes(996), "<i>Trend</i>"),
            ]

    assert asyncio.run(go()) == [1, 2, 1]
    assert out.getvalue() == (
        "──── to chat -100123, thread 7 · message 1 ────\n"
        "Border team · part 1\n\n"
        "──── to chat -100123 · message 2 ────\n"
        "See this (https://e.org/)\n\n"
        "──── to chat @news · message 1 ────\n"
        "[picture: PNG, 1,000 bytes]\nTrend\n\n"
    )


@pytest.mark.parametrize("method", ["send_html", "send_photo"])
def test_both_senders_have_the_shape_of_sender(method):
    from bot.delivery import Sender
    from bot.delivery.telegram import TelegramSender

    expected = inspect.signature(getattr(Sender, method))
    for sender in (ConsoleSender, TelegramSender):
        assert inspect.signature(getattr(sender, method)) == expected, sender.__name__
