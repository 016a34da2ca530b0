"""The query language: what parses, what does not, and where the error is."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.match.ast import And, Filter, Near, Not, Or, Phrase, Term
from bot.match.query import MAX_DEPTH, MAX_TERMS, QueryError, parse_query


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("asylum", Term("asylum")),
        ("Asylum Officers", And((Term("asylum"), Term("officers")))),
        ('"Remain in Mexico"', Phrase(("remain", "in", "mexico"))),
        ("“Quédate en México”", Phrase(("quedate", "en", "mexico"))),
        ("Remain-in-Mexico", Phrase(("remain", "in", "mexico"))),
        ("a1 OR b2 c3", Or((Term("a1"), And((Term("b2"), Term("c3")))))),
        ("(a1 OR b2) c3", And((Or((Term("a1"), Term("b2"))), Term("c3")))),
        ("asylum NOT lunatic", And((Term("asylum"), Not(Term("lunatic"))))),
        ("asylum AND NOT lunatic", And((Term("asylum"), Not(Term("lunatic"))))),
        ("migra*", Term("migra", prefix=True)),
        ("=MPP", Term("MPP", exact=True)),
        ('="Remain in Mexico"', Phrase(("Remain", "in", "Mexico"), exact=True)),
        ("mpp NEAR/8 asylum", Near(Term("mpp"), Term("asylum"), 8)),
        ("title:asylum", Term("asylum", field="title")),
        ('body:"credible fear"', Phrase(("credible", "fear"), field="body")),
        ("title:(mpp OR asilo)", Or((Term("mpp", field="title"), Term("asilo", field="title")))),
        ("asilo lang:ES", And((Term("asilo"), Filter("lang", "es")))),
        ('feed:"Border Report" asylum', And((Filter("feed", "Border Report"), Term("asylum")))),
        ("(mpp OR asylum) NEAR/5 court", Near(Or((Term("mpp"), Term("asylum"))), Term("court"), 5)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parses(query, expected):
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "column", "words"),
    [
        ('asylum "credible fear', 8, "unclosed quote"),
        ("(mpp OR asylum", 1, "unclosed parenthesis"),
        ("mpp OR asylum)", 14, "unmatched )"),
        ("mpp OR", 7, "ends where a word was expected"),
        ("NOT asylum", 1, "NOT alone"),
        ("a*", 1, "at least 3 letters"),
        ("mi*gra", 3, "only allowed at the end"),
        ("mpp NEAR asylum", 5, "NEAR needs a distance"),
        ("mpp NEAR/0 asylum", 5, "NEAR distance must be"),
        ("mpp NEAR/5 (a1 b2)", 5, "NEAR joins words"),
        ("lang:spanish asilo", 1, "language code"),
        ("()", 2, "empty parentheses"),
        ('""', 1, "empty phrase"),
        ("", 1, "empty"),
        ("title:", 1, "must be followed by"),
        ("title:(body:x)", 1, "can never match"),
    ],
)
def test_errors_say_where_and_what(query, column, words):
    with pytest.raises(QueryError) as info:
        parse_query(query)
    assert info.value.column == column
    assert words in str(info.value)
    assert str(info.value).startswith(f"query error at column {column}: ")


def test_limits_on_size_and_nesting():
    with pytest.raises(QueryError, match="too long"):
        parse_query("a " * 2500)
    with pytest.raises(QueryError, match="nested"):
        parse_query("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    parse_query("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    with pytest.raises(QueryError, match="too many words"):
        parse_query(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))
    parse_query(" ".join(f"w{i}" for i in range(MAX_TERMS)))


def test_a_run_of_nots_nests_like_parentheses_not_a_crash():
    """Each NOT was a recursion: 990 of them overflowed Python's stack. NOT NOT is a level
    of nesting, counted with the parentheses."""
    with pytest.raises(QueryError, match=r"nested .*NOT NOT is one") as info:
        parse_query("court " + "NOT " * 990 + "zz")
    assert info.value.column == len("court NOT ") + 1 + 4 * MAX_DEPTH  # the 22nd NOT
    twice = And((Term("court"), Not(Not(Term("zz")))))
    assert parse_query("court NOT NOT zz") == parse_query("court NOT (NOT zz)") == twice
    parse_query("court " + "NOT " * (MAX_DEPTH + 1) + "zz")
    with pytest.raises(QueryError, match="nested"):
        parse_query("(" * MAX_DEPTH + "court NOT NOT zz" + ")" * MAX_DEPTH)
    chain = parse_query("court " + " ".join(f"NOT zz{i}" for i in range(199)))
    assert len(chain.items) == 200


@settings(max_examples=400)
@given(st.text(max_size=80))
def test_any_text_parses_or_raises_a_query_error(text):
    try:
        parse_query(text)
    except QueryError as exc:
        assert 1 <= exc.column <= len(text) + 2


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(['"', "(", ")", "AND", "OR", "NOT", "NEAR/3", "title:", "=", "*",
                         "lang:es", "asylum", "mpp", "quédate", " ", "-"]),
        max_size=20,
    )
)  # fmt: skip
def test_operator_soup_parses_or_raises_a_query_error(parts):
    with contextlib.suppress(QueryError):  # anything else fails the test
        parse_query(" ".join(parts))


def test_query_names_are_its_phrases_and_acronyms_as_written_not_its_exclusions():
    from bot.match.query import query_names

    query = ('("Quédate en México" OR ="MPP" OR "remain in mexico") AND (court OR judge*) '
             'NOT ("Queens Park" OR =MPPs) OR "Remain In Mexico" NEAR/5 asylum')  # fmt: skip
    assert query_names(query) == ["Quédate en México", "MPP", "remain in mexico"]
    assert query_names("asylum OR asilo") == []
