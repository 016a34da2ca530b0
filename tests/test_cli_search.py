"""`search`, `prune` and `reindex` as a user runs them: `python -m bot …` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

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
    first = document["results"][0]
    assert set(first) >= {"id", "title", "url", "feed", "published", "topics", "score",
                          "snippet", "highlights", "also_in"}  # fmt: skip
    start, end = first["highlights"][0]
    assert first["snippet"][start:end].lower() == "matamoros"


def test_search_text_lists_results_with_marked_hits(workdir):
    result = bot(workdir, "search", '"remain in mexico"', "--since", "30d")
    assert result.returncode == 0, result.stderr
    assert "1 matching article; showing 1-1" in result.stdout
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
    assert result.returncode == 1 and "no results" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (('"remain in',), "query error at column 1: unclosed quote"),
        (("NOT asylum",), "NOT alone"),
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
