"""The matcher's fast paths give what the plain definitions give: Latin-1 tokenizing by
translate (and the general path beyond it), word positions and offsets found on demand,
the prefix scan, and the inverted index that picks the topics worth evaluating."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.match.matcher as matcher_module
from bot.match.matcher import CompiledQuery, Field, Matcher, Topic, TopicIndex, build_document
from bot.match.reference import evaluate
from bot.match.text import WORD, exact_words, fold, fold_text, split_words
from tests.match_samples import QUERIES, WORDS

# Latin-1 letters, digits and punctuation, the irregular ones (ß µ ½), typographic
# punctuation and a few other scripts.
LATIN_1 = "aAeEnNoOzZ09 _-.,;:'\"()\n\t\xa0éÉñÑüÜçÇøØæÆªº²¹ÿ¿¡«»·ßµ½¼¾"
OTHERS = ["’", "“", "”", "—", "…", "ł", "Ş", "İ", "ς", "Σ", "ﬁ", "キ", "\u0301", "①"]
ALPHABET = st.sampled_from([*LATIN_1, *OTHERS])
TEXTS = st.text(ALPHABET, max_size=120) | st.text(max_size=60)


def reference_words(text: str) -> list[str]:
    return [fold(w) for w in WORD.findall(text)]


@settings(max_examples=500)
@given(TEXTS)
def test_fold_text_is_word_by_word_folding(text):
    folded = fold_text(text)
    if folded is not None:
        assert len(folded) == len(text)
        assert folded.split() == reference_words(text)
        assert [m.span() for m in WORD.finditer(folded)] == [m.span() for m in WORD.finditer(text)]
    assert exact_words(text) == split_words(text)


def test_fold_text_takes_the_general_path_beyond_latin_1():
    assert fold_text("Quédate en México, ¡AÑO 2º!") == "quedate en mexico   ano 2o "
    for text in ("Kyiv’s straße", "5 µm", "½ cup", "Łódź", "ΣΣ “quoted”", "キ—"):
        assert fold_text(text) is None
    assert Field("Kyiv’s STRASSE straße").folded == ["kyiv", "s", "strasse", "strasse"]


def test_punctuation_beyond_latin_1_keeps_the_fast_path():
    """Real text is full of typographic quotes and dashes: they separate words, as any
    punctuation does, without sending the text word by word."""
    text = "Officials’ “Remain in Mexico” plan — “¿Quédate?” … • 2º"
    folded = fold_text(text)
    assert folded is not None and len(folded) == len(text)
    assert folded.split() == ["officials", "remain", "in", "mexico", "plan", "quedate", "2o"]
    assert exact_words(text) == split_words(text)
    assert Field(text).padded is not None


@settings(max_examples=300)
@given(TEXTS)
def test_positions_and_offsets_on_demand(text):
    field = Field(text)
    assert field.folded == reference_words(text)
    assert field.words == split_words(text)
    spans = [m.span() for m in WORD.finditer(text)]
    for position, word in enumerate(field.folded):
        assert position in field.pos(word)
        assert field.span(position, position) == spans[position]
    for word in set(field.folded):
        assert field.pos(word) == [i for i, w in enumerate(field.folded) if w == word]
    for word in set(field.words):
        assert field.exact_pos(word) == [i for i, w in enumerate(field.words) if w == word]
    if spans:
        assert field.span(0, len(spans) - 1) == (spans[0][0], spans[-1][1])


@settings(max_examples=300)
@given(TEXTS, st.data())
def test_phrases_and_positions_of_many_words_are_their_definitions(text, data):
    field = Field(text)
    words = field.folded
    if words:  # phrases of words the text has, and of words following one another
        start = data.draw(st.integers(0, len(words) - 1))
        length = data.draw(st.integers(2, 4))
        picked = data.draw(st.lists(st.sampled_from(words), min_size=2, max_size=3))
        for phrase in (tuple(words[start : start + length]), tuple(picked)):
            if len(phrase) < 2:
                continue
            starts = [i for i in range(len(words)) if tuple(words[i : i + len(phrase)]) == phrase]
            needle = f" {' '.join(phrase)} "
            assert Field(text).phrase_starts(phrase, False, needle) == starts
            assert Field(text).has_phrase(phrase, False, needle) is bool(starts)
    wanted = set(words[::2]) | {"zzz"}
    field.positions_of(wanted)
    for word in wanted:
        assert field.pos(word) == [i for i, w in enumerate(words) if w == word]


def test_a_phrase_across_punctuation_and_repeated_words():
    field = Field("Migrant, migrant — shelter; the shelter in Tijuana. Migrant")
    assert field.has_phrase(("migrant", "shelter"), False, " migrant shelter ")
    assert field.phrase_starts(("migrant", "shelter"), False, " migrant shelter ") == [1]
    assert field.has_phrase(("tijuana", "migrant"), False, " tijuana migrant ")
    assert not field.has_phrase(("migrant", "tijuana"), False, " migrant tijuana ")
    assert not field.has_phrase(("migrant", "migrant", "migrant"), False, "")


@settings(max_examples=200)
@given(TEXTS)
def test_words_starting_a_prefix_scanned_then_bisected(text):
    field = Field(text)
    prefixes = sorted({w[:n] for w in field.folded for n in (1, 2, 3)} | {"zz", "a", "ñ"})
    for prefix in prefixes * 2:  # past PREFIX_SCANS: the sorted words answer
        expected = sorted({w for w in field.folded if w.startswith(prefix)})
        assert field.words_starting(prefix) == expected
        assert field.has_prefix(prefix) is bool(expected)


def test_snippet_offsets_beyond_latin_1():
    body = "Officials’ “Remain in Mexico” plan — straße, again: remain in Mexico."
    (match,) = Matcher([Topic("t", '"remain in mexico" OR strasse')]).match(
        build_document("News", body)
    )
    assert [match.snippet[a:b] for a, b in match.highlights] == [
        "Remain in Mexico",
        "straße",
        "remain in Mexico",
    ]


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("deport*", "Deportations rose", True),
        ("deport*", "They were redeported", False),  # the start of a word only
        ("deport*", "deport", True),
        ("deporta*", "deportees", False),
        ("deporta* OR natur*", "Naturalización", True),
        ("naturaliz*", "naturalizacion", True),
        ("naturaliz*", "natural", False),
        ("migr* NEAR/2 court", "the migrant court", True),
        ("=Migr*", "the migrant court", False),
        ("=Migr*", "Migrant court", True),
        ("title:asil*", "asilo", False),  # the text here is the body
        ("body:asil*", "asilo", True),
        ("kyi*", "Kyiv’s", True),  # the general path
        ("stra*", "Straße", True),
    ],
)
def test_prefix_terms(query, text, expected):
    matcher = Matcher([Topic("t", query)])
    assert bool(matcher.match(build_document("", text))) is expected


def test_overlapping_prefixes_of_many_topics():
    prefixes = ["dep", "depor", "deport", "deporta", "naturaliz", "natur", "remit", "remes"]
    matcher = Matcher([Topic(p, f"{p}* OR zzz") for p in prefixes])
    found = [m.topic for m in matcher.match(build_document("Deportaciones", "naturales"))]
    assert found == ["dep", "depor", "deport", "deporta", "natur"]
    assert matcher._index.prefix_match.__self__.pattern.startswith("(?:")


def test_index_files_alternatives_under_their_rarest_word():
    matcher = Matcher(
        [
            Topic("mpp", '"remain in mexico" OR "wait in mexico"'),
            Topic("mx", '"in mexico" title:border'),
        ]
    )
    index = matcher._index
    # an AND needs all its items: "in mexico" and border, filed under border, not "in"
    assert set(index.by_word) == {"remain", "wait", "border"}
    assert index.by_word["border"] == [(1, ("in", "mexico"), frozenset())]  # the other words
    doc = build_document("Wait in Mexico", "title:border is not in the title")
    assert index.candidates(doc) == [0, 1]  # what a topic needs, not all it asks
    assert [m.topic for m in matcher.match(doc)] == ["mpp"]
    assert index.candidates(build_document("Border", "life in Canada")) == []
    assert index.candidates(build_document("Remain", "in Canada")) == []
    # a short word is in nearly every article: the longer one, though more shared
    index = Matcher([Topic("a", '"in mexico"'), Topic("b", "mexico OR tijuana")])._index
    assert set(index.by_word) == {"mexico", "tijuana"}


def test_needs_of_and_near_combine_while_few():
    from bot.match.matcher import MAX_NEEDS

    near = CompiledQuery("(shelter OR shelters) NEAR/5 (tijuana OR juarez) lang:es")
    assert sorted(sorted(words) for words, _ in near.needs) == [
        ["juarez", "shelter"], ["juarez", "shelters"], ["shelter", "tijuana"],
        ["shelters", "tijuana"],
    ]  # fmt: skip
    assert CompiledQuery("migra* asylum").needs == [(frozenset({"asylum"}), frozenset({"migra"}))]
    many = " OR ".join(f"w{i}" for i in range(MAX_NEEDS))
    assert len(CompiledQuery(f"({many}) (a OR b)").needs) == 2  # the fewer alternatives


def test_topics_that_need_nothing_are_always_candidates():
    index = TopicIndex([None, [(frozenset({"asylum"}), frozenset())], None])
    assert index.candidates(build_document("nothing", "at all")) == [0, 2]
    assert index.candidates(build_document("asylum", "")) == [0, 1, 2]


TENT_COURTS = (
    '(tent OR tents OR carpa OR carpas OR "tiendas de campaña") NEAR/5 (court* OR corte'
    " OR cortes OR tribunal* OR audiencia* OR hearing*) AND (migrant* OR asylum OR asilo)"
)
# Queries whose ANDs and NEARs have more alternatives together than MAX_NEEDS (the
# shipped topics' shape): what a match needs keeps only some of their items.
LARGE = [
    TENT_COURTS,
    "(asylum OR asilo) AND ((asylum OR asilo) NEAR/4 (seek* OR claim* OR officer* OR court*"
    " OR hearing* OR judge OR juez OR border OR frontera OR migrant* OR case* OR caso*))"
    " AND (mexico OR texas OR tijuana OR =US OR border OR courts OR remain OR the)",
    "(return* OR deport* OR sent OR regres* OR devuel*) NEAR/10 (mexico OR tijuana OR juarez"
    " OR border OR méxico) AND (wait* OR esper*) NEAR/8 (hearing* OR court* OR audiencia*"
    " OR judge OR juez OR case* OR the OR in)",
]
LARGE_WORDS = [*WORDS, "tent", "tents", "carpa", "Court", "audiencias", "returned", "waiting",
               "esperar", "Tijuana", "Texas", "US", "us", "seekers", "claims", "judge", "sent",
               "regresados", "juez", "case"]  # fmt: skip


def test_needs_past_the_limit_keep_the_items_least_likely_met():
    needs = CompiledQuery(TENT_COURTS).needs
    assert needs is not None and len(needs) == 30  # a tent word and a court word, each
    assert all(len(words) + len(prefixes) >= 2 for words, prefixes in needs)
    assert not any({"asylum", "asilo", "migrant"} & (words | prefixes) for words, prefixes in needs)
    matcher = Matcher([Topic("tents", TENT_COURTS)])
    assert matcher._index.candidates(build_document("Asylum seekers", "migrants in court")) == []
    doc = build_document("Tent courts", "Asylum seekers' hearings in tents at the border")
    assert [m.topic for m in matcher.match(doc)] == ["tents"]


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(LARGE_WORDS), max_size=8),
    st.lists(st.sampled_from(LARGE_WORDS), max_size=40),
    st.sampled_from([None, "en", "es"]),
)
def test_needs_past_the_limit_never_drop_a_match(title, body, language):
    doc = build_document(" ".join(title), " ".join(body), language=language)
    topics = [Topic(str(i), q) for i, q in enumerate(LARGE)]
    found = [m.topic for m in Matcher(topics).match(doc)]
    expected = [
        str(i) for i, q in enumerate(LARGE) if evaluate(CompiledQuery(q).node, doc) is not None
    ]
    assert found == expected


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(WORDS), max_size=8),
    st.lists(st.sampled_from(WORDS), max_size=30),
    st.sampled_from([None, "en", "es"]),
)
def test_the_index_never_changes_what_matches(title, body, language):
    topics = [Topic(str(i), q, exclude="lunatic" if i % 2 else None) for i, q in
              enumerate(QUERIES)]  # fmt: skip
    indexed = Matcher(topics)
    with pytest.MonkeyPatch.context() as patch:  # no needs: every topic evaluated
        patch.setattr(matcher_module, "_needs", lambda node: None)
        everything = Matcher(topics)
    assert everything._index.always == list(range(len(topics)))

    def doc():  # one each: the index leaves what it found out on the document
        return build_document(" ".join(title), " ".join(body), language=language)

    assert indexed.match(doc()) == everything.match(doc())


def test_prefixes_the_index_found_absent_are_not_scanned_for():
    matcher = Matcher([Topic("d", "deport* NEAR/3 mexic*"), Topic("n", "natur* OR zzz")])
    doc = build_document("Deported to Mexico", "by nature")
    assert doc.may_start("deport")  # nothing known yet
    assert [m.topic for m in matcher.match(doc)] == ["d", "n"]
    assert doc.prefixes is not None
    assert doc.may_start("deport") and doc.may_start("mexic") and doc.may_start("natur")
    assert doc.may_start("asyl")  # not the index's: it cannot say
    doc = build_document("Deported", "to Guatemala")
    assert matcher.match(doc) == [] and not doc.may_start("mexic")
    assert not doc.has_prefix("mexic") and not doc.has_prefix("natur")


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(WORDS), max_size=8),
    st.lists(st.sampled_from(WORDS), max_size=30),
    st.sampled_from([None, "en", "es"]),
)
def test_compiled_hits_are_the_definitions(title, body, language):
    from collections import Counter

    more = [
        "asylum OR asylum OR (asylum NOT mexico)",
        '"in in" OR "in in in"',
        "(asylum OR migrants) NEAR/2 (mexico OR in)",
        "in NEAR/1 in",
        "(remain OR mexico) NEAR/3 (mexico OR the) NOT (asylum NEAR/1 asylum)",
        # an OR's plain prefixes, looked up together (repeated, one inside another)
        "migra* OR migr* OR migra* OR mexic* OR asylum OR court*",
        '(asyl* OR migr* OR "in mexico") NEAR/2 (mex* OR in OR remain* OR court* OR =MPP)',
        "(dep* OR ofi* OR audienc* OR title:hea*) NOT (lunat* OR xyz*)",
    ]
    for text in [*QUERIES, *more]:
        query = CompiledQuery(text)
        doc = build_document(" ".join(title), " ".join(body), language=language)
        expected = evaluate(query.node, doc)
        assert query.test(doc) is (expected is not None)
        hits = query.hits(doc)
        assert (hits is None) is (expected is None)
        if hits is not None:
            assert Counter(hits) == Counter(expected)  # the order does not count


def test_the_prefixes_of_words_seen_before_are_remembered(monkeypatch):
    matcher = Matcher([Topic("d", "deport* OR zzz"), Topic("n", "natur* OR zzz")])
    index = matcher._index
    first = build_document("Deportations", "natural")
    assert index.prefixes(first) == {"deport", "natur"}
    known = index.known
    assert {"deportations", "natural"} <= set(known)
    assert known["deportations"] == (None, frozenset({"deport"}))
    assert index.prefixes(build_document("", "natural deportees")) == {"deport", "natur"}
    assert index.prefixes(build_document("", "unnatural")) == set()
    assert known["unnatural"] is None
    monkeypatch.setattr(matcher_module, "MAX_KNOWN_WORDS", 6)  # full: it starts over
    doc = build_document("Deported", "by nature, deportees")  # "deportees" seen before
    assert [m.topic for m in matcher.match(doc)] == ["d", "n"]
    assert len(index.known) <= 6 and index.known is not known
    assert index.prefixes(build_document("", "natural deportees")) == {"deport", "natur"}
