"""Big poll cycles across worker processes: sharding keeps hosts together, nothing lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bot.feeds.next_poll import PollPolicy
from bot.match.matcher import Matcher, Topic
from bot.model import FeedSpec
from bot.pipeline.poll import MatcherOnFirstUse
from bot.pipeline.workers import host_of, poll_in_processes, shard_by_host, worker_count
from tests.conftest import FAST_LIMITS, rss

REPO = Path(__file__).resolve().parent.parent


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


_URL_TEXT = "aZ09.-:/?#@[]% é"
_HOST_URLS = st.builds(
    lambda scheme, host, rest: f"{scheme}://{host}{rest}",
    st.sampled_from(["http", "https", "HTTP", "ftp", "http:"]),
    st.text(alphabet="aZ09.-:@[]é", max_size=14),
    st.text(alphabet=_URL_TEXT, max_size=10),
)


_PLAIN_HOST_URLS = st.builds(  # the fast form, some of them a character off
    lambda scheme, host, port, rest: f"{scheme}://{host}{port}{rest}",
    st.sampled_from(["http", "https"]),
    st.text(alphabet="aZ09.-", min_size=1, max_size=12),
    st.sampled_from(["", "", ":8080", ":", ":x", "@"]),
    st.sampled_from(["", "/", "/feed?x=1", "?q", "#f", ":", " x", "@h/", "é"]),
)


@given(st.one_of(_HOST_URLS, _PLAIN_HOST_URLS, st.text(alphabet=_URL_TEXT)))
def test_a_feeds_host_is_urlsplits_hostname(url):
    """Shards group feeds by the host that Fetcher limits requests by."""
    try:
        expected = (urlsplit(url).hostname or "").lower()
    except ValueError:
        with pytest.raises(ValueError):
            host_of(url)
        return
    assert host_of(url) == expected


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
    builds = tmp_path / "matchers-built"  # a line per Matcher built, in whichever process

    def matcher():
        with builds.open("a") as marks:
            marks.write("built\n")
        return Matcher([Topic("story", "story")])

    seen = []
    outcomes = poll_in_processes(
        shards,
        store=store,
        limits=FAST_LIMITS,
        policy=PollPolicy(),
        matcher=MatcherOnFirstUse(matcher),
        on_feed_done=seen.append,
    )
    assert sorted(o.feed for o in outcomes) == sorted(names)
    assert sorted(o.feed for o in seen) == sorted(names)
    assert sum(o.new for o in outcomes) == 30
    assert {o.feed for o in outcomes if o.status == "failed"} == {"broken"}
    assert store.stats()["articles"] == 30
    assert store.stats()["matches"] == {"story": 30}  # matched in the workers, stored here
    assert builds.read_text() == "built\n" * 2  # once in each worker, none here

    # Again: the same bodies, so unchanged feeds, which travel to the writer together
    # (each by its feed's id) and are recorded with their feed.
    before = {f.name: f.last_polled_at for f in store.feed_states()}
    again = poll_in_processes(
        [store.feed_states()[:3], store.feed_states()[3:]],
        store=store,
        limits=FAST_LIMITS,
        policy=PollPolicy(),
        matcher=MatcherOnFirstUse(matcher),
    )
    assert builds.read_text() == "built\n" * 2  # nothing to match: no Matcher built
    assert sorted((o.feed, o.status) for o in again) == sorted(
        (n, "failed" if n == "broken" else "not_modified") for n in names
    )
    after = {f.name: f.last_polled_at for f in store.feed_states()}
    assert all(after[n] > before[n] for n in names)
    assert store.stats()["articles"] == 30


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


def _children(pid: int) -> set[int]:
    """Live processes whose parent is pid (Linux /proc; zombies count as gone)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_poll_and_leave_the_lock_free(tmp_path):
    """kill -9 of `poll` mid-cycle: its workers follow it within seconds (they used to
    idle on, holding the inherited poll lock, so every later cycle was skipped)."""
    release = threading.Event()

    def slow(request):
        release.wait(20)  # a feed that takes its time: the cycle is still running
        return Response(rss([{"title": "Story", "link": "https://o.example/1", "guid": "1"}]),
                        content_type="text/xml")  # fmt: skip

    servers = [HTTPServer(host=host) for host in ("127.0.0.1", "127.0.0.2")]  # two shards
    feeds = []
    for n, server in enumerate(servers):
        server.expect_request(re.compile("/f.*")).respond_with_handler(slow)
        server.start()
        feeds += [(f"f{n}-{i}", server.url_for(f"/f{i}")) for i in range(110)]
    (tmp_path / "feeds.yaml").write_text(
        "settings: {poll_interval: 1h, poll_workers: 2, read_timeout: 30s}\nfeeds:\n"
        + "".join(f"  - {{name: {name}, url: {json.dumps(url)}}}\n" for name, url in feeds)
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    environ |= {"PYTHONPATH": str(REPO), "BOT_CONFIG": str(tmp_path / "feeds.yaml"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}  # fmt: skip
    command = [sys.executable, "-m", "bot", "poll"]
    workers: set[int] = set()
    try:
        poll = subprocess.Popen([*command, "--all"], cwd=tmp_path, env=environ,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 30
        while len(workers := _children(poll.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) >= 2, "the poll never started its workers"
        time.sleep(0.5)  # the workers are fetching now
        poll.kill()
        poll.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived their parent"
        release.set()
        again = subprocess.run([*command, "--feed", "f0-0", "--json"], cwd=tmp_path,
                               env=environ, capture_output=True, text=True, timeout=60)  # fmt: skip
        summary = json.loads(again.stdout)
        assert "skipped" not in summary and summary["ok"] == 1, again.stderr
    finally:
        release.set()
        for pid in filter(_alive, workers):  # a failed run leaves none behind
            os.kill(pid, signal.SIGKILL)
        for server in servers:
            server.stop()
