"""The shared corpus of real feeds: every file is ingested or rejected with a clear error,
and a real news feed's entries are all stored."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from werkzeug import Response

from bot.errors import ParseError
from bot.feeds.fetch import FetchLimits
from bot.feeds.normalize import normalize_entry
from bot.feeds.parse import parse_feed
from tests.conftest import add_feeds, poll
from tests.corpus import corpus_dir

NOW = datetime.now(UTC)
# Bodies that are broken beyond use; each must be rejected, with these words in the reason.
REJECTED = {
    "broken-endpoint-empty-0bytes.xml": "empty body",
    "reuters-mostread-rss2-truncated-server-error.xml": "no entries could be read",
    "allthis-v1-truncated-invalid.json": "truncated",
    "scriptingnews-rss-in-json-NOT-jsonfeed.json": "not a JSON Feed",
}


def corpus_files(*parts: str) -> list[Path]:
    root = corpus_dir(*parts)
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix != ".md" and p.name != "LICENSE"
    )


def body_of(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".xml.gz") else data


@pytest.mark.slow
def test_every_corpus_file_is_ingested_or_rejected_clearly():
    files = corpus_files()
    assert len(files) > 2000
    outcomes = {"ingested": 0, "rejected": 0}
    for path in files:
        try:
            parsed = parse_feed(body_of(path))
        except ParseError as exc:
            assert str(exc).startswith("parse: ") and len(str(exc)) > 12, path
            outcomes["rejected"] += 1
            continue
        for raw in parsed.entries:
            article = normalize_entry(raw, feed="corpus", fetched_at=NOW)
            assert article is None or (article.title and article.published <= NOW), path
        outcomes["ingested"] += 1
    assert outcomes["ingested"] > outcomes["rejected"] > 0


def test_known_broken_files_are_rejected_with_their_reason():
    by_name = {p.name: p for p in corpus_files("realworld") + corpus_files("jsonfeed")}
    for name, reason in REJECTED.items():
        try:
            parse_feed(body_of(by_name[name]))
        except ParseError as exc:
            assert reason in str(exc), (name, str(exc))
        else:
            raise AssertionError(f"{name} was accepted")


def expected_entries(path: Path) -> int:
    """What the reference parser finds: entries that have a title or a link."""
    if path.suffix == ".json":
        return sum(1 for e in parse_feed(path.read_bytes()).entries if e.title or e.link)
    parsed = feedparser.parse(body_of(path))
    return sum(1 for e in parsed.entries if e.get("title") or e.get("link"))


@pytest.mark.slow
def test_real_news_feeds_store_every_entry_over_http(store, httpserver):
    every = corpus_files("realworld") + corpus_files("jsonfeed")
    files = [p for p in every if p.name not in REJECTED]
    for path in every:
        raw = path.read_bytes()
        headers = {"Content-Encoding": "gzip"} if path.name.endswith(".gz") else {}
        httpserver.expect_request(f"/{path.name}").respond_with_response(
            Response(raw, headers=headers, content_type="application/rss+xml")
        )
    add_feeds(store, *[(p.name, httpserver.url_for(f"/{p.name}")) for p in every])
    summary = poll(store, limits=FetchLimits(read_timeout=10))
    failed = {o.feed for o in summary.outcomes if o.status == "failed"}
    assert failed == set(REJECTED)
    with store.engine.connect() as conn:
        seen = dict(
            conn.exec_driver_sql(
                "SELECT f.name, (SELECT count(*) FROM articles a WHERE a.feed_id = f.id)"
                " + (SELECT count(*) FROM sightings s WHERE s.feed_id = f.id) FROM feeds f"
            ).all()
        )
    mismatches = {
        p.name: (seen[p.name], expected_entries(p))
        for p in files
        if seen[p.name] != expected_entries(p)
    }
    assert mismatches == {}
