"""Language detection on the labelled dev sets: accuracy and speed, the bot's detector
(bot/feeds/language.py: fastText's lid.176.ftz on the title and lead) beside the one it
replaced (py3langid on the title and the whole summary), in the same run.

    .venv/bin/python bench/language.py [--repeat 5]

Reads ../shared/data/relevance-dev.jsonl and relevance-real-dev.jsonl (each item has a
gold `language`). Speed: µs a call, best of --repeat passes over every item, one process,
the model loaded before timing. py3langid is a dev dependency, for this comparison only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.feeds.language import MIN_CHARS, detect_language, title_and_lead  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SETS = ("relevance-dev.jsonl", "relevance-real-dev.jsonl")


def before(title: str, summary: str) -> str | None:
    """What the bot did before: py3langid over the title and the whole summary."""
    import py3langid

    text = f"{title}. {summary}"
    return py3langid.classify(text)[0] if len(text) >= MIN_CHARS else None


def before_on_lead(title: str, summary: str) -> str | None:
    """py3langid on the same bounded prefix the bot now reads."""
    import py3langid

    text = title_and_lead(title, summary)
    return py3langid.classify(text)[0] if len(text) >= MIN_CHARS else None


DETECTORS: dict[str, Callable[[str, str], str | None]] = {
    "py3langid, title + whole summary (before)": before,
    "py3langid, title + lead": before_on_lead,
    "fastText lid.176.ftz, title + lead (the bot)": detect_language,
}


def load(path: Path) -> list[tuple[str, str, str]]:
    """(title, summary, gold language) of each item."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r.get("title") or "", r.get("summary") or "", r["language"]) for r in rows]


def main(argv: list[str] | None = None) -> int:
    """Print accuracy per set and µs a call for each detector."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes; best is kept (5)")
    args = parser.parse_args(argv)
    missing = [name for name in SETS if not (DATA / name).is_file()]
    if missing:
        print(f"error: {', '.join(missing)} not found in {DATA}", file=sys.stderr)
        return 2
    sets = {name: load(DATA / name) for name in SETS}
    items = [item for rows in sets.values() for item in rows]
    print(f"| detector | {' | '.join(SETS)} | µs a call (best of {args.repeat}) |")
    print("|---|" + "---|" * len(SETS) + "---|")
    for label, detect in DETECTORS.items():
        detect(*items[0][:2])  # the model loads outside the timing
        cells = []
        for rows in sets.values():
            right = sum(detect(title, summary) == gold for title, summary, gold in rows)
            cells.append(f"{right}/{len(rows)} ({right / len(rows):.1%})")
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            for title, summary, _gold in items:
                detect(title, summary)
            best = min(best, (time.perf_counter() - started) / len(items))
        print(f"| {label} | {' | '.join(cells)} | {best * 1e6:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
