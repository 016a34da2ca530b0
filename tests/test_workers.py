"""Big poll cycles across worker processes: sharding keeps hosts together, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.feeds.next_poll import PollPolicy
from bot.match.matcher import Matcher, Topic
from bot.model import FeedSpec
from bot.pipeline.workers import poll_in_processes, shard_by_host, worker_count
from tests.conftest import FAST_LIMITS, rss


def test_worker_count_follows_setting_cores_and_cycle_size():
    assert worker_count(0, due=50, cpus=8) == 1  # small cycles stay in one process
    assert worker_count(0, due=2000, cpus=2) == 2
    assert worker_count(0, due=2000, cpus=16) == 4
    assert worker_count(3, due=2000, cpus=2) == 3
    assert worker_count(1, due=2000, cpus=8) == 1
    assert worker_count(8, due=250, cpus=8) == 2


def test_shards_are_balanced_and_never_split_a_host(store):
    specs = [FeedSpec(f"f{i}", f"https://h{i % 7}.example/{i}") for i in range(100)]
    specs += [FeedSpec(f"g{i}", f"https://news.google.com/rss/search?q={i}") for i in range(30)]
    store.sync_feeds(specs, datetime.now(UTC))
    shards = shard_by_host(store.feed_states(), 3)
    hosts = [{f.url.split("/")[2] for f in shard} for shard in shards]
    assert sum(len(s) for s in shards) == 130
    assert all(not (a & b) for i, a in enumerate(hosts) for b in hosts[i + 1 :])
    assert max(map(len, shards)) - min(map(len, shards)) <= 30  # the biggest host is 30


def test_poll_in_processes_stores_every_feed_and_reports_progress(store, httpserver, tmp_path):
    for i in range(6):
        items = [{"title": f"Story {i}-{j}", "link": f"https://o{i}.example/{j}", "guid": f"{j}"}
                 for j in range(5)]  # fmt: skip
        httpserver.expect_request(f"/f{i}").respond_with_data(rss(items), content_type="text/xml")
    httpserver.expect_request("/broken").respond_with_data("x", status=500)
    names = [f"f{i}" for i in range(6)] + ["broken"]
    store.sync_feeds([FeedSpec(n, httpserver.url_for(f"/{n}")) for n in names], datetime.now(UTC))
    feeds = store.feed_states()
    shards = [feeds[:3], feeds[3:]]  # one local server: shard by hand to get two workers
    seen = []
    outcomes = poll_in_processes(
        shards,
        store=store,
        limits=FAST_LIMITS,
        policy=PollPolicy(),
        matcher=Matcher([Topic("story", "story")]),
        on_feed_done=seen.append,
    )
    assert sorted(o.feed for o in outcomes) == sorted(names)
    assert sorted(o.feed for o in seen) == sorted(names)
    assert sum(o.new for o in outcomes) == 30
    assert {o.feed for o in outcomes if o.status == "failed"} == {"broken"}
    assert store.stats()["articles"] == 30
    assert store.stats()["matches"] == {"story": 30}  # matched in the workers, stored here


def test_a_feed_that_cannot_be_stored_fails_alone(store, caplog):
    from dataclasses import replace

    from bot.feeds.normalize import normalize_entry
    from bot.model import RawEntry
    from bot.pipeline.poll import Fetched, UnchangedFeeds, record_many

    now = datetime.now(UTC)
    store.sync_feeds([FeedSpec("good", "https://g.example/f")], now)
    (good,) = store.feed_states()
    ghost = replace(good, id=good.id + 999, name="ghost")  # no such row: the insert fails

    def fetched(feed, n):
        raw = RawEntry(guid=f"{feed.name}-{n}", link=f"https://{feed.name}.example/{n}",
                       title=f"Story {n} of {feed.name}")  # fmt: skip
        article = normalize_entry(raw, feed=feed.name, fetched_at=now)
        return Fetched(feed, now, "articles", {"next_poll_at": now}, [article], {}, 1)

    outcomes = record_many(store, [fetched(good, 1), fetched(ghost, 1)], UnchangedFeeds(store))
    assert [(o.feed, o.status) for o in outcomes] == [("good", "ok"), ("ghost", "failed")]
    assert "storing failed" in outcomes[1].error
    assert store.stats()["articles"] == 1
