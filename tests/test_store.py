"""The store: migrations from an empty database, schema agreement, feed sync."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socket import gethostname

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.model import Article, FeedSpec
from bot.store import Store
from bot.store.db import MIGRATIONS, SCHEMA_HEAD, current_revision
from bot.store.fts import is_index_table
from bot.store.tables import metadata

NOW = datetime.now(UTC)


def test_migrations_from_empty_database_match_the_tables(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'new' / 'bot.db'}")  # folder is created
    with store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= {"feeds", "articles", "sightings"}
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, *_: not is_index_table(name or "")}
        )
        diff = compare_metadata(context, metadata)
        assert diff == []
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert current_revision(store.engine) == SCHEMA_HEAD
    store.close()
    Store.open(f"sqlite:///{tmp_path / 'new' / 'bot.db'}").close()  # idempotent re-open


def test_upgrading_an_archive_fills_the_search_tables_from_its_articles(tmp_path):
    """Migrations 0008 and 0009 (article_days, search_rows) fill their tables from the
    articles already stored; down and up again, the rows are the store's own."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    store = Store.open(url)
    store.sync_feeds([FeedSpec("A", "https://a.example/f")], NOW)
    feed_id = store.feed_ids()["A"]
    store.save_poll(feed_id, [_article("x", days=2), _article("y", days=2), _article("z", days=9)],
                    NOW)  # fmt: skip
    expected = _search_tables(store)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    assert current_revision(store.engine) == "0007"
    store.close()
    store = Store.open(url)
    found = _search_tables(store)
    store.close()
    assert len(expected[0]) == 2 and len(expected[1]) == 3
    assert found == expected


def _search_tables(store: Store) -> tuple[list, list]:
    with store.engine.connect() as conn:
        days = conn.exec_driver_sql("SELECT day, first_id FROM article_days ORDER BY day").all()
        rows = conn.exec_driver_sql("SELECT * FROM search_rows ORDER BY id").all()
    return days, rows


def _article(entry_id: str, days: float) -> Article:
    return Article(
        feed="A", entry_id=entry_id, url=f"https://a.example/{entry_id}", title=entry_id,
        summary="", content="", author=None, published=NOW - timedelta(days=days),
        language="en", outlet=None, title_key=entry_id, content_hash=entry_id,
    )  # fmt: skip


def test_schema_head_constant_names_the_newest_migration():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_sync_feeds_adds_updates_and_disables(store):
    store.sync_feeds(
        [FeedSpec("A", "https://a.example/f"), FeedSpec("B", "https://b.example/f")], NOW
    )
    store.sync_feeds([FeedSpec("A", "https://a.example/new", tags=("x",))], NOW)
    states = {f.name: f for f in store.feed_states()}
    assert states["A"].url == "https://a.example/new" and states["A"].tags == ("x",)
    assert states["B"].enabled is False
    assert [f.name for f in store.feed_states(due_at=NOW)] == ["A"]


def test_opml_feeds_survive_a_config_sync(store):
    assert store.add_feed(FeedSpec("Imported", "https://i.example/f", origin="opml"), NOW)
    assert not store.add_feed(FeedSpec("imported", "https://other.example/f", origin="opml"), NOW)
    store.sync_feeds([FeedSpec("A", "https://a.example/f")], NOW)
    assert {f.name: f.enabled for f in store.feed_states()} == {"A": True, "Imported": True}


def _set_language_behind_the_store(store, name: str, language: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE feeds SET language = ? WHERE name = ?", (language, name))


def test_a_sync_of_the_feeds_synced_last_compares_nothing(store):
    """The feeds' digest is kept with them: the same feeds again leave the rows alone
    (a row changed behind the store's back shows it), different ones sync every row."""
    specs = [FeedSpec("A", "https://a.example/f"), FeedSpec("B", "https://b.example/f")]
    store.sync_feeds(specs, NOW)
    _set_language_behind_the_store(store, "A", "xx")
    store.sync_feeds(specs, NOW)
    assert {f.name: f.language for f in store.feed_states()} == {"A": "xx", "B": None}
    store.sync_feeds([*specs, FeedSpec("C", "https://c.example/f")], NOW)
    assert {f.name: f.language for f in store.feed_states()} == {"A": None, "B": None, "C": None}


def test_a_feed_switched_or_added_outside_feeds_yaml_makes_the_next_sync_compare(store):
    specs = [FeedSpec("A", "https://a.example/f")]
    store.sync_feeds(specs, NOW)
    assert store.set_feed_enabled("A", False, NOW)
    store.sync_feeds(specs, NOW)
    assert [f.enabled for f in store.feed_states()] == [True]  # feeds.yaml says enabled
    store.sync_feeds(specs, NOW)
    _set_language_behind_the_store(store, "A", "xx")
    assert store.add_feed(FeedSpec("Imported", "https://i.example/f", origin="opml"), NOW)
    store.sync_feeds(specs, NOW)
    assert {f.name: f.language for f in store.feed_states()} == {"A": None, "Imported": None}


def test_the_feeds_digest_changes_with_every_field_and_the_order():
    from dataclasses import fields, replace

    from bot.store.feed_rows import declared_digest

    spec = FeedSpec("A", "https://a.example/f", interval=900.0, tags=("x",), language="en")
    changed = {"name": "B", "url": "https://a.example/g", "interval": 600.0,
               "full_text": True, "tags": ("y",), "language": "es", "enabled": False,
               "origin": "opml"}  # fmt: skip
    assert set(changed) == {f.name for f in fields(FeedSpec)}
    digests = {declared_digest([spec])}
    digests |= {declared_digest([replace(spec, **{k: v})]) for k, v in changed.items()}
    assert len(digests) == 1 + len(changed)
    other = FeedSpec("Z", "https://z.example/f")
    assert declared_digest([spec, other]) != declared_digest([other, spec])


def test_feed_rows_are_read_in_the_order_of_the_feed_state_fields(store):
    from dataclasses import fields

    from bot.model import FeedState
    from bot.store.feed_rows import STATE_COLUMNS

    named = ["interval_seconds" if f.name == "interval" else f.name for f in fields(FeedState)]
    assert [c.name for c in STATE_COLUMNS] + ["articles"] == named
    store.sync_feeds([FeedSpec("A", "https://a.example/f", interval=600.0, tags=("x", "y"),
                               language="es", full_text=True)], NOW)  # fmt: skip
    (feed,) = store.feed_states()
    assert (feed.name, feed.url, feed.config_url, feed.origin, feed.enabled) == (
        "A", "https://a.example/f", "https://a.example/f", "config", True
    )  # fmt: skip
    assert (feed.interval, feed.full_text, feed.language) == (600.0, True, "es")
    assert feed.tags == ("x", "y")
    assert (feed.next_poll_at, feed.consecutive_failures, feed.articles) == (NOW, 0, 0)


def test_stored_article_reads_back_exactly(store):
    from sqlalchemy import select

    from bot.store.tables import articles

    (feed,) = [
        store.sync_feeds([FeedSpec("A", "https://a.example/f")], NOW)
    ] and store.feed_states()
    published = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    article = Article(
        feed="A", entry_id="e1", url="https://a.example/1", title="Título", summary="s",
        content="", author=None, language="es", outlet="a.example", title_key="titulo",
        content_hash="h", published=published,
    )  # fmt: skip
    counts = store.save_poll(feed.id, [article], NOW, next_poll_at=NOW)
    assert counts.new == 1
    with store.engine.connect() as conn:
        row = conn.execute(select(articles)).one()
    assert (row.published_at, row.fetched_at, row.title) == (published, NOW, "Título")


def test_rows_prepared_by_a_worker_are_stored_as_the_writer_would_store_them(tmp_path):
    """Workers hash, date and mark each article for the index before the writer gets it
    (prepare_articles); the stored row is the same as when the writer does it itself."""
    from bot.store import PolledFeed, prepare_articles

    titles = ["Straße nach Tijuana", "Asilo en México", "Plain words"]
    batch = [_spanish_article(n, title) for n, title in enumerate(titles)]
    stored = []
    for prepared in (prepare_articles(batch), None):
        store = Store.open(f"sqlite:///{tmp_path / f'{prepared is None}.db'}")
        store.sync_feeds([FeedSpec("A", "https://a.example/f")], NOW)
        feed_id = store.feed_ids()["A"]
        counts = store.save_polls(
            [PolledFeed(feed_id, batch, NOW, {"next_poll_at": NOW}, {}, prepared)]
        )
        assert counts[0].new == 3
        with store.engine.connect() as conn:
            stored.append(
                conn.exec_driver_sql(
                    "SELECT entry_id, url_hash, title_hash, published_at, search_extra"
                    " FROM articles ORDER BY entry_id"
                ).all()
            )
        store.close()
    assert stored[0] == stored[1]
    assert any(row.search_extra for row in stored[0])  # ß: the index reads it differently


def _spanish_article(n: int, title: str) -> Article:
    return Article(
        feed="A", entry_id=f"e{n}", url=f"https://a.example/{n}", title=title,
        summary="Niños en la frontera", content="", author=None, language="es",
        outlet="a.example", title_key=title.lower(), content_hash=f"h{n}",
        published=datetime(2026, 3, 4, 5, 6, n, 891011, tzinfo=UTC),
    )  # fmt: skip


def test_a_forked_child_never_keeps_the_poll_lock(store):
    """flock belongs to the open file, which a fork shares: a poll worker forked while
    the lock is held must not keep it once the process that took it lets go (or dies)."""
    context = multiprocessing.get_context("fork")
    started = context.Event()
    with store.cycle_lock() as ours:
        assert ours
        child = context.Process(target=_wait_forever, args=(started,))
        child.start()
        assert started.wait(10)  # past the fork and its hooks
        with store.cycle_lock() as again:  # a second open file conflicts, even in-process
            assert not again
    try:
        with store.cycle_lock() as ours:
            assert ours, "the forked child still holds the lock"
    finally:
        child.kill()
        child.join()


def _wait_forever(started) -> None:
    started.set()
    time.sleep(30)


HOLD_SERVICE = """
import sys, time
from bot.store import Store
with Store.open(sys.argv[1]).service_lock() as holder:
    print(holder, flush=True)
    time.sleep(60)
"""


def test_the_service_lock_names_its_holder_and_dies_with_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    store = Store.open(url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SERVICE, url], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "None"  # it holds the lock now
        with store.service_lock() as who:
            assert who is not None and who.startswith(f"pid {holder.pid} on {gethostname()} ")
            assert re.fullmatch(r".* since \d{4}-\d\d-\d\d \d\d:\d\d UTC", who)
    finally:
        holder.kill()
        holder.wait()
    with store.service_lock() as who:  # kill -9 freed it
        assert who is None
        with store.service_lock() as other:
            assert other is not None and other.startswith(f"pid {os.getpid()} ")
    assert (tmp_path / "bot.db.service-lock").read_text() == ""  # released: no stale name
    store.close()
    memory = Store.open("sqlite://")
    with memory.service_lock() as who, memory.cycle_lock() as ours:
        assert who is None and ours
    memory.close()


def test_an_in_memory_store_is_one_database_for_every_thread():
    """Digests and searches run in worker threads: they must see what the loop stored."""
    import threading

    store = Store.open("sqlite://")
    store.sync_feeds([FeedSpec("A", "https://a.example/f")], NOW)
    seen: list[dict] = []
    reader = threading.Thread(target=lambda: seen.append(store.feed_ids()))
    reader.start()
    reader.join()
    store.close()
    assert seen == [{"A": 1}]
