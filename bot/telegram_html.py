"""Telegram HTML, written safely: escaping, links, cutting, splitting, and length as
Telegram counts it. Pure: text in, text out. Digests (bot/digest/render.py) and chat
answers (bot/chat/answers.py) compose their messages from these pieces only.

Telegram's HTML parse mode accepts a handful of tags and refuses the whole message for
anything else, so every piece of text is escaped and the only tags are the ones these
functions and their callers write (b, i, code, a href with http and https links only).
A message may hold 4096 characters after entity parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

MESSAGE_LIMIT = 4096  # Telegram: characters after entity parsing
_TAG = re.compile(r"<[^>]*>")


def esc(text: object) -> str:
    """Text as it may stand between tags."""
    return html.escape(str(text), quote=False)


def visible_length(text: str) -> int:
    """Length as Telegram counts it: tags removed, entities decoded, UTF-16 code units."""
    plain = html.unescape(strip_tags(text))
    return len(plain.encode("utf-16-le")) // 2


def strip_tags(text: str) -> str:
    return _TAG.sub("", text)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are links; anything else (javascript:, data:) is left out."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def cut(text: str, limit: int) -> str:
    """White space collapsed, and at most `limit` characters (an ellipsis shows the cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def link(title: str, url: str | None, limit: int) -> str:
    """The title (cut to `limit`) as a link, or as plain text when the URL is not http(s)."""
    safe = safe_url(url)
    text = esc(cut(title, limit) or "(untitled)")
    return f'<a href="{html.escape(safe, quote=True)}">{text}</a>' if safe else text


def marked(snippet: str, highlights: Iterable, limit: int) -> str:
    """The snippet escaped and cut to `limit`, its hits (offsets from the matcher) in bold.
    Overlapping or out-of-range hits are shown plain rather than wrong."""
    text = snippet[:limit]
    out, position = [], 0
    for start, end in sorted(tuple(h) for h in highlights):
        if start < position or end > len(text) or start >= end:
            continue
        out += [esc(text[position:start]), f"<b>{esc(text[start:end])}</b>"]
        position = end
    out.append(esc(text[position:]))
    return "".join(out) + ("…" if len(snippet) > limit else "")


def split_message(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines, in as few messages as fit; a block longer than a
    message on its own is cut (its tags would be cut too, so it goes as plain text)."""
    parts: list[list[str]] = [[]]
    size = 0
    for block in blocks:
        if visible_length(block) > limit:
            block = esc(html.unescape(strip_tags(block))[: limit - 1]) + "…"
        length = visible_length(block) + (2 if parts[-1] else 0)
        if parts[-1] and size + length > limit:
            parts.append([])
            length, size = visible_length(block), 0
        parts[-1].append(block)
        size += length
    return ["\n\n".join(p) for p in parts if p]
