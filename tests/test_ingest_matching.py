"""Topics are matched while feeds are ingested; `rematch` redoes it after a change."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.match.matcher import Topic
from bot.model import FeedSpec
from tests.conftest import add_feeds, poll, rss
from tests.test_cli import bot, feeds_config

TOPICS = [
    Topic("mpp", '"remain in mexico" OR "quedate en mexico"', exclude="ontario"),
    Topic("asylum", '"asylum officers" OR "credible fear"'),
]
ITEMS = [
    {"title": "Asylum officers urge court to end Remain in Mexico", "link": "https://n.example/1",
     "guid": "1", "description": "The union filed a brief on Monday."},
    {"title": "Shelters in Tijuana prepare", "link": "https://n.example/2", "guid": "2",
     "description": "Albergues se preparan: Quédate en México vuelve."},
    {"title": "Ontario MPP on Remain in Mexico", "link": "https://n.example/3", "guid": "3"},
    {"title": "City council budget", "link": "https://n.example/4", "guid": "4"},
]  # fmt: skip


def stored_matches(store):
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT a.entry_id, m.topic, m.snippet, m.highlights FROM matches m "
            "JOIN articles a ON a.id = m.article_id ORDER BY a.entry_id, m.topic"
        ).all()
    # guids without isPermaLink="false" are URLs, resolved against the feed's address
    return [(r[0].rsplit("/", 1)[-1], r[1]) for r in rows], rows


def test_new_articles_are_matched_and_matches_stored(store, httpserver):
    httpserver.expect_request("/f").respond_with_data(rss(ITEMS), content_type="text/xml")
    add_feeds(store, ("News", httpserver.url_for("/f")))
    poll(store, topics=TOPICS)
    pairs, rows = stored_matches(store)
    assert pairs == [("1", "asylum"), ("1", "mpp"), ("2", "mpp")]
    snippet, highlights = rows[2][2], json.loads(rows[2][3])
    assert [snippet[a:b] for a, b in highlights] == ["Quédate en México"]
    assert store.stats()["matches"] == {"asylum": 1, "mpp": 2}


def test_changed_text_is_matched_again(store, httpserver):
    first = [{"title": "Council budget", "link": "https://n.example/9", "guid": "9"}]
    later = [{**first[0], "title": "Council debates credible fear screenings"}]
    httpserver.expect_request("/a").respond_with_data(rss(first), content_type="text/xml")
    httpserver.expect_request("/b").respond_with_data(rss(later), content_type="text/xml")
    add_feeds(store, ("News", httpserver.url_for("/a")))
    poll(store, topics=TOPICS)
    assert stored_matches(store)[0] == []
    store.sync_feeds([FeedSpec("News", httpserver.url_for("/b"))], datetime.now(UTC))
    poll(store, topics=TOPICS)
    assert stored_matches(store)[0] == [("9", "asylum")]


def test_rematch_applies_changed_topics(tmp_path, httpserver):
    workdir = tmp_path
    httpserver.expect_request("/f").respond_with_data(rss(ITEMS), content_type="text/xml")
    topics = "topics:\n  shelters: {title: S, query: 'albergues OR shelters'}\n"
    config = feeds_config(("News", httpserver.url_for("/f"))) + "topics: {}\n"
    bot(workdir, "poll", config=config)
    assert json.loads(bot(workdir, "stats", "--json").stdout)["matches"] == {}
    (workdir / "feeds.yaml").write_text(feeds_config(("News", httpserver.url_for("/f"))) + topics)
    result = bot(workdir, "rematch", "--json")
    assert json.loads(result.stdout) == {"articles": 4, "matches": {"shelters": 1}}
    assert json.loads(bot(workdir, "stats", "--json").stdout)["matches"] == {"shelters": 1}
    assert "--since" in bot(workdir, "rematch", "--since", "soon").stderr
