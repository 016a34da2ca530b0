"""Compiled topics, matched against articles: which topics, how strongly, and where.

An article is tokenized once into a Document: each field's words folded (lower case, no
accents) by one `bytes.translate` when the text is Latin-1, and the article's
vocabulary as a set. The Matcher then visits only the topics the article could match:
an inverted index maps a word (or a prefix) to the topics that need it, so one set
intersection with the vocabulary, and a look-up of the prefixes its words begin with,
pick the few topics worth evaluating, however many topics there are. Word positions and
character offsets are found on demand, for the words of those topics only: a word's by
`str.find` and `str.count` over the folded words, the several words of a match's hits
in one pass over the field's words. Matching time is linear in the article's
length: term look-ups are set and dictionary hits, phrases are substring searches, NEAR
walks the sorted positions of its words, and the only regular expressions built from
a query are escaped literal prefixes (an alternation of them, or one followed by the
rest of its word), which cannot backtrack.

What a query means is defined once, plainly, by bot/match/reference.py (`evaluate`, the
tests' oracle); the compiled forms here must agree with it.

Adding an operator (a node type) changes these places together: the AST (ast.py: the
class, and the `Node` union); the parser (query.py: `_Parser`, and `has_positive`,
`_scoped`, `_positional`); the reference (reference.py `evaluate`); here the yes/no test
(`_tester`), the hits (`_hitter`) and what a match needs (`_needs`, which may only let
too much through); the index plan (plan.py `_loosen`, with query.py's `has_positive`);
and the FTS5 translation (bot/store/fts.py `_Renderer.render`, `_phrases`).
tests/test_query_operators.py takes the node types from ast.py and fails for one that
has no sample query there, or that one of these places does not handle.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.match.ast import And, Filter, Near, Node, Not, Or, Phrase, Term
from bot.match.query import parse_query
from bot.match.text import WORD, exact_words, fold, fold_text, same_stem, stem_prefixes, stems

TITLE_WEIGHT = 3.0
SNIPPET_CHARS = 200
MAX_NEEDS = 64  # alternatives an AND or NEAR combines into what a match needs, at most
WORD_CHANCE = 0.05  # to rank what a match needs: a word taken as in one article in 20
PREFIX_SCANS = 4  # prefixes a field finds by scanning its text, before sorting its words
COMMON_LENGTH = 4  # the topic index files an alternative under a shorter word last
MAX_KNOWN_WORDS = 200_000  # words whose prefixes the index remembers (then it starts over)

Hit = tuple[str, int, int]  # field, first word position, last word position
Need = tuple[frozenset[str], frozenset[str]]  # words all present, prefixes all present


class Field:
    """One field of an article (title or body): its folded words and their set, and on
    demand the positions of a word or phrase, the words as written and character
    offsets."""

    def __init__(self, text: str):
        self.text = text
        # Worked out on demand (most fields never need them): None until then.
        self._vocab: set[str] | None = None
        self._joined: str | None = None
        self._joined_at: dict[str, list[int]] | None = None
        self._exact_joined: str | None = None
        self._words: list[str] | None = None
        self._positions: dict[str, list[int]] | None = None
        self._offsets: dict[str, list[int]] | None = None
        self._exact: dict[str, list[int]] | None = None
        self._sorted: dict[bool, list[str]] | None = None
        self._spans: list[tuple[int, int]] | None = None
        self._stemmed: dict[tuple[str, str], list[str]] | None = None
        self._prefix_scans = 0  # prefixes found by scanning the text, before sorting words
        folded = fold_text(text)
        if folded is None:  # beyond Latin-1: word by word
            self.folded = [fold(w) for w in WORD.findall(text)]
            self.padded = None
        else:  # the folded text, one space around: " word " finds a whole word
            self.folded = folded.split()
            self.padded = f" {folded} "

    @property
    def vocab(self) -> set[str]:
        """The distinct folded words."""
        if self._vocab is None:
            self._vocab = set(self.folded)
        return self._vocab

    @property
    def words(self) -> list[str]:
        """The words as written (for the exact form)."""
        if self._words is None:
            self._words = exact_words(self.text)
        return self._words

    @property
    def joined(self) -> str:
        """The folded words with one space between and around: a word or phrase is found
        by `find`, its position by counting the spaces before it. Empty when a word of
        the general path holds a space or is empty (then positions come from the list)."""
        if self._joined is None:
            joined = f" {' '.join(self.folded)} "
            if (
                self.padded is None
                and self.folded
                and ("  " in joined or joined.count(" ") != len(self.folded) + 1)
            ):
                joined = ""
            self._joined = joined
        return self._joined

    @property
    def exact_joined(self) -> str:
        """The words as written, one space between and around (they never hold one)."""
        if self._exact_joined is None:
            self._exact_joined = f" {' '.join(self.words)} "
        return self._exact_joined

    def at(self, word: str) -> list[int]:
        """Where a folded word is in `joined` (the space before it): found with `find`
        alone (a word absent: one fast scan). Needs `joined`."""
        if self._joined_at is None:
            self._joined_at = {}
        found = self._joined_at.get(word)
        if found is None:
            found = self._joined_at[word] = _spaced_hits(self.joined, word)
        return found

    def pos(self, word: str) -> list[int]:
        """The positions of a folded word."""
        if self._positions is None:
            self._positions = {}
        found = self._positions.get(word)
        if found is None:
            joined = self.joined
            if joined:
                found = _numbered(joined, self.at(word))
            elif word not in self.vocab:
                found = []
            else:
                found = [i for i, w in enumerate(self.folded) if w == word]
            self._positions[word] = found
        return found

    def positions_of(self, words: set[str]) -> None:
        """Work out the positions of several folded words at once: one pass over the
        field's words (their hashes are known: the vocabulary was built from them) costs
        about what two scans of its text do, one per word."""
        if self._positions is None:
            self._positions = {}
        known = self._positions
        missing = {word for word in words if word not in known}
        if len(missing) > 1:
            found = _positions_of(self.folded, missing)
            for word in missing:
                known[word] = found.get(word, [])

    def exact_pos(self, word: str) -> list[int]:
        """The positions of a word as written."""
        if self._exact is None:
            self._exact = {}
        found = self._exact.get(word)
        if found is None:
            found = self._exact[word] = (
                _occurrences(self.exact_joined, f" {word} ", len(word) + 1)
                if fold(word) in self.vocab
                else []
            )
        return found

    def phrase_starts(self, words: tuple[str, ...], exact: bool, needle: str) -> list[int]:
        """The positions where the words follow one another (needle: " w1 w2 … "): the
        first word's positions (often known already), each followed by the others."""
        if exact:
            joined = self.exact_joined
            return _occurrences(joined, needle, len(words[0]) + 1)
        rest, folded, end = list(words[1:]), self.folded, len(words)
        return [s for s in self.pos(words[0]) if folded[s + 1 : s + end] == rest]

    def has_phrase(self, words: tuple[str, ...], exact: bool, needle: str) -> bool:
        if not exact and self.padded is not None:  # no need to join the words
            return _phrase_in(self.padded, words)
        joined = self.exact_joined if exact else self.joined
        if joined:
            return needle in joined
        return bool(self.phrase_starts(words, exact, needle))

    def has_prefix(self, prefix: str) -> bool:
        """Whether a folded word starts with the (folded) prefix."""
        if self.padded is not None:
            return f" {prefix}" in self.padded
        return bool(self.words_starting(prefix, exact=False))

    def prefixed(self, term: Term) -> list[str]:
        """The distinct words starting with the term's prefix, sorted."""
        return self.words_starting(term.word, term.exact)

    def words_starting(self, prefix: str, exact: bool = False) -> list[str]:
        """The distinct words starting with the prefix, sorted. The first few prefixes
        asked of a field are found by a scan of its folded text; after them, by two
        bisections of its distinct words, sorted once (the shipped topics list dozens of
        prefixes: one scan of the text each costs more than the sort)."""
        if self._sorted is None:
            self._sorted = {}
        words = self._sorted.get(exact)
        if words is None:
            if not exact and self.padded is not None and self._prefix_scans < PREFIX_SCANS:
                self._prefix_scans += 1
                return sorted(set(_prefix_regex(prefix).findall(self.padded)))
            words = self._sorted[exact] = sorted(set(self.words) if exact else self.vocab)
        start = bisect_left(words, prefix)
        if start == len(words) or not words[start].startswith(prefix):
            return []
        if prefix and prefix[-1] != _LAST_CHAR:  # up to the prefix's next string
            following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            return words[start : bisect_left(words, following, start)]
        end = start + 1
        while end < len(words) and words[end].startswith(prefix):
            end += 1
        return words[start:end]

    def stemmed(self, term: Term) -> list[str]:
        """The distinct words with the term's English or Spanish stem (word forms),
        sorted. Only words with the stems' first letter are stemmed: a stemmer rewrites
        a word's ending only."""
        if self._stemmed is None:
            self._stemmed = {}
        wanted = stems(term.word)
        found = self._stemmed.get(wanted)
        if found is None:
            firsts = {wanted[0][:1], wanted[1][:1]}
            found = self._stemmed[wanted] = sorted(
                w for w in self.vocab if w[:1] in firsts and same_stem(w, wanted)
            )
        return found

    def has(self, term: Term) -> bool:
        """Whether the term occurs at all."""
        if term.stem:
            return bool(self.stemmed(term))
        if term.prefix:
            if not term.exact:
                return self.has_prefix(term.word)
            return bool(self.prefixed(term))
        if term.exact:
            return bool(self.exact_pos(term.word))
        return term.word in self.vocab

    def positions(self, term: Term) -> list[int]:
        find = self.exact_pos if term.exact else self.pos
        if term.stem:
            return sorted(p for word in self.stemmed(term) for p in find(word))
        if term.prefix:
            return sorted(p for word in self.prefixed(term) for p in find(word))
        return find(term.word)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets in the text of words first to last."""
        if self.padded is None:
            if self._spans is None:
                self._spans = [m.span() for m in WORD.finditer(self.text)]
            return self._spans[first][0], self._spans[last][1]
        start = self._start(first)
        if last == first:
            return start, start + len(self.folded[first])
        # The words after the first: skipped in the folded text, not looked up one by one.
        return start, _skip(last - first).match(self.padded, start + 1).end() - 1

    def offsets(self, word: str) -> list[int]:
        """Where a folded word is in `padded` (the space before it, one character in:
        its offset in the text). Needs `padded`."""
        if self._offsets is None:
            self._offsets = {}
        found = self._offsets.get(word)
        if found is None:
            found = self._offsets[word] = _spaced_hits(self.padded, word)
        return found

    def _start(self, position: int) -> int:
        """Where a word starts: the word's occurrences of " word " in the folded text
        (character for character), in the order of its positions (known already for
        most words of a hit)."""
        word = self.folded[position]
        return self.offsets(word)[bisect_left(self.pos(word), position)]


_SKIPS: dict[int, re.Pattern[str]] = {}


def _skip(count: int) -> re.Pattern[str]:
    """A word, then `count` more, in a folded text (words and runs of spaces alternate:
    it cannot backtrack)."""
    rx = _SKIPS.get(count)
    if rx is None:
        rx = _SKIPS[count] = re.compile(f"[^ ]+(?: +[^ ]+){{{count}}}")
    return rx


def _within(padded: str, first: int, then: int, distance: int) -> bool:
    """Whether the word at `then` is at most `distance` words after the one at `first`
    (offsets in a folded text): `distance` words skipped from the first end past it."""
    if first == then:
        return True
    skipped = _skip(distance).match(padded, first + 1)
    return skipped is None or then < skipped.end()


def _phrase_in(padded: str, words: tuple[str, ...]) -> bool:
    """Whether folded words follow one another in a folded text, whatever separates them
    there (its non-word characters are spaces): each place of the first word found by
    `find`, the others compared where they must start. The yes/no pass asks this of
    fields that never need their words joined."""
    first = f" {words[0]} "
    length = len(padded)
    at = padded.find(first)
    while at >= 0:
        end = at + len(first)  # just past the space after the first word
        for word in words[1:]:
            while end < length and padded[end] == " ":
                end += 1
            if not padded.startswith(word, end) or padded[end + len(word)] != " ":
                break  # (a word is never last: the text ends with a space)
            end += len(word) + 1
        else:
            return True
        at = padded.find(first, at + len(first) - 1)  # its last space may begin the next
    return False


def _numbered(joined: str, offsets: list[int]) -> list[int]:
    """The positions of words found at `offsets` (the space before each, ascending) in
    words joined by single spaces: the spaces before each, counted from the last."""
    found = []
    index = last = 0
    for at in offsets:
        index += joined.count(" ", last, at)
        found.append(index)
        last = at
    return found


def _occurrences(joined: str, needle: str, step: int) -> list[int]:
    """Positions of " word " (or " first … last ") in words joined by single spaces:
    each found by `find`, numbered by counting the spaces since the last one (both
    C-level scans); `step`, the first word and its space, lets occurrences overlap."""
    return _numbered(joined, _found_at(joined, needle, step))


_PREFIX_REGEXES: dict[str, re.Pattern[str]] = {}


def _prefix_regex(prefix: str) -> re.Pattern[str]:
    """The words starting with a prefix in a folded text: " prefix…"."""
    rx = _PREFIX_REGEXES.get(prefix)
    if rx is None:
        rx = _PREFIX_REGEXES[prefix] = re.compile(f" ({re.escape(prefix)}[^ ]*)")
    return rx


_LAST_CHAR = chr(0x10FFFF)  # no string follows it: the prefix's words are counted


class Document:
    """An article, tokenized once for every topic."""

    __slots__ = ("_both", "body", "feed", "language", "memo", "prefixes", "title", "vocabulary")

    def __init__(
        self, title: Field, body: Field, language: str | None = None, feed: str | None = None
    ):
        self.title = title
        self.body = body
        self.language = language
        self.feed = feed
        title._vocab = in_title = set(title.folded)
        self.vocabulary = vocabulary = set(body.folded)
        vocabulary |= in_title
        self.memo: dict[int, tuple[Node, list[Hit]]] = {}
        self._both = (("title", title), ("body", body))
        # What the topic index found out (TopicIndex.candidates): the prefixes it knows
        # and those some word begins with; None until then.
        self.prefixes: tuple[frozenset[str], set[str]] | None = None

    def fields(self, name: str | None) -> tuple[tuple[str, Field], ...]:
        if name is None:
            return self._both
        return self._both[:1] if name == "title" else self._both[1:]

    def has_prefix(self, prefix: str) -> bool:
        if not self.may_start(prefix):
            return False
        return self.title.has_prefix(prefix) or self.body.has_prefix(prefix)

    def may_start(self, prefix: str) -> bool:
        """False when the topic index knows that no word begins with the (folded)
        prefix: no scan of the fields needed."""
        known = self.prefixes
        return known is None or prefix not in known[0] or prefix in known[1]


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
    """A parsed query, what any match of it needs (the quick reject) and a yes/no test."""

    def __init__(self, text: str):
        self.text = text
        self.node = parse_query(text)
        # Alternatives, one of which a match needs wholly: words all present and prefixes
        # all beginning some word (a phrase needs all its words: "in" alone does not let
        # "remain in mexico" through); None: no such rule (NOT, filters).
        self.needs = _needs(self.node)
        self.test = _tester(self.node)
        self.hits = _prefetching(_positioned(self.node), _hitter(self.node))

    def could_match(self, doc: Document) -> bool:
        if self.needs is None:
            return True
        vocabulary = doc.vocabulary
        return any(
            words <= vocabulary and all(doc.has_prefix(p) for p in prefixes)
            for words, prefixes in self.needs
        )

    def evaluate(self, doc: Document) -> list[Hit] | None:
        """The hits when the query matches the document; None when it does not.

        A yes/no pass that stops at the first decisive operand comes first; the hits
        (for score and snippet) are collected only for the few articles that match.
        """
        if not self.could_match(doc) or not self.test(doc):
            return None
        return self.hits(doc)


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
        self._index = TopicIndex([query.needs for _, query, _ in self.topics])

    def match(self, doc: Document) -> list[Match]:
        found = []
        topics = self.topics
        for number in self._index.candidates(doc):
            topic, query, exclude = topics[number]
            if topic.languages and doc.language not in topic.languages:
                continue
            if not query.test(doc):  # exact: the hits exist exactly when it passes
                continue
            if exclude is not None and exclude.test(doc):  # exact, as the query's
                continue
            found.append(describe(topic.id, query.hits(doc), doc))
        return found


class TopicIndex:
    """Which topics an article could match, from what each topic needs.

    Each alternative of a topic's needs is filed under one of its words, the one fewest
    alternatives share, a word of three letters or fewer (in, en, de, a: in nearly every
    article) only when all are ("remain in mexico" under "remain"), or, when it has
    only prefixes, under one of them. What a word brings (the alternatives filed under
    it, the prefixes it begins with) is worked out the first time the word is seen and
    remembered: words repeat across articles, so an article is one pass over its
    vocabulary, a dictionary look-up a word, and only its new words are matched against
    one alternation of the prefixes. Topics that need nothing are always candidates.
    """

    def __init__(self, needs: list[list[Need] | None]):
        self.always = [number for number, need in enumerate(needs) if need is None]
        alternatives = [
            (number, words, prefixes)
            for number, need in enumerate(needs)
            for words, prefixes in need or ()
        ]
        shared = Counter(key for _, words, prefixes in alternatives for key in words | prefixes)

        def rarest(keys: frozenset[str]) -> str:  # short words are in most articles
            return min(keys, key=lambda k: (len(k) < COMMON_LENGTH, shared[k], -len(k), k))

        # Under a word: the topic's number, the alternative's other words (the one it is
        # filed under is present when it is looked up) and its prefixes.
        self.by_word: dict[str, list[Filed]] = {}
        self.by_prefix: dict[str, list[tuple[int, frozenset[str], frozenset[str]]]] = {}
        for number, words, prefixes in alternatives:
            if words:
                key = rarest(words)
                others = tuple(sorted(words - {key}))
                self.by_word.setdefault(key, []).append((number, others, prefixes))
            else:
                self.by_prefix.setdefault(rarest(prefixes), []).append((number, words, prefixes))
        every_prefix = {p for _, _, prefixes in alternatives for p in prefixes}
        # The alternation finds, at a word's start, the longest prefix it begins with;
        # the shorter ones it implies come with it.
        self.implied = {p: frozenset(q for q in every_prefix if p.startswith(q))
                        for p in every_prefix}  # fmt: skip
        self.every_prefix = frozenset(every_prefix)
        self.prefix_match = re.compile(_literal_trie(every_prefix)).match if every_prefix else None
        # word → (the alternatives filed under it or None, the prefixes it begins with or
        # None), or None when it brings nothing: replaced, never cleared, when full.
        self.known: dict[str, WordEntry | None] = {}

    def learn(self, word: str) -> WordEntry | None:
        """What a word brings, remembered."""
        starting = None
        if self.prefix_match is not None:
            longest = self.prefix_match(word)
            if longest:
                starting = self.implied[longest.group()]
        filed = self.by_word.get(word)
        entry = (filed, starting) if filed is not None or starting is not None else None
        if len(self.known) >= MAX_KNOWN_WORDS:
            self.known = {}  # start over (another thread may hold the old one: no clear)
        self.known[word] = entry
        return entry

    def look_up(self, doc: Document) -> tuple[list[list[Filed]], set[str]]:
        """The alternatives filed under the document's words, and the indexed prefixes
        its words begin with."""
        filed, present, new = _look_up(doc.vocabulary, self.known)
        for word in new:
            entry = self.learn(word)
            if entry is not None:
                if entry[0] is not None:
                    filed.append(entry[0])
                if entry[1] is not None:
                    present |= entry[1]
        return filed, present

    def prefixes(self, doc: Document) -> set[str]:
        """The indexed prefixes some word of the document begins with."""
        return self.look_up(doc)[1]

    def candidates(self, doc: Document) -> list[int]:
        """The topics (by number, in order) whose needs the document meets."""
        filed, present = self.look_up(doc)
        doc.prefixes = (self.every_prefix, present)  # what the queries' tests may skip
        found = set(self.always)
        for alternatives in filed:
            _meet(alternatives, doc.vocabulary, present, found)
        if present and self.by_prefix:
            for prefix in present.intersection(self.by_prefix):
                for number, _, prefixes in self.by_prefix[prefix]:
                    if number not in found and prefixes <= present:
                        found.add(number)
        return sorted(found)


Filed = tuple[int, tuple[str, ...], frozenset[str]]  # a topic's number, other words, prefixes
WordEntry = tuple[list[Filed] | None, frozenset[str] | None]
_UNKNOWN = object()  # a word not seen before


def _meet(alternatives: list[Filed], vocabulary: set[str], present: set[str], found: set[int]):
    """Add to `found` the topics of the alternatives whose other words are all in the
    vocabulary and prefixes all present (set membership, one word at a time: most
    alternatives have one other word)."""
    for alternative in alternatives:
        number, others, prefixes = alternative
        if number in found:
            continue
        for word in others:
            if word not in vocabulary:
                break
        else:
            if not prefixes or prefixes <= present:
                found.add(number)


def _look_up(vocabulary: set[str], known: dict) -> tuple[list, set, list]:
    """One pass over a document's words: the alternatives filed under those seen before,
    the prefixes they begin with, and the words never seen (for TopicIndex.learn)."""
    filed: list[list[Filed]] = []
    present: set[str] = set()
    new: list[str] = []
    for word in vocabulary:
        entry = known.get(word, _UNKNOWN)
        if entry is None:
            continue
        if entry is _UNKNOWN:
            new.append(word)
            continue
        if entry[0] is not None:
            filed.append(entry[0])
        if entry[1] is not None:
            present |= entry[1]
    return filed, present, new


def _literal_trie(words: Iterable[str]) -> str:
    """An alternation of literal words as a trie of escaped characters, longer words
    first where one continues another: linear, and it tries each character once."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())
                    if char]  # fmt: skip
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


def describe(topic_id: str, hits: list[Hit], doc: Document) -> Match:
    """Score and snippet of a match."""
    snippet, highlights = make_snippet(hits, doc)
    return Match(topic_id, score(hits, doc), snippet, highlights)


def score(hits: list[Hit], doc: Document) -> float:
    """Title hits weigh more; each distinct matched word counts, repeats a little."""
    best: dict[str, float] = {}
    title, body = doc.title.folded, doc.body.folded
    for field_name, start, end in hits:
        words = title if field_name == "title" else body
        key = words[start] if start == end else " ".join(words[start : end + 1])
        if field_name == "title":  # the heavier weight: it wins
            best[key] = TITLE_WEIGHT
        elif key not in best:
            best[key] = 1.0
    repeats = max(0, len(hits) - len(best))
    return round(sum(best.values()) + 0.1 * min(repeats, 10), 2)


def make_snippet(hits: list[Hit], doc: Document) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About SNIPPET_CHARS of the body around its densest cluster of hits (the title when
    only the title matched), with hit offsets relative to the snippet."""
    chosen = {(s, e) for f, s, e in hits if f == "body"}
    source = doc.body
    if not chosen:
        chosen = {(s, e) for f, s, e in hits if f == "title"}
        source = doc.title
    if not source.text:
        return "", ()
    if not chosen:
        return _cut(source.text, 0), ()
    span = source.span
    char_hits = [span(s, e) for s, e in sorted(chosen)]
    if len(char_hits) == 1:
        anchor = char_hits[0][0]
    else:
        # The hit with the most hits starting within SNIPPET_CHARS from its start (the
        # first such): the starts ascend with the word positions, two bisects count them.
        starts = [a for a, _ in char_hits]
        anchor = max(
            starts, key=lambda a: bisect_left(starts, a + SNIPPET_CHARS) - bisect_left(starts, a)
        )
    start = max(0, anchor - SNIPPET_CHARS // 4)
    if start:
        start = _word_start(source.text, start)
    text = _cut(source.text, start)
    lead = 1 if start else 0  # the "…" put in front
    shift = lead - start
    limit = len(text) - shift
    highlights = tuple((a + shift, b + shift) for a, b in char_hits if a >= start and b <= limit)
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


def _needs(node: Node) -> list[Need] | None:
    """Alternatives a match needs one of wholly (words all present, prefixes each
    beginning a word); None when the node cannot be reduced to them (NOT, filters). An
    exact form needs its folded form."""
    if isinstance(node, Term) and node.stem:  # a word's forms begin with one of these
        return [(frozenset(), frozenset([p])) for p in stem_prefixes(node.word)]
    if isinstance(node, Term):
        word = frozenset([fold(node.word)])
        return [(frozenset(), word)] if node.prefix else [(word, frozenset())]
    if isinstance(node, Phrase):
        return [(frozenset(fold(w) for w in node.words), frozenset())]
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
        if not known:
            return None
        # Every item must hold: an alternative of each, together, while they are few.
        # Past MAX_NEEDS the items least likely to be met are kept: fewer alternatives,
        # each needing more words (a tent word and a court word, not "asylum" alone).
        known.sort(key=_chance)
        combined = known[0]
        for needs in known[1:]:
            if len(combined) * len(needs) <= MAX_NEEDS:
                combined = [(w1 | w2, p1 | p2) for w1, p1 in combined for w2, p2 in needs]
        return combined
    return None  # Not, Filter


def _positioned(node: Node) -> frozenset[str]:
    """The folded words whose positions a match's hits read: plain words, and the first
    word of each phrase (not what a NOT leaves out: it has no hits)."""
    if isinstance(node, Term):
        plain = not (node.prefix or node.stem or node.exact)
        return frozenset([node.word]) if plain else frozenset()
    if isinstance(node, Phrase):
        return frozenset() if node.exact else frozenset(node.words[:1])
    if isinstance(node, And | Or):
        return frozenset().union(*(_positioned(item) for item in node.items))
    if isinstance(node, Near):
        return _positioned(node.left) | _positioned(node.right)
    return frozenset()  # Not, Filter


def _prefetching(words: frozenset[str], hits: Hits) -> Hits:
    """Hits that first work out the positions of the query's words present in the
    document in one pass over each field (Field.positions_of), when there are several."""
    if len(words) < 2:
        return hits

    def prefetched(doc: Document) -> list[Hit] | None:
        present = words.intersection(doc.vocabulary)
        if len(present) > 1:
            doc.body.positions_of(present)
            doc.title.positions_of(present.intersection(doc.title.vocab))
        return hits(doc)

    return prefetched


def _chance(needs: list[Need]) -> float:
    """A rough chance that an article meets one of the alternatives, each word or prefix
    taken as in one article in WORD_CHANCE (no corpus: only to rank items)."""
    return sum(WORD_CHANCE ** (len(words) + len(prefixes)) for words, prefixes in needs)


Test = Callable[[Document], bool]


def _tester(node: Node) -> Test:
    """Compile a node into a yes/no function of a document, true exactly when the
    reference (bot/match/reference.py, `evaluate`) finds hits. An OR of plain words (the
    bulk of a topic) becomes one set test; AND and OR stop at the first decisive item."""
    if isinstance(node, Term) and not (node.prefix or node.stem):
        return _words_test(frozenset([node.word]), node.field, node.exact)
    if isinstance(node, Or):
        plain: dict[tuple[str | None, bool], set[str]] = {}
        phrases = []
        tests = []
        prefixes = []
        for item in node.items:
            if isinstance(item, Term) and not (item.prefix or item.stem):
                plain.setdefault((item.field, item.exact), set()).add(item.word)
            elif isinstance(item, Phrase):
                phrases.append(_PhraseParts(item))
            elif _plain_prefix(item):
                prefixes.append(item.word)  # type: ignore[union-attr]
            else:
                tests.append(_tester(item))
        anywhere = frozenset(plain.pop((None, False), ()))
        tests = [_words_test(frozenset(w), f, e) for (f, e), w in plain.items()] + tests

        def any_test(doc: Document) -> bool:
            vocabulary = doc.vocabulary
            if not anywhere.isdisjoint(vocabulary):
                return True
            for phrase in phrases:
                if phrase.folded <= vocabulary and phrase.found_in(doc):
                    return True
            for prefix in prefixes:
                if doc.has_prefix(prefix):
                    return True
            for test in tests:  # noqa: SIM110 (a loop: no generator made per call)
                if test(doc):
                    return True
            return False

        return any_test
    if isinstance(node, And):
        tests = [_tester(item) for item in node.items]

        def all_test(doc: Document) -> bool:
            for test in tests:  # noqa: SIM110
                if not test(doc):
                    return False
            return True

        return all_test
    if isinstance(node, Not):
        inner = _tester(node.item)
        return lambda doc: not inner(doc)
    if isinstance(node, Phrase):
        return _phrase_test(node)
    if isinstance(node, Near):
        plain_left, plain_right = _plain_words(node.left), _plain_words(node.right)
        if plain_left and plain_right:
            return _plain_near_test(plain_left, plain_right, node.distance)
        left, right = _tester(node.left), _tester(node.right)
        near = _near_hitter(node)
        return lambda doc: left(doc) and right(doc) and near(doc) is not None
    if isinstance(node, Term):  # a prefix, or word forms
        return lambda doc: any(f.has(node) for _, f in doc.fields(node.field))
    return lambda doc: _filter(node, doc)


def _words_test(words: frozenset[str], field: str | None, exact: bool) -> Test:
    """Does any word occur in the field(s)? One set operation per field."""
    if field is None and not exact:
        return lambda doc: not words.isdisjoint(doc.vocabulary)
    folded = frozenset(fold(w) for w in words)

    def test(doc: Document) -> bool:
        if folded.isdisjoint(doc.vocabulary):
            return False  # not even in folded form: no need to look at the words as written
        for _, f in doc.fields(field):
            if not (set(f.words) if exact else f.vocab).isdisjoint(words):
                return True
        return False

    return test


def _plain_prefix(node: Node) -> bool:
    """A prefix (`migra*`) matched in either field, folded."""
    return isinstance(node, Term) and node.prefix and not (node.exact or node.field or node.stem)


def _plain_words(node: Node) -> frozenset[str] | None:
    """The words of a plain word (folded, anywhere) or an OR of them; None otherwise."""
    items = node.items if isinstance(node, Or) else (node,)
    if all(isinstance(i, Term) and not (i.prefix or i.exact or i.field or i.stem) for i in items):
        return frozenset(i.word for i in items)  # type: ignore[union-attr]
    return None


def _plain_near_test(left: frozenset[str], right: frozenset[str], distance: int) -> Test:
    """NEAR between plain words: some position of a left word and of a right word at
    most `distance` apart in one field (each span is one word: the gap is the
    difference)."""

    def test(doc: Document) -> bool:
        vocabulary = doc.vocabulary
        lefts, rights = left.intersection(vocabulary), right.intersection(vocabulary)
        if not lefts or not rights:
            return False
        for f in (doc.title, doc.body):
            padded = f.padded
            if padded is not None:  # by where the words are in the text
                right_at = sorted(x for word in rights for x in f.offsets(word))
                if not right_at:
                    continue
                for x in (x for word in lefts for x in f.offsets(word)):
                    i = bisect_left(right_at, x)  # the nearest right word after, and before
                    if i < len(right_at) and _within(padded, x, right_at[i], distance):
                        return True
                    if i and _within(padded, right_at[i - 1], x, distance):
                        return True
                continue
            right_at = sorted(p for word in rights for p in f.pos(word))
            if not right_at:
                continue
            for p in (p for word in lefts for p in f.pos(word)):
                i = bisect_left(right_at, p - distance)
                if i < len(right_at) and right_at[i] <= p + distance:
                    return True
        return False

    return test


class _PhraseParts:
    """A phrase as the compiled functions use it."""

    __slots__ = ("exact", "field", "folded", "last", "needle", "words")

    def __init__(self, node: Phrase):
        self.words, self.exact, self.field = node.words, node.exact, node.field
        self.folded = frozenset(fold(w) for w in node.words)  # all needed, folded
        self.needle = f" {' '.join(node.words)} "
        self.last = len(node.words) - 1

    def found_in(self, doc: Document) -> bool:
        for name, f in doc.fields(self.field):
            if name == "title" and not self.folded <= f.vocab:
                continue  # the title's words are a set already: not there
            if f.has_phrase(self.words, self.exact, self.needle):
                return True
        return False

    def hits(self, doc: Document) -> list[Hit]:
        found: list[Hit] = []
        last = self.last
        for name, f in doc.fields(self.field):
            if name == "title" and not self.folded <= f.vocab:
                continue
            starts = f.phrase_starts(self.words, self.exact, self.needle)
            if starts:
                found += [(name, start, start + last) for start in starts]
        return found


def _phrase_test(node: Phrase) -> Test:
    """All the words present (folded), then the phrase looked for in the field(s)."""
    phrase = _PhraseParts(node)
    return lambda doc: phrase.folded <= doc.vocabulary and phrase.found_in(doc)


def _filter(node: Filter, doc: Document) -> bool:
    actual = doc.language if node.name == "lang" else doc.feed
    return bool(actual) and actual.casefold() == node.value.casefold()


def _near(left: list[Hit], right: list[Hit], distance: int) -> list[Hit]:
    """Each pair of a left and a right hit at most `distance` words apart, in one field."""
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
            i = bisect_left(starts, s - distance - longest)
            for rs, re_ in rights[i:]:
                if rs > e + distance:
                    break
                gap = rs - e if rs > e else s - re_ if s > re_ else 0
                if gap <= distance:
                    hits.append((name, s, e))
                    hits.append((name, rs, re_))
    return hits


Hits = Callable[[Document], list[Hit] | None]


def _hitter(node: Node) -> Hits:
    """Compile a node into a function giving what the reference's `evaluate` gives (the
    same hits, perhaps in another order: score and snippet do not depend on it). The
    plain words of an OR are looked up together: one set intersection, then positions of
    those present only."""
    if isinstance(node, Term):
        return _term_hitter(node)
    if isinstance(node, Phrase):
        phrase = _PhraseParts(node)
        return lambda doc: (phrase.hits(doc) or None) if phrase.folded <= doc.vocabulary else None
    if isinstance(node, Or):
        return _or_hitter(node)
    if isinstance(node, And):
        parts = [_hitter(item) for item in node.items]

        def every(doc: Document) -> list[Hit] | None:
            collected: list[Hit] = []
            for part in parts:
                hits = part(doc)
                if hits is None:
                    return None
                collected += hits
            return collected

        return every
    if isinstance(node, Not):
        inner = _tester(node.item)
        return lambda doc: None if inner(doc) else []
    if isinstance(node, Near):
        return _near_hitter(node)
    if isinstance(node, Filter):
        return lambda doc: [] if _filter(node, doc) else None
    raise TypeError(f"unknown query node {node!r}")


def _term_hitter(node: Term) -> Hits:
    field, word = node.field, node.word
    if node.prefix or node.exact or node.stem:
        return lambda doc: (
            [(name, p, p) for name, f in doc.fields(field) for p in f.positions(node)] or None
        )

    def hits(doc: Document) -> list[Hit] | None:
        if word not in doc.vocabulary:
            return None
        return [(name, p, p) for name, f in doc.fields(field) for p in f.pos(word)] or None

    return hits


def _or_hitter(node: Or) -> Hits:
    plain: dict[str, int] = {}  # word → how many items are that word (each adds its hits)
    starts: dict[str, int] = {}  # the same for plain prefixes
    phrases = []
    parts = []
    for item in node.items:
        if isinstance(item, Term) and not (item.prefix or item.exact or item.field or item.stem):
            plain[item.word] = plain.get(item.word, 0) + 1
        elif _plain_prefix(item):
            starts[item.word] = starts.get(item.word, 0) + 1  # type: ignore[union-attr]
        elif isinstance(item, Phrase):
            phrases.append(_PhraseParts(item))
        else:
            parts.append(_hitter(item))
    words = frozenset(plain)
    prefixes = tuple(starts.items())

    def any_of(doc: Document) -> list[Hit] | None:
        found: list[Hit] = []
        matched = False
        if words:
            title, body = doc.title, doc.body
            in_title = title.vocab
            for word in words.intersection(doc.vocabulary):
                hits = [("title", p, p) for p in title.pos(word)] if word in in_title else []
                hits += [("body", p, p) for p in body.pos(word)]
                found += hits * plain[word]
                matched = True
        for prefix, times in prefixes:  # each field's words with the prefix, by bisection
            if not doc.may_start(prefix):
                continue
            for name, f in doc._both:
                starting = f.words_starting(prefix)
                if starting:
                    at = (
                        f.pos(starting[0])
                        if len(starting) == 1
                        else sorted(p for word in starting for p in f.pos(word))
                    )
                    found += [(name, p, p) for p in at] * times
                    matched = True
        vocabulary = doc.vocabulary
        for phrase in phrases:
            if phrase.folded <= vocabulary:
                hits = phrase.hits(doc)
                if hits:
                    found += hits
                    matched = True
        for part in parts:
            hits = part(doc)
            if hits is not None:
                found += hits
                matched = True
        return found if matched else None

    return any_of


def _near_hitter(node: Near) -> Hits:
    """NEAR's hits, worked out once per document: the yes/no pass needs them, and the
    hits of a match again."""
    left, right, distance = _hitter(node.left), _hitter(node.right), node.distance
    key = id(node)

    def near(doc: Document) -> list[Hit] | None:
        known = doc.memo.get(key)
        if known is not None and known[0] is node:  # it keeps the node: ids stay unique
            return known[1]
        hits = None
        found_left = left(doc)
        if found_left:
            found_right = right(doc)
            if found_right:
                hits = _near(found_left, found_right, distance) or None
        doc.memo[key] = (node, hits)
        return hits

    return near


def _positions_of(folded: list[str], words: set[str]) -> dict[str, list[int]]:
    """The positions of the words (those present) in a list of folded words."""
    found: dict[str, list[int]] = {}
    for index in range(len(folded)):
        word = folded[index]
        if word in words:
            known = found.get(word)
            if known is None:
                found[word] = [index]
            else:
                known.append(index)
    return found


def _spaced_hits(text: str, word: str) -> list[int]:
    """Where " word " stands in a space-separated text (the space before it), by `find`
    alone: a word that is absent costs one fast scan."""
    return _found_at(text, f" {word} ", len(word) + 1)


def _found_at(text: str, needle: str, step: int) -> list[int]:
    """Where the needle is in the text, each `find` starting `step` past the last."""
    found = []
    find = text.find
    at = find(needle)
    while at >= 0:
        found.append(at)
        at = find(needle, at + step)
    return found
