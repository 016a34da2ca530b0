"""The store's contract, the same cases on both engines: an SQLite file and a PostgreSQL
database of the test's own (tests/postgres.py). Whatever a command does through the
store, it does alike on both; search finds the same articles in the same archive."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.errors import StoreError
from bot.match.matcher import Matcher, Topic, build_document
from bot.model import Article, FeedSpec
from bot.pipeline.search import SearchRequest, search
from bot.store import Store, Watch
from bot.store.chat_rows import ChatSchedule, TopicChoice
from bot.store.db import MIGRATIONS, SCHEMA_HEAD, current_revision
from bot.store.fts import is_index_table
from bot.store.tables import metadata

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
_ids = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(engine_url):
    store = Store.open(engine_url)
    yield store
    store.close()


def article(
    n: int | None = None,
    *,
    feed="A",
    title="Asylum officers brief",
    summary="",
    content="",
    days=1.0,
    url=None,
    lang="en",
    title_key=None,
) -> Article:
    n = n or next(_ids)
    return Article(
        feed=feed, entry_id=f"e{n}", url=url or f"https://{feed.lower()}.example/{n}",
        title=title, summary=summary, content=content, author=None,
        published=NOW - timedelta(days=days), language=lang, outlet=f"{feed.lower()}.example",
        title_key=title_key or f"{title.lower()} {n}", content_hash=f"h{n}-{title}-{summary}",
    )  # fmt: skip


def feeds(store: Store, *names: str) -> dict[str, int]:
    store.sync_feeds([FeedSpec(n, f"https://{n.lower()}.example/f") for n in names], NOW)
    return store.feed_ids()


def test_the_store_says_which_engine_it_is(store, engine_url):
    assert store.kind == ("SQLite" if engine_url.startswith("sqlite") else "PostgreSQL")
    Store.open(engine_url).close()  # opening again migrates nothing and fails nothing


def test_articles_copies_and_updates(store):
    ids = feeds(store, "A", "B")
    first = article(1, title="Remain in Mexico returns", url="https://n.example/story")
    counts = store.save_poll(ids["A"], [first, article(2)], NOW, next_poll_at=NOW)
    assert (counts.new, counts.duplicates) == (2, 0)
    copy = article(3, feed="B", title="Other title", url="https://n.example/story")
    assert store.save_poll(ids["B"], [copy], NOW).duplicates == 1
    changed = article(1, title="Remain in Mexico returns", summary="Now with a summary.",
                      url="https://n.example/story")  # fmt: skip
    assert store.save_poll(ids["A"], [changed], NOW).updated == 1
    assert store.save_poll(ids["A"], [changed], NOW).unchanged == 1
    assert store.entry_hashes(ids["A"], ["e1", "e2", "nope"]).keys() == {"e1", "e2"}
    stats = store.stats()
    assert stats["articles"] == 2 and stats["articles_per_feed"] == {"A": 2, "B": 0}
    assert stats["newest_article"] == (NOW - timedelta(days=1)).isoformat()
    texts = [a for batch in store.articles_for_matching(None) for a in batch]
    assert [t.title for t in texts] == ["Asylum officers brief", "Remain in Mexico returns"]
    assert store.counts_since(NOW - timedelta(hours=1)) == (2, 0)


def test_feed_state_failures_and_switches(store):
    ids = feeds(store, "A")
    store.record_failure(ids["A"], NOW, error="fetch: HTTP 500", next_poll_at=NOW)
    state = store.feed_states()[0]
    assert state.last_error == "fetch: HTTP 500" and state.consecutive_failures == 1
    assert store.set_feed_enabled("A", False, NOW) is True
    assert store.feed_states()[0].enabled is False
    store.record_cycle(NOW, NOW + timedelta(seconds=3), {"feeds": 1})
    assert store.last_cycle()["feeds"] == 1 and store.first_poll() == NOW


def test_poll_successes_of_every_shape_read_back_exactly(store):
    """record_successes: driver SQL on SQLite, Core on PostgreSQL; the same rows."""
    ids = feeds(store, "A", "B", "C")
    store.record_failure(ids["C"], NOW, error="fetch: HTTP 500", next_poll_at=NOW)
    polled = NOW + timedelta(microseconds=123_456)
    later = NOW + timedelta(minutes=15)  # no microseconds: the text form keeps them anyway
    store.record_successes([
        (ids["A"], polled, {"next_poll_at": later, "url": "https://a.example/moved"}),
        (ids["B"], polled, {"next_poll_at": later, "url": "https://b.example/f", "etag": '"x"',
                            "last_modified": "Fri, 20 Nov 2026 12:00:00 GMT", "body_hash": "h",
                            "bozo": None, "last_error": None}),
        (ids["C"], polled, {"next_poll_at": later + timedelta(hours=1), "url": "https://c.example/f"}),
    ])  # fmt: skip
    states = {f.name: f for f in store.feed_states()}
    for name in "ABC":
        state = states[name]
        assert (state.last_polled_at, state.last_success_at) == (polled, polled)
        assert (state.consecutive_failures, state.parked_reason) == (0, None)
    assert states["A"].url == "https://a.example/moved" and states["A"].etag is None
    assert (states["B"].etag, states["B"].body_hash) == ('"x"', "h")
    assert states["B"].last_modified == "Fri, 20 Nov 2026 12:00:00 GMT"
    assert states["A"].next_poll_at == later
    assert states["C"].last_error == "fetch: HTTP 500"  # kept: a success does not clear it
    due = store.feed_states(due_at=later, with_counts=False)
    assert [f.name for f in due] == ["A", "B"]  # dates compare as dates on both engines


def test_matches_topics_and_watches(store):
    ids = feeds(store, "A")
    matcher = Matcher([Topic(id="mpp", query='"remain in mexico"')])
    story = article(title="Remain in Mexico returns")
    found = matcher.match(build_document(story.title, language="en"))
    store.save_poll(ids["A"], [story], NOW, {story.entry_id: found})
    assert [r["title"] for r in store.topic_top("mpp", NOW - timedelta(days=3))] == [story.title]
    assert len(store.topic_times("mpp", NOW - timedelta(days=3))) == 1
    article_id = store.topic_top("mpp", NOW - timedelta(days=3))[0]["id"]
    assert store.add_matches({article_id: found}, NOW) == 0  # already there
    watch = Watch("42", "courts", "court*", alerts=True)
    assert store.add_watch(watch, 7, NOW) is True
    other = Matcher([Topic(id=watch.topic_id, query="court*")])
    assert store.add_matches({article_id: other.match(build_document("court news"))}, NOW) == 1
    assert store.remove_watch("42", "courts") is True
    assert store.stats()["matches"] == {"mpp": 1}


def test_outbox_delivers_each_article_once(store):
    ids = feeds(store, "A")
    matcher = Matcher([Topic(id="mpp", query="mexico")])
    story = article(title="Remain in Mexico returns")
    found = matcher.match(build_document(story.title))
    store.save_poll(ids["A"], [story], NOW, {story.entry_id: found})
    candidates = store.digest_candidates("42", ["mpp"], NOW - timedelta(hours=1))
    assert [c.title for c in candidates] == [story.title]
    delivery = store.enqueue(
        chat="42", kind="digest", thread=None, preview=False, created=NOW, since=NOW,
        parts=["<b>one</b>", "two"], article_ids=[candidates[0].article_id],
        chat_values={"last_digest_at": NOW},
    )  # fmt: skip
    assert store.chat_state("42").last_digest_at == NOW
    assert store.digest_candidates("42", ["mpp"], NOW - timedelta(hours=1)) == []
    parts = store.pending_parts("42")
    assert [p.seq for p in parts] == [0, 1]
    for part in parts:
        store.settle_part(part, status="sent", now=NOW, message_id=100 + part.seq)
    assert store.delivery_report(delivery) == {"sent": 2, "refused": 0, "pending": 0}
    assert store.pending_parts() == []
    store.update_chat("42", unreachable="kicked", unreachable_at=NOW)
    assert store.chat_state("42").unreachable == "kicked"


def test_chat_settings_round_trip(store):
    store.set_chat_access("42", "approved", name="Team", by=7, now=NOW)
    store.set_topic_choice("42", "mpp", TopicChoice(digest=True, alerts=False), 7, NOW)
    store.set_chat_schedule("42", ChatSchedule("08:00", "America/Tijuana"), 7, NOW)
    store.add_watch(Watch("42", "courts", "court*", True), 7, NOW)
    settings = store.chat_settings()
    assert settings.approved == {"42": "Team"}
    assert settings.choices["42"]["mpp"] == TopicChoice(True, False)
    assert settings.schedules["42"] == ChatSchedule("08:00", "America/Tijuana")
    assert [w.name for w in settings.watches_of("42")] == ["courts"]
    search_id = store.save_search("42", "asylum", NOW, NOW - timedelta(days=1))
    assert store.load_search(search_id) == ("42", "asylum")
    assert store.spike_sent("42", "mpp", "2026-11-20") is False
    store.enqueue_spike("mpp", "2026-11-20", 9, chat="42", kind="alert", thread=None,
                        preview=False, created=NOW, since=NOW, parts=["x"],
                        article_ids=[])  # fmt: skip
    assert store.spike_sent("42", "mpp", "2026-11-20") is True
    store.set_chat_access("42", None)
    assert store.chat_access("42") is None


def test_prune_takes_articles_and_their_index_entries(store):
    ids = feeds(store, "A")
    store.save_poll(ids["A"], [article(title="Old asylum story", days=400),
                               article(title="New asylum story", days=1)], NOW)  # fmt: skip
    summary = store.prune_summary(NOW - timedelta(days=365))
    assert summary["articles"] == 1 and summary["per_feed"] == {"A": 1}
    assert store.prune(NOW - timedelta(days=365)) == 1
    found = search(store.search, store.feed_ids(), SearchRequest("asylum"), NOW)
    assert [r.title for r in found.results] == ["New asylum story"]
    assert store.search.check() is None


def test_reindex_rebuilds_and_check_finds_a_missing_index(store):
    ids = feeds(store, "A")
    store.save_poll(ids["A"], [article(title="Straße gesperrt"), article()], NOW)
    assert store.search.rebuild() == 2 and store.search.check() is None
    with store.engine.begin() as conn:
        if store.postgresql:
            conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN search_document")
        else:
            conn.exec_driver_sql("DROP TABLE articles_fts")
    assert "missing" in store.search.check()
    with pytest.raises(StoreError, match="reindex"):
        search(store.search, store.feed_ids(), SearchRequest("asylum"), NOW)
    store.search.rebuild()
    assert store.search.check() is None
    found = search(store.search, store.feed_ids(), SearchRequest("strasse"), NOW)
    assert [r.title for r in found.results] == ["Straße gesperrt"]


def test_one_poll_cycle_and_one_service_at_a_time(engine_url):
    first, second = Store.open(engine_url), Store.open(engine_url)
    try:
        with first.cycle_lock() as held:
            assert held
            with second.cycle_lock() as also:
                assert not also
        with second.cycle_lock() as held_now:
            assert held_now  # released with the first
        with first.service_lock() as holder:
            assert holder is None
            with second.service_lock() as other:
                assert other is not None and "pid" in other
    finally:
        first.close()
        second.close()


def test_a_missing_postgresql_database_is_one_clear_error_without_the_password():
    from tests.postgres import server_or_skip

    server_or_skip()
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql://postgres:s3cret@127.0.0.1:5432/mpp_no_such_database")
    message = str(caught.value)
    assert "no database 'mpp_no_such_database'" in message and "s3cret" not in message
    assert "createdb" in message


# --- Migrations ---------------------------------------------------------------------------


def _alembic(store: Store, action, revision: str) -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        action(config, revision)


def _not_the_index(obj, name, type_, reflected, compare_to) -> bool:
    """The full-text index is made by hand (FTS5 tables; PostgreSQL's generated column)."""
    if type_ == "table":
        return not is_index_table(name or "")
    return name not in ("search_document", "ix_articles_search_document")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    return request.getfixturevalue("pg_empty_url")


def test_migrations_from_an_empty_database_make_the_tables(empty_url):
    store = Store.open(empty_url)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": _not_the_index, "compare_type": False}
            )
            assert compare_metadata(context, metadata) == []
        assert current_revision(store.engine) == SCHEMA_HEAD
    finally:
        store.close()


# Down to the previous revision on both; on PostgreSQL down to nothing and up again
# (SQLite's first migrations cannot go down past the FTS5 index's view).
@pytest.mark.parametrize(
    ("engine", "target"),
    [
        ("sqlite", "0012"),
        ("postgresql", "0012"),
        ("sqlite", "0011"),
        ("postgresql", "0011"),
        ("postgresql", "base"),
    ],
)
def test_migrations_from_an_earlier_revision_keep_the_archive_searchable(
    request, tmp_path, engine, target
):
    from alembic import command

    if engine == "sqlite":
        empty_url = f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        empty_url = request.getfixturevalue("pg_empty_url")

    store = Store.open(empty_url)
    ids = feeds(store, "A")
    store.save_poll(ids["A"], [article(title="Quédate en México regresa")], NOW)
    _alembic(store, command.downgrade, target)
    assert current_revision(store.engine) == (None if target == "base" else target)
    if target == "base":  # an empty database again: the same archive stored anew
        store.close()
        store = Store.open(empty_url)
        ids = feeds(store, "A")
        store.save_poll(ids["A"], [article(title="Quédate en México regresa")], NOW)
    else:
        store.close()
        store = Store.open(empty_url)  # upgrades from the previous revision
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
        found = search(store.search, store.feed_ids(), SearchRequest("quedate"), NOW)
        assert [r.title for r in found.results] == ["Quédate en México regresa"]
        assert store.search.check() is None
    finally:
        store.close()


def test_without_unaccent_the_migration_says_what_it_needs(pg_empty_url, monkeypatch):
    from bot.store import search_pg

    create = ["CREATE EXTENSION IF NOT EXISTS mpp_no_such_ext", *search_pg.CREATE[1:]]
    monkeypatch.setattr(search_pg, "CREATE", create)
    with pytest.raises(StoreError) as caught:
        Store.open(pg_empty_url)
    message = str(caught.value)
    assert "needs PostgreSQL's unaccent extension" in message
    assert "CREATE EXTENSION unaccent" in message and "\n" not in message
    monkeypatch.undo()
    store = Store.open(pg_empty_url)  # nothing half-done was left: it migrates now
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
    finally:
        store.close()


def test_a_poll_across_worker_processes_stores_every_feed(store, httpserver):
    """Worker processes are forked while the cycle's lock is held (on PostgreSQL, an open
    connection): the workers never touch it, the writer stores everything, the lock frees."""
    from bot.feeds.next_poll import PollPolicy
    from bot.pipeline.workers import poll_in_processes
    from tests.conftest import FAST_LIMITS, rss

    for i in range(4):
        items = [{"title": f"Story {i}-{j}", "link": f"https://o{i}.example/{j}", "guid": f"{j}"}
                 for j in range(5)]  # fmt: skip
        httpserver.expect_request(f"/f{i}").respond_with_data(rss(items), content_type="text/xml")
    specs = [FeedSpec(f"f{i}", httpserver.url_for(f"/f{i}")) for i in range(4)]
    store.sync_feeds(specs, NOW)
    states = store.feed_states()
    with store.cycle_lock() as held:
        assert held
        outcomes = poll_in_processes(
            [states[:2], states[2:]], store=store, limits=FAST_LIMITS, policy=PollPolicy(),
            matcher=Matcher([Topic("story", "story")]), on_feed_done=lambda _: None,
        )  # fmt: skip
    assert sum(o.new for o in outcomes) == 20
    assert store.stats()["articles"] == 20 and store.stats()["matches"] == {"story": 20}
    found = search(store.search, store.feed_ids(), SearchRequest("story"), NOW)
    assert found.articles == 20
    with store.cycle_lock() as again:
        assert again
