"""Search over the archive, on a real SQLite store: ranking, operators, filters, pages,
wire copies, Spanish, bad queries; prune and reindex."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import StoreError, UsageError
from bot.match.plan import plan_query
from bot.match.query import MAX_DEPTH, QueryError, parse_query
from bot.model import Article, FeedSpec
from bot.pipeline.search import Refused, SearchRequest, search
from bot.store import article_days
from bot.store.fts import MARKER, expression_problem, match_expression

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
_ids = itertools.count(1)


class Archive:
    """A store with feeds A, B, C and a helper that stores articles."""

    def __init__(self, store):
        self.store = store
        store.sync_feeds([FeedSpec(n, f"https://{n.lower()}.example/f") for n in "ABC"], NOW)
        self.feeds = {f.name: f.id for f in store.feed_states()}

    def add(self, title, summary="", content="", *, feed="A", lang="en", days=1.0, url=None):
        """Store one article; its id."""
        n = next(_ids)
        article = Article(
            feed=feed, entry_id=f"e{n}", url=url or f"https://{feed.lower()}.example/{n}",
            title=title, summary=summary, content=content, author=None,
            published=NOW - timedelta(days=days), language=lang, outlet=f"{feed.lower()}.example",
            title_key=f"{title.lower()} {n}", content_hash=f"h{n}",
        )  # fmt: skip
        self.store.save_poll(self.feeds[feed], [article], NOW, next_poll_at=NOW)
        return self.id_of(f"e{n}")

    def id_of(self, entry_id):
        with self.store.engine.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT id FROM articles WHERE entry_id = ?", (entry_id,)
            ).scalar()

    def filler(self, count=20):
        """Unrelated articles, so that the test words are rare (BM25's IDF)."""
        for i in range(count):
            self.add(f"City council weighs budget {i}", "Officials debated the parks plan.")

    def search(self, query, **options):
        return search(
            self.store.search, self.store.feed_ids(), SearchRequest(query, **options), NOW
        )

    def ids(self, query, **options):
        return [r.id for r in self.search(query, **options).results]


@pytest.fixture
def archive(store):
    return Archive(store)


# --- Ranking ---------------------------------------------------------------------------


def test_title_hits_rank_above_body_hits(archive):
    archive.filler()
    body = archive.add("Court news of the week", "A ruling on the Matamoros camp was issued.")
    title = archive.add("Matamoros camp ruling", "A court issued a ruling.")
    assert archive.ids("matamoros") == [title, body]


def test_this_weeks_story_beats_an_old_one_of_equal_relevance(archive):
    archive.filler()
    old = archive.add("Matamoros camp closes", "The tents came down.", days=700)
    new = archive.add("Matamoros shelter opens", "The doors swung open.", days=2)
    assert archive.ids("matamoros") == [new, old]


def test_more_relevant_old_story_still_beats_a_barely_relevant_new_one(archive):
    archive.filler()
    strong = archive.add(
        "Remain in Mexico: Remain in Mexico returns", "Remain in Mexico, again.", days=400
    )
    weak = archive.add("Border roundup", "Also: remain in mexico mentioned once. " + "x " * 200)
    assert archive.ids('"remain in mexico"') == [strong, weak]


def test_sort_by_date_is_newest_first(archive):
    archive.filler()
    ids = [archive.add(f"Asylum story {d}", "asylum", days=d) for d in (5, 1, 30, 3)]
    assert archive.ids("asylum", sort="date") == [ids[1], ids[3], ids[0], ids[2]]


def test_newest_first_looks_back_window_by_window_and_misses_nothing(archive, monkeypatch):
    """Date order reads the last week first, then further back (article_days floors):
    every page must still be the true newest-first order, a story found late included."""
    monkeypatch.setattr("bot.pipeline.search.RANK_WINDOW", 1)  # ask the store for small pages
    archive.filler()
    days = [1, 2, 10, 40, 200, 3.5, 60]
    ids = {d: archive.add(f"Asylum story {d}", "asylum", days=d) for d in days}
    late = archive.add("Asylum story found late", "asylum", days=100)
    newest = [ids[d] for d in sorted(days[:5] + days[5:])]
    newest.insert(newest.index(ids[200]), late)
    for limit in (1, 2, 3, 4, 5, 6, 8):
        assert archive.ids("asylum", sort="date", limit=limit) == newest[:limit], limit
    assert archive.ids("asylum", sort="date", limit=3, offset=3) == newest[3:6]
    since = NOW - timedelta(days=50)
    assert archive.ids("asylum", sort="date", since=since, limit=8) == newest[:5]
    found = archive.search("asylum", sort="date", feed="A", limit=2)
    assert [r.id for r in found.results] == newest[:2] and found.total == len(newest)


# --- Operators, each through search ---------------------------------------------------


@pytest.fixture
def corpus(archive):
    archive.filler()
    return {
        "mpp": archive.add("MPP returns", "The Remain in Mexico policy is back in court."),
        "ontario": archive.add("Ontario mpp speaks", "The member of provincial parliament spoke."),
        "fear": archive.add("Interviews", "Asylum officers held credible fear interviews."),
        "far": archive.add("Officers", "Officers said that, after a delay, the fear was credible."),
        "lunatic": archive.add("History", "The old lunatic asylum became a museum."),
        "courts": archive.add("Backlog", "Immigration courts and courthouses are full."),
        "quedate": archive.add("Quédate en México regresa", "El programa vuelve.", lang="es",
                               feed="B"),
        "hyphen": archive.add("Remain-in-Mexico again", "Policy news."),
    }  # fmt: skip


OPERATORS = [
    ("word", "asylum", {"fear", "lunatic"}),
    ("phrase", '"remain in mexico"', {"mpp", "hyphen"}),
    ("or", "lunatic OR courthouses", {"lunatic", "courts"}),
    ("and", "asylum officers", {"fear"}),
    ("explicit-and", "asylum AND museum", {"lunatic"}),
    ("not", "asylum NOT lunatic", {"fear"}),
    ("and-not", "asylum AND NOT lunatic", {"fear"}),
    ("parentheses", "(lunatic OR officers) AND asylum", {"fear", "lunatic"}),
    ("prefix", "court*", {"mpp", "courts"}),
    ("near-close", '"credible fear" NEAR/3 officers', {"fear"}),
    ("near-either-order", "fear NEAR/2 interviews", {"fear"}),
    ("near-too-far", "officers NEAR/3 credible", {"fear"}),
    ("title-scope", "title:mpp", {"mpp", "ontario"}),
    ("body-scope", 'body:"remain in mexico"', {"mpp"}),
    ("exact-acronym", "=MPP", {"mpp"}),
    ("lang-filter", "mexico lang:es", {"quedate"}),
    ("feed-filter", 'mexico feed:"B"', {"quedate"}),
    ("not-lang", "mexico NOT lang:es", {"mpp", "hyphen"}),
    ("filter-inside-or", "(mexico lang:es) OR museum", {"quedate", "lunatic"}),
    ("typographic-quotes", "“remain in mexico”", {"mpp", "hyphen"}),
]


@pytest.mark.parametrize(("query", "expected"), [o[1:] for o in OPERATORS],
                         ids=[o[0] for o in OPERATORS])  # fmt: skip
def test_each_operator_through_search(archive, corpus, query, expected):
    found = archive.search(query)
    assert {r.id for r in found.results} == {corpus[name] for name in expected}
    assert found.total == len(expected) and found.total_exact


def test_results_carry_snippet_highlights_topics_and_feed(archive, corpus):
    (result,) = archive.search('"credible fear"').results
    assert result.feed == "A" and result.url.startswith("https://a.example/")
    marked = [result.snippet[a:b] for a, b in result.highlights]
    assert marked == ["credible fear"]
    assert set(result.as_dict()) >= {
        "id", "title", "url", "feed", "published", "topics", "score", "snippet", "highlights"
    }  # fmt: skip


# --- Filters ---------------------------------------------------------------------------


def test_date_language_feed_and_topic_filters(archive):
    archive.filler()
    recent = archive.add("Asylum ruling", "asylum", days=2)
    old = archive.add("Asylum history", "asylum", days=40)
    spanish = archive.add("Asilo y asylum", "asylum", lang="es", feed="B", days=3)
    since = NOW - timedelta(days=7)
    assert set(archive.ids("asylum", since=since)) == {recent, spanish}
    assert archive.ids("asylum", until=since) == [old]
    assert archive.ids("asylum", language="es") == [spanish]
    assert archive.ids("asylum", feed="b") == [spanish]
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO matches (article_id, topic, score, snippet, highlights, matched_at)"
            " VALUES (?, 'asylum', 1, '', '[]', '2026-01-01')",
            (old,),
        )
    assert archive.ids("asylum", topic="asylum") == [old]
    assert archive.search("asylum", topic="asylum").results[0].topics == ("asylum",)
    with pytest.raises(UsageError, match="no feed named"):
        archive.search("asylum", feed="Nope")


def test_since_finds_the_stories_published_since_whatever_order_they_arrived_in(archive):
    """--since reads only ids at or above the floor of its first day (article_days): a
    story stored early, an old one found late and a new one must all land right."""
    early_new = archive.add("Asylum early", "asylum", days=1)
    archive.filler(5)
    late_old = archive.add("Asylum found late", "asylum", days=60)
    new = archive.add("Asylum new", "asylum", days=0.5)
    since = NOW - timedelta(days=7)
    assert set(archive.ids("asylum", since=since)) == {early_new, new}
    assert archive.search("asylum", since=since).total == 2
    assert archive.ids("asylum", since=NOW - timedelta(days=90))[-1] == late_old
    with archive.store.engine.connect() as conn:
        assert article_days.first_id_since(conn, since) == early_new
        assert article_days.first_id_since(conn, NOW - timedelta(days=0.4)) == new
        assert article_days.first_id_since(conn, NOW + timedelta(days=3)) == 0  # none known


def test_since_skips_the_older_ids_in_the_index(archive):
    """What the floor is for: hits below it are never read (FTS5 seeks past them)."""
    old = [archive.add(f"Asylum {i}", "asylum", days=30 + i) for i in range(3)]
    new = archive.add("Asylum today", "asylum", days=0.2)
    since = NOW - timedelta(days=2)
    with archive.store.engine.connect() as conn:
        floor = article_days.first_id_since(conn, since)
    assert max(old) < floor <= new
    assert archive.ids("asylum", since=since) == [new]


def test_totals_count_past_the_first_window_with_and_without_filters(archive, monkeypatch):
    """The ranking counts every candidate while it reads them: a total past the ids
    read at once is still exact, filtered or not."""
    monkeypatch.setattr("bot.pipeline.search.RANK_WINDOW", 3)
    for i in range(6):
        archive.add(f"Asylum {i}", "asylum", days=1 + i, feed="AB"[i % 2])
    archive.add("Asylum old", "asylum", days=40, feed="B")
    for options, expected in [
        ({}, 7),
        ({"feed": "B"}, 4),
        ({"since": NOW - timedelta(days=10)}, 6),
        ({"since": NOW - timedelta(days=10), "feed": "B"}, 3),
    ]:
        found = archive.search("asylum", limit=1, **options)
        assert (found.total, found.total_exact) == (expected, True), options


def test_contradictory_filters_find_nothing(archive):
    archive.add("Asylum", "asylum")
    assert archive.ids("asylum lang:en lang:es") == []


# --- Pages -----------------------------------------------------------------------------


def test_pages_are_stable_and_cover_every_result_once(archive):
    archive.filler(5)
    ids = {archive.add(f"Asylum update number {i}", f"asylum report {i}") for i in range(23)}
    seen = []
    for offset in range(0, 30, 7):
        found = archive.search("asylum", limit=7, offset=offset)
        assert found.total == 23
        seen += [r.id for r in found.results]
    assert len(seen) == len(set(seen)) == 23 and set(seen) == ids
    again = [
        r.id for o in range(0, 30, 7) for r in archive.search("asylum", limit=7, offset=o).results
    ]
    assert again == seen


# --- Wire copies -------------------------------------------------------------------------


WIRE = (
    "A federal judge in Texas on Tuesday blocked the administration's plan to restart the "
    "Migrant Protection Protocols, the policy known as Remain in Mexico, leaving thousands "
    "of asylum seekers waiting in shelters in Matamoros and Reynosa. The ruling, which the "
    "government is expected to appeal, found that the agency did not weigh the costs."
)


def test_wire_copies_appear_once_with_also_in(archive):
    archive.filler()
    lead = archive.add("Judge blocks Remain in Mexico restart", WIRE, feed="A", days=1)
    archive.add("Judge blocks 'Remain in Mexico' restart (AP)",
                WIRE + " Subscribe to our newsletter.", feed="B", days=1.1)  # fmt: skip
    other = archive.add("Remain in Mexico: what shelters say", "Shelters in Matamoros are full "
                        "as Remain in Mexico returns, directors said.", feed="C")  # fmt: skip
    found = archive.search('"remain in mexico"')
    assert [r.id for r in found.results] == [lead, other] or [r.id for r in found.results] == [
        other,
        lead,
    ]
    result = next(r for r in found.results if r.id == lead)
    assert [c["feed"] for c in result.also_in] == ["B"]
    assert (found.total, found.articles) == (2, 3)  # stories; articles, copies included
    assert found.total_exact and found.articles_exact and not found.more


def test_exact_copies_from_other_feeds_are_listed_too(archive):
    url = "https://news.example/story"
    lead = archive.add("Asylum officers hired", "Asylum officers were hired.", url=url)
    archive.add("Asylum officers hired", "Asylum officers were hired.", feed="C", url=url)
    (result,) = archive.search("asylum").results
    assert result.id == lead and [c["feed"] for c in result.also_in] == ["C"]


# --- Spanish, accents --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ['"quedate en mexico"', '"Quédate en México"', "QUEDATE", "méxico", "quéda*", "niño"],
)
def test_spanish_with_and_without_accents(archive, query):
    archive.filler()
    found = archive.add("Quédate en México: un niño espera", "El programa Quédate en México.",
                        lang="es")  # fmt: skip
    assert archive.ids(query) == [found]


def test_words_the_tokenizers_read_differently_are_still_found(archive):
    archive.filler()
    german = archive.add("Straße gesperrt", "Die Straße ist zu.")
    decomposed = archive.add("Me\u0301xico news", "Remain in Me\u0301xico.")  # e + combining acute
    ordinal = archive.add("El 1º de mayo", "Marcha del 1º de mayo.", lang="es")
    assert archive.ids("strasse") == [german]
    assert archive.ids('"1o de mayo"') == [ordinal]
    assert archive.ids("xico") == [decomposed]  # the matcher reads "Me", "xico"
    with archive.store.engine.connect() as conn:
        extra = conn.exec_driver_sql(
            "SELECT search_extra FROM articles WHERE id = ?", (german,)
        ).scalar()
    assert extra.split() == [MARKER, "strasse"]


# --- Bad and refused queries ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "column"),
    [('"remain in', 1), ("asylum AND", 11), ("(mpp OR asilo", 1), ("mpp NEAR asylum", 5)],
)
def test_bad_queries_say_where(archive, query, column):
    with pytest.raises(QueryError) as error:
        archive.search(query)
    assert error.value.column == column


@pytest.mark.parametrize("query", ["NOT asylum", "a*", "lang:es", "NOT lang:es"])
def test_scan_everything_queries_are_refused(archive, query):
    with pytest.raises((QueryError, Refused)):
        archive.search(query)


def test_long_not_chains_and_nots_inside_or_are_searched(archive):
    """95 NOTs overflowed FTS5's parser ("the index is damaged"); a NOT inside an OR, or
    NOT (NOT x), could not be translated at all ("Something went wrong")."""
    court = archive.add("Court rules on asylum", "The court ruled.")
    other = archive.add("Court zz7 notice", "court records")
    chain = "court " + " ".join(f"NOT zz{i}" for i in range(1, 96))
    assert archive.ids(chain) == [court]
    assert archive.search(chain).total == 1
    assert set(archive.ids("court NOT (asylum OR NOT zz7)")) == {other}
    assert archive.ids("court NOT (NOT zz7)") == [other]


@pytest.mark.parametrize(
    "template",
    ["a{i} NOT ({inner})", "a{i} NOT (b{i} OR {inner})", "a{i} OR b{i} c{i} NOT ({inner})",
     'title:"a{i} b{i}" NOT ({inner} OR "c{i} d{i}")', "x{i} y{i} OR a{i} NOT ({inner}) z{i}"],
)  # fmt: skip
def test_the_deepest_queries_the_parser_takes_fit_the_index_with_room_to_spare(template):
    """FTS5's parser has a fixed stack; every query within the parser's limits renders to
    an expression it reads, with room for 25 more levels of parentheses."""
    query = 'title:"p q" NEAR/2 title:(r OR s)'
    for i in range(MAX_DEPTH - 1, 0, -1):
        query = template.format(i=i, inner=query)
    expression = match_expression(plan_query(parse_query(query)).text)
    assert expression_problem(expression) is None
    assert expression_problem("(" * 25 + expression + ")" * 25) is None
    assert expression_problem("(" * 120 + expression + ")" * 120) is not None  # it can fail


def too_deep(node) -> str:
    return "(" * 120 + '"court"' + ")" * 120  # more than FTS5's parser stack takes


def test_an_expression_the_index_cannot_read_is_a_query_error_before_it_runs(archive, monkeypatch):
    archive.add("Court rules", "court")
    monkeypatch.setattr("bot.store.search_sqlite.match_expression", too_deep)
    with pytest.raises(QueryError, match="parser stack overflow") as error:
        archive.search("court")
    assert error.value.column == 1 and "fewer parentheses" in str(error.value)


def test_a_match_that_fails_because_of_the_query_is_no_damaged_index(archive, monkeypatch):
    """Were an expression to get past the check, FTS5's OperationalError is still the
    query's (exit 2), never "the full-text index is damaged"."""
    archive.add("Court rules", "court")
    monkeypatch.setattr("bot.store.search_sqlite.match_expression", too_deep)
    monkeypatch.setattr("bot.store.search_sqlite.expression_problem", lambda _: None)
    with pytest.raises(QueryError, match="parser stack overflow"):
        archive.search("court")
    monkeypatch.setattr("bot.store.search_sqlite.match_expression", lambda _: '"court" AND (')
    with pytest.raises(QueryError, match="fts5: syntax error") as error:
        archive.search("court")
    assert "damaged" not in str(error.value)


def test_a_damaged_index_is_still_reported_as_damaged(archive):
    for i in range(30):
        archive.add(f"Asylum officers {i}", "asylum court words here " * 20)
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE articles_fts_data SET block = x'00ff00ff' WHERE id > 10")
    with pytest.raises(StoreError, match=r"index is damaged.*reindex"):
        archive.search("asylum")


def test_words_in_nearly_every_article_are_refused_in_a_big_archive(archive, monkeypatch):
    monkeypatch.setattr("bot.pipeline.search.BROAD_MIN_ARTICLES", 10)
    monkeypatch.setattr("bot.pipeline.search.RANK_WINDOW", 5)
    archive.filler(12)
    archive.add("Asylum", "asylum")
    with pytest.raises(Refused, match="of the 13 articles"):
        archive.search("the OR officials", limit=2)  # more candidates than one window
    assert archive.search("asylum").total == 1


# --- Index upkeep ---------------------------------------------------------------------------


def test_changed_text_and_deleted_articles_update_the_index(archive):
    article = archive.add("Asylum hearing set", "asylum")
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE articles SET title = 'Parole hearing set' WHERE id = ?",
                             (article,))  # fmt: skip
    assert archive.ids("parole") == [article] and archive.ids("title:asylum") == []
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM articles WHERE id = ?", (article,))
    assert archive.ids("parole") == []
    assert archive.store.search.check() is None


def test_prune_deletes_old_articles_their_matches_and_index_entries(archive):
    old = archive.add("Asylum 2024", "asylum", days=400)
    keep = archive.add("Asylum now", "asylum", days=3)
    archive.add("Copy of the old one", "asylum", feed="B", days=400, url="https://x.example/1")
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO matches (article_id, topic, score, snippet, highlights, matched_at)"
            " VALUES (?, 'asylum', 1, '', '[]', '2026-01-01')",
            (old,),
        )
    before = NOW - timedelta(days=365)
    summary = archive.store.prune_summary(before)
    assert summary["articles"] == 2 and summary["per_feed"] == {"A": 1, "B": 1}
    assert archive.store.prune(before) == 2
    assert archive.ids("asylum") == [keep]
    assert archive.store.stats()["matches"] == {}
    assert archive.store.search.check() is None


def test_prune_and_reindex_keep_since_searches_right(archive):
    kept = archive.add("Asylum kept", "asylum", days=3)
    archive.add("Asylum gone", "asylum", days=50)
    archive.add("Asylum gone too", "asylum", days=45)
    archive.store.prune(NOW - timedelta(days=30))
    with archive.store.engine.connect() as conn:
        days = conn.exec_driver_sql("SELECT day, first_id FROM article_days").all()
        rows = conn.exec_driver_sql("SELECT id FROM search_rows").scalars().all()
    assert days == [((NOW - timedelta(days=3)).strftime("%Y-%m-%d"), kept)]
    assert rows == [kept]  # a deleted article's search row goes with it
    assert archive.ids("asylum", since=NOW - timedelta(days=100)) == [kept]
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE article_days SET first_id = 999")  # as if damaged
        conn.exec_driver_sql("DELETE FROM search_rows")
    assert archive.ids("asylum") == []
    archive.store.search.rebuild()
    assert archive.ids("asylum", since=NOW - timedelta(days=7)) == [kept]


def test_reindex_rebuilds_a_missing_index(archive):
    found = archive.add("Asylum officers", "asylum")
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE articles_fts")
    with pytest.raises(StoreError, match=r"missing.*reindex"):
        archive.search("asylum")
    assert archive.store.search.rebuild() == 1
    assert archive.ids("asylum") == [found]
    archive.add("Asylum again", "asylum")  # the triggers are back too
    assert len(archive.ids("asylum")) == 2


def test_reindex_repairs_a_corrupt_index(archive):
    found = archive.add("Asylum officers", "asylum")
    with archive.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE articles_fts_data SET block = x'00ff00ff' WHERE id > 10")
    assert archive.store.search.check() is not None
    archive.store.search.rebuild()
    assert archive.store.search.check() is None
    assert archive.ids("asylum") == [found]


def test_an_index_out_of_step_with_the_articles_is_reported(archive):
    archive.add("Asylum officers", "asylum")
    with archive.store.engine.begin() as conn:  # text changed behind the triggers' back
        conn.exec_driver_sql("DROP TRIGGER articles_fts_update")
        conn.exec_driver_sql("UPDATE articles SET title = 'Parole'")
    assert archive.store.search.check() is not None
    archive.store.search.rebuild()
    assert archive.store.search.check() is None


def test_the_service_prunes_daily():
    from bot.scheduler import PRUNE_AT, build_scheduler

    class FakeApp:
        chat_plans = ()  # no chats: no digest jobs
        polls = True

        def beat(self): ...
        async def poll_due(self): ...
        async def prune(self): ...
        async def flush_outbox(self): ...
        def tick_seconds(self):
            return 60

    scheduler = build_scheduler(FakeApp(), "America/Tijuana")
    job = scheduler.get_job("prune")
    assert str(job.trigger) == f"cron[hour='{PRUNE_AT[0]}', minute='{PRUNE_AT[1]}']"


def test_the_prune_job_keeps_retention_days(tmp_path):
    import asyncio

    from bot.app import App
    from bot.config import Environment, parse_config

    config = parse_config(
        "settings: {retention_days: 30}\nfeeds:\n  - {name: A, url: 'https://a.example/f'}"
    )
    app = App.open(Environment(database_url=f"sqlite:///{tmp_path / 'bot.db'}"), config)
    archive = Archive(app.store)
    old = archive.add("Asylum", "asylum", days=40)  # NOW is a few days ago at most
    kept = archive.add("Asylum", "asylum", days=0)
    assert asyncio.run(app.prune()) == 1
    assert archive.ids("asylum") == [kept] and old != kept
    app.close()


def test_reindex_works_out_the_extra_words_again(archive):
    found = archive.add("Straße gesperrt", "Die Straße ist zu.")
    with archive.store.engine.begin() as conn:  # as if written by another tokenizer version
        conn.exec_driver_sql("DROP TRIGGER articles_fts_update")
        conn.exec_driver_sql("UPDATE articles SET search_extra = ''")
    archive.store.search.rebuild()
    assert archive.ids("strasse") == [found]
    assert archive.store.search.check() is None
