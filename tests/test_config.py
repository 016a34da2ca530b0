"""Configuration: every problem reported with its place, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config, load_environment, parse_config
from bot.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return info.value.problems


def test_shipped_feeds_yaml_is_valid():
    config = load_config(REPO / "feeds.yaml")
    assert len(config.feeds) >= 20
    assert {"mpp", "asylum"} <= set(config.topics)
    assert any("hl=es-419" in f.url for f in config.feeds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feeds:\n  - {name: a, url: 'ftp://x.org/f'}",
         "feeds.yaml: feeds[0].url: not an http(s) URL"),
        ("feeds:\n  - {name: a, url: 'https://x.org', intervall: 5m}",
         "feeds.yaml: feeds[0].intervall: unknown key (check the spelling)"),
        ("feeds:\n  - {url: 'https://x.org'}", "feeds.yaml: feeds[0].name: required"),
        ("feeds:\n  - {name: a, url: 'https://x.org', interval: soon}",
         "feeds.yaml: feeds[0].interval: not a duration: 'soon' (examples: 30s, 15m, 6h, 2d)"),
        ("settings: {timezone: Mars/Olympus}",
         "feeds.yaml: settings.timezone: Mars/Olympus is not a time zone; "
         "use a name such as America/Tijuana"),
        ("feeds:\n  - {name: a, url: 'https://x.org/1'}\n  - {name: A, url: 'https://x.org/2'}",
         "feeds.yaml: feeds[1].name: duplicate of feeds[0] ('A')"),
        ("topics: {mpp: {title: M, query: x}}\nchats:\n  - {id: 1, name: c, topics: [nope]}",
         "feeds.yaml: chats[0].topics: unknown topic 'nope'"),
        ("chats:\n  - {id: 'not a channel', name: c}",
         "feeds.yaml: chats[0].id: a chat id is a number or @channelname"),
        ("feeds: [\n", "feeds.yaml line 2, column 1: invalid YAML"),
        ("topics: {mpp: {title: M, query: 'asylum \"fear'}}",
         "feeds.yaml line 1: topics.mpp.query: query error at column 8: unclosed quote"),
        ("topics: {mpp: {title: M, query: x, exclude: 'NOT y'}}",
         "feeds.yaml line 1: topics.mpp.exclude: query error at column 1"),
        ("- just\n- a list", "feeds.yaml: expected a mapping"),
        ("settings: {retention_days: 0}",
         "feeds.yaml: settings.retention_days: Input should be greater than or equal to 1"),
    ],
    ids=["ftp-url", "typo-key", "missing-name", "bad-duration", "bad-timezone", "dup-name",
         "unknown-topic", "bad-chat-id", "bad-yaml", "bad-query", "bad-exclude", "not-a-mapping",
         "retention-days"],
)  # fmt: skip
def test_problem_messages_name_the_place(text, expected):
    assert any(p.startswith(expected) for p in problems(text)), problems(text)


def test_all_problems_are_reported_at_once():
    found = problems(
        "feeds:\n  - {name: a, url: 'nope'}\n  - {name: b, url: 'https://x.org', bogus: 1}\n"
        "  - {name: c, url: 'https://y.org'}\n  - {name: d, url: 'gopher://z'}"
    )
    assert [p.split(":")[1].strip() for p in found] == ["feeds[0].url", "feeds[1].bogus",
                                                        "feeds[3].url"]  # fmt: skip


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "feeds.yaml")


def test_retention_defaults_to_a_year():
    assert parse_config("feeds: []").settings.retention_days == 365


def test_an_explicitly_empty_feed_list_is_valid():
    assert parse_config("feeds: []").feeds == []


def test_empty_file_is_refused():
    assert problems("")[0].startswith("feeds.yaml has no feeds, topics or chats: ")


def test_environment_defaults_and_problems():
    env = load_environment({})
    assert env.database_url == "sqlite:///storage/bot.db" and env.telegram_token is None
    token = "123456:" + "A" * 10
    with pytest.raises(ConfigError) as info:
        load_environment(
            {
                "TELEGRAM_BOT_TOKEN": token,
                "LOG_LEVEL": "LOUD",
                "DATABASE_URL": "mysql://x",
                "TELEGRAM_API_BASE_URL": "nope",
            }
        )
    text = str(info.value)
    assert "TELEGRAM_BOT_TOKEN" in text and token not in text
    assert "LOG_LEVEL" in text and "DATABASE_URL" in text and "TELEGRAM_API_BASE_URL" in text


def test_valid_token_is_kept_but_not_shown_in_repr():
    token = "123456789:" + "a" * 35
    env = load_environment({"TELEGRAM_BOT_TOKEN": token})
    assert env.telegram_token == token and token not in repr(env)
