"""Search gives the same results on SQLite and on PostgreSQL for the same archive: the
same articles for every operator, filter and folding case, the same counts, the same
newest-first order. (Relevance order is each engine's: BM25 on SQLite, ts_rank on
PostgreSQL, both weighting the title and boosting recent stories alike.)"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.match.matcher import Matcher, Topic, build_document
from bot.model import Article, FeedSpec
from bot.pipeline.search import SearchRequest, search
from bot.store import Store
from tests import postgres

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

ARTICLES = [
    # (feed, title, summary, content, language, days ago)
    ("A", "MPP returns", "The Remain in Mexico policy is back in court.", "", "en", 1),
    ("A", "Ontario mpp speaks", "The member of provincial parliament spoke.", "", "en", 2),
    ("A", "Interviews", "Asylum officers held credible fear interviews.", "", "en", 3),
    ("B", "Officers", "Officers said that, after a delay, the fear was credible.", "", "en", 4),
    ("A", "History", "The old lunatic asylum became a museum.", "", "en", 40),
    ("C", "Backlog", "Immigration courts and courthouses are full.", "", "en", 5),
    ("B", "Quédate en México regresa", "El programa vuelve.", "", "es", 6),
    ("A", "Remain-in-Mexico again", "Policy news.", "", "en", 7),
    ("B", "Quédate en México: un niño espera", "El programa Quédate en México.", "", "es", 8),
    ("C", "Straße gesperrt", "Die Straße ist zu.", "", "de", 9),
    ("C", "Me\u0301xico news", "Remain in Me\u0301xico.", "", "en", 10),
    ("B", "El 1º de mayo", "Marcha del 1º de mayo.", "", "es", 11),
    ("A", "Deportations rise", "Agents deported more; deporting families.", "", "en", 12),
    ("B", "Deportación de familias", "Las deportaciones aumentan en la frontera.", "", "es", 13),
    ("C", "Asylum-seekers wait in Tijuana", "Shelters in Tijuana are full.",
     "Asylum seekers wait for hearings. U.S. officials said 3.5% were approved.", "en", 14),
    ("A", "Tent courts open", "Hearings by video at the border (tent courts).", "", "en", 200),
    ("B", "Asile et immigration", "Le Conseil d'État a jugé l'œuvre du ministère.", "", "fr", 15),
    ("C", "Border wall budget", "Congress weighs the wall; asylum not mentioned.", "", "en", 16),
    ("A", "Asylum asylum asylum", "Asylum in the title and the body, asylum again.", "", "en", 17),
    ("B", "Immigration court backlog", "The immigration courts' backlog grows in Texas.",
     "Judges in San Antonio and El Paso see more cases.", "en", 18),
]  # fmt: skip
# Unrelated articles, so that the test words are rare; more than the search's
# CONFIRM_LIMIT (200) of them, so that counting their words is the index's work.
FILLER = 240

QUERIES = [
    "asylum",
    '"remain in mexico"',
    "lunatic OR courthouses",
    "asylum officers",
    "asylum AND museum",
    "asylum NOT lunatic",
    "(lunatic OR officers) AND asylum",
    "court*",
    '"credible fear" NEAR/3 officers',
    "fear NEAR/2 interviews",
    "officers NEAR/3 credible",
    "title:mpp",
    'body:"remain in mexico"',
    "=MPP",
    "mexico lang:es",
    'mexico feed:"B"',
    "mexico NOT lang:es",
    "(mexico lang:es) OR museum",
    "“remain in mexico”",
    '"quedate en mexico"',
    '"Quédate en México"',
    "QUEDATE",
    "méxico",
    "quéda*",
    "niño",
    "strasse",
    '"1o de mayo"',
    "xico",
    "deport~",
    "deportación~",
    '"asylum seekers"',
    "seekers NEAR/1 asylum",
    "tijuana NOT shelters",
    "oeuvre",
    "etat",
    "3 OR 5",
    '"tent courts"',
    "immigration court~",
    "asylum NOT (wall OR museum)",
    "title:asylum NOT body:museum",
    "budget OR backlog OR courts",
    # More candidates than are confirmed one by one: counted by each index.
    "budget",
    '"weighs budget"',
    "budget NOT wall",
    "council AND (parks OR wall)",
    "weigh*",
    "budget NEAR/3 council",
    "budget NOT (weigh* NEAR/2 council)",
    "asylum NOT (asylum NEAR/1 title)",
]


def _archive(url: str) -> Store:
    store = Store.open(url)
    store.sync_feeds([FeedSpec(n, f"https://{n.lower()}.example/f") for n in "ABC"], NOW)
    ids = store.feed_ids()
    matcher = Matcher([Topic(id="mpp", query='"remain in mexico" OR "quedate en mexico"')])
    counter = itertools.count(1)
    rows = [*ARTICLES]
    rows += [("A", f"City council weighs budget {i}", "Officials debated the parks plan.", "",
              "en", i % 30) for i in range(FILLER)]  # fmt: skip
    for feed, title, summary, content, language, days in rows:
        n = next(counter)
        item = Article(
            feed=feed, entry_id=f"e{n}", url=f"https://{feed.lower()}.example/{n}", title=title,
            summary=summary, content=content, author=None,
            published=NOW - timedelta(days=days, minutes=n), language=language,
            outlet=f"{feed.lower()}.example", title_key=f"{title.lower()} {n}",
            content_hash=f"h{n}",
        )  # fmt: skip
        found = matcher.match(build_document(title, summary, content, language=language))
        store.save_poll(ids[feed], [item], NOW, {item.entry_id: found})
    return store


@pytest.fixture(scope="module")
def stores(tmp_path_factory, pg_template):
    name = postgres.create_database(template=pg_template)
    sqlite = _archive(f"sqlite:///{tmp_path_factory.mktemp('both') / 'bot.db'}")
    pg = _archive(postgres.url(name))
    yield sqlite, pg
    sqlite.close()
    pg.close()
    postgres.drop_database(name)


def _found(store: Store, query: str, **options):
    request = SearchRequest(query, limit=200, **options)
    return search(store.search, store.feed_ids(), request, NOW)


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_articles_on_both_stores(stores, query):
    sqlite, pg = (_found(store, query) for store in stores)
    if sqlite.total_exact and sqlite.total <= len(sqlite.results):  # all on one page
        assert {r.id for r in sqlite.results} == {r.id for r in pg.results}
        assert (sqlite.total, sqlite.articles) == (pg.total, pg.articles)
    else:  # more than a page: which come first is each engine's relevance
        assert (sqlite.articles, sqlite.articles_exact) == (pg.articles, pg.articles_exact)
    by_date = [_found(s, query, sort="date") for s in stores]
    assert [r.id for r in by_date[0].results] == [r.id for r in by_date[1].results]
    assert by_date[0].total == by_date[1].total


def test_the_archive_finds_what_it_should(stores):
    """The shared cases are not vacuous: each engine finds these (and PostgreSQL's
    relevance puts the title hit first, as SQLite's BM25 does)."""
    for store in stores:
        assert len(_found(store, "asylum").results) >= 5
        assert [r.title for r in _found(store, "strasse").results] == ["Straße gesperrt"]
        assert [r.title for r in _found(store, '"asylum seekers"').results] == [
            "Asylum-seekers wait in Tijuana"
        ]
        assert _found(store, "tijuana").results[0].title == "Asylum-seekers wait in Tijuana"


@pytest.mark.parametrize(
    "options",
    [
        {"since": NOW - timedelta(days=10)},
        {"until": NOW - timedelta(days=10)},
        {"topic": "mpp"},
        {"feed": "B"},
        {"language": "es"},
        {"since": NOW - timedelta(days=30), "language": "en", "sort": "date"},
    ],
    ids=["since", "until", "topic", "feed", "language", "since-language-date"],
)
def test_filters_alike_on_both_stores(stores, options):
    for query in ("asylum OR mexico OR court*", "deport~", '"remain in mexico"'):
        sqlite, pg = (_found(store, query, **options) for store in stores)
        assert [r.id for r in sqlite.results] == [r.id for r in pg.results] or (
            options.get("sort") != "date"
            and {r.id for r in sqlite.results} == {r.id for r in pg.results}
        )
        assert sqlite.total == pg.total


def test_pages_cover_the_same_results(stores):
    for store in stores:
        pages = [
            [r.id for r in search(store.search, store.feed_ids(),
                                  SearchRequest("asylum OR court* OR mexico", limit=3, offset=o,
                                                sort="date"), NOW).results]
            for o in (0, 3, 6)
        ]  # fmt: skip
        store.pages = pages
    assert stores[0].pages == stores[1].pages and len(stores[0].pages[2]) == 3
