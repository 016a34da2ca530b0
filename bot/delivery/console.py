"""The console sink: without TELEGRAM_BOT_TOKEN, messages are printed as readable text."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from typing import TextIO

from bot.delivery import ChatId


def html_to_text(html: str) -> str:
    """Telegram HTML → plain text: tags dropped, entities decoded, links as "text (url)",
    quotes with "> " before each line."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.stack[0][1])


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # (tag, pieces, href): the text inside each open <a> and <blockquote> is kept
        # apart until its end tag says how to show it.
        self.stack: list[tuple[str, list[str], str | None]] = [("", [], None)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "blockquote"):
            self.stack.append((tag, [], dict(attrs).get("href")))

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) == 1 or self.stack[-1][0] != tag:
            return
        _, pieces, href = self.stack.pop()
        text = "".join(pieces)
        if tag == "a" and href and href != text:
            text = f"{text} ({href})"
        elif tag == "blockquote":
            text = "\n".join(f"> {line}" for line in text.split("\n"))
        self.stack[-1][1].append(text)

    def handle_data(self, data: str) -> None:
        self.stack[-1][1].append(data)

    def close(self) -> None:
        super().close()
        while len(self.stack) > 1:  # unclosed tags: keep their text
            self.handle_endtag(self.stack[-1][0])


class ConsoleSender:
    """Prints each message under a header naming the chat; ids count up per chat."""

    is_console = True  # the outbox gives the console chat's parts to this sender only

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.last_id: dict[ChatId, int] = {}

    async def __aenter__(self) -> ConsoleSender:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def check(self) -> str:
        return "console (no TELEGRAM_BOT_TOKEN: messages are printed)"

    async def send_html(
        self, chat: ChatId, html: str, *, thread: int | None = None, preview: bool = False
    ) -> int:
        return self._print(chat, thread, html_to_text(html))

    async def send_photo(
        self, chat: ChatId, png: bytes, caption_html: str, *, thread: int | None = None
    ) -> int:
        caption = html_to_text(caption_html)
        return self._print(chat, thread, f"[picture: PNG, {len(png):,} bytes]\n{caption}")

    def _print(self, chat: ChatId, thread: int | None, text: str) -> int:
        message_id = self.last_id.get(chat, 0) + 1
        self.last_id[chat] = message_id
        where = f"chat {chat}" + (f", thread {thread}" if thread is not None else "")
        stream = self.stream or sys.stdout  # looked up late: tests capture sys.stdout
        print(f"──── to {where} · message {message_id} ────", file=stream)
        print(text.rstrip("\n"), end="\n\n", file=stream)
        stream.flush()
        return message_id
