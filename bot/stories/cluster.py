"""Grouping copies: the same wire story or press release on several sites, as one story.

One rule of what a copy is (bot/stories/sketch.py), two ways of grouping. Search's
`Stories` takes a page of ranked results one by one, each joining the first story it
copies. A digest's `cluster` weighs thousands of stories at once: two are one when
their headlines are the same, or share most of their content words (Jaccard of the word
sets at least TITLE_SIMILAR: Google News items have nothing but a headline), or their
sketches call them copies. Pure: texts in, groups out.

Pairs are found by prefix filtering over an inverted index (`_join_similar`), not the n²
comparisons of a loop, and kept near-linear where plain prefix filtering is not:
- tokens are counted once per story found so far, not once per article, so the words of
  a story carried 500 times are rare (they tell that story apart), and a token only one
  story has is never indexed (its copies are already one);
- headlines are indexed by pairs of words from a slightly longer prefix (two sets that
  share enough words share two in those prefixes), which common words alone rarely are;
- an index entry holds at most a few stories (POSTING_CAP, TITLE_POSTING_CAP): a token
  more stories share, court-docket or press-release boilerplate, a word like "asylum",
  tells nothing, and probing it is what made a day of court dockets quadratic
  (bench/README.md). Only pairs whose every shared early token is such a token can be
  missed (a story's copies split, never two stories joined); copies share their own text.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from bot.match.text import fold, split_words
from bot.stories.sketch import THRESHOLD as COPY_THRESHOLD
from bot.stories.sketch import WINDOW, similarity, sketch

TITLE_SIMILAR = 0.6
MIN_TITLE_WORDS = 3  # shorter headlines ("Asylum news") only cluster when identical
POSTING_CAP = 16  # stories an index entry of sketch hashes holds; past it the hash is boilerplate
TITLE_POSTING_CAP = 32  # the same for pairs of headline words

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
    groups = _Groups(len(stories))
    exact: dict[str, int] = {}
    for i, story in enumerate(stories):
        key = " ".join(_words(story.title))
        if key:
            groups.join(i, exact.setdefault(key, i))
    # Jaccard ≥ t needs t·|s| shared words, two of them at least (MIN_TITLE_WORDS).
    _join_similar(titles, groups, TITLE_SIMILAR, TITLE_SIMILAR, cap=TITLE_POSTING_CAP, keys=2)
    # Sketches that search calls copies share at least COPY_THRESHOLD of the bottom
    # SKETCH_SIZE hashes of their union: COPY_THRESHOLD of the larger sketch's hashes, and
    # a plain Jaccard of at least T/(2-T). Pairs are found at those bounds and confirmed
    # with search's own estimate.
    _join_similar(
        sketches, groups, COPY_THRESHOLD, COPY_THRESHOLD / (2 - COPY_THRESHOLD),
        cap=POSTING_CAP, confirm=_copies,
    )  # fmt: skip
    members: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(len(stories)):
        members[groups.root(i)].append(i)
    return sorted(members.values(), key=lambda group: group[0])


class _Groups:
    """Union-find over indexes: each group is named by its smallest member."""

    def __init__(self, size: int):
        self.parent = list(range(size))

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.root(i), self.root(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


_FULL: tuple[int, ...] = ()  # an index entry past its cap: too many stories share it


def _join_similar(
    sets: list[frozenset],
    groups: _Groups,
    overlap: float,
    jaccard: float,
    *,
    cap: int,
    keys: int = 1,
    confirm: Callable[[frozenset, frozenset], bool] | None = None,
) -> None:
    """Join (i, j) whose sets' Jaccard similarity reaches `jaccard` (and that `confirm`
    accepts), given that such sets share at least `overlap`·|s| tokens of each.

    Prefix filtering (Bayardo et al., "Scaling up all pairs similarity search"; ℓ-prefixes
    after Wang et al., "Can we beat the prefix filtering?"): with tokens in one global
    order, rarest first, two sets sharing o tokens share `keys` of them among the first
    |s| - o + keys of each, so only those are indexed and probed: single tokens, or pairs
    of tokens with keys=2. Rarity counts stories (the groups already known), and a token
    of one story alone is skipped: copies of it are already joined. An index entry holds
    up to `cap` articles; when more come, one per story is kept, and an entry of more than
    `cap` stories is closed: it names boilerplate, and probing it is the n² of old.
    """
    root = groups.root
    story_tokens: dict[int, frozenset] = {}
    for i, tokens in enumerate(sets):
        if tokens:
            r = root(i)
            story_tokens[r] = story_tokens[r] | tokens if r in story_tokens else tokens
    stories = Counter(token for tokens in story_tokens.values() for token in tokens)
    shared = sorted((token for token, n in stories.items() if n > 1), key=stories.__getitem__)
    rank = {token: n for n, token in enumerate(shared)}  # one story's tokens come first
    index: dict[object, list[int] | tuple[int, ...]] = {}
    for i, tokens in enumerate(sets):
        size = len(tokens)
        if not size:
            continue
        ordered = [token for token in tokens if token in rank]
        length = size - math.ceil(overlap * size) + keys - (size - len(ordered))
        if length < keys:
            continue  # its prefix is tokens no other story has
        ordered.sort(key=rank.__getitem__)
        prefix = ordered[:length] if keys == 1 else list(combinations(ordered[:length], keys))
        mine, seen = root(i), set()
        for key in prefix:
            for j in index.get(key, ()):
                if j in seen:
                    continue
                seen.add(j)
                if root(j) == mine:
                    continue
                other = sets[j]
                common = len(tokens & other)
                if common / (size + len(other) - common) >= jaccard and (
                    confirm is None or confirm(tokens, other)
                ):
                    groups.join(i, j)
                    mine = root(i)
        for key in prefix:
            posting = index.get(key)
            if posting is None:
                index[key] = [i]
            elif posting is _FULL:
                continue
            elif len(posting) < cap:
                posting.append(i)
            else:
                kept: dict[int, int] = {}
                for j in posting:
                    kept.setdefault(root(j), j)
                index[key] = [*kept.values(), i] if len(kept) < cap else _FULL


def _copies(a: frozenset[int], b: frozenset[int]) -> bool:
    return similarity(a, b) >= COPY_THRESHOLD


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
    """Articles added in rank order, grouped into stories as they come.

    Two sketches can only be copies if they share a hash (similarity needs half of the
    larger one shared), so each article is compared with the stories that share one, found
    through an index of hashes, not with every story so far: a page of 200 candidates
    costs a few hundred comparisons instead of 20,000."""

    def __init__(self):
        self.stories: list[Story] = []
        self._by_hash: dict[int, list[int]] = {}

    def find(self, title: str, text: str, published: datetime) -> tuple[Story | None, frozenset]:
        """(the story an article is a copy of, or None; the article's sketch). Of several,
        the first added, as a plain scan would find."""
        mark = sketch(title, text)
        sharing = sorted({n for h in mark for n in self._by_hash.get(h, ())})
        for number in sharing:
            story = self.stories[number]
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
        for h in mark:
            self._by_hash.setdefault(h, []).append(len(self.stories))
        self.stories.append(Story(key, mark, published))
        return None
