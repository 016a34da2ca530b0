"""The benchmark scripts still run against the code they measure.

They import the bot's internals (the store's insert, the matcher), so a change of an
internal signature breaks them without any other test noticing. Tiny inputs: these
check that each script completes and reports, not how fast anything is.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import SHARED, shared_path

pytestmark = pytest.mark.slow  # the benchmarks, on tiny inputs: `make test-fast` leaves it out

REPO = Path(__file__).resolve().parent.parent
REAL_TEXT = SHARED / "data" / "relevance-real-dev.jsonl"


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_search_bench_loads_and_queries_a_small_archive(tmp_path):
    done = _run(
        "search.py", "--articles", "3000", "--repeat", "1",
        "--db", str(tmp_path / "search.db"), "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "load: 3,0" in done.stdout  # the copies come on top of the 3,000
    assert "all runs: bot p50" in done.stdout
    results = list((tmp_path / "out").glob("*.json"))
    assert results and json.loads(results[0].read_text())


def test_search_bench_on_postgresql_runs_both_stores_on_the_same_archive(tmp_path, pg_empty_url):
    done = _run(
        "search.py", "--store", "postgresql", "--pg-url", pg_empty_url, "--articles", "1000",
        "--repeat", "1", "--db", str(tmp_path / "search.db"), "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "load PostgreSQL: 1,0" in done.stdout
    assert "all runs: SQLite bot p50" in done.stdout and "PostgreSQL bot p50" in done.stdout
    results = json.loads((tmp_path / "out" / "search-postgresql-results.json").read_text())
    assert all(len(set(q["totals"].values())) == 1 for q in results["queries"])  # both alike


def test_match_bench_runs_the_bot_and_the_baseline():
    shared_path(REAL_TEXT, "real-text dev set")
    done = _run(
        "match.py", "--articles", "400", "--baseline-articles", "40", "--repeat", "1",
        "--real-articles", "300",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"topics: \d+ shipped \(mpp, ", done.stdout)  # feeds.yaml's
    assert "+ 50 synthetic" in done.stdout
    assert "| bot (build_document + match) | 400 |" in done.stdout
    assert "| baseline (regex per keyword) | 40 |" in done.stdout
    assert "## real text" in done.stdout
    assert "| bot (build_document + match) | 300 |" in done.stdout


def test_stemmers_bench_measures_the_shipped_stemmer_on_a_few_articles(tmp_path):
    articles = tmp_path / "articles.jsonl"
    rows = [
        {"title": "Deportados esperan audiencias", "summary": "Los deportes y la deportación."},
        {
            "title": "Asylum seekers await hearings",
            "summary": "",
            "content": "They were sent back.",
        },
    ]
    articles.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    done = _run("stemmers.py", str(articles), "--only", "snowballstemmer", "--repeat", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 articles (articles.jsonl)" in done.stdout
    assert "| snowballstemmer | 3.1.1 |" in done.stdout  # the speed row
    assert "| snowballstemmer | folded |" in done.stdout  # the accuracy rows
    assert "deportados~ ⇒ deportes" in done.stdout  # Snowball's Spanish false friend
    unknown = _run("stemmers.py", "--only", "snowballstemer")
    assert unknown.returncode == 2 and "--only: unknown snowballstemer" in unknown.stderr


def test_poll_bench_runs_the_bot_and_both_naive_loops_on_feeds_as_they_come(tmp_path):
    done = _run(
        "poll.py", "--feeds", "12", "--items", "4", "--hosts", "2", "--rounds", "1",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "workload=real" in done.stdout
    assert "feeds without a language" in done.stdout
    for label in ("bot first poll", "baseline first pass", "bot second poll", "cond. GET"):
        assert label in done.stdout
    results = json.loads((tmp_path / "out" / "poll-results.json").read_text())
    assert results["runs"]["bot-first"]["report"]["new"] == 48
    assert results["runs"]["bot-second"]["report"]["not_modified"] == 12
    assert results["summary"]["second_poll_throughput_ratio"] > 0
