"""What the fast path borrows from feedparser beyond its public API, named in one place.

bot/feeds/fastparse.py must give exactly what feedparser gives, so it reuses feedparser's
own rules for the subtle parts: its date parser, its cp1252 repair table, its HTML
sniffing and its URL joining. These are private names of feedparser 6.0 and may change
in any release: tests/test_feedparser_internals.py checks each one's shape and a sample
of its behaviour, so an upgrade that breaks them fails there, loudly, not as a silent
difference between the two parsers.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from feedparser.datetimes import _parse_date as parse_date
from feedparser.html import _cp1252 as CP1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin as urljoin

looks_like_html = _FeedParserMixin.looks_like_html

__all__ = ["CP1252", "looks_like_html", "parse_date", "struct_to_utc", "urljoin"]


def struct_to_utc(parsed) -> datetime | None:
    """feedparser's dates are struct_time in UTC; out-of-range values become None."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
