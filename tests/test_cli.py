"""The command line, run as a user runs it: `python -m bot …` in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import rss

REPO = Path(__file__).resolve().parent.parent
ITEMS = [{"title": "Asylum officers brief", "link": "https://n.example/1", "guid": "1"}]


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def bot(workdir: Path, *args: str, config: str | None = None, env: dict | None = None, **kw):
    if config is not None:
        (workdir / "feeds.yaml").write_text(config)
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "DATABASE"))
    }
    environ.update(
        {
            "BOT_CONFIG": str(workdir / "feeds.yaml"),
            "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}",
            "PYTHONPATH": str(REPO),
            **(env or {}),  # may name another database
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


def feeds_config(*feeds: tuple[str, str], extra: str = "") -> str:
    lines = ["settings: {poll_interval: 1h}", extra, "feeds:"]
    lines += [f"  - {{name: {json.dumps(n)}, url: {json.dumps(u)}}}" for n, u in feeds]
    return "\n".join(lines) + "\n"


def test_check_reports_every_problem_with_its_place_and_exits_2(workdir):
    result = bot(
        workdir,
        "check",
        config="feeds:\n  - {name: a, url: 'ftp://x'}\n  - {name: b, url: 'https://x.org', x: 1}\n",
    )
    assert result.returncode == 2
    assert "feeds.yaml: feeds[0].url: not an http(s) URL" in result.stderr
    assert "feeds.yaml: feeds[1].x: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_poll_refuses_invalid_config_with_the_same_messages(workdir):
    result = bot(workdir, "poll", config="settings: {poll_interval: sometimes}\n")
    assert result.returncode == 2
    assert "settings.poll_interval: not a duration" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_ok_and_token_is_never_echoed(workdir):
    token = "12345:" + "x" * 5  # malformed on purpose
    result = bot(workdir, "check", config="feeds: []\n", env={"TELEGRAM_BOT_TOKEN": token})
    assert result.returncode == 2 and token not in result.stderr + result.stdout
    assert bot(workdir, "check").returncode == 0


def test_poll_json_summary_and_exit_codes(workdir, httpserver):
    httpserver.expect_request("/ok").respond_with_data(rss(ITEMS), content_type="text/xml")
    httpserver.expect_request("/bad").respond_with_data("no", status=500)
    config = feeds_config(("Ok", httpserver.url_for("/ok")), ("Bad", httpserver.url_for("/bad")))
    result = bot(workdir, "poll", "--json", config=config)
    summary = json.loads(result.stdout)
    assert result.returncode == 0
    keys = {"feeds", "ok", "not_modified", "failed", "new", "updated", "duplicates", "seconds"}
    assert keys <= set(summary)
    assert (summary["ok"], summary["failed"], summary["new"]) == (1, 1, 1)
    # Nothing is due now (interval 1h) → nothing to do is success.
    idle = bot(workdir, "poll")
    assert idle.returncode == 0 and "no feed is due" in idle.stdout
    only_bad = bot(workdir, "poll", "--feed", "Bad", "--json")
    assert only_bad.returncode == 1 and json.loads(only_bad.stdout)["failed"] == 1
    text = bot(workdir, "poll", "--all")
    assert (
        "1 not modified, 1 failed" in text.stdout and "failed: Bad: fetch: HTTP 500" in text.stdout
    )


def test_poll_unknown_feed_is_a_clear_error(workdir):
    result = bot(workdir, "poll", "--feed", "Nope", config=feeds_config(("A", "https://a.org/")))
    assert result.returncode == 2 and "no feed named 'Nope'" in result.stderr


def test_feeds_lists_health_and_stats_counts(workdir, httpserver):
    httpserver.expect_request("/ok").respond_with_data(rss(ITEMS), content_type="text/xml")
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    config = feeds_config(("Ok", httpserver.url_for("/ok")), ("Gone", httpserver.url_for("/gone")))
    bot(workdir, "poll", config=config)
    listing = json.loads(bot(workdir, "feeds", "--json").stdout)["feeds"]
    by_name = {f["name"]: f for f in listing}
    assert by_name["Ok"]["health"] == "ok" and by_name["Ok"]["articles"] == 1
    assert by_name["Gone"]["health"].startswith("parked: HTTP 410")
    assert by_name["Gone"]["consecutive_failures"] == 1 and by_name["Gone"]["next_poll"]
    table = bot(workdir, "feeds").stdout
    assert "Gone" in table and "parked" in table
    stats = json.loads(bot(workdir, "stats", "--json").stdout)
    assert stats["feeds"] == 2 and stats["articles"] == 1
    assert stats["articles_per_feed"] == {"Gone": 0, "Ok": 1}
    assert stats["articles_per_language"] == {"en": 1}


OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>Reader export</title></head><body>
<outline text="Border"><outline type="rss" text="KPBS" xmlUrl="{kpbs}"/></outline>
<outline type="rss" text="Loopback" xmlUrl="http://127.0.0.1:9/feed"/>
<outline type="rss" text="Metadata" xmlUrl="http://169.254.169.254/latest"/>
</body></opml>"""


def test_opml_import_refuses_private_addresses_and_export_round_trips(workdir):
    (workdir / "in.opml").write_text(OPML.format(kpbs="http://localhost:9/kpbs.xml"))
    config = feeds_config(("Own", "https://own.example/feed"))
    result = bot(workdir, "feeds", "import-opml", "in.opml", config=config)
    assert "0 feeds added" in result.stdout
    assert "refused: Loopback" in result.stderr and "loopback" in result.stderr
    assert "refused: Metadata" in result.stderr
    allowed = config.replace("{poll_interval: 1h}", "{allow_private_hosts: [localhost]}")
    result = bot(workdir, "feeds", "import-opml", "in.opml", config=allowed)
    assert "1 feeds added" in result.stdout
    exported = bot(workdir, "feeds", "export-opml").stdout
    assert 'xmlUrl="http://localhost:9/kpbs.xml"' in exported and "own.example" in exported
    listing = json.loads(bot(workdir, "feeds", "--json").stdout)["feeds"]
    assert {f["name"]: f["origin"] for f in listing} == {"KPBS": "opml", "Own": "config"}


def test_opml_import_of_a_bad_file_is_a_clear_error(workdir):
    (workdir / "bad.opml").write_text("<opml><body><outline")
    result = bot(workdir, "feeds", "import-opml", "bad.opml", config="feeds: []\n")
    assert result.returncode == 2 and "bad.opml: opml: not well-formed XML" in result.stderr
    missing = bot(workdir, "feeds", "import-opml", "nope.opml")
    assert missing.returncode == 2 and "nope.opml: cannot read" in missing.stderr


@pytest.mark.slow
def test_run_polls_on_schedule_says_console_and_stops_on_sigterm(workdir, httpserver):
    httpserver.expect_request("/ok").respond_with_data(rss(ITEMS), content_type="text/xml")
    (workdir / "feeds.yaml").write_text(feeds_config(("Ok", httpserver.url_for("/ok"))))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(REPO), "BOT_CONFIG": str(workdir / "feeds.yaml"),
             "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}", "TELEGRAM_BOT_TOKEN": ""},
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90  # generous: CI machines are shared
        while time.monotonic() < deadline and bot(workdir, "health").returncode != 0:
            time.sleep(0.3)
        assert bot(workdir, "health").returncode == 0, process.poll()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "digests will be printed to the console" in stderr
    assert "stopped" in stderr and "Traceback" not in stderr
    stats = json.loads(bot(workdir, "stats", "--json").stdout)
    assert stats["articles"] == 1


def test_health_fails_before_any_poll(workdir):
    result = bot(workdir, "health", config="feeds: []\n")
    assert result.returncode == 1 and "unhealthy: no database at" in result.stdout
    assert not (workdir / "bot.db").exists()  # health only reads
    assert bot(workdir, "rematch").returncode == 0  # a command that writes creates it
    result = bot(workdir, "health")
    assert result.returncode == 1 and "no poll cycle" in result.stdout


def test_a_second_poll_cycle_on_the_same_database_is_skipped(workdir, httpserver):
    from bot.store import Store

    httpserver.expect_request("/ok").respond_with_data(rss(ITEMS), content_type="text/xml")
    config = feeds_config(("Ok", httpserver.url_for("/ok")))
    bot(workdir, "check", config=config)
    store = Store.open(f"sqlite:///{workdir / 'bot.db'}")
    try:
        with store.cycle_lock() as ours:
            assert ours
            busy = bot(workdir, "poll", "--all", "--json")
            assert json.loads(busy.stdout)["skipped"].startswith("another poll cycle")
            assert busy.returncode == 0
    finally:
        store.close()
    free = json.loads(bot(workdir, "poll", "--all", "--json").stdout)
    assert "skipped" not in free and free["new"] == 1


@pytest.mark.slow
def test_commands_started_together_on_a_new_database_do_not_trip_over_each_other(workdir):
    """The service and `rematch` (or any two commands that write) on a fresh database: one
    creates the schema and the feeds, the others wait for it and find them. (`health` and
    the other commands that only read create no database.)"""
    (workdir / "feeds.yaml").write_text(feeds_config(("Ok", "http://127.0.0.1:9/feed")))
    environ = {**os.environ, "PYTHONPATH": str(REPO), "BOT_CONFIG": str(workdir / "feeds.yaml"),
               "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}"}  # fmt: skip
    runs = [
        subprocess.Popen([sys.executable, "-m", "bot", "rematch", "--json"], cwd=workdir,
                         env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]  # fmt: skip
    for run in runs:
        stdout, stderr = run.communicate(timeout=120)
        assert json.loads(stdout) == {"articles": 0, "matches": {}}, stderr
        assert stderr == ""
    health = bot(workdir, "health")
    assert health.returncode == 1 and "no poll cycle has run yet" in health.stdout
    listing = json.loads(bot(workdir, "feeds", "--json").stdout)["feeds"]
    assert [f["name"] for f in listing] == ["Ok"]


def test_poll_starts_without_what_only_new_articles_or_the_chat_side_need():
    """A re-poll of unchanged feeds is mostly process start: `poll`'s imports stop at what
    it uses (parsing, normalizing, httpx for odd URLs, the chat side come on first use)."""
    later = ("feedparser", "httpx", "telegram", "rich", "alembic", "trafilatura", "apscheduler",
             "psycopg", "fasttext", "sqlalchemy.orm", "sqlalchemy.dialects.postgresql",
             "bot.feeds.parse", "bot.feeds.normalize", "bot.chat", "bot.scheduler")  # fmt: skip
    code = f"import sys, bot.cli, bot.cli.poll; print([m for m in {later!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_a_dotenv_file_beside_the_config_is_read(workdir):
    (workdir / ".env").write_text("TELEGRAM_BOT_TOKEN=not-a-token\n")
    result = bot(workdir, "check", config=feeds_config(("A", "https://a.example/f")))
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN: does not look like a bot token" in result.stderr
    (workdir / ".env").unlink()
    assert bot(workdir, "check").returncode == 0


def test_a_poll_summary_repr_gives_the_counts_not_every_outcome():
    """asyncio.run formats its result's repr as it ends: 2,000 outcomes must not be."""
    from bot.model import FeedOutcome, PollSummary

    outcomes = [FeedOutcome(f"feed {i}", "not_modified") for i in range(2000)]
    outcomes.append(FeedOutcome("broken", "failed", error="HTTP 500"))
    text = repr(PollSummary(outcomes, 0.25))
    assert text == (
        "PollSummary(feeds=2001, ok=0, not_modified=2000, failed=1, new=0, updated=0, "
        "duplicates=0, unchanged=0, seconds=0.25)"
    )
