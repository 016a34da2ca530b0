"""feedparser's private names that the fast path borrows (bot/feeds/feedparser_internals.py).

An upgrade of feedparser that renames or changes one of them fails here, by name, rather
than as a quiet difference between the fast path and feedparser on some feed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import feedparser

from bot.feeds import feedparser_internals as borrowed


def test_the_pinned_feedparser_is_the_one_these_names_were_read_from():
    assert feedparser.__version__.startswith("6.0."), (
        f"feedparser {feedparser.__version__}: check bot/feeds/feedparser_internals.py "
        "against its source before upgrading"
    )


def test_parse_date_reads_rfc822_and_w3c_dates_as_utc_struct_time():
    rfc822 = borrowed.parse_date("Tue, 02 Jan 2024 15:04:05 -0500")
    assert isinstance(rfc822, time.struct_time)
    assert borrowed.struct_to_utc(rfc822) == datetime(2024, 1, 2, 20, 4, 5, tzinfo=UTC)
    w3c = borrowed.parse_date("2024-01-02T15:04:05Z")
    assert borrowed.struct_to_utc(w3c) == datetime(2024, 1, 2, 15, 4, 5, tzinfo=UTC)
    assert borrowed.parse_date("not a date") is None


def test_cp1252_table_repairs_c1_controls():
    assert isinstance(borrowed.CP1252, dict)
    assert "\x93quoted\x94 \x96 dash".translate(borrowed.CP1252) == "“quoted” – dash"


def test_looks_like_html_tells_markup_from_text():
    assert borrowed.looks_like_html("<p>a <b>bold</b> word</p>")
    assert not borrowed.looks_like_html("plain text, 3 < 4")


def test_urljoin_resolves_relative_links():
    assert borrowed.urljoin("https://example.org/news/", "story/1") == (
        "https://example.org/news/story/1"
    )
    assert borrowed.urljoin("https://example.org/a/", "/b") == "https://example.org/b"


def test_struct_to_utc_gives_none_for_missing_or_out_of_range():
    assert borrowed.struct_to_utc(None) is None
    assert borrowed.struct_to_utc(time.struct_time((99999, 1, 1, 0, 0, 0, 0, 1, 0))) is None
