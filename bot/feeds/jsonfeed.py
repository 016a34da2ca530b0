"""JSON Feed 1.0/1.1 → ParsedFeed. feedparser 6.0.x cannot read JSON Feed, so we map it here.

Spec: https://jsonfeed.org/version/1.1 . Pure functions: bytes in, values out, no I/O.
Text is kept exactly as the producer wrote it (HTML entities included); normalization
unescapes and strips it later.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from bot.errors import ParseError
from bot.model import ParsedFeed, RawEntry

_BOM = b"\xef\xbb\xbf"
_JSON_SPACE = b" \t\r\n"
# Producers that escape "/" (PHP's json_encode) write jsonfeed.org\/version\/1.1.
_SNIFF_MARKERS = (b"jsonfeed.org/version/", b"jsonfeed.org\\/version\\/")
_VERSION_RE = re.compile(r"https?://(?:www\.)?jsonfeed\.org/version/1(?:\.(\d+))?(?!\d)")


def looks_like_json_feed(body: bytes) -> bool:
    """Cheap sniff, so a poller can send JSON Feeds here and everything else to feedparser."""
    head = body.removeprefix(_BOM).lstrip(_JSON_SPACE)
    if not head.startswith(b"{"):
        return False
    # The whole body, not just its head: some producers write "version" after "items",
    # tens of KB in. bytes.find is a memchr-speed scan, and a false hit only costs a
    # clear ParseError from parse_json_feed.
    return any(marker in head for marker in _SNIFF_MARKERS)


def parse_json_feed(body: bytes) -> ParsedFeed:
    """Map a JSON Feed body to a ParsedFeed; ParseError says why a body is not one."""
    doc = _load_json(body)
    feed_format = _feed_format(doc)
    items = doc.get("items")
    if not isinstance(items, list):
        found = "no 'items' key" if items is None else f"'items' is {_json_kind(items)}"
        raise ParseError(f"JSON Feed has no 'items' list ({found})")
    language = _text(doc.get("language"))
    author = _author(doc)
    entries = [_entry(item, language, author) for item in items if isinstance(item, dict)]
    return ParsedFeed(
        entries=entries,
        title=_text(doc.get("title")),
        link=_text(doc.get("home_page_url")),
        language=language,
        bozo=None,
        format=feed_format,
    )


def _load_json(body: bytes) -> Any:
    """Strict UTF-8 (the spec requires it; a BOM is tolerated), then JSON, with located errors."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"JSON Feed is not UTF-8: byte {exc.start} is invalid") from None
    if not text.strip():
        raise ParseError("empty body, expected a JSON Feed")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(_json_error_message(exc, text)) from None
    except RecursionError:
        raise ParseError("invalid JSON Feed: JSON nested too deeply") from None


def _json_error_message(exc: json.JSONDecodeError, text: str) -> str:
    """Say where the JSON broke, and that it was cut short when the error sits at the end."""
    reason = exc.msg.removesuffix(" at")  # "Invalid control character '\n' at"
    message = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {reason}"
    if exc.pos >= len(text.rstrip()) or reason.startswith("Unterminated string"):
        message += " (the body ends early: truncated download?)"
    return message


def _feed_format(doc: Any) -> str:
    """Return "json1"/"json11" from the version URL; ParseError for anything else."""
    if not isinstance(doc, dict):
        raise ParseError(f"not a JSON Feed: the top level is {_json_kind(doc)}, not an object")
    if "version" not in doc:
        keys = ", ".join(list(doc)[:5]) or "none"
        raise ParseError(f"not a JSON Feed: no 'version' key (top-level keys: {keys})")
    version = doc["version"]
    match = _VERSION_RE.search(version) if isinstance(version, str) else None
    if match is None:
        raise ParseError(
            f"not a JSON Feed: 'version' is {_short(version)}, "
            "expected https://jsonfeed.org/version/1 or /1.1"
        )
    minor = match.group(1)
    return "json1" if minor is None else f"json1{minor}"


def _entry(item: dict, feed_language: str | None, feed_author: str | None) -> RawEntry:
    """Map one item; the feed's language and author apply when the item names none (per spec)."""
    return RawEntry(
        guid=_guid(item.get("id")),
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=_text(item.get("title")),
        summary=_text(item.get("summary")),
        content=_text(item.get("content_html")) or _text(item.get("content_text")),
        author=_author(item) or feed_author,
        published=_parse_date(item.get("date_published")),
        updated=_parse_date(item.get("date_modified")),
        language=_text(item.get("language")) or feed_language,
    )


def _text(value: Any) -> str | None:
    """A string exactly as given, or None when it is missing, not a string, or blank."""
    return value if isinstance(value, str) and value.strip() else None


def _guid(value: Any) -> str | None:
    """Ids must be strings, but some producers write numbers: keep them as their text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return _text(value)


def _author(obj: dict) -> str | None:
    """The first named author: v1.1 "authors" list first, then v1 "author" object."""
    authors = obj.get("authors")
    candidates = list(authors) if isinstance(authors, list) else []
    candidates.append(obj.get("author"))
    for author in candidates:
        name = _text(author.get("name")) if isinstance(author, dict) else None
        if name:
            return name
    return None


def _parse_date(value: Any) -> datetime | None:
    """RFC 3339 (as the spec says) or RFC 822 (as some producers write) → aware UTC, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.upper())  # RFC 3339 allows a lower-case "t"/"z"
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # no offset given: UTC is the only sane reading
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None  # e.g. year 1 with a positive offset


def _json_kind(value: Any) -> str:
    """Name a JSON value's type the way a feed author would: 'a list', 'a string', …"""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


def _short(value: Any) -> str:
    """repr() capped to fit an error message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
