"""Digest benchmark: compose and render a digest from 5,000 matched candidates.

    .venv/bin/python bench/digest.py [--candidates 5000] [--repeat 5] [--seed 1]

The candidates are synthetic but shaped like a busy day: two topics, headlines drawn
from a Zipf-weighted vocabulary (the mission's English and Spanish words and 6,000 made-up
ones: a few words very common, most rare), one story in five carried by 2-6 outlets with
edited headlines (what clustering must collapse), ~200-character snippets with hits,
published over the last 30 hours. Timed: compose (filter, cluster, rank) + render
(Telegram HTML, split into ≤4096-character parts), best of --repeat. Target (issue #5):
at most 1 s. Reported, not enforced.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.digest.compose import compose
from bot.digest.model import Candidate
from bot.digest.render import render
from bot.telegram_html import MESSAGE_LIMIT, visible_length

TARGET_SECONDS = 1.0
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
VOCABULARY = """asylum officers court ruling remain mexico policy shelters tijuana migrants judge
    appeals circuit brief officials hearing families border patrol cbp title 42 credible fear
    backlog ciudad juárez matamoros quédate en méxico solicitantes de asilo refugio albergues
    frontera audiencia corte migrantes política gobierno administración trump biden dhs uscis"""
WORDS = VOCABULARY.split()
SYLLABLES = [c + v for c in "bcdfglmnprstv" for v in "aeio"]


def vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    """News words: the mission's words plus made-up ones, Zipf-weighted (a few very common,
    most rare), as headline words are."""
    words = list(WORDS)
    while len(words) < size:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    rng.shuffle(words)
    return words, [1 / (rank + 1) for rank in range(len(words))]


OUTLETS = [f"outlet{i}.example" for i in range(60)] + ["news.google.com"]


def build(n: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    words, weights = vocabulary(rng)

    def some(k: int) -> list[str]:
        return rng.choices(words, weights, k=k)

    out: list[Candidate] = []
    article = 0
    while len(out) < n:
        headline = some(rng.randint(7, 13))
        lead_text = " ".join(some(60))
        copies = rng.choice([1, 1, 1, 1, rng.randint(2, 6)])
        topic = rng.choice(["mpp", "asylum"])
        published = NOW - timedelta(hours=rng.uniform(0, 30))
        for copy in range(copies):
            title = list(headline)
            if copy:  # an edited headline: one word changed
                title[rng.randrange(len(title))] = some(1)[0]
            snippet = " ".join(some(30))
            article += 1
            out.append(
                Candidate(
                    article_id=article,
                    topic=topic,
                    score=round(rng.uniform(1, 8), 2),
                    snippet=snippet[:200],
                    highlights=((0, len(snippet.split()[0])),),
                    title=" ".join(title).capitalize(),
                    url=f"https://{OUTLETS[article % len(OUTLETS)]}/story/{article}",
                    outlet=OUTLETS[article % len(OUTLETS)],
                    feed="Google News" if article % len(OUTLETS) == 60 else "Outlet feed",
                    published=published + timedelta(minutes=copy * 7),
                    found=NOW - timedelta(hours=rng.uniform(0, 20)),
                    text=lead_text,
                )
            )
    return out[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    candidates = build(args.candidates, args.seed)
    topics = [("mpp", "Remain in Mexico (MPP)"), ("asylum", "Asylum")]
    times, compose_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        digest = compose(
            candidates, kind="digest", chat_name="Border team", topics=topics,
            timezone="America/Tijuana", now=NOW, since=NOW - timedelta(hours=24),
        )  # fmt: skip
        composed = time.perf_counter()
        parts = render(digest)
        finished = time.perf_counter()
        times.append(finished - started)
        compose_times.append(composed - started)
    best = min(times)
    stories = sum(s.stories for s in digest.sections)
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"candidates: {len(candidates):,} matches; stories after collapsing copies: {stories:,}")
    print(
        f"parts: {len(parts)}, longest {max(visible_length(p) for p in parts)} of {MESSAGE_LIMIT}"
    )
    print(
        f"compose + render: best {best * 1000:.0f} ms of {args.repeat} "
        f"(compose {min(compose_times) * 1000:.0f} ms); target ≤ {TARGET_SECONDS * 1000:.0f} ms: "
        f"{'PASS' if best <= TARGET_SECONDS else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
