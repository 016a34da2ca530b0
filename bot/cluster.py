"""Near-duplicate stories: the same wire story or press release on several sites.

Two stories are one when their headlines share most of their content words (Jaccard of
the word sets at least TITLE_SIMILAR) or their opening text shares most of its
three-word shingles (wire copies under edited headlines). Candidates are found through
an inverted index, so a digest of thousands of stories costs milliseconds, not the
n² comparisons of a pairwise loop. Pure: texts in, groups of indexes out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.feeds.normalize import title_key

TITLE_SIMILAR = 0.6
TEXT_SIMILAR = 0.5
MIN_TITLE_WORDS = 3  # shorter headlines ("Asylum news") only cluster when identical
MIN_TEXT_WORDS = 20  # a teaser shorter than this says too little to compare
TEXT_WORDS = 60  # the opening of the text is what wire copies share
COMMON_POSTINGS = 400  # a token in more stories than this is noise for finding pairs

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
    texts = [_shingles(s.text) for s in stories]
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
        key = title_key(story.title)
        if key:
            join(i, exact.setdefault(key, i))
    for sets, threshold in ((titles, TITLE_SIMILAR), (texts, TEXT_SIMILAR)):
        for i, j in _similar_pairs(sets, threshold):
            join(i, j)
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(len(stories)):
        groups[root(i)].append(i)
    return sorted(groups.values(), key=lambda group: group[0])


def _similar_pairs(sets: list[frozenset], threshold: float):
    """(i, j) with j < i whose sets' Jaccard similarity reaches threshold."""
    postings: defaultdict[object, list[int]] = defaultdict(list)
    for i, tokens in enumerate(sets):
        for token in tokens:
            postings[token].append(i)
    for i, tokens in enumerate(sets):
        if not tokens:
            continue
        shared: Counter[int] = Counter()
        for token in tokens:
            found = postings[token]
            if len(found) <= COMMON_POSTINGS:
                shared.update(j for j in found if j < i)
        for j, count in shared.items():
            if count / (len(tokens) + len(sets[j]) - count) >= threshold:
                yield i, j


def _title_words(title: str) -> frozenset[str]:
    words = [w for w in title_key(title).split() if w not in STOPWORDS]
    return frozenset(words) if len(words) >= MIN_TITLE_WORDS else frozenset()


def _shingles(text: str) -> frozenset[tuple[str, str, str]]:
    words = title_key(text).split()[:TEXT_WORDS]
    if len(words) < MIN_TEXT_WORDS:
        return frozenset()
    return frozenset(zip(words, words[1:], words[2:], strict=False))
