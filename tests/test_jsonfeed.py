"""JSON Feed parser: the real corpus in shared/corpus/jsonfeed/ plus small inline cases."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from corpus import corpus_dir

from bot.errors import ParseError
from bot.feeds.jsonfeed import looks_like_json_feed, parse_json_feed

# file -> (item count per SOURCES.md, format); test_table_matches_sources_md keeps them in step.
VALID = {
    "jsonfeed-org-own-feed-v1.json": (1, "json1"),
    "daringfireball-v1-excerpt.json": (2, "json1"),
    "influxdata-blog-v1.1.json": (3, "json11"),
    "daringfireball-v1.json": (48, "json1"),
    "inessential-v1.json": (20, "json1"),
    "fboes-blog-de-v1.1.json": (20, "json11"),
    "authors-test-v1.1.json": (4, "json11"),
    "pixelenvy-v1-http-version-url.json": (20, "json1"),
    "lukedorny-v1.1-escaped-slashes.json": (30, "json11"),
    "feedparser-example-v1-with-test-key.json": (2, "json1"),
}
TRUNCATED = "allthis-v1-truncated-invalid.json"
RSS_IN_JSON = "scriptingnews-rss-in-json-NOT-jsonfeed.json"


@pytest.fixture(scope="module")
def jsonfeed_dir() -> Path:
    return corpus_dir("jsonfeed")


def load(directory: Path, name: str) -> bytes:
    return (directory / name).read_bytes()


def feed_bytes(**doc: object) -> bytes:
    doc.setdefault("version", "https://jsonfeed.org/version/1.1")
    return json.dumps(doc).encode()


def one_entry(item: dict):
    (entry,) = parse_json_feed(feed_bytes(items=[item])).entries
    return entry


# --- the corpus ------------------------------------------------------------------------------


def test_table_matches_sources_md(jsonfeed_dir: Path):
    rows = re.findall(
        r"^\| `([^`]+)` \|[^|]*\|[^|]*\| (\d+) \|", (jsonfeed_dir / "SOURCES.md").read_text(), re.M
    )
    listed = {name: int(count) for name, count in rows}
    assert listed == {
        **{name: count for name, (count, _) in VALID.items()},
        TRUNCATED: 0,
        RSS_IN_JSON: 50,
    }
    assert {p.name for p in jsonfeed_dir.glob("*.json")} == set(listed)


@pytest.mark.parametrize(("name", "count", "fmt"), [(n, c, f) for n, (c, f) in VALID.items()])
def test_corpus_item_counts_and_format(jsonfeed_dir: Path, name: str, count: int, fmt: str):
    body = load(jsonfeed_dir, name)
    assert looks_like_json_feed(body)
    feed = parse_json_feed(body)
    assert len(feed.entries) == count
    assert feed.format == fmt
    assert feed.bozo is None
    for entry in feed.entries:
        for moment in (entry.published, entry.updated):
            assert moment is None or moment.tzinfo is UTC


def test_truncated_file_is_a_located_parse_error(jsonfeed_dir: Path):
    body = load(jsonfeed_dir, TRUNCATED)
    with pytest.raises(ParseError) as info:
        parse_json_feed(body)
    message = str(info.value)
    assert message.startswith("parse: invalid JSON at line 1, column ")
    assert "truncated" in message
    assert not message.endswith(" at")  # json's own msg ends in a dangling "at"


def test_rss_mapped_to_json_is_not_a_json_feed(jsonfeed_dir: Path):
    body = load(jsonfeed_dir, RSS_IN_JSON)
    assert not looks_like_json_feed(body)
    with pytest.raises(
        ParseError, match=r"not a JSON Feed: no 'version' key \(top-level keys: rss\)"
    ):
        parse_json_feed(body)


def test_daring_fireball_fields(jsonfeed_dir: Path):
    feed = parse_json_feed(load(jsonfeed_dir, "daringfireball-v1-excerpt.json"))
    assert (feed.title, feed.link, feed.language) == (
        "Daring Fireball",
        "https://daringfireball.net/",
        None,
    )
    first = feed.entries[0]
    assert first.guid == "https://daringfireball.net/linked/2020/01/24/bezos-iphone-x"
    assert first.link == first.guid  # url wins over external_url
    assert first.title == "How Jeff Bezos’s iPhone X Was Hacked"
    assert first.content.startswith("<p>Good summary")
    assert first.summary is None
    assert first.author == "John Gruber"
    assert first.published == datetime(2020, 1, 24, 23, 46, 57, tzinfo=UTC)
    assert feed.entries[1].updated == datetime(2020, 1, 21, 20, 58, 36, tzinfo=UTC)


def test_offsets_are_converted_to_utc(jsonfeed_dir: Path):
    feed = parse_json_feed(load(jsonfeed_dir, "inessential-v1.json"))
    last = feed.entries[-1]
    assert last.title == "My CocoaConf Yosemite 2017 Talk"
    assert last.published == datetime(2017, 3, 25, 18, 55, 21, tzinfo=UTC)  # was 11:55:21-07:00


def test_authors_v1_and_v11(jsonfeed_dir: Path):
    feed = parse_json_feed(load(jsonfeed_dir, "authors-test-v1.1.json"))
    assert [(e.guid, e.author) for e in feed.entries] == [
        ("Item without authors", "Root Author 1"),  # the feed's authors apply (spec)
        ("Item with legacy author", "Legacy Item Author"),
        ("Item with modern authors", "Item Author 1"),
        ("Item with both", "Item Author 1"),  # v1.1 "authors" wins over v1 "author"
    ]
    assert all(e.content is None for e in feed.entries)  # content_html is ""


def test_influxdata_quirks(jsonfeed_dir: Path):
    feed = parse_json_feed(load(jsonfeed_dir, "influxdata-blog-v1.1.json"))
    assert feed.title == "Blog &#8211; InfluxData"  # producer's entity kept for normalization
    assert feed.language == "en-US"
    first, second, third = feed.entries
    assert all(e.guid is None for e in feed.entries)  # no item has an id
    assert first.author == "Chris Churilo"  # authors[0], not the legacy author
    assert first.content.startswith("This blog post has been updated")  # content_text
    # RFC 822 instead of RFC 3339: read anyway rather than lose the date.
    assert first.published == datetime(2019, 5, 31, 19, 17, 58, tzinfo=UTC)
    assert (first.language, second.language) == ("en-US", "en-AU")
    assert third.title == "Fake item"
    assert (third.author, third.published) == ("Fake Author 3", None)  # feed author applies


def test_escaped_slashes_are_decoded(jsonfeed_dir: Path):
    body = load(jsonfeed_dir, "lukedorny-v1.1-escaped-slashes.json")
    assert b"jsonfeed.org\\/version\\/1.1" in body
    feed = parse_json_feed(body)
    assert feed.link == "https://lukedorny.com"
    first = feed.entries[0]
    assert first.link == "https://lukedorny.com/updates/new-font"
    assert first.summary == "A Journey with links"
    assert first.author == "Author: Luke, most likely."
    assert first.published == datetime(2025, 1, 6, 1, 40, tzinfo=UTC)
    assert not any("\\/" in (e.link or "") + (e.content or "") for e in feed.entries)


def test_http_version_url_is_accepted(jsonfeed_dir: Path):
    body = load(jsonfeed_dir, "pixelenvy-v1-http-version-url.json")
    assert b'"http://jsonfeed.org/version/1"' in body
    assert parse_json_feed(body).format == "json1"


def test_non_ascii_and_item_language(jsonfeed_dir: Path):
    feed = parse_json_feed(load(jsonfeed_dir, "fboes-blog-de-v1.1.json"))
    assert feed.title == "fboës - Der Blog | Startseite"
    assert feed.language == "de-DE"
    first = feed.entries[0]
    assert first.summary == "Da ist es zwar nicht ganz billig, dafür schmeckt's aber auch nicht."
    assert first.author == "Frank Boës"
    assert first.language == "de-DE"
    assert first.published == datetime(2020, 2, 21, 17, 8, 6, tzinfo=UTC)


def test_content_text_fallback_and_html_kept(jsonfeed_dir: Path):
    feed = parse_json_feed(load(jsonfeed_dir, "feedparser-example-v1-with-test-key.json"))
    second, first = feed.entries
    assert (second.guid, second.content, second.author) == ("2", "This is a second item.", "me")
    assert first.content == "<p>Hello, world!</p>\n\n<script>alert();</script>"
    assert (first.author, first.title) == ("you", None)


# --- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
        b'\xef\xbb\xbf \r\n\t{"version":"https://jsonfeed.org/version/1","items":[]}',
        b'{"version": "https:\\/\\/jsonfeed.org\\/version\\/1.1", "items": []}',
        b'{"items": ['
        + b'{"title": "x"},' * 1000
        + b'{}], "version": "https://jsonfeed.org/version/1"}',
    ],
)
def test_sniff_accepts(body: bytes):
    assert looks_like_json_feed(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b'{"rss": {"version": "2.0", "channel": {}}}',
        b'[{"version": "https://jsonfeed.org/version/1"}]',
        b'<?xml version="1.0"?><rss version="2.0"><!-- jsonfeed.org/version/1 --></rss>',
        b"<html>see https://jsonfeed.org/version/1.1</html>",
    ],
)
def test_sniff_rejects(body: bytes):
    assert not looks_like_json_feed(body)


# --- inline cases ----------------------------------------------------------------------------


def test_minimal_feed():
    feed = parse_json_feed(feed_bytes(title="T", home_page_url="https://e.org/", items=[]))
    assert (feed.entries, feed.title, feed.link, feed.format) == (
        [],
        "T",
        "https://e.org/",
        "json11",
    )


def test_bom_is_tolerated():
    feed = parse_json_feed(b"\xef\xbb\xbf" + feed_bytes(items=[{"id": "a"}]))
    assert feed.entries[0].guid == "a"


@pytest.mark.parametrize(("raw", "guid"), [(42, "42"), (4.5, "4.5"), ("", None), (True, None)])
def test_ids(raw: object, guid: str | None):
    assert one_entry({"id": raw}).guid == guid


def test_external_url_when_no_url():
    entry = one_entry({"id": "1", "external_url": "https://elsewhere.example/a"})
    assert entry.link == "https://elsewhere.example/a"


def test_strings_are_kept_as_given():
    entry = one_entry({"id": "1", "title": "  A &amp; B  ", "summary": "<b>s</b>"})
    assert (entry.title, entry.summary) == ("  A &amp; B  ", "<b>s</b>")


def test_non_object_items_are_skipped():
    feed = parse_json_feed(feed_bytes(items=["x", 3, None, [], {"id": "ok"}]))
    assert [e.guid for e in feed.entries] == ["ok"]


def test_wrong_types_become_none():
    entry = one_entry(
        {"id": {"a": 1}, "url": 5, "title": ["t"], "author": "me", "authors": "me", "language": 1}
    )
    assert (entry.guid, entry.link, entry.title, entry.author, entry.language) == (None,) * 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-02-29T12:00:00Z", datetime(2024, 2, 29, 12, tzinfo=UTC)),
        ("2024-02-29t12:00:00z", datetime(2024, 2, 29, 12, tzinfo=UTC)),
        ("2024-02-29T12:00:00.123456789+02:00", datetime(2024, 2, 29, 10, 0, 0, 123456, UTC)),
        ("2024-02-29T12:00:00", datetime(2024, 2, 29, 12, tzinfo=UTC)),  # no offset: UTC
        ("Thu, 29 Feb 2024 12:00:00 GMT", datetime(2024, 2, 29, 12, tzinfo=UTC)),
        ("2023-02-29T12:00:00Z", None),
        ("2024-02-29T25:00:00Z", None),
        ("yesterday", None),
        ("", None),
        (20240229, None),
        (None, None),
        ("0001-01-01T00:00:00+01:00", None),
    ],
)
def test_dates(raw: object, expected: datetime | None):
    entry = one_entry({"id": "1", "date_published": raw, "date_modified": raw})
    assert entry.published == expected
    assert entry.updated == expected
    assert expected is None or entry.published.tzinfo is UTC


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"[]", "not a JSON Feed: the top level is a list, not an object"),
        (
            b'{"title": "x", "items": []}',
            "not a JSON Feed: no 'version' key (top-level keys: title",
        ),
        (b'{"version": 1, "items": []}', "not a JSON Feed: 'version' is 1, expected"),
        (b'{"version": "https://jsonfeed.org/version/2", "items": []}', "'version' is 'https"),
        (b'{"version": "https://jsonfeed.org/version/10"}', "'version' is"),
        (b'{"version": "https://jsonfeed.org/version/1"}', "no 'items' list (no 'items' key)"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": {}}', "'items' is an object"),
        (b'{\n  "version": "https://jsonfeed.org/version/1",\n  "items": [}', "line 3, column 13"),
        (b'{"version": "\xff"}', "not UTF-8: byte 13 is invalid"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_not_a_json_feed(body: bytes, message: str):
    with pytest.raises(ParseError) as info:
        parse_json_feed(body)
    assert message in str(info.value)


def test_truncated_inline_body():
    body = feed_bytes(items=[{"id": "1", "title": "cut here"}])[:-12]
    with pytest.raises(ParseError, match=r"invalid JSON at line 1, column \d+: .*truncated"):
        parse_json_feed(body)


def test_version_minor_and_trailing_slash():
    assert parse_json_feed(
        feed_bytes(version="https://jsonfeed.org/version/1/", items=[])
    ).format == ("json1")
