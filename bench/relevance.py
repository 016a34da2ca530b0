"""Topic relevance on a labeled set: `python -m bot classify` against the gold topics."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "relevance-dev.jsonl"
DEFAULT_CONFIG = ROOT / "feeds.yaml"
TARGET = 0.95  # precision and recall, each topic


@dataclass
class Score:
    """One topic's counts, with the items it got wrong."""

    topic: str
    tp: int = 0
    misses: list[dict] = field(default_factory=list)
    false_hits: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return ratio(self.tp, self.tp + len(self.false_hits))

    @property
    def recall(self) -> float:
        return ratio(self.tp, self.tp + len(self.misses))

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def passed(self) -> bool:
        return self.precision >= TARGET and self.recall >= TARGET


def ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, and 1.0 when there is nothing to count."""
    return numerator / denominator if denominator else 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labeled JSON Lines")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="feeds.yaml to test")
    return parser.parse_args(argv)


def load_items(path: Path) -> list[dict]:
    """The labeled items in file order; lines that are not JSON objects are reported."""
    items = []
    with path.open(encoding="utf-8") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                print(f"{path}: line {number}: {exc}", file=sys.stderr)
                continue
            if isinstance(item, dict) and "id" in item:
                items.append(item)
            else:
                print(f"{path}: line {number}: not an object with an id", file=sys.stderr)
    return items


def classify(data: Path, config: Path) -> tuple[dict[str, set[str]], int]:
    """Run the bot's classifier on the file: topics found per item id, and its exit code."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "classify", str(data.resolve())],
        cwd=ROOT,
        env={**os.environ, "BOT_CONFIG": str(config.resolve())},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.stderr.strip():
        print(done.stderr.rstrip(), file=sys.stderr)
    found = {}
    for line in done.stdout.splitlines():
        if line.strip():
            result = json.loads(line)
            found[result["id"]] = set(result["topics"])
    return found, done.returncode


def score(items: list[dict], found: dict[str, set[str]]) -> list[Score]:
    """Compare the classifier with the gold labels, per gold topic."""
    scores = {t: Score(t) for t in sorted({t for i in items for t in i.get("topics", [])})}
    for item in items:
        gold = set(item.get("topics", []))
        predicted = found.get(item["id"], set())
        for topic, s in scores.items():
            if topic in gold and topic in predicted:
                s.tp += 1
            elif topic in gold:
                s.misses.append(item)
            elif topic in predicted:
                s.false_hits.append(item)
    return list(scores.values())


def describe(item: dict) -> str:
    """An item's id, language and title, then the labeler's note."""
    name = f"    {item['id']} [{item.get('language')}] {item.get('title')}"
    return f"{name}\n      why: {item.get('why')}"


def print_table(scores: list[Score], count: int) -> None:
    """Per-topic counts and rates."""
    print(f"{count} labeled items\n")
    header = f"{'topic':<10}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}{'F1':>7}"
    print(header)
    print("-" * len(header))
    for s in scores:
        print(
            f"{s.topic:<10}{s.tp:>5}{len(s.false_hits):>5}{len(s.misses):>5}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}"
        )


def print_errors(scores: list[Score]) -> None:
    """Every miss and every false hit, per topic."""
    for s in scores:
        print(f"\n{s.topic}: {len(s.misses)} missed, {len(s.false_hits)} false hits")
        for label, group in (("missed", s.misses), ("false hit", s.false_hits)):
            if group:
                print(f"  {label}:")
                for item in group:
                    print(describe(item))


def print_targets(scores: list[Score]) -> None:
    """The targets, PASS or FAIL per topic and overall."""
    print(f"\ntargets: precision and recall >= {TARGET:.2f} for each topic")
    for s in scores:
        verdict = "PASS" if s.passed else "FAIL"
        print(f"  {s.topic:<10} precision {s.precision:.3f}  recall {s.recall:.3f}  {verdict}")
    print(f"overall: {'PASS' if all(s.passed for s in scores) else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    """Print the report; exit 0 whatever the figures, 2 when there is nothing to measure."""
    args = parse_args(argv)
    for label, path in (("labeled data", args.data), ("config", args.config)):
        if not path.is_file():
            print(f"{label} not found: {path}", file=sys.stderr)
            return 2
    items = load_items(args.data)
    found, code = classify(args.data, args.config)
    if code != 0 and not found:
        print(f"classify failed (exit {code}); no figures", file=sys.stderr)
        return 2
    unclassified = [item["id"] for item in items if item["id"] not in found]
    if unclassified:
        print(f"not classified ({len(unclassified)}): {', '.join(unclassified[:10])}")
    scores = score(items, found)
    print_table(scores, len(items))
    print_errors(scores)
    print_targets(scores)
    return 0


if __name__ == "__main__":
    sys.exit(main())
