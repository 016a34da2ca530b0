"""Several processes on one PostgreSQL database: each feed polled once per cycle by one
of the workers, a killed worker's feeds taken over after their lease, one process polling
Telegram with a standby that takes over, one digest per chat and period. Real processes
(`python -m bot run --role …`), a real feed server that counts requests, the fake Bot API
and this machine's PostgreSQL server (tests/postgres.py)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug import Request, Response

from bot.app import App
from bot.chat.service import ChatSideState
from bot.config import Environment, parse_config
from bot.model import Article
from bot.store import Store
from tests.chatbot import wait_for
from tests.conftest import rss
from tests.test_cli import REPO

pytestmark = pytest.mark.slow
ITEMS = 3


class CountingFeeds:
    """Feeds at /f0 … /fN-1, each with ITEMS items; counts every request by path and can
    answer slowly (so that a cycle lasts long enough to kill a worker in it)."""

    def __init__(self, httpserver, count: int, delay: float = 0.0):
        self.count, self.delay = count, delay
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()
        httpserver.expect_request(re.compile(r"/f\d+")).respond_with_handler(self.handle)
        self.server = httpserver

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests[request.path] += 1
        time.sleep(self.delay)
        n = request.path.removeprefix("/f")
        items = [{"title": f"Story {n}.{i} on asylum hearings", "link": f"https://x.example/{n}/{i}",
                  "description": f"Text {n} {i}"} for i in range(ITEMS)]  # fmt: skip
        return Response(rss(items), content_type="application/rss+xml")

    def config(self, extra: str = "") -> str:
        lines = [
            "settings: {poll_interval: 1h, max_concurrency: 4, feed_lease: 10s, timezone: UTC}"
        ]
        lines += [extra, "feeds:"]
        lines += [
            f"  - {{name: F{i}, url: '{self.server.url_for(f'/f{i}')}'}}" for i in range(self.count)
        ]
        return "\n".join(lines) + "\n"


def start(workdir, database_url: str, role: str, env: dict | None = None) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    environ.update(PYTHONPATH=str(REPO), BOT_CONFIG=str(workdir / "feeds.yaml"),
                   DATABASE_URL=database_url, **(env or {}))  # fmt: skip
    log = open(workdir / f"{role}-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--role", role],
        cwd=workdir, env=environ, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        finally:
            process.kill()


def polled(database_url: str) -> int:
    store = Store.open(database_url)
    try:
        return sum(f.last_polled_at is not None for f in store.feed_states(with_counts=False))
    finally:
        store.close()


def article_rows(database_url: str) -> list[tuple[str, str]]:
    store = Store.open(database_url)
    try:
        with store.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT f.name, a.entry_id FROM articles a JOIN feeds f ON f.id = a.feed_id"
                )
            ]
    finally:
        store.close()


def test_two_workers_poll_each_feed_exactly_once_a_cycle(tmp_path, httpserver, pg_url):
    feeds = CountingFeeds(httpserver, 40, delay=0.05)
    (tmp_path / "feeds.yaml").write_text(feeds.config())
    workers = [start(tmp_path, pg_url, "worker") for _ in range(2)]
    try:
        wait_for(lambda: polled(pg_url) == 40, seconds=120, what="every feed polled")
        time.sleep(1)  # a duplicate request would come now
    finally:
        stop(*workers)
    assert sorted(feeds.requests.values()) == [1] * 40, feeds.requests
    rows = article_rows(pg_url)
    assert len(rows) == len(set(rows)) == 40 * ITEMS
    store = Store.open(pg_url)
    roles = [p.role for p in store.processes()]
    store.close()
    assert roles == ["worker", "worker"]


def test_a_killed_workers_feeds_are_taken_over_after_their_lease(tmp_path, httpserver, pg_url):
    feeds = CountingFeeds(httpserver, 24, delay=1.0)  # 4 at a time: about 6 s a cycle
    (tmp_path / "feeds.yaml").write_text(feeds.config())
    first = start(tmp_path, pg_url, "worker")
    try:
        wait_for(lambda: polled(pg_url) >= 4, seconds=90, what="the first worker to poll")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = time.monotonic()
        done_by_first = polled(pg_url)
        assert done_by_first < 24
        second = start(tmp_path, pg_url, "worker")
        try:
            wait_for(lambda: polled(pg_url) == 24, seconds=120, what="the rest polled")
            took = time.monotonic() - killed_at
        finally:
            stop(second)
    finally:
        stop(first)
    rows = article_rows(pg_url)
    assert len(rows) == len(set(rows)) == 24 * ITEMS  # none lost, none stored twice
    # Only the feeds in flight when the first was killed were asked for twice, and those
    # waited for their lease (10 s).
    twice = [path for path, n in feeds.requests.items() if n > 1]
    assert len(twice) <= 4 and max(feeds.requests.values()) <= 2
    if twice:
        assert took >= 9


def test_one_process_polls_telegram_and_a_standby_takes_over(tmp_path, fake_bot_api, pg_url):
    (tmp_path / "feeds.yaml").write_text("settings: {timezone: UTC}\nfeeds: []\n")
    env = {"TELEGRAM_BOT_TOKEN": fake_bot_api.token, "TELEGRAM_API_BASE_URL": fake_bot_api.base_url}

    def chat_states() -> dict[int, str]:
        store = Store.open(pg_url)
        try:
            return {p.pid: ChatSideState.from_dict(p.chat).state
                    for p in store.processes() if p.chat and p.stopped_at is None}  # fmt: skip
        finally:
            store.close()

    first = start(tmp_path, pg_url, "telegram", env)
    try:
        wait_for(lambda: chat_states().get(first.pid) == "on", seconds=60, what="the first on")
        second = start(tmp_path, pg_url, "telegram", env)
        try:
            wait_for(lambda: chat_states().get(second.pid) == "standby", seconds=60,
                     what="the second standing by")  # fmt: skip
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            killed = time.monotonic()
            calls = len(fake_bot_api.calls)
            wait_for(lambda: chat_states().get(second.pid) == "on", seconds=45,
                     what="the standby taking over")  # fmt: skip
            assert time.monotonic() - killed <= 30
            wait_for(lambda: any(c.method == "getUpdates" for c in fake_bot_api.calls[calls:]),
                     seconds=30, what="getUpdates from the standby")  # fmt: skip
        finally:
            stop(second)
    finally:
        stop(first)


DIGEST_CONFIG = """
settings: {timezone: UTC}
topics:
  mpp: {title: "Remain in Mexico", query: '"remain in mexico"'}
chats:
  - {id: -1001, name: "Border team", topics: [mpp], alerts: [mpp], digest: "08:00"}
feeds:
  - {name: F, url: "https://f.example/rss"}
"""


def two_apps(pg_url: str) -> list[App]:
    config = parse_config(DIGEST_CONFIG)
    apps = [App.open(Environment(database_url=pg_url), config) for _ in range(2)]
    for n, app in enumerate(apps):
        app.process = app._process_row()
        app.process = app.process.__class__(**{**app.process.__dict__, "id": f"test:{n}"})
    return apps


def deliveries(app: App) -> Counter[str]:
    with app.store.engine.connect() as conn:
        return Counter(kind for (kind,) in conn.exec_driver_sql("SELECT kind FROM deliveries"))


def store_story(app: App, title: str) -> None:
    now = datetime.now(UTC)
    article = Article(
        feed="F", entry_id=title, url=f"https://f.example/{len(title)}", title=title,
        summary="Asylum seekers wait", content="", author=None, published=now,
        language="en", outlet=None, title_key=title.lower(), content_hash=title,
    )  # fmt: skip
    from bot.match.matcher import build_document

    found = app.matcher.match(build_document(title, article.summary, "", language="en"))
    app.store.save_poll(app.store.feed_ids()["F"], [article], now, {title: found})


def test_two_processes_running_one_digest_job_deliver_it_once(pg_url):
    apps = two_apps(pg_url)
    try:
        for app in apps:
            app.store.update_chat("-1001", alerts_since=datetime.now(UTC) - timedelta(days=2),
                                  first_seen_at=datetime.now(UTC) - timedelta(days=2))  # fmt: skip
        store_story(apps[0], "Remain in Mexico returns to Tijuana")

        async def both(job):
            await asyncio.gather(*(job(app) for app in apps))

        plan = apps[0].chat_plans[0]
        asyncio.run(both(lambda app: app.send_digest(plan)))
        asyncio.run(both(lambda app: app.send_digest(plan)))  # late, the same period
        assert deliveries(apps[0])["digest"] == 1
        store_story(apps[1], "Remain in Mexico hearings resume")
        asyncio.run(both(lambda app: app.after_poll()))
        asyncio.run(both(lambda app: app.after_poll()))
        assert deliveries(apps[0])["alert"] == 1  # one alert, the new story, once
    finally:
        for app in apps:
            app.close()
