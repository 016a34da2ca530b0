"""Word forms (`word~`): the English or Spanish Snowball stem, after folding, in topics
(the matcher, its index, the reference) and in search (the index's candidates, confirmed
by the matcher)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.match.ast import Or, Term
from bot.match.matcher import CompiledQuery, Matcher, Topic, build_document
from bot.match.plan import plan_query
from bot.match.query import QueryError, parse_query
from bot.match.reference import evaluate
from bot.match.text import stem_prefixes, stems
from bot.store.fts import match_expression
from tests.test_search import Archive
from tests.test_speedups import as_plain, matchers, source_modules  # noqa: F401 (a fixture)


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("deport*~", 7, "combined with \\*"),
        ("deport~*", 8, "combined with \\*"),
        ("=deport~", 8, "combined with ="),
        ('"deport~ now"', 8, "inside quotes"),
        ('asylum "deport~"', 15, "inside quotes"),
        ("de~port", 3, "end of a word"),
        ("~", 1, "one word"),
        ("deport~ NOT ~x", 13, "end of a word"),
    ],
)
def test_misplaced_tilde_is_a_query_error(query, column, message):
    with pytest.raises(QueryError, match=message) as caught:
        parse_query(query)
    assert caught.value.column == column


def test_the_term_is_folded_and_marked():
    assert parse_query("Deportación~") == Term("deportacion", stem=True)
    assert parse_query("title:Hearing~") == Term("hearing", field="title", stem=True)


def matches(query: str, text: str, title: str = "") -> bool:
    doc = build_document(title, text)
    compiled = CompiledQuery(query)
    expected = evaluate(compiled.node, doc)
    assert compiled.test(doc) is (expected is not None)
    hits = compiled.hits(doc)
    assert (hits is None) is (expected is None)
    if hits is not None:
        assert Counter(hits) == Counter(expected)
    assert bool(Matcher([Topic("t", query)]).match(doc)) is (expected is not None)
    return expected is not None


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("hearing~", "Two hearings were held"),
        ("hearings~", "the hearing is set"),
        ("deport~", "they were deported"),
        ("deport~", "deporting families"),
        ("deport~", "los deportados llegaron"),  # Spanish stem "deport"
        ("deport~", "la deportación de migrantes"),  # accents folded, Spanish stem
        ("deportación~", "la DEPORTACION masiva"),
        ("audiencia~", "las audiencias de asilo"),
        ("audiencias~", "una Audiencia"),
        ("migrante~", "migrants at the border"),  # both stem to "migrant"
        ("asilo~", "solicitudes de asilos"),
        ("university~", "universities reopened"),  # stem "universiti": not a prefix
        ("die~", "a dying language"),  # English exception list: dying → die
    ],
)
def test_forms_are_matched(query, text):
    assert matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("deport~", "the airport reopened"),
        ("deport~", "sports report"),
        ("hearing~", "heart of the matter"),
        ("audiencia~", "audio recording"),
        ("court~", "courtesy call"),
        ("asilo~", "asylum seekers"),  # another word, in another language
        ("migrante~", "migration policy"),  # "migrat" / "migration": not the same stem
    ],
)
def test_unrelated_words_are_not_matched(query, text):
    assert not matches(query, text)


def test_hits_are_every_form_and_fields_are_kept():
    doc = build_document("Deportation flights", "He was deported; deportations rose. Deport!")
    hits = CompiledQuery("deport~").hits(doc)
    assert sorted(hits) == [("body", 2, 2), ("body", 3, 3), ("body", 5, 5), ("title", 0, 0)]
    assert CompiledQuery("body:deport~").hits(doc) == [
        ("body", 2, 2),
        ("body", 3, 3),
        ("body", 5, 5),
    ]
    assert not matches("title:deport~", "they were deported", title="News")


def test_the_index_and_the_plan_look_for_a_prefix_of_every_form():
    for word in ["deport", "hearing", "audiencia", "university", "die", "migrante", "a"]:
        prefixes = stem_prefixes(word)
        assert prefixes and all(prefixes)
        forms = [word, *stems(word)]
        assert all(any(f.startswith(p) for p in prefixes) for f in forms)
    plan = plan_query(parse_query("deport~"))
    assert plan.text == Term("depor", prefix=True) and not plan.exact
    assert match_expression(plan.text) == '"depor"*'
    assert plan_query(parse_query("body:university~")).text == Term(
        "universit", prefix=True, field="body"
    )
    assert isinstance(plan_query(parse_query("deport~ OR hearing~")).text, Or)
    assert "depor" in match_expression(parse_query("deport~ NEAR/3 flight"))


def test_topics_without_forms_keep_the_plain_path():
    assert CompiledQuery("asylum").needs == [(frozenset({"asylum"}), frozenset())]
    assert CompiledQuery("hearing~").needs == [(frozenset(), frozenset({"hea"}))]


@pytest.fixture
def archive(store):
    return Archive(store)


def test_search_finds_forms_and_confirms_them(archive):
    archive.filler()
    english = archive.add("Deportation hearings resume", "Judges heard the cases.")
    spanish = archive.add("Audiencias de deportación", "Los deportados esperan.", lang="es")
    archive.add("Airport report", "Departures were delayed at the depot.")
    archive.add("Heart health", "A healthy heart.")
    assert sorted(archive.ids("deport~")) == sorted([english, spanish])
    assert archive.ids("hearing~") == [english]
    assert archive.ids("audiencia~") == [spanish]
    assert archive.ids("title:deport~ lang:es") == [spanish]
    assert archive.ids("deport~ NOT hearing~") == [spanish]
    assert archive.search("hearing~").total == 1


STEM_QUERIES = [
    "deport~",
    "title:hearing~ OR audiencia~",
    "(migrante~ OR asilo~) NEAR/3 court~",
    "deport~ NOT (hearing~ OR lunatic)",
    "die~ OR universit~",
]
STEM_TEXTS = [
    ("Deportation hearings resume", "Judges heard the cases of deported migrants in court."),
    ("Audiencias de deportación", "Los deportados esperan; las audiencias de asilo siguen."),
    ("Airport report", "Departures were delayed at the depot; a dying universe."),
    ("Migrantes", "Migrants asked for asylum, asilos; the courts ruled. Universities."),
]


def test_compiled_matcher_agrees_with_its_source_on_forms(source_modules):  # noqa: F811
    """The compiled matcher (`make venv`) and its source give the same matches."""
    source = source_modules["matcher"]
    fast, slow = matchers(source_modules, [Topic(str(i), q) for i, q in enumerate(STEM_QUERIES)])
    found = 0
    for title, body in STEM_TEXTS:
        got = fast.match(build_document(title, body))
        want = slow.match(source.build_document(title, body))
        assert as_plain(got) == as_plain(want), title
        found += len(want)
    assert found >= len(STEM_TEXTS)


def test_the_stems_come_from_the_c_build_of_snowball():
    """PyStemmer (pinned beside snowballstemmer) gives the same keys 5-7x faster; a lock
    that lost it would still work, only slower: this says so."""
    import snowballstemmer

    assert type(snowballstemmer.stemmer("spanish")).__module__ == "Stemmer"
