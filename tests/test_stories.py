"""Story grouping (bot/stories/cluster.py): the same groups as comparing every pair, on
inputs where that can be checked, and near-copies found among thousands of court-docket
items whose boilerplate every one of them shares. Correctness, not time: bench/digest.py
times it."""

from __future__ import annotations

import importlib.util
import itertools
import random
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import bot.stories.cluster as clustering
from bot.match.text import fold, split_words
from bot.stories.cluster import MIN_TITLE_WORDS, STOPWORDS, TITLE_SIMILAR, StoryText, cluster
from bot.stories.sketch import THRESHOLD, similarity, sketch

REPO = Path(__file__).resolve().parent.parent


@cache
def _bench():
    """bench/digest.py, where the docket workload is made (its figures: bench/README.md)."""
    spec = importlib.util.spec_from_file_location("bench_digest", REPO / "bench" / "digest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def every_pair(stories: list[StoryText]) -> list[list[int]]:
    """The rule, literally: n² comparisons, joined transitively."""
    words = [[fold(w) for w in split_words(s.title)] for s in stories]
    keys = [" ".join(w) for w in words]
    titles = [frozenset(x for x in w if x not in STOPWORDS) for w in words]
    titles = [t if len([x for x in w if x not in STOPWORDS]) >= MIN_TITLE_WORDS else frozenset()
              for t, w in zip(titles, words, strict=True)]  # fmt: skip
    sketches = [sketch(s.title, s.text) if s.text.strip() else frozenset() for s in stories]
    parent = list(range(len(stories)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(stories)), 2):
        a, b = titles[i], titles[j]
        same = (keys[i] and keys[i] == keys[j]) or (
            a and b and len(a & b) / len(a | b) >= TITLE_SIMILAR
        )
        if same or similarity(sketches[i], sketches[j]) >= THRESHOLD:
            parent[max(root(i), root(j))] = min(root(i), root(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(stories)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def edited_stories(rng: random.Random, vocabulary: int, n: int) -> list[StoryText]:
    """Stories from a small vocabulary, many of them edits of earlier ones: headlines of
    1-9 words, texts of 0-60 words, a few words changed in each copy."""
    words = [f"w{k}" for k in range(vocabulary)]
    made: list[tuple[list[str], list[str]]] = []
    stories = []
    for _ in range(n):
        if made and rng.random() < 0.4:
            title, text = (list(part) for part in rng.choice(made))
            for _ in range(rng.randint(0, 3)):
                title[rng.randrange(len(title))] = rng.choice(words)
            for _ in range(rng.randint(0, 12) if text else 0):
                text[rng.randrange(len(text))] = rng.choice(words)
        else:
            title = [rng.choice(words) for _ in range(rng.randint(1, 9))]
            text = [rng.choice(words) for _ in range(rng.choice([0, 3, 20, 60]))]
            made.append((title, text))
        stories.append(StoryText(" ".join(title), " ".join(text)))
    return stories


def test_under_the_caps_the_groups_are_those_of_every_pair():
    # Sixteen stories: no index entry can reach its cap, so nothing may be missed.
    assert clustering.POSTING_CAP >= 16 and clustering.TITLE_POSTING_CAP >= 16
    for seed in range(300):
        rng = random.Random(seed)
        stories = edited_stories(rng, rng.choice([8, 20, 60, 300]), rng.randint(2, 16))
        assert cluster(stories) == every_pair(stories), seed


def test_without_caps_the_groups_are_those_of_every_pair(monkeypatch):
    # Larger inputs from a tiny vocabulary: the pruning by story counts, the skipped
    # tokens of one story and the headline word pairs lose nothing; only the caps may.
    monkeypatch.setattr(clustering, "POSTING_CAP", 10**9)
    monkeypatch.setattr(clustering, "TITLE_POSTING_CAP", 10**9)
    for seed in range(60):
        rng = random.Random(seed)
        stories = edited_stories(rng, rng.choice([8, 20, 60]), rng.randint(20, 120))
        assert cluster(stories) == every_pair(stories), seed


def test_with_the_caps_a_group_may_only_be_missed_never_made_up():
    # The caps drop candidates, never the rule: each group found lies within one of the
    # rule's, and on these inputs (8-300 words in all) hardly any is split.
    split = 0
    for seed in range(300):
        rng = random.Random(seed)
        stories = edited_stories(rng, rng.choice([8, 20, 60, 300]), rng.randint(2, 120))
        found, truth = cluster(stories), every_pair(stories)
        of = {i: n for n, group in enumerate(truth) for i in group}
        assert all(len({of[i] for i in group}) == 1 for group in found), seed
        split += found != truth
    assert split <= 3


@pytest.mark.parametrize("n", [400, 5000])
def test_near_copy_dockets_are_grouped_as_they_were_made(n):
    """Half the items are near-copies (groups of 2-8, and of n/10, n/25, n/50, n/100), the
    other half distinct entries with the same court boilerplate: each group is found
    whole, and no two distinct entries are joined."""
    bench = _bench()
    candidates, made = bench.build_dockets(n, seed=7)
    found = bench.grouped(candidates)
    assert sum(len(g) for g in made if len(g) > 1) == n // 2
    assert max(len(g) for g in made) == n // 10
    assert len(found) == len(made)
    assert found == made


def test_a_story_carried_by_hundreds_of_sites_is_one_group():
    wire = " ".join(f"word{i}" for i in range(60))
    stories = [StoryText(f"Judge blocks asylum ban, site {k} reports", wire) for k in range(600)]
    stories += [StoryText(f"Other story {k} q{k} r{k}", f"text {k} " * 10) for k in range(5)]
    groups = cluster(stories)
    assert groups[0] == list(range(600))
    assert len(groups) == 6


@pytest.mark.slow  # the benchmark, on tiny inputs (`make test-fast` leaves it out)
def test_the_digest_bench_runs_every_part_and_its_baselines():
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "digest.py"), "--candidates", "300",
         "--repeat", "1", "--dockets", "200,400"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "baseline (the old grouping): compose" in done.stdout
    assert "| 400 | 229 | 229 |" in done.stdout  # stories made, found
    assert "on the loop, old grouping (before)" in done.stdout
    assert "a chat command waits at most" in done.stdout
