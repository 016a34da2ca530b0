"""The index finds a superset of what the matcher matches, on any text: hyphens,
apostrophes, digits, accents (composed and decomposed), ß, ligatures, full-width and
superscript forms. And when a plan is exact, it finds exactly the matches of the
articles it reads like the matcher (unmarked)."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.match.ast import And, Near, Or, Phrase, Term
from bot.match.matcher import CompiledQuery, build_document
from bot.match.plan import UnsearchableQuery, plan_query
from bot.match.query import QueryError
from bot.store import fts

WORDS = [
    "asylum", "Asylum", "ASYLUM", "asylums", "méxico", "Mexico", "MEXICO", "me\u0301xico",
    "straße", "strasse", "1º", "1o", "don", "t", "co", "op", "ﬁnance", "finance", "ＭＰＰ",
    "mpp", "MPP", "niño", "nino", "Niño", "café", "cafe", "42", "h₂o", "Ⅻ", "xii", "l",
    "asile", "São", "sao", "ø", "o", "Øresund", "æ", "İstanbul", "remain", "in", "court",
    "courts", "courthouse", "x", "y",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "-", ", ", "'", "’", "\n", "_", ". ", "·", "\u00ad", "\u0301 "]


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT"
        " NULL, content TEXT NOT NULL DEFAULT '', search_extra TEXT NOT NULL DEFAULT '')"
    )
    for statement in fts.CREATE:
        conn.execute(statement)
    # The store indexes what it inserts (fts.fts_index_new); these tests insert
    # rows by hand, so a trigger indexes them (same columns, same tokenizer).
    conn.execute(fts.INSERT_TRIGGER)
    yield conn
    conn.close()


@st.composite
def texts(draw, max_words=8):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=max_words))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip()


@st.composite
def queries(draw):
    def word():
        w = draw(st.sampled_from(WORDS))
        kind = draw(st.sampled_from(["plain", "plain", "exact", "prefix"]))
        if kind == "exact":
            return "=" + w
        if kind == "prefix" and len(w) >= 3:
            return w[:3] + "*"
        return w

    def operand():
        kind = draw(st.sampled_from(["word", "word", "phrase", "or"]))
        if kind == "phrase":
            return (
                '"' + " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=3))) + '"'
            )
        if kind == "or":
            return f"({word()} OR {word()})"
        return word()

    shape = draw(st.sampled_from(["one", "and", "or", "not", "near", "field", "phrase"]))
    if shape == "one":
        return operand()
    if shape == "and":
        return f"{operand()} {operand()}"
    if shape == "or":
        return f"{operand()} OR {operand()}"
    if shape == "not":
        return f"{operand()} NOT {operand()}"
    if shape == "near":
        return f"{operand()} NEAR/{draw(st.integers(1, 4))} {operand()}"
    if shape == "phrase":
        return operand()
    return f"{draw(st.sampled_from(['title:', 'body:']))}{operand()} {operand()}"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(docs=st.lists(st.tuples(texts(4), texts(10)), min_size=1, max_size=6), query=queries())
def test_index_finds_every_match_and_exactly_them_when_exact(db, docs, query):
    try:
        compiled = CompiledQuery(query)
        plan = plan_query(compiled.node)
    except (QueryError, UnsearchableQuery):
        return
    db.execute("DELETE FROM articles")
    rows = [(i + 1, t, b, fts.extra_terms(t, b)) for i, (t, b) in enumerate(docs)]
    db.executemany("INSERT INTO articles (id, title, summary, search_extra) VALUES (?,?,?,?)", rows)
    expression = fts.match_expression(plan.text)
    found = {r[0] for r in db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                                      (expression,))}  # fmt: skip
    matched = {
        i + 1
        for i, (t, b) in enumerate(docs)
        if compiled.evaluate(build_document(t, b)) is not None
    }
    assert matched <= found, (query, expression)
    if plan.exact and fts.renders_exactly(plan.text):
        unmarked = {row[0] for row in rows if not row[3]}
        assert found & unmarked == matched & unmarked, (query, expression)


CASES = [
    # (title, body, query): the matcher matches; so must the index.
    ("Remain-in-Mexico", "", '"remain in mexico"'),
    ("don't", "", '"don t"'),
    ("asylum_seekers", "", '"asylum seekers"'),
    ("COVID-19 rules", "", '"covid 19"'),
    ("l’asile", "", "asile"),
    ("Straße", "", "strasse"),
    ("Me\u0301xico", "", "xico"),
    ("2ª vuelta", "", '"2a vuelta"'),
    ("ﬁnance", "", "finance"),
    ("ＭＰＰ", "", "mpp"),
    ("x²", "", "x2"),
    ("", "summary ends remain\nin mexico", '"remain in mexico"'),
    ("Ⅻ", "", "xii"),
]


@pytest.mark.parametrize(("title", "body", "query"), CASES, ids=[c[2] + "|" + c[0] for c in CASES])
def test_tokenizer_mismatches_stay_found(db, title, body, query):
    compiled = CompiledQuery(query)
    assert compiled.evaluate(build_document(title, body)) is not None
    db.execute("DELETE FROM articles")
    db.execute("INSERT INTO articles (id, title, summary, search_extra) VALUES (1, ?, ?, ?)",
               (title, body, fts.extra_terms(title, body)))  # fmt: skip
    expression = fts.match_expression(plan_query(compiled.node).text)
    assert db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                      (expression,)).fetchall() == [(1,)]  # fmt: skip


def test_every_ascii_character_reads_alike():
    assert all(fts.is_agreed_word(chr(c)) for c in range(128))
    assert fts.extra_terms("plain ASCII text, with-hyphens & don't 42") == ""


@pytest.mark.parametrize(
    ("node", "exact"),
    [
        (Near(Term("credible"), Term("fear"), 3), True),
        (Near(Phrase(("credible", "fear")), Or((Term("officer"), Term("officers"))), 5), True),
        (Near(Term("court", prefix=True), Term("judge"), 3), False),  # a prefix may overlap
        (Near(Term("fear"), Phrase(("fear", "itself")), 3), False),  # a shared word
        (And((Term("a1"), Term("b1"))), True),
    ],
)
def test_which_renderings_are_exact(node, exact):
    assert fts.renders_exactly(node) is exact
