"""`python -m bot evaluate FILE.jsonl`: precision and recall of the topics of feeds.yaml
on labeled items, per topic and language, then each miss and false hit and why. The
figures come from bot/match/evaluation.py; this module reads the file and prints."""

from __future__ import annotations

import json
import sys

from bot.app import topics
from bot.cli.args import mark
from bot.errors import UsageError
from bot.match.evaluation import ALL, Error, Report, evaluate_items, parse_items


def cmd_evaluate(args, env, config) -> int:
    chosen = topics(config)
    if args.topic is not None:
        chosen = [t for t in chosen if t.id == args.topic]
        if not chosen:
            known = ", ".join(t.id for t in topics(config)) or "none"
            raise UsageError(f"--topic: no topic {args.topic!r} in feeds.yaml (topics: {known})")
    floor = parse_floor(args.floor)
    try:
        with args.file.open(encoding="utf-8") as source:
            items, bad = parse_items(source)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.file}: cannot read: {exc}") from None
    for line in bad:
        print(f"evaluate: {args.file}: line {line.line}: {line.error}", file=sys.stderr)
    if not items:
        raise UsageError(f"{args.file}: no labeled items to evaluate")
    report = evaluate_items(items, chosen)
    configured = {t.id for t in topics(config)}  # --topic leaves the others out, not unknown
    report.unknown_topics = [t for t in report.unknown_topics if t not in configured]
    below = report.below(*floor) if floor else []
    if args.json:
        document = {"file": str(args.file), **report.as_dict()}
        document["bad_lines"] = [{"line": b.line, "error": b.error} for b in bad]
        document["floor"] = None
        if floor:
            document["floor"] = {
                "precision": floor[0],
                "recall": floor[1],
                "passed": not below,
                "below": [
                    {"topic": t, "language": lang, "precision": round(c.precision, 4),
                     "recall": round(c.recall, 4)}
                    for t, lang, c in below
                ],
            }  # fmt: skip
        print(json.dumps(document, ensure_ascii=False))
    else:
        print_report(report, len(bad))
        if floor:
            print_floor(floor, below)
    return 1 if bad or below else 0


def parse_floor(value: str | None) -> tuple[float, float] | None:
    """--floor P,R (or one number for both) → (precision, recall), each in [0, 1]."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 1:
        numbers *= 2
    if len(numbers) != 2 or not all(0 <= n <= 1 for n in numbers):
        raise UsageError(f"--floor: {value!r} is not P,R (two numbers from 0 to 1, e.g. 0.9,0.8)")
    return numbers[0], numbers[1]


def print_report(report: Report, bad: int) -> None:
    extra = f" ({bad} bad line{'s' if bad != 1 else ''} skipped)" if bad else ""
    print(f"{report.items} labeled items{extra}")
    if report.unknown_topics:
        print(f"labels naming no topic of feeds.yaml: {', '.join(report.unknown_topics)}")
    for topic in report.topics:
        print(f"\n{topic.topic}")
        print(f"  {'lang':<6}{'items':>6}{'labeled':>9}{'P':>7}{'R':>7}", end="")
        print(f"{'misses':>8}{'false hits':>12}")
        for language, c in topic.cells.items():
            if language == ALL and len(topic.cells) == 2:
                continue  # one language: its row says it all
            print(
                f"  {language:<6}{c.items:>6}{c.labeled:>9}{c.precision:>7.3f}{c.recall:>7.3f}"
                f"{c.fn:>8}{c.fp:>12}"
            )
        print_errors("misses", topic.misses, show_snippet=False)
        print_errors("false hits", topic.false_hits, show_snippet=True)


def print_errors(label: str, errors: list[Error], show_snippet: bool) -> None:
    if not errors:
        return
    print(f"  {label}:")
    for e in errors:
        print(f"    {e.id} [{e.language or '?'}] {shorten(e.title)} — {e.why}")
        if show_snippet and e.snippet:
            flat = "".join(" " if ch.isspace() else ch for ch in e.snippet)  # offsets kept
            print(f"      {mark(flat, e.highlights)}")


def print_floor(floor: tuple[float, float], below) -> None:
    print(
        f"\nfloor: precision >= {floor[0]:.2f} and recall >= {floor[1]:.2f} per topic and language"
    )
    for topic, language, c in below:
        print(f"  below: {topic} [{language}] precision {c.precision:.3f} recall {c.recall:.3f}")
    print("PASS" if not below else "FAIL")


def shorten(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
