"""The store: migrations from an empty database, schema agreement, feed sync."""

from __future__ import annotations

from datetime import UTC, datetime

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


def test_two_processes_migrating_a_new_database_at_once_both_succeed(tmp_path):
    """The service and a health check starting together on a fresh database."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = f"from bot.store import Store; Store.open({url!r}).close(); print('ok')"
    repo = str(MIGRATIONS.parent.parent.parent)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in results]


def test_upgrading_an_archive_indexes_the_articles_already_there(tmp_path):
    from alembic import command

    from bot.search import SearchRequest, search
    from bot.store.db import make_engine

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # a database of the previous release
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.exec_driver_sql(
            "INSERT INTO feeds (id, name, url, config_url, created_at)"
            " VALUES (1, 'A', 'https://a.example/f', 'https://a.example/f', '2026-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO articles (feed_id, entry_id, title, summary, content, title_key,"
            " title_hash, content_hash, published_at, fetched_at, updated_at) VALUES"
            " (1, 'e1', 'Die Straße', 'Quédate en México', '', 'k', 1, 'h', '2026-11-01',"
            " '2026-11-01', '2026-11-01')"
        )
    engine.dispose()
    store = Store.open(url)
    assert current_revision(store.engine) == SCHEMA_HEAD
    for query in ("quedate", "strasse"):
        found = search(store.search, store.feed_ids(), SearchRequest(query), NOW)
        assert [r.title for r in found.results] == ["Die Straße"]
    store.close()
