"""`search`, `prune` and `reindex` as a user runs them: `python -m bot …` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.model import Article, FeedSpec
from bot.store import Store
from tests.test_cli import REPO, bot

NOW = datetime.now(UTC)
CONFIG = """settings: {retention_days: 365}
feeds:
  - {name: "Border Report", url: "https://border.example/feed"}
  - {name: "La Frontera", url: "https://frontera.example/feed", language: es}
topics:
  mpp: {title: "Remain in Mexico", query: '"remain in mexico" OR "quedate en mexico"'}
"""


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "feeds.yaml").write_text(CONFIG)
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    store.sync_feeds(
        [FeedSpec("Border Report", "https://border.example/feed"),
         FeedSpec("La Frontera", "https://frontera.example/feed")], NOW,
    )  # fmt: skip
    feeds = {f.name: f.id for f in store.feed_states()}
    rows = [
        ("Border Report", "1", "Remain in Mexico returns to Matamoros",
         "Asylum seekers wait in Matamoros as Remain in Mexico restarts.", "en", 2),
        ("Border Report", "2", "City budget vote", "The council voted on parks.", "en", 1),
        ("La Frontera", "3", "Quédate en México regresa",
         "Solicitantes de asilo esperan en Matamoros.", "es", 3),
        ("Border Report", "4", "Remain in Mexico in 2024", "An old story.", "en", 500),
    ]  # fmt: skip
    for feed, entry, title, summary, lang, days in rows:
        article = Article(
            feed=feed, entry_id=entry, url=f"https://x.example/{entry}", title=title,
            summary=summary, content="", author=None, published=NOW - timedelta(days=days),
            language=lang, outlet="x.example", title_key=title.lower(), content_hash=entry,
        )  # fmt: skip
        store.save_poll(feeds[feed], [article], NOW, next_poll_at=NOW)
    store.close()
    return tmp_path


def test_search_json_is_one_document_with_the_documented_keys(workdir):
    result = bot(workdir, "search", "matamoros", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["total"] == 2 and document["total_exact"] is True
    assert document["stories"] == 2 and document["articles"] == 2
    assert document["articles_exact"] is True
    first = document["results"][0]
    assert set(first) >= {"id", "title", "url", "feed", "published", "topics", "score",
                          "snippet", "highlights", "also_in"}  # fmt: skip
    start, end = first["highlights"][0]
    assert first["snippet"][start:end].lower() == "matamoros"


def test_search_text_lists_results_with_marked_hits(workdir):
    result = bot(workdir, "search", '"remain in mexico"', "--since", "30d")
    assert result.returncode == 0, result.stderr
    assert "1 story (1 article); showing 1-1, by relevance" in result.stdout
    assert "Remain in Mexico returns to Matamoros" in result.stdout
    assert "Border Report · " in result.stdout and "[Remain in Mexico]" in result.stdout


def test_search_filters_and_sort_from_the_command_line(workdir):
    spanish = json.loads(bot(workdir, "search", "matamoros", "--lang", "es", "--json").stdout)
    assert [r["feed"] for r in spanish["results"]] == ["La Frontera"]
    by_date = json.loads(bot(workdir, "search", "mexico", "--sort", "date", "--json").stdout)
    dates = [r["published"] for r in by_date["results"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    feed = json.loads(bot(workdir, "search", "mexico", "--feed", "la frontera", "--json").stdout)
    assert feed["total"] == 1


def test_no_results_exit_1(workdir):
    result = bot(workdir, "search", "zyzzyva")
    assert result.returncode == 1 and result.stdout.strip() == "no results"


@pytest.mark.parametrize(
    ("query", "meant"),
    [("asylum or matamoros", "OR"), ("matamoros near/5 asylum", "NEAR/5"),
     ("matamoros and zyzzyva", "AND"), ("asylum not matamoros", "NOT")],
)  # fmt: skip
def test_lower_case_operators_get_the_hint_when_nothing_matched(workdir, query, meant):
    result = bot(workdir, "search", query)
    assert result.returncode == 1, result.stdout
    assert result.stdout.strip() == (
        f"no results; did you mean {meant}? operators are upper case: a OR b, NEAR/5"
    )


def test_the_hint_does_not_change_what_a_query_means(workdir):
    """Lower-case `or` is a word to find (nothing here has it); upper-case OR finds
    either. A lower-case operator inside a phrase is the phrase's: no hint."""
    assert json.loads(bot(workdir, "search", "asylum or matamoros", "--json").stdout)["total"] == 0
    assert json.loads(bot(workdir, "search", "asylum OR matamoros", "--json").stdout)["total"] == 2
    phrase = bot(workdir, "search", '"matamoros or reynosa"')
    assert phrase.stdout.strip() == "no results"


def test_times_are_shown_in_the_configured_time_zone_json_stays_utc(workdir):
    """The listing said UTC while chats use their zone: it uses settings.timezone now,
    with the zone's abbreviation; --json keeps ISO 8601 UTC."""
    zoned = CONFIG.replace("{retention_days: 365}", "{retention_days: 365, timezone: Asia/Tokyo}")
    (workdir / "feeds.yaml").write_text(zoned)
    document = json.loads(bot(workdir, "search", '"remain in mexico"', "--since", "30d",
                              "--json").stdout)  # fmt: skip
    published = datetime.fromisoformat(document["results"][0]["published"])
    assert published.utcoffset() == timedelta(0)
    listing = bot(workdir, "search", '"remain in mexico"', "--since", "30d").stdout
    local = published.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"Border Report · {local:%Y-%m-%d %H:%M} JST · score" in listing
    assert " UTC " not in listing


def add_wire_copies(workdir):
    """Two copies of a wire story about Remain in Mexico (own URLs, small edits)."""
    store = Store.open(f"sqlite:///{workdir / 'bot.db'}")
    feeds = {f.name: f.id for f in store.feed_states()}
    wire = (
        "A federal judge in Texas on Tuesday blocked the plan to restart the Migrant "
        "Protection Protocols, the policy known as Remain in Mexico, leaving thousands of "
        "asylum seekers waiting in shelters in Reynosa. The government will appeal."
    )
    for feed, entry, title, tail in [
        ("Border Report", "w1", "Judge blocks Remain in Mexico restart", ""),
        ("La Frontera", "w2", "Judge blocks 'Remain in Mexico' restart (AP)", " Subscribe."),
    ]:
        article = Article(
            feed=feed, entry_id=entry, url=f"https://x.example/{entry}", title=title,
            summary=wire + tail, content="", author=None, published=NOW - timedelta(days=1),
            language="en", outlet="x.example", title_key=title.lower(), content_hash=entry,
        )  # fmt: skip
        store.save_poll(feeds[feed], [article], NOW, next_poll_at=NOW)
    store.close()


def test_pages_and_counts_are_stories_with_the_articles_beside(workdir):
    """`total` counted copies: "3 matching articles; showing 1-2", and --offset 2 said
    "no results (there are 3…)". Pages and the total count stories now."""
    add_wire_copies(workdir)
    query = ('"remain in mexico"', "--since", "30d")
    listing = bot(workdir, "search", *query)
    assert listing.returncode == 0, listing.stderr
    assert "2 stories (3 articles); showing 1-2, by relevance" in listing.stdout
    assert "also in: La Frontera" in listing.stdout
    document = json.loads(bot(workdir, "search", *query, "--json").stdout)
    assert (document["total"], document["stories"], document["articles"]) == (2, 2, 3)
    assert document["total_exact"] is True and document["articles_exact"] is True
    assert len(document["results"]) == 2
    second = bot(workdir, "search", *query, "--limit", "1", "--offset", "1")
    assert "2 stories (3 articles); showing 2-2" in second.stdout
    past = bot(workdir, "search", *query, "--offset", "2")
    assert past.returncode == 1
    assert past.stdout.strip() == (
        "no results at --offset 2: there are 2 stories (3 articles); try a smaller --offset"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (('"remain in',), "query error at column 1: unclosed quote"),
        (("NOT asylum",), "NOT alone"),
        (
            ("lang:es",),
            "search: lang:es alone would list every article in that language: add "
            "words to search for (or use --lang with a query)",
        ),
        (
            ('feed:"La Frontera"',),
            'feed:"La Frontera" alone would list every article of that '
            "feed: add words to search for (or use --feed with a query)",
        ),
        (("mexico OR lang:es",), "every side of OR needs a word that must appear"),
        (("asylum", "--topic", "nope"), "unknown topic 'nope' (topics: mpp)"),
        (("asylum", "--feed", "Nope"), "no feed named 'Nope'"),
        (("asylum", "--since", "soon"), "--since: 'soon' is neither"),
        (("asylum", "--limit", "0"), "--limit takes 1 to 200"),
        (("asylum " + "NOT " * 30 + "mexico",), "query error at column 92: too deeply nested"),
    ],
)
def test_bad_search_is_one_clear_line_and_exit_2(workdir, args, message):
    result = bot(workdir, "search", *args, "--json")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_long_not_chain_is_searched(workdir):
    """95 NOTs overflowed FTS5's parser: "the index is damaged", exit 1."""
    chain = "mexico " + " ".join(f"NOT zz{i}" for i in range(1, 96))
    result = bot(workdir, "search", chain, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 3


SMALLER_STACK = """import sys
import bot.store.search_sqlite as search_sqlite
from bot.cli import main

search_sqlite.expression_problem = lambda expression: "fts5: parser stack overflow"
sys.exit(main(sys.argv[1:]))
"""


def test_a_query_the_index_cannot_read_is_refused_with_exit_2(workdir):
    """As on an SQLite whose FTS5 parser has a smaller stack (the check made to say so,
    then the command line's own main): a query error, not "the index is damaged"."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE"))}
    environ |= {"BOT_CONFIG": str(workdir / "feeds.yaml"), "PYTHONPATH": str(REPO),
                "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", SMALLER_STACK, "search", "matamoros"],
        cwd=workdir, env=environ, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first == (
        "query error at column 1: the search index cannot read this query (fts5: parser "
        "stack overflow); write it with fewer parentheses inside one another"
    )
    assert "damaged" not in result.stderr and "Traceback" not in result.stderr


def test_prune_dry_run_then_prune(workdir):
    dry = bot(workdir, "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 articles published before" in dry.stdout
    assert "1  Border Report" in dry.stdout
    assert json.loads(bot(workdir, "search", "mexico", "--json").stdout)["total"] == 3
    done = json.loads(bot(workdir, "prune", "--json").stdout)
    assert done["articles"] == 1 and done["dry_run"] is False and done["retention_days"] == 365
    assert json.loads(bot(workdir, "search", "mexico", "--json").stdout)["total"] == 2


def test_reindex_and_check(workdir):
    assert bot(workdir, "reindex", "--check").stdout.strip() == "index: ok"
    rebuilt = json.loads(bot(workdir, "reindex", "--json").stdout)
    assert rebuilt["articles"] == 4
    assert json.loads(bot(workdir, "search", "matamoros", "--json").stdout)["total"] == 2
