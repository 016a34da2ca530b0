"""Telegram's HTML parse mode, written independently of the bot: the referee for the renderer.

It follows the Bot API's own parser (tdlib's parse_html): the same tags and attributes,
the same error messages with byte offsets, entity offsets and lengths in UTF-16 code
units. Where Telegram is lenient and its documentation is not, this referee takes the
documentation's side: a lone `&` or `>` in text is refused here ("must be escaped"),
while Telegram would print it as is. A renderer that passes here passes on Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tag → entity type; every other tag is refused with "Unsupported start tag".
TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([a-z]+));")
SPACE = " \t\r\n"


class EntityError(ValueError):
    """The text is not valid Telegram HTML; str() is Telegram's reason."""


@dataclass(frozen=True)
class Entity:
    type: str
    offset: int  # UTF-16 code units, as the Bot API counts
    length: int
    url: str | None = None  # a href
    language: str | None = None  # code class="language-…"
    custom_emoji_id: str | None = None
    expandable: bool = False


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(html: str) -> tuple[str, list[Entity]]:
    """Telegram HTML → (plain text, entities), or EntityError with Telegram's description."""
    return _Parser(html).run()


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output
    attrs: dict[str, str]


class _Parser:
    def __init__(self, html: str):
        self.s = html
        self.i = 0
        self.out: list[str] = []
        self.size = 0  # UTF-16 length of out
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def byte(self, index: int) -> int:
        return len(self.s[:index].encode("utf-8"))

    def char(self, index: int) -> str:
        return self.s[index] if index < len(self.s) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.size += utf16_len(text)

    def run(self) -> tuple[str, list[Entity]]:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "&":
                self.emit(self.entity())
            elif c == ">":
                raise EntityError(
                    f'Unescaped ">" at byte offset {self.byte(self.i)} (the Bot API requires &gt;)'
                )
            elif c != "<":
                self.emit(c)
                self.i += 1
            elif self.char(self.i + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise EntityError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.out), self.entities

    def entity(self) -> str:
        """`&…;` at self.i → the character it stands for; a lone `&` is an error here."""
        match = ENTITY.match(self.s, self.i)
        char = None
        if match:
            if match[3] is not None:
                char = NAMED.get(match[3])
            else:
                code = int(match[1]) if match[1] is not None else int(match[2], 16)
                if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                    char = chr(code)
        if char is None:
            raise EntityError(
                f'Unescaped "&" at byte offset {self.byte(self.i)} (the Bot API requires &amp;)'
            )
        self.i = match.end()
        return char

    def start_tag(self) -> None:
        begin = self.i
        self.i += 1
        while self.i < len(self.s) and self.s[self.i] not in SPACE + ">":
            self.i += 1
        if self.i >= len(self.s):
            raise EntityError(f"Unclosed start tag at byte offset {self.byte(begin)}")
        tag = self.s[begin + 1 : self.i].lower()
        if tag not in TAGS:
            raise EntityError(f'Unsupported start tag "{tag}" at byte offset {self.byte(begin)}')
        attrs = self.attributes(tag, begin)
        self.i += 1  # the ">"
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte(begin)}'
            )
        if tag == "tg-emoji" and not attrs.get("emoji-id"):
            raise EntityError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self.byte(begin)}'
            )
        self.stack.append(_Open(tag, self.size, attrs))

    def attributes(self, tag: str, begin: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            while self.char(self.i) and self.char(self.i) in SPACE:
                self.i += 1
            if self.char(self.i) == ">":
                return attrs
            if not self.char(self.i):
                raise EntityError(f"Unclosed start tag at byte offset {self.byte(begin)}")
            name_begin = self.i
            while self.char(self.i) and self.char(self.i) not in SPACE + "=>":
                self.i += 1
            name = self.s[name_begin : self.i].lower()
            if not name:
                raise EntityError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.byte(begin)}'
                )
            while self.char(self.i) and self.char(self.i) in SPACE:
                self.i += 1
            if self.char(self.i) != "=":
                if tag == "blockquote" and name == "expandable" and self.char(self.i):
                    attrs[name] = ""
                    continue
                if not self.char(self.i):
                    raise EntityError(f"Unclosed start tag at byte offset {self.byte(begin)}")
                raise EntityError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte(begin)}'
                )
            self.i += 1
            while self.char(self.i) and self.char(self.i) in SPACE:
                self.i += 1
            attrs[name] = self.attribute_value(begin)

    def attribute_value(self, begin: int) -> str:
        quote = self.char(self.i)
        if not quote:
            raise EntityError(f"Unclosed start tag at byte offset {self.byte(begin)}")
        if quote not in "\"'":
            token = NAME_TOKEN.match(self.s, self.i)
            self.i = token.end()
            if not self.char(self.i) or self.char(self.i) not in SPACE + ">":
                raise EntityError(
                    f"Unexpected end of name token at byte offset {self.byte(self.i)}"
                )
            return token[0].lower()
        self.i += 1
        value = []
        while self.char(self.i) and self.char(self.i) != quote:
            if self.s[self.i] == "&":
                value.append(self.entity())
            else:
                value.append(self.s[self.i])
                self.i += 1
        if not self.char(self.i):
            raise EntityError(f"Unclosed start tag at byte offset {self.byte(begin)}")
        self.i += 1
        return "".join(value)

    def end_tag(self) -> None:
        begin = self.i
        if not self.stack:
            raise EntityError(f"Unexpected end tag at byte offset {self.byte(begin)}")
        self.i += 2
        while self.char(self.i) and self.char(self.i) not in SPACE + ">":
            self.i += 1
        name = self.s[begin + 2 : self.i].lower()
        while self.char(self.i) and self.char(self.i) in SPACE:
            self.i += 1
        if self.char(self.i) != ">":
            raise EntityError(f"Unclosed end tag at byte offset {self.byte(begin)}")
        self.i += 1
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise EntityError(
                f"Unmatched end tag at byte offset {self.byte(begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close(opened)

    def close(self, opened: _Open) -> None:
        length = self.size - opened.start
        kind = TAGS[opened.tag]
        if length == 0 or (kind == "text_link" and not opened.attrs.get("href")):
            return  # Telegram drops empty entities and links without a target
        language = opened.attrs.get("class", "")
        self.entities.append(
            Entity(
                kind,
                opened.start,
                length,
                url=opened.attrs.get("href") if kind == "text_link" else None,
                language=language.removeprefix("language-")
                if kind == "code" and language.startswith("language-")
                else None,
                custom_emoji_id=opened.attrs.get("emoji-id") if kind == "custom_emoji" else None,
                expandable=kind == "blockquote" and "expandable" in opened.attrs,
            )
        )
