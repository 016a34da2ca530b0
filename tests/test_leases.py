"""Feed leases, claims and heartbeats (bot/store/leases.py): the rules that let several
processes share one database, on both stores (the same statements run on each)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.model import FeedSpec
from bot.store import ProcessRow, Store

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    store = Store.open(url)
    yield store
    store.close()


def feeds(store, count: int) -> dict[str, int]:
    store.sync_feeds([FeedSpec(f"F{i}", f"https://f{i}.example/rss") for i in range(count)], NOW)
    return store.feed_ids()


def test_a_leased_feed_is_nobody_elses_until_polled_or_its_lease_runs_out(store):
    feeds(store, 5)
    first = store.claim_due_feeds("worker-a", NOW, LEASE, 3)
    second = store.claim_due_feeds("worker-b", NOW, LEASE, 3)
    assert len(first) == 3 and len(second) == 2
    assert not {f.id for f in first} & {f.id for f in second}
    assert store.claim_due_feeds("worker-c", NOW + timedelta(seconds=90), LEASE, 10) == []
    # worker-a stores one poll (its lease is cleared, next poll in 15 minutes); worker-b dies.
    polled = first[0]
    store.save_poll(polled.id, [], NOW, next_poll_at=NOW + timedelta(minutes=15))
    taken_over = store.claim_due_feeds("worker-c", NOW + LEASE + timedelta(seconds=1), LEASE, 10)
    assert {f.id for f in taken_over} == {f.id for f in first[1:] + second}
    assert polled.id not in {f.id for f in taken_over}  # not twice within its interval
    later = NOW + timedelta(minutes=16)
    assert polled.id in {f.id for f in store.claim_due_feeds("worker-a", later, LEASE, 10)}


def test_a_failed_poll_clears_the_lease_too(store):
    ids = feeds(store, 1)
    store.claim_due_feeds("worker-a", NOW, LEASE, 1)
    store.record_failure(ids["F0"], NOW, error="boom", next_poll_at=NOW + timedelta(minutes=1))
    assert [f.name for f in store.claim_due_feeds("b", NOW + timedelta(minutes=1), LEASE, 1)] == [
        "F0"
    ]


def test_released_feeds_are_due_again_at_once(store):
    feeds(store, 2)
    claimed = store.claim_due_feeds("worker-a", NOW, LEASE, 2)
    store.release_feeds("worker-b", [f.id for f in claimed])  # not b's: nothing happens
    assert store.claim_due_feeds("worker-c", NOW, LEASE, 2) == []
    store.release_feeds("worker-a", [f.id for f in claimed])
    assert len(store.claim_due_feeds("worker-c", NOW, LEASE, 2)) == 2


def test_a_claim_is_one_process_at_a_time_and_a_done_one_is_never_taken_again(store):
    key = "digest:-1001:2026-12-07T08:00:00-08:00"
    assert store.claim(key, "a", NOW, LEASE)
    assert store.claim(key, "a", NOW, LEASE)  # its own: renewed
    assert not store.claim(key, "b", NOW + timedelta(seconds=60), LEASE)
    assert store.claim(key, "b", NOW + LEASE + timedelta(seconds=1), LEASE)  # a died
    store.release(key, "a")  # no longer a's: nothing happens
    assert not store.claim(key, "c", NOW + LEASE + timedelta(seconds=2), LEASE)
    store.release(key, "b", done_at=NOW + LEASE)
    assert not store.claim(key, "c", NOW + timedelta(days=1), LEASE)  # delivered: for good
    store.prune_claims(NOW + timedelta(days=9))
    assert store.claim(key, "c", NOW + timedelta(days=9), LEASE)  # long forgotten


def test_claimed_releases_what_it_took_and_takes_everything_when_alone(store):
    with store.claimed("alerts:-1001", "a", NOW, LEASE) as ours:
        assert ours
        with store.claimed("alerts:-1001", "b", NOW, LEASE) as theirs:
            assert not theirs
    with store.claimed("alerts:-1001", "b", NOW, LEASE) as ours:
        assert ours
    with store.claimed("alerts:-1001", None, NOW, LEASE) as ours:
        assert ours  # the service alone (SQLite): no claim needed


def test_heartbeats_are_written_whole_and_read_back(store):
    row = ProcessRow("h:1:x", "worker", "h", 1, NOW, NOW, None, None)
    store.heartbeat(row)
    later = ProcessRow("h:1:x", "worker", "h", 1, NOW, NOW + LEASE, NOW, None, {"state": "on"})
    store.heartbeat(later)
    store.heartbeat(ProcessRow("h:2:y", "telegram", "h", 2, NOW, NOW, None, None))
    assert store.processes() == [ProcessRow("h:2:y", "telegram", "h", 2, NOW, NOW, None, None),
                                 later]  # fmt: skip


def test_two_writers_at_once_store_and_index_every_article(pg_url):
    """Two workers' transactions overlap: each files what it stored (and may see the
    other's), and neither fails for it (article_days; the tsvector comes with the row)."""
    import threading

    from bot.model import Article

    stores = [Store.open(pg_url) for _ in range(2)]
    ids = feeds(stores[0], 40)
    errors: list[Exception] = []

    def write(store, names):
        for name in names:
            batch = [
                Article(
                    feed=name,
                    entry_id=f"{name}-{i}",
                    url=f"https://x.example/{name}/{i}",
                    title=f"{name} story {i}",
                    summary="",
                    content="",
                    author=None,
                    published=NOW,
                    language="en",
                    outlet=None,
                    title_key=f"{name} {i}",
                    content_hash=f"{name}{i}",
                )
                for i in range(5)
            ]
            try:
                store.save_poll(ids[name], batch, NOW)
            except Exception as exc:  # the assertion below shows it
                errors.append(exc)

    names = sorted(ids)
    threads = [threading.Thread(target=write, args=(s, names[i::2])) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with stores[0].engine.connect() as conn:
        articles = conn.exec_driver_sql("SELECT count(*) FROM articles").scalar()
        days = conn.exec_driver_sql("SELECT count(*) FROM article_days").scalar()
    for store in stores:
        store.close()
    assert errors == [] and articles == 200 and days == 1
