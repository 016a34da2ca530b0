"""Every node type of the query language is handled by every place that must change
together when one is added (bot/match/matcher.py's docstring lists them): the parser,
the reference meaning (bot/match/reference.py), the matcher's yes/no test and hits, the
index plan (bot/match/plan.py) and its FTS5 translation (bot/store/fts.py).

The node types are read from bot/match/ast.py, not listed here: a new one fails
`test_every_node_type_has_samples` until SAMPLES has queries with it, and then each
place that does not handle it fails its own test below."""

from __future__ import annotations

import dataclasses
import inspect
import sqlite3
import typing
from collections import Counter

import pytest

import bot.match.ast as ast_module
import bot.match.matcher as matcher_module
from bot.match.ast import And, Filter, Node, Not, Or, Term
from bot.match.matcher import CompiledQuery, Document, Matcher, Topic, build_document
from bot.match.plan import UnsearchableQuery, plan_query
from bot.match.query import parse_query
from bot.match.reference import evaluate
from bot.store.fts import match_expression

# Every class bot/match/ast.py defines is a node (the module holds nothing else).
NODE_TYPES = sorted(
    (
        cls
        for _, cls in inspect.getmembers(ast_module, inspect.isclass)
        if cls.__module__ == ast_module.__name__
    ),
    key=lambda cls: cls.__name__,
)
NAMES = [cls.__name__ for cls in NODE_TYPES]

# Node type → queries with a node of that type, each with whether its index plan is
# exact (nothing loosened). Each query matches some of DOCS and misses others.
SAMPLES: dict[str, list[tuple[str, bool]]] = {
    "Term": [
        ("asylum", True),
        ("migra*", True),
        ("=MPP", False),
        ("title:asilo", True),
        ("migrant~", False),
        ("title:officer~", False),
    ],
    "Phrase": [
        ('"remain in mexico"', True),
        ('="Remain in Mexico"', False),
        ('body:"lunatic asylum"', True),
    ],
    "Near": [
        ("mpp NEAR/3 asylum", True),
        ("migrant* NEAR/2 (court OR =MPP)", False),
        ("migrant~ NEAR/2 court", False),
    ],
    "And": [("asylum officers", True), ("asylum AND mexico", True)],
    "Or": [("asylum OR asilo", True), ('"credible fear" OR court*', True)],
    "Not": [("asylum NOT lunatic", True), ("(asylum OR asilo) NOT (mpp NEAR/2 asylum)", True)],
    "Filter": [("(asylum OR asilo) lang:es", True), ('mexico feed:"Border Report"', True)],
}

DOCS = [
    build_document(
        "Asylum officers in Mexico",
        "Remain in Mexico: the MPP policy sent migrants back",
        language="en",
        feed="Border Report",
    ),
    build_document(
        "Asilo", "los oficiales de asilo en México; migración", language="es", feed="El Diario"
    ),
    build_document("Court news", "the lunatic asylum closed; a migrant court ruled", language="en"),
    build_document("", "mpp asylum: remain in mexico, credible fear"),
    build_document("Nothing", "at all", language="es"),
]


def samples(name: str) -> list[tuple[str, bool]]:
    assert SAMPLES.get(name), f"no sample query for the node type {name} (add it to SAMPLES)"
    return SAMPLES[name]


def node_types_in(node: object) -> set[type]:
    """The types of the node and of every node inside it (through any field)."""
    if isinstance(node, tuple):
        return {t for item in node for t in node_types_in(item)}
    if not dataclasses.is_dataclass(node):
        return set()
    found = {type(node)}
    for field in dataclasses.fields(node):
        found |= node_types_in(getattr(node, field.name))
    return found


def test_the_node_types_are_the_node_union():
    assert NODE_TYPES, "no node type found in bot/match/ast.py"
    assert all(dataclasses.is_dataclass(cls) for cls in NODE_TYPES)
    assert set(NODE_TYPES) == set(typing.get_args(Node))
    assert set(SAMPLES) <= set(NAMES), "SAMPLES names a node type ast.py no longer has"


@pytest.mark.parametrize("name", NAMES)
def test_every_node_type_has_samples(name):
    node_type = getattr(ast_module, name)
    for text, _ in samples(name):
        assert node_type in node_types_in(parse_query(text)), text


@pytest.mark.parametrize("name", NAMES)
def test_the_matcher_agrees_with_the_reference(name):
    for text, _ in samples(name):
        query = CompiledQuery(text)
        matcher = Matcher([Topic("t", text)])
        verdicts = []
        for doc in DOCS:
            expected = evaluate(query.node, doc)
            verdicts.append(expected is not None)
            assert query.test(doc) is (expected is not None), text
            hits = query.hits(doc)
            assert (hits is None) is (expected is None), text
            if hits is not None:
                assert Counter(hits) == Counter(expected), text  # the order does not count
            assert (query.evaluate(doc) is None) is (expected is None), text
            assert bool(matcher.match(doc)) is (expected is not None), text
        assert any(verdicts) and not all(verdicts), f"{text}: DOCS should match and miss it"


def holds(node: Node, doc: Document) -> bool:
    return evaluate(node, doc) is not None


@pytest.fixture(scope="module")
def fts5():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, extra)")
    yield conn
    conn.close()


@pytest.mark.parametrize("name", NAMES)
def test_the_plan_and_its_fts5_expression(fts5, name):
    """The plan finds a superset of the matches (by the reference, on DOCS), exactly
    them when it says so, holds only node types, and renders to an expression FTS5
    reads."""
    for text, exact in samples(name):
        node = parse_query(text)
        plan = plan_query(node)
        assert plan.exact is exact, text
        assert node_types_in(plan.text) <= set(NODE_TYPES), text
        for doc in DOCS:
            planned = (
                holds(plan.text, doc)
                and all(holds(f, doc) for f in plan.filters)
                and not any(holds(f, doc) for f in plan.excluded)
            )
            if holds(node, doc):
                assert planned, (text, doc.title.text)
            elif exact:
                assert not planned, (text, doc.title.text)
        expression = match_expression(plan.text)
        assert isinstance(expression, str) and expression, text
        fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()


@pytest.mark.parametrize(
    "node",
    [
        Not(Term("mexico")),
        Filter("lang", "es"),
        Not(Filter("feed", "x")),
        And((Not(Term("mexico")), Filter("lang", "es"))),
        Or((Term("mexico"), Filter("lang", "es"))),
    ],
)
def test_the_plan_refuses_queries_without_a_word_to_look_up(node):
    with pytest.raises(UnsearchableQuery):
        plan_query(node)


@dataclasses.dataclass(frozen=True)
class Unknown:
    """A node type none of the places knows."""

    word: str = "asylum"


UNKNOWN_INSIDE = [Unknown(), And((Term("asylum"), Unknown())), Or((Term("asylum"), Unknown()))]


@pytest.mark.parametrize("node", UNKNOWN_INSIDE)
def test_the_reference_refuses_an_unknown_node(node):
    with pytest.raises(TypeError, match="unknown query node"):
        evaluate(node, DOCS[0])


@pytest.mark.parametrize("node", UNKNOWN_INSIDE)
def test_the_matcher_refuses_an_unknown_node(monkeypatch, node):
    """Compiling it fails (the hits' compiler raises; the yes/no test's would take it
    for a filter, and `_needs` for a node that needs nothing)."""
    monkeypatch.setattr(matcher_module, "parse_query", lambda text: node)
    with pytest.raises(TypeError, match="unknown query node"):
        CompiledQuery("unknown")


@pytest.mark.parametrize("node", UNKNOWN_INSIDE)
def test_the_fts5_translation_refuses_an_unknown_node(node):
    with pytest.raises(ValueError, match="cannot render"):
        match_expression(node)


def test_the_plan_keeps_an_unknown_node_from_the_index():
    """The plan takes a node it does not know for one it cannot look up: alone it is
    refused, beside a word it is dropped (a superset) and the plan is not exact."""
    with pytest.raises(UnsearchableQuery):
        plan_query(Unknown())
    with pytest.raises(UnsearchableQuery):
        plan_query(Or((Term("asylum"), Unknown())))
    plan = plan_query(And((Term("asylum"), Unknown())))
    assert plan.text == Term("asylum") and not plan.exact
