"""Two-fold cross-validation of the topics of feeds.yaml on the real dev set.

The set is split by the parity of the number in each item's id (`rdev-001` odd, `rdev-002`
even). Tune looking only at one half's misses and false hits, then read the other half's
figures: a rule that generalizes holds on the half it was not written for.

    .venv/bin/python bench/relevance_cv.py [SET.jsonl] [--config feeds.yaml] [--errors odd|even]

Prints precision / recall per topic × language for the whole set and each half, and with
`--errors` the misses and false hits of that half only (the half being tuned on).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import topics  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.match.evaluation import ALL, evaluate_items, parse_items  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "relevance-real-dev.jsonl"


def parity(item_id: str) -> str:
    digits = re.findall(r"\d+", item_id)
    return "odd" if digits and int(digits[-1]) % 2 else "even"


def table(name: str, report) -> list[str]:
    lines = [f"{name} ({report.items} items)"]
    for t in report.topics:
        cells = "   ".join(
            f"{lang} P {c.precision:.3f} R {c.recall:.3f} ({c.tp}/{c.labeled}, fp {c.fp})"
            for lang, c in sorted(t.cells.items(), key=lambda kv: (kv[0] == ALL, kv[0]))
        )
        lines.append(f"  {t.topic:7} {cells}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--config", type=Path, default=ROOT / "feeds.yaml")
    parser.add_argument("--errors", choices=["odd", "even"], help="list this half's errors")
    args = parser.parse_args(argv)

    with args.data.open(encoding="utf-8") as source:
        items, bad = parse_items(source)
    if bad:
        print(f"{len(bad)} bad lines: {bad[:3]}", file=sys.stderr)
        return 2
    configured = topics(load_config(args.config))
    halves = {h: [i for i in items if parity(i.id) == h] for h in ("odd", "even")}
    out = table("whole set", evaluate_items(items, configured))
    for half, subset in halves.items():
        out += table(f"{half} ids", evaluate_items(subset, configured))
    print("\n".join(out))
    if args.errors:
        report = evaluate_items(halves[args.errors], configured)
        for t in report.topics:
            print(f"\n{t.topic}: {args.errors} half")
            for kind, errors in (("miss", t.misses), ("false hit", t.false_hits)):
                for e in errors:
                    print(f"  {kind}: {e.id} [{e.language}] {e.title[:70]} — {e.why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
