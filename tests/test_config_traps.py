"""The traps of feeds.yaml (issue 14): an empty file, bare numbers, unquoted times, tabs,
query errors deep in a long topic, and the query limit the file states."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.durations import BareNumber, parse_duration
from bot.errors import ConfigError
from bot.match.query import MAX_LENGTH
from bot.model import FeedSpec
from bot.store import Store
from tests.conftest import rss
from tests.test_cli import bot

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 1, tzinfo=UTC)
EMPTY = "has no feeds, topics or chats: "


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return info.value.problems


def caret_points_at(problem: str) -> str:
    """The text above the caret of a query error's excerpt (its next 8 characters)."""
    _, excerpt, caret = problem.split("\n")
    at = caret.index("^")
    assert caret.strip() == "^" and excerpt.startswith("    ") and caret.startswith("    ")
    return excerpt[at : at + 8]


# An empty file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "the file is empty or only comments"),
        ("\n\n", "the file is empty or only comments"),
        ("# feeds:\n#   - {name: A, url: 'https://a.example/f'}\n", "the file is empty or only"),
        ("{}\n", "the file is empty or only comments"),
        ("settings: {poll_interval: 15m}\n", "the file has only settings"),
        ("feeds:\n#  - {name: A, url: 'https://a.example/f'}\n", "feeds: without entries"),
    ],
    ids=["empty", "blank-lines", "comments", "empty-mapping", "settings-only", "feeds-blank"],
)
def test_a_file_without_feeds_topics_or_chats_is_refused(text, why):
    found = problems(text)
    assert found[0].startswith(f"feeds.yaml {EMPTY}{why}"), found
    assert "write feeds: [] to run with none" in found[0]


def test_a_key_left_without_entries_is_named_beside_others():
    found = problems("feeds: [{name: A, url: 'https://a.example/f'}]\ntopics:\nchats:\n")
    assert found == [
        "feeds.yaml: topics: has no entries; list them under it or write topics: {}",
        "feeds.yaml: chats: has no entries; list them under it or write chats: []",
    ]


def test_an_explicit_empty_list_is_a_choice_and_is_accepted():
    assert parse_config("feeds: []\n").feeds == []
    assert parse_config("topics: {mpp: {title: M, query: mpp}}\n").feeds == []


@pytest.mark.parametrize("command", ["check", "poll", "run"])
@pytest.mark.parametrize("text", ["", "# all of it commented out\n# feeds:\n"])
def test_check_poll_and_run_refuse_an_empty_file_and_keep_the_stored_feeds(
    tmp_path, httpserver, command, text
):
    httpserver.expect_request("/f").respond_with_data(rss([]), content_type="text/xml")
    good = f"feeds:\n  - {{name: Wire, url: '{httpserver.url_for('/f')}'}}\n"
    assert bot(tmp_path, "poll", config=good).returncode == 0
    result = bot(tmp_path, command, config=text)
    assert result.returncode == 2, result.stderr
    assert f"feeds.yaml {EMPTY}" in result.stderr and "Traceback" not in result.stderr
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        assert {f.name: f.enabled for f in store.feed_states()} == {"Wire": True}
    finally:
        store.close()


def test_the_store_never_disables_every_config_feed_at_once(store, caplog):
    store.sync_feeds([FeedSpec("A", "https://a.example/f"), FeedSpec("B", "https://b.example/f")],
                     NOW)  # fmt: skip
    store.add_feed(FeedSpec("Imported", "https://i.example/f", origin="opml"), NOW)
    with caplog.at_level(logging.WARNING):
        store.sync_feeds([], NOW)
    assert {f.name: f.enabled for f in store.feed_states()} == {
        "A": True, "B": True, "Imported": True
    }  # fmt: skip
    assert "feeds.yaml declares no feeds: the 2 enabled feeds" in caplog.text
    store.sync_feeds([FeedSpec("A", "https://a.example/f")], NOW)  # dropping some still works
    assert {f.name: f.enabled for f in store.feed_states()} == {
        "A": True, "B": False, "Imported": True
    }  # fmt: skip


def test_poll_with_an_explicit_empty_list_keeps_the_feeds_and_says_so(tmp_path, httpserver):
    httpserver.expect_request("/f").respond_with_data(rss([]), content_type="text/xml")
    good = f"feeds:\n  - {{name: Wire, url: '{httpserver.url_for('/f')}'}}\n"
    assert bot(tmp_path, "poll", config=good).returncode == 0
    result = bot(tmp_path, "poll", config="feeds: []\n")
    assert result.returncode == 0, result.stderr
    assert "feeds.yaml declares no feeds" in result.stderr
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        assert [f.enabled for f in store.feed_states()] == [True]
    finally:
        store.close()


# Bare numbers and unquoted times ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feeds:\n  - {name: A, url: 'https://a.example/f', interval: 15}",
         "feeds.yaml: feeds[0].interval: 15 has no unit: write 15m or 15s"),
        ("settings: {poll_interval: 15}\nfeeds: []",
         "feeds.yaml: settings.poll_interval: 15 has no unit: write 15m or 15s"),
        ("settings: {read_timeout: '30'}\nfeeds: []",
         "feeds.yaml: settings.read_timeout: 30 has no unit: write 30m or 30s"),
        ("settings: {max_backoff: 1.5}\nfeeds: []",
         "feeds.yaml: settings.max_backoff: 1.5 has no unit: write 1.5m or 1.5s"),
        ("settings: {gone_retry: 1:30}\nfeeds: []",
         "feeds.yaml: settings.gone_retry: 1:30 is not a duration (YAML reads it as the number "
         "90): write 90m or 90s"),
    ],
    ids=["feed-interval", "poll-interval", "quoted-number", "float", "sexagesimal"],
)  # fmt: skip
def test_a_duration_without_a_unit_is_refused(text, expected):
    assert expected in problems(text)


def test_durations_with_units_still_read_and_the_command_line_keeps_plain_seconds():
    config = parse_config("settings: {poll_interval: 15s, read_timeout: 2m}\nfeeds: []")
    assert (config.settings.poll_interval, config.settings.read_timeout) == (15.0, 120.0)
    assert parse_duration(90) == 90.0 and parse_duration("90") == 90.0
    with pytest.raises(BareNumber, match="write 90m or 90s"):
        parse_duration("90", unit_required=True)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("8:00", 'chats[0].digest: 8:00 must be quoted: write digest: "08:00"'),
        ("13:30", 'chats[0].digest: 13:30 must be quoted: write digest: "13:30"'),
        ("800", 'chats[0].digest: 800 is not a time: write a quoted time such as digest: "08:00"'),
    ],
)
def test_an_unquoted_digest_time_says_to_quote_it(written, expected):
    found = problems(f"chats:\n  - {{id: -1001, name: Team, digest: {written}}}\n")
    assert found == [f"feeds.yaml: {expected}"]
    assert not any("valid string" in p for p in found)


def test_a_quoted_digest_time_is_read():
    config = parse_config('chats:\n  - {id: -1001, name: Team, digest: "08:00"}\n')
    assert config.chats[0].digest == "08:00"


# Tabs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("feeds:\n\t- {name: A, url: 'https://a.example/f'}\n", "line 2, column 1"),
        ("settings:\n  retention_days: 30\n\tpoll_interval: 1h\nfeeds: []\n", "line 3, column 1"),
        ("settings:\n  \tretention_days: 30\nfeeds: []\n", "line 2, column 3"),
    ],
    ids=["before-a-list-item", "before-a-key", "after-spaces"],
)
def test_a_tab_is_named_with_its_line_and_column(text, where):
    assert problems(text) == [f"feeds.yaml {where}: a tab; YAML indents with spaces only"]


def test_check_names_the_tab_without_a_traceback(tmp_path):
    result = bot(tmp_path, "check", config="feeds:\n\t- {name: A, url: 'https://a.example/f'}\n")
    assert result.returncode == 2
    assert "feeds.yaml line 2, column 1: a tab; YAML indents with spaces only" in result.stderr
    assert "Traceback" not in result.stderr and "cannot start any token" not in result.stderr


def test_other_yaml_errors_keep_their_line_and_column():
    assert problems("feeds: [\n") == [
        "feeds.yaml line 2, column 1: invalid YAML: did not find expected node content"
    ]


# Query errors ---------------------------------------------------------------------------

FOLDED = """\
topics:
  mpp:
    title: M
    query: >-
      title:("migrant protection protocols" OR "remain in mexico")
        AND (asylum OR asilo OR migrant* OR refug* OR border OR frontera OR DHS
        OR "Homeland Security" OR court OR courts OR ju* OR judge)
        OR body:(mpp NEAR/5 asylum)
"""


@pytest.mark.parametrize(
    ("text", "head", "at"),
    [
        ("topics: {mpp: {title: M, query: 'asylum \"fear'}}",
         "feeds.yaml line 1: topics.mpp.query: query error at column 8: unclosed quote", '"fear'),
        (FOLDED, "feeds.yaml line 7: topics.mpp.query: query error at column 183: a prefix "
         "needs at least 3 letters before *", "ju* OR j"),
        (FOLDED.replace(">-", "|"), "feeds.yaml line 7: topics.mpp.query: query error at "
         "column 183: a prefix", "ju* OR j"),
        ('topics:\n  mpp:\n    title: M\n    query: "title:(\\"migrant protocols\\" OR\n'
         '      \\"remain in mexico\\") AND (asylum OR NEAR/x"\n',
         "feeds.yaml line 5: topics.mpp.query: query error at column 66: unknown operator "
         "'NEAR/x'", 'NEAR/x"'),
        ("topics:\n  mpp:\n    title: M\n    query: title:(mpp OR asilo) AND\n"
         "       (a* OR b)\n", "feeds.yaml line 5: topics.mpp.query: query error at column 27",
         "a* OR b)"),
        ("topics:\n  b: {title: B, query: x, exclude: 'it''s NOT (a'}\n",
         "feeds.yaml line 2: topics.b.exclude: query error at column 10: unclosed parenthesis",
         "(a'}"),
    ],
    ids=["one-line", "folded", "literal", "double-quoted-lines", "plain-lines", "exclude"],
)  # fmt: skip
def test_a_query_error_shows_the_line_of_feeds_yaml_with_a_caret(text, head, at):
    (problem,) = problems(text)
    assert problem.startswith(head), problem
    assert caret_points_at(problem).startswith(at), problem


def test_a_query_error_in_the_shipped_topics_points_into_the_file(tmp_path):
    lines = (REPO / "feeds.yaml").read_text(encoding="utf-8").split("\n")
    # A line of a query folded over several lines: one with an OR and a plain word after it.
    start = next(i for i, line in enumerate(lines) if line.strip() == "query: >-")
    number = next(
        i for i in range(start + 2, len(lines))
        if re.search(r" OR [a-z]+\b", lines[i]) and not lines[i].lstrip().startswith("#")
    )  # fmt: skip
    word = re.search(r" OR ([a-z]+)\b", lines[number])[1]
    lines[number] = lines[number].replace(f" OR {word}", f" OR ju* OR {word}", 1)
    result = bot(tmp_path, "check", config="\n".join(lines))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    stderr = result.stderr.split("\n")
    head = next(i for i, line in enumerate(stderr) if "query error" in line)
    assert re.match(
        rf"feeds\.yaml line {number + 1}: topics\.\w+\.query: query error at column \d+: "
        "a prefix needs at least 3 letters before \\*$",
        stderr[head],
    ), stderr[head]
    excerpt, caret = stderr[head + 1], stderr[head + 2]
    assert len(excerpt) <= 4 + 62 and excerpt.strip("… ") in lines[number].replace("…", "")
    assert excerpt[caret.index("^") :].startswith(f"ju* OR {word}")


# The query limit ------------------------------------------------------------------------


def test_feeds_yaml_and_the_readme_state_the_parsers_query_limit():
    limit = f"{MAX_LENGTH:,} characters"
    comment = [line for line in (REPO / "feeds.yaml").read_text().split("\n")
               if "A query may be at most" in line]  # fmt: skip
    assert comment and all(limit in line for line in comment), comment
    readme = (REPO / "README.md").read_text()
    assert f"at most {limit}" in readme.replace("\n", " ") and "2,000 characters" not in readme
    ok = " ".join(["w" * 19] * (MAX_LENGTH // 20)) + "w"  # 200 words, 4,000 characters
    assert len(ok) == MAX_LENGTH
    assert parse_config(f"topics: {{t: {{title: T, query: '{ok}'}}}}").topics
    (refused,) = problems(f"topics: {{t: {{title: T, query: '{ok}w'}}}}")
    assert f"query error at column {MAX_LENGTH + 1}: the query is too long" in refused
