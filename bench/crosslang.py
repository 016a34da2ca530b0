"""Cross-language placement on the dev sets: which EN×ES pairs the rule calls one event.

Every English and Spanish story of the dev sets published within the window of each other
is a pair; the rule of bot/stories/crosslang.py decides whether it is one event (a digest
then places the two together). The pairs it joins are printed with their shared tokens,
for a person to judge; `--near` also prints those that just missed. Articles whose date is
the set's placeholder for "no clue" (2024-01-01) are left out: their window means nothing.

    python bench/crosslang.py [--min-shared 3] [--min-jaccard 0.3] [--near]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.stories import crosslang  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_FILES = (DATA / "relevance-real-dev.jsonl", DATA / "relevance-dev.jsonl")
PLACEHOLDER = "2024-01-01T00:00:00Z"
TEXT_CHARS = 600  # what a digest candidate carries (bot/store/outbox_rows.py)


def load(paths) -> list[dict]:
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            rows.extend(json.loads(line) for line in lines if line.strip())
    for row in rows:
        text = (row.get("summary") or row.get("content") or "")[:TEXT_CHARS]
        row["_evidence"] = crosslang.evidence(row["title"], text)
        row["_published"] = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
    return [r for r in rows if r["published"] != PLACEHOLDER]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--min-shared", type=int, default=crosslang.MIN_SHARED)
    parser.add_argument("--min-jaccard", type=float, default=crosslang.MIN_JACCARD)
    parser.add_argument("--near", action="store_true", help="also print the near misses")
    parser.add_argument(
        "--any-time",
        action="store_true",
        help="pair every EN and ES story, whatever their dates: the evidence alone",
    )
    args = parser.parse_args(argv)
    crosslang.MIN_SHARED, crosslang.MIN_JACCARD = args.min_shared, args.min_jaccard

    rows = load(args.files)
    english = [r for r in rows if r["language"] == "en"]
    spanish = [r for r in rows if r["language"] == "es"]
    in_window, joined, near = 0, [], []
    for en, es in product(english, spanish):
        if args.any_time:
            es = {**es, "_published": en["_published"]}
        elif abs(en["_published"] - es["_published"]) > crosslang.WINDOW:
            continue
        in_window += 1
        a, b = en["_evidence"], es["_evidence"]
        shared = a & b
        jaccard = len(shared) / len(a | b) if a | b else 0.0
        entry = (jaccard, len(shared), en, es, shared)
        if crosslang.same_event(a, b, en["_published"], es["_published"]):
            joined.append(entry)
        elif len(shared) >= 2:
            near.append(entry)

    window = "" if args.any_time else f" within {crosslang.WINDOW}"
    print(f"{len(english)} EN × {len(spanish)} ES stories (placeholder dates left out); "
          f"{in_window} pairs{window}")  # fmt: skip
    print(f"rule: ≥ {crosslang.MIN_SHARED} shared tokens, Jaccard ≥ {crosslang.MIN_JACCARD}")
    print(f"joined: {len(joined)} pairs\n")
    show(joined)
    if args.near:
        print(f"\nnear misses (≥ 2 shared tokens): {len(near)}\n")
        show(near)
    return 0


def show(entries) -> None:
    for jaccard, shared, en, es, tokens in sorted(entries, key=lambda e: -e[0]):
        print(f"J={jaccard:.2f} shared={shared} {sorted(tokens)}")
        print(f"  EN {en['id']} {en['published'][:10]} {en['title'][:100]}")
        print(f"  ES {es['id']} {es['published'][:10]} {es['title'][:100]}")


if __name__ == "__main__":
    sys.exit(main())
