"""Pages of stories: `offset`/`limit` and `total` count stories (what a page lists),
`articles` the matching articles beside them (copies under "also in"); exact counts say
so, estimates say "about"; refusals of filters alone and the hint for lower-case
operators. On a real SQLite store (tests/test_search.py's Archive)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.chat import answers
from bot.cli.search import print_results
from bot.match.ast import And, Filter, Not, Or, Term
from bot.match.plan import UnsearchableQuery, plan_query
from bot.match.query import QueryError
from bot.pipeline.search import (
    FiltersAlone,
    Refused,
    Result,
    SearchRequest,
    SearchResults,
    operator_hint,
)
from tests.test_search import NOW, WIRE, Archive


@pytest.fixture
def archive(store):
    return Archive(store)


def wire_text(k: int) -> str:
    """A wire story's text of its own words (its copies share them, other stories not)."""
    return "Asylum " + " ".join(f"story{k}word{i}" for i in range(40)) + "."


def add_story(archive, k: int, copies: int, days: float) -> tuple[int, list[int]]:
    """A story and `copies` copies of it in other feeds (own URLs, small edits)."""
    lead = archive.add(f"Asylum story {k}", wire_text(k), feed="A", days=days)
    others = [
        archive.add(f"Asylum story {k}", wire_text(k) + f" Footer {c}.", feed="BC"[c % 2],
                    days=days + 0.01 * (c + 1))
        for c in range(copies)
    ]  # fmt: skip
    return lead, others


def test_a_page_past_the_stories_is_empty_and_the_total_says_why(archive):
    """The issue: "3 matching articles; showing 1-2", then --offset 2 gave "no results
    (there are 3…)" and the chat a Next button to "No more results"."""
    archive.filler()
    lead = archive.add("Judge blocks Remain in Mexico restart", WIRE, feed="A", days=1)
    copy = archive.add("Judge blocks 'Remain in Mexico' restart (AP)", WIRE + " Subscribe.",
                       feed="B", days=1.1)  # fmt: skip
    shelters = "Shelters in Matamoros are full as Remain in Mexico returns."
    other = archive.add("Remain in Mexico: what shelters say", shelters, feed="C")
    query = '"remain in mexico"'
    whole = archive.search(query)
    assert {r.id for r in whole.results} == {lead, other} and copy not in archive.ids(query)
    assert (whole.total, whole.articles, whole.total_exact, whole.more) == (2, 3, True, False)
    first = archive.search(query, limit=1)
    second = archive.search(query, limit=1, offset=1)
    past = archive.search(query, limit=1, offset=2)
    assert len(first.results) == len(second.results) == 1 and first.more and not second.more
    assert {first.results[0].id, second.results[0].id} == {lead, other}
    assert past.results == [] and (past.total, past.articles, past.total_exact) == (2, 3, True)
    assert not past.more and past.hint is None
    assert whole.as_dict() | {"results": []} == {
        "total": 2, "total_exact": True, "stories": 2, "articles": 3, "articles_exact": True,
        "results": [],
    }  # fmt: skip


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_pages_list_every_story_once_and_next_is_right_on_each(archive, sort):
    archive.filler(5)
    stories = [add_story(archive, k, copies=k % 3, days=1 + 10 * k) for k in range(7)]
    leads = {lead for lead, _ in stories}
    copies = {c for _, others in stories for c in others}
    seen, pages = [], []
    for offset in range(0, 10, 2):
        found = archive.search("asylum", limit=2, offset=offset, sort=sort)
        assert (found.total, found.articles) == (7, 7 + len(copies)), offset
        assert found.total_exact and found.articles_exact
        pages.append(found.more)
        seen += [r.id for r in found.results]
        for result in found.results:  # each story with its copies under "also in"
            mine = next(others for lead, others in stories if lead == result.id)
            assert sorted(c["id"] for c in result.also_in) == sorted(mine)
    assert len(seen) == len(set(seen)) == 7 and set(seen) == leads and not copies & set(seen)
    assert pages == [True, True, True, False, False]  # Next only where a story follows


def test_a_big_result_set_estimates_its_stories_and_says_so(archive, monkeypatch):
    """Past CONFIRM_LIMIT candidates the walk stops after the page: the articles are the
    index's exact count, the stories an estimate from the stories per article seen."""
    monkeypatch.setattr("bot.pipeline.search.CONFIRM_LIMIT", 6)
    monkeypatch.setattr("bot.pipeline.search.RANK_WINDOW", 4)
    for k in range(6):  # 6 stories of 3 articles
        add_story(archive, k, copies=2, days=1 + 10 * k)
    found = archive.search("asylum", limit=1)
    assert (found.articles, found.articles_exact) == (18, True)
    assert not found.total_exact and 1 <= found.total <= 18 and found.more
    assert len(found.results) == 1 and len(found.results[0].also_in) == 2
    whole = archive.search("asylum", limit=10)  # the page walks every candidate: exact
    assert (whole.total, whole.total_exact, whole.articles, whole.more) == (6, True, 18, False)


def test_the_estimate_is_no_more_than_the_articles_and_no_less_than_the_stories_seen(
    archive, monkeypatch
):
    monkeypatch.setattr("bot.pipeline.search.CONFIRM_LIMIT", 3)
    monkeypatch.setattr("bot.pipeline.search.RANK_WINDOW", 3)
    for k in range(9):  # no copies at all: as many stories as articles
        archive.add(f"Asylum story {k}", wire_text(k), days=1 + 10 * k)
    found = archive.search("asylum", limit=2)
    assert (found.total, found.total_exact, found.articles, found.more) == (9, False, 9, True)


# --- What the command line and the chat say -------------------------------------------------


def result(n: int) -> Result:
    return Result(id=n, title=f"Story {n}", url=None, feed="A", published=NOW, topics=(),
                  score=1.0, snippet="", highlights=())  # fmt: skip


def test_the_listing_says_stories_articles_and_about(capsys):
    exact = SearchResults(2, True, [result(1), result(2)], articles=3)
    print_results(exact, SearchRequest("x"), color=False)
    assert capsys.readouterr().out.startswith("2 stories (3 articles); showing 1-2, by relevance")
    rough = SearchResults(480, False, [result(1)], articles=610, articles_exact=False, more=True)
    print_results(rough, SearchRequest("x", offset=5, limit=1), color=False)
    assert capsys.readouterr().out.startswith("about 480 stories (about 610 articles); showing 6-6")


def test_the_chat_header_counts_results_and_names_the_articles_beside():
    copies = answers.search_page(
        SearchResults(2, True, [result(1), result(2)], articles=3), "x", 1, 5, "UTC"
    )
    assert copies.startswith("<b>2 results</b> (3 articles) for <code>x</code> · page 1 of 1")
    alone = answers.search_page(SearchResults(1, True, [result(1)], articles=1), "x", 1, 5, "UTC")
    assert alone.startswith("<b>1 result</b> for <code>x</code> · page 1 of 1")
    rough = answers.search_page(
        SearchResults(40, False, [result(1)], articles=50, more=True), "x", 1, 5, "UTC"
    )
    assert rough.startswith("<b>about 40 results</b> (50 articles) for <code>x</code> · "
                            "page 1 of about 8")  # fmt: skip


# --- Filters alone, NOT alone --------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lang:es", "lang:es alone would list every article in that language: add words to "
                    "search for"),
        ('feed:"B"', "feed:B alone would list every article of that feed"),
        ('lang:es feed:"Border Report"', 'lang:es feed:"Border Report" alone would list every '
                                         "article of that feed in that language"),
        ("NOT lang:es", "NOT lang:es alone would list every article not in that language"),
        ("(lang:es)", "lang:es alone would list"),
    ],
)  # fmt: skip
def test_filters_alone_are_refused_for_what_they_are(archive, query, message):
    archive.add("Asilo", "asilo", lang="es")
    with pytest.raises(FiltersAlone) as refused:
        archive.search(query)
    assert str(refused.value).startswith(f"search: {message}")
    assert "NOT alone" not in str(refused.value)


def test_the_command_line_names_its_options_for_filters_alone(archive):
    with pytest.raises(FiltersAlone) as both:
        archive.search('lang:es feed:"B"')
    assert both.value.for_command_line().endswith("(or use --lang and --feed with a query)")
    with pytest.raises(FiltersAlone) as excluded:
        archive.search("NOT lang:es")
    assert "--lang" not in excluded.value.for_command_line()  # no option excludes


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lang:es NOT asylum", "lang:es with NOT alone would list nearly every article in that "
                               "language"),
        ("mexico OR lang:es", "every side of OR needs a word that must appear"),
        ("mexico OR NOT asylum", "every side of OR needs a word that must appear"),
        ("&", "the query has no word to search for"),
    ],
)  # fmt: skip
def test_other_queries_without_a_word_get_their_own_refusal(archive, query, message):
    with pytest.raises(Refused, match=message) as refused:
        archive.search(query)
    assert not isinstance(refused.value, FiltersAlone)


@pytest.mark.parametrize("query", ["NOT asylum", "NOT (asylum OR parole)", "lang:es) (lang:en"])
def test_not_alone_and_other_errors_keep_the_parsers_message(archive, query):
    with pytest.raises(QueryError) as error:
        archive.search(query)
    assert ("NOT alone" in error.value.message) == query.startswith("NOT")


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (Filter("lang", "es"), "filters (lang:, feed:) alone would list every article"),
        (Not(Term("mexico")), "NOT alone matches everything"),
        (And((Not(Term("mexico")), Filter("lang", "es"))), "filters with NOT alone"),
        (Or((Term("mexico"), Filter("lang", "es"))), "every side of OR needs a word"),
    ],
)
def test_the_plan_says_why_it_cannot_narrow_a_query(node, message):
    with pytest.raises(UnsearchableQuery, match=re.escape(message)):
        plan_query(node)


# --- Lower-case operators ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("asylum or parole", "did you mean OR? operators are upper case: a OR b, NEAR/5"),
        ("asylum near/5 parole", "did you mean NEAR/5? operators are upper case: a OR b, NEAR/5"),
        ("(a or b) and c not d", "did you mean OR, AND, NOT? operators are upper case"),
        ("asylum Or parole", "did you mean OR?"),
        ('"rock and roll" OR x', None),
        ("title:or asylum", None),
        ("asylum OR parole NEAR/5 x", None),
        ("nearby oregon notary", None),
    ],
)
def test_the_hint_names_lower_case_operators_as_words_only(query, hint):
    found = operator_hint(query)
    assert (found is None) if hint is None else found.startswith(hint)


def test_a_search_with_no_results_carries_the_hint_and_one_with_results_not(archive):
    archive.filler(3)
    archive.add("Asylum or parole, the court must choose", "asylum")
    assert archive.search("asylum or parole").total == 1  # `or` is a word: found, no hint
    assert archive.search("asylum or parole").hint is None
    nothing = archive.search("asylum or zyzzyva")
    assert nothing.results == [] and nothing.total == 0
    assert nothing.hint.startswith("did you mean OR?")
    assert archive.search("zyzzyva").hint is None
    since = archive.search("asylum or parole", since=NOW + timedelta(days=1))
    assert since.total == 0 and since.hint.startswith("did you mean OR?")
