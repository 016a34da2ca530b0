"""Time zones are checked in one place (bot/durations.py's check_time_zone) for feeds.yaml
and /timezone: a folder of the zone database (`America`, `Pacific`, `US`) or any other
name that is not a zone is one clear line, never a traceback."""

from __future__ import annotations

import pytest

from bot.durations import check_time_zone
from bot.errors import ConfigError
from tests.chatbot import Running, message, wait_for
from tests.test_cli import bot

GROUP, ADMIN = -1001, 7


@pytest.mark.parametrize(
    "name",
    ["America", "Pacific", "US", "Mars/Olympus", "zone.tab", "../etc/passwd", "/etc/localtime",
     "America/", "", "x" * 300, "a\x00b"],
)  # fmt: skip
def test_names_that_are_not_time_zones_are_refused_with_one_line(name):
    with pytest.raises(ValueError) as info:
        check_time_zone(name)
    assert str(info.value) == f"{name} is not a time zone; use a name such as America/Tijuana"


@pytest.mark.parametrize("name", ["America/Tijuana", "UTC", "Pacific/Auckland", "US/Pacific"])
def test_time_zones_pass(name):
    assert check_time_zone(name) == name


def test_feeds_yaml_names_each_bad_zone_with_its_place():
    from bot.config import parse_config

    with pytest.raises(ConfigError) as info:
        parse_config(
            "settings: {timezone: America}\nchats:\n  - {id: -1001, name: T, timezone: Pacific}\n"
        )
    assert info.value.problems == [
        "feeds.yaml: settings.timezone: America is not a time zone; use a name such as "
        "America/Tijuana",
        "feeds.yaml: chats[0].timezone: Pacific is not a time zone; use a name such as "
        "America/Tijuana",
    ]


@pytest.mark.parametrize("command", ["check", "poll", "run"])
def test_check_poll_and_run_exit_2_on_a_zone_folder(tmp_path, command):
    result = bot(tmp_path, command, config="settings: {timezone: America}\nfeeds: []\n")
    assert result.returncode == 2, result.stderr
    assert (
        "feeds.yaml: settings.timezone: America is not a time zone; use a name such as "
        "America/Tijuana" in result.stderr
    )
    assert "Traceback" not in result.stderr and "IsADirectoryError" not in result.stderr


@pytest.mark.slow  # the real service against the fake Bot API
def test_timezone_in_chat_refuses_a_zone_folder_and_keeps_the_zone(fake_bot_api, tmp_path):
    config = (
        "settings: {timezone: UTC}\n"
        "topics: {mpp: {title: MPP, query: mpp}}\n"
        f"chats:\n  - {{id: {GROUP}, name: T, topics: [mpp]}}\n"
        f"admins: [{ADMIN}]\n"
    )
    running = Running(fake_bot_api, config, f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        for name in ("Pacific", "US"):
            fake_bot_api.push_update(message(GROUP, ADMIN, f"/timezone {name}"))
            answer = wait_for(
                lambda name=name: next(
                    (m for m in fake_bot_api.sent_to(GROUP) if f"{name} is not" in m.text), None
                ),
                what=f"the answer to /timezone {name}",
            )
            assert answer.text == (
                f"Not changed: {name} is not a time zone; use a name such as America/Tijuana."
            )
        assert str(GROUP) not in running.store.chat_settings().schedules  # nothing stored
        fake_bot_api.push_update(message(GROUP, ADMIN, "/timezone America/Tijuana"))
        wait_for(
            lambda: str(GROUP) in running.store.chat_settings().schedules,
            what="a real zone to be stored",
        )
        assert running.store.chat_settings().schedules[str(GROUP)].timezone == "America/Tijuana"
    finally:
        running.close()
