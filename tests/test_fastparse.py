"""The ElementTree fast path gives exactly the articles feedparser gives, or steps aside."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.feeds.fastparse import parse_rss_fast, rfc822_date
from bot.feeds.feedparser_internals import parse_date, struct_to_utc
from bot.feeds.normalize import normalize_entry
from bot.feeds.parse import parse_feed
from tests.conftest import rss
from tests.corpus import corpus_dir

NOW = datetime.now(UTC)
CONTENT_TYPES = ["application/rss+xml; charset=utf-8", "text/xml", "application/xml",
                 "text/xml; charset=UTF-8", "application/rss+xml"]  # fmt: skip


def articles(parsed):
    return [
        normalize_entry(e, feed="f", fetched_at=NOW, feed_language=parsed.language)
        for e in parsed.entries
    ]


def assert_same_as_feedparser(body: bytes, content_type: str, label: str) -> bool:
    """True when the fast path took the body (and then agreed with feedparser)."""
    fast = parse_rss_fast(body, content_type, "http://example.com/feed/")
    if fast is None:
        return False
    try:
        reference = parse_feed(body, content_type, "http://example.com/feed/", fast=False)
    except ParseError:
        assert not fast.entries, label
        return True
    assert articles(fast) == articles(reference), label
    assert fast.language == reference.language, label
    return True


@pytest.mark.slow
def test_fast_path_agrees_with_feedparser_on_the_whole_corpus():
    root = corpus_dir()
    accepted = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".md" or path.name == "LICENSE":
            continue
        body = path.read_bytes()
        if path.name.endswith(".xml.gz"):
            body = gzip.decompress(body)
        for content_type in CONTENT_TYPES:
            accepted += assert_same_as_feedparser(body, content_type, f"{path} {content_type}")
    assert accepted > 1000  # the comparison is not vacuous


ODD_ITEMS = [
    {"title": "AT&T &amp; the &lt;b&gt;border&lt;/b&gt; 5 < 6", "link": "https://a.example/1"},
    {"title": "Quédate en México — “Remain”", "link": "https://a.example/2?utm_source=x&a=1"},
    {"title": "relative link", "link": "/news/3", "guid": "g3"},
    {"title": "guid only", "guid": "https://a.example/permalink/4"},
    {"title": "Dated", "link": "https://a.example/5", "pubDate": NOW - timedelta(days=1)},
    {"title": "GN copy - Border Report", "link": "https://news.google.com/rss/articles/X",
     "source": ("Border Report", "https://www.borderreport.com")},
    {"title": "", "link": "https://a.example/7", "description": "<p>Only <b>HTML</b></p>"},
]  # fmt: skip


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_fast_path_agrees_on_odd_items(content_type):
    for item in ODD_ITEMS:
        body = rss([item])
        taken = assert_same_as_feedparser(body, content_type, repr(item))
        # text/xml without a charset means ASCII (RFC 3023): only ASCII bodies qualify.
        assert taken or (content_type == "text/xml" and not body.isascii()), item


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (rss([{"title": "x"}]).replace(b"utf-8", b"iso-8859-1"), "application/rss+xml"),
        (rss([{"title": "x"}]), "text/xml; charset=windows-1252"),
        (rss([{"title": "é"}]), "text/xml"),  # RFC 3023: text/xml without charset is ASCII
        (b"\n" + rss([{"title": "x"}]), "application/rss+xml"),  # not well-formed
        (rss([{"title": "x"}]).replace(b'version="2.0"', b'version="0.91"'), "text/xml"),
        (rss([{"title": "x"}]).replace(b"<item>", b"<item><author>a@b.c (A)</author>"), None),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "application/atom+xml"),
    ],
    ids=["latin1", "cp1252-header", "non-ascii-text-xml", "leading-newline", "rss091",
         "author-email", "atom"],
)  # fmt: skip
def test_fast_path_steps_aside_for_what_it_does_not_handle(body, content_type):
    assert parse_rss_fast(body, content_type, "http://example.com/") is None


_RFC822_PARTS = st.tuples(
    st.sampled_from(["Mon", "Tue", "Sun", "mon", "Xyz"]),
    st.integers(0, 39).map(lambda n: f"{n:02d}") | st.sampled_from(["7", "007"]),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "dec", "Foo"]),
    st.integers(1895, 3005).map(str) | st.sampled_from(["26", "0999", "9999"]),
    st.integers(0, 25).map(lambda n: f"{n:02d}"),
    st.integers(0, 61).map(lambda n: f"{n:02d}"),
    st.integers(0, 61).map(lambda n: f"{n:02d}"),
    st.sampled_from(["+0000", "-0500", "+0530", "-1200", "+1400", "+9999", "GMT", "UT", "UTC",
                     "Z", "EST", "+05:30", "gmt", ""]),
)  # fmt: skip


_RFC822_VALID = st.tuples(  # the fast form throughout, so most take it
    st.sampled_from(["Mon", "Wed", "Sat"]),
    st.integers(1, 31).map(lambda n: f"{n:02d}"),
    st.sampled_from(["Jan", "Feb", "Apr", "Dec"]),
    st.integers(1900, 2999).map(str),
    st.integers(0, 23).map(lambda n: f"{n:02d}"),
    st.integers(0, 59).map(lambda n: f"{n:02d}"),
    st.integers(0, 59).map(lambda n: f"{n:02d}"),
    st.sampled_from(["+0000", "-0500", "+0530", "-1259", "+1400", "+9999", "GMT", "UTC", "Z"]),
)


@given(_RFC822_PARTS | _RFC822_VALID, st.sampled_from([", ", ", ", " ", ",  "]))
def test_common_rfc822_dates_read_as_feedparser_reads_them(parts, comma):
    """rfc822_date takes the common form and gives feedparser's date, or steps aside."""
    day_name, day, month, year, hour, minute, second, zone = parts
    text = f"{day_name}{comma}{day} {month} {year} {hour}:{minute}:{second} {zone}".strip()
    fast = rfc822_date(text)
    if fast is not None:
        assert fast == struct_to_utc(parse_date(text)), text


def test_the_feeds_own_dates_take_the_rfc822_fast_form():
    when = rfc822_date("Mon, 07 Dec 2026 11:12:46 -0500")
    assert when == datetime(2026, 12, 7, 16, 12, 46, tzinfo=UTC)
    assert rfc822_date("Mon, 07 Dec 2026 11:12:46 GMT") == when - timedelta(hours=5)
    assert rfc822_date("2026-12-07T11:12:46Z") is None  # W3C: feedparser reads it
