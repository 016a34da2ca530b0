"""Deduplication across polls and feeds: nothing stored twice, changes updated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.model import FeedSpec
from tests.conftest import add_feeds, feed_state, poll, rss

NOW = datetime.now(UTC)


def article_rows(store):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT title, url, outlet FROM articles ORDER BY id").all()


def serve(httpserver, path, items):
    httpserver.expect_request(path).respond_with_data(rss(items), content_type="text/xml")


def test_changed_title_updates_the_stored_article(store, httpserver):
    item = {"title": "Shelters prepare", "link": "https://o.example/1", "guid": "1"}
    serve(httpserver, "/v1", [item])
    serve(httpserver, "/v2", [{**item, "title": "Shelters in Tijuana prepare for MPP return"}])
    add_feeds(store, ("Outlet", httpserver.url_for("/v1")))
    poll(store)
    # The operator points the feed elsewhere; same name, so the same feed and entries.
    store.sync_feeds([FeedSpec("Outlet", httpserver.url_for("/v2"))], NOW)
    summary = poll(store).as_dict()
    assert (summary["new"], summary["updated"]) == (0, 1)
    assert [r.title for r in article_rows(store)] == ["Shelters in Tijuana prepare for MPP return"]


def test_same_url_from_two_feeds_is_stored_once(store, httpserver):
    item = {"title": "Judge rules on asylum ban", "link": "https://o.example/x?utm_source=a"}
    serve(httpserver, "/a", [{**item, "guid": "a-1"}])
    serve(httpserver, "/b", [{**item, "guid": "b-77", "link": "https://o.example/x#comments"}])
    add_feeds(store, ("A", httpserver.url_for("/a")), ("B", httpserver.url_for("/b")))
    poll(store, [feed_state(store, "A")])
    summary = poll(store, [feed_state(store, "B")]).as_dict()
    assert (summary["new"], summary["duplicates"]) == (0, 1)
    assert len(article_rows(store)) == 1
    # Seen again from B: recognized by its sighting, not counted as new or duplicate again.
    httpserver.clear()
    serve(httpserver, "/b", [{**item, "guid": "b-77", "link": "https://o.example/x#x"}, {
        "title": "Other", "link": "https://o.example/y", "guid": "b-78"}])  # fmt: skip
    again = poll(store, [feed_state(store, "B")]).as_dict()
    assert (again["new"], again["duplicates"], again["unchanged"]) == (1, 0, 1)


def test_google_news_copy_and_outlet_feed_are_one_story(store, httpserver):
    when = NOW - timedelta(hours=5)
    google = {
        "title": "Asylum officers urge 9th Circuit to end Remain in Mexico - Border Report",
        "link": "https://news.google.com/rss/articles/CBMiYWh0dHBzOi8vd3d3?oc=5",
        "guid": "CBMiYWh0dHBzOi8vd3d3",
        "pubDate": when,
        "source": ("Border Report", "https://www.borderreport.com"),
    }
    outlet = {
        "title": "Asylum officers urge 9th Circuit to end ‘Remain in Mexico’",
        "link": "https://www.borderreport.com/immigration/asylum-officers-urge/",
        "guid": "https://www.borderreport.com/?p=123",
        "pubDate": when + timedelta(minutes=20),
    }
    other_outlet = {**google, "guid": "other", "link": "https://news.google.com/rss/articles/Z",
                    "title": google["title"].replace("Border Report", "KPBS"),
                    "source": ("KPBS", "https://www.kpbs.org")}  # fmt: skip
    serve(httpserver, "/gn", [google, other_outlet])
    serve(httpserver, "/br", [outlet])
    add_feeds(store, ("Google News", httpserver.url_for("/gn")),
              ("Border Report", httpserver.url_for("/br")))  # fmt: skip
    poll(store, [feed_state(store, "Google News")])
    summary = poll(store, [feed_state(store, "Border Report")]).as_dict()
    assert (summary["new"], summary["duplicates"]) == (0, 1)
    rows = article_rows(store)
    assert len(rows) == 2  # the KPBS copy is another outlet's story
    border = next(r for r in rows if r.outlet == "borderreport.com")
    # The publisher's own link replaces Google's redirect.
    assert border.url == "https://www.borderreport.com/immigration/asylum-officers-urge/"
    assert border.title == "Asylum officers urge 9th Circuit to end Remain in Mexico"


def test_same_title_days_apart_is_a_new_story(store, httpserver):
    base = {"title": "Weekly border update", "pubDate": NOW - timedelta(days=8)}
    serve(httpserver, "/w", [
        {**base, "link": "https://o.example/w1", "guid": "w1"},
        {**base, "link": "https://o.example/w2", "guid": "w2", "pubDate": NOW},
    ])  # fmt: skip
    add_feeds(store, ("Weekly", httpserver.url_for("/w")))
    assert poll(store).as_dict()["new"] == 2


def test_repeated_entry_within_one_feed_is_stored_once(store, httpserver):
    item = {"title": "Dup", "link": "https://o.example/d", "guid": "d"}
    serve(httpserver, "/d", [item, item])
    add_feeds(store, ("D", httpserver.url_for("/d")))
    assert poll(store).as_dict()["new"] == 1
    assert len(article_rows(store)) == 1


def test_docket_events_sharing_the_case_id_are_all_kept_and_stable(store, httpserver):
    """Court RSS gives every docket event the case's link and guid; each event counts."""
    case = {"title": "1:19-cv-00807 Innovation Law Lab v. Wolf", "link": "https://ecf.example/c",
            "guid": "https://ecf.example/c"}  # fmt: skip
    first = {**case, "description": "[Order] granting stay", "pubDate": NOW - timedelta(hours=3)}
    second = {**case, "description": "[Brief] of amici asylum officers", "pubDate": NOW}
    serve(httpserver, "/one", [first])
    serve(httpserver, "/two", [first, second])
    add_feeds(store, ("Docket", httpserver.url_for("/one")))
    assert poll(store).as_dict()["new"] == 1
    store.sync_feeds([FeedSpec("Docket", httpserver.url_for("/two"))], NOW)
    later = poll(store).as_dict()
    assert (later["new"], later["unchanged"]) == (1, 1)  # the first event is not stored again
    assert len(article_rows(store)) == 2
    httpserver.clear()
    serve(httpserver, "/two", [first, second, {"title": "padding", "link": "https://e.x/p"}])
    again = poll(store, [feed_state(store, "Docket")]).as_dict()
    assert (again["new"], again["unchanged"]) == (1, 2)
