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
