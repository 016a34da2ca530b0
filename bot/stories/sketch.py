"""MinHash sketches: what tells the same wire story on several sites from news that
merely shares a topic. Pure: texts in, sketches and similarities out; grouping them is
bot/stories/cluster.py.

Exact copies (the same canonical URL, or Google News' copy of an outlet's entry) never
become two articles: the store records them as sightings. What is left are copies with
their own URLs and small edits (headline tweaks, a local paragraph, another footer).
Each story gets a bottom-k MinHash sketch of the word 3-grams of its title and lead;
two stories whose estimated Jaccard similarity reaches THRESHOLD, published within
WINDOW of each other, are the same story. Rejected: SimHash (a 64-step loop per
shingle in Python, ten times slower here) and a persistent LSH index at ingestion (an
index on every insert for a question only search and digests ask, about a few dozen
articles at a time).
"""

from __future__ import annotations

import heapq
import zlib
from datetime import timedelta

from bot.match.text import WORD, fold

LEAD_WORDS = 50  # copies share the title and lead; sites append their own footers
SKETCH_SIZE = 48
THRESHOLD = 0.5
WINDOW = timedelta(days=7)


def sketch(title: str, text: str) -> frozenset[int]:
    """The bottom-k MinHash sketch of the story's title and lead (folded word 3-grams)."""
    lead = f"{title}\n{text[: LEAD_WORDS * 8]}"
    words = WORD.findall(lead.lower() if lead.isascii() else lead)[:LEAD_WORDS]
    if not lead.isascii():
        words = [fold(w) for w in words]
    grams = {zlib.crc32(" ".join(words[i : i + 3]).encode()) for i in range(len(words) - 2)}
    if not grams and words:
        grams = {zlib.crc32(" ".join(words).encode())}
    return frozenset(heapq.nsmallest(SKETCH_SIZE, grams))


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Estimated Jaccard similarity of the stories behind two sketches (below THRESHOLD,
    an upper bound of the estimate: pairs far apart are not worth the exact figure)."""
    if not a or not b:
        return 0.0
    shared, larger = len(a & b), max(len(a), len(b))
    if shared < THRESHOLD * larger:
        return shared / larger  # an upper bound of the estimate, already below THRESHOLD
    union = heapq.nsmallest(SKETCH_SIZE, a | b)
    return sum(1 for h in union if h in a and h in b) / len(union)
