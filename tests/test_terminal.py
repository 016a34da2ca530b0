"""What the command line shows a person at a terminal: marks that survive rich, counts
that read as English, times that mean what they say, and a word on Ctrl-C."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from bot.cli.poll import logs_through
from bot.feeds.health import next_poll_text
from tests.conftest import rss
from tests.test_cli import REPO, bot, feeds_config

OPML = """<?xml version="1.0"?>
<opml version="2.0"><body>
<outline type="rss" text="[bold]Border[/bold] Report" xmlUrl="http://localhost:9/a.xml"/>
</body></opml>"""


def test_feeds_table_keeps_marks_and_names_as_written(tmp_path):
    (tmp_path / "in.opml").write_text(OPML)
    config = feeds_config(("Own [x]", "https://own.example/feed"))
    config = config.replace("{poll_interval: 1h}", "{allow_private_hosts: [localhost]}")
    assert bot(tmp_path, "feeds", "import-opml", "in.opml", config=config).returncode == 0
    table = bot(tmp_path, "feeds").stdout
    assert "[bold]Border[/bold] Report [opml]" in table
    assert "Own [x]" in table
    assert "due now" in table and "ago" not in table.split("\n", 2)[1]


def test_stats_text_lists_matches_per_topic(tmp_path, httpserver):
    items = [{"title": "Remain in Mexico returns", "link": "https://n.example/1", "guid": "1"}]
    httpserver.expect_request("/f").respond_with_data(rss(items), content_type="text/xml")
    config = feeds_config(("F", httpserver.url_for("/f")))
    config += "topics:\n  mpp: {title: MPP, query: '\"remain in mexico\"'}\n"
    assert bot(tmp_path, "poll", config=config).returncode == 0
    assert "matches per topic: mpp 1" in bot(tmp_path, "stats").stdout


def test_a_dry_run_digest_counts_in_english(tmp_path):
    config = "chats:\n  - {id: 5, name: Team, topics: [asylum]}\n"
    config += "topics:\n  asylum: {title: Asylum, query: asylum}\nfeeds: []\n"
    result = bot(tmp_path, "digest", "--dry-run", config=config)
    assert result.returncode == 0, result.stderr
    assert "Team: 0 stories in 1 part (dry run: nothing sent)" in result.stdout


def test_next_poll_in_the_past_is_due_now():
    now = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert next_poll_text(now - timedelta(seconds=2), now) == "due now"
    assert next_poll_text(None, now) == "due now"
    assert next_poll_text(now + timedelta(minutes=12), now) == "in 12m"


def test_log_lines_print_through_the_progress_console():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    logger = logging.getLogger("bot.test.terminal")
    handler = logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with logs_through(console):
            logger.warning("a [red]warning[/red] line")
        logger.warning("after")
    finally:
        root.removeHandler(handler)
    assert "a [red]warning[/red] line" in out.getvalue()
    assert "after" not in out.getvalue() and "after" in handler.stream.getvalue()


@pytest.mark.slow
def test_ctrl_c_on_poll_says_what_was_kept(tmp_path, httpserver):
    polling = threading.Event()

    def slow(request):
        polling.set()
        time.sleep(0.3)
        from werkzeug import Response

        return Response(rss([]), content_type="text/xml")

    for n in range(30):
        httpserver.expect_request(f"/f{n}").respond_with_handler(slow)
    config = feeds_config(*((f"F{n}", httpserver.url_for(f"/f{n}")) for n in range(30)))
    config = config.replace("{poll_interval: 1h}", "{poll_interval: 1h, per_host_concurrency: 1}")
    (tmp_path / "feeds.yaml").write_text(config)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    environ.update(
        BOT_CONFIG=str(tmp_path / "feeds.yaml"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        PYTHONPATH=str(REPO),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "poll"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Ctrl-C once the cycle is under way (a loaded machine may take seconds to start it),
    # with some feeds done and most not.
    assert polling.wait(60)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "interrupted:" in stderr and "of 30 feeds were polled and stored" in stderr
    assert "Traceback" not in stderr
