"""Grouping copies: the same wire story or press release on several sites, as one story.

One rule of what a copy is (bot/stories/sketch.py), two ways of grouping. Search's
`Stories` takes a page of ranked results one by one, each joining the first story it
copies. A digest's `cluster` weighs thousands of stories at once: two are one when
their headlines are the same, or share most of their content words (Jaccard of the word
sets at least TITLE_SIMILAR: Google News items have nothing but a headline), or their
sketches call them copies; pairs are found by prefix filtering over an inverted index,
not the n² comparisons of a loop. Pure: texts in, groups out.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.match.text import fold, split_words
from bot.stories.sketch import THRESHOLD as COPY_THRESHOLD
from bot.stories.sketch import WINDOW, similarity, sketch

TITLE_SIMILAR = 0.6
MIN_TITLE_WORDS = 3  # shorter headlines ("Asylum news") only cluster when identical

_STOPWORDS = """a an and are as at be by for from has have in is it its of on or that the this
    to was were will with after over new says said el la los las de del en y que por para con
    un una se su al es lo como mas sobre tras"""
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class StoryText:
    """What clustering compares: a headline and the opening of the text."""

    title: str
    text: str = ""


def cluster(stories: Sequence[StoryText]) -> list[list[int]]:
    """Groups of indexes into `stories`, each in input order; singletons included, groups
    ordered by their first member."""
    titles = [_title_words(s.title) for s in stories]
    sketches = [sketch(s.title, s.text) if s.text.strip() else frozenset() for s in stories]
    parent = list(range(len(stories)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    exact: dict[str, int] = {}
    for i, story in enumerate(stories):
        key = " ".join(_words(story.title))
        if key:
            join(i, exact.setdefault(key, i))
    for i, j in _similar_pairs(titles, TITLE_SIMILAR):
        join(i, j)
    # Sketches that search calls copies share at least COPY_THRESHOLD of the bottom
    # SKETCH_SIZE hashes of their union, so their plain Jaccard is at least T/(2-T):
    # pairs are found at that bound and confirmed with search's own estimate.
    for i, j in _similar_pairs(sketches, COPY_THRESHOLD / (2 - COPY_THRESHOLD)):
        if similarity(sketches[i], sketches[j]) >= COPY_THRESHOLD:
            join(i, j)
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(len(stories)):
        groups[root(i)].append(i)
    return sorted(groups.values(), key=lambda group: group[0])


def _similar_pairs(sets: list[frozenset], threshold: float):
    """(i, j), j < i, whose sets' Jaccard similarity reaches threshold.

    Prefix filtering (Bayardo et al., "Scaling up all pairs similarity search"): with
    tokens ordered rarest first, two sets can only reach the threshold if they share a
    token among the first |s| - ceil(threshold·|s|) + 1 of each, so only those prefixes
    are indexed and probed, and common tokens cost nothing.
    """
    frequency = Counter(token for tokens in sets for token in tokens)
    rank = {token: n for n, token in enumerate(sorted(frequency, key=frequency.__getitem__))}
    index: defaultdict[object, list[int]] = defaultdict(list)
    for i, tokens in enumerate(sets):
        if not tokens:
            continue
        ordered = sorted(tokens, key=rank.__getitem__)
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        seen: set[int] = set()
        for token in prefix:
            for j in index[token]:
                if j in seen:
                    continue
                seen.add(j)
                shared = len(tokens & sets[j])
                if shared / (len(tokens) + len(sets[j]) - shared) >= threshold:
                    yield i, j
        for token in prefix:
            index[token].append(i)


def _words(text: str) -> list[str]:
    return [fold(word) for word in split_words(text)]


def _title_words(title: str) -> frozenset[str]:
    words = [w for w in _words(title) if w not in STOPWORDS]
    return frozenset(words) if len(words) >= MIN_TITLE_WORDS else frozenset()


@dataclass
class Story:
    """A group of copies: the first one added leads, the others are its copies."""

    lead: object  # the caller's key of the leading article
    sketch: frozenset[int]
    published: datetime
    copies: list = field(default_factory=list)


class Stories:
    """Articles added in rank order, grouped into stories as they come."""

    def __init__(self):
        self.stories: list[Story] = []

    def find(self, title: str, text: str, published: datetime) -> tuple[Story | None, frozenset]:
        """(the story an article is a copy of, or None; the article's sketch)."""
        mark = sketch(title, text)
        for story in self.stories:
            close = abs(story.published - published) <= WINDOW
            if close and similarity(story.sketch, mark) >= COPY_THRESHOLD:
                return story, mark
        return None, mark

    def add(self, key, title: str, text: str, published: datetime) -> Story | None:
        """Add an article: the story it is a copy of (now listing it), or None when it
        leads a new story."""
        story, mark = self.find(title, text, published)
        if story is not None:
            story.copies.append(key)
            return story
        self.stories.append(Story(key, mark, published))
        return None
