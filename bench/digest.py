"""Digest benchmark: compose and render digests of thousands of matched candidates.

    .venv/bin/python bench/digest.py [--candidates 5000] [--repeat 5] [--seed 1]
                                     [--dockets 1000,2000,5000] [--skip-baseline]

Three parts, each beside its baseline in the same run:

1. A busy day: 5,000 candidates, two topics, headlines drawn from a Zipf-weighted
   vocabulary (the mission's English and Spanish words and 6,000 made-up ones: a few
   words very common, most rare), one story in five carried by 2-6 outlets with edited
   headlines (what clustering must collapse), ~200-character snippets with hits, published
   over the last 30 hours. Timed: compose (filter, cluster, rank) + render (Telegram HTML,
   split into ≤4096-character parts), best of --repeat. Target (issue #5): at most 1 s.
2. Court dockets (the hardening issue, item 2): half of the candidates near-copies of
   each other (the same docket entry from CourtListener, Justia, a RECAP mirror: groups
   of 2-8, and four of n/10, n/25, n/50, n/100), the other half distinct entries; all
   share the court's boilerplate (captions, "Petitioner, v.", the agency's number, the
   panel), where plain prefix filtering degenerates. Compose time for each size, beside
   the grouping of the commit before (`baseline_cluster`, a copy of it, kept here only),
   and the groups found against the ones made. Target: 5,000 composed in ≤ 1 s.
3. The event loop during a 5,000-docket digest (`digest_chat`, dry run, a real SQLite
   store): how late a coroutine that wakes every 5 ms runs, the worst delay being how
   long a chat command would wait. Target: ≤ 1 s. Baselines: the same digest built on the
   loop, with the old grouping (what the service did) and with the new one.

Reported, not enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import platform
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.digest.compose as compose_module
from bot.digest.compose import compose
from bot.digest.model import Candidate
from bot.digest.render import render
from bot.match.matcher import Match
from bot.match.text import fold, split_words
from bot.model import Article, FeedSpec
from bot.pipeline.digests import ChatPlan, compose_for, digest_chat
from bot.store import Store
from bot.stories.cluster import MIN_TITLE_WORDS, STOPWORDS, TITLE_SIMILAR, StoryText, cluster
from bot.stories.sketch import THRESHOLD as COPY_THRESHOLD
from bot.stories.sketch import similarity, sketch
from bot.telegram_html import MESSAGE_LIMIT, visible_length

TARGET_SECONDS = 1.0
LOOP_TARGET_SECONDS = 1.0
TICK = 0.005  # the probe coroutine's sleep
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


# --- Court dockets ------------------------------------------------------------------------

SYLLABLES_DOCKET = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]
RESPONDENTS = ["Garland", "Mayorkas", "Bondi", "Noem", "Wolf", "Barr"]
ENTRIES = [
    "stay of removal granted",
    "petition for review",
    "petition denied",
    "extension of time",
    "notice of appearance",
    "motion to dismiss",
    "administrative record filed",
    "opening brief",
    "answering brief",
    "dismissed",
]
CAPTION = "UNITED STATES COURT OF APPEALS FOR THE NINTH CIRCUIT. FILED."
BOILERPLATE = (
    "On Petition for Review of an Order of the Board of Immigration Appeals. MEMORANDUM. "
    "This disposition is not appropriate for publication and is not precedent except as "
    "provided by Ninth Circuit Rule 36-3."
)
MIRRORS = ["courtlistener.com", "justia.com", "casetext.com", "law.example", "news.google.com"]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES_DOCKET) for _ in range(rng.randint(2, 3))).capitalize()


def _docket(rng: random.Random) -> tuple[str, str]:
    """A docket entry's headline and text: a three-word petitioner, a number, an agency
    number and a panel of its own; the caption, parties' roles and boilerplate of all."""
    respondent, entry = rng.choice(RESPONDENTS), rng.choice(ENTRIES)
    petitioner = f"{_name(rng)} {_name(rng)} {_name(rng)}"
    number = f"{rng.randint(19, 26)}-{rng.randint(1000, 9999)}"
    agency = f"A{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"
    title = f"{petitioner} v. {respondent}, No. {number}: {entry}"
    text = (
        f"No. {number}. {petitioner}, Petitioner, v. {respondent}, Respondent. Agency No. "
        f"{agency}. Submitted {rng.choice(['Nov.', 'Dec.'])} {rng.randint(1, 28)}, 2026. "
        f"Before: {_name(rng)}, {_name(rng)} and {_name(rng)}, Circuit Judges. "
        f"{CAPTION} {BOILERPLATE}"
    )
    return title, text


def _near_copy(rng: random.Random, title: str, text: str) -> tuple[str, str]:
    """The same entry elsewhere: the headline as another site writes it, a word of the
    opening changed or not."""
    words = text.split()
    if rng.random() < 0.5:
        words[rng.randrange(len(words) // 2)] = rng.choice(["filed", "entered", "docketed"])
    title = rng.choice([title, f"{title} - CourtListener", f"RECAP: {title}", title.upper(),
                        f"{title} (Justia)"])  # fmt: skip
    return title, " ".join(words)


def build_dockets(n: int, seed: int = 1) -> tuple[list[Candidate], list[list[int]]]:
    """n docket candidates, in random order, and the stories they were made as (lists of
    article ids): half of them in groups of near-copies, the other half alone."""
    rng = random.Random(seed)
    copies = n // 2
    sizes = [size for size in (n // 10, n // 25, n // 50, n // 100) if size >= 2]
    while (room := copies - sum(sizes)) >= 2:
        sizes.append(min(rng.randint(2, 8), room))
    sizes[-1] += copies - sum(sizes)  # the last copy left over, if any
    made: list[list[tuple[str, str]]] = []
    for size in sizes:
        title, text = _docket(rng)
        made.append([(title, text)] + [_near_copy(rng, title, text) for _ in range(size - 1)])
    made += [[_docket(rng)] for _ in range(n - sum(len(m) for m in made))]
    flat = [(story, entry) for story, entries in enumerate(made) for entry in entries]
    rng.shuffle(flat)
    out, stories = [], defaultdict(list)
    for article, (story, (title, text)) in enumerate(flat, start=1):
        stories[story].append(article)
        outlet = MIRRORS[article % len(MIRRORS)]
        out.append(
            Candidate(
                article_id=article,
                topic=rng.choice(["mpp", "asylum"]),
                score=round(rng.uniform(1, 8), 2),
                snippet=text[:200],
                highlights=((0, 3),),
                title=title,
                url=f"https://{outlet}/docket/{article}",
                outlet=outlet,
                feed="Google News" if outlet == "news.google.com" else "Dockets",
                published=NOW - timedelta(hours=rng.uniform(0, 30)),
                found=NOW - timedelta(hours=rng.uniform(0, 20)),
                text=text,
            )
        )
    return out, sorted(stories.values())


# --- The grouping of the commit before (the baseline; a copy, kept here only) ------------


def baseline_cluster(stories: Sequence[StoryText]) -> list[list[int]]:
    """bot/stories/cluster.py's `cluster` before the hardening: prefix filtering over
    article counts, every token indexed, no cap (the quadratic one)."""
    titles = [_baseline_title_words(s.title) for s in stories]
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
        key = " ".join(fold(w) for w in split_words(story.title))
        if key:
            join(i, exact.setdefault(key, i))
    for i, j in _baseline_similar_pairs(titles, TITLE_SIMILAR):
        join(i, j)
    for i, j in _baseline_similar_pairs(sketches, COPY_THRESHOLD / (2 - COPY_THRESHOLD)):
        if similarity(sketches[i], sketches[j]) >= COPY_THRESHOLD:
            join(i, j)
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(len(stories)):
        groups[root(i)].append(i)
    return sorted(groups.values(), key=lambda group: group[0])


def _baseline_similar_pairs(sets: list[frozenset], threshold: float):
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


def _baseline_title_words(title: str) -> frozenset[str]:
    words = [w for w in (fold(w) for w in split_words(title)) if w not in STOPWORDS]
    return frozenset(words) if len(words) >= MIN_TITLE_WORDS else frozenset()


def grouped(candidates: list[Candidate], grouping=cluster) -> list[list[int]]:
    """The stories `grouping` makes of the candidates, as compose sees them (one text an
    article, in article order), as sorted lists of article ids."""
    first = {}
    for c in sorted(candidates, key=lambda c: c.article_id):
        first.setdefault(c.article_id, c)
    ids = list(first)
    groups = grouping([StoryText(c.title, c.text) for c in first.values()])
    return sorted(sorted(ids[i] for i in group) for group in groups)


TOPICS = [("mpp", "Remain in Mexico (MPP)"), ("asylum", "Asylum")]


def compose_time(candidates: list[Candidate], repeat: int, grouping=None) -> tuple[float, int]:
    """Best compose time of `repeat` (with `grouping` in place of cluster: the baseline),
    and how many stories the digest has."""
    best, stories = math.inf, 0
    with mock.patch.object(compose_module, "cluster", grouping or cluster):
        for _ in range(repeat):
            started = time.perf_counter()
            digest = compose(
                candidates, kind="digest", chat_name="Border team", topics=TOPICS,
                timezone="America/Tijuana", now=NOW, since=NOW - timedelta(hours=24),
            )  # fmt: skip
            best = min(best, time.perf_counter() - started)
            stories = sum(s.stories for s in digest.sections)
    return best, stories


def docket_part(sizes: list[int], repeat: int, seed: int, baseline: bool) -> None:
    print("\ncourt dockets (half near-copies): compose, best of "
          f"{repeat} (baseline: best of {min(repeat, 2)})")  # fmt: skip
    print("| candidates | stories made | found | compose | baseline compose | baseline found |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        candidates, made = build_dockets(n, seed)
        found = grouped(candidates)
        seconds, _ = compose_time(candidates, repeat)
        row = f"| {n:,} | {len(made):,} | {len(found):,}{'' if found == made else ' (differ)'} "
        row += f"| {seconds * 1000:.0f} ms |"
        if baseline:
            old_seconds, _ = compose_time(candidates, min(repeat, 2), baseline_cluster)
            old = grouped(candidates, baseline_cluster)
            row += (
                f" {old_seconds * 1000:.0f} ms | {len(old):,}{'' if old == made else ' (differ)'} |"
            )
        else:
            row += " – | – |"
        print(row)
        if n == max(sizes):
            verdict = "PASS" if seconds <= TARGET_SECONDS else "FAIL"
            print(f"{n:,} dockets composed in {seconds * 1000:.0f} ms; target ≤ "
                  f"{TARGET_SECONDS * 1000:.0f} ms: {verdict}")  # fmt: skip


# --- The event loop while a digest is built ------------------------------------------------


def docket_store(folder: str, n: int, seed: int) -> tuple[Store, ChatPlan, datetime]:
    """A store holding n docket articles of one feed, each matched to a topic now."""
    candidates, _ = build_dockets(n, seed)
    now = datetime.now(UTC)
    store = Store.open(f"sqlite:///{folder}/bot.db")
    store.sync_feeds([FeedSpec("Dockets", "https://dockets.example/feed")], now)
    feed_id = store.feed_ids()["Dockets"]
    articles, matches = [], {}
    for c in candidates:
        entry = f"docket-{c.article_id}"
        articles.append(
            Article(
                feed="Dockets", entry_id=entry, url=c.url, title=c.title, summary=c.text,
                content="", author=None, published=now - (NOW - c.published), language="en",
                outlet=c.outlet, title_key=f"key {c.article_id}", content_hash=entry,
            )
        )  # fmt: skip
        matches[entry] = [Match(c.topic, c.score, c.snippet, c.highlights)]
    store.save_poll(feed_id, articles, now, matches)
    plan = ChatPlan(
        key="1001",
        chat=1001,
        thread=None,
        name="Border team",
        topics=tuple(TOPICS),
        alert_topics=(),
        timezone="America/Tijuana",
        schedule="08:00",
        quiet=False,
    )
    return store, plan, now


async def _with_probe(work) -> tuple[float, list[float]]:
    """Run `work()` while a coroutine sleeps TICK at a time: (work's seconds, each wake's
    delay past its TICK)."""
    loop = asyncio.get_running_loop()
    delays: list[float] = []
    done = False

    async def probe():
        while not done:
            asked = loop.time()
            await asyncio.sleep(TICK)
            delays.append(loop.time() - asked - TICK)

    task = asyncio.create_task(probe())
    await asyncio.sleep(TICK * 2)  # the probe is running
    started = time.perf_counter()
    await work()
    seconds = time.perf_counter() - started
    done = True
    await task
    return seconds, delays


def loop_part(n: int, seed: int, repeat: int, baseline: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store, plan, now = docket_store(folder, n, seed)
        since = now - timedelta(hours=1)

        async def in_thread():  # what the service does now
            outcome = await digest_chat(store, None, plan, now=now, since=since, dry_run=True)
            assert sum(s.stories for s in outcome.digest.sections) > 0

        def on_loop(grouping):  # what it did: the same work on the loop
            async def work():
                with mock.patch.object(compose_module, "cluster", grouping):
                    render(compose_for(store, plan, kind="digest", now=now, since=since,
                                       max_items=10))  # fmt: skip

            return work

        runs = [("digest_chat: a worker thread, new grouping", in_thread, repeat)]
        if baseline:
            runs += [
                ("on the loop, new grouping", on_loop(cluster), repeat),
                ("on the loop, old grouping (before)", on_loop(baseline_cluster), 1),
            ]
        print(f"\nthe event loop while a {n:,}-docket digest is built (a real store; a "
              f"coroutine waking every {TICK * 1000:.0f} ms; worst of {repeat} runs)")  # fmt: skip
        print("| how | digest | wakes | worst delay | p99 delay |")
        print("|---|---|---|---|---|")
        for name, work, times in runs:
            walls, delays = [], []
            for _ in range(times):
                seconds, late = asyncio.run(_with_probe(work))
                walls.append(seconds)
                delays += late
            delays.sort()
            worst = delays[-1] if delays else math.nan
            p99 = (
                f"{delays[int(0.99 * (len(delays) - 1))] * 1000:.0f} ms"
                if len(delays) >= 100
                else "–"
            )
            print(f"| {name} | {max(walls) * 1000:.0f} ms | {len(delays) // times} | "
                  f"{worst * 1000:.0f} ms | {p99} |")  # fmt: skip
            if work is in_thread:
                verdict = "PASS" if worst <= LOOP_TARGET_SECONDS else "FAIL"
                thread_worst = worst
        print(f"a chat command waits at most {thread_worst * 1000:.0f} ms while the digest is "
              f"built; target ≤ {LOOP_TARGET_SECONDS * 1000:.0f} ms: {verdict}")  # fmt: skip
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dockets", default="1000,2000,5000",
                        help="docket workload sizes, comma-separated ('' for none)")  # fmt: skip
    parser.add_argument(
        "--skip-baseline",
        action="store_true",
        help="no timing of the old grouping (minutes at 5,000 dockets)",
    )
    args = parser.parse_args(argv)
    candidates = build(args.candidates, args.seed)
    topics = TOPICS
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
    if not args.skip_baseline:
        old_seconds, old_stories = compose_time(candidates, min(args.repeat, 2), baseline_cluster)
        print(f"baseline (the old grouping): compose {old_seconds * 1000:.0f} ms, "
              f"{old_stories:,} stories")  # fmt: skip
    sizes = [int(size) for size in args.dockets.split(",") if size.strip()]
    if sizes:
        docket_part(sizes, args.repeat, args.seed, not args.skip_baseline)
        loop_part(max(sizes), args.seed, min(args.repeat, 3), not args.skip_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
