"""The reference meaning of the query language: which articles a parsed query
(bot/match/ast.py) matches, and where (its hits), defined once, node by node.

It is slow and plain on purpose: every word is compared one by one with the field's
words (folded, or as written for `=EXACT`), a phrase is consecutive words, NEAR tries
every pair of hits. Nothing in the bot runs it: it is the tests' oracle. The matcher's
fast forms (bot/match/matcher.py: `_tester`, the yes/no test; `_hitter`, the hits; the
quick reject `_needs` and the topic index, which may only let too much through) must
agree with it, and the tests hold them to it (tests/test_match_fast.py,
tests/test_matcher.py, tests/test_query_operators.py). When the two disagree, this
module says what a query means.

A Document is the matcher's tokenized article (bot.match.matcher.build_document): only
its fields' word lists and its language and feed are read here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.text import stems

if TYPE_CHECKING:
    from bot.match.matcher import Document, Field, Hit


def evaluate(node: Node, doc: Document) -> list[Hit] | None:
    """The hits of a node in the document, None when it does not match. A hit is (field,
    first word position, last word position); a match may have no hits (NOT, filters).
    The order of the hits means nothing."""
    if isinstance(node, Term):
        hits = [(name, p, p) for name, f in doc.fields(node.field) for p in _term_at(node, f)]
        return hits or None
    if isinstance(node, Phrase):
        hits = [
            (name, start, start + len(node.words) - 1)
            for name, f in doc.fields(node.field)
            for start in _phrase_at(node, f)
        ]
        return hits or None
    if isinstance(node, Or):
        found = [hits for item in node.items if (hits := evaluate(item, doc)) is not None]
        return [h for hits in found for h in hits] if found else None
    if isinstance(node, And):
        collected: list[Hit] = []
        for item in node.items:
            hits = evaluate(item, doc)
            if hits is None:
                return None
            collected.extend(hits)
        return collected
    if isinstance(node, Not):
        return None if evaluate(node.item, doc) is not None else []
    if isinstance(node, Near):
        left, right = evaluate(node.left, doc), evaluate(node.right, doc)
        return (_near(left, right, node.distance) if left and right else []) or None
    if isinstance(node, Filter):
        actual = doc.language if node.name == "lang" else doc.feed
        return [] if actual and actual.casefold() == node.value.casefold() else None
    raise TypeError(f"unknown query node {node!r}")


def _term_at(term: Term, field: Field) -> list[int]:
    """The positions of the words the term is: equal to it (or starting with it, for a
    prefix; with its English or its Spanish stem, for word forms), folded or as written."""
    words = field.words if term.exact else field.folded
    if term.stem:
        english, spanish = stems(term.word)
        return [
            i
            for i, word in enumerate(words)
            if stems(word)[0] == english or stems(word)[1] == spanish
        ]
    if term.prefix:
        return [i for i, word in enumerate(words) if word.startswith(term.word)]
    return [i for i, word in enumerate(words) if word == term.word]


def _phrase_at(phrase: Phrase, field: Field) -> list[int]:
    """The positions where the phrase's words follow one another."""
    words = field.words if phrase.exact else field.folded
    wanted = list(phrase.words)
    return [i for i in range(len(words)) if words[i : i + len(wanted)] == wanted]


def _near(left: list[Hit], right: list[Hit], distance: int) -> list[Hit]:
    """Both hits of each pair of a left and a right hit at most `distance` words apart in
    one field: adjacent words are 1 apart, overlapping spans 0."""
    hits: list[Hit] = []
    for field, start, end in left:
        for other, right_start, right_end in right:
            if other == field and max(right_start - end, start - right_end, 0) <= distance:
                hits += [(field, start, end), (other, right_start, right_end)]
    return hits
