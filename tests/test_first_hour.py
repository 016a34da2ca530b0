"""A team's first hour with the bot (issue 14): a mistyped DATABASE_URL, help that says
what options do, and a machine that turns out to be offline."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import socket

import pytest

from tests.conftest import rss
from tests.test_cli import ITEMS, bot, feeds_config

DNS = "fetch: cannot connect: [Errno -2] Name or service not known"


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable(count: int) -> list[tuple[str, str]]:
    port = closed_port()
    return [(f"Down {n}", f"http://127.0.0.1:{port}/feed{n}") for n in range(count)]


# --- 1. Read-only commands on a missing database ---------------------------------------

READ_ONLY = [
    ("stats",),
    ("stats", "--json"),
    ("feeds",),
    ("feeds", "--json"),
    ("feeds", "export-opml"),
    ("health",),
    ("reindex", "--check"),
    ("prune", "--dry-run"),
    ("search", "asylum"),
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only_commands_on_a_missing_database_say_so_and_create_nothing(tmp_path, command):
    (tmp_path / "feeds.yaml").write_text(feeds_config(("A", "https://a.example/feed")))
    typo = tmp_path / "strorage" / "bot.db"
    result = bot(tmp_path, *command, env={"DATABASE_URL": f"sqlite:///{typo}"})
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"no database at {typo} (DATABASE_URL)" in out
    assert "run `python -m bot poll` or `run` first, or check DATABASE_URL" in out
    assert "Traceback" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.yaml"]  # no folder, no file
    if command == ("health",):
        assert result.stdout.startswith("unhealthy: no database at")


def test_a_relative_database_url_is_shown_as_the_absolute_path_it_names(tmp_path):
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    result = bot(tmp_path, "stats", env={"DATABASE_URL": "sqlite:///storage/bot.db"})
    assert result.returncode == 1
    assert f"error: no database at {tmp_path / 'storage' / 'bot.db'} (DATABASE_URL)" in (
        result.stderr
    )
    assert not (tmp_path / "storage").exists()


@pytest.mark.parametrize(
    "command", [("rematch",), ("prune",), ("reindex",), ("feeds", "import-opml", "in.opml")]
)
def test_commands_that_write_still_create_the_database(tmp_path, command):
    (tmp_path / "feeds.yaml").write_text(  # an OPML URL on the list is checked, not resolved
        "settings: {allow_private_hosts: ['127.0.0.1']}\n"
        "feeds: [{name: A, url: 'https://a.example/feed'}]\n"
    )
    (tmp_path / "in.opml").write_text(
        '<opml version="2.0"><body><outline type="rss" text="B" '
        'xmlUrl="http://127.0.0.1:9/feed"/></body></opml>'
    )
    database = tmp_path / "new" / "bot.db"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    result = bot(tmp_path, *command, env=env)
    assert result.returncode == 0, result.stderr
    assert database.exists()
    assert json.loads(bot(tmp_path, "stats", "--json", env=env).stdout)["feeds"] >= 1


def test_read_only_commands_on_an_existing_database_still_apply_feeds_yaml(tmp_path):
    bot(tmp_path, "rematch", config=feeds_config(("A", "https://a.example/feed")))
    config = feeds_config(("A", "https://a.example/feed"), ("B", "https://b.example/feed"))
    listing = bot(tmp_path, "feeds", "--json", config=config)
    assert listing.returncode == 0, listing.stderr
    assert [f["name"] for f in json.loads(listing.stdout)["feeds"]] == ["A", "B"]
    check = bot(tmp_path, "reindex", "--check")
    assert check.returncode == 0 and check.stdout.strip() == "index: ok"
    dry = bot(tmp_path, "prune", "--dry-run", "--json")
    assert dry.returncode == 0 and json.loads(dry.stdout)["articles"] == 0


# --- 2. Help ----------------------------------------------------------------------------


def test_every_json_option_says_what_it_prints():
    from bot.cli import build_parser

    def parsers(parser):
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    yield from parsers(child)

    found = {
        p.prog: a.help
        for p in parsers(build_parser())
        for a in p._actions
        if "--json" in a.option_strings
    }
    assert len(found) >= 9, found
    for prog, text in found.items():
        assert text and text.startswith("print ") and "JSON" in text, prog


def test_feeds_help_shows_the_action_as_optional(tmp_path):
    result = bot(tmp_path, "feeds", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m bot feeds [-h] [--json] [ACTION]\n")
    assert "Without an ACTION, lists the feeds with their health." in result.stdout
    assert "print the feed list as JSON" in result.stdout
    sub = bot(tmp_path, "feeds", "import-opml", "--help")
    assert sub.stdout.startswith("usage: python -m bot feeds import-opml [-h] FILE\n")
    search = bot(tmp_path, "search", "--help").stdout
    assert "--json" in search and "print the results as JSON" in search


# --- 3. When every feed fails, say why --------------------------------------------------


def test_offline_hint_when_most_feeds_cannot_resolve_their_host():
    from bot.feeds.health import offline_hint

    hint = offline_hint([DNS] * 35)
    assert hint == (
        "every feed failed to connect (35 of 35; 'Name or service not known'): "
        "this machine seems to be offline or its DNS is failing"
    )
    resolving = "refused: cannot resolve a.example: [Errno -3] Temporary failure in name resolution"
    mixed = [DNS] * 8 + [resolving] * 1 + [None] * 2  # 9 of 11: 82%
    assert offline_hint(mixed).startswith(
        "most feeds failed to connect (9 of 11; 'Name or service not known'): "
    )


def test_offline_hint_for_refused_connections_and_timeouts():
    from bot.feeds.health import offline_hint

    errors = ["fetch: cannot connect: All connection attempts failed"] * 3
    errors += ["fetch: connect timed out after 10s"] * 2
    assert offline_hint(errors) == (
        "every feed failed to connect (5 of 5; 'All connection attempts failed'): "
        "this machine seems to be offline, or a firewall or proxy blocks it"
    )


@pytest.mark.parametrize(
    "errors",
    [
        [DNS] * 2,  # too few feeds to blame the machine
        [DNS] * 3 + [None] * 2,  # 60%: some publishers are down, not the network
        ["fetch: HTTP 500"] * 10,  # servers answered
        [DNS] * 3 + ["fetch: HTTP 404"] * 2,
        [],
    ],
)
def test_no_offline_hint_when_the_network_is_not_the_likely_cause(errors):
    from bot.feeds.health import offline_hint

    assert offline_hint(errors) is None


def test_poll_says_once_that_the_machine_seems_offline_and_health_is_degraded(tmp_path):
    config = feeds_config(*unreachable(4))
    result = bot(tmp_path, "poll", config=config)
    assert result.returncode == 1
    assert result.stdout.count("failed: Down") == 4
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("feeds: 0 ok, 0 not modified, 4 failed")
    assert lines[-1].startswith("every feed failed to connect (4 of 4; '")
    assert lines[-1].endswith("this machine seems to be offline, or a firewall or proxy blocks it")
    assert result.stdout.count("failed to connect") == 1
    health = bot(tmp_path, "health")
    assert health.returncode == 0, health.stdout  # a restart would not bring the network back
    assert health.stdout.startswith("degraded: 4 of 4 feeds failing (last poll cycle ")
    assert "every feed failed to connect (4 of 4;" in health.stdout
    # The next cycles poll nothing (the feeds wait out their backoff): still degraded.
    assert "no feed is due" in bot(tmp_path, "poll").stdout
    assert bot(tmp_path, "health").stdout.startswith("degraded: 4 of 4 feeds failing")


def test_one_working_feed_among_four_is_not_an_outage(tmp_path, httpserver):
    httpserver.expect_request("/ok").respond_with_data(rss(ITEMS), content_type="text/xml")
    config = feeds_config(("Ok", httpserver.url_for("/ok")), *unreachable(3))
    result = bot(tmp_path, "poll", config=config)
    assert result.returncode == 0
    assert "1 ok, 0 not modified, 3 failed" in result.stdout
    assert "failed to connect" not in result.stdout  # 75%: below "most"
    health = bot(tmp_path, "health")
    assert health.returncode == 0 and health.stdout.startswith("ok: last poll cycle")


def test_the_service_logs_the_offline_hint_once_per_cycle(tmp_path, caplog):
    from bot.app import App
    from bot.config import Environment, parse_config

    config = parse_config(feeds_config(*unreachable(3)))
    app = App.open(Environment(database_url=f"sqlite:///{tmp_path / 'bot.db'}"), config)
    try:
        with caplog.at_level(logging.INFO, logger="bot"):
            summary = asyncio.run(app.poll_due())
    finally:
        app.close()
    assert summary.count("failed") == 3
    hints = [r for r in caplog.records if "seems to be offline" in r.getMessage()]
    assert len(hints) == 1 and hints[0].levelno == logging.WARNING
    assert hints[0].getMessage().startswith("poll cycle: every feed failed to connect (3 of 3;")


def test_health_counts_enabled_feeds_and_leaves_parked_ones_out():
    from datetime import UTC, datetime

    from bot.feeds.health import failing_feeds
    from bot.model import FeedState

    def state(name, failures=0, parked=None, enabled=True, error=DNS):
        return FeedState(
            id=0, name=name, url="u", config_url="u", origin="config", enabled=enabled,
            interval=None, full_text=False, tags=(), language=None, etag=None,
            last_modified=None, body_hash=None, last_polled_at=datetime.now(UTC),
            last_success_at=None, last_error=error if failures else None,
            last_error_at=None, consecutive_failures=failures, next_poll_at=None,
            parked_reason=parked, bozo=None,
        )  # fmt: skip

    down = [state(f"d{n}", failures=2) for n in range(4)]
    assert failing_feeds([*down, state("off", enabled=False)]) == (
        "4 of 4 feeds failing",
        "every feed failed to connect (4 of 4; 'Name or service not known'): "
        "this machine seems to be offline or its DNS is failing",
    )
    parked = state("gone", failures=1, parked="HTTP 410", error="fetch: HTTP 410")
    assert failing_feeds([*down, parked])[0] == "4 of 5 feeds failing"
    assert failing_feeds([*down, state("ok"), state("new")]) is None  # 4 of 6
    http = [state(f"h{n}", failures=1, error="fetch: HTTP 503") for n in range(3)]
    assert failing_feeds(http) == ("3 of 3 feeds failing", None)
    assert failing_feeds([]) is None
