"""`migrate-store`: a whole archive copied into another database, ids and all, with its
search index rebuilt there and every table's rows counted on both sides."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.match.matcher import Matcher, Topic, build_document
from bot.model import Article, FeedSpec
from bot.store import Store, Watch
from bot.store.transfer import copied_tables
from tests.test_cli import bot

NOW = datetime.now(UTC).replace(microsecond=0)
CONFIG = """\
feeds:
  - {name: Border Report, url: "https://border.example/feed"}
  - {name: La Jornada, url: "https://jornada.example/rss"}
topics:
  mpp: {title: MPP, query: '"remain in mexico"'}
"""
TITLES = [
    ("Border Report", "Asylum seekers sent back under Remain in Mexico", "en"),
    ("Border Report", "Tent courts open in Laredo", "en"),
    ("La Jornada", "Devueltos a Tijuana bajo Remain in Mexico", "es"),
]


def _article(feed: str, title: str, language: str, n: int) -> Article:
    return Article(
        feed=feed, entry_id=f"e{n}", url=f"https://x.example/{n}", title=title,
        summary=f"summary {n} of the story", content="", author=None,
        published=NOW - timedelta(hours=n), language=language, outlet=None,
        title_key=title.lower(), content_hash=f"h{n}",
    )  # fmt: skip


def fill(url: str) -> None:
    """An archive with a row in most tables: feeds, articles, a sighting, matches, a
    delivery with a pending part, what a chat was given, its state and a watch."""
    store = Store.open(url)
    store.sync_feeds([FeedSpec("Border Report", "https://border.example/feed"),
                      FeedSpec("La Jornada", "https://jornada.example/rss")], NOW)  # fmt: skip
    ids = store.feed_ids()
    matcher = Matcher([Topic(id="mpp", query='"remain in mexico"')])
    for n, (feed, title, language) in enumerate(TITLES):
        article = _article(feed, title, language, n)
        found = matcher.match(build_document(title, article.summary, "", language=language))
        store.save_poll(ids[feed], [article], NOW, {article.entry_id: found}, etag=f'"{n}"')
    copy = _article("La Jornada", TITLES[0][1], "en", 0)  # the same story in a second feed
    store.save_poll(ids["La Jornada"], [copy.__class__(**{**copy.__dict__, "entry_id": "c0"})],
                    NOW)  # fmt: skip
    store.record_cycle(NOW - timedelta(minutes=1), NOW, {"feeds": 2})
    with store.engine.connect() as conn:
        from bot.store.tables import articles

        article_ids = [row.id for row in conn.execute(select(articles.c.id))]
    store.enqueue(
        chat="-1001", kind="digest", thread=None, preview=False, created=NOW, since=NOW,
        parts=["<b>one</b>", "<b>two</b>"], article_ids=article_ids[:2],
        chat_values={"last_digest_at": NOW},
    )  # fmt: skip
    store.add_watch(Watch("-1001", "tents", "tent NEAR/3 court*", True), 7, NOW)
    store.close()


def table_rows(url: str) -> dict[str, list]:
    store = Store.open(url)
    with store.engine.connect() as conn:
        rows = {
            t.name: sorted(map(tuple, conn.execute(select(t))), key=repr) for t in copied_tables()
        }
    store.close()
    return rows


@pytest.fixture(params=["sqlite", "postgresql"])
def target_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'moved' / 'bot.db'}"
    return request.getfixturevalue("pg_url")


def test_an_archive_is_copied_whole_and_searchable_there(tmp_path, target_url):
    (tmp_path / "feeds.yaml").write_text(CONFIG)
    source = f"sqlite:///{tmp_path / 'bot.db'}"
    fill(source)
    target = target_url
    result = bot(tmp_path, "migrate-store", "--to", target, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["indexed"] == 3
    assert report["tables"]["articles"] == 3 and report["tables"]["sightings"] == 1
    assert report["tables"]["delivery_parts"] == 2 and report["tables"]["watches"] == 1
    expected = table_rows(source)
    assert table_rows(target) == expected
    assert all(expected[name] for name in ("feeds", "matches", "delivered", "chat_states"))
    # The copy answers a search the way the source does, from its own rebuilt index.
    searched = [
        json.loads(
            bot(
                tmp_path,
                "search",
                "remain in mexico",
                "--json",
                "--sort",
                "date",
                env={"DATABASE_URL": url},
            ).stdout
        )
        for url in (source, target)
    ]
    assert searched[0]["articles"] >= 2 and searched[0]["total"] >= 1
    # Ranking scores are each engine's own (BM25, ts_rank): the same articles, in order.
    found = [[(r["id"], r["title"], r["url"]) for r in s["results"]] for s in searched]
    assert found[1] == found[0] and searched[1]["total"] == searched[0]["total"]
    # A new article in the copy takes the next id, not one of the copied ones.
    moved = Store.open(target)
    fresh = _article("Border Report", "Something new", "en", 9)
    counts = moved.save_poll(moved.feed_ids()["Border Report"], [fresh], NOW)
    assert counts.new == 1
    moved.close()


def test_a_target_with_data_is_refused_unless_forced(tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG)
    source = f"sqlite:///{tmp_path / 'bot.db'}"
    fill(source)
    target = f"sqlite:///{tmp_path / 'other.db'}"
    fill(target)
    Store.open(target).close()
    before = table_rows(target)
    refused = bot(tmp_path, "migrate-store", "--from", source, "--to", target)
    assert refused.returncode == 1
    assert "the target database is not empty (it holds 2 feeds, 3 articles and" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert table_rows(target) == before
    forced = bot(tmp_path, "migrate-store", "--from", source, "--to", target, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "counts match" in forced.stdout
    assert table_rows(target) == table_rows(source)


def test_a_missing_source_or_the_same_database_is_one_line(tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG)
    missing = bot(tmp_path, "migrate-store", "--to", f"sqlite:///{tmp_path / 'to.db'}")
    assert missing.returncode == 1 and "no database at" in missing.stderr
    assert not (tmp_path / "bot.db").exists() and not (tmp_path / "to.db").exists()
    fill(f"sqlite:///{tmp_path / 'bot.db'}")
    same = bot(tmp_path, "migrate-store", "--to", f"sqlite:///{tmp_path / 'bot.db'}")
    assert same.returncode == 2 and "name the same database" in same.stderr
    no_target = bot(tmp_path, "migrate-store")
    assert no_target.returncode == 2 and "needs --to URL" in no_target.stderr
