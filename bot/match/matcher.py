"""Compiled topics, matched against articles: which topics, how strongly, and where.

An article is tokenized once into a Document (folded words with positions, per field);
every topic is then evaluated on it. A topic whose words are all absent from the
article is rejected by one set test before its query is looked at, so most of the 50
topics of a busy team cost almost nothing per article. Matching time is linear in the
article's length: term look-ups are dictionary hits, phrases and NEAR walk the sorted
positions of their words, and no regular expression is ever built from a query.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.query import parse_query
from bot.match.text import WORD, fold

TITLE_WEIGHT = 3.0
SNIPPET_CHARS = 200

Hit = tuple[str, int, int]  # field, first word position, last word position


class Field:
    """One field of an article (title or body) as words with positions."""

    def __init__(self, text: str):
        self.text = text
        self.words = WORD.findall(text)
        if text.isascii():
            self.folded = WORD.findall(text.lower())  # ASCII lower keeps the words aligned
        else:
            self.folded = [fold(w) for w in self.words]
        index: dict[str, list[int]] = {}
        for position, word in enumerate(self.folded):
            index.setdefault(word, []).append(position)
        self.index = index

    @cached_property
    def exact_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for position, word in enumerate(self.words):
            index.setdefault(word, []).append(position)
        return index

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Character offsets of each word, for snippets."""
        return [m.span() for m in WORD.finditer(self.text)]

    @cached_property
    def sorted_words(self) -> list[str]:
        return sorted(self.index)

    @cached_property
    def sorted_exact(self) -> list[str]:
        return sorted(self.exact_index)

    def prefixed(self, term: Term) -> list[str]:
        """The distinct words starting with the term's prefix (a bisect, not a scan)."""
        words = self.sorted_exact if term.exact else self.sorted_words
        start = bisect_left(words, term.word)
        found = []
        for word in words[start:]:
            if not word.startswith(term.word):
                break
            found.append(word)
        return found

    def has(self, term: Term) -> bool:
        """Whether the term occurs at all: the cheap test of the first pass."""
        if term.prefix:
            return bool(self.prefixed(term))
        return term.word in (self.exact_index if term.exact else self.index)

    def positions(self, term: Term) -> list[int]:
        index = self.exact_index if term.exact else self.index
        if term.prefix:
            return sorted(p for word in self.prefixed(term) for p in index[word])
        return index.get(term.word, [])


@dataclass
class Document:
    """An article, tokenized once for every topic."""

    title: Field
    body: Field
    language: str | None = None
    feed: str | None = None
    vocabulary: frozenset[str] = field(init=False)

    def __post_init__(self):
        self.vocabulary = frozenset(self.title.index) | frozenset(self.body.index)

    @cached_property
    def stems(self) -> frozenset[str]:
        """The first 3 letters of each word: the quick reject of prefix terms."""
        return frozenset(w[:3] for w in self.vocabulary)

    def fields(self, name: str | None) -> Iterable[tuple[str, Field]]:
        if name != "body":
            yield "title", self.title
        if name != "title":
            yield "body", self.body


def build_document(
    title: str,
    summary: str = "",
    content: str = "",
    *,
    language: str | None = None,
    feed: str | None = None,
) -> Document:
    """Tokenize an article once: the title, and summary plus full text as the body."""
    body = f"{summary}\n{content}" if content and content != summary else summary
    return Document(Field(title), Field(body), language, feed)


@dataclass(frozen=True)
class Match:
    """A topic matched: score, a snippet, and the hits as (start, end) offsets in it."""

    topic: str
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Topic:
    """A topic as the matcher needs it (built from feeds.yaml's topics)."""

    id: str
    query: str
    exclude: str | None = None
    languages: tuple[str, ...] = ()


class CompiledQuery:
    """A parsed query plus the words any match needs one of (the quick reject)."""

    def __init__(self, text: str):
        self.text = text
        self.node = parse_query(text)
        words, stems = set(), set()
        _collect_words(self.node, words, stems)
        self.words = frozenset(words)
        self.stems = frozenset(stems)
        # Sets of words one of which must be wholly present (a phrase needs all its words,
        # "in" alone does not let "remain in mexico" through); None: no such rule.
        self.needs = _needs(self.node)
        self.test = _tester(self.node)

    def could_match(self, doc: Document) -> bool:
        if self.needs is not None:
            return any(need <= doc.vocabulary for need in self.needs)
        if not self.words.isdisjoint(doc.vocabulary):
            return True
        return bool(self.stems) and not self.stems.isdisjoint(doc.stems)

    def evaluate(self, doc: Document) -> list[Hit] | None:
        """The hits when the query matches the document; None when it does not.

        A yes/no pass that stops at the first decisive operand comes first; the hits
        (for score and snippet) are collected only for the few articles that match.
        """
        if not self.could_match(doc) or not self.test(doc):
            return None
        return _eval(self.node, doc)


class Matcher:
    """Every topic, compiled once; `match` finds which ones an article belongs to."""

    def __init__(self, topics: Iterable[Topic]):
        self.topics = [
            (
                topic,
                CompiledQuery(topic.query),
                CompiledQuery(topic.exclude) if topic.exclude else None,
            )
            for topic in topics
        ]

    def match(self, doc: Document) -> list[Match]:
        found = []
        for topic, query, exclude in self.topics:
            if topic.languages and doc.language not in topic.languages:
                continue
            hits = query.evaluate(doc)
            if hits is None:
                continue
            if exclude is not None and exclude.evaluate(doc) is not None:
                continue
            found.append(describe(topic.id, hits, doc))
        return found


def describe(topic_id: str, hits: list[Hit], doc: Document) -> Match:
    """Score and snippet of a match."""
    snippet, highlights = make_snippet(hits, doc)
    return Match(topic_id, score(hits, doc), snippet, highlights)


def score(hits: list[Hit], doc: Document) -> float:
    """Title hits weigh more; each distinct matched word counts, repeats a little."""
    best: dict[str, float] = {}
    for field_name, start, end in hits:
        source = doc.title if field_name == "title" else doc.body
        weight = TITLE_WEIGHT if field_name == "title" else 1.0
        key = " ".join(source.folded[start : end + 1])
        best[key] = max(best.get(key, 0.0), weight)
    repeats = max(0, len(hits) - len(best))
    return round(sum(best.values()) + 0.1 * min(repeats, 10), 2)


def make_snippet(hits: list[Hit], doc: Document) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About SNIPPET_CHARS of the body around its densest cluster of hits (the title when
    only the title matched), with hit offsets relative to the snippet."""
    body_hits = sorted({(s, e) for f, s, e in hits if f == "body"})
    source, chosen = (doc.body, body_hits) if body_hits else (doc.title, sorted(
        {(s, e) for f, s, e in hits if f == "title"}))  # fmt: skip
    if not source.text:
        return "", ()
    spans = source.spans
    if not chosen:
        return _cut(source.text, 0), ()
    char_hits = [(spans[s][0], spans[e][1]) for s, e in chosen]
    anchor = max(
        char_hits, key=lambda h: sum(1 for o in char_hits if 0 <= o[0] - h[0] < SNIPPET_CHARS)
    )
    start = max(0, anchor[0] - SNIPPET_CHARS // 4)
    if start:
        start = _word_start(source.text, start)
    text = _cut(source.text, start)
    lead = 1 if start else 0  # the "…" put in front
    highlights = tuple(
        (a - start + lead, b - start + lead)
        for a, b in char_hits
        if a >= start and b - start + lead <= len(text)
    )
    return text, highlights


def _word_start(text: str, position: int) -> int:
    space = text.rfind(" ", 0, position)
    return space + 1 if space >= 0 else position


def _cut(text: str, start: int) -> str:
    end = start + SNIPPET_CHARS
    piece = text[start:end]
    if end < len(text):
        space = piece.rfind(" ")
        piece = (piece[:space] if space > SNIPPET_CHARS // 2 else piece).rstrip() + "…"
    return ("…" if start else "") + piece


def _collect_words(node: Node, words: set[str], stems: set[str]) -> None:
    """The words of the query's positive parts (NOT and filters never make a match)."""
    if isinstance(node, Term):
        (stems if node.prefix else words).add(
            fold(node.word)[:3] if node.prefix else fold(node.word)
        )
    elif isinstance(node, Phrase):
        words.update(fold(w) for w in node.words)
    elif isinstance(node, Near):
        _collect_words(node.left, words, stems)
        _collect_words(node.right, words, stems)
    elif isinstance(node, And | Or):
        for item in node.items:
            _collect_words(item, words, stems)


def _needs(node: Node) -> list[frozenset[str]] | None:
    """Alternatives of words a match needs all of, one alternative at least; None when
    the node cannot be reduced to words (prefixes, NOT, filters)."""
    if isinstance(node, Term):
        return None if node.prefix else [frozenset([fold(node.word)])]
    if isinstance(node, Phrase):
        return [frozenset(fold(w) for w in node.words)]
    if isinstance(node, Or):
        alternatives = []
        for item in node.items:
            needs = _needs(item)
            if needs is None:
                return None
            alternatives.extend(needs)
        return alternatives
    if isinstance(node, And | Near):
        items = node.items if isinstance(node, And) else (node.left, node.right)
        known = [needs for item in items if (needs := _needs(item)) is not None]
        return min(known, key=len) if known else None  # every item must hold: one will do
    return None  # Not, Filter


Test = Callable[[Document], bool]


def _tester(node: Node) -> Test:
    """Compile a node into a yes/no function of a document. An OR of plain words (the
    bulk of a topic) becomes one set test; AND and OR stop at the first decisive item."""
    if isinstance(node, Term) and not node.prefix:
        return _words_test(frozenset([node.word]), node.field, node.exact)
    if isinstance(node, Or):
        plain: dict[tuple[str | None, bool], set[str]] = {}
        tests = []
        for item in node.items:
            if isinstance(item, Term) and not item.prefix:
                plain.setdefault((item.field, item.exact), set()).add(item.word)
            else:
                tests.append(_tester(item))
        tests = [_words_test(frozenset(w), f, e) for (f, e), w in plain.items()] + tests
        return lambda doc: any(test(doc) for test in tests)
    if isinstance(node, And):
        tests = [_tester(item) for item in node.items]
        return lambda doc: all(test(doc) for test in tests)
    if isinstance(node, Not):
        inner = _tester(node.item)
        return lambda doc: not inner(doc)
    if isinstance(node, Phrase):
        present = _words_test(frozenset(node.words), node.field, node.exact, every=True)
        return lambda doc: present(doc) and bool(_phrase(node, doc))
    if isinstance(node, Near):
        left, right = _tester(node.left), _tester(node.right)
        return lambda doc: left(doc) and right(doc) and bool(_near(node, doc))
    if isinstance(node, Term):  # a prefix
        return lambda doc: any(f.has(node) for _, f in doc.fields(node.field))
    return lambda doc: _eval(node, doc) is not None  # a filter


def _words_test(words: frozenset[str], field: str | None, exact: bool, every=False) -> Test:
    """Does any (every) word occur in the field(s)? One set operation per field."""

    folded = frozenset(fold(w) for w in words)

    def keys(doc: Document) -> list:
        if field is None and not exact:
            return [doc.vocabulary]
        if exact and folded.isdisjoint(doc.vocabulary):
            return []  # not even in folded form: no need to index the words as written
        return [(f.exact_index if exact else f.index).keys() for _, f in doc.fields(field)]

    if every:  # a phrase: all its words present (an exact phrase is checked in full after)
        return lambda doc: exact or any(words <= k for k in keys(doc))
    return lambda doc: any(not k.isdisjoint(words) for k in keys(doc))


def _eval(node: Node, doc: Document) -> list[Hit] | None:
    if isinstance(node, Term):
        hits = [(name, p, p) for name, f in doc.fields(node.field) for p in f.positions(node)]
        return hits or None
    if isinstance(node, Phrase):
        return _phrase(node, doc) or None
    if isinstance(node, Or):
        found = [hits for item in node.items if (hits := _eval(item, doc)) is not None]
        return [h for hits in found for h in hits] if found else None
    if isinstance(node, And):
        collected: list[Hit] = []
        for item in node.items:
            hits = _eval(item, doc)
            if hits is None:
                return None
            collected.extend(hits)
        return collected
    if isinstance(node, Not):
        return None if _eval(node.item, doc) is not None else []
    if isinstance(node, Near):
        return _near(node, doc) or None
    if isinstance(node, Filter):
        actual = doc.language if node.name == "lang" else doc.feed
        return [] if actual and actual.casefold() == node.value.casefold() else None
    raise TypeError(f"unknown query node {node!r}")


def _phrase(node: Phrase, doc: Document) -> list[Hit]:
    hits = []
    last = len(node.words) - 1
    for name, f in doc.fields(node.field):
        index = f.exact_index if node.exact else f.index
        positions = [set(index.get(w, ())) for w in node.words]
        if not all(positions):
            continue
        for start in sorted(positions[0]):
            if all(start + i in positions[i] for i in range(1, last + 1)):
                hits.append((name, start, start + last))
    return hits


def _near(node: Near, doc: Document) -> list[Hit]:
    left, right = _eval(node.left, doc), _eval(node.right, doc)
    if not left or not right:
        return []
    hits = []
    for name in ("title", "body"):
        rights = sorted((s, e) for f, s, e in right if f == name)
        if not rights:
            continue
        starts = [s for s, _ in rights]
        longest = max(e - s for s, e in rights)
        for f, s, e in left:
            if f != name:
                continue
            # Only right spans that start no earlier than this can end within reach.
            i = bisect_left(starts, s - node.distance - longest)
            for rs, re_ in rights[i:]:
                if rs > e + node.distance:
                    break
                gap = rs - e if rs > e else s - re_ if s > re_ else 0
                if gap <= node.distance:
                    hits.append((name, s, e))
                    hits.append((name, rs, re_))
    return hits
