"""Matching semantics: every operator, folding, Spanish, false friends, snippets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.match.matcher import Matcher, Topic, build_document
from bot.match.query import QueryError

TITLE = "Asylum officers urge 9th Circuit to end Remain-in-Mexico"
BODY = (
    "In a brief filed Monday, the union representing asylum officers said the Migrant "
    "Protection Protocols (MPP) violate the law. Credible fear interviews by trained "
    "officers were cut short. En Tijuana, los albergues se preparan: “Quédate en México” vuelve."
)


def matches(query: str, title: str = TITLE, body: str = BODY, **doc) -> bool:
    matcher = Matcher([Topic("t", query)])
    return bool(matcher.match(build_document(title, body, **doc)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("asylum", True),
        ("ASYLUM Officers", True),
        ("asylum wolves", False),
        ('"remain in mexico"', True),
        ('"mexico in remain"', False),
        ("remain-in-mexico", True),
        ('"quedate en mexico"', True),  # accents and case folded
        ("QUÉDATE", True),
        ("albergue", False),  # whole words only
        ("albergue*", True),  # unless a prefix is asked for
        ("mig*", True),
        ("wolves OR credible", True),
        ("asylum NOT brief", False),
        ("asylum NOT wolves", True),
        ("(wolves OR union) AND law", True),
        ('"credible fear" NEAR/4 officers', True),  # "credible fear interviews by trained officers"
        ('"credible fear" NEAR/3 officers', False),  # officers is the 4th word after
        ("officers NEAR/1 union", False),
        ("representing NEAR/1 union", True),  # either order
        ("title:circuit", True),
        ("body:circuit", False),
        ("title:brief", False),
        ('body:"credible fear"', True),
        ("=MPP", True),
        ("=mpp", False),
        ("=Asylum", True),  # the title's capital A
        ('="Quédate en México"', True),
        ('="Quedate en Mexico"', False),  # exact keeps accents
    ],
)
def test_operator_semantics(query, expected):
    assert matches(query) is expected


def test_filters():
    assert matches("asylum lang:es", language="es")
    assert not matches("asylum lang:es", language="en")
    assert matches('asylum feed:"border report"', feed="Border Report")
    assert not matches('asylum feed:"border report"', feed="KPBS")


def test_acronym_form_keeps_ontario_mpps_apart():
    ontario = "Ontario MPP questions minister; mpp_logs and MPPT charge controllers"
    assert matches("=MPP", title=ontario, body="")
    assert not matches("=MPP NEAR/5 (asylum OR migrants)", title=ontario, body="")
    assert not matches("=MPPT", title="mppt controller", body="")


def test_exclude_and_languages():
    matcher = Matcher([Topic("mpp", '"remain in mexico" OR =MPP', exclude="ontario"),
                       Topic("es", "albergues", languages=("es",))])  # fmt: skip
    assert [m.topic for m in matcher.match(build_document(TITLE, BODY, language="en"))] == ["mpp"]
    ontario = build_document("Ontario MPP on housing", "Provincial parliament")
    assert matcher.match(ontario) == []
    assert [m.topic for m in matcher.match(build_document("x", BODY, language="es"))] == [
        "mpp",
        "es",
    ]


def test_snippet_offsets_point_at_the_hits():
    (match,) = Matcher([Topic("t", '"credible fear" OR albergues')]).match(
        build_document(TITLE, BODY)
    )
    marked = [match.snippet[a:b] for a, b in match.highlights]
    assert marked == ["Credible fear", "albergues"]
    assert len(match.snippet) <= 210


def test_snippet_of_a_long_body_is_around_the_hit():
    body = "Filler words here. " * 60 + "The asylum ban was blocked. " + "More filler. " * 60
    (match,) = Matcher([Topic("t", '"asylum ban"')]).match(build_document("News", body))
    assert match.snippet.startswith("…") and match.snippet.endswith("…")
    (start, end) = match.highlights[0]
    assert match.snippet[start:end] == "asylum ban"


def test_title_hits_score_higher_and_more_terms_score_higher():
    matcher = Matcher([Topic("t", "asylum OR officers OR circuit")])
    in_title = matcher.match(build_document("Asylum news", "nothing"))[0].score
    in_body = matcher.match(build_document("News", "asylum news"))[0].score
    more = matcher.match(build_document("Asylum officers", "circuit"))[0].score
    assert in_title > in_body and more > in_title


def test_bad_topic_query_is_a_query_error():
    with pytest.raises(QueryError, match="column 8: unclosed quote"):
        Matcher([Topic("t", 'asylum "fear')])


@settings(max_examples=200)
@given(st.text(max_size=300), st.text(max_size=300))
def test_matching_any_text_never_raises(title, body):
    matcher = Matcher([Topic("a", '"remain in mexico" OR migra* OR (=MPP NEAR/5 asylum)'),
                       Topic("b", 'title:asylum NOT lunatic')])  # fmt: skip
    for match in matcher.match(build_document(title, body)):
        assert all(0 <= a < b <= len(match.snippet) for a, b in match.highlights)


QUERIES = [
    '"remain in mexico" OR (=MPP NEAR/3 asylum)',
    "(asylum OR asilo) AND (officers OR oficiales) NOT lunatic",
    'migra* OR "credible fear"',
    'title:("in mexico" OR remain) body:asylum',
    "asylum lang:es",
]
VOCABULARY = ["remain", "in", "mexico", "MPP", "mpp", "asylum", "asilo", "officers",
              "oficiales", "lunatic", "migrants", "credible", "fear", "the", "México"]  # fmt: skip


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(VOCABULARY), max_size=8),
    st.lists(st.sampled_from(VOCABULARY), max_size=25),
    st.sampled_from([None, "en", "es"]),
)
def test_quick_reject_never_rejects_a_match(title, body, language):
    from bot.match.matcher import CompiledQuery
    from bot.match.reference import evaluate

    doc = build_document(" ".join(title), " ".join(body), language=language)
    for text in QUERIES:
        query = CompiledQuery(text)
        if evaluate(query.node, doc) is not None:
            assert query.could_match(doc) and query.test(doc), (text, title, body)
        else:
            assert query.evaluate(doc) is None
