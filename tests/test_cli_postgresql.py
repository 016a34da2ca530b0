"""Every command on PostgreSQL, run as a user runs it (`python -m bot …` with
DATABASE_URL=postgresql://…), against feeds served over real local HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import rss
from tests.test_cli import REPO, bot, feeds_config

ITEMS = [
    {"title": "Remain in Mexico returns to court", "link": "https://n.example/1", "guid": "1",
     "description": "Asylum seekers wait in Matamoros."},
    {"title": "Quédate en México regresa", "link": "https://n.example/2", "guid": "2",
     "description": "El programa vuelve a la frontera."},
    {"title": "City council weighs budget", "link": "https://n.example/3", "guid": "3",
     "description": "Officials debated the parks plan."},
]  # fmt: skip
TOPICS = """topics:
  mpp:
    title: Remain in Mexico
    query: '"remain in mexico" OR "quedate en mexico"'
"""


def test_every_command_works_on_postgresql(tmp_path, httpserver, pg_url):
    httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="text/xml")
    config = feeds_config(("News", httpserver.url_for("/feed")), extra=TOPICS)
    env = {"DATABASE_URL": pg_url}

    def run(*args: str, **kw):
        result = bot(tmp_path, *args, env=env, **kw)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    assert bot(tmp_path, "check", config=config, env=env).returncode == 0
    polled = json.loads(run("poll", "--json").stdout)
    assert (polled["ok"], polled["new"]) == (1, 3)
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["articles"] == 3 and stats["matches"] == {"mpp": 2}
    assert "PostgreSQL" in run("stats").stdout
    listing = json.loads(run("feeds", "--json").stdout)
    assert listing["feeds"][0]["articles"] == 3 and listing["store"] == "PostgreSQL"
    found = json.loads(run("search", "mexico", "--json").stdout)
    assert {r["title"] for r in found["results"]} == {
        "Remain in Mexico returns to court",
        "Quédate en México regresa",
    }
    assert json.loads(run("search", "quedate", "--feed", "News", "--json").stdout)["total"] == 1
    assert json.loads(run("rematch", "--json").stdout) == {"articles": 3, "matches": {"mpp": 2}}
    digest = run("digest", "--dry-run")
    assert digest.returncode == 0 and "Remain in Mexico" in digest.stdout
    assert run("digest").returncode == 0
    assert "Remain in Mexico" not in run("digest", "--dry-run").stdout  # given once
    classified = run("classify", input='{"title": "Remain in Mexico is back"}\n')
    assert json.loads(classified.stdout.splitlines()[0])["topics"] == ["mpp"]
    assert run("reindex", "--check").returncode == 0
    rebuilt = json.loads(run("reindex", "--json").stdout)
    assert rebuilt["articles"] == 3
    assert json.loads(run("prune", "--dry-run", "--json").stdout)["articles"] == 0
    health = run("health")
    assert health.returncode == 0 and health.stdout.startswith("ok"), health.stdout
    assert "; store: PostgreSQL at postgresql://postgres@127.0.0.1" in health.stdout
    assert "no service process running" in health.stdout
    assert "store: PostgreSQL at postgresql://postgres@127.0.0.1" in run("feeds").stdout


def test_a_missing_postgresql_database_is_one_line_naming_it(tmp_path, pg_url):
    missing = pg_url.rsplit("/", 1)[0].replace("postgres@", "postgres:hunter2@") + "/mpp_nope"
    config = feeds_config(("News", "https://n.example/feed"))
    for command in ("health", "poll"):  # one that only reads, one that writes
        result = bot(tmp_path, command, config=config, env={"DATABASE_URL": missing})
        out = (result.stdout + result.stderr).strip()
        assert result.returncode != 0 and "Traceback" not in out, out
        assert "no database 'mpp_nope' on the PostgreSQL server" in out
        assert "hunter2" not in out and len(out.splitlines()) == 1, out


def test_the_service_on_postgresql_reports_to_health(tmp_path, httpserver, pg_url):
    httpserver.expect_request("/feed").respond_with_data(rss(ITEMS), content_type="text/xml")
    (tmp_path / "feeds.yaml").write_text(feeds_config(("News", httpserver.url_for("/feed"))))
    env = {"DATABASE_URL": pg_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "BOT_CONFIG": str(tmp_path / "feeds.yaml"),
             "DATABASE_URL": pg_url, "TELEGRAM_BOT_TOKEN": ""},
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and bot(tmp_path, "health", env=env).returncode != 0:
            time.sleep(0.3)
        running = bot(tmp_path, "health", env=env)
        assert running.returncode == 0, process.poll()
        assert "running: 1 all (last poll" in running.stdout, running.stdout
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and "Traceback" not in stderr
    health = bot(tmp_path, "health", env=env)
    assert "no service process running" in health.stdout, health.stdout
